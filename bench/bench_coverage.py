"""Benchmark of the coverage engine on a synthetic city the size of Hanoi, cold and warm.

N building footprints (8-30 m rectangles, denser towards the centre), 100 stations, a 686 x 662
population grid of 100 m cells (68.6 km x 66.2 km), 126 wards. Times, stage by stage, what
`planner measure --zones` does once the files are read: the footprints made ready (bounds,
areas: there is no index), the catchment, the wards clipped to it, the population (exact
fractional cells) and the footprints (intersecting, by centroid, area inside), total and by ward,
then the footprints near the circles counted by the exact distance (`within.exact_counts`: those
whose box meets the thin ring where the catchment polygon's chords could misjudge).

The footprints are held as the product holds a building layer after reading it: as arrays
(`CompactGeometries`: coordinates and offsets), the shapely geometries built for the synthetic
city dropped before anything is measured (they are never all alive at once in `planner measure`,
which reads a building file batch by batch into that form). "Footprints ready" is then their
bounds, areas and kinds computed from the arrays.

"Cold" is the question asked on fresh objects (the population grid's running sums, the regions'
prepared indexes and every cache built inside the time): the first run, and the median of
--repeat runs each on fresh objects. "Warm" asks again with the same objects (median). Peak
memory is the process's peak resident set during the first cold measure (Linux VmHWM, reset
before it). The machine's load average is printed with every figure: on a shared machine a
figure measured under load is slower than the code.

RSS before is the resident set once the synthetic geometries are dropped (and glibc has handed
their freed heap back to the system, malloc_trim: the dropped objects' memory is no figure of the
engine's).

With --naive, the same figures by a naive geopandas reference (spatial joins and overlays, no
engine), timed in the same run and checked equal (counts exact, areas and people to 1e-9). With
--files, the city is written to a GeoPackage and a GeoTIFF and `planner measure --zones` runs on
them end to end in a child process (its time and peak resident set, the CLI's whole memory); the
reading of the buildings as the CLI reads them is timed on its own. Without --no-check, the figures are checked
against a GEOS brute force on a 12 x 12 km subset (of the footprints made again from the seed,
as shapely geometries: independent of the arrays).

With --engine, the engine after reading is timed on the city as `planner measure --zones -r 500`
reads it from the files (a child process reads them as the CLI does, then measures the catchment
cold --repeat times: the footprints made ready, the stations' catchment, and `measure_catchment`
with the people, the wards and the exact distance), and with --before DIR the same in a child running the code in DIR
(e.g. a checkout of the commit before a change): both times with the load average beside them,
and whether every figure (total and by ward) is the same to 1e-12.

    python bench/bench_coverage.py [--radius 1000] [--footprints 250000 1000000 4000000]
                                   [--repeat 3] [--naive] [--files] [--no-check]
                                   [--engine [--before DIR]]
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from layers.analysis.coverage import (  # noqa: E402
    MEASURE_QUAD_SEGS,
    CompactGeometries,
    FeatureSet,
    PopulationGrid,
    Within,
    catchment,
    measure_catchment,
    polygonal,
    zone_geometries,
)
from layers.heap import glibc  # noqa: E402
from layers.analysis.coverage.within import exact_counts  # noqa: E402
from tests.reference import features_brute_force, population_brute_force  # noqa: E402

UTM = "EPSG:32648"
X0, Y0, CELL, COLS, ROWS = 560_000.0, 2_300_000.0, 100.0, 686, 662
WIDTH, HEIGHT = COLS * CELL, ROWS * CELL


def build(n_footprints: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    # people: denser towards the centre, like a city
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    d = np.hypot(xx - COLS / 2, yy - ROWS / 2) / max(ROWS, COLS)
    people = (rng.gamma(2.0, 1.0, (ROWS, COLS)) * 120 * np.exp(-6 * d)).astype("float64")
    grid = PopulationGrid(people, Affine(CELL, 0, X0, 0, -CELL, Y0 + HEIGHT), UTM)
    study = shapely.Polygon(
        [(X0 + 500, Y0 + 2000), (X0 + WIDTH - 1500, Y0 + 300), (X0 + WIDTH - 400, Y0 + HEIGHT - 900),
         (X0 + 1200, Y0 + HEIGHT - 300)]
    )
    # stations along four lines through the centre, 700-1500 m apart
    cx, cy = X0 + WIDTH / 2, Y0 + HEIGHT / 2
    angles = np.repeat(np.array([0.3, 1.1, 2.0, 2.7]), 25)
    dist = np.tile(np.cumsum(rng.uniform(700, 1500, 25)) - 9000, 4)
    stations = shapely.points(cx + dist * np.cos(angles), cy + dist * np.sin(angles))
    # footprints: 8-30 m rectangles, denser near the centre
    r = np.abs(rng.normal(0, min(WIDTH, HEIGHT) / 4, n_footprints))
    a = rng.uniform(0, 2 * np.pi, n_footprints)
    fx = np.clip(cx + r * np.cos(a), X0, X0 + WIDTH - 40)
    fy = np.clip(cy + r * np.sin(a), Y0, Y0 + HEIGHT - 40)
    w, h = rng.uniform(8, 30, n_footprints), rng.uniform(8, 30, n_footprints)
    footprints = shapely.box(fx, fy, fx + w, fy + h)
    # 126 wards: Voronoi cells of random seeds, clipped to the rectangle
    seeds = shapely.multipoints(rng.uniform([X0, Y0], [X0 + WIDTH, Y0 + HEIGHT], (126, 2)))
    square = shapely.box(X0, Y0, X0 + WIDTH, Y0 + HEIGHT)
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
    within = Within.of(stations, radius)
    ring = within.ring(None)
    times["the ring where the chords could misjudge"] = time.perf_counter() - t
    t = time.perf_counter()
    by_polygon, near = features.measure_near(regions, ring)
    times["footprints (intersecting, by centroid, area): total + wards"] = time.perf_counter() - t
    t = time.perf_counter()
    counted = exact_counts(by_polygon, near, regions, [study, *wards_clipped], within)
    times["footprints near the circles, by the exact distance"] = time.perf_counter() - t
    return times, (zone, regions, people, totals, counted, by_polygon), (features, grid)


def _give_back_freed_heap() -> None:
    """Have glibc return the freed heap of the dropped synthetic geometries to the system (else
    the resident set keeps the pages of objects that no longer exist)."""
    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def compile_project() -> None:
    """The project's modules compiled to bytecode now, as an installed planner has them (pip
    compiles them as it installs; an editable install's first run writes them): a child timed
    with PYTHONDONTWRITEBYTECODE set (as on this project's machines) would otherwise compile every
    module changed since, about 50 ms of `planner measure`, in every run."""
    import compileall

    for package in ("layers", "planner_gui", "sample_data"):
        compileall.compile_dir(str(Path(__file__).resolve().parents[1] / package), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--footprints", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="cold and warm runs (the median is printed)")
    parser.add_argument("--naive", action="store_true", help="time the naive geopandas reference too")
    parser.add_argument("--files", action="store_true", help="planner measure end to end on files")
    parser.add_argument("--no-check", action="store_true", help="skip the brute-force check")
    parser.add_argument("--engine", action="store_true",
                        help="only the engine after reading, cold, on the city read from files as the CLI reads it")
    parser.add_argument("--before", metavar="DIR", help="with --engine: the same with the code in DIR, beside ours")
    args = parser.parse_args()
    if args.engine:
        for n in args.footprints:
            engine_on_files(n, args.repeat, args.before)
        return
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU(s); load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"radius {args.radius:.0f} m; cold and warm: median of {args.repeat}")
    for n in args.footprints:
        run(n, args)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def run(n_footprints: int, args) -> None:
    t = time.perf_counter()
    grid0, study, stations, shapes, wards = build(n_footprints)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    footprints = CompactGeometries.from_shapely(shapes)
    t_compact = time.perf_counter() - t
    del shapes  # held as arrays from here on, as after `planner measure` reads a building file
    gc.collect()
    _give_back_freed_heap()
    rss_before = _memory_mb("VmRSS")
    _peak_reset()
    load_first = _load()
    first, (zone, regions, people, totals, counted, by_polygon), (features, grid) = stages(
        footprints, grid0.values, grid0.transform, study, stations, wards, args.radius)
    peak = _memory_mb("VmHWM")
    colds, warms, loads = [], [], []
    for _ in range(args.repeat):
        gc.collect()
        colds.append(stages(footprints, grid0.values, grid0.transform, study, stations, wards, args.radius)[0])
        times, *_ = stages(footprints, None, None, study, stations, wards, args.radius, features, grid)
        times["footprints ready (bounds, areas; no index)"] = 0.0
        warms.append(times)
        loads.append(os.getloadavg()[0])
    cold = {k: statistics.median(c[k] for c in colds) for k in first}
    warm = {k: statistics.median(w[k] for w in warms) for k in first}
    # the same figures through the app's own entry point (cold objects again)
    t = time.perf_counter()
    result = measure_catchment(zone, study, UTM, PopulationGrid(grid0.values, grid0.transform, UTM),
                               {"footprints": FeatureSet(footprints)}, wards, within=Within.of(stations, args.radius))
    t_app = time.perf_counter() - t
    same = (result.features["footprints"]["count_intersecting"] == counted["count_intersecting"][0]
            and _close(result.features["footprints"]["area_inside_m2"], counted["area_inside_m2"][0])
            and _close(result.population, people[0]))

    print()
    print(f"== {n_footprints:,} footprints, {len(stations)} stations, {grid.shape[1]} x {grid.shape[0]} cells of "
          f"{CELL:.0f} m, {len(wards)} wards")
    print(f"{'figure':<60} {'value':>20}")
    print(f"{'catchment area (km2)':<60} {zone.area / 1e6:>20.6f}")
    print(f"{'population covered / share':<60} {people[0]:>14.3f} {people[0] / totals[0]:>6.2%}")
    print(f"{'footprints intersecting':<60} {int(counted['count_intersecting'][0]):>20,}")
    print(f"{'footprints by centroid':<60} {int(counted['count_by_centroid'][0]):>20,}")
    moved = (counted["count_intersecting"] - by_polygon["count_intersecting"]).abs().sum() + \
        (counted["count_by_centroid"] - by_polygon["count_by_centroid"]).abs().sum()
    print(f"{'  counts the exact distance changed (catchment and wards)':<60} {int(moved):>20,}")
    print(f"{'footprint area inside (m2)':<60} {counted['area_inside_m2'][0]:>20.3f}")
    ward_area = counted["area_inside_m2"][1:].sum()
    print(f"{'sum over wards of footprint area inside (m2)':<60} {ward_area:>20.3f}  "
          f"rel. diff to whole {abs(ward_area - counted['area_inside_m2'][0]) / counted['area_inside_m2'][0]:.1e}")
    print(f"{'sum over wards of footprints by centroid':<60} {int(counted['count_by_centroid'][1:].sum()):>20,}")
    print(f"{'stage (ms)':<60} {'first':>8} {'cold':>8} {'warm':>8}")
    for k in first:
        print(f"{k:<60} {first[k] * 1e3:>8.1f} {cold[k] * 1e3:>8.1f} {warm[k] * 1e3:>8.1f}")
    total_first, total_cold, total_warm = sum(first.values()), sum(cold.values()), sum(warm.values())
    print(f"{'TOTAL after reading':<60} {total_first * 1e3:>8.1f} {total_cold * 1e3:>8.1f} {total_warm * 1e3:>8.1f}   "
          f"{'cold under 1 s' if total_cold < 1 else 'cold OVER 1 s'}")
    print(f"{'  cold totals of each run (ms)':<60} " + " ".join(f"{sum(c.values()) * 1e3:.0f}" for c in colds))
    print(f"{'  load during the first run; after each repeat':<60} {load_first}; "
          + " ".join(f"{x:.2f}" for x in loads))
    print(f"{'measure_catchment end to end, cold objects (same figures: ' + ('yes' if same else 'NO') + ')':<60} "
          f"{t_app * 1e3:>8.1f}")
    print(f"{'peak memory during the first cold measure (MB; RSS before it)':<60} {peak:>8.0f} {rss_before:>8.0f}")
    print(f"{'  footprints held as arrays (MB; bytes a footprint)':<60} {footprints.nbytes / 2**20:>8.0f} "
          f"{footprints.nbytes / n_footprints:>8.0f}")
    print(f"{'(not timed) building the synthetic inputs (s)':<60} {t_build:>8.1f}")
    print(f"{'(not timed) their shapely footprints made arrays (s)':<60} {t_compact:>8.1f}")
    if args.naive:
        shapes = footprints.shapes(np.arange(len(footprints)))
        naive(grid, study, stations, shapes, wards, args.radius, people, totals, by_polygon, total_cold)
        del shapes
    if args.files:
        end_to_end(n_footprints, args.radius)
    if not args.no_check:
        check_subset(grid, zone, n_footprints, features)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def naive(grid, study, stations, footprints, wards, radius, people, totals, counted, ours_s) -> None:
    """The figures the way a geopandas user would get them: spatial joins (an STRtree each) and
    overlays of whole geometries, no engine; population by intersecting every cell polygon. Counts
    are those on the catchment polygon (`counted`: before the exact distance decides the few near
    the circles)."""
    load = _load()
    t0 = time.perf_counter()
    zone = gpd.GeoSeries(stations, crs=UTM).buffer(radius, quad_segs=MEASURE_QUAD_SEGS).union_all().intersection(study)
    clipped = gpd.GeoSeries(polygonal(wards.geometry.intersection(study).to_numpy()), crs=UTM)  # a region is its
    pieces = gpd.GeoSeries(polygonal(clipped.intersection(zone).to_numpy()), crs=UTM)  # polygonal part
    regions = gpd.GeoDataFrame({"region": np.arange(len(pieces) + 1)},
                               geometry=[zone, *pieces.to_numpy()], crs=UTM)
    denominators = gpd.GeoDataFrame({"region": np.arange(len(clipped) + 1)},
                                    geometry=[study, *clipped.to_numpy()], crs=UTM)
    rows, cols = grid.shape
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    t = grid.transform
    cells = gpd.GeoDataFrame({"people": np.nan_to_num(grid.values.ravel())},
                             geometry=shapely.box(t.c + cc * t.a, t.f + (rr + 1) * t.e,
                                                  t.c + (cc + 1) * t.a, t.f + rr * t.e), crs=UTM)

    def people_in(frame):
        joined = gpd.sjoin(cells, frame, predicate="intersects")
        inside = shapely.area(shapely.intersection(joined.geometry.values,
                                                   frame.geometry.values[joined["index_right"].to_numpy()]))
        return (joined["people"] * inside / grid.cell_area).groupby(joined["region"]).sum()

    n_people, n_totals = people_in(regions), people_in(denominators)
    feats = gpd.GeoDataFrame(geometry=footprints, crs=UTM)
    hits = gpd.sjoin(feats, regions, predicate="intersects")
    area = pd.Series(shapely.area(shapely.intersection(hits.geometry.values,
                                                       regions.geometry.values[hits["index_right"].to_numpy()])),
                     index=hits.index)
    by_centroid = gpd.sjoin(gpd.GeoDataFrame(geometry=feats.centroid), regions, predicate="intersects")
    figures = pd.DataFrame({
        "count_intersecting": hits.groupby("region").size(),
        "count_by_centroid": by_centroid.groupby("region").size(),
        "area_inside_m2": area.groupby(hits["region"]).sum(),
    }).reindex(range(len(regions))).fillna(0)  # a region with features touching it and no centroid: 0, not NaN
    t_naive = time.perf_counter() - t0
    equal = {
        "count_intersecting": np.array_equal(figures["count_intersecting"], counted["count_intersecting"]),
        "count_by_centroid": np.array_equal(figures["count_by_centroid"], counted["count_by_centroid"]),
        "area_inside_m2": all(_close(a, b) for a, b in zip(figures["area_inside_m2"], counted["area_inside_m2"])),
        "population": all(_close(a, b) for a, b in zip(n_people.reindex(range(len(regions)), fill_value=0), people)),
        "study and ward population": all(
            _close(a, b) for a, b in zip(n_totals.reindex(range(len(denominators)), fill_value=0), totals)),
    }
    verdict = "equal" if all(equal.values()) else "DIFFER in " + ", ".join(k for k, v in equal.items() if not v)
    print(f"{'naive geopandas reference, same figures (s)':<60} {t_naive:>8.1f}   ({load} before, "
          f"{_load()} after; figures {verdict}: counts exact, areas and people to 1e-9, "
          f"total and {len(regions) - 1} wards)")
    print(f"{'  ours (cold, median) is faster by':<60} {t_naive / ours_s:>8.0f}x")


def end_to_end(n_footprints: int, radius: float) -> None:
    """`planner measure --zones` on files, end to end in a child process (its time, and its peak
    memory as the child itself reads it: a child's rusage would count the parent's pages it was
    forked with), and the buildings read on their own as the CLI reads them."""
    from layers.io import read_counted

    folder = _city_folder(n_footprints)
    files = _write_city(folder, n_footprints)
    argv = [str(f) for f in files] + ["--zones", "--radius", f"{radius:g}", "--format", "json",
                                      "--output", str(folder / "out.json"),
                                      "--role", f"{files[0]}=building", "--role", f"{files[1]}=metro_station"]
    load = _load()
    t = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _MEASURE_AND_PEAK, *argv], capture_output=True, text=True,
                           cwd=os.path.join(os.path.dirname(__file__), ".."))
    t_all = time.perf_counter() - t
    t = time.perf_counter()
    read_counted(files[0])
    t_read = time.perf_counter() - t
    print(f"{'planner measure --zones on files, end to end (s)':<60} {t_all:>8.2f}   "
          f"(exit {child.returncode}; {load}){(' ' + child.stderr.strip()) if child.returncode else ''}")
    print(f"{'  its peak memory, the whole child process (MB)':<60} {int(child.stdout.split()[-1]) / 1024:>8.0f}")
    print(f"{'  reading the buildings as it does, alone (s)':<60} {t_read:>8.2f}")


# the child: `planner measure`, then its own peak resident set (VmHWM, kB) on standard output
_MEASURE_AND_PEAK = (
    "import sys; from layers.cli import main; code = main(sys.argv[1:]); "
    "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]); sys.exit(code)"
)


def engine_on_files(n_footprints: int, repeat: int, before: str | None) -> None:
    """The engine after reading, cold, on the city read from its files as `planner measure --zones -r 500`
    reads it: in a child per code tree (ours, and `before`'s), figures compared."""
    folder = _city_folder(n_footprints)
    files = _write_city(folder, n_footprints)
    ours = os.path.join(os.path.dirname(__file__), "..")
    print(f"== engine after reading, cold: {n_footprints:,} footprints read from {files[0]}, radius 500 m, "
          f"by ward, median of {repeat}")
    runs = {}
    for name, code in (("this tree", ours), ("before", before)):
        if code is None:
            continue
        load = _load()
        child = subprocess.run([sys.executable, "-c", _ENGINE_COLD, str(repeat), *map(str, files)],
                               capture_output=True, text=True, cwd=code,
                               env={**os.environ, "PYTHONPATH": os.path.abspath(code)})
        if child.returncode:
            print(f"  {name} ({code}): failed: {child.stderr.strip()[-400:]}")
            continue
        runs[name] = json.loads(child.stdout.splitlines()[-1])
        times = runs[name]["times"]
        print(f"  {name:<10} {os.path.abspath(code)}")
        for j, stage in enumerate(("footprints ready (s)", "catchment of the stations (s)",
                                   "measure_catchment, by ward, exact distance (s)")):
            print(f"    {stage:<48} {statistics.median(t[j] for t in times):>8.3f}   "
                  f"runs: {' '.join(f'{t[j]:.3f}' for t in times)}")
        print(f"    {'engine after reading, cold (s)':<48} {statistics.median(sum(t[:3]) for t in times):>8.3f}   "
              f"({load} before, {_load()} after)")
        print(f"    {'  its processor time, both threads (s)':<48} {statistics.median(t[3] for t in times):>8.3f}   "
              f"(less sensitive to the load than the time; least {min(t[3] for t in times):.3f})")
    if len(runs) == 2:
        worst, where = _worst_difference(runs["this tree"]["figures"], runs["before"]["figures"])
        print(f"  figures, total and by ward: {'the same' if worst <= 1e-12 else 'DIFFERENT'} "
              f"(largest relative difference {worst:.1e}{' at ' + where if where else ''}; counts exact)")


def _worst_difference(a, b, where: str = "") -> tuple[float, str]:
    """The largest relative difference between two nested figures (inf where a count or a key differs)."""
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return math.inf, where
        return max((_worst_difference(a[k], b[k], f"{where}/{k}") for k in a), default=(0.0, ""))
    if isinstance(a, int) and isinstance(b, int):
        return (0.0, "") if a == b else (math.inf, where)
    if a == b:
        return 0.0, ""
    return abs(a - b) / max(abs(a), abs(b)), where


# the child: a city read from files as `planner measure` reads it, then the catchment at 500 m made and
# measured cold `repeat` times (footprints made ready, the stations' catchment and its definition,
# measure_catchment by ward with the exact distance); on standard output one JSON line: the times
# (ready, catchment, measure, processor time) of each run, and the last run's figures
_ENGINE_COLD = """
import json, sys, time
from layers.analysis.coverage import FeatureSet, PopulationGrid, Within, catchment, measure_catchment
from layers.analysis.coverage.shapes import geometries
from layers.cli import build_session
repeat, files = int(sys.argv[1]), sys.argv[2:]
session = build_session(files, [f"{files[0]}=building", f"{files[1]}=metro_station"])
city = session.city()
stations = geometries(city.features("metro_station"))
layer = city.layers["building"][0]
grid = city.population
times = []
for _ in range(repeat):
    frame = layer.counted_in_crs(city.crs, city.use_filters)
    c0, t0 = time.process_time(), time.perf_counter()
    features = FeatureSet.from_frame(frame)
    t1 = time.perf_counter()
    zone = catchment(stations, 500.0, city.study_area, quad_segs=city.quad_segs, crs=city.crs)
    within = Within.of(stations, 500.0, city.quad_segs)
    t2 = time.perf_counter()
    fresh = PopulationGrid(grid.values, grid.transform, grid.crs, grid.regions_crs)
    result = measure_catchment(zone, city.study_area, city.crs, fresh, {"buildings": features}, zones=city.zones,
                               zone_name_field="zone", within=within)
    times.append((t1 - t0, t2 - t1, time.perf_counter() - t2, time.process_time() - c0))
figures = {"area_m2": result.area_m2, "population": result.population, **result.features["buildings"],
           "by_ward": {str(zone): {k: (int(v) if k.startswith("count") else float(v)) for k, v in row.items()}
                       for zone, row in result.zones.to_dict("index").items()}}
print(json.dumps({"times": times, "figures": figures}))
"""


def _city_folder(n_footprints: int) -> Path:
    return Path(tempfile.gettempdir()) / f"planner-bench-city-{n_footprints}"


def _write_city(folder: Path, n_footprints: int) -> list[Path]:
    """The synthetic city as files (once per size; kept in the temporary folder), made again from
    the seed after the in-process figures (writing holds memory the measure must not be charged)."""
    import rasterio

    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "buildings.gpkg", folder / "stations.gpkg", folder / "city_boundary.gpkg",
             folder / "wards.gpkg", folder / "population.tif"]
    if all(f.exists() for f in files):
        return files
    grid, study, stations, footprints, wards = build(n_footprints)
    gpd.GeoDataFrame(geometry=footprints, crs=UTM).to_file(files[0], layer="buildings", engine="pyogrio",
                                                           use_arrow=True)
    gpd.GeoDataFrame(geometry=stations, crs=UTM).to_file(files[1], layer="metro_stations")
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[study], crs=UTM).to_file(files[2], layer="city_boundary")
    wards.to_file(files[3], layer="wards")
    rows, cols = grid.shape
    with rasterio.open(files[4], "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float64",
                       crs=UTM, transform=grid.transform, nodata=-1) as out:
        out.write(grid.values, 1)
    return files


def check_subset(grid, zone, n_footprints, features) -> None:
    cx, cy = X0 + WIDTH / 2, Y0 + HEIGHT / 2
    sub = shapely.box(cx - 6000, cy - 6000, cx + 6000, cy + 6000)
    sub_zone = shapely.intersection(zone, sub)
    footprints = build(n_footprints)[3]  # the shapely footprints again, from the seed
    t = time.perf_counter()
    ref_people = population_brute_force(grid, sub_zone)
    cand = footprints[shapely.intersects(footprints, sub)]
    del footprints
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
