"""Overlapping polygons of one layer are drawn as QGIS draws them, small layer or large.

Two squares of one layer overlap; the second is drawn over the first. In the overlap the map must
show the fill (a fill rule over one path of both leaves a hole of background there), the first
square's outline must be covered by the second's fill (one path stroked after it is filled draws
every outline over every fill), and the second square's outline stays on top of the first's fill.
Both ways a layer is drawn are checked: paths on the GUI thread (a small layer) and a picture
painted in a worker (a layer of more than LARGE_LAYER_FEATURES features).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6 import QtGui

from layers.crs import HANOI_CRS
from layers.layer import Style, VectorLayer
from layers.session import Session
from planner_gui.map import canvas as canvas_module
from planner_gui.map.layers import vector as vector_module
from planner_gui.map.canvas import MAP_BACKGROUND, MapCanvas
from planner_gui.map.layers.large_vector import LargeVectorGraphic

X0, Y0 = 585_000.0, 2_325_000.0  # central Hanoi, EPSG:32648
FILL, OUTLINE = "#d62728", "#000000"


@pytest.fixture
def canvas(qtbot):
    session = Session()
    session.set_working_crs(HANOI_CRS)
    view = MapCanvas(session)
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def _squares_layer(extra: int = 0) -> VectorLayer:
    """Square A (0-100 m), then square B (50-150 m) over it; `extra` far-away specks after them."""
    squares = [shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 50, Y0 + 50, X0 + 150, Y0 + 150)]
    specks = list(shapely.box(X0 + 10_000 + np.arange(extra), Y0, X0 + 10_000.5 + np.arange(extra), Y0 + 0.5))
    gdf = gpd.GeoDataFrame({"id": range(2 + extra)}, geometry=squares + specks, crs=HANOI_CRS)
    style = Style(stroke=OUTLINE, fill=FILL, fill_alpha=1.0, width=3.0)
    return VectorLayer(name="overlapping zones", gdf=gdf, style=style)


def _colour_at(canvas, x: float, y: float) -> str:
    image = canvas.viewport().grab().toImage()
    point = canvas.map_to_screen(x, y)
    return QtGui.QColor(image.pixel(point.x(), point.y())).name()


def _check_drawn_like_qgis(canvas):
    assert _colour_at(canvas, X0 + 75, Y0 + 75) == FILL  # the overlap: filled, not a hole
    assert _colour_at(canvas, X0 + 25, Y0 + 25) == FILL  # A alone
    assert _colour_at(canvas, X0 + 125, Y0 + 125) == FILL  # B alone
    assert _colour_at(canvas, X0 + 100, Y0 + 75) == FILL  # A's right edge, under B: covered by B's fill
    assert _colour_at(canvas, X0 + 50, Y0 + 25) == FILL  # B's left edge does not reach below y=50
    assert _colour_at(canvas, X0 + 50, Y0 + 75) == OUTLINE  # B's left edge, over A's fill
    assert _colour_at(canvas, X0 + 140, Y0 + 20) == QtGui.QColor(MAP_BACKGROUND).name()  # outside both


def test_overlapping_polygons_of_a_small_layer_are_each_filled_over_the_one_below(qtbot, canvas):
    layer = canvas.session.layers.add(_squares_layer())
    canvas.set_view((X0 - 25, Y0 - 25, X0 + 175, Y0 + 175))
    assert not isinstance(canvas.graphic(layer), LargeVectorGraphic)
    _check_drawn_like_qgis(canvas)


def test_overlapping_polygons_of_a_large_layer_are_painted_the_same_way_in_a_worker(qtbot, canvas, monkeypatch):
    monkeypatch.setattr(canvas_module, "LARGE_LAYER_FEATURES", 10)
    layer = canvas.session.layers.add(_squares_layer(extra=20))
    graphic = canvas.graphic(layer)
    assert isinstance(graphic, LargeVectorGraphic)
    canvas.set_view((X0 - 25, Y0 - 25, X0 + 175, Y0 + 175))
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=10_000)
    _check_drawn_like_qgis(canvas)
    assert list(canvas.drawn_features(layer)) == [0, 1]  # the specks 10 km away are not in view


def test_hiding_and_showing_a_large_layer_keeps_its_picture(qtbot, canvas, monkeypatch):
    monkeypatch.setattr(canvas_module, "LARGE_LAYER_FEATURES", 10)
    stack = canvas.session.layers
    layer = stack.add(_squares_layer(extra=20))
    canvas.set_view((X0 - 25, Y0 - 25, X0 + 175, Y0 + 175))
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=10_000)
    graphic = canvas.graphic(layer)
    picture, requests = graphic.item.image(), graphic.painter.latest_id
    stack.set_visible(layer, False)
    assert canvas.items_for(layer) == [] and _colour_at(canvas, X0 + 75, Y0 + 75) != FILL
    stack.set_visible(layer, True)
    assert not canvas.busy()  # nothing to paint again: the same view
    assert graphic.item.image() is picture and graphic.painter.latest_id == requests
    assert _colour_at(canvas, X0 + 75, Y0 + 75) == FILL


def test_a_small_layer_is_painted_once_per_view_and_replayed(qtbot, canvas, monkeypatch):
    """Repaints of an unchanged view replay the recorded painting; so does a view that shows the same
    features (the recording is in map units); a view that shows others records it again."""
    painted = []
    real = vector_module.paint_features
    monkeypatch.setattr(vector_module, "paint_features", lambda *args, **kw: (painted.append(1), real(*args, **kw)))
    canvas.session.layers.add(_squares_layer())
    canvas.set_view((X0 - 25, Y0 - 25, X0 + 175, Y0 + 175))
    _check_drawn_like_qgis(canvas)
    recorded = len(painted)
    assert recorded >= 1
    canvas.viewport().repaint()
    _check_drawn_like_qgis(canvas)  # replayed: the same picture
    assert len(painted) == recorded
    canvas.set_view((X0 - 35, Y0 - 35, X0 + 185, Y0 + 185))
    _check_drawn_like_qgis(canvas)
    assert len(painted) == recorded  # the same two squares
    canvas.set_view((X0 + 110, Y0 + 110, X0 + 310, Y0 + 310))  # square B alone
    assert len(painted) > recorded
    assert _colour_at(canvas, X0 + 125, Y0 + 125) == FILL
