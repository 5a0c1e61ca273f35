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
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

URBAN_HANOI = (105.70, 20.93, 105.97, 21.12)  # lon/lat: the core districts, both river banks


def main(folder: str | os.PathLike = ROOT / "docs") -> list[Path]:
    from pyproj import Transformer
    from PySide6 import QtCore, QtWidgets

    from layers.project import SAMPLE_PROJECT
    from layers.crs import HANOI_CRS
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
    to_utm = Transformer.from_crs(4326, HANOI_CRS, always_xy=True)
    xmin, ymin = to_utm.transform(*URBAN_HANOI[:2])
    xmax, ymax = to_utm.transform(*URBAN_HANOI[2:])
    window.resizeDocks([window.coverage_dock], [520], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    loop = wait(dash.coverage.figures_shown)
    dash.coverage.set_measure("itdp-pnt")
    dash.coverage.set_radius(1000)
    dash.coverage.recompute()
    loop.exec()
    while dash.coverage.runner.busy():
        wait(dash.coverage.runner.busy_changed).exec()
    window.canvas.set_view((xmin, ymin, xmax, ymax))
    chart = dash.coverage.chart
    if chart.order:
        chart.select(chart.order[0])
        dash.coverage._on_zone_clicked(chart.order[0])
    folder = Path(folder)
    written = []

    def grab(name):
        for _ in range(3):
            app.processEvents()
        window.canvas.refresh()
        app.processEvents()
        path = folder / name
        window.grab().save(str(path))
        written.append(path)

    window.coverage_dock.raise_()
    grab("dashboard.png")

    window.canvas.set_highlight(None)
    dash.scenarios.set_scenarios("plan 2035 without line 2", "plan 2035")
    loop = wait(dash.scenarios.shown)
    dash.scenarios.recompute()
    loop.exec()
    window.scenario_dock.raise_()
    grab("scenario_compare.png")

    window.session.results.set_visible(window.session.result_layer("gained"), False)
    window.timeline_dock.show()
    window.resizeDocks([window.timeline_dock], [300], QtCore.Qt.Orientation.Vertical)
    window.coverage_dock.raise_()
    if dash.timeline.timeline is None or dash.timeline.runner.busy():
        wait(dash.timeline.curve_shown).exec()
    loop = wait(dash.coverage.figures_shown)
    dash.timeline.set_year(2030)
    loop.exec()
    grab("timeline.png")
    dash.shutdown()
    window.close()
    return written


if __name__ == "__main__":
    for path in main(*sys.argv[1:]):
        print(path)
