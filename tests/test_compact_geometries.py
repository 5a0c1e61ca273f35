"""Footprints held as arrays (`CompactGeometries`): bounds, areas and lengths equal GEOS's, the
shapes made back are the geometries given, and a FeatureSet on them gives the figures of one on
shapely geometries and of the GEOS brute force, in cities that are not Hanoi."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers.analysis.coverage import FeatureSet
from layers.analysis.coverage.compact import CompactBuilder, CompactGeometries
from tests.cities import CITIES, buildings, truth
from tests.reference import features_brute_force
from tests.test_features import assert_figures, reference_regions
from tests.same_arrays import assert_same_geometry_arrays

X0, Y0 = 699_000.0, 9_850_000.0  # UTM south metres: the naive shoelace would lose seven digits here


def varied() -> np.ndarray:
    """Every kind the engine counts, with holes and parts, at UTM coordinates; missing and empty too."""
    rng = np.random.default_rng(5)

    def ring(cx, cy, r, n):  # an irregular star-free ring round (cx, cy), counter-clockwise
        a = np.sort(rng.uniform(0, 2 * np.pi, n))
        return np.column_stack([cx + r * (0.6 + 0.4 * rng.random(n)) * np.cos(a),
                                cy + r * (0.6 + 0.4 * rng.random(n)) * np.sin(a)])

    holed = shapely.Polygon(shapely.box(X0, Y0, X0 + 30, Y0 + 20).exterior.coords,
                            [shapely.box(X0 + 2, Y0 + 2, X0 + 5, Y0 + 6).exterior.coords[::-1],
                             shapely.box(X0 + 10, Y0 + 3, X0 + 12.5, Y0 + 4.25).exterior.coords])
    return np.array([
        shapely.Polygon(ring(X0 + 50, Y0 + 50, 12, 9)),
        holed,
        shapely.MultiPolygon([holed, shapely.Polygon(ring(X0 + 80, Y0, 7, 6)), shapely.box(X0 - 9, Y0, X0 - 1, Y0 + 3)]),
        shapely.LineString(ring(X0, Y0 + 90, 40, 7)),
        shapely.MultiLineString([ring(X0, Y0, 5, 3), ring(X0 + 9, Y0 + 1, 3, 4)]),
        shapely.LinearRing(ring(X0 + 3, Y0 - 40, 8, 5)),
        shapely.Point(X0 + 1.25, Y0 - 7.5),
        shapely.MultiPoint([(X0, Y0), (X0 + 3, Y0 + 4)]),
        None,
        shapely.Polygon(),
        shapely.from_wkt("LINESTRING EMPTY"),
        shapely.Point(),
        shapely.Polygon([(X0, Y0, 5.0), (X0 + 10, Y0, 6.0), (X0 + 10, Y0 + 10, 7.0), (X0, Y0, 5.0)]),  # a Z: planar
        shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10), (X0, Y0)]),  # a bow-tie
        shapely.box(X0 + 100, Y0 + 100, X0 + 100.001, Y0 + 100.002),  # a sliver of 2e-6 m2
    ], dtype=object)


def assert_measures_equal_geos(geoms, store) -> None:
    m = store.measures()
    assert m.types.tolist() == shapely.get_type_id(geoms).tolist()
    np.testing.assert_array_equal(m.bounds, shapely.bounds(geoms))  # NaN for the missing and the empty
    polygonal = np.isin(m.types, (3, 6))
    linear = np.isin(m.types, (1, 2, 5))
    np.testing.assert_allclose(m.areas[polygonal], shapely.area(geoms[polygonal]), rtol=1e-12, atol=0)
    np.testing.assert_allclose(m.lengths[linear], shapely.length(geoms[linear]), rtol=1e-12, atol=0)
    assert not m.areas[~polygonal].any() and not m.lengths[~linear].any()


def test_bounds_areas_and_lengths_equal_geos_on_every_kind():
    geoms = varied()
    store = CompactGeometries.from_shapely(geoms)
    assert_measures_equal_geos(geoms, store)
    assert store.measures().areas[1] == pytest.approx(600 - 3 * 4 - 2.5 * 1.25, rel=1e-15)  # two holes taken away
    assert store.measures().areas[13] == 0.0  # a bow-tie's ring as given: GEOS says 0 too
    # and many random footprints at UTM coordinates, in chunks of 7
    rng = np.random.default_rng(2)
    x, y = rng.uniform(X0, X0 + 5e4, 300), rng.uniform(Y0, Y0 + 5e4, 300)
    w, h, a = rng.uniform(5, 30, 300), rng.uniform(5, 30, 300), rng.uniform(0, np.pi, 300)
    u, v = np.array([0, 1, 1, 0, 0]), np.array([0, 0, 1, 1, 0])  # a rectangle's corners, turned by a
    boxes = shapely.polygons(np.stack([x[:, None] + (u * w[:, None]) * np.cos(a)[:, None] - (v * h[:, None]) * np.sin(a)[:, None],
                                       y[:, None] + (u * w[:, None]) * np.sin(a)[:, None] + (v * h[:, None]) * np.cos(a)[:, None]],
                                      axis=-1))
    many = np.concatenate([boxes, geoms, shapely.buffer(shapely.points(x, y), 9.0)])
    assert_measures_equal_geos(many, CompactGeometries.from_shapely(many, chunk=7))


def test_shapes_made_back_are_the_geometries_given():
    geoms = varied()
    store = CompactGeometries.from_shapely(geoms)
    back = store.shapes(np.arange(len(geoms)))
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    assert all(b is None for b in back[~present])
    assert shapely.equals_exact(back[present], shapely.force_2d(geoms[present]), tolerance=0).all()
    assert shapely.get_type_id(back[present]).tolist() == shapely.get_type_id(geoms[present]).tolist()
    some = np.array([13, 2, 2, 6, 0])  # any order, repeated
    assert shapely.equals_exact(store.shapes(some), geoms[some], tolerance=0).all()
    # a part of the store, chunked conversions and stores joined end to end hold the same
    part = store.take([2, 4, 1])
    assert shapely.equals_exact(part.shapes([0, 1, 2]), geoms[[2, 4, 1]], tolerance=0).all()
    # joined without a declared count, with the true one, one too low, and one a file lies with
    # (a reservation no larger than the read may hold)
    for expected, max_bytes in ((0, 1 << 30), (len(geoms), 1 << 30), (3, 1 << 30), (1 << 60, 4096)):
        builder = CompactBuilder(expected, max_bytes)
        for i in range(0, len(geoms), 2):
            builder.append(CompactGeometries.from_shapely(geoms[i:i + 2]))
        joined = builder.build()
        assert_same_geometry_arrays(joined, store)
    # measured as appended: the measures of the whole, which stores made from it work out again
    builder = CompactBuilder(len(geoms), measured=True)
    for i in range(0, len(geoms), 3):
        builder.append(CompactGeometries.from_shapely(geoms[i:i + 3]))
    joined, whole = builder.build(), store.measures()
    assert store.measured is None and joined.measured is not None
    for a in ("bounds", "types", "areas", "lengths"):
        np.testing.assert_array_equal(getattr(joined.measures(), a), getattr(whole, a))
    np.testing.assert_array_equal(joined.bounds(), whole.bounds)
    # the whole's box from the features' boxes (missing and empty ones passed over): every coordinate's
    assert np.isnan(whole.bounds).any() and joined.total_bounds() == store.total_bounds()
    assert store.total_bounds() == tuple(shapely.total_bounds(geoms[present]))
    assert joined.take([2, 4]).measured is None and joined.with_coords(joined.coords + 1).measured is None
    assert_same_geometry_arrays(CompactGeometries.from_shapely(geoms, chunk=3), store)


def test_a_geometry_collection_is_refused_plainly():
    collection = shapely.GeometryCollection([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)])
    with pytest.raises(ValueError, match="GeometryCollection"):
        CompactGeometries.from_shapely([shapely.Point(1, 1), collection])


def test_compact_footprints_are_far_smaller_than_shapely_ones():
    x = np.arange(10_000) * 40.0 + X0
    store = CompactGeometries.from_shapely(shapely.box(x, Y0, x + 20, Y0 + 15))
    assert store.nbytes / len(store) < 120  # a rectangle: 80 bytes of coordinates, 25 of offsets and kind


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.name)
def test_feature_set_on_compact_footprints_equals_geos_brute_force(city):
    t = truth(city)
    gdf = buildings(city)
    catchment, pieces = reference_regions(t.boundary, t.wards, t.stations)
    regions = [catchment, *pieces.values()]
    values = {"floor_area": gdf["floor_area"].to_numpy(), "jobs": gdf["jobs"].to_numpy()}
    compact = FeatureSet(CompactGeometries.from_shapely(gdf.geometry.values, chunk=500), values).measure(regions)
    shared = FeatureSet.from_frame(gdf, ["floor_area", "jobs"]).measure(regions)
    assert compact.columns.tolist() == shared.columns.tolist()
    for column in compact.columns:
        if column.startswith("count"):
            assert compact[column].tolist() == shared[column].tolist(), column
        else:
            np.testing.assert_allclose(compact[column], shared[column], rtol=1e-12, atol=1e-9, err_msg=column)
    for i, (name, region) in enumerate(zip(["total", *pieces], regions)):
        assert_figures(compact.iloc[i].to_dict(), features_brute_force(gdf.geometry.values, region, values), name)


def test_feature_set_on_compact_edge_cases_mixed_kinds_and_missing():
    x0, y0 = 500_000.0, 9_850_000.0
    region = shapely.box(x0, y0, x0 + 100, y0 + 100)
    feats = np.array([
        shapely.box(x0 + 10, y0 + 10, x0 + 20, y0 + 20),
        shapely.box(x0 + 90, y0 + 10, x0 + 130, y0 + 20),
        shapely.MultiPolygon([shapely.box(x0 + 50, y0 + 50, x0 + 60, y0 + 60), shapely.box(x0 + 300, y0, x0 + 310, y0 + 10)]),
        shapely.Point(x0 + 100, y0 + 30),
        shapely.Polygon([(x0 + 40, y0 + 80), (x0 + 60, y0 + 120), (x0 + 60, y0 + 80), (x0 + 40, y0 + 120)]),  # bow-tie
        shapely.LineString([(x0 - 10, y0 + 5), (x0 + 30, y0 + 5)]),  # 30 of its 40 m inside
        None,
        shapely.Polygon(),
    ], dtype=object)
    values = {"jobs": np.array([1, 2, 8, 16, 32, 64, 128, 256], dtype=float)}
    features = FeatureSet(CompactGeometries.from_shapely(feats), values)
    assert len(features) == 6  # the missing and the empty one dropped, as with shapely geometries
    got = features.measure([region])
    want = FeatureSet(feats, values).measure([region])
    assert got.columns.tolist() == want.columns.tolist()
    for column in got.columns:
        assert got[column][0] == pytest.approx(want[column][0], rel=1e-12), column
    assert got["count_intersecting"][0] == 6 and got["length_inside_m"][0] == pytest.approx(30.0, rel=1e-12)
    assert got["area_inside_m2"][0] == pytest.approx(100 + 100 + 100 + 200, rel=1e-12)  # bow-tie repaired


def test_the_boxes_of_features_held_as_arrays_are_shapelys():
    """Each feature's box (`bounds`, what the map culls a large layer with) is shapely's, chunk by
    chunk, for every kind of feature, missing and empty ones included."""
    rng = np.random.default_rng(4)
    low = rng.uniform([-180, -60], [180, 60], (700, 2))  # lon/lat, both hemispheres
    shapes = list(shapely.box(low[:, 0], low[:, 1], low[:, 0] + 0.01, low[:, 1] + 0.02))
    shapes[10] = shapely.Polygon(shapely.box(0, 0, 4, 4).exterior, [shapely.box(1, 1, 2, 2).exterior.coords])
    shapes[20] = shapely.MultiPolygon([shapely.box(5, 5, 6, 7), shapely.box(-3, 8, -2, 9)])
    shapes[30] = shapely.LineString([(1, 2), (3, -4), (0, 0)])
    shapes[40] = shapely.MultiPoint([(7, 8), (-7, 9)])
    shapes[50], shapes[51] = None, shapely.Polygon()
    geoms = np.array(shapes, dtype=object)
    store = CompactGeometries.from_shapely(geoms)
    for chunk in (1, 7, 1000):
        assert np.array_equal(store.bounds(chunk=chunk), shapely.bounds(geoms), equal_nan=True)


def test_boxes_of_features_of_every_length_are_shapelys():
    """A feature's box is taken from two windows of its coordinates when it has fewer than 32, by a
    reduction otherwise (`_boxes_into`): every count of coordinates from 1 to 70, the extremes
    anywhere along the feature, short and long features mixed in one chunk or alone, equal shapely's."""
    rng = np.random.default_rng(11)
    shapes = []
    for count in range(1, 71):
        for _ in range(3):
            xy = rng.uniform([X0, Y0], [X0 + 80, Y0 + 60], (count, 2))  # UTM south, 7 digits before the point
            shapes.append(shapely.multipoints(xy) if count < 4 or rng.random() < 0.3 else
                          shapely.linestrings(xy) if rng.random() < 0.5 else shapely.polygons(np.vstack([xy, xy[:1]])))
    shapes[5], shapes[40] = None, shapely.Polygon()
    geoms = np.array(shapes, dtype=object)
    rng.shuffle(geoms)
    store = CompactGeometries.from_shapely(geoms)
    for chunk in (1, 5, 64, 1000):
        assert np.array_equal(store.bounds(chunk=chunk), shapely.bounds(geoms), equal_nan=True)
        assert np.array_equal(store.measures(chunk=chunk).bounds, shapely.bounds(geoms), equal_nan=True)
