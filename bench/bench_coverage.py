"""Benchmark of the coverage engine on a synthetic city the size of Hanoi.

1,000,000 building footprints (small rectangles), 100 stations, a 100 m population grid over
57.5 km x 57.5 km (3,306 km2), 126 wards. Times the set a planner's question needs -
catchment, area share, population share, footprints inside (count + area inside), ward
breakdown - and checks the fast figures against brute force on a subset.

    /work/venv/bin/python bench/bench_coverage.py [--radius 1000] [--footprints 1000000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from layers.analysis.coverage import (  # noqa: E402
    FeatureIndex,
    PopulationGrid,
    catchment,
    measure_catchment,
)
from tests.reference import features_brute_force, population_brute_force  # noqa: E402

UTM = "EPSG:32648"
X0, Y0, SIDE, CELL = 560_000.0, 2_300_000.0, 57_500.0, 100.0


def build(n_footprints: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    n = int(SIDE / CELL)
    # people: denser towards the centre, like a city
    yy, xx = np.mgrid[0:n, 0:n]
    d = np.hypot(xx - n / 2, yy - n / 2) / n
    people = (rng.gamma(2.0, 1.0, (n, n)) * 120 * np.exp(-6 * d)).astype("float64")
    grid = PopulationGrid(people, Affine(CELL, 0, X0, 0, -CELL, Y0 + SIDE), UTM)
    study = shapely.Polygon(
        [(X0 + 500, Y0 + 2000), (X0 + SIDE - 1500, Y0 + 300), (X0 + SIDE - 400, Y0 + SIDE - 900),
         (X0 + 1200, Y0 + SIDE - 300)]
    )
    # stations along four lines through the centre, 700-1500 m apart
    cx, cy = X0 + SIDE / 2, Y0 + SIDE / 2
    angles = np.repeat(np.array([0.3, 1.1, 2.0, 2.7]), 25)
    dist = np.tile(np.cumsum(rng.uniform(700, 1500, 25)) - 9000, 4)
    stations = shapely.points(cx + dist * np.cos(angles), cy + dist * np.sin(angles))
    # footprints: 8-30 m rectangles, denser near the centre
    r = np.abs(rng.normal(0, SIDE / 4, n_footprints))
    a = rng.uniform(0, 2 * np.pi, n_footprints)
    fx = np.clip(cx + r * np.cos(a), X0, X0 + SIDE - 40)
    fy = np.clip(cy + r * np.sin(a), Y0, Y0 + SIDE - 40)
    w, h = rng.uniform(8, 30, n_footprints), rng.uniform(8, 30, n_footprints)
    footprints = shapely.box(fx, fy, fx + w, fy + h)
    # 126 wards: Voronoi cells of random seeds, clipped to the square
    seeds = shapely.multipoints(rng.uniform([X0, Y0], [X0 + SIDE, Y0 + SIDE], (126, 2)))
    square = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square))
    wards = gpd.GeoDataFrame({"name": [f"W{i:03d}" for i in range(len(cells))]},
                             geometry=shapely.intersection(cells, square), crs=UTM)
    return grid, study, stations, footprints, wards


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--footprints", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    grid, study, stations, footprints, wards = build(args.footprints)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    index = FeatureIndex(footprints)
    grid.integral  # the summed-area table, built once per grid
    t_index = time.perf_counter() - t

    best: dict[str, float] = {}
    first_total = None
    for _ in range(args.repeat):
        times = {}
        t = time.perf_counter()
        zone = catchment(stations, args.radius, study)
        times["catchment (buffer + union + clip)"] = time.perf_counter() - t
        t = time.perf_counter()
        area, study_area = zone.area, study.area
        times["area share"] = time.perf_counter() - t
        t = time.perf_counter()
        people = grid.population_in(np.array([zone, study], dtype=object))
        times["population share (exact fractional cells)"] = time.perf_counter() - t
        t = time.perf_counter()
        inside = index.measure([zone])
        times["footprints inside (count + area inside)"] = time.perf_counter() - t
        t = time.perf_counter()
        by_ward = measure_catchment(zone, study, UTM, grid, {"footprints": index}, wards)
        times["ward breakdown (126 wards: area, people, footprints)"] = time.perf_counter() - t
        for k, v in times.items():
            best[k] = min(best.get(k, np.inf), v)
        if first_total is None:  # before the per-ward totals are cached (a new ward layer)
            first_total = sum(times.values())

    print(f"Synthetic city: {args.footprints:,} footprints, {len(stations)} stations, "
          f"{grid.shape[0]} x {grid.shape[1]} cells of {CELL:.0f} m ({grid.shape[0] * grid.shape[1] * CELL * CELL / 1e6:,.0f} km2), "
          f"{len(wards)} wards; radius {args.radius:.0f} m; {os.cpu_count()} CPU(s); best of {args.repeat}")
    print()
    print(f"{'figure':<52} {'value':>22}")
    print(f"{'-' * 52} {'-' * 22}")
    print(f"{'catchment area (km2)':<52} {area / 1e6:>22.6f}")
    print(f"{'area share of study area':<52} {area / study_area:>22.6%}")
    print(f"{'population covered':<52} {people[0]:>22.3f}")
    print(f"{'population share':<52} {people[0] / people[1]:>22.6%}")
    print(f"{'footprints inside (count)':<52} {int(inside['count'][0]):>22,}")
    print(f"{'footprint area inside (m2)':<52} {inside['area_inside_m2'][0]:>22.3f}")
    z = by_ward.zones
    print(f"{'wards reached / sum of ward people covered':<52} {int((z['area_m2'] > 0).sum()):>10} / {z['population'].sum():>10.3f}")
    # The wards tile the study area, so their pieces must add up to the whole to the last digit.
    ward_area = z["footprints_area_inside_m2"].sum()
    whole_area = inside["area_inside_m2"][0]
    print(f"{'sum over wards of footprint area inside (m2)':<52} {ward_area:>22.3f}"
          f"  rel. diff to whole {abs(ward_area - whole_area) / whole_area:.1e}")
    print()
    print(f"{'step':<52} {'time (ms)':>10}")
    print(f"{'-' * 52} {'-' * 10}")
    for k, v in best.items():
        print(f"{k:<52} {v * 1e3:>10.1f}")
    total = sum(best.values())
    print(f"{'TOTAL (timed set, best of runs)':<52} {total * 1e3:>10.1f}   {'OK: under 1 s' if total < 1 else 'OVER 1 s'}")
    print(f"{'TOTAL first run (ward totals not yet cached)':<52} {first_total * 1e3:>10.1f}")
    print(f"{'(not timed) building the synthetic inputs':<52} {t_build * 1e3:>10.1f}")
    print(f"{'(not timed) one-off index: STRtrees + integral image':<52} {t_index * 1e3:>10.1f}")

    # -- check against brute force on a subset ------------------------------------------------
    print()
    sub = shapely.box(X0 + SIDE / 2 - 6000, Y0 + SIDE / 2 - 6000, X0 + SIDE / 2 + 6000, Y0 + SIDE / 2 + 6000)
    sub_zone = shapely.intersection(zone, sub)
    t = time.perf_counter()
    ref_people = population_brute_force(grid, sub_zone)
    cand = footprints[shapely.intersects(footprints, sub)]
    ref_count, ref_area = features_brute_force(cand, sub_zone)
    t_ref = time.perf_counter() - t
    fast_people = grid.population_in([sub_zone])[0]
    fast = index.measure([sub_zone])
    checks = [
        ("population", fast_people, ref_people),
        ("footprint count", float(fast["count"][0]), float(ref_count)),
        ("footprint area inside", fast["area_inside_m2"][0], ref_area),
    ]
    print(f"Check against brute force (every cell / footprint intersected) on a 12 x 12 km subset "
          f"({t_ref:.1f} s for the reference):")
    ok = True
    for name, got, ref in checks:
        rel = abs(got - ref) / abs(ref) if ref else abs(got)
        ok &= rel <= 1e-9
        print(f"  {name:<24} fast {got:>20.6f}  reference {ref:>20.6f}  rel. diff {rel:.1e}")
    print("  " + ("PASS: equal to 1e-9 relative" if ok else "FAIL: differs by more than 1e-9 relative"))


if __name__ == "__main__":
    main()
