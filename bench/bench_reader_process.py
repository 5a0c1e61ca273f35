"""What reading in a process that can be stopped costs (layers.io.isolated), beside its floor.

N building footprints (rectangles, as bench_coverage writes them) in a GeoPackage, then, each
the median of --repeat runs, with the machine's load average:

- the floor: GDAL's Arrow stream of the layer read in this process (`pyogrio.read_arrow`), which
  is what the reader process does, without the process;
- the same through a reader process already started (the app's and planner measure's case once
  a read has begun: idle readers wait for the next), and through a new one (its Python start and
  imports included: the first read of a run);
- `read_counted`, all of what planner measure does to the footprints (checks, arrays), through
  the reader process.

CPU seconds are given beside wall seconds, the reader processes' included (the figures are
Linux's, from /proc): on a shared machine the wall time of a figure taken under load is mostly
waiting.

    python bench/bench_reader_process.py [--footprints 1000000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from layers.io import isolated, read_counted
from layers.io.isolated import ReaderProcess, ReadLimits


def _footprints(path: Path, n: int) -> None:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(570_000, 640_000, n), rng.uniform(2_290_000, 2_360_000, n)
    w, h = rng.uniform(8, 30, n), rng.uniform(8, 30, n)
    gpd.GeoDataFrame({"floors": rng.integers(1, 30, n)}, geometry=shapely.box(x, y, x + w, y + h),
                     crs="EPSG:32648").to_file(path, layer="buildings", engine="pyogrio")


_living: list[ReaderProcess] = []  # the reader processes started here that are still running


def _cpu_s() -> float:
    """CPU seconds of this process, of its children that have ended and of the reader processes
    still running (their /proc/PID/stat utime and stime)."""
    own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    running = 0
    for reader in _living + isolated._idle:
        if reader._proc is not None and reader._proc.poll() is None:
            fields = Path(f"/proc/{reader._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            running += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + running


def _timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `fn()` (CPU: its reader process's included, once it has ended)."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = _cpu_s(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu_s() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / f"planner-bench-reader-{args.footprints}.gpkg"
    if not path.exists():
        _footprints(path, args.footprints)
    source = str(path)

    def floor():
        pyogrio.read_arrow(source, layer="buildings")

    def warm():
        reader.arrow_table(source, "buildings")

    def cold():
        fresh = ReaderProcess(ReadLimits())
        try:
            fresh.arrow_table(source, "buildings")
        finally:
            fresh.close()  # waited for: its CPU counts

    reader = ReaderProcess(ReadLimits())
    reader.layers(source)  # started, imports done
    _living.append(reader)
    rows = [("GDAL's Arrow stream in this process (the floor)", floor),
            ("  through a reader process already started", warm),
            ("  through a new reader process (start included)", cold),
            ("read_counted: the footprints as planner measure reads them", lambda: read_counted(path))]
    print(f"{args.footprints:,} footprints, {path.stat().st_size / 2**20:,.0f} MB GeoPackage, "
          f"median of {args.repeat}")
    for title, fn in rows:
        load = os.getloadavg()[0]
        wall, cpu = _timed(fn, args.repeat)
        print(f"{title:<62} {wall:>7.2f} s wall {cpu:>7.2f} s CPU   (load {load:.1f})")
    reader.close()


if __name__ == "__main__":
    main()
