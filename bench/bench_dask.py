"""Benchmark of `--engine dask`: footprints streamed from a partitioned GeoParquet dataset and
counted on a Dask LocalCluster, at 4M and 16M footprints.

The city is bench_coverage.py's kind (57.5 km x 57.5 km, UTM 48N, 100 stations on four lines,
126 wards, 8-30 m rectangles denser towards the centre, a `floor_area` field). The footprints are
made and written a chunk of 1M at a time (each chunk sorted on the Hilbert curve and cut into
files of --rows-per-file), so the 16M dataset never exists in one process. Then, timed: the
cluster started; the dataset opened (the files' GeoParquet footers: rows, kinds, bounds); the
catchment and its pieces in the 126 wards (on the client); the count (intersecting, by centroid,
area inside, floor area summed) of total + 126 wards by the workers reading the files they are
given, cold (the first) and again (the files in the OS cache, the workers warm). Peak memory:
each worker process's and the client's peak resident set (Linux VmHWM). Population is not here:
`--engine dask` counts it on the client with the in-process code (bench_coverage.py).

With --check (at most 4M), the figures are compared with the in-process engine on the whole
dataset read into this process (counts exact, the rest to 1e-9).

    python bench/bench_dask.py [--footprints 4000000 16000000] [--workers 2] [--check]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from layers.analysis.coverage import FeatureSet, catchment, polygonal, zone_geometries  # noqa: E402
from layers.analysis.distributed import dask_client, open_geoparquet, write_partitioned  # noqa: E402

UTM = "EPSG:32648"
X0, Y0, SIDE = 560_000.0, 2_300_000.0, 57_500.0
CHUNK = 1_000_000


def city(seed: int = 7):
    """Study area, stations and wards (as bench_coverage.py makes them)."""
    rng = np.random.default_rng(seed)
    study = shapely.Polygon([(X0 + 500, Y0 + 2000), (X0 + SIDE - 1500, Y0 + 300),
                             (X0 + SIDE - 400, Y0 + SIDE - 900), (X0 + 1200, Y0 + SIDE - 300)])
    cx, cy = X0 + SIDE / 2, Y0 + SIDE / 2
    angles = np.repeat(np.array([0.3, 1.1, 2.0, 2.7]), 25)
    dist = np.tile(np.cumsum(rng.uniform(700, 1500, 25)) - 9000, 4)
    stations = shapely.points(cx + dist * np.cos(angles), cy + dist * np.sin(angles))
    seeds = shapely.multipoints(rng.uniform([X0, Y0], [X0 + SIDE, Y0 + SIDE], (126, 2)))
    square = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square))
    wards = gpd.GeoDataFrame({"name": [f"W{i:03d}" for i in range(len(cells))]},
                             geometry=shapely.intersection(cells, square), crs=UTM)
    return study, stations, wards


def footprint_chunks(n: int, seed: int = 11):
    """n footprints, CHUNK at a time: 8-30 m rectangles, denser near the centre, with a floor area."""
    cx, cy = X0 + SIDE / 2, Y0 + SIDE / 2
    for i, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        rng = np.random.default_rng([seed, i])
        r, a = np.abs(rng.normal(0, SIDE / 4, m)), rng.uniform(0, 2 * np.pi, m)
        fx = np.clip(cx + r * np.cos(a), X0, X0 + SIDE - 40)
        fy = np.clip(cy + r * np.sin(a), Y0, Y0 + SIDE - 40)
        w, h = rng.uniform(8, 30, m), rng.uniform(8, 30, m)
        yield gpd.GeoDataFrame({"floor_area": w * h * rng.integers(1, 12, m)},
                               geometry=shapely.box(fx, fy, fx + w, fy + h), crs=UTM)


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run(n: int, args, root: Path) -> None:
    folder = root / f"footprints_{n}"
    t = time.perf_counter()
    files = write_partitioned(footprint_chunks(n), folder, (X0, Y0, X0 + SIDE, Y0 + SIDE), args.rows_per_file)
    size_mb = sum(f.stat().st_size for f in files) / 2**20
    print(f"\n{n:,} footprints: {len(files)} GeoParquet files of {args.rows_per_file:,}, {size_mb:,.0f} MB, "
          f"written in {time.perf_counter() - t:.1f} s (chunks of {CHUNK:,}; writer peak {_peak_mb():,.0f} MB)")
    study, stations, wards = city()
    times = {}
    _reset_peak()
    t = time.perf_counter()
    with dask_client(args.scheduler, n_workers=args.workers) as client:
        times["cluster started"] = time.perf_counter() - t
        client.run(_reset_peak)
        t = time.perf_counter()
        features = open_geoparquet(folder, UTM, client, ("floor_area",))
        times["dataset opened (footers: rows, kinds, bounds)"] = time.perf_counter() - t
        t = time.perf_counter()
        zone = catchment(stations, args.radius, study)
        clipped = zone_geometries(wards, study)
        regions = np.asarray([zone, *polygonal(shapely.intersection(clipped, zone))], dtype=object)
        times["catchment + pieces in 126 wards (client)"] = time.perf_counter() - t
        t = time.perf_counter()
        got = features.measure(regions)
        times["count, total + 126 wards: cold"] = time.perf_counter() - t
        t = time.perf_counter()
        again = features.measure(regions)
        times["count, total + 126 wards: again"] = time.perf_counter() - t
        workers = client.run(_peak_mb)
    assert again.equals(got)
    for stage, seconds in times.items():
        print(f"  {stage:<48} {seconds * 1000:>9,.0f} ms")
    print(f"  partitions read {features.partitions_read} of {len(features.partitions)}; "
          f"{features.n_features:,} footprints; {len(workers)} workers x 1 thread")
    print(f"  peak RSS per worker MB: {', '.join(f'{mb:,.0f}' for mb in workers.values())}; "
          f"client {_peak_mb():,.0f}")
    total = got.iloc[0]
    print(f"  total: {int(total['count_intersecting']):,} intersecting, {int(total['count_by_centroid']):,} by centroid, "
          f"{total['area_inside_m2']:,.1f} m2 inside, floor area {total['floor_area_sum']:,.1f} m2")
    if args.check and n <= 4_000_000:
        t = time.perf_counter()
        whole = gpd.read_parquet(folder)
        expected = FeatureSet.from_frame(whole, ["floor_area"]).measure(regions)
        for column in expected.columns:
            if column.startswith("count"):
                assert np.array_equal(got[column], expected[column]), column
            else:
                np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=1e-6, err_msg=column)
        print(f"  check: equal to the in-process engine on the whole dataset, total and 126 wards "
              f"(counts exact, rest 1e-9; in-process read + count {time.perf_counter() - t:.1f} s)")
    if not args.keep:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--footprints", type=int, nargs="+", default=[4_000_000, 16_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows-per-file", type=int, default=250_000)
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--scheduler", help="a running Dask cluster (default: a LocalCluster of processes)")
    parser.add_argument("--folder", help="where to write the datasets (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the datasets")
    parser.add_argument("--check", action="store_true", help="compare with the in-process engine (<= 4M)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU(s); load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"radius {args.radius:.0f} m")
    root = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="bench_dask_"))
    try:
        for n in args.footprints:
            run(n, args, root)
    finally:
        if not args.folder and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
