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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

URBAN_HANOI = (105.66, 20.90, 106.00, 21.15)  # lon/lat: the core districts, both river banks


def main(folder: str | os.PathLike = ROOT / "docs") -> list[Path]:
    from pyproj import Transformer
    from PySide6 import QtCore, QtGui, QtWidgets

    from layers.crs import HANOI_CRS
    from layers.project import SAMPLE_PROJECT
    from planner_gui.export import menu
    from planner_gui.export.print_layout import PageSpec, default_subtitle
    from planner_gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    dash = window.dashboard

    def wait(signal, timeout_ms=60_000):
        loop = QtCore.QEventLoop()
        signal.connect(loop.quit)
        QtCore.QTimer.singleShot(timeout_ms, loop.quit)
        return loop

    loop = wait(window.loading_finished)
    window.open_files([SAMPLE_PROJECT])
    loop.exec()
    loop = wait(dash.coverage.figures_shown)
    dash.coverage.set_measure("itdp-pnt")
    dash.coverage.set_radius(1000)
    dash.coverage.recompute()
    loop.exec()
    while dash.coverage.runner.busy():
        wait(dash.coverage.runner.busy_changed).exec()
    to_utm = Transformer.from_crs(4326, HANOI_CRS, always_xy=True)
    xmin, ymin = to_utm.transform(*URBAN_HANOI[:2])
    xmax, ymax = to_utm.transform(*URBAN_HANOI[2:])
    window.canvas.set_view((xmin, ymin, xmax, ymax))
    for _ in range(3):
        app.processEvents()
    folder = Path(folder)
    spec = PageSpec("A3", landscape=True)
    title = "Hà Nội: people within 1 km of a metro station"
    with tempfile.TemporaryDirectory() as tmp:
        page = menu.print_export(window, Path(tmp) / "page.png", spec, title, default_subtitle(window.session)).run()
        image = QtGui.QImage(str(page))
    out = folder / "print_a3.png"
    image.scaledToWidth(2000, QtCore.Qt.TransformationMode.SmoothTransformation).save(str(out))
    dash.shutdown()
    window.close()
    return [out]


if __name__ == "__main__":
    for path in main(*sys.argv[1:]):
        print(path)
