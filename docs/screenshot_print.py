"""Render a printed A3 page of the Hanoi sample: docs/print_a3.png (offscreen, no display needed).

Run: python docs/screenshot_print.py
Opens the bundled project as `planner` does, measures ITDP People Near Transit at 1,000 m on the
existing network, zooms to urban Hanoi, prints an A3 landscape page to PDF and PNG (File > Print /
Export map…, the same code) and keeps a reduced copy of the PNG for the README.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from shots import ROOT, close, main_window, saved, show_lonlat, wait

URBAN_HANOI_WIDE = (105.66, 20.90, 106.00, 21.15)  # lon/lat: the core districts and both banks, for a page


def main(folder: str | os.PathLike = ROOT / "docs") -> list[Path]:
    from PySide6 import QtCore, QtGui

    from planner_gui.export import menu
    from planner_gui.export.print_layout import default_subtitle, default_title
    from planner_gui.export.print_page import PageSpec

    app, window = main_window()
    dash = window.dashboard
    dash.coverage.set_measure("itdp-pnt")
    dash.coverage.set_radius(1000)
    dash.coverage.recompute()
    wait(dash.coverage.figures_shown)
    wait(dash.coverage.runner.busy_changed, dash.coverage.runner.busy)
    show_lonlat(window, URBAN_HANOI_WIDE)
    for _ in range(3):
        app.processEvents()
    spec = PageSpec("A3", landscape=True)
    title = default_title(window.session)  # the measure and the city, as File > Print proposes it
    with tempfile.TemporaryDirectory() as tmp:
        page = menu.print_export(window, Path(tmp) / "page.png", spec, title, default_subtitle(window.session)).run()
        image = QtGui.QImage(str(page))
    out = Path(folder) / "print_a3.png"
    saved(image.scaledToWidth(2000, QtCore.Qt.TransformationMode.SmoothTransformation), out)
    close(window)
    return [out]


if __name__ == "__main__":
    for path in main(*sys.argv[1:]):
        print(path)
