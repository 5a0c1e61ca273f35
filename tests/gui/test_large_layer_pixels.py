"""A large layer held as arrays is painted pixel for pixel as one feature after another would be.

The picture of a large layer is painted in levels (`geometry.paint_levels`: each feature above every
earlier one whose box it meets), a level's features together, a path of thousands at a time
(`feature_painter.paint_apart`).
Footprints that overlap (each must cover the one below it, outline included), footprints alone,
courtyards (holes) and two-part buildings, in a southern-hemisphere UTM zone: the picture must be
the same image as every feature painted by itself, in order (`paint_features`, the way QGIS
draws), from shapely's own coordinates of each feature. Vertices are kept several pixels apart so
that thinning to the pixel drops none, and no footprint is under SMALL_PX pixels (those are boxes).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6 import QtGui

from layers.analysis.coverage.compact import CompactGeometries
from layers.compact_layer import CompactVectorLayer
from layers.layer import Style
from planner_gui.map import geometry as geo
from planner_gui.map.blank_image import blank_image
from planner_gui.map.feature_painter import feature_rings, paint_features
from planner_gui.map.layers.large_vector import PaintPlan, paint_picture
from planner_gui.map.pens import brush, pen

CRS = "EPSG:32736"  # UTM 36S (Kampala to Nairobi), a southern-hemisphere city
X0, Y0 = 500_000.0, 9_850_000.0
PIXEL_M = 0.5


def _footprints(rng) -> np.ndarray:
    """Buildings on a 30 m grid, every third one moved onto its neighbour (they overlap), some with
    a courtyard, some of two parts; corners at least 2 m (4 pixels) apart."""
    shapes = []
    for i in range(12):
        for j in range(9):
            x, y = X0 + 30 * i + rng.uniform(0, 4), Y0 + 30 * j + rng.uniform(0, 4)
            if (i + j) % 3 == 0:
                x += 14  # onto the next one
            w, h = rng.uniform(8, 20), rng.uniform(8, 20)
            shell = shapely.Polygon([(x, y), (x + w, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h)])
            kind = (i * 9 + j) % 5
            if kind == 1:
                shell = shapely.Polygon(shell.exterior, [[(x + 2, y + 2), (x + 2, y + 5), (x + 5, y + 5), (x + 5, y + 2)]])
            if kind == 2:
                shell = shapely.MultiPolygon([shell, shapely.box(x + w + 2, y, x + w + 6, y + 4)])
            shapes.append(shell)
    return np.array(shapes, dtype=object)


@pytest.mark.parametrize("width", [0.5, 3.0])
def test_the_picture_of_a_layer_held_as_arrays_is_every_feature_painted_in_turn(qtbot, width):
    geoms = _footprints(np.random.default_rng(3))
    style = Style(stroke="#202020", fill="#d62728", fill_alpha=0.8, width=width)
    layer = CompactVectorLayer(name="buildings", gdf=gpd.GeoDataFrame({"id": range(len(geoms))}), style=style,
                               geometries=CompactGeometries.from_shapely(geoms), layer_crs=CRS)
    geometry = geo.prepared(layer, CRS)
    assert geometry.geoms is None  # drawn from the arrays
    view = (X0 - 10, Y0 - 10, X0 + 380, Y0 + 290)
    picture = paint_picture(PaintPlan(layer, geometry), view, PIXEL_M)

    levels = geo.paint_levels(shapely.bounds(geoms), view, PIXEL_M, (picture.image.height(), picture.image.width()), 3)
    assert levels.max() >= 1 and np.bincount(levels).min() > 1  # overlaps, and levels of several painted together

    expected = blank_image(picture.image.width(), picture.image.height())
    painter = QtGui.QPainter(expected)
    for geom in geoms:  # one by one, from shapely's coordinates of each ring
        rings = shapely.get_rings(shapely.get_parts(geom))
        xy = np.concatenate([shapely.get_coordinates(ring) for ring in rings])
        ends = np.zeros(len(xy), bool)
        ends[np.cumsum([len(shapely.get_coordinates(ring)) for ring in rings]) - 1] = True
        paint_features(painter, feature_rings((xy[:, 0] - view[0]) / PIXEL_M, (xy[:, 1] - view[1]) / PIXEL_M, ends,
                                              np.array([len(xy)])),
                       pen(style.stroke, width), brush(style.fill, style.fill_alpha), True)
    painter.end()
    assert picture.image == expected
    assert list(picture.drawn) == list(range(len(geoms)))


def test_thinning_keeps_each_rings_ends_and_one_vertex_a_pixel():
    x = np.array([0.1, 0.4, 0.9, 2.2, 2.3, 2.7, 0.1, 5.0, 5.5, 7.0, 5.0])
    y = np.array([0.1, 0.2, 0.3, 0.5, 3.1, 3.9, 0.1, 5.0, 5.2, 7.0, 5.0])
    ends = np.zeros(len(x), bool)
    ends[[6, 10]] = True
    tx, ty, tends, lengths = geo.thinned(x, y, ends, np.array([7, 4]))
    # ring 1: (0.4, 0.2) and (0.9, 0.3) in the first vertex's pixel, (2.7, 3.9) in (2.3, 3.1)'s
    assert list(tx) == [0.1, 2.2, 2.3, 0.1, 5.0, 7.0, 5.0] and list(ty) == [0.1, 0.5, 3.1, 0.1, 5.0, 7.0, 5.0]
    assert list(tends) == [False, False, False, True, False, False, True] and list(lengths) == [4, 3]


def test_paint_levels_put_each_feature_above_every_earlier_one_it_may_share_a_pixel_with():
    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(1, 60))
        low = rng.uniform(0, 100, (n, 2))
        boxes = np.column_stack([low, low + rng.uniform(0, 15, (n, 2))])
        margin = int(rng.integers(0, 3))
        got = geo.paint_levels(boxes, (0.0, 0.0, 100.0, 80.0), 1.0, (80, 100), margin)
        # by hand: each box's pixels (widened, clipped to the picture) against every earlier one's
        px = np.column_stack([np.clip(np.floor(boxes[:, 0]) - margin, 0, 99), np.clip(np.floor(boxes[:, 1]) - margin, 0, 79),
                              np.clip(np.floor(boxes[:, 2]) + margin, 0, 99), np.clip(np.floor(boxes[:, 3]) + margin, 0, 79)])
        expected = []
        for j in range(n):
            below = [expected[i] for i in range(j) if px[i, 0] <= px[j, 2] and px[j, 0] <= px[i, 2]
                     and px[i, 1] <= px[j, 3] and px[j, 1] <= px[i, 3]]
            expected.append(max(below) + 1 if below else 0)
        assert list(got) == expected


def test_paint_levels_give_up_where_they_save_nothing():
    covering = np.tile([0.0, 0.0, 100.0, 80.0], (30, 1))  # every feature over the whole view: 30 levels
    assert list(geo.paint_levels(covering, (0.0, 0.0, 100.0, 80.0), 1.0, (80, 100), 1)) == list(range(30))
    assert geo.paint_levels(covering, (0.0, 0.0, 100.0, 80.0), 1.0, (80, 100), 1, max_levels=10) is None
    assert geo.paint_levels(covering, (0.0, 0.0, 100.0, 80.0), 1.0, (80, 100), 1, max_pairs=100) is None
