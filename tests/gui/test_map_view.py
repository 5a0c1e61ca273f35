"""The map view's navigation and readouts: coordinates, scale bar, zoom to layer, full extent,
box zoom, layer opacity on the drawing, and File > Open recent."""
from __future__ import annotations

import re
import threading

import geopandas as gpd
import pytest
import shapely
from helpers import load, utm
from pyproj import Transformer
from PySide6 import QtCore, QtGui, QtWidgets

from layers.crs import HANOI_CRS, WGS84
from layers.layer import RasterLayer, Style, VectorLayer
from planner_gui.settings import recent_files, wait_for_writes

TO_LONLAT = Transformer.from_crs(HANOI_CRS, WGS84, always_xy=True)
HOAN_KIEM = (105.8500, 21.0285)


@pytest.fixture
def synthetic_window(qtbot, window, synthetic_project):
    load(qtbot, window, [synthetic_project])
    return window


def _view_size(canvas):
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    return xmax - xmin, ymax - ymin


def _layer_bounds(layer, crs=HANOI_CRS):
    if isinstance(layer, RasterLayer):
        return layer.bounds  # the rasters here are in the working CRS
    return tuple(layer.in_crs(crs).total_bounds)


def _contains(view, bounds, tol=1.0):
    return (view[0] <= bounds[0] + tol and view[1] <= bounds[1] + tol
            and view[2] >= bounds[2] - tol and view[3] >= bounds[3] - tol)


def _small_layer(name="Hoàn Kiếm block", size_m=800.0):
    """A 800 m x 400 m rectangle near Hoàn Kiếm lake, in lon/lat (so the canvas must reproject it)."""
    x, y = utm(*HOAN_KIEM)
    box = gpd.GeoSeries([shapely.box(x, y, x + size_m, y + size_m / 2)], crs=HANOI_CRS).to_crs(4326)
    gdf = gpd.GeoDataFrame({"name": ["block"]}, geometry=box.values, crs=4326)
    return VectorLayer(name=name, source=None, role="other", style=Style(stroke="#000000", fill="#ff0000"), gdf=gdf)


# -- 3. coordinate readout ---------------------------------------------------------------------
def test_mouse_move_shows_utm_metres_and_lat_lon_that_agree_with_pyproj(qtbot, synthetic_window):
    window, canvas = synthetic_window, synthetic_window.canvas
    x, y = utm(*HOAN_KIEM)
    canvas.set_view((x - 5_000, y - 5_000, x + 5_000, y + 5_000))
    pixel = canvas.map_to_screen(x, y)
    moved = []
    canvas.mouse_moved.connect(lambda mx, my: moved.append((mx, my)))
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove, QtCore.QPointF(pixel), canvas.viewport().mapToGlobal(QtCore.QPointF(pixel)),
        QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
    )
    QtWidgets.QApplication.sendEvent(canvas.viewport(), event)
    assert moved, "a mouse move over the viewport did not reach the canvas"
    mx, my = moved[-1]
    tolerance = 2 * canvas.pixel_size()
    assert mx == pytest.approx(x, abs=tolerance) and my == pytest.approx(y, abs=tolerance)

    text = window.coordinates.text()
    assert "EPSG:32648" in text
    e, n = re.search(r"E ([\d,]+)\s+N ([\d,]+) m", text).groups()
    assert float(e.replace(",", "")) == pytest.approx(mx, abs=1) and float(n.replace(",", "")) == pytest.approx(my, abs=1)
    lat, ns, lon, ew = re.search(r"([\d.]+)°([NS]) ([\d.]+)°([EW])", text).groups()
    assert (ns, ew) == ("N", "E")
    expected_lon, expected_lat = TO_LONLAT.transform(mx, my)
    assert float(lat) == pytest.approx(expected_lat, abs=1e-5)
    assert float(lon) == pytest.approx(expected_lon, abs=1e-5)
    # and it is Hanoi, not a swapped axis
    assert float(lon) == pytest.approx(HOAN_KIEM[0], abs=0.01) and float(lat) == pytest.approx(HOAN_KIEM[1], abs=0.01)


# -- 4. scale bar ------------------------------------------------------------------------------
def _metres_per_pixel(canvas):
    """Independently of the canvas: the view's width in metres over the view box's width in pixels."""
    w, h = _view_size(canvas)
    rect = canvas.view_box.sceneBoundingRect()
    return max(w / rect.width(), h / rect.height())


def test_scale_bar_length_matches_the_view_scale_and_shrinks_when_zooming_in(qtbot, synthetic_window):
    window, canvas = synthetic_window, synthetic_window.canvas
    x, y = utm(*HOAN_KIEM)
    canvas.set_view((x - 20_000, y - 20_000, x + 20_000, y + 20_000))
    bar = canvas.scale_bar

    metres, pixels = bar.current()
    mpp = _metres_per_pixel(canvas)
    assert pixels > 20 and pixels * mpp == pytest.approx(metres, rel=0.01)
    assert bar.text() in window.scale_label.text()

    canvas.view_box.scaleBy((0.25, 0.25))  # zoom in 4x about the centre
    canvas.refresh()
    zoomed_mpp = _metres_per_pixel(canvas)
    assert zoomed_mpp == pytest.approx(mpp / 4, rel=0.01)
    zoomed_metres, zoomed_pixels = bar.current()
    assert zoomed_metres < metres
    assert zoomed_pixels * zoomed_mpp == pytest.approx(zoomed_metres, rel=0.01)
    assert bar.text() in window.scale_label.text()
    label = bar.text()  # "2 km" or "500 m": the labelled distance is the bar's length
    value, unit = label.split()
    assert float(value) * (1000 if unit == "km" else 1) == zoomed_metres


# -- 5. zoom to layer and full extent ----------------------------------------------------------
def test_zoom_to_a_small_layer_fits_it_snugly(qtbot, synthetic_window):
    window, canvas = synthetic_window, synthetic_window.canvas
    canvas.full_extent()
    small = window.stack.add(_small_layer())
    bounds = _layer_bounds(small)
    window.layer_panel.select(small)
    action = next(a for a in window.menuBar().actions() if a.text() == "&View").menu().actions()
    next(a for a in action if a.text() == "Zoom to &layer").trigger()
    view = canvas.view_bounds()
    assert _contains(view, bounds)
    w, h = _view_size(canvas)
    bw, bh = bounds[2] - bounds[0], bounds[3] - bounds[1]
    # aspect is locked 1:1, so one axis fits and the other is wider; the fitting one is snug
    assert min(w / bw, h / bh) < 1.15
    assert w / h == pytest.approx(canvas.view_box.width() / canvas.view_box.height(), rel=0.02)


def test_full_extent_contains_every_visible_layer(qtbot, synthetic_window):
    window, canvas = synthetic_window, synthetic_window.canvas
    far = _small_layer("far away block")
    far.gdf = far.gdf.set_geometry(far.gdf.geometry.translate(0.3, 0.2))  # ~30 km north-east of the city
    window.stack.add(far)
    x, y = utm(*HOAN_KIEM)
    canvas.set_view((x - 500, y - 500, x + 500, y + 500))
    canvas.full_extent()
    view = canvas.view_bounds()
    visible = [layer for layer in window.stack if layer.visible]
    assert len(visible) >= 5
    for layer in visible:
        assert _contains(view, _layer_bounds(layer)), layer.name
    union = [min(_layer_bounds(l)[0] for l in visible), min(_layer_bounds(l)[1] for l in visible),
             max(_layer_bounds(l)[2] for l in visible), max(_layer_bounds(l)[3] for l in visible)]
    w, h = _view_size(canvas)
    assert min(w / (union[2] - union[0]), h / (union[3] - union[1])) < 1.15


# -- 6. box zoom -------------------------------------------------------------------------------
def _send_mouse(widget, kind, pos, button, buttons):
    pos = QtCore.QPointF(pos)
    event = QtGui.QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                              QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(widget, event)


def test_zoom_box_tool_zooms_to_the_dragged_rectangle(qtbot, synthetic_window):
    window, canvas = synthetic_window, synthetic_window.canvas
    window.resize(1800, 1000)
    # the dashboard's figures arriving resize the docks, and so the map: wait for them first
    qtbot.waitUntil(lambda: canvas.view_box.width() > 600 and not any(r.busy() for r in window.dashboard.runners())
                    and not window.dashboard.coverage._timer.isActive(), timeout=20_000)
    size = canvas.size()
    x, y = utm(*HOAN_KIEM)
    canvas.set_view((x - 15_000, y - 15_000, x + 15_000, y + 15_000))
    window.tool_actions["zoom"].trigger()
    assert window.tool is window.tools["zoom"]
    corner_a, corner_b = (x - 3_000, y - 1_500), (x + 3_000, y + 1_500)  # 6 km x 3 km
    start, end = canvas.map_to_screen(*corner_a), canvas.map_to_screen(*corner_b)
    pixel_before = canvas.pixel_size()
    assert (end - start).manhattanLength() > 40  # a real drag, not a click
    viewport = canvas.viewport()
    left, none = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.NoButton
    _send_mouse(viewport, QtCore.QEvent.Type.MouseButtonPress, start, left, left)
    for i in range(1, 11):
        p = start + (end - start) * (i / 10)
        qtbot.wait(20)  # pyqtgraph drops mouse moves closer together than its rate limit
        _send_mouse(viewport, QtCore.QEvent.Type.MouseMove, p, none, left)
    _send_mouse(viewport, QtCore.QEvent.Type.MouseButtonRelease, end, left, none)
    assert canvas.size() == size, "the map was resized during the drag"
    canvas.refresh()
    view = canvas.view_bounds()
    box = (corner_a[0], corner_a[1], corner_b[0], corner_b[1])
    tol = 3 * canvas.pixel_size()
    assert _contains(view, box, tol)
    w, h = _view_size(canvas)
    # snug: the tight axis is the box plus pyqtgraph's 2 % padding and a pixel or two of the drag
    assert min(w - 6_000, 2 * (h - 3_000)) <= 0.05 * 6_000 + 4 * pixel_before, (w, h, pixel_before)
    assert (view[0] + view[2]) / 2 == pytest.approx(x, abs=100) and (view[1] + view[3]) / 2 == pytest.approx(y, abs=100)
    # back to pan: a drag pans, it does not zoom
    window.tool_actions["pan"].trigger()
    assert canvas.view_box.state["mouseMode"] == canvas.view_box.PanMode


# -- 7. opacity on the drawing -----------------------------------------------------------------
def test_stack_opacity_is_the_opacity_of_every_item_drawn(qtbot, synthetic_window):
    canvas, stack = synthetic_window.canvas, synthetic_window.stack
    kinds = {}
    for layer in stack:
        kinds.setdefault(layer.geometry_kind, layer)
    assert {"raster", "point", "polygon", "line"} <= set(kinds)
    for i, layer in enumerate(kinds.values()):
        opacity = 0.2 + 0.15 * i
        stack.set_opacity(layer, opacity)
        items = canvas.items_for(layer)
        assert items and all(item.opacity() == pytest.approx(opacity) for item in items), layer.name
    polygon = kinds["polygon"]
    opacity = polygon.opacity
    # a new style rebuilds the items: they keep the layer's opacity
    stack.set_style(polygon, Style(stroke="#123456", fill="#abcdef", category_field="name"))
    assert all(item.opacity() == pytest.approx(opacity) for item in canvas.items_for(polygon))
    # changed while hidden, shown again: the new opacity
    stack.set_visible(polygon, False)
    stack.set_opacity(polygon, 0.9)
    stack.set_visible(polygon, True)
    assert all(item.opacity() == pytest.approx(0.9) for item in canvas.items_for(polygon))
    # new features (a 'data' event builds a new graphic): still the layer's opacity
    stack.notify_data_changed(polygon)
    assert canvas.items_for(polygon)
    assert all(item.opacity() == pytest.approx(0.9) for item in canvas.items_for(polygon))


# -- 2. recent files ---------------------------------------------------------------------------
def _recent_actions(window):
    window.recent_menu.aboutToShow.emit()
    return [a for a in window.recent_menu.actions() if a.isEnabled()]


def test_open_recent_lists_files_newest_first_without_duplicates_and_reopens_them(qtbot, window, synthetic_project):
    assert recent_files(window.settings) == []
    assert [a.text() for a in window.recent_menu.actions() or []] in ([], ["(none yet)"])
    folder = synthetic_project.parent
    gpkg, tif = folder / "hanoi.gpkg", folder / "hanoi_population_250m.tif"
    load(qtbot, window, [gpkg])
    load(qtbot, window, [tif])
    load(qtbot, window, [folder / "." / gpkg.name])  # the same file again, spelt differently
    wait_for_writes()
    assert recent_files(window.settings) == [str(gpkg.resolve()), str(tif.resolve())]
    # persisted in the settings file, not only in memory
    window.settings.sync()
    again = QtCore.QSettings(window.settings.fileName(), QtCore.QSettings.Format.IniFormat)
    assert recent_files(again) == [str(gpkg.resolve()), str(tif.resolve())]

    actions = _recent_actions(window)
    assert [a.text() for a in actions] == [gpkg.name, tif.name]
    window.stack.clear()
    with qtbot.waitSignal(window.loading_finished, timeout=20_000):
        actions[1].trigger()
    assert window.stack.names() == ["hanoi_population_250m"]
    assert str(window.stack[0].source) in (str(tif), str(tif.resolve()))
    wait_for_writes()
    assert recent_files(window.settings)[0] == str(tif.resolve())  # chosen: now the most recent
    assert [a.text() for a in _recent_actions(window)] == [tif.name, gpkg.name]


def test_open_recent_is_written_to_disk_off_the_gui_thread(qtbot, window, synthetic_project, monkeypatch):
    """QSettings writes its file anew and waits for the disk (fdatasync) each time a value changes:
    a file opened goes to the top of the recent files in a worker thread, not in the GUI thread's
    turn that adds and draws the layer (a wait of 213 ms while another program flushed a file)."""
    on_gui_thread = []
    set_value = QtCore.QSettings.setValue

    def recorded(settings, key, value):
        if key == "recent_files":
            on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return set_value(settings, key, value)

    monkeypatch.setattr(QtCore.QSettings, "setValue", recorded)
    gpkg = synthetic_project.parent / "hanoi.gpkg"
    load(qtbot, window, [gpkg])
    wait_for_writes()
    assert on_gui_thread == [False]
    assert recent_files(window.settings) == [str(gpkg.resolve())]  # the window's settings see it at once
    assert recent_files(QtCore.QSettings(window.settings.fileName(), window.settings.format())) == [
        str(gpkg.resolve())]  # and it is on disk


def test_zoom_to_an_empty_layer_leaves_the_view_alone(qtbot, synthetic_window):
    """A result layer that reaches nothing has no extent: zooming to it must not break the view."""
    canvas, stack = synthetic_window.canvas, synthetic_window.stack
    empty = stack.add(VectorLayer(name="Catchment (nothing reached)", gdf=gpd.GeoDataFrame(geometry=[], crs=HANOI_CRS)))
    before = canvas.view_bounds()
    canvas.zoom_to_layer(empty)
    assert canvas.view_bounds() == pytest.approx(before)


def test_a_file_that_fails_to_load_is_not_added_to_open_recent(qtbot, window, tmp_path):
    bad = tmp_path / "notes.geojson"
    bad.write_text("meeting notes, not GeoJSON")
    load(qtbot, window, [bad])
    wait_for_writes()
    assert recent_files(window.settings) == []
