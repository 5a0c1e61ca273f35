"""Counts "within R" by the exact distance, and catchment areas within 1e-4 of the true circles.

Features are placed 1 cm inside and 1 cm outside the true circles, at every half degree (so many
lie where a polygon's chord cuts deepest into the circle), round one station and round two whose
circles overlap, cut by two wards; they must be counted by intersection and by centroid exactly
as their distance says (an independent GEOS distance, `tests.reference.counts_within_brute_force`),
in the array engine, the GeoDataFrame path and through `evaluate` (the Dask engine: test_dask_engine.py). Fixtures in
UTM zone 33N (Prague) and 56S (Sydney).
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from layers.analysis.city import CityData
from layers.analysis.coverage import (
    MEASURE_QUAD_SEGS, CompactGeometries, FeatureSet, PopulationGrid, Within, catchment, measure_catchment,
)
from layers.analysis.coverage.shapes import union_of_buffers
from layers.analysis.coverage.within import exact_counts
from layers.analysis.indicators import evaluate
from layers.layer import VectorLayer
from tests.reference import counts_within_brute_force

PRAGUE = "EPSG:32633"
X0, Y0 = 458_000.0, 5_547_000.0
R = 1_000.0  # the measured polygon's chords cut up to 3.7 cm into a circle this size
ANGLES = np.radians(np.arange(0.0, 360.0, 0.5))


def ring_points(centre, distance_m):
    return shapely.points(centre[0] + distance_m * np.cos(ANGLES), centre[1] + distance_m * np.sin(ANGLES))


def corner_squares(centre, distance_m, side_m=2.0):
    """1,2 m squares whose nearest point, a corner pointing at the centre, is `distance_m` away."""
    c, s = np.cos(ANGLES), np.sin(ANGLES)
    x, y = centre[0] + distance_m * c, centre[1] + distance_m * s
    a = np.stack([np.cos(ANGLES + math.pi / 4), np.sin(ANGLES + math.pi / 4)], axis=1) * side_m
    b = np.stack([np.cos(ANGLES - math.pi / 4), np.sin(ANGLES - math.pi / 4)], axis=1) * side_m
    rings = np.stack([np.c_[x, y], np.c_[x, y] + a, np.c_[x, y] + a + b, np.c_[x, y] + b], axis=1)
    return shapely.polygons(rings)


def centred_squares(centre, distance_m, side_m=0.4):
    """Squares whose centroid is `distance_m` from the centre (they straddle the circle either way)."""
    x, y = centre[0] + distance_m * np.cos(ANGLES), centre[1] + distance_m * np.sin(ANGLES)
    h = side_m / 2
    return shapely.box(x - h, y - h, x + h, y + h)


STATIONS = {"one": [(X0, Y0)], "two": [(X0, Y0), (X0 + 1.5 * R, Y0)]}


def features_near(stations):
    """Points, corner squares and centred squares at R - 1 cm and R + 1 cm of each station."""
    out = []
    for centre in stations:
        for d in (R - 0.01, R + 0.01):
            out += [ring_points(centre, d), corner_squares(centre, d), centred_squares(centre, d)]
    return np.concatenate(out)


def study_and_wards():
    study = shapely.box(X0 - 5 * R, Y0 - 5 * R, X0 + 7 * R, Y0 + 5 * R)
    wards = gpd.GeoDataFrame({"name": ["west", "east"]},
                             geometry=[shapely.box(X0 - 5 * R, Y0 - 5 * R, X0 + 0.3 * R, Y0 + 5 * R),
                                       shapely.box(X0 + 0.3 * R, Y0 - 5 * R, X0 + 7 * R, Y0 + 5 * R)], crs=PRAGUE)
    return study, wards


def expected_counts(feats, stations, study, wards, values):
    sources = shapely.points(stations)
    total = counts_within_brute_force(feats, study, sources, R, values)
    by_ward = {name: counts_within_brute_force(feats, ward, sources, R, values)
               for name, ward in zip(wards["name"], wards.geometry)}
    return total, by_ward


def check(result, name, total, by_ward):
    got = result.features[name]
    for key, value in total.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    for ward, figures in by_ward.items():
        for key, value in figures.items():
            assert result.zones.loc[ward, f"{name}_{key}"] == pytest.approx(value, abs=1e-9), (ward, key)


@pytest.mark.parametrize("layout", STATIONS)
@pytest.mark.parametrize("store", ["shapely", "arrays"])
def test_counts_at_r_minus_and_plus_one_centimetre(layout, store):
    stations = STATIONS[layout]
    feats = features_near(stations)
    jobs = np.arange(len(feats), dtype=float) + 1
    study, wards = study_and_wards()
    sources = shapely.points(stations)
    zone = catchment(sources, R, study)
    geoms = feats if store == "shapely" else CompactGeometries.from_shapely(feats)
    result = measure_catchment(zone, study, PRAGUE, features={"b": FeatureSet(geoms, {"jobs": jobs})}, zones=wards,
                               within=Within.of(sources, R))
    total, by_ward = expected_counts(feats, stations, study, wards, {"jobs": jobs})
    check(result, "b", total, by_ward)
    # the fixture is what it says: points and corners 1 cm inside count, 1 cm outside not; the centred
    # squares straddle the circle (all intersect), their centroids 1 cm inside count; the drawn polygon
    # alone would miss some
    if layout == "one":
        assert total["count_intersecting"] == 4 * len(ANGLES) and total["count_by_centroid"] == 2 * len(ANGLES)
    polygon_only = measure_catchment(zone, study, PRAGUE, features={"b": FeatureSet(feats)}).features["b"]
    assert polygon_only["count_intersecting"] < total["count_intersecting"]
    assert polygon_only["count_by_centroid"] < total["count_by_centroid"]


def test_evaluate_counts_buildings_by_the_exact_distance_whatever_the_segments():
    stations = STATIONS["two"]
    feats = features_near(stations)
    study, wards = study_and_wards()
    layers = {"metro_station": [VectorLayer(name="stations", role="metro_station",
                                            gdf=gpd.GeoDataFrame(geometry=shapely.points(stations), crs=PRAGUE))],
              "building": [VectorLayer(name="buildings", role="building",
                                       gdf=gpd.GeoDataFrame(geometry=feats, crs=PRAGUE))]}
    grid = PopulationGrid(np.random.default_rng(1).uniform(0, 50, (100, 120)),
                          Affine(R / 10, 0, X0 - 5 * R, 0, -R / 10, Y0 + 5 * R), PRAGUE)
    expected, _ = expected_counts(feats, stations, study, wards, {})
    for segments in (4, 16, 128):
        city = CityData(PRAGUE, study, grid, layers, wards.rename(columns={"name": "zone"}), "wards",
                        quad_segs=segments)
        r = evaluate("itdp-pnt", city, radius_m=R)
        assert r.features["buildings"]["count_intersecting"] == expected["count_intersecting"]
        assert r.features["buildings"]["count_by_centroid"] == expected["count_by_centroid"]
        assert "exact distance" in r.method


def test_people_and_area_inside_within_1e_4_of_the_circles_whatever_the_segments():
    """Footprints strewn over a city (8-25 m, 4,000 of them) and a population grid: the area of
    footprints inside and the people follow the circles (independent: 4,096 chords a circle)."""
    rng = np.random.default_rng(5)
    stations = shapely.points(rng.uniform([X0 - 2 * R, Y0 - 2 * R], [X0 + 2 * R, Y0 + 2 * R], (6, 2)))
    xy = rng.uniform([X0 - 4 * R, Y0 - 4 * R], [X0 + 4 * R, Y0 + 4 * R], (4_000, 2))
    wh = rng.uniform(8, 25, (4_000, 2))
    feats = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + wh[:, 0], xy[:, 1] + wh[:, 1])
    study, _ = study_and_wards()
    grid = PopulationGrid(rng.uniform(0, 80, (100, 120)), Affine(R / 10, 0, X0 - 5 * R, 0, -R / 10, Y0 + 5 * R),
                          PRAGUE)
    truth = shapely.intersection(shapely.union_all(shapely.buffer(stations, R, quad_segs=1024)), study)
    true_inside = float(shapely.area(shapely.intersection(feats, truth)).sum())
    true_people = float(grid.population_in([truth])[0])
    for segments in (4, 16, 128):
        zone = catchment(stations, R, study, quad_segs=segments)
        result = measure_catchment(zone, study, PRAGUE, grid, {"b": FeatureSet(feats)}, within=Within.of(stations, R))
        assert result.area_m2 == pytest.approx(truth.area, rel=1e-4)
        assert result.population == pytest.approx(true_people, rel=1e-4)
        assert result.features["b"]["area_inside_m2"] == pytest.approx(true_inside, rel=1e-4)


SYDNEY = "EPSG:32756"


@pytest.mark.parametrize("radius_m", [60.0, 500.0, 1_000.0, 2_000.0])
@pytest.mark.parametrize("setting", [4, 16])
def test_catchment_area_is_the_union_of_circles_within_1e_4(radius_m, setting):
    rng = np.random.default_rng(int(radius_m))
    x0, y0 = 334_000.0, 6_250_000.0
    sources = shapely.points(rng.uniform([x0, y0], [x0 + 8 * radius_m, y0 + 8 * radius_m], (40, 2)))
    study = shapely.box(x0, y0, x0 + 7 * radius_m, y0 + 8 * radius_m)
    zone = catchment(gpd.GeoSeries(sources, crs=SYDNEY), radius_m, study, quad_segs=setting)
    # independent: the circles drawn with 4,096 chords each (area 4e-7 short of pi r^2), unioned and clipped
    truth = shapely.intersection(shapely.union_all(shapely.buffer(sources, radius_m, quad_segs=1024)), study)
    assert zone.area == pytest.approx(truth.area, rel=1e-4)
    assert MEASURE_QUAD_SEGS >= setting


def test_exact_counts_from_the_engines_pairs_equal_geos_asked_again():
    """`exact_counts` takes how the engine counted the features near the ring (`Near.counted`, found
    in its pass); asked again of GEOS instead (counted None, as the Dask engine's partitions give it)
    the figures are the same, and both are the brute force's, total and by ward. Sydney, UTM 56S."""
    x0, y0 = 334_000.0, 6_250_000.0
    stations = [(x0, y0), (x0 + 1.5 * R, y0)]
    # and a line and a 200 m square whose side lies 1 cm inside the circle where a chord cuts deepest
    # (outside the polygon): boxes over more cells than the engine tests against the ring's pieces
    half_step = math.pi / (4 * MEASURE_QUAD_SEGS)
    d, e = np.array([-math.cos(half_step), -math.sin(half_step)]), np.array([math.sin(half_step), -math.cos(half_step)])
    p = np.array(stations[0]) + (R - 0.01) * d
    large = [shapely.LineString([p - 100 * e, p + 100 * e]), shapely.Polygon([p - 100 * e, p + 100 * e,
                                                                               p + 100 * e + 200 * d, p - 100 * e + 200 * d])]
    feats = np.concatenate([features_near(stations), large])
    jobs = np.arange(len(feats), dtype=float) + 1
    study = shapely.box(x0 - 3 * R, y0 - 3 * R, x0 + 4 * R, y0 + 2 * R)
    wards = shapely.box(x0 - 3 * R, y0 - 3 * R, x0 + 0.3 * R, y0 + 2 * R), shapely.box(x0 + 0.3 * R, y0 - 3 * R,
                                                                                          x0 + 4 * R, y0 + 2 * R)
    sources = shapely.points(stations)
    within = Within.of(sources, R)
    zone = catchment(sources, R, study)
    regions, zones = [zone, *shapely.intersection(zone, wards)], [study, *wards]
    assert not shapely.intersects(zone, large).any() and within.holds(large).all()
    figures, near = FeatureSet(CompactGeometries.from_shapely(feats), {"jobs": jobs}).measure_near(regions, within.ring(study))
    assert len(near.counted[0]) > len(near.shapes) // 2  # the engine counted most of those near the ring
    from_engine = exact_counts(figures, near, regions, zones, within)
    asked_again = exact_counts(figures, near._replace(counted=None), regions, zones, within)
    assert from_engine.equals(asked_again)
    for row, where in enumerate(zones):
        want = counts_within_brute_force(feats, where, sources, R, {"jobs": jobs})
        for key, value in want.items():
            assert from_engine[key][row] == pytest.approx(value, abs=1e-9), (row, key)


def test_catchment_of_stations_is_the_union_of_each_ones_circle():
    """Points are buffered as one MultiPoint (`union_of_buffers`): the same polygon, vertex for vertex once
    normalised, as each point's circle united by GEOS, overlapping circles, a station given twice and
    one alone included; lines are still buffered one by one. Lima, UTM 18S."""
    rng = np.random.default_rng(8)
    x0, y0 = 279_000.0, 8_660_000.0
    xy = np.vstack([rng.uniform([x0, y0], [x0 + 9_000, y0 + 6_000], (60, 2)), [[x0, y0], [x0, y0], [x0 + 50_000, y0]]])
    stations = shapely.points(xy)
    for radius_m in (300.0, 1_000.0):
        for quad_segs in (MEASURE_QUAD_SEGS, 200):
            each = shapely.union_all(shapely.buffer(stations, radius_m, quad_segs=quad_segs))
            together = union_of_buffers(stations, radius_m, quad_segs)
            assert shapely.equals_exact(shapely.normalize(together), shapely.normalize(each), tolerance=0.0)
    lines = shapely.linestrings(rng.uniform([x0, y0], [x0 + 9_000, y0 + 6_000], (5, 3, 2)))
    assert union_of_buffers(lines, 400.0, 16).equals(shapely.union_all(shapely.buffer(lines, 400.0, quad_segs=16)))
