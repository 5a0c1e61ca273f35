"""Render the app on a city that is not Hanoi: docs/own_city.png (offscreen, no display needed).

Run: python docs/screenshot_own_city.py
The city is the tests' synthetic Paris (`tests/cities.py`): a GeoPackage in lon/lat (boundary,
wards, stations, green) and a WorldPop-style population GeoTIFF in EPSG:4326, opened as a planner
would open their own files. The app chooses UTM zone 31N, guesses the roles, and measures ITDP
People Near Transit; the status bar and the figures name the CRS.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from shots import ROOT, close, figures_settled, grab, main_window, until


def main(folder: str | os.PathLike = ROOT / "docs") -> Path:
    from PySide6 import QtCore

    from tests.cities import CITIES, write_city

    paris = next(c for c in CITIES if c.name == "paris")
    files = write_city(paris, Path(tempfile.mkdtemp(prefix="planner-paris-")))
    app, window = main_window(files)
    window.resizeDocks([window.coverage_dock], [480], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    window.layer_panel.select(window.stack.find("metro_stations"))
    until(app, lambda: figures_settled(window))
    window.canvas.full_extent()
    path = grab(app, window, Path(folder) / "own_city.png")
    close(window)
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
