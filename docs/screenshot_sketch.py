"""Render a sketch in progress on the Hanoi sample to docs/sketch.png (offscreen, no display needed).

Run: python docs/screenshot_sketch.py [output.png]
It opens the bundled project, zooms to the west of the city, takes Plan: add stations and clicks
four stations of a new line through wards that plan 2030 leaves far from a station, waits for
the Coverage dock to show what the sketch adds, and grabs the window.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from shots import ROOT, close, grab, main_window, wait

STATIONS_UTM = [(574_600, 2_323_800), (576_400, 2_322_300), (577_600, 2_320_300), (578_300, 2_318_200)]


def main(out: str | os.PathLike = ROOT / "docs" / "sketch.png") -> Path:
    from PySide6 import QtCore, QtTest

    app, window = main_window()
    window.canvas.legend.set_enabled(False)  # the sketch is the picture (View > Legend)
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
    path = grab(app, window, out)
    close(window)
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
