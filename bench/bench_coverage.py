"""Benchmark of the coverage engine on a synthetic city the size of Hanoi, cold and warm.

1,000,000 building footprints (small rectangles), 100 stations, a 100 m population grid over
57.5 km x 57.5 km (3,306 km2), 126 wards. Times, stage by stage, what `planner measure --zones`
does once the files are read: the footprints made ready (bounds, areas: there is no index),
the catchment, the wards clipped to it, the population (exact fractional cells) and the
footprints (intersecting, by centroid, area inside), total and by ward. "Cold" is the first
question on fresh data (the population grid's summed-area table and every cache built inside
the time); "warm" asks again (best of --repeat). Peak memory is the process's peak resident
set during the cold measure (Linux VmHWM, reset before it). The figures are checked against
a GEOS brute force on a 12 x 12 km subset.

    python bench/bench_coverage.py [--radius 1000] [--footprints 250000 1000000 4000000]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from layers.analysis.coverage import (  # noqa: E402
    FeatureSet,
    PopulationGrid,
    catchment,
    measure_catchment,
    polygonal,
    zone_geometries,
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


def _peak_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def _memory_mb(key: str) -> float:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key)) / 1024
    except (OSError, StopIteration):
        return float("nan")


def stages(footprints, grid_values, grid_transform, study, stations, wards, radius, features=None, grid=None):
    """One `planner measure --zones` after reading, stage by stage: (times, figures, objects)."""
    times = {}
    t = time.perf_counter()
    features = FeatureSet(footprints) if features is None else features
    times["footprints ready (bounds, areas; no index)"] = time.perf_counter() - t
    t = time.perf_counter()
    zone = catchment(stations, radius, study)
    times["catchment (buffer + union + clip)"] = time.perf_counter() - t
    t = time.perf_counter()
    wards_clipped = zone_geometries(wards, study)
    regions = np.asarray([zone, *polygonal(shapely.intersection(wards_clipped, zone))], dtype=object)
    times["wards clipped to the study area and catchment"] = time.perf_counter() - t
    t = time.perf_counter()
    grid = PopulationGrid(grid_values, grid_transform, UTM) if grid is None else grid
    people = grid.population_in(regions)
    totals = grid.population_in_cached(np.asarray([study, *wards_clipped], dtype=object))
    times["population (exact cells): catchment + wards, totals"] = time.perf_counter() - t
    t = time.perf_counter()
    counted = features.measure(regions)
    times["footprints (intersecting, by centroid, area): total + wards"] = time.perf_counter() - t
    return times, (zone, regions, people, totals, counted), (features, grid)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--footprints", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="skip the brute-force check")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU(s); load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"radius {args.radius:.0f} m; warm = best of {args.repeat}")
    for n in args.footprints:
        run(n, args)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def run(n_footprints: int, args) -> None:
    t = time.perf_counter()
    grid0, study, stations, footprints, wards = build(n_footprints)
    t_build = time.perf_counter() - t
    gc.collect()
    rss_before = _memory_mb("VmRSS")
    _peak_reset()
    cold, (zone, regions, people, totals, counted), (features, grid) = stages(
        footprints, grid0.values, grid0.transform, study, stations, wards, args.radius)
    peak = _memory_mb("VmHWM")
    warm: dict[str, float] = {}
    for _ in range(args.repeat):
        times, *_ = stages(footprints, None, None, study, stations, wards, args.radius, features, grid)
        for k, v in times.items():
            if not k.startswith("footprints ready"):
                warm[k] = min(warm.get(k, np.inf), v)
    warm["footprints ready (bounds, areas; no index)"] = 0.0
    # the same figures through the app's own entry point (cold objects again)
    t = time.perf_counter()
    result = measure_catchment(zone, study, UTM, PopulationGrid(grid0.values, grid0.transform, UTM),
                               {"footprints": FeatureSet(footprints)}, wards)
    t_app = time.perf_counter() - t
    same = (result.features["footprints"]["count_intersecting"] == counted["count_intersecting"][0]
            and result.features["footprints"]["area_inside_m2"] == counted["area_inside_m2"][0]
            and result.population == people[0])

    print()
    print(f"== {n_footprints:,} footprints, {len(stations)} stations, {grid.shape[0]} x {grid.shape[1]} cells of "
          f"{CELL:.0f} m, {len(wards)} wards; load now {os.getloadavg()[0]:.2f}")
    print(f"{'figure':<60} {'value':>20}")
    print(f"{'catchment area (km2)':<60} {zone.area / 1e6:>20.6f}")
    print(f"{'population covered / share':<60} {people[0]:>14.3f} {people[0] / totals[0]:>6.2%}")
    print(f"{'footprints intersecting':<60} {int(counted['count_intersecting'][0]):>20,}")
    print(f"{'footprints by centroid':<60} {int(counted['count_by_centroid'][0]):>20,}")
    print(f"{'footprint area inside (m2)':<60} {counted['area_inside_m2'][0]:>20.3f}")
    ward_area = counted["area_inside_m2"][1:].sum()
    print(f"{'sum over wards of footprint area inside (m2)':<60} {ward_area:>20.3f}  "
          f"rel. diff to whole {abs(ward_area - counted['area_inside_m2'][0]) / counted['area_inside_m2'][0]:.1e}")
    print(f"{'sum over wards of footprints by centroid':<60} {int(counted['count_by_centroid'][1:].sum()):>20,}")
    print(f"{'stage':<60} {'cold ms':>9} {'warm ms':>9}")
    for k in cold:
        print(f"{k:<60} {cold[k] * 1e3:>9.1f} {warm[k] * 1e3:>9.1f}")
    total_cold, total_warm = sum(cold.values()), sum(warm.values())
    print(f"{'TOTAL after reading':<60} {total_cold * 1e3:>9.1f} {total_warm * 1e3:>9.1f}   "
          f"{'cold under 1 s' if total_cold < 1 else 'cold OVER 1 s'}")
    print(f"{'measure_catchment end to end, cold objects (same figures: ' + ('yes' if same else 'NO') + ')':<60} "
          f"{t_app * 1e3:>9.1f}")
    print(f"{'peak memory during the cold measure (MB; RSS before it)':<60} {peak:>9.0f} {rss_before:>9.0f}")
    print(f"{'(not timed) building the synthetic inputs (s)':<60} {t_build:>9.1f}")
    if not args.no_check:
        check_subset(grid, zone, footprints, features)


def check_subset(grid, zone, footprints, features) -> None:
    sub = shapely.box(X0 + SIDE / 2 - 6000, Y0 + SIDE / 2 - 6000, X0 + SIDE / 2 + 6000, Y0 + SIDE / 2 + 6000)
    sub_zone = shapely.intersection(zone, sub)
    t = time.perf_counter()
    ref_people = population_brute_force(grid, sub_zone)
    cand = footprints[shapely.intersects(footprints, sub)]
    ref = features_brute_force(cand, sub_zone)
    t_ref = time.perf_counter() - t
    fast_people = grid.population_in([sub_zone])[0]
    fast = features.measure([sub_zone])
    checks = [
        ("population", fast_people, ref_people),
        ("footprints intersecting", float(fast["count_intersecting"][0]), float(ref["count_intersecting"])),
        ("footprints by centroid", float(fast["count_by_centroid"][0]), float(ref["count_by_centroid"])),
        ("footprint area inside", fast["area_inside_m2"][0], ref["area_inside_m2"]),
    ]
    print(f"Check against brute force on a 12 x 12 km subset ({t_ref:.1f} s for the reference):")
    ok = True
    for name, got, want in checks:
        rel = abs(got - want) / abs(want) if want else abs(got)
        ok &= rel <= 1e-9
        print(f"  {name:<24} fast {got:>20.6f}  reference {want:>20.6f}  rel. diff {rel:.1e}")
    print("  " + ("PASS: equal to 1e-9 relative" if ok else "FAIL: differs by more than 1e-9 relative"))


if __name__ == "__main__":
    main()
