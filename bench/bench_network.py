"""Benchmark of walking catchments on a synthetic street network of ~300,000 edges.

A jittered street grid (274 x 274 junctions, 60 m blocks, a vertex mid-block: about
300,000 straight edges over 16 km x 16 km, in UTM 48N), 100 stations along four lines through
the centre, a 100 m population grid. Times the one-off build (lines -> graph -> cache file),
loading the cache (and its sparse matrix, spatial index and city blocks), and the query a
dashboard change asks for: the walking catchment (1,000 m, 50 m band) and the people in it (exact fractional
cells, `PopulationGrid.population_in`), with the straight-line catchment beside it.

    python bench/bench_network.py [--radius 1000] [--junctions 274] [--stations 100] [--per-origin] [--check]

`--stations 35` is a dashboard change on a city the size of the Hanoi sample (35 stations).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from affine import Affine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from layers.analysis.coverage import PopulationGrid, catchment  # noqa: E402
from layers.analysis.network import StreetGraph, walking_catchment  # noqa: E402
from layers.analysis.network.cache import cached_graph  # noqa: E402
from layers.analysis.network.catchment import outline_tolerance_m  # noqa: E402

UTM = "EPSG:32648"
X0, Y0, BLOCK = 570_000.0, 2_310_000.0, 60.0


def street_lines(junctions: int, seed: int = 3) -> np.ndarray:
    """Rows and columns of a jittered grid, each street a LineString through every junction,
    with one extra vertex mid-block (so an edge is half a block)."""
    rng = np.random.default_rng(seed)
    jx = X0 + np.arange(junctions) * BLOCK + rng.uniform(-8, 8, (junctions, junctions))
    jy = Y0 + np.arange(junctions)[:, None] * BLOCK + rng.uniform(-8, 8, (junctions, junctions))
    xy = np.stack([jx, jy], axis=-1)  # [row, col] -> (x, y)

    def with_midpoints(path):  # (m, 2) -> (2m - 1, 2)
        out = np.empty((2 * len(path) - 1, 2))
        out[0::2] = path
        out[1::2] = (path[1:] + path[:-1]) / 2 + rng.uniform(-2, 2, (len(path) - 1, 2))
        return out

    rows = [shapely.linestrings(with_midpoints(xy[r])) for r in range(junctions)]
    cols = [shapely.linestrings(with_midpoints(xy[:, c])) for c in range(junctions)]
    return np.asarray(rows + cols, dtype=object)


def stations(junctions: int, count: int = 100, seed: int = 5) -> np.ndarray:
    """`count` stations on four lines through the centre, 600-1,100 m apart."""
    rng = np.random.default_rng(seed)
    side = junctions * BLOCK
    cx, cy = X0 + side / 2, Y0 + side / 2
    per_line = -(-count // 4)
    angles = np.repeat(np.array([0.3, 1.1, 2.0, 2.7]), per_line)
    dist = np.tile(np.cumsum(rng.uniform(600, 1100, per_line)) - 10_000 * per_line / 25, 4)
    xy = np.column_stack([cx + dist * np.cos(angles), cy + dist * np.sin(angles)])
    return (xy + rng.uniform(-30, 30, xy.shape))[np.argsort(np.tile(np.arange(per_line), 4), kind="stable")][:count]


def population(junctions: int, seed: int = 9) -> PopulationGrid:
    rng = np.random.default_rng(seed)
    n = int(junctions * BLOCK / 100.0) + 1
    people = rng.gamma(2.0, 60.0, (n, n))
    return PopulationGrid(people, Affine(100.0, 0, X0 - 50, 0, -100.0, Y0 + n * 100.0 - 50), UTM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--junctions", type=int, default=274)
    parser.add_argument("--stations", type=int, default=100, help="35: as many as the Hanoi sample")
    parser.add_argument("--per-origin", action="store_true", help="also time the per-station catchments")
    parser.add_argument("--check", action="store_true",
                        help="also draw the band round every reached piece in one dissolve (the slow way) and compare")
    args = parser.parse_args()
    lines = street_lines(args.junctions)
    origin_xy = stations(args.junctions, args.stations)
    grid = population(args.junctions)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "streets.bin"
        source.write_bytes(b"synthetic street grid")
        t = time.perf_counter()
        graph, how = cached_graph(source, UTM, "bench", lambda: StreetGraph.from_lines(lines, UTM))
        _ = graph.matrix, graph.tree
        build_s = time.perf_counter() - t
        assert how == "built"
        print(f"network: {graph.edge_count:,} edges, {graph.node_count:,} nodes, "
              f"{graph.total_length_m / 1000:,.0f} km of street, {len(origin_xy)} stations, "
              f"population grid {grid.shape[0]} x {grid.shape[1]} cells")
        print(f"one-off build (lines -> graph -> blocks -> cache, matrix, index): {build_s:6.2f} s")
        t = time.perf_counter()
        graph, how = cached_graph(source, UTM, "bench", lambda: StreetGraph.from_lines(lines, UTM))
        _ = graph.matrix, graph.tree
        load_s = time.perf_counter() - t
        assert how == "cache"
        print(f"cache load (arrays, blocks, matrix, index):                      {load_s:6.2f} s")
    for run in range(3):
        t = time.perf_counter()
        walking = walking_catchment(graph, origin_xy, args.radius)
        t_catchment = time.perf_counter() - t
        people = grid.population_in([walking.area])[0]
        query_s = time.perf_counter() - t
        print(f"query {run + 1}: walking catchment {t_catchment:5.2f} s + population {query_s - t_catchment:5.2f} s "
              f"= {query_s:5.2f} s  (target < 1 s)")
    straight = catchment(shapely.points(origin_xy), args.radius, crs=UTM)
    straight_people = grid.population_in([straight])[0]
    print(f"walking {args.radius:g} m: {walking.street_length_m / 1000:,.1f} km of street, "
          f"{walking.area_m2 / 1e6:,.2f} km2, {people:,.0f} people; straight line: {straight.area / 1e6:,.2f} km2, "
          f"{straight_people:,.0f} people; walking / straight-line area {walking.area_m2 / straight.area:.3f}")
    if args.check:
        from layers.analysis.network.catchment import BAND_QUAD_SEGS, fill_holes

        t = time.perf_counter()
        lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.linestrings(
            walking.reach.pieces[walking.reach.piece_length_m > 0]))))
        every = fill_holes(shapely.union_all(shapely.buffer(lines, walking.band_m, quad_segs=BAND_QUAD_SEGS)),
                           walking.fill_holes_m2)
        apart = shapely.symmetric_difference(every, walking.area).area
        tolerance = outline_tolerance_m(walking.band_m)
        beyond = (shapely.difference(every, shapely.buffer(walking.area, tolerance)).area
                  + shapely.difference(walking.area, shapely.buffer(every, tolerance)).area)
        print(f"check: the band round every piece, one dissolve: {time.perf_counter() - t:5.2f} s, "
              f"{every.area / 1e6:,.4f} km2; relative area difference {abs(every.area - walking.area_m2) / every.area:.1e}, "
              f"symmetric difference {apart:,.1f} m2, of it further than {tolerance:.2f} m from the other "
              f"outline: {beyond:.2g} m2")
    if args.per_origin:
        t = time.perf_counter()
        walking = walking_catchment(graph, origin_xy, args.radius, per_origin=True)
        print(f"with per-station catchments: {time.perf_counter() - t:5.2f} s "
              f"(sum of their areas / catchment area: {sum(g.area for g in walking.by_origin) / walking.area_m2:.6f})")


if __name__ == "__main__":
    main()
