"""WKB read straight into arrays (`layers.io.wkb_arrays`): the same arrays as shapely's geometries
taken apart (`CompactGeometries.from_shapely(shapely.from_wkb(...))`) for every kind, byte order,
dimension and flavour; whatever GEOS refuses or the fast path cannot read is left to shapely
(None); and `certainly_valid` never calls valid what GEOS calls invalid, while calling valid the
footprints a city is made of."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.analysis.coverage.compact import CompactGeometries
from layers.io import wkb_arrays
from layers.io.wkb_arrays import certainly_valid, wkb_to_arrays
from tests.same_arrays import assert_same_geometry_arrays

X0, Y0 = 585_000.0, 2_325_000.0  # UTM 48N metres


def odd_geometries() -> list:
    """One of every kind and empty, with holes and parts, in UTM-sized coordinates."""
    box = shapely.box(X0, Y0, X0 + 20, Y0 + 15)
    holed = shapely.box(X0, Y0, X0 + 40, Y0 + 40).difference(shapely.box(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20))
    return [
        shapely.Point(X0, Y0), shapely.Point(), None,
        shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 1), (X0 + 9, Y0 - 3)]), shapely.LineString(),
        box, holed, shapely.Polygon(),
        shapely.MultiPoint([(X0, Y0), (X0 + 1, Y0 + 1)]), shapely.MultiPoint(),
        shapely.MultiLineString([[(X0, Y0), (X0 + 1, Y0)], [(X0 + 2, Y0), (X0 + 3, Y0 + 4), (X0 + 5, Y0)]]),
        shapely.MultiPolygon([box, shapely.box(X0 + 50, Y0, X0 + 60, Y0 + 10)]), shapely.MultiPolygon([holed]),
        shapely.MultiPolygon(), shapely.MultiLineString(),
        shapely.Polygon([(-71.06, 42.36), (-71.05, 42.36), (-71.05, 42.37), (-71.06, 42.36)]),  # lon/lat, west
        shapely.Point(151.2, -33.87),  # south
    ]


def column(geoms, **to_wkb) -> pa.Array:
    return pa.array([None if g is None else shapely.to_wkb(g, **to_wkb) for g in geoms], type=pa.binary())


def assert_same_arrays(store: wkb_arrays.GeometryArrays, wkb: pa.Array) -> None:
    """`store` holds what shapely makes of `wkb`, taken apart."""
    reference = CompactGeometries.from_shapely(shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)))
    assert_same_geometry_arrays(store, reference)
    assert store.types.dtype == reference.types.dtype and store.coords.dtype == np.float64


@pytest.mark.parametrize("to_wkb", [
    {}, {"byte_order": 0}, {"flavor": "iso"}, {"output_dimension": 3, "flavor": "iso"},
    {"output_dimension": 3, "flavor": "extended"}, {"include_srid": True}, {"byte_order": 0, "output_dimension": 3},
], ids=["little", "big", "iso", "iso-z", "ewkb-z", "ewkb-srid", "big-z"])
def test_every_kind_reads_as_shapely_reads_it(to_wkb):
    geoms = odd_geometries()
    if to_wkb.get("output_dimension") == 3:  # a Z that the arrays drop
        geoms = [None if g is None else shapely.force_3d(g, 12.5) for g in geoms]
    if to_wkb.get("include_srid"):
        geoms = [None if g is None else shapely.set_srid(g, 32648) for g in geoms]
    wkb = column(geoms, **to_wkb)
    store = wkb_to_arrays(wkb)
    assert store is not None
    assert_same_arrays(store, wkb)
    assert_same_arrays(store, column(geoms))  # the same arrays, whatever the flavour


def test_m_and_zm_coordinates_are_skipped_for_x_and_y():
    """ISO WKB with M (2000s) and ZM (3000s), written by hand: shapely writes neither."""
    def ring_polygon(code: int, values: int) -> bytes:
        ring = [(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0, Y0)]
        body = b"".join(struct.pack("<" + "d" * values, x, y, *([7.0] * (values - 2))) for x, y in ring)
        return struct.pack("<BIII", 1, code, 1, len(ring)) + body
    wkb = pa.array([ring_polygon(2003, 3), ring_polygon(3003, 4)])
    store = wkb_to_arrays(wkb)
    assert store is not None
    assert_same_arrays(store, wkb)
    assert store.coords[:4].tolist() == [[X0, Y0], [X0 + 10, Y0], [X0 + 10, Y0 + 10], [X0, Y0]]


def wkb_polygon(points, little=True) -> bytes:
    order = "<" if little else ">"
    return struct.pack(order + "BIII", int(little), 3, 1, len(points)) + b"".join(
        struct.pack(order + "dd", *p) for p in points)


@pytest.mark.parametrize("raw, why", [
    (shapely.to_wkb(shapely.GeometryCollection([shapely.Point(0, 0)])), "a collection"),
    (struct.pack("<BII", 1, 8, 0), "a circular string"),
    (wkb_polygon([(0, 0), (1, 0), (1, 1), (0, 0)])[:-5], "cut off"),
    (wkb_polygon([(0, 0), (1, 0), (1, 1), (0, 1)]), "a ring that is not closed"),
    (wkb_polygon([(0, 0), (1, 0), (0, 0)]), "a ring of three points"),
    (struct.pack("<BII", 1, 2, 1) + struct.pack("<dd", 1, 2), "a line of one point"),
    (struct.pack("<BI", 7, 3), "no byte order"),
    (b"", "no bytes"),
])
def test_what_the_fast_path_cannot_read_is_left_to_shapely(raw, why):
    good = shapely.to_wkb(shapely.box(X0, Y0, X0 + 1, Y0 + 1))
    assert wkb_to_arrays(pa.array([good, raw, good])) is None, why


def test_rings_left_to_shapely_are_ones_geos_refuses_or_calls_invalid():
    """Left to shapely, the path every file took before: a ring that is not closed is refused by
    GEOS, one of three points is read as an invalid polygon (then repaired or refused as before)."""
    with pytest.raises(shapely.errors.GEOSException, match="closed"):
        shapely.from_wkb(wkb_polygon([(0, 0), (1, 0), (1, 1), (0, 1)]))
    assert not shapely.from_wkb(wkb_polygon([(0, 0), (1, 0), (0, 0)])).is_valid


def test_a_slice_of_a_column_reads_its_own_features():
    sliced = column(odd_geometries()).slice(3, 9)
    assert_same_arrays(wkb_to_arrays(sliced), sliced)


def footprints(n: int, seed: int = 0) -> list:
    """Rotated rectangles and L shapes of 6-30 m in UTM coordinates, as a city's buildings are,
    some with a repeated vertex or a vertex in the middle of a wall."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        w, h = rng.uniform(6, 30, 2)
        shape = [(0, 0), (w, 0), (w, h), (0, h)] if i % 3 else [(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)]
        if i % 7 == 0:
            shape.insert(1, (w / 2, 0))  # a vertex in the middle of a wall
        if i % 11 == 0:
            shape.insert(2, shape[1])  # a repeated vertex
        polygon = shapely.affinity.rotate(shapely.Polygon(shape), rng.uniform(0, 360), origin=(0, 0))
        out.append(shapely.affinity.translate(polygon, X0 + rng.uniform(0, 5000), Y0 + rng.uniform(0, 5000)))
    return out


@pytest.mark.parametrize("to_wkb", [{}, {"byte_order": 0}, {"output_dimension": 3}], ids=["plain", "big", "z"])
def test_footprints_of_one_ring_read_as_shapely_reads_them(to_wkb, monkeypatch):
    """A layer of footprints (polygons of one ring, and multipolygons of one such part, as many
    files store every building) is read by the shortest path; the same arrays as shapely's, and
    the same as the general path's when one feature is of another kind."""
    geoms = footprints(50)
    geoms[1::3] = [shapely.MultiPolygon([g]) for g in geoms[1::3]]
    if to_wkb.get("output_dimension"):
        geoms = list(shapely.force_3d(np.asarray(geoms, dtype=object), 4.0))
    for batch in (geoms, geoms + [shapely.Point(X0, Y0)], geoms + [shapely.box(X0, Y0, X0 + 9, Y0 + 9).difference(
            shapely.box(X0 + 3, Y0 + 3, X0 + 6, Y0 + 6))]):
        wkb = column(batch, **to_wkb)
        assert_same_arrays(wkb_to_arrays(wkb), wkb)
    if not to_wkb:  # x and y, little-endian, footprints only: the general steps are not taken
        monkeypatch.setattr(wkb_arrays._Reader, "_simple", None)
        assert_same_arrays(wkb_to_arrays(column(geoms)), column(geoms))


def test_a_city_s_footprints_are_certainly_valid_without_asking_geos():
    geoms = footprints(3000)
    assert shapely.is_valid(geoms).all()
    store = wkb_to_arrays(column(geoms))
    certain = certainly_valid(store)
    # rectangles and L shapes are decided here; only walls with a vertex in their middle, where
    # the turn is too close to straight to be sure of, may be left to GEOS
    assert certain.mean() > 0.85
    assert certain[[i for i in range(len(geoms)) if i % 7]].all()


def test_lines_points_and_what_is_left_to_geos():
    geoms = [shapely.Point(X0, Y0), shapely.MultiPoint([(X0, Y0), (X0, Y0)]),
             shapely.LineString([(X0, Y0), (X0 + 1, Y0)]), shapely.LineString([(X0, Y0), (X0, Y0)]),
             shapely.MultiLineString([[(X0, Y0), (X0 + 1, Y0)], [(X0, Y0), (X0, Y0)]]),
             shapely.box(X0, Y0, X0 + 40, Y0 + 40).difference(shapely.box(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20)),
             shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 1, Y0 + 1), shapely.box(X0 + 3, Y0, X0 + 4, Y0 + 1)]),
             shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)]),  # a bow-tie
             None, shapely.Polygon(),
             # a wall drawn twice: two segments on one line, overlapping, that do not follow each other
             shapely.Polygon([(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 5), (X0 + 6, Y0 + 5), (X0 + 6, Y0),
                              (X0 + 3, Y0), (X0 + 3, Y0 - 5), (X0, Y0 - 5)]),
             # a vertex on another wall
             shapely.Polygon([(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0 + 5, Y0), (X0, Y0 + 10)])]
    certain = certainly_valid(wkb_to_arrays(column(geoms)))  # the courtyard (5) and the two apart (6) here too
    assert certain.tolist() == [True, True, True, False, False, True, True, False, False, False, False, False]
    assert not shapely.is_valid(np.asarray(geoms, dtype=object)[[3, 4, 7, 10, 11]]).any()


def test_convex_rings_of_any_size_are_decided_here_among_rings_that_are_not():
    """Convexity is asked of every ring at once, whatever their sizes: a ring of 200 vertices (more
    than are tested pair by pair) is decided here when convex; a ring that collapses to a line, a
    bow-tie and a ring turning back on itself between them do not spill into their neighbours."""
    circle = shapely.Point(X0, Y0).buffer(50, quad_segs=50)  # 200 vertices, convex
    arc = circle.exterior.coords[:100]  # half of it, its ends joined through a point inside: not convex
    dent = shapely.Polygon([*arc, (X0 + 0.4 * (arc[50][0] - X0), Y0 + 0.4 * (arc[50][1] - Y0))])
    square = shapely.box(X0, Y0, X0 + 10, Y0 + 10)
    line = shapely.Polygon([(X0, Y0), (X0 + 10, Y0), (X0 + 20, Y0), (X0 + 10, Y0)])  # no area
    bow_tie = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    twice = shapely.Polygon([(X0 + 5 * np.cos(a), Y0 + 5 * np.sin(a)) for a in np.linspace(0, 4 * np.pi, 9)[:-1]])
    geoms = [circle, line, square, bow_tie, dent, twice, square, circle]
    certain = certainly_valid(wkb_to_arrays(column(geoms)))
    assert certain.tolist() == [True, False, True, False, False, False, True, True]
    valid = shapely.is_valid(np.asarray(geoms, dtype=object))
    assert valid.tolist() == [True, False, True, False, True, False, True, True]  # the dent: left to GEOS, valid


def _box_at(x: float, y: float, side: float = 10) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + side, Y0 + y + side)


_COURTYARD = shapely.Polygon(_box_at(0, 0, 40).exterior.coords, [_box_at(10, 10).exterior.coords])
_BOW_TIE = shapely.Polygon([(X0 + 20, Y0), (X0 + 30, Y0 + 10), (X0 + 30, Y0), (X0 + 20, Y0 + 10)])


@pytest.mark.parametrize("parts, valid, certain", [
    ([_box_at(0, 0), _box_at(20, 0)], True, True),  # two buildings of one feature
    ([_box_at(0, 0), _box_at(20, 0), _box_at(0, 20)], True, True),
    ([_COURTYARD, _box_at(50, 0)], True, True),  # one with a courtyard
    ([_box_at(0, 0), _box_at(5, 5)], False, False),  # overlapping
    ([_box_at(0, 0), _box_at(10, 0)], False, False),  # sharing a wall
    ([_box_at(0, 0), _box_at(10, 10)], True, False),  # touching at a corner: valid, left to GEOS
    ([_box_at(0, 0), _BOW_TIE], False, False),  # a part invalid
    ([_box_at(0, 0), shapely.Polygon(_box_at(20, 0).exterior.coords[::-1])], True, True),  # wound the other way
], ids=["two apart", "three apart", "a courtyard and one apart", "overlapping", "a shared wall", "a corner",
        "a bow-tie", "wound either way"])
def test_several_parts_apart_are_decided_here(parts, valid, certain):
    feature = shapely.MultiPolygon(parts)
    assert shapely.is_valid(feature) == valid
    assert certainly_valid(wkb_to_arrays(column([_box_at(100, 100), feature, feature]))).tolist() == [True, certain, certain]


coordinate = st.integers(-4, 4).map(float) | st.floats(-4, 4, allow_nan=False, width=32).map(float)
ring = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=12)


@settings(max_examples=100, deadline=None)
@given(st.lists(ring, min_size=1, max_size=30), st.sampled_from([1.0, 1e-9, 1e6]), st.booleans())
def test_certainly_valid_is_never_wrong(rings, scale, far):
    """Random rings on a small grid (collinear vertices, touching and crossing segments, spikes,
    repeated points), shrunk or grown and moved far from the origin: whatever `certainly_valid`
    calls valid, GEOS calls valid."""
    offset = (X0, Y0) if far else (0.0, 0.0)
    geoms = []
    for points in rings:
        shell = [(x * scale + offset[0], y * scale + offset[1]) for x, y in points]
        try:
            geoms.append(shapely.Polygon(shell + shell[:1]))
        except shapely.errors.GEOSException:
            continue
    geoms.append(shapely.MultiPolygon([g for g in geoms if isinstance(g, shapely.Polygon) and g.is_valid][:2]))
    store = wkb_to_arrays(column(geoms))
    if store is None:
        return
    certain = certainly_valid(store)
    assert not (certain & ~shapely.is_valid(np.asarray(geoms, dtype=object))).any()


def _square(x: float, y: float, side: float) -> list[tuple[float, float]]:
    return [(X0 + x, Y0 + y), (X0 + x + side, Y0 + y), (X0 + x + side, Y0 + y + side), (X0 + x, Y0 + y + side)]


@pytest.mark.parametrize("holes, valid", [
    ([_square(10, 10, 10)], True),  # a courtyard
    ([_square(5, 5, 10), _square(25, 25, 10)], True),  # two
    ([_square(50, 5, 10)], False),  # a hole outside the shell
    ([_square(35, 5, 10)], False),  # across the shell
    ([_square(5, 5, 30), _square(10, 10, 5)], False),  # a hole in a hole
    ([_square(5, 5, 10), _square(10, 10, 10)], False),  # holes that overlap
    ([_square(0, 10, 10)], False),  # a hole against the shell: its wall is the shell's
    ([_square(0, 0, 40)], False),  # a hole that is the shell
], ids=["courtyard", "two", "outside", "across", "nested", "overlapping", "against the shell", "the shell"])
def test_polygons_with_holes_are_decided_here_where_certain(holes, valid):
    polygon = shapely.Polygon(_square(0, 0, 40), holes)
    assert shapely.is_valid(polygon) == valid
    certain = certainly_valid(wkb_to_arrays(column([polygon, shapely.MultiPolygon([polygon]) if valid else polygon])))
    assert certain.tolist() == [valid, valid]  # a valid one certain here; an invalid one left to GEOS


# a hole: a ring shrunk and moved anywhere about the shell (inside it, across it, outside it)
hole = st.tuples(ring, st.sampled_from([0.25, 0.5, 1.0]), coordinate, coordinate).map(
    lambda h: [(x * h[1] + h[2], y * h[1] + h[3]) for x, y in h[0]])


def test_a_ring_of_many_repeated_points_with_a_hole_is_left_to_geos():
    """Repeated points do not count against a ring's size when it is tested alone, but the segments
    of two rings are paired at once: a shell of 100,000 points (a few distinct) goes to GEOS."""
    shell = _square(0, 0, 40)
    polygon = shapely.Polygon(shell[:1] * 100_000 + shell[1:], [_square(10, 10, 10)])
    assert shapely.is_valid(polygon)
    assert certainly_valid(wkb_to_arrays(column([polygon]))).tolist() == [False]


@settings(max_examples=150, deadline=None)
@given(ring, st.lists(hole, min_size=1, max_size=4), st.sampled_from([1.0, 1e-9, 1e6]), st.booleans())
def test_certainly_valid_is_never_wrong_with_holes(shell, holes, scale, far):
    """A random shell and holes on a small grid (holes outside, across, touching, nested,
    overlapping, degenerate): whatever `certainly_valid` calls valid, GEOS calls valid."""
    offset = (X0, Y0) if far else (0.0, 0.0)

    def placed(points):
        return [(x * scale + offset[0], y * scale + offset[1]) for x, y in points]

    geoms = []
    for kept in range(1, len(holes) + 1):
        try:
            geoms.append(shapely.Polygon(placed(shell), [placed(h) for h in holes[:kept]]))
        except (shapely.errors.GEOSException, ValueError):
            continue
    try:  # the shell grown three times: holes inside it more often
        grown = [shapely.Polygon(placed([(x * 3, y * 3) for x, y in shell]), [placed(h) for h in holes])]
    except (shapely.errors.GEOSException, ValueError):
        grown = []
    store = wkb_to_arrays(column(geoms + grown))
    if store is None:
        return
    certain = certainly_valid(store)
    assert not (certain & ~shapely.is_valid(np.asarray(geoms + grown, dtype=object))).any()


@pytest.mark.parametrize("empty_first", [True, False], ids=["empty part first", "empty part last"])
def test_a_feature_with_an_empty_part_is_left_to_geos_wherever_it_lies(empty_first):
    """A multi-polygon with an empty part (valid for GEOS), first in a batch, between others and
    last of all: left to GEOS, the features beside it decided as alone."""
    ring = f"(({X0} {Y0}, {X0 + 10} {Y0}, {X0 + 10} {Y0 + 10}, {X0} {Y0}))"
    feature = shapely.from_wkt(f"MULTIPOLYGON (EMPTY, {ring})" if empty_first else f"MULTIPOLYGON ({ring}, EMPTY)")
    assert shapely.is_valid(feature)
    for geoms, certain in (([feature], [False]), ([_box_at(0, 0), feature, _box_at(50, 0)], [True, False, True]),
                           ([_box_at(0, 0), feature], [True, False])):
        assert certainly_valid(wkb_to_arrays(column(geoms))).tolist() == certain


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(ring, st.sampled_from([0.0, 4.0, 9.0]), st.sampled_from([0.0, 4.0, 9.0])),
                min_size=2, max_size=4), st.sampled_from([1.0, 1e-9, 1e6]), st.booleans())
def test_certainly_valid_is_never_wrong_with_several_parts(parts, scale, far):
    """Random polygons on a small grid, moved by 0, 4 or 9 (apart, touching, overlapping), made
    the parts of one feature: whatever `certainly_valid` calls valid, GEOS calls valid."""
    offset = (X0, Y0) if far else (0.0, 0.0)
    polygons = []
    for points, dx, dy in parts:
        try:
            polygons.append(shapely.Polygon([((x + dx) * scale + offset[0], (y + dy) * scale + offset[1])
                                             for x, y in points]))
        except (shapely.errors.GEOSException, ValueError):
            continue
    if len(polygons) < 2:
        return
    geoms = [shapely.MultiPolygon(polygons), shapely.MultiPolygon(polygons[:2])]
    store = wkb_to_arrays(column(geoms))
    if store is None:
        return
    certain = certainly_valid(store)
    assert not (certain & ~shapely.is_valid(np.asarray(geoms, dtype=object))).any()


def test_real_footprints_are_read_and_judged_as_geos_does():
    """OpenStreetMap's buildings of central Helsinki (ODbL, sample_data/helsinki), some invalid:
    the same arrays as shapely's, none called valid that GEOS calls invalid, most decided here."""
    import pyogrio

    path = Path(__file__).resolve().parents[1] / "sample_data" / "helsinki" / "helsinki_buildings.gpkg"
    _, table = pyogrio.read_arrow(path)
    wkb = table.column("geom").combine_chunks()
    store = wkb_to_arrays(wkb)
    assert_same_arrays(store, wkb)
    valid = shapely.is_valid(shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)))
    certain = certainly_valid(store)
    assert not valid.all() and not (certain & ~valid).any()
    assert certain.mean() > 0.95  # a courtyard's building too
