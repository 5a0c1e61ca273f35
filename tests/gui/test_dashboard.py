"""Coverage dock: live figures equal `planner measure`, layers toggle them, the newest request wins."""
from __future__ import annotations

import json
import pytest
from PySide6 import QtCore

from layers import cli
from layers.text import percent_text
from tests.gui.conftest import SAMPLE_PROJECT



@pytest.fixture
def dash(qtbot, sample_window):
    """The sample window with its first figures on screen; `shown` records every figure update."""
    shown = []
    panel = sample_window.dashboard.coverage
    panel.figures_shown.connect(shown.append)
    panel.recompute()
    qtbot.waitUntil(lambda: bool(shown) and not panel.busy(), timeout=20_000)
    sample_window.shown = shown
    return sample_window


def cli_json(tmp_path, *args) -> list[dict]:
    out = tmp_path / "measure.json"
    assert cli.main([str(SAMPLE_PROJECT), *args, "--zones", "--format", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_radius_change_updates_figures_equal_to_planner_measure(qtbot, dash, tmp_path):
    panel = dash.dashboard.coverage
    assert panel.measure == "itdp-pnt" and panel.scenario.name == "existing"
    before = dash.shown[-1].result.value
    with qtbot.waitSignal(panel.figures_shown, timeout=10_000) as blocker:
        panel.radius_slider.setValue(500)
    result = blocker.args[0].result
    assert result.radius_m == 500 and result.value != before
    [expected] = cli_json(tmp_path, "--preset", "itdp-pnt", "--radius", "500")
    for key in ("value", "numerator", "denominator", "radius_m", "unit", "crs", "scenario"):
        assert getattr(result, key) == expected[key], key
    for key, value in expected["figures"].items():
        assert result.figures[key] == value, key
    assert panel.value_label.text() == f"{percent_text(expected['value'], 2)} of population"
    assert f"{expected['figures']['population']:,.0f}" in panel.people_label.text()
    assert "EPSG:32648" in panel.crs_label.text()
    assert "straight-line" in panel.value_label.toolTip() and "EPSG:32648" in panel.value_label.toolTip()
    # the catchment is drawn, one layer replaced (not piled up), and not saved in a project
    catchments = [layer for layer in dash.session.results if layer.name.startswith("Catchment")]
    assert len(catchments) == 1 and catchments[0].source is None
    assert catchments[0].gdf.geometry.iloc[0].area == pytest.approx(result.figures["area_m2"], rel=1e-9)


def test_toggling_a_layer_changes_the_result(qtbot, dash):
    panel = dash.dashboard.coverage
    panel.set_measure("sdg-11.2.1")
    qtbot.waitUntil(lambda: dash.shown[-1].result.preset == "sdg-11.2.1" and not panel.busy(), timeout=10_000)
    assert dash.shown[-1].result.radius_m == 1000  # the preset's own radius
    with_stations = dash.shown[-1].result.value
    stations = dash.stack.find("Metro stations")
    with qtbot.waitSignal(panel.figures_shown, timeout=10_000) as blocker:
        dash.stack.set_visible(stations, False)
    assert blocker.args[0] is None  # no visible station: the figures blank, and the dock says why
    assert panel.value_label.text() == "–" and "hidden layers do not count" in panel.status_label.text()
    assert dash.canvas.drawn_features(dash.session.result_layer("catchment")).size == 0
    with qtbot.waitSignal(panel.figures_shown, timeout=10_000) as blocker:
        dash.stack.set_visible(stations, True)
    assert blocker.args[0].result.value == with_stations


def test_a_newer_request_cancels_the_older_no_stale_figure_shown(qtbot, dash):
    panel = dash.dashboard.coverage
    labels = []  # every figure update, with what the label said then
    panel.figures_shown.connect(lambda c: labels.append((c.result.radius_m, panel.value_label.text())))
    started = []
    panel.runner.started.connect(started.append)
    ids = []
    for radius in (700, 1300, 1900):  # three quick changes; each starts at once if nothing runs
        panel.radius_slider.setValue(radius)
        ids.append(panel.runner.latest_id)
        panel.runner._start_pending()
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10_000)
    assert [r for r, _ in labels] == [1900]  # only the last request's figures ever reached the labels
    assert started[0] == ids[0] and started[-1] == ids[-1] and ids[1] not in started  # 1300 never ran
    assert panel.coverage.result.radius_m == 1900
    assert labels[0][1] == panel.value_label.text()


def test_ward_bars_have_names_and_a_click_highlights_the_ward(qtbot, dash):
    panel = dash.dashboard.coverage
    chart = panel.chart
    assert len(chart.order) == 126 and all(chart.order)
    first = chart.order[0]
    ticks = chart.plot.getAxis("left")._tickLevels[0]
    assert ticks[0][1].startswith(first[:10])
    rows = []
    panel.zone_selected.connect(lambda layer, row: rows.append((layer.name, row)))
    view = chart.plot.getViewBox()
    x = float(chart.values[first]) * chart.scale / 2
    scene = view.mapViewToScene(QtCore.QPointF(x, 0.0))
    chart._on_click(type("Click", (), {"scenePos": lambda self: scene})())
    assert chart.selected == first
    [(layer_name, row)] = rows
    ward = dash.stack.find(layer_name)
    assert ward.gdf["name"].iloc[row] == first
    assert not dash.canvas._highlight.path().isEmpty()


def test_export_menu_writes_what_the_dock_shows(qtbot, dash, tmp_path):
    import pandas as pd

    from planner_gui.export.menu import csv_export, geopackage_export

    assert "Export" in [a.text().replace("&", "") for a in dash.menuBar().actions()]
    table = pd.read_csv(csv_export(dash.dashboard, tmp_path / "figures.csv").run(), encoding="utf-8-sig")
    assert table["value"].iloc[0] == dash.dashboard.coverage.coverage.result.value
    assert geopackage_export(dash.dashboard, tmp_path / "results.gpkg").run().exists()


def test_the_export_menu_writes_the_report_in_a_worker_with_progress(qtbot, dash, tmp_path, monkeypatch):
    """Only the drawing is on the GUI thread: encoding and writing the PDF run in a worker."""
    import threading

    from PySide6 import QtWidgets

    from layers.io.atomic import whole_pdf
    from planner_gui.export import report_pdf as render

    path = tmp_path / "report.pdf"
    writers, progress = [], []
    real_write_pdf = render.write_pdf
    monkeypatch.setattr(render, "write_pdf", lambda report, target, **kwargs: (
        writers.append(threading.current_thread() is threading.main_thread()), real_write_pdf(report, target, **kwargs))[1])
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    menu = dash.export_menu
    menu.runner.progress.connect(lambda _id, fraction: progress.append(fraction))
    action = next(a for a in menu.actions() if a.text() == "Report as &PDF…")
    action.trigger()
    assert menu.busy() and not action.isEnabled() and dash.cancel_button.isVisibleTo(dash)
    qtbot.waitUntil(lambda: not menu.busy(), timeout=30_000)
    assert writers == [False] and progress and progress == sorted(progress)
    assert whole_pdf(path) is None and action.isEnabled() and not dash.cancel_button.isVisibleTo(dash)
    assert any(str(path) in t for t in dash.message_bar.texts())


def test_a_cancelled_export_leaves_the_old_file_or_says_it_was_too_late(qtbot, dash, tmp_path):
    from planner_gui.export.menu import report_export

    path = tmp_path / "report.html"
    path.write_text("old report")
    menu = dash.export_menu
    menu.start(lambda p: report_export(dash.dashboard, dash.canvas, html_path=p), str(path))
    dash.cancel_button.click()
    qtbot.waitUntil(lambda: not menu.busy(), timeout=30_000)
    texts = " | ".join(dash.message_bar.texts())
    if menu._export.done:
        assert "Exported before the cancel took effect" in texts and "</html>" in path.read_text()
    else:
        assert "Export cancelled" in texts and path.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_map_that_cannot_be_drawn_is_said_and_the_old_file_stays(qtbot, dash, tmp_path, monkeypatch):
    from planner_gui.export import render
    from planner_gui.export.menu import map_png_export

    path = tmp_path / "map.png"
    path.write_bytes(b"old picture")

    def broken(_self):
        raise RuntimeError("no paint engine")

    monkeypatch.setattr(render.MapDrawing, "_new_image", broken)
    menu = dash.export_menu
    assert menu.start(lambda p: map_png_export(dash.canvas, p, 400, 300), str(path))
    qtbot.waitUntil(lambda: not menu.busy(), timeout=10_000)
    assert any("map.png: the map could not be drawn (RuntimeError: no paint engine)" in text
               for text in dash.message_bar.texts())
    assert path.read_bytes() == b"old picture" and [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_the_city_is_built_off_the_gui_thread(qtbot, window, monkeypatch, sample_read_once):
    """A street network or a boundary of a million polygons takes seconds to prepare: the docks
    ask for the city in their workers, so the GUI thread never builds it."""
    import threading

    from layers.analysis.city import CityData
    from layers.session.project import SAMPLE_PROJECT
    from tests.gui.helpers import load

    on_gui_thread = []
    real = CityData.from_layers.__func__

    def recorded(cls, *args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(CityData, "from_layers", classmethod(recorded))
    load(qtbot, window, [SAMPLE_PROJECT])
    panel = window.dashboard.coverage
    qtbot.waitUntil(lambda: panel.coverage is not None and not panel.busy(), timeout=30_000)
    gain = window.dashboard.sketch_gain
    x0, y0, x1, y1 = window.session.layers.by_role("boundary")[0].in_crs(window.session.working_crs).total_bounds
    window.session.sketch_add_station((x0 + x1) / 2, (y0 + y1) / 2)  # a sketch: its gain needs the city too
    qtbot.waitUntil(lambda: gain.difference is not None and not gain.runner.busy(), timeout=30_000)
    assert on_gui_thread and not any(on_gui_thread)


def test_green_per_resident_says_square_metres_everywhere(qtbot, dash):
    """The headline, the figures and the chart of green space per resident write m², and the chart
    says what its bars are (m² per resident by ward, not a share of population)."""
    panel = dash.dashboard.coverage
    panel.set_measure("green-per-resident")
    qtbot.waitUntil(lambda: panel.coverage is not None and panel.coverage.result.preset == "green-per-resident"
                    and not panel.busy() and not panel._timer.isActive(), timeout=20_000)
    texts = [panel.value_label.text(), panel.area_label.text(), panel.chart.title.text()]
    assert all("m2" not in t for t in texts) and all("m²" in t for t in texts)
    assert panel.chart.title.text() == "Green area per resident (m² per resident)"
    table = panel.coverage.result.zones
    assert panel.chart.values.to_dict() == table["green_m2_per_resident"].astype(float).fillna(0.0).to_dict()
