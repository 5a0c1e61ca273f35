"""Benchmark: travel time by transit and on foot on a city-size feed and street network.

The city is bench_network's jittered street grid (274 x 274 junctions, 60 m blocks, about
300,000 edges over 16 km x 16 km, UTM 48N) and its 100 m population grid, with a synthetic
timetable of about 100,000 stop times: 24 bus routes of 25 stops across the city, a run every 15
minutes each way from 05:00 to 23:00, and 4 metro lines of 16 stations every 4 minutes each way
from 05:00 to 23:00. Walking is along the streets at 4.8 km/h, transfers up to 1,000 m, walks to
and from stops up to 20 minutes.

It times, after the feed is loaded (the timetable's patterns and the router's street transfers
built once, printed on their own):
  isochrone     one origin, departures every minute 07:00-09:00: 15/30/45/60-minute bands and the
                people in them (target < 0.3 s)
  sketch change a sketched line of 10 stations added: its runs and transfers, the bands again
                and the gain in people within 30 minutes (target < 0.5 s)
  zone shares   126 zones (Voronoi cells of the city), the share of each zone's people within 45
                minutes of the centre, origins on a 1,000 m grid (target < 5 s)

    python bench/bench_travel_time.py [--junctions 274] [--spacing 1000]

Peers: we found no published timing from r5py or Conveyal for one isochrone over a two-hour window
on a feed of this size. The only figure found is a comment in r5r's test script
(tests/tests_marcus/test_full_poa.R, rdrr.io/cran/r5r/src/tests/tests_marcus/test_full_poa.R):
an all-to-all travel-time matrix of Porto Alegre's points, 120-minute window, five percentiles,
"128.531 sec elapsed - 10 threads", "224.594 sec elapsed - 4 threads"; it is a many-origin matrix,
not one isochrone, so it is printed beside ours only as what r5 publishes, not as a like-for-like.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import shapely

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from bench_network import BLOCK, UTM, X0, Y0, population, street_lines  # noqa: E402

from layers.analysis.network import StreetGraph  # noqa: E402
from layers.session.sketch import Sketch  # noqa: E402
from layers.transit.isochrones import isochrone, people_within, zone_shares  # noqa: E402
from layers.transit.router import Router, Timetable  # noqa: E402
from layers.transit.service import ServiceWindow  # noqa: E402
from layers.transit.sketch_trips import reach_gain, with_sketch  # noqa: E402
from layers.transit.walking import WalkRule  # noqa: E402
import datetime as dt  # noqa: E402

DAY = dt.date(2026, 3, 3)
WINDOW = ServiceWindow(DAY, 7 * 3600, 9 * 3600)


def timetable(side_m: float, seed: int = 11) -> tuple[Timetable, int]:
    """Bus routes and metro lines across the city as runs; returns the timetable and its stop times."""
    rng = np.random.default_rng(seed)
    cx, cy = X0 + side_m / 2, Y0 + side_m / 2
    xy, names, runs = [], [], []
    lines = [(25, 900, 240.0, 5.5) for _ in range(24)] + [(16, 240, 120.0, 11.0) for _ in range(4)]
    for k, (stops, headway_s, _, speed_m_s) in enumerate(lines):
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(-side_m * 0.3, side_m * 0.3)
        t = np.linspace(-side_m * 0.45, side_m * 0.45, stops)
        px = cx + t * np.cos(angle) - offset * np.sin(angle)
        py = cy + t * np.sin(angle) + offset * np.cos(angle)
        first = len(xy)
        xy += list(zip(px, py))
        names += [f"line {k} stop {i}" for i in range(stops)]
        hop = np.rint(np.hypot(np.diff(px), np.diff(py)) / speed_m_s).astype(np.int64) + 20
        offsets = np.r_[0, np.cumsum(hop)]
        ids = np.arange(first, first + stops)
        for start in range(5 * 3600, 23 * 3600, headway_s):
            for order, times in ((ids, offsets), (ids[::-1], offsets)):
                runs.append((order, start + times, start + times))
    count = sum(len(r[0]) for r in runs)
    return Timetable.from_runs(np.array(xy), np.array(names, dtype=object), UTM, DAY, "synthetic city feed", runs), count


def zones(side_m: float, count: int = 126, seed: int = 13) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = shapely.multipoints(rng.uniform([X0, Y0], [X0 + side_m, Y0 + side_m], (count, 2)))
    city = shapely.box(X0, Y0, X0 + side_m, Y0 + side_m)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=city))
    return shapely.intersection(cells, city)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junctions", type=int, default=274)
    parser.add_argument("--spacing", type=float, default=1000.0, help="zone shares: the origins' grid, metres")
    args = parser.parse_args()
    side = args.junctions * BLOCK
    t = time.perf_counter()
    graph = StreetGraph.from_lines(street_lines(args.junctions), UTM)
    _ = graph.matrix, graph.serving_tree
    grid = population(args.junctions)
    print(f"street network: {graph.edge_count:,} edges, {graph.node_count:,} nodes ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    table, stop_times = timetable(side)
    router = Router(table, WalkRule(graph=graph))
    load_s = time.perf_counter() - t
    print(f"feed: {stop_times:,} stop times, {table.run_count:,} runs, {len(table.pattern_runs):,} patterns, "
          f"{table.stop_count:,} stops; loaded with street transfers in {load_s:.1f} s (once per feed)")
    origin = (X0 + side * 0.52, Y0 + side * 0.47)
    isochrone(router, origin, ServiceWindow(DAY, 7 * 3600, 7 * 3600 + 120))  # numba's compiled kernel loaded
    t = time.perf_counter()
    iso = isochrone(router, origin, WINDOW)
    people = people_within(iso.polygons, grid)["population"]
    iso_s = time.perf_counter() - t
    bands = ", ".join(f"{b} min {a:,.1f} km2 {p:,.0f} people" for b, a, p in zip(iso.bands_min, iso.area_km2, people))
    print(f"isochrone (120 departure minutes):  {iso_s:6.3f} s   target < 0.3 s   [{bands}]")
    sketch = Sketch().with_new_line(UTM)
    for k in range(10):
        sketch = sketch.with_station(0, X0 + side * 0.1 + k * side * 0.08, Y0 + side * 0.75 - k * side * 0.03)
    t = time.perf_counter()
    after = with_sketch(router, sketch)
    gain = reach_gain(router, after, origin, WINDOW, 30, grid)
    sketch_s = time.perf_counter() - t
    print(f"sketch change (10 stations):        {sketch_s:6.3f} s   target < 0.5 s   "
          f"[{gain['gain']:+,.0f} people within 30 min]")
    cells = zones(side)
    t = time.perf_counter()
    shares = zone_shares(router, (X0 + side / 2, Y0 + side / 2), cells, [f"zone {i}" for i in range(len(cells))], grid,
                         WINDOW, 45, spacing_m=args.spacing)
    share_s = time.perf_counter() - t
    print(f"zone shares ({len(cells)} zones, {args.spacing:,.0f} m origins): {share_s:6.3f} s   target < 5 s   "
          f"[median zone share {np.nanmedian(shares['share']):.1%}]")
    print("peers: r5py / Conveyal publish no timing of one isochrone over a two-hour window on a feed this size "
          "(none found); r5r's test script notes an all-to-all Porto Alegre matrix, 120-min window: 128.5 s on 10 "
          "threads, 224.6 s on 4 (not like-for-like: many origins)")


if __name__ == "__main__":
    main()
