"""The main window end to end: sample, layers on the canvas, tools, bad files, projects."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from helpers import load, utm
from pyproj import Geod
from PySide6 import QtCore

from planner_gui import app as planner_app
from planner_gui.main_window import MainWindow

GEOD = Geod(ellps="WGS84")
CAT_LINH = (105.8280, 21.0282)
THAI_HA = (105.8196, 21.0144)


@pytest.fixture
def hanoi_window(qtbot, window, hanoi_project, sample_read_once):
    load(qtbot, window, [hanoi_project])
    return window


def _stations(window):
    return next(layer for layer in window.stack if layer.role == "metro_station")


def test_planner_without_arguments_opens_the_hanoi_sample_zoomed_to_the_city(qtbot, monkeypatch, hanoi_project):
    monkeypatch.setattr(planner_app, "sample_project", lambda: hanoi_project)
    window = planner_app.open_window([])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.loader.busy() and len(window.stack) > 0, timeout=30_000)
    roles = {layer.role for layer in window.stack}
    assert {"metro_line", "metro_station", "water", "population"} <= roles
    assert window.message_bar.texts() == [] or all("Could not" not in t for t in window.message_bar.texts())
    xmin, ymin, xmax, ymax = window.canvas.view_bounds()
    x, y = utm(*CAT_LINH)  # the centre of Hanoi is in view, and the view is city-sized
    assert xmin < x < xmax and ymin < y < ymax
    assert 5_000 < xmax - xmin < 200_000
    for layer in window.stack:  # every visible layer is drawn, hidden ones are not
        assert bool(window.canvas.items_for(layer)) == layer.visible


def test_hiding_a_layer_takes_its_items_out_of_the_scene(qtbot, hanoi_window):
    canvas, stack = hanoi_window.canvas, hanoi_window.stack
    lines = next(layer for layer in stack if layer.role == "metro_line")
    items = canvas.graphic(lines).items()
    assert all(item.scene() is canvas.scene() for item in canvas.items_for(lines))
    stack.set_visible(lines, False)
    assert canvas.items_for(lines) == []
    assert not set(items) & set(canvas.scene().items())
    stack.set_visible(lines, True)
    assert canvas.items_for(lines) and set(canvas.items_for(lines)) <= set(canvas.scene().items())


def test_unticking_a_layer_in_the_panel_hides_it(qtbot, hanoi_window):
    panel = hanoi_window.layer_panel
    stations = _stations(hanoi_window)
    index = panel.model.index(panel.model.row_of(stations))
    panel.model.setData(index, QtCore.Qt.CheckState.Unchecked.value, QtCore.Qt.ItemDataRole.CheckStateRole)
    assert stations.visible is False
    assert hanoi_window.canvas.items_for(stations) == []


def test_reordering_changes_z_order(qtbot, hanoi_window):
    canvas, stack = hanoi_window.canvas, hanoi_window.stack
    stations, water = _stations(hanoi_window), next(l for l in stack if l.role == "water")
    z = lambda layer: min(item.zValue() for item in canvas.graphic(layer).items())  # noqa: E731
    assert z(stations) > z(water) == pytest.approx(stack.index(water) * 10)
    stack.move(stations, 0)  # to the bottom
    assert z(stations) < z(water)
    # Dragging in the panel goes through the same LayerStack.move: drop the bottom row on top.
    panel = hanoi_window.layer_panel
    assert panel.model.move_row(len(stack) - 1, 0)
    assert stack[len(stack) - 1] is stations and z(stations) == max(z(layer) for layer in stack)


def test_identify_at_a_station_returns_that_station(qtbot, hanoi_window):
    canvas = hanoi_window.canvas
    x, y = utm(*CAT_LINH)
    canvas.set_view((x - 3000, y - 2000, x + 3000, y + 2000))
    hanoi_window.set_tool("identify")
    with qtbot.waitSignal(hanoi_window.tools["identify"].identified) as blocker:
        qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=canvas.map_to_screen(x + 15, y - 10))
    hits = blocker.args[0]
    stations = [h for h in hits if h.layer.role == "metro_station"]
    assert stations and stations[0].attributes["name"] == "Cát Linh"
    assert hits[0].layer is max((h.layer for h in hits), key=hanoi_window.stack.index)  # topmost first
    assert hanoi_window.results.topLevelItem(0) is not None


def test_measured_distance_between_two_stations_matches_the_geodesic(qtbot, hanoi_window):
    canvas = hanoi_window.canvas
    a, b = utm(*CAT_LINH), utm(*THAI_HA)
    canvas.set_view((a[0] - 4000, b[1] - 3000, a[0] + 4000, a[1] + 3000))
    hanoi_window.set_tool("measure_distance")
    tool = hanoi_window.tools["measure_distance"]
    tool.click(a[0] + 20, a[1] + 20)  # a few metres off: the click snaps to the station
    result = tool.click(b[0] - 20, b[1] + 10)
    expected = GEOD.inv(*CAT_LINH, *THAI_HA)[2]
    assert result.ellipsoidal == pytest.approx(expected, rel=0.005)
    assert result.planar == pytest.approx(expected, rel=0.005)
    assert "EPSG:32648" in hanoi_window.measure_label.text() and "km" in hanoi_window.measure_label.text()


def test_measure_a_clicked_polygon_gives_its_area(qtbot, hanoi_window):
    boundary = next(l for l in hanoi_window.stack if l.role == "boundary")
    polygon = boundary.in_crs(hanoi_window.canvas.working_crs).geometry.iloc[0]
    hanoi_window.canvas.zoom_to_layer(boundary)
    for layer in hanoi_window.stack:  # only the boundary takes the click
        hanoi_window.stack.set_visible(layer, layer is boundary)
    hanoi_window.set_tool("measure_feature")
    point = polygon.representative_point()
    result = hanoi_window.tools["measure_feature"].click(point.x, point.y)
    assert result.kind == "area"
    assert result.planar == pytest.approx(polygon.area)
    assert result.ellipsoidal == pytest.approx(polygon.area, rel=0.005)
    assert "km²" in hanoi_window.measure_label.text()


def test_a_bad_file_shows_a_message_and_keeps_the_other_layers(qtbot, hanoi_window, tmp_path):
    before = hanoi_window.stack.names()
    bad = tmp_path / "broken_stations.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    load(qtbot, hanoi_window, [bad])
    assert hanoi_window.stack.names() == before
    texts = " | ".join(hanoi_window.message_bar.texts())
    assert "broken_stations.gpkg" in texts and "Could not load" in texts
    assert hanoi_window.message_bar.isVisibleTo(hanoi_window)


def test_save_then_open_project_restores_layers_order_styles_and_view(qtbot, hanoi_window, tmp_path, monkeypatch):
    import dataclasses

    stack, canvas = hanoi_window.stack, hanoi_window.canvas
    stations = _stations(hanoi_window)
    stack.move(stations, 1)
    stack.set_style(stations, dataclasses.replace(stations.style, stroke="#123456", point_size=11.0))
    stack.set_opacity(stations, 0.6)
    water = next(l for l in stack if l.role == "water")
    stack.set_visible(water, False)
    x, y = utm(*CAT_LINH)
    canvas.set_view((x - 5000, y - 3000, x + 5000, y + 3000))
    view = canvas.view_bounds()
    saved = [(l.name, l.visible, l.opacity, l.style) for l in stack]
    path = hanoi_window.save_project(tmp_path / "session.planner.json")
    assert path is not None and path.exists()

    other = MainWindow(settings=hanoi_window.settings)
    qtbot.addWidget(other)
    other.resize(hanoi_window.size())
    other.show()
    qtbot.waitExposed(other)
    asked = []  # the project is in tmp_path, its data in the sample's folder: the planner says yes
    monkeypatch.setattr(other, "open_outside_files", lambda name, files: asked.append(files) or True)
    load(qtbot, other, [path])
    qtbot.waitUntil(lambda: len(other.stack) == len(saved), timeout=20_000)
    assert len(asked) == 1
    assert [(l.name, l.visible, l.opacity, l.style) for l in other.stack] == saved
    # the saved view, fitted to the other window's map (its docks may leave the map another shape):
    # the same centre, one side the same, the other side holding the saved one
    got, tol = other.canvas.view_bounds(), 0.02 * (view[2] - view[0])
    assert np.allclose([(got[0] + got[2]) / 2, (got[1] + got[3]) / 2], [(view[0] + view[2]) / 2, (view[1] + view[3]) / 2],
                       atol=tol)
    assert got[0] <= view[0] + tol and got[1] <= view[1] + tol and got[2] >= view[2] - tol and got[3] >= view[3] - tol
    assert np.isclose(got[2] - got[0], view[2] - view[0], atol=tol) or np.isclose(got[3] - got[1], view[3] - view[1], atol=tol)
    assert other.canvas.items_for(other.stack.find(water.name)) == []


def test_dropped_files_are_loaded(qtbot, window, synthetic_project):
    tif = synthetic_project.parent / "hanoi_population_250m.tif"
    data = QtCore.QMimeData()
    data.setUrls([QtCore.QUrl.fromLocalFile(str(tif))])
    from PySide6 import QtGui

    event = QtGui.QDropEvent(
        QtCore.QPointF(100, 100), QtCore.Qt.DropAction.CopyAction, data,
        QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.loading_finished, timeout=20_000):
        window.dropEvent(event)
    assert window.stack.names() == ["hanoi_population_250m"]
    from planner_gui.settings import recent_files, wait_for_writes

    wait_for_writes()
    assert str(tif.resolve()) in recent_files(window.settings)


def test_uncaught_errors_go_to_the_message_bar_not_a_crash(qtbot, window, monkeypatch):
    from planner_gui.errors import install_excepthook

    import threading

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_excepthook(window.show_error)
    try:
        raise RuntimeError("something odd")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: any("something odd" in t for t in window.message_bar.texts()), timeout=5000)


def test_window_layout_is_remembered_in_settings(qtbot, window):
    window.layers_dock.hide()
    window.close()
    settings = window.settings
    assert settings.value("main_window/state") is not None
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.layers_dock.isHidden()
    again.layers_dock.show()
    again.close()


def test_dragging_a_row_in_the_panel_moves_the_layer_in_the_stack(qtbot, hanoi_window):
    model, stack = hanoi_window.layer_panel.model, hanoi_window.stack
    bottom = stack[0]
    mime = model.mimeData([model.index(len(stack) - 1)])  # the bottom row (the bottom layer)
    assert model.dropMimeData(mime, QtCore.Qt.DropAction.MoveAction, 0, 0, QtCore.QModelIndex())
    assert stack[len(stack) - 1] is bottom  # now drawn on top
    assert model.data(model.index(0)) == bottom.name


def test_cancelling_a_load_stops_between_files(qtbot, window, synthetic_project):
    folder = synthetic_project.parent
    files = [folder / "hanoi.gpkg", folder / "hanoi_population_250m.tif", folder / "hanoi.gpkg"]
    with qtbot.waitSignal(window.loading_finished, timeout=20_000):
        job = window.open_files(files)
        job.cancel()
    assert job.cancelled
    assert len(window.stack) <= 5  # at most the first file's five layers, never all three files
    assert any("cancelled" in t for t in window.message_bar.texts())


def test_a_load_that_ends_before_open_files_returns_is_still_heard(qtbot, window, tmp_path, monkeypatch):
    """A file refused at once can be read, refused and reported by the worker before the GUI thread
    is back from starting it: the window hears of it all the same."""
    from planner_gui.jobs import loader

    started = []

    def run_at_once(thread):  # the worker is done before start() returns
        started.append(thread)
        thread.run()

    monkeypatch.setattr(loader._LoadThread, "start", run_at_once)
    bad = tmp_path / "broken_stations.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    try:
        with qtbot.waitSignal(window.loading_finished, timeout=5_000):
            window.open_files([bad])
        texts = " | ".join(window.message_bar.texts())
        assert "broken_stations.gpkg" in texts and "Could not load" in texts
        assert not window.loader.busy() and not window.progress.isVisible()
    finally:
        for thread in started:  # never started: nothing will take them out of the set
            loader.running_threads.discard(thread)


def test_a_raster_opened_after_the_stations_lies_under_them(qtbot, window, tmp_path, stations_gdf, population_tif):
    """Files opened are placed by what they draw (`LayerStack.placement`): a population grid opened
    last would otherwise cover every station; the Layers dock lists them as drawn, the top first."""
    stations = tmp_path / "stations.gpkg"
    stations_gdf.to_file(stations, layer="metro_stations")
    load(qtbot, window, [stations])
    load(qtbot, window, [population_tif])
    assert window.session.layers.names() == ["population", "metro_stations"]
    raster, points = ([item.zValue() for item in window.canvas.items_for(layer)] for layer in window.session.layers)
    assert raster and points and max(raster) < min(points)
