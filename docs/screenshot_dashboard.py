"""Render the coverage dashboard on the Hanoi sample: docs/dashboard.png, docs/scenario_compare.png,
docs/timeline.png (offscreen, no display needed).

Run: python docs/screenshot_dashboard.py
Opens the bundled project as `planner` does, zooms to urban Hanoi and grabs the window three times:
the Coverage dock (ITDP People Near Transit, existing network, 1,000 m, a ward picked in the chart),
Scenario compare (plan 2035 without line 2 against plan 2035, the gained area on the map), and
the Timeline at 2030 with the coverage curve.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from shots import ROOT, close, grab, main_window, show_lonlat, wait


def main(folder: str | os.PathLike = ROOT / "docs") -> list[Path]:
    from PySide6 import QtCore

    app, window = main_window()
    dash = window.dashboard
    window.resizeDocks([window.coverage_dock], [520], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    dash.coverage.set_measure("itdp-pnt")
    dash.coverage.set_radius(1000)
    dash.coverage.recompute()
    wait(dash.coverage.figures_shown)
    wait(dash.coverage.runner.busy_changed, dash.coverage.runner.busy)
    show_lonlat(window)
    chart = dash.coverage.chart
    if chart.order:
        chart.select(chart.order[0])  # as a click on the first bar does
        chart.zone_clicked.emit(chart.order[0])
    folder = Path(folder)
    window.coverage_dock.raise_()
    written = [grab(app, window, folder / "dashboard.png")]

    window.canvas.set_highlight(None)
    dash.scenarios.set_scenarios("plan 2035 without line 2", "plan 2035")
    dash.scenarios.recompute()
    wait(dash.scenarios.shown)
    window.scenario_dock.raise_()
    written.append(grab(app, window, folder / "scenario_compare.png"))

    window.session.results.set_visible(window.session.result_layer("gained"), False)
    window.timeline_dock.show()
    window.resizeDocks([window.timeline_dock], [300], QtCore.Qt.Orientation.Vertical)
    window.coverage_dock.raise_()
    wait(dash.timeline.curve_shown, lambda: dash.timeline.timeline is None or dash.timeline.runner.busy())
    dash.timeline.set_year(2030)
    dash.timeline.count_button.click()  # the figures count the map's year ('as drawn on the map')
    wait(dash.coverage.figures_shown)
    written.append(grab(app, window, folder / "timeline.png"))
    close(window)
    return written


if __name__ == "__main__":
    for path in main(*sys.argv[1:]):
        print(path)
