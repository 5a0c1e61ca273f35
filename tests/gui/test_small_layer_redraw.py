"""A small layer's redraw after a pan or zoom does only the work the view change asks for.

Outlines of one opaque solid pen with nothing filled cover the same pixels in any order, so their
item paints its path whole instead of a recording of one call per feature; and an item that holds
the features the new view shows, at the same level of detail, is not rebuilt. Both must leave the
map's pixels as drawing every feature one by one, afresh, gives them. Data in UTM zone 56S
(Sydney): southern hemisphere, not Hanoi.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from PySide6 import QtCore, QtGui, QtWidgets

from layers.layer import Style, VectorLayer
from layers.session import Session
from planner_gui.map.canvas import MapCanvas
from planner_gui.map.layers import vector as vector_module

SYDNEY = CRS.from_epsg(32756)
X0, Y0 = 334_000.0, 6_250_000.0  # central Sydney in UTM 56S


def _layers() -> list[VectorLayer]:
    """Overlapping outlined suburbs (no fill), filled parks over each other, and a few streets."""
    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 4_000, (40, 2))
    suburbs = [shapely.Polygon(shapely.buffer(shapely.Point(X0 + x, Y0 + y), 300 + 10 * i, quad_segs=6).exterior)
               for i, (x, y) in enumerate(corners)]
    parks = [shapely.box(X0 + x, Y0 + y, X0 + x + 500, Y0 + y + 350) for x, y in corners[:15]]
    streets = [shapely.LineString([(X0 + x, Y0 + y), (X0 + x + 900, Y0 + y + 200), (X0 + x + 1_200, Y0 + y - 400)])
               for x, y in corners[:20]]

    def layer(name, geoms, style):
        return VectorLayer(name=name, gdf=gpd.GeoDataFrame({"id": range(len(geoms))}, geometry=geoms, crs=SYDNEY),
                           style=style)

    return [layer("suburbs", suburbs, Style(stroke="#4d4d4d", fill=None, fill_alpha=0.0, width=1.5)),
            layer("parks", parks, Style(stroke="#1a7f37", fill="#74c476", fill_alpha=0.8, width=2.0)),
            layer("streets", streets, Style(stroke="#d62728", width=2.0))]


def _canvas(qtbot, view, layers: list[VectorLayer] | None = None) -> MapCanvas:
    session = Session()
    for layer in _layers() if layers is None else layers:
        session.add_layer(layer)
    canvas = MapCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(420, 360)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_view(view)
    return canvas


def _pixels(canvas) -> np.ndarray:
    image = canvas.viewport().grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), -1).copy()


def _items(canvas, name):
    layer = next(layer for layer in canvas.session.layers if layer.name == name)
    return [item for item, _ in canvas.graphic(layer).classes]


VIEW = (X0 - 500, Y0 - 500, X0 + 4_500, Y0 + 4_500)


def test_outlines_of_one_pen_are_painted_whole_with_the_pixels_of_one_by_one(qtbot, monkeypatch):
    canvas = _canvas(qtbot, VIEW)
    assert all(item.one_path() for item in _items(canvas, "suburbs") + _items(canvas, "streets"))
    assert not any(item.one_path() for item in _items(canvas, "parks"))  # filled: their order shows
    whole = _pixels(canvas)
    assert len(np.unique(whole)) > 3  # background, suburbs, parks, streets
    monkeypatch.setattr(vector_module.FeaturesItem, "one_path", lambda self: False)
    assert np.array_equal(_pixels(_canvas(qtbot, VIEW)), whole)


def test_a_half_transparent_or_dashed_outline_is_painted_one_by_one():
    item = vector_module.FeaturesItem(area=True)
    item.setPen(QtGui.QPen(QtGui.QColor(0, 0, 0, 128)))
    assert not item.one_path()  # where two outlines cross, two layers of ink
    item.setPen(QtGui.QPen(QtGui.QColor("black"), 1.0, vector_module.QtCore.Qt.PenStyle.DashLine))
    assert not item.one_path()


def test_an_items_bounds_are_its_paths_own_with_no_stroke_of_the_whole_path(qtbot):
    """Qt's path item strokes its whole path with its pen to find its bounds after every new path
    (and its shape in every hover test): each item keeps its outline pen to itself, so its bounds
    are the path's rectangle, and the outlines are still painted in that pen."""
    canvas = _canvas(qtbot, VIEW)
    items = _items(canvas, "suburbs") + _items(canvas, "parks") + _items(canvas, "streets")
    for item in items:
        assert QtWidgets.QGraphicsPathItem.pen(item).style() == QtCore.Qt.PenStyle.NoPen  # Qt's item: no pen
        assert item.boundingRect() == item.path().controlPointRect()
        assert item.shape() == item.path()
    parks = _items(canvas, "parks")[0]
    assert parks.pen().color().name() == "#1a7f37" and parks.pen().widthF() == 2.0 and parks.pen().isCosmetic()
    colours = {QtGui.QColor(int(p) & 0xFFFFFF).name() for p in np.unique(_pixels(canvas))}
    assert {"#4d4d4d", "#1a7f37", "#d62728"} <= colours  # every layer's outline is on the map


@pytest.mark.parametrize("shift_m", [40.0, -25.0])
def test_a_pan_that_keeps_the_same_features_rebuilds_nothing_and_draws_as_afresh(qtbot, shift_m):
    canvas = _canvas(qtbot, VIEW)
    parks = _items(canvas, "parks")
    recordings = [item._recording for item in parks]
    assert any(recording is not None for recording in recordings)
    moved = (VIEW[0] + shift_m, VIEW[1] + shift_m, VIEW[2] + shift_m, VIEW[3] + shift_m)
    canvas.set_view(moved)
    assert [item._recording for item in parks] == recordings  # the same objects: nothing recorded again
    assert np.array_equal(_pixels(canvas), _pixels(_canvas(qtbot, moved)))


def test_a_view_that_shows_other_features_draws_them(qtbot):
    canvas = _canvas(qtbot, (X0 + 4_000, Y0 + 4_000, X0 + 9_000, Y0 + 9_000))  # beyond most of the city
    before = [item._shows[1].copy() if item._shows else None for item in _items(canvas, "parks")]
    canvas.set_view(VIEW)
    after = [item._shows[1] for item in _items(canvas, "parks")]
    assert any(b is None or len(a) > len(b) for a, b in zip(after, before))
    assert np.array_equal(_pixels(canvas), _pixels(_canvas(qtbot, VIEW)))


def test_features_too_small_for_a_path_are_burnt_into_an_image_no_larger_than_they_need(qtbot):
    """Tiny features (3 m sheds seen 8 km wide) are their boxes' pixels in the stroke colour, in an
    image that covers those pixels only, laid where a screen-sized one would have them."""
    from planner_gui.map import geometry as geo

    rng = np.random.default_rng(5)
    corners = rng.uniform(0, 600, (30, 2)) + (X0 + 2_000, Y0 + 2_000)
    sheds = [shapely.box(x, y, x + 3, y + 3) for x, y in corners]
    depot = shapely.box(X0, Y0, X0 + 1_500, Y0 + 1_000)
    stroke = "#8c2d04"
    layer = VectorLayer(name="sheds", gdf=gpd.GeoDataFrame({"id": range(31)}, geometry=sheds + [depot], crs=SYDNEY),
                        style=Style(stroke=stroke, fill=None, width=1.0))
    canvas = _canvas(qtbot, (X0 - 1_000, Y0 - 1_000, X0 + 7_000, Y0 + 7_000), [layer])
    view, pixel_m = canvas._view_and_pixel()
    item = canvas.graphic(layer).small_image
    assert item.isVisible()
    shape = (int(np.ceil((view[3] - view[1]) / pixel_m)), int(np.ceil((view[2] - view[0]) / pixel_m)))
    expected = geo.rasterise_boxes(shapely.bounds(np.array(sheds)), view, pixel_m, shape)
    image = item.image
    assert image.shape[0] * image.shape[1] * 20 < shape[0] * shape[1]  # a small part of the screen
    rect = item.mapRectToParent(item.boundingRect())
    left, top = round((rect.left() - view[0]) / pixel_m), round((rect.top() - view[1]) / pixel_m)
    assert rect.width() == pytest.approx(image.shape[1] * pixel_m) and rect.height() == pytest.approx(image.shape[0] * pixel_m)
    placed = np.zeros(shape, bool)
    placed[top:top + image.shape[0], left:left + image.shape[1]] = image[..., 3] > 0
    assert np.array_equal(placed, expected)
    screen = canvas.viewport().grab().toImage()
    for x, y in corners[:5] + 1.5:  # on screen, within a pixel of where each shed is
        point = canvas.map_to_screen(x, y)
        near = {QtGui.QColor(screen.pixel(point.x() + dx, point.y() + dy)).name() for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
        assert stroke in near


class _Keep:
    """A feature filter keeping the given rows (as the timeline's year keeps the network of that year)."""

    def __init__(self, rows):
        self.rows = list(rows)

    def mask(self, gdf):
        kept = np.zeros(len(gdf), bool)
        kept[self.rows] = True
        return kept


def test_a_new_filter_on_an_unlabelled_layer_redraws_that_layer_alone(qtbot, monkeypatch):
    """The timeline's year filters several layers in a row: each is drawn anew in its place, and
    neither the stack's order nor the labels of the map are worked out again for a layer that has
    no labels; the map is the one drawn afresh with the same filter."""
    canvas = _canvas(qtbot, VIEW)
    stack = canvas.session.layers
    parks = next(layer for layer in stack if layer.name == "parks")
    z = {id(item): item.zValue() for graphic in canvas.graphics.values() for item in graphic.items()}
    calls = []
    monkeypatch.setattr(canvas, "refresh_labels", lambda: calls.append("labels"))
    monkeypatch.setattr(canvas, "_restack", lambda: calls.append("restack"))
    stack.set_feature_filter(parks, _Keep(range(0, 15, 2)))
    assert calls == []
    assert {id(item): item.zValue() for graphic in canvas.graphics.values() for item in graphic.items()} == z
    assert set(canvas.drawn_features(parks)) <= set(range(0, 15, 2)) and len(canvas.drawn_features(parks))
    fresh = _canvas(qtbot, VIEW)
    fresh.session.layers.set_feature_filter(next(layer for layer in fresh.session.layers if layer.name == "parks"),
                                            _Keep(range(0, 15, 2)))
    assert np.array_equal(_pixels(canvas), _pixels(fresh))


def test_a_new_filter_on_a_labelled_layer_places_the_labels_again(qtbot):
    canvas = _canvas(qtbot, VIEW)
    stack = canvas.session.layers
    streets = next(layer for layer in stack if layer.name == "streets")
    stack.set_style(streets, Style(stroke="#d62728", width=2.0, label_field="id"))
    assert "7" in canvas.labels()
    stack.set_feature_filter(streets, _Keep([1, 2]))
    assert set(canvas.labels()) == {"1", "2"}
    stack.set_style(streets, Style(stroke="#d62728", width=2.0))  # labels off: the old ones go
    assert canvas.labels() == []


def test_zoom_to_a_layer_moves_the_view_at_once_and_draws_it_at_the_next_turn(qtbot):
    """Zoom to layer: the view is the layer's at once; its layers are drawn for it at the next turn
    of the event loop (Qt paints the moved picture in between), as a fresh map of that view."""
    canvas = _canvas(qtbot, (X0 + 4_400, Y0 + 4_400, X0 + 9_000, Y0 + 9_000))  # beyond most parks
    parks = next(layer for layer in canvas.session.layers if layer.name == "parks")
    before = canvas.drawn_features(parks).copy()
    canvas.zoom_to_layer(parks)
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    px0, py0, px1, py1 = parks.gdf.total_bounds
    assert xmin < px0 and ymin < py0 and xmax > px1 and ymax > py1
    assert canvas.busy() and np.array_equal(canvas.drawn_features(parks), before)  # drawn at the next turn
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    assert canvas.drawn_features(parks).tolist() == list(range(15))
    fresh = _canvas(qtbot, canvas.view_bounds())
    assert np.array_equal(_pixels(canvas), _pixels(fresh))


def test_a_pan_that_rests_draws_its_layers_a_turn_apart_behind_the_moving_picture(qtbot, monkeypatch):
    """Once a pan rests, the layers are drawn for the new view a turn of the event loop apart, the
    moving picture on the map until the last one is drawn; then the map is a fresh map of the view."""
    from PySide6 import QtCore

    from planner_gui.map.layers.vector import VectorGraphic

    canvas = _canvas(qtbot, VIEW)
    qtbot.waitUntil(lambda: canvas.moving_picture.fresh and not canvas.busy(), timeout=5_000)
    turns, drawn = [0], []
    real = VectorGraphic.refresh
    monkeypatch.setattr(VectorGraphic, "refresh", lambda self, *a: (
        drawn.append((turns[0], canvas.view_box.childGroup.isVisible())), real(self, *a)))
    ticker = QtCore.QTimer(interval=0)
    ticker.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    ticker.start()
    moved = (VIEW[0] + 300, VIEW[1] + 200, VIEW[2] + 300, VIEW[3] + 200)
    try:
        canvas.view_box.setRange(xRange=(moved[0], moved[2]), yRange=(moved[1], moved[3]), padding=0)
        assert canvas.moving_picture.moving
        qtbot.waitUntil(lambda: not canvas.busy(), timeout=5_000)
    finally:
        ticker.stop()
    assert len(drawn) == 3 and all(b[0] > a[0] for a, b in zip(drawn, drawn[1:]))
    assert not any(visible for _, visible in drawn)  # the picture stood in while they were drawn
    assert canvas.view_box.childGroup.isVisible() and not canvas.moving_picture.moving
    assert np.array_equal(_pixels(canvas), _pixels(_canvas(qtbot, canvas.view_bounds())))
