"""Buildings and facilities counted in a catchment: every figure against a GEOS brute force
(`tests.reference.features_brute_force`), in cities that are not Hanoi, through the engine and
through `planner measure` (JSON and CSV), total and by zone."""
from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.analysis.coverage import MEASURE_QUAD_SEGS, FeatureSet
from layers.cli import main
from layers.roles import FieldMapping, guess_role
from tests.cities import CITIES, buildings, truth, write_city, write_features
from tests.reference import counts_within_brute_force, features_brute_force

RADIUS_M = 500.0


def reference_regions(boundary, wards, stations, quad_segs=16):
    """The catchment and its pieces by ward, made with geopandas alone (a region is its polygonal
    part: a ward that only touches the catchment along a line has no piece)."""
    catchment = stations.buffer(RADIUS_M, quad_segs=quad_segs).union_all().intersection(boundary)
    clipped = wards.geometry.intersection(boundary)
    return catchment, {name: _area_only(ward.intersection(catchment)) for name, ward in zip(wards["name"], clipped)}


def _area_only(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def assert_figures(got: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        if key.startswith("count"):
            assert got[key] == value, f"{where}: {key}"
        else:
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-6), f"{where}: {key}"


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.name)
def test_engine_equals_geos_brute_force_total_and_by_ward(city):
    t = truth(city)
    gdf = buildings(city)
    catchment, pieces = reference_regions(t.boundary, t.wards, t.stations)
    features = FeatureSet.from_frame(gdf, ["floor_area", "jobs"])
    regions = [catchment, *pieces.values()]
    got = features.measure(regions)
    values = {"floor_area": gdf["floor_area"], "jobs": gdf["jobs"]}
    for i, (name, region) in enumerate(zip(["total", *pieces], regions)):
        assert_figures(got.iloc[i].to_dict(), features_brute_force(gdf.geometry.values, region, values), name)
    # the hard cases are there: astride the catchment's edge and the ward boundaries, multi-part
    hit = shapely.intersects(gdf.geometry.values, catchment)
    assert (hit & ~shapely.within(gdf.geometry.values, catchment)).sum() >= 20
    assert (gdf.geom_type == "MultiPolygon").sum() >= 20
    by_ward = got.iloc[1:]
    assert by_ward["count_intersecting"].sum() > got["count_intersecting"][0]  # astride wards: counted in each
    assert by_ward["count_by_centroid"].sum() == got["count_by_centroid"][0]  # one centroid, one ward
    assert by_ward["floor_area_sum"].sum() == pytest.approx(got["floor_area_sum"][0], rel=1e-12)


def test_the_figures_do_not_depend_on_how_many_features_are_looked_at_at_a_time(monkeypatch):
    """The engine goes over features, boundary tests and footprint clips a run at a time (to keep
    its memory down on millions): with runs of a handful, the figures are still GEOS's."""
    from layers.analysis.coverage import cell_table, convex, features as engine

    city = CITIES[0]
    t = truth(city)
    gdf = buildings(city)
    catchment, pieces = reference_regions(t.boundary, t.wards, t.stations)
    regions = [catchment, *pieces.values()]
    whole = FeatureSet.from_frame(gdf, ["jobs"]).measure(regions)
    for module, name, run in ((engine, "_RUN", 97), (cell_table, "_TRIPLES", 13), (convex, "_RUN", 5)):
        monkeypatch.setattr(module, name, run)
    got = FeatureSet.from_frame(gdf, ["jobs"]).measure(regions)
    values = {"jobs": gdf["jobs"]}
    for i, region in enumerate(regions):
        assert_figures(got.iloc[i].to_dict(), features_brute_force(gdf.geometry.values, region, values), f"region {i}")
    assert got[["count_intersecting", "count_by_centroid"]].equals(whole[["count_intersecting", "count_by_centroid"]])
    assert len(gdf) > 97 * 3  # several runs of each


def test_two_threads_taking_every_other_run_give_the_figures_and_the_features_near_of_one(monkeypatch):
    """Over several runs of features the engine works in two threads, each with regions of its own
    (GEOS's prepared geometries are not for two threads at once): the figures are GEOS's, and the
    features listed near a region (with the pairs counted, what the exact distance is decided
    from) are those of one thread."""
    import threading

    from layers.analysis.coverage import features as engine

    city = CITIES[2]  # Nairobi, UTM 37S
    t = truth(city)
    gdf = buildings(city)
    catchment, pieces = reference_regions(t.boundary, t.wards, t.stations)
    regions = [catchment, *pieces.values()]
    ring = catchment.boundary.buffer(40.0)
    one_thread, one_near = FeatureSet.from_frame(gdf, ["jobs"]).measure_near(regions, ring)  # one run: one thread
    threads, measure_runs = set(), engine.FeatureSet._measure_runs

    def spied(self, runs, *args):
        threads.add(threading.get_ident())
        return measure_runs(self, runs, *args)

    monkeypatch.setattr(engine.FeatureSet, "_measure_runs", spied)
    monkeypatch.setattr(engine, "_RUN", 89)
    got, near = FeatureSet.from_frame(gdf, ["jobs"]).measure_near(regions, ring)
    assert len(threads) == 2 and len(gdf) > 89 * 4
    again, _ = FeatureSet.from_frame(gdf, ["jobs"]).measure_near(regions, ring)
    assert again.equals(got)  # to the last bit, whichever thread is faster
    values = {"jobs": gdf["jobs"]}
    for i, region in enumerate(regions):
        assert_figures(got.iloc[i].to_dict(), features_brute_force(gdf.geometry.values, region, values), f"region {i}")
    assert got[["count_intersecting", "count_by_centroid"]].equals(one_thread[["count_intersecting", "count_by_centroid"]])
    assert len(near.shapes) > 20 and shapely.equals_exact(near.shapes, one_near.shapes, 0.0).all()
    assert np.array_equal(near.values["jobs"], one_near.values["jobs"])
    pairs = [np.lexsort(counted) for counted in (near.counted, one_near.counted)]
    for a, b in zip(near.counted, one_near.counted):
        assert np.array_equal(a[pairs[0]], b[pairs[1]])


def test_edge_cases_touching_multipart_points_and_invalid():
    x0, y0 = 500_000.0, 9_850_000.0  # UTM 37S metres
    region = shapely.box(x0, y0, x0 + 100, y0 + 100)
    feats = [
        shapely.box(x0 + 10, y0 + 10, x0 + 20, y0 + 20),  # inside
        shapely.box(x0 + 90, y0 + 10, x0 + 130, y0 + 20),  # 25 % inside: centroid outside
        shapely.box(x0 + 100, y0 + 50, x0 + 110, y0 + 60),  # touches the edge: intersects, 0 m2
        shapely.MultiPolygon([shapely.box(x0 + 50, y0 + 50, x0 + 60, y0 + 60),
                              shapely.box(x0 + 300, y0, x0 + 310, y0 + 10)]),  # counted once
        shapely.Point(x0 + 100, y0 + 30),  # a school on the boundary
        shapely.Polygon([(x0 + 40, y0 + 80), (x0 + 60, y0 + 120), (x0 + 60, y0 + 80), (x0 + 40, y0 + 120)]),  # bow-tie
        None,
    ]
    values = {"jobs": np.array([1, 2, 4, 8, 16, 32, 64], dtype=float)}
    got = FeatureSet(np.array(feats, dtype=object), values).measure([region, shapely.Polygon()])
    assert got["count_intersecting"].tolist() == [6, 0]
    assert got["count_by_centroid"].tolist() == [3, 0]  # inside, the point, the bow-tie (centroid on the edge)
    assert got["jobs_sum"][0] == 1 + 16 + 32  # the multi-part's centroid lies between its parts, outside
    assert got["area_inside_m2"][0] == pytest.approx(100 + 100 + 0 + 100 + 200, rel=1e-12)  # bow-tie repaired
    assert got["jobs_area_weighted"][0] == pytest.approx(1 + 2 * 0.25 + 0 + 8 * 0.5 + 16 + 32 * 0.5, rel=1e-12)


def test_every_kind_of_feature_astride_a_dissolved_catchment_equals_geos():
    """Features of every kind across the edge of a catchment of thousands of vertices (so the
    engine cuts it to the features' cells down its quadtree) and of its pieces by ward, in State
    Plane feet's metric twin far from the origin: turned and L-shaped footprints, footprints with
    a courtyard, in two parts, lines (length inside), points, each against GEOS."""
    rng = np.random.default_rng(21)
    x0, y0 = 1_900_000.0, 400_000.0
    centres = rng.uniform([x0 + 400, y0 + 400], [x0 + 2600, y0 + 2600], (8, 2))
    catchment = shapely.union_all(shapely.buffer(shapely.points(centres), 350, quad_segs=91))
    wards = [shapely.box(x0, y0, x0 + 1500, y0 + 3000), shapely.box(x0 + 1500, y0, x0 + 3000, y0 + 3000)]
    regions = [catchment, *[shapely.intersection(catchment, w) for w in wards]]
    # features along the catchment's edge: a point on each circle, nudged in or out by up to 20 m
    angle = rng.uniform(0, 2 * np.pi, 600)
    at = centres[rng.integers(0, len(centres), 600)] + (350 + rng.uniform(-20, 20, (600, 1))) * np.column_stack(
        [np.cos(angle), np.sin(angle)])
    x, y, size = at[:, 0], at[:, 1], rng.uniform(4, 25, 600)
    kinds = [
        shapely.affinity.rotate(shapely.box(x[i], y[i], x[i] + size[i], y[i] + size[i] / 2), rng.uniform(0, 90))
        if i % 6 == 0 else
        shapely.Polygon([(x[i], y[i]), (x[i] + size[i], y[i]), (x[i] + size[i], y[i] + 3), (x[i] + 3, y[i] + 3),
                         (x[i] + 3, y[i] + size[i]), (x[i], y[i] + size[i])]) if i % 6 == 1 else  # L-shaped
        shapely.box(x[i], y[i], x[i] + size[i], y[i] + size[i]).difference(
            shapely.box(x[i] + 2, y[i] + 2, x[i] + size[i] - 2, y[i] + size[i] - 2)) if i % 6 == 2 else  # courtyard
        shapely.MultiPolygon([shapely.box(x[i], y[i], x[i] + 5, y[i] + 5),
                              shapely.box(x[i] + 6 + size[i], y[i], x[i] + 11 + size[i], y[i] + 5)]) if i % 6 == 3 else
        shapely.LineString([(x[i], y[i]), (x[i] + size[i], y[i] + size[i] / 3), (x[i] + 2 * size[i], y[i])])
        if i % 6 == 4 else shapely.Point(x[i], y[i])
        for i in range(600)]
    feats = np.array(kinds, dtype=object)
    assert shapely.is_valid(feats).all()
    values = {"jobs": rng.integers(0, 9, len(feats)).astype(float)}
    got = FeatureSet(feats, values).measure(regions)
    lines = shapely.get_type_id(feats) == 1
    for i, region in enumerate(regions):
        want = features_brute_force(feats, region, values)
        # a line weighs by its share of length inside (the reference counts a line that meets the region whole)
        length_inside = shapely.length(shapely.intersection(feats[lines], region))
        share = length_inside / shapely.length(feats[lines]) - shapely.intersects(feats[lines], region)
        want["jobs_area_weighted"] += float((values["jobs"][lines] * share).sum())
        assert_figures(got.iloc[i].to_dict(), want, f"region {i}")
        assert got["length_inside_m"][i] == pytest.approx(length_inside.sum(), rel=1e-9)
    inside = shapely.intersects(feats, catchment)
    assert (inside & ~shapely.within(feats, catchment)).sum() > 100 and (~inside).sum() > 100


def test_roles_and_sum_fields_are_guessed_and_checked():
    assert guess_role(["buildings"], "polygon") == "building"
    assert guess_role(["osm_bldg_footprints"], "polygon") == "building"
    assert guess_role(["schools"], "point") == "facility"
    assert guess_role(["points"], "point") == "other"
    assert FieldMapping.from_dict({"sum_fields": ["jobs"]}, ["jobs"]).sum_fields == ("jobs",)
    with pytest.raises(ValueError, match="no field 'pupils'"):
        FieldMapping.from_dict({"sum_fields": ["pupils"]}, ["jobs"])
    with pytest.raises(ValueError, match="not numeric"):
        FeatureSet.from_frame(gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)]), ["name"])


def cli_reference(city, folder):
    """What `planner measure` must say, from the files read with geopandas and GEOS alone."""
    gpkg, _tif = write_city(city, folder)
    paths = write_features(city, folder)
    t = truth(city)
    stations = gpd.read_file(gpkg, layer="metro_stations").to_crs(t.crs)
    stations = stations[stations["status"] == "existing"]
    boundary = gpd.read_file(gpkg, layer="city_boundary").to_crs(t.crs).geometry.iloc[0]
    # areas inside on the catchment as measured (its polygon: within 1e-4 of the circles), counts by
    # the exact distance to the stations
    wards = gpd.read_file(gpkg, layer="wards").to_crs(t.crs)
    catchment, pieces = reference_regions(boundary, wards, stations, MEASURE_QUAD_SEGS)
    zones = dict(zip(wards["name"], wards.geometry.intersection(boundary)))
    b = gpd.read_file(paths[0]).to_crs(t.crs)
    s = gpd.read_file(paths[1]).to_crs(t.crs)
    ref = {}
    for layer, gdf, fields in (("buildings", b, ("floor_area", "jobs")), (f"{city.name}_schools", s, ("pupils",))):
        values = {f: gdf[f] for f in fields}
        geoms, sources = gdf.geometry.values, stations.geometry.values
        ref[layer] = {"total": {**features_brute_force(geoms, catchment, values),
                                **counts_within_brute_force(geoms, boundary, sources, RADIUS_M, values)}}
        for name, piece in pieces.items():
            ref[layer][name] = {**features_brute_force(geoms, piece, values),
                                **counts_within_brute_force(geoms, zones[name], sources, RADIUS_M, values)}
        if layer != "buildings":  # points: no area, and an area-weighted sum would equal the sum
            for figures in ref[layer].values():
                for key in [k for k in figures if k == "area_inside_m2" or k.endswith("_area_weighted")]:
                    del figures[key]
    return [*_files(gpkg, _tif, paths)], ref


def _files(*paths):
    for p in paths:
        yield from (p if isinstance(p, tuple) else (p,))


@pytest.mark.parametrize("city", [c for c in CITIES if c.name in ("sao_paulo", "oslo")], ids=lambda c: c.name)
def test_planner_measure_reports_the_features_equal_to_geos_in_json_and_csv(city, tmp_path, capsys):
    files, ref = cli_reference(city, tmp_path)
    args = [*map(str, files), "-p", "itdp-pnt", "-r", str(RADIUS_M), "--zones",
            "--sum-field", "floor_area", "--sum-field", "jobs", "--sum-field", "pupils"]
    assert main([*args, "-f", "json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    zones = {z["zone"]: z for z in result["zones"]}
    for layer, expected in ref.items():
        assert set(result["features"][layer]) == set(expected["total"])
        assert_figures(result["features"][layer], expected["total"], f"{layer} total")
        for name in ("SW", "NW", "SE", "NE"):
            assert_figures({k[len(layer) + 1:]: v for k, v in zones[name].items() if k.startswith(layer + "_")},
                           expected[name], f"{layer} {name}")
    assert main([*args, "-f", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    total = next(r for r in rows if r["zone"] == "")
    by_zone = {r["zone"]: r for r in rows if r["zone"]}
    for layer, expected in ref.items():
        for key, value in expected["total"].items():
            assert float(total[f"{layer}_{key}"]) == pytest.approx(value, rel=1e-9, abs=1e-6), key
        for name in ("SW", "NW", "SE", "NE"):
            for key, value in expected[name].items():
                assert float(by_zone[name][f"{layer}_{key}"]) == pytest.approx(value, rel=1e-9, abs=1e-6), (name, key)


def test_sum_field_flag_names_what_is_missing(tmp_path, capsys):
    city = CITIES[2]
    gpkg, tif = write_city(city, tmp_path)
    b, _s = write_features(city, tmp_path)
    assert main([str(gpkg), str(tif), str(b), "--sum-field", "storeys"]) == 2
    assert "no field 'storeys' in buildings" in capsys.readouterr().err
    assert main([str(gpkg), str(tif), "--sum-field", "jobs"]) == 2
    assert "no layer of buildings or facilities" in capsys.readouterr().err


def test_a_building_wholly_inside_whose_centroid_is_outside_is_not_counted_by_centroid():
    """A U-shaped building round the tip of a notch in the region (UTM 36S, Nairobi's zone): the
    building lies wholly inside, its centroid in the notch, outside. Counted intersecting, not by
    centroid, as GEOS says."""
    x, y = 257_000.0, 9_857_000.0
    region = shapely.box(x, y, x + 1000, y + 1000).difference(shapely.box(x + 480, y + 300, x + 520, y + 1000))
    u_shape = shapely.box(x + 400, y + 350, x + 600, y + 500).difference(shapely.box(x + 470, y + 380, x + 530, y + 500))
    u_shape = u_shape.difference(shapely.box(x + 470, y + 290, x + 530, y + 1000))  # the notch stays outside it
    assert shapely.contains_properly(region, u_shape) and not shapely.intersects(region, u_shape.centroid)
    got = FeatureSet(np.array([u_shape], dtype=object), {"jobs": np.array([10.0])}).measure([region]).iloc[0]
    expected = features_brute_force(np.array([u_shape], dtype=object), region, {"jobs": np.array([10.0])})
    assert got["count_intersecting"] == expected["count_intersecting"] == 1
    assert got["count_by_centroid"] == expected["count_by_centroid"] == 0
    assert got["jobs_sum"] == expected["jobs_sum"] == 0


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_features_on_a_lattice_touching_boundaries_and_cell_lines_equal_geos(seed):
    """Footprints and regions on a 5 m lattice (UTM 23S, Sao Paulo's zone): features touch
    region boundaries along edges and at corners, lie along the engine's cell lines and astride
    several regions at once, where a cell-based shortcut would go wrong first."""
    rng = np.random.default_rng(seed)
    x0, y0 = 333_000.0, 7_394_000.0
    lattice = 5.0

    def snapped(n, size):
        xy = np.floor(rng.uniform(0, 400, (n, 2)) / lattice) * lattice
        wh = np.ceil(rng.uniform(lattice, size, (n, 2)) / lattice) * lattice
        return x0 + xy[:, 0], y0 + xy[:, 1], wh[:, 0], wh[:, 1]

    x, y, w, h = snapped(1500, 30)
    boxes = shapely.box(x, y, x + w, y + h)
    triangles = shapely.polygons([[(a, b), (a + c, b), (a, b + d), (a, b)] for a, b, c, d in zip(*snapped(300, 40))])
    points = shapely.points(*snapped(200, 10)[:2])
    feats = np.concatenate([boxes, triangles, points])
    whole = shapely.box(x0 + 50, y0 + 50, x0 + 350, y0 + 350).difference(shapely.box(x0 + 150, y0 + 150, x0 + 200, y0 + 300))
    zones = [shapely.box(x0, y0, x0 + 200, y0 + 400), shapely.box(x0 + 200, y0, x0 + 400, y0 + 205),
             shapely.Polygon([(x0 + 200, y0 + 205), (x0 + 400, y0 + 205), (x0 + 400, y0 + 400), (x0 + 300, y0 + 400)])]
    regions = [whole, *[whole.intersection(z) for z in zones]]
    assert regions[1].geom_type == "GeometryCollection"  # a polygon and the line where the notch meets the zone's edge
    values = {"jobs": rng.integers(0, 50, len(feats)).astype(float)}
    got = FeatureSet(feats, values).measure(regions)
    for i, region in enumerate(regions):  # a region is its polygonal part
        assert_figures(got.iloc[i].to_dict(), features_brute_force(feats, _area_only(region), values), f"region {i}")


def test_cell_table_says_which_points_a_region_holds_as_geos():
    """`CellTable.holds` (ray casting up a column of cells, for the corner of a box that meets no piece
    of a region's boundary) says what GEOS's point-in-polygon says: regions with holes, several parts,
    a star whose steep arms cross many cells of one column in a row, on a coarse and a fine grid,
    points on grid lines included. Buenos Aires, UTM 21S."""
    from affine import Affine

    from layers.analysis.coverage.cell_table import CellTable
    from layers.analysis.coverage.cells import cut, valid_regions

    rng = np.random.default_rng(12)
    x0, y0 = 373_000.0, 6_170_000.0
    angles = np.linspace(0, 2 * np.pi, 23, endpoint=False)
    spikes = np.where(np.arange(23) % 2, 60.0, 480.0)
    star = shapely.Polygon(np.c_[x0 + 500 + spikes * np.cos(angles), y0 + 500 + spikes * np.sin(angles)])
    holed = shapely.box(x0 + 100, y0 + 100, x0 + 900, y0 + 900).difference(shapely.box(x0 + 300, y0 + 300, x0 + 700, y0 + 650))
    parts = shapely.MultiPolygon([shapely.box(x0, y0, x0 + 90, y0 + 990), shapely.box(x0 + 910, y0, x0 + 1000, y0 + 40)])
    regions = valid_regions([star, holed, parts, shapely.intersection(star, holed)])
    xy = rng.uniform([x0 - 20, y0 - 20], [x0 + 1020, y0 + 1020], (6000, 2))
    for cell in (97.0, 9.0):  # a coarse grid, and a fine one (long runs of crossed cells)
        cells_across = int(np.ceil(1040 / cell)) + 2
        t = Affine(cell, 0.0, x0 - 20 - cell, 0.0, -cell, y0 + 1020 + cell)
        table = CellTable(cut(regions, t, cells_across, cells_across), len(regions), cells_across, cells_across)
        points = np.vstack([xy, np.c_[t.c + cell * rng.integers(1, cells_across - 1, 500), xy[:500, 1]]])  # on column lines
        k = rng.integers(0, len(regions), len(points))
        far = shapely.distance(shapely.boundary(regions[k]), shapely.points(points)) > 1e-6 * cell
        u, v = (points[:, 0] - t.c) / t.a, (points[:, 1] - t.f) / t.e
        got = table.holds(k[far], u[far], v[far])
        want = shapely.intersects_xy(regions[k[far]], points[far, 0], points[far, 1])
        assert far.sum() > 6000 and 0.1 < want.mean() < 0.9
        np.testing.assert_array_equal(got, want)


def test_turned_footprints_whose_box_crosses_the_boundary_but_not_they_equal_geos():
    """Diamonds (squares turned 45 degrees) just inside and just outside a catchment's circle, their
    boxes across it, and others across it: the convex ones met are clipped in NumPy whether they cross
    or lie wholly inside (their area inside their own), the same figures as GEOS. Seattle, UTM 10N."""
    x0, y0 = 550_000.0, 5_272_000.0
    region = shapely.Point(x0, y0).buffer(300.0, quad_segs=MEASURE_QUAD_SEGS)
    a = np.radians(np.arange(0.0, 360.0, 3.0))
    diamonds = []
    for distance, half in ((300.0 - 6.0, 5.0), (300.0 + 6.0, 5.0), (300.0, 4.0)):  # inside, outside, across
        cx, cy = x0 + distance * np.cos(a), y0 + distance * np.sin(a)
        diamonds += list(shapely.polygons(np.stack([np.c_[cx - half, cy], np.c_[cx, cy - half], np.c_[cx + half, cy],
                                                    np.c_[cx, cy + half], np.c_[cx - half, cy]], axis=1)))
    feats = np.array(diamonds, dtype=object)
    wards = [shapely.box(x0 - 400, y0 - 400, x0 + 10, y0 + 400), shapely.box(x0 + 10, y0 - 400, x0 + 400, y0 + 400)]
    regions = [region, *[region.intersection(w) for w in wards]]
    values = {"floors": np.arange(len(feats), dtype=float) % 7}
    got = FeatureSet(feats, values).measure(regions)
    for i, r in enumerate(regions):
        assert_figures(got.iloc[i].to_dict(), features_brute_force(feats, r, values), f"region {i}")
