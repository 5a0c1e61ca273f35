"""Render a sketch in progress on the Hanoi sample to docs/sketch.png (offscreen, no display needed).

Run: python docs/screenshot_sketch.py [output.png]
It opens the bundled project, zooms to the west of the city, takes Plan: add stations and clicks
four stations of a new line through wards that plan 2030 leaves far from a station, waits for
the Coverage dock to show what the sketch adds, and grabs the window.
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

STATIONS_UTM = [(574_600, 2_323_800), (576_400, 2_322_300), (577_600, 2_320_300), (578_300, 2_318_200)]


def main(out: str | os.PathLike = ROOT / "docs" / "sketch.png") -> Path:
    from PySide6 import QtCore, QtTest, QtWidgets

    from planner_gui.app import open_window

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = open_window([])
    window.resize(1600, 1000)
    window.show()

    def wait(signal, busy=lambda: True):
        loop = QtCore.QEventLoop()
        signal.connect(loop.quit)
        QtCore.QTimer.singleShot(60_000, loop.quit)
        if busy():
            loop.exec()

    wait(window.loading_finished, window.loader.busy)
    window.coverage_dock.raise_()
    window.dashboard.coverage.set_scenario("plan-2030")
    wait(window.dashboard.coverage.figures_shown)
    window.canvas.set_view((567_000, 2_313_000, 589_000, 2_329_000))
    app.processEvents()
    window.set_tool("plan_add")
    panel = window.dashboard.sketch_gain
    for x, y in STATIONS_UTM:
        QtTest.QTest.mouseClick(window.canvas.viewport(), QtCore.Qt.MouseButton.LeftButton,
                                pos=window.canvas.map_to_screen(x, y))
        wait(panel.shown)
    wait(window.dashboard.coverage.figures_shown, window.dashboard.coverage.runner.busy)
    window.canvas.refresh()
    app.processEvents()
    out = Path(out)
    window.grab().save(str(out))
    window.session.mark_saved()  # a picture, not work to keep
    window.dashboard.shutdown()
    window.close()
    return out


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
