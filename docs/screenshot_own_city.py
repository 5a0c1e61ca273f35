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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(folder: str | os.PathLike = ROOT / "docs") -> Path:
    from PySide6 import QtCore, QtWidgets

    from planner_gui.main_window import MainWindow
    from tests.cities import CITIES, write_city

    paris = next(c for c in CITIES if c.name == "paris")
    files = write_city(paris, Path(tempfile.mkdtemp(prefix="planner-paris-")))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    loop = QtCore.QEventLoop()
    window.loading_finished.connect(loop.quit)
    window.open_files(files)
    loop.exec()
    window.resizeDocks([window.coverage_dock], [480], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    coverage = window.dashboard.coverage
    window.layer_panel.select(window.stack.find("metro_stations"))
    while coverage.coverage is None or coverage.runner.busy() or coverage._timer.isActive():
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    window.canvas.full_extent()
    for _ in range(3):
        app.processEvents()
    window.canvas.refresh()
    app.processEvents()
    path = Path(folder) / "own_city.png"
    window.grab().save(str(path))
    window.dashboard.shutdown()
    window.close()
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
