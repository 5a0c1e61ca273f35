"""Coverage engine against independent truths: analytic shapes and grids with known sums."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from layers.analysis.coverage import (
    MEASURE_QUAD_SEGS, FeatureSet, PopulationGrid, catchment, disk_area_error, measure_catchment, overlap_matrix,
)
from layers.analysis.coverage.cells import column_sums_below, cut, weighted_sums
from layers.analysis.coverage.convex import area_inside_convex, convex
from layers.analysis.coverage.pieces import local_pieces
from layers.analysis.progress import Cancelled
from layers.crs import NotMetricCRSError
from tests.reference import features_brute_force, population_brute_force

X0, Y0 = 585_000.0, 2_325_000.0  # near Hanoi, EPSG:32648
UTM = "EPSG:32648"


def grid_of(values, cell=100.0, x0=X0, y_top=Y0 + 1000.0):
    return PopulationGrid(np.asarray(values, dtype=float), Affine(cell, 0, x0, 0, -cell, y_top), UTM)


# ---- catchments: analytic areas --------------------------------------------------------------
def test_disk_area_within_the_stated_tolerance_whatever_the_segment_setting():
    r = 500.0
    for setting in (4, 8, 16, 64, 128):
        zone = catchment(gpd.GeoSeries([shapely.Point(X0, Y0)], crs=UTM), r, quad_segs=setting)
        # the true disk, pi r^2, to 1e-4 (the polygon's chords miss at most 0.5e-4 of it, never more)
        assert zone.area == pytest.approx(math.pi * r * r, rel=1e-4)
        assert zone.area <= math.pi * r * r
    assert 0.0016 < disk_area_error(16) < 0.0017  # what 16 segments alone would miss: 0.161 %
    assert disk_area_error(MEASURE_QUAD_SEGS) <= 0.5e-4 < disk_area_error(MEASURE_QUAD_SEGS - 1)


def test_two_overlapping_disks_union_is_two_disks_minus_the_lens():
    r, d = 1000.0, 1000.0
    pts = gpd.GeoSeries([shapely.Point(X0, Y0), shapely.Point(X0 + d, Y0)], crs=UTM)
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    union = catchment(pts, r)
    assert union.area == pytest.approx(2 * math.pi * r * r - lens, rel=1e-4)
    # the overlap matrix gives the lens as "both"
    a = catchment(pts.iloc[:1], r)
    b = catchment(pts.iloc[1:], r)
    study = shapely.box(X0 - 3000, Y0 - 3000, X0 + 4000, Y0 + 3000)
    m = overlap_matrix({"a": a, "b": b}, study, UTM).table.set_index("combination")
    assert m.loc["a and b", "area_m2"] == pytest.approx(lens, rel=1e-4)
    assert m.loc["a only", "area_m2"] == pytest.approx(math.pi * r * r - lens, rel=1e-4)
    assert m["area_m2"].sum() == pytest.approx(study.area, rel=1e-12)


def test_catchment_of_a_square_and_clipping_to_the_study_area():
    square = gpd.GeoSeries([shapely.box(X0, Y0, X0 + 100, Y0 + 100)], crs=UTM)
    assert catchment(square, 0).area == pytest.approx(10_000.0)
    # buffered square: square + 4 strips + (almost) a full disk at the corners
    r = 10.0
    expected = 100 * 100 + 4 * 100 * r + math.pi * r * r
    assert catchment(square, r).area == pytest.approx(expected, rel=1e-4 * math.pi * r * r / expected)
    # clipped to the left half
    study = shapely.box(X0 - 50, Y0 - 50, X0 + 50, Y0 + 150)
    assert catchment(square, 0, study).area == pytest.approx(5_000.0)


def test_points_and_lines_with_radius_zero_reach_nothing():
    pts = gpd.GeoSeries([shapely.Point(X0, Y0), shapely.LineString([(X0, Y0), (X0 + 5, Y0)])], crs=UTM)
    assert catchment(pts, 0).is_empty


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857"])
def test_measuring_in_degrees_or_web_mercator_is_refused(crs):
    pts = gpd.GeoSeries([shapely.Point(105.85, 21.03)], crs="EPSG:4326").to_crs(crs)
    with pytest.raises(NotMetricCRSError):
        catchment(pts, 500)
    with pytest.raises(NotMetricCRSError):
        measure_catchment(shapely.box(0, 0, 1, 1), shapely.box(0, 0, 2, 2), crs)


# ---- population: exact fractional cells --------------------------------------------------------
def test_cells_half_inside_count_half():
    # 10 x 10 cells of 100 m, cell (r, c) holds 100*r + c + 1 people
    values = (100 * np.arange(10)[:, None] + np.arange(10)[None, :] + 1).astype(float)
    grid = grid_of(values)
    total = values.sum()
    # a boundary through the middle of column 4: columns 0..3 whole, column 4 half
    region = shapely.box(X0 - 500, Y0 - 500, X0 + 450, Y0 + 1500)
    expected = values[:, :4].sum() + values[:, 4].sum() / 2
    assert grid.population_in([region])[0] == pytest.approx(expected, rel=1e-12)
    # a quarter of one cell (corner cut in both directions)
    corner = shapely.box(X0 + 250, Y0 + 650, X0 + 300, Y0 + 700)  # cell row 3, col 2, 50x50 m
    assert grid.population_in([corner])[0] == pytest.approx(values[3, 2] / 4, rel=1e-12)
    # the whole grid and more
    assert grid.population_in([shapely.box(X0 - 1e4, Y0 - 1e4, X0 + 1e4, Y0 + 1e4)])[0] == pytest.approx(total)
    assert grid.total() == pytest.approx(total)


def test_triangle_cuts_cells_diagonally():
    grid = grid_of(np.full((10, 10), 8.0))  # uniform density: 8 people per 10,000 m2
    tri = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    assert grid.population_in([tri])[0] == pytest.approx(8.0 * 50, rel=1e-12)  # half the grid
    disk = shapely.Point(X0 + 500, Y0 + 500).buffer(300, quad_segs=64)
    assert grid.population_in([disk])[0] == pytest.approx(8.0 * disk.area / 10_000, rel=1e-12)


def test_nodata_cells_hold_no_people():
    values = np.ones((10, 10))
    values[0, :] = np.nan
    grid = grid_of(values)
    assert grid.population_in([shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)])[0] == pytest.approx(90.0)


def test_large_grid_uniform_density_gives_the_area():
    # 300 x 300 cells of 10 m, most wholly inside (summed down their columns); uniform density makes the truth area-based
    grid = PopulationGrid(np.full((300, 300), 2.0), Affine(10, 0, X0, 0, -10, Y0 + 3000), UTM)
    pts = shapely.points([(X0 + 700, Y0 + 900), (X0 + 1400, Y0 + 1500), (X0 + 2500, Y0 + 2100)])
    zone = catchment(pts, 600, shapely.box(X0, Y0, X0 + 3000, Y0 + 3000))
    assert grid.population_in([zone])[0] == pytest.approx(2.0 * zone.area / 100, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1.5, 5.5), st.floats(-1.5, 4.5)), min_size=3, max_size=7),
    st.sampled_from([Affine(1, 0, 0, 0, -1, 3), Affine(1, 0, 0, 0, 1, 0), Affine(-0.5, 0, 2, 0, -1, 3)]),
)
def test_cells_cut_by_a_region_weigh_like_geos_cell_by_cell(corners, t):
    """Green's theorem over the grid (cells.py) against GEOS intersecting every cell: any polygon
    (made valid), partly off the grid, on grids north-up, south-up and mirrored."""
    region = shapely.make_valid(shapely.Polygon(corners).buffer(0))
    if region.is_empty or region.area < 1e-9:
        return
    rows, cols = 3, 4
    values = np.arange(1.0, rows * cols + 1).reshape(rows, cols) ** 1.5
    ours = weighted_sums(cut(np.array([region]), t, rows, cols), values, column_sums_below(values), 1)[0]
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    xa, ya = t * (cc, rr)
    xb, yb = t * (cc + 1, rr + 1)
    cells = shapely.box(np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb))
    share = shapely.area(shapely.intersection(cells, region)) / abs(t.a * t.e)
    # the reference judges only where GEOS agrees with itself: its pieces in the cells add up to the
    # region on the grid (GEOS 3.14 gave a whole cell for a box that a sliver of the region,
    # made valid from a corner at x = -4e-83, touches at one point: 3.0 in cells of a region of 1.0)
    on_grid = shapely.area(shapely.intersection(region, shapely.box(*shapely.total_bounds(cells))))
    assume(abs(share.sum() * abs(t.a * t.e) - on_grid) <= 1e-9 * max(1.0, on_grid))
    assert ours == pytest.approx(float((values[rr, cc] * share).sum()), rel=1e-12, abs=1e-12)


def test_a_sliver_of_no_area_weighs_nothing():
    """A region made valid from a corner at x = -4e-83 holds a sliver of area 4e-83 beside its
    triangle: it weighs what the triangle alone weighs (GEOS cell by cell gave whole cells the sliver
    touches at a point; found by the property test above)."""
    t, rows, cols = Affine(1, 0, 0, 0, -1, 3), 3, 4
    values = np.arange(1.0, rows * cols + 1).reshape(rows, cols) ** 1.5
    region = shapely.make_valid(shapely.Polygon([(2.0, 0.0), (-4.014928681208601e-83, 0.0), (1.0, 2.0), (0.0, 0.0),
                                                 (1.0, 1.0)]).buffer(0))
    triangle = shapely.Polygon([(0, 0), (1, 1), (2, 0)])
    assert shapely.get_num_geometries(region) == 2 and region.area == pytest.approx(triangle.area, abs=1e-80)
    ours, alone = (weighted_sums(cut(np.array([r]), t, rows, cols), values, column_sums_below(values), 1)[0]
                   for r in (region, triangle))
    # the triangle: half of cell (2, 0) and half of (2, 1), (values 9 ** 1.5 and 10 ** 1.5)
    assert alone == pytest.approx(0.5 * (9 ** 1.5 + 10 ** 1.5), rel=1e-12)
    assert ours == pytest.approx(alone, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=3, max_size=9),
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=3, max_size=7),
    st.tuples(st.integers(2, 8), st.integers(2, 8), st.integers(0, 3)),
)
def test_a_polygon_inside_a_convex_footprint_has_the_area_geos_gives(corners, footprint_corners, hole):
    """`convex.py` (Sutherland-Hodgman in NumPy) against a GEOS overlay: pieces with holes and
    several parts, footprints as convex hulls, all on a lattice so edges and corners coincide."""
    piece = shapely.make_valid(shapely.Polygon(corners).buffer(0))
    piece = shapely.difference(piece, shapely.Point(hole[:2]).buffer(hole[2], quad_segs=2))
    footprint = shapely.convex_hull(shapely.multipoints(footprint_corners))
    if footprint.geom_type != "Polygon" or piece.is_empty:
        return
    x0, y0 = 700_000.0, 9_000_000.0  # far from the origin, as real coordinates are
    piece, footprint = (shapely.affinity.translate(g, x0, y0) for g in (piece, footprint))
    assert convex(np.array([footprint])).all()
    got = area_inside_convex(np.array([piece]), np.array([footprint]))[0]
    # GEOS computes its crossing points at 9,000,000 m: to ~2e-9 m; ours relative to the footprint
    assert got == pytest.approx(shapely.intersection(piece, footprint).area, abs=1e-8)


def test_a_region_cut_down_the_quadtree_agrees_with_it_in_every_range_of_cells():
    """`pieces.local_pieces` against GEOS's intersection of the whole region with each range of
    cells: a dissolved catchment of thousands of vertices with a hole, and a multipolygon of two
    such; ranges of one cell, across tile lines at every level, and wide."""
    rng = np.random.default_rng(3)
    disks = shapely.buffer(shapely.points(rng.uniform([X0, Y0], [X0 + 9000, Y0 + 7000], (40, 2))), 700, quad_segs=91)
    catchment = shapely.difference(shapely.union_all(disks), shapely.Point(X0 + 4500, Y0 + 3500).buffer(300))
    parted = shapely.union(shapely.intersection(catchment, shapely.box(X0, Y0, X0 + 4000, Y0 + 9000)),
                           shapely.intersection(catchment, shapely.box(X0 + 4100, Y0, X0 + 9000, Y0 + 9000)))
    regions = np.array([catchment, parted], dtype=object)
    assert shapely.get_num_coordinates(catchment) > 5000 and parted.geom_type == "MultiPolygon"
    t, rows, cols = Affine(37.0, 0, X0 - 700, 0, -37.0, Y0 + 7800), 260, 300
    n = 400
    r0, c0 = rng.integers(0, rows - 1, n), rng.integers(0, cols - 1, n)
    span = rng.choice([0, 0, 1, 2, 5, 40], (n, 2))
    r1, c1 = np.minimum(r0 + span[:, 0], rows - 1), np.minimum(c0 + span[:, 1], cols - 1)
    k = rng.integers(0, 2, n)
    pieces, which = local_pieces(regions, k, t, r0, r1, c0, c1)
    cells = shapely.box(t.c + c0 * t.a, t.f + (r1 + 1) * t.e, t.c + (c1 + 1) * t.a, t.f + r0 * t.e)
    want = shapely.area(shapely.intersection(regions[k], cells))
    got = shapely.area(shapely.intersection(pieces[which], cells))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
    differ = shapely.area(shapely.symmetric_difference(shapely.intersection(pieces[which], cells),
                                                       shapely.intersection(regions[k], cells)))
    assert differ.max() < 1e-6
    assert (want > 0).any() and (want < shapely.area(cells) - 1e-6).any()  # ranges the boundary crosses, among others
    # a piece of a single cell holds a few vertices, not the region's thousands
    one = (r0 == r1) & (c0 == c1)
    assert shapely.get_num_coordinates(pieces[which[one]]).max() < 200
    # footprints in those cells (turned rectangles), several to a piece: their area inside the region
    centre = shapely.get_coordinates(shapely.centroid(cells))
    sides = rng.uniform(3, 15, (n, 2))
    angle = rng.uniform(0, np.pi, n)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) / 2
    x = centre[:, :1] + corners[:, 0] * sides[:, :1] * np.cos(angle)[:, None] - corners[:, 1] * sides[:, 1:] * np.sin(angle)[:, None]
    y = centre[:, 1:] + corners[:, 0] * sides[:, :1] * np.sin(angle)[:, None] + corners[:, 1] * sides[:, 1:] * np.cos(angle)[:, None]
    footprints = shapely.polygons(np.stack([x, y], axis=-1))
    assert shapely.within(footprints, cells).all() and convex(footprints).all()
    got = area_inside_convex(pieces, footprints, which)
    assert got == pytest.approx(shapely.area(shapely.intersection(regions[k], footprints)), abs=1e-7)
    assert len(np.unique(which)) < n and ((got > 0) & (got < shapely.area(footprints) - 1e-6)).any()


def test_convex_footprints_are_told_from_the_others():
    shapes = [shapely.box(0, 0, 2, 1), shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 2), (0, 2)]),  # convex
              shapely.Polygon([(2, 1), (0, 4), (0, 0), (4, 0), (4, 4)]),  # reflex at its first vertex
              shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]),  # bow-tie: turns both ways
              shapely.Polygon([(0, 0), (2, 0), (0.5, 1.5), (1, -1), (1.5, 1.5)]),  # a star: one way, not valid
              shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2)),  # a hole
              shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
              shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)])]
    assert convex(np.array(shapes, dtype=object)).tolist() == [True, True] + [False] * 7


# ---- features inside ------------------------------------------------------------------------
def test_features_inside_counts_and_exact_area():
    zone = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    feats = [
        shapely.box(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20),  # inside: 100 m2
        shapely.box(X0 + 90, Y0 + 10, X0 + 110, Y0 + 20),  # half inside: 100 of 200 m2
        shapely.box(X0 + 200, Y0, X0 + 210, Y0 + 10),  # outside
        shapely.box(X0 + 100, Y0 + 50, X0 + 110, Y0 + 60),  # touches the edge: counts, 0 m2
        shapely.MultiPolygon([shapely.box(X0 + 50, Y0 + 50, X0 + 60, Y0 + 60), shapely.box(X0 + 300, Y0, X0 + 310, Y0 + 10)]),
        shapely.Point(X0 + 30, Y0 + 30),  # a school: counts, no area
    ]
    index = FeatureSet(np.array(feats, dtype=object))
    got = index.measure([zone, shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)])
    assert got["count_intersecting"].tolist() == [5, 0]
    assert got["area_inside_m2"].tolist() == pytest.approx([100 + 100 + 0 + 100, 0])


def test_measure_catchment_with_zones():
    values = np.ones((10, 10))  # 1 person per 100 m cell
    grid = grid_of(values)
    study = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    wards = gpd.GeoDataFrame(
        {"name": ["West", "East"]},
        geometry=[shapely.box(X0, Y0, X0 + 500, Y0 + 1000), shapely.box(X0 + 500, Y0, X0 + 1000, Y0 + 1000)],
        crs=UTM,
    )
    zone = shapely.box(X0 + 250, Y0, X0 + 1000, Y0 + 1000)  # half of West, all of East
    buildings = FeatureSet(np.array([shapely.box(X0 + 480, Y0 + 10, X0 + 520, Y0 + 20)], dtype=object))
    res = measure_catchment(zone, study, UTM, grid, {"buildings": buildings}, wards)
    assert res.area_share == pytest.approx(0.75)
    assert res.population == pytest.approx(75.0)
    assert res.population_share == pytest.approx(0.75)
    assert res.features["buildings"] == {"count_intersecting": 1, "count_by_centroid": 1,
                                         "area_inside_m2": pytest.approx(400.0)}
    z = res.zones
    assert z.loc["West", "population"] == pytest.approx(25.0)
    assert z.loc["West", "population_share"] == pytest.approx(0.5)
    assert z.loc["East", "area_share"] == pytest.approx(1.0)
    assert z["buildings_count_intersecting"].tolist() == [1, 1]  # straddles the ward boundary: counts in both
    assert z["buildings_count_by_centroid"].tolist() == [1, 1]  # its centroid (500, 15) is on the shared edge: both
    assert z["buildings_area_inside_m2"].tolist() == pytest.approx([200.0, 200.0])
    assert "32648" in res.crs
    assert res.to_dict()["zones"][0]["zone"] == "West"


def test_by_zone_the_pieces_of_a_dissolved_catchment_are_geos_intersections():
    """Figures by zone on a catchment of thousands of vertices (cut to each zone's box before the
    overlay): zones with a hole, in two parts, astride the catchment's edge and wholly outside it,
    in UTM 33S (south of the equator); area and people against GEOS's intersection of the whole
    catchment with each zone, features against the brute force on those pieces."""
    x0, y0 = 500_000.0, 6_000_000.0
    rng = np.random.default_rng(11)
    stations = shapely.points(rng.uniform([x0 + 500, y0 + 500], [x0 + 3500, y0 + 3500], (12, 2)))
    zone = shapely.union_all(shapely.buffer(stations, 400, quad_segs=91))
    study = shapely.box(x0, y0, x0 + 4000, y0 + 4000)
    assert shapely.get_num_coordinates(zone) > 2000
    wards = gpd.GeoDataFrame({"name": ["holed", "parted", "east", "outside"]}, geometry=[
        shapely.box(x0, y0, x0 + 2000, y0 + 2000).difference(shapely.box(x0 + 800, y0 + 800, x0 + 1200, y0 + 1200)),
        shapely.MultiPolygon([shapely.box(x0, y0 + 2000, x0 + 900, y0 + 4000), shapely.box(x0 + 1100, y0 + 2000, x0 + 2000, y0 + 4000)]),
        shapely.box(x0 + 2000, y0, x0 + 4000, y0 + 4000),
        shapely.box(x0 + 5000, y0, x0 + 6000, y0 + 1000)], crs="EPSG:32733")
    grid = PopulationGrid(rng.uniform(0, 50, (40, 40)), Affine(100.0, 0, x0, 0, -100.0, y0 + 4000), "EPSG:32733")
    corner = rng.uniform([x0, y0], [x0 + 4000, y0 + 4000], (3000, 2))
    feats = shapely.box(*corner.T, *(corner + rng.uniform(5, 25, (3000, 2))).T)
    res = measure_catchment(zone, study, "EPSG:32733", grid, {"b": FeatureSet(feats)}, wards[wards["name"] != "outside"])
    for name, ward in zip(wards["name"][:3], wards.geometry[:3]):
        piece = shapely.intersection(zone, shapely.intersection(ward, study))
        row = res.zones.loc[name]
        assert row["area_m2"] == pytest.approx(piece.area, rel=1e-12)
        assert row["population"] == pytest.approx(population_brute_force(grid, piece), rel=1e-9)
        want = features_brute_force(feats, piece)
        assert row["b_count_intersecting"] == want["count_intersecting"] and row["b_count_by_centroid"] == want["count_by_centroid"]
        assert row["b_area_inside_m2"] == pytest.approx(want["area_inside_m2"], rel=1e-9)
    assert 0 < res.zones["area_share"].min() < res.zones["area_share"].max() < 1


def test_cancel_stops_the_work():
    grid = grid_of(np.ones((10, 10)))
    with pytest.raises(Cancelled):
        measure_catchment(shapely.box(X0, Y0, X0 + 500, Y0 + 500), shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                          UTM, grid, cancelled=lambda: True)
    seen = []
    measure_catchment(shapely.box(X0, Y0, X0 + 500, Y0 + 500), shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                      UTM, grid, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)


# ---- overlap matrix: pieces sum to the whole -------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.floats(10, 600)), min_size=2, max_size=4))
def test_overlap_pieces_sum_to_the_whole(disks):
    grid = grid_of(np.arange(100, dtype=float).reshape(10, 10))
    study = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    zones = {f"n{i}": shapely.Point(X0 + x, Y0 + y).buffer(r) for i, (x, y, r) in enumerate(disks)}
    result = overlap_matrix(zones, study, UTM, grid)
    t = result.table
    assert len(t) == 2 ** len(disks)
    assert t["area_m2"].sum() == pytest.approx(study.area, rel=1e-9)
    assert t["population"].sum() == pytest.approx(grid.total(), rel=1e-9)
    # each catchment's own total is the sum of the combinations that contain it
    for name, zone in zones.items():
        inside = t[t[f"in_{name}"]]
        assert inside["area_m2"].sum() == pytest.approx(zone.intersection(study).area, rel=1e-9, abs=1e-6)
        assert inside["population"].sum() == pytest.approx(
            grid.population_in([zone.intersection(study)])[0], rel=1e-9, abs=1e-6
        )


def test_a_ward_piece_that_is_polygon_plus_line_counts_only_what_is_inside():
    """An L-shaped catchment covers half a ward and touches its top edge elsewhere: catchment ∩
    ward is a GeometryCollection (polygon + line). Only the polygonal part is the piece."""
    ward = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    arm = shapely.box(X0, Y0 + 100, X0 + 150, Y0 + 150)  # touches the ward along its top edge
    ell = shapely.union(shapely.box(X0, Y0, X0 + 50, Y0 + 100), arm)
    assert shapely.intersection(ward, ell).geom_type == "GeometryCollection"
    inside = [shapely.box(X0 + 10 + 12 * i, Y0 + 10, X0 + 18 + 12 * i, Y0 + 18) for i in range(3)]  # x < 50
    outside = [shapely.box(X0 + 60 + 12 * i, Y0 + 40, X0 + 68 + 12 * i, Y0 + 48) for i in range(3)]
    crossing = [shapely.box(X0 + 45, Y0 + 60, X0 + 55, Y0 + 70)]  # half inside: 50 m2
    index = FeatureSet(np.array(inside + outside + crossing, dtype=object))
    wards = gpd.GeoDataFrame({"name": ["w"]}, geometry=[ward], crs=32648)
    study = shapely.box(X0, Y0, X0 + 200, Y0 + 200)
    result = measure_catchment(ell, study, 32648, features={"b": index}, zones=wards)
    row = result.zones.loc["w"]
    assert row["area_share"] == pytest.approx(0.5, rel=1e-12)
    assert row["b_count_intersecting"] == 4
    assert row["b_area_inside_m2"] == pytest.approx(3 * 64.0 + 50.0, rel=1e-12)
