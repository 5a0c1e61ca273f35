"""From file to figure: `planner measure --zones` on N synthetic footprints, GeoPackage and GeoParquet,
beside the floor (what no reader can beat) and the naive geopandas reference.

The city is bench_coverage.py's (N 8-30 m footprints denser towards the centre, 100 stations, a
686 x 662 grid of 100 m cells, 126 wards, in UTM 48N), written once per size to the temporary folder:
the buildings as a GeoPackage and as a GeoParquet file, the rest as GeoPackages and a GeoTIFF.
Every figure is taken in a fresh process (`python -c`), so each pays its own interpreter start and
imports, as a planner does:

* **planner measure --zones** (both presets the data allows, as without --preset), run --repeat
  times (3; the median run printed, and the range: a single run varies by a tenth here): the child's
  wall time seen from here, and its peak resident set (VmHWM, read by the child itself), beside
  that of the reader process it reads the files in (`layers.io.isolated`: GDAL, and the parsing
  of the footprints' WKB; getrusage's peak of the children, which the command ends once the files
  are read), and their sum; the processor time of each (user and system), which a loaded machine
  inflates much less than the wall time. The command's memory is the peak of the two processes'
  memory at the same moment (`together_peak_mb`: PSS, shared library pages counted once), in a
  second run, sampled from here.
* **the floor**: reading the file's bytes (8 MB reads, once: the page cache is as the run before
  left it, warm after writing), and GDAL / pyarrow handing over every feature's WKB as Arrow,
  streamed in batches of the reader's size and dropped as they come (`pyogrio.open_arrow` for the
  GeoPackage, pyarrow's `ParquetFile.iter_batches` for GeoParquet; a whole table at once, as
  `read_arrow` or `ParquetFile.read` make it, took up to twice as long: its memory is all fresh):
  the time of those calls alone, and of the whole child process.
* **the naive geopandas reference**: `geopandas.read_file` / `read_parquet`, buffer and union the
  stations, clip to the study area and the wards, `sjoin` intersects for the footprints (count, by
  centroid, area inside) and for the population cells (exact fractional cells): the same figures
  measured the obvious way, whole child process. Its totals are printed beside planner's (counts
  on the polygon, planner's by the exact distance: they may differ by the few footprints within
  centimetres of the circles).

The machine's load average is printed with every figure: on a shared machine a figure measured
under load is slower than the code.

    python bench/bench_file_to_figure.py [--footprints 1000000 4000000] [--radius 500] [--no-naive] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_coverage import UTM, _city_folder, _load, _write_city, build, compile_project  # noqa: E402

from layers.analysis.coverage import MEASURE_QUAD_SEGS  # noqa: E402
from layers.io.sources import COUNTED_BATCH  # noqa: E402
from layers.process_environment import set_up_process  # noqa: E402

# Each child prints one JSON line last: what it timed itself, and its own peak resident set: VmHWM,
# which starts afresh with the child's own address space at exec (getrusage's ru_maxrss would keep the
# pages of the parent it was forked from, a gigabyte once the parent has made the footprints).
_PEAK = ("peak_mb = next(int(line.split()[1]) for line in open('/proc/self/status') "
         "if line.startswith('VmHWM')) / 1024")

_MEASURE = f"""
import sys
from layers.cli import main
code = main(sys.argv[1:], once=True)  # as the planner script runs it
{_PEAK}
from layers.io import isolated
isolated.close_idle()  # the readers end and are waited for: their peak and processor time are counted below
import resource
own, readers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
import json; print(json.dumps({{"code": code, "peak_mb": peak_mb, "reader_mb": readers.ru_maxrss / 1024,
                               "cpu_s": own.ru_utime + own.ru_stime,
                               "reader_cpu_s": readers.ru_utime + readers.ru_stime}}))
from layers.cli import exit_now
exit_now(0)  # as the command's own process ends: no teardown of the imports
"""

_BYTES = f"""
import json, sys, time
t = time.perf_counter()
size = 0
with open(sys.argv[1], "rb", buffering=0) as f:
    while chunk := f.read(8 << 20):
        size += len(chunk)
seconds = time.perf_counter() - t
{_PEAK}
print(json.dumps({{"seconds": seconds, "bytes": size, "peak_mb": peak_mb}}))
"""

_ARROW = f"""
import json, sys, time
sys.modules.update(dict.fromkeys(("geopandas", "pandas", "shapely", "pyproj")))  # as the reader: pyogrio would import them
path, batch_size = sys.argv[1], int(sys.argv[2])
if path.endswith(".parquet"):
    import pyarrow.parquet as pq
    t = time.perf_counter()
    rows = sum(batch.num_rows for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size))
else:
    import pyogrio
    t = time.perf_counter()
    with pyogrio.open_arrow(path, use_pyarrow=True, batch_size=batch_size) as (_, batches):
        rows = sum(batch.num_rows for batch in batches)
seconds = time.perf_counter() - t
{_PEAK}
print(json.dumps({{"seconds": seconds, "rows": rows, "peak_mb": peak_mb}}))
"""

_NAIVE = f"""
import json, sys, time
import geopandas as gpd, numpy as np, pandas as pd, rasterio, shapely
buildings, stations, boundary, wards, population, radius, quad_segs = sys.argv[1:]
t = time.perf_counter()
feats = gpd.read_parquet(buildings) if buildings.endswith(".parquet") else gpd.read_file(buildings)
study = gpd.read_file(boundary).union_all()
zone = gpd.read_file(stations).buffer(float(radius), quad_segs=int(quad_segs)).union_all().intersection(study)
ward = gpd.read_file(wards)
pieces = ward.geometry.intersection(study).intersection(zone)
regions = gpd.GeoDataFrame({{"region": np.arange(len(ward) + 1)}}, geometry=[zone, *pieces], crs=ward.crs)
with rasterio.open(population) as src:
    people, tr = src.read(1), src.transform
people = np.where(people < 0, 0.0, people)
rr, cc = np.divmod(np.arange(people.size), people.shape[1])
cells = gpd.GeoDataFrame({{"people": people.ravel()}}, crs=ward.crs, geometry=shapely.box(
    tr.c + cc * tr.a, tr.f + (rr + 1) * tr.e, tr.c + (cc + 1) * tr.a, tr.f + rr * tr.e))
joined = gpd.sjoin(cells, regions, predicate="intersects")
inside = shapely.area(shapely.intersection(joined.geometry.values, regions.geometry.values[joined["index_right"]]))
in_people = (joined["people"] * inside / abs(tr.a * tr.e)).groupby(joined["region"]).sum()
hits = gpd.sjoin(feats, regions, predicate="intersects")
area = shapely.area(shapely.intersection(hits.geometry.values, regions.geometry.values[hits["index_right"]]))
by_centroid = gpd.sjoin(gpd.GeoDataFrame(geometry=feats.centroid), regions, predicate="intersects")
total = {{"population": float(in_people.get(0, 0.0)),
          "count_intersecting": int((hits["region"] == 0).sum()),
          "count_by_centroid": int((by_centroid["region"] == 0).sum()),
          "area_inside_m2": float(area[hits["region"].to_numpy() == 0].sum())}}
seconds = time.perf_counter() - t
{_PEAK}
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "total": total}}))
"""


def together_peak_mb(script: str, *argv: str, every_s: float = 0.01) -> float:
    """The peak of the memory of `script`'s process and its children (the reader) at the same
    moment, in a run of its own: their proportional set sizes (PSS: a page the two share, the
    libraries both load, counted once, split between them), summed and sampled every `every_s`
    from /proc. The sum of each process's own peak (VmHWM) is an upper bound of it: peaks at
    different moments, shared pages counted in both."""
    proc = subprocess.Popen([sys.executable, "-c", script, *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, sum(_pss_kb(pid) for pid in _tree(proc.pid)))
        time.sleep(every_s)
    if proc.returncode:
        raise SystemExit(f"child failed ({' '.join(argv[:1])}), exit {proc.returncode}")
    return peak_kb / 1024


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, as /proc lists them now."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids += [p for child in task.read_text().split() for p in _tree(int(child))]
        except OSError:  # the thread or the process ended meanwhile
            pass
    return pids


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # ended meanwhile
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


def child(script: str, *argv: str) -> tuple[float, dict, str]:
    """Run `script` in a fresh interpreter: (its wall time, its last JSON line, the load before)."""
    load = _load()
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"child failed ({' '.join(argv[:1])}): {done.stderr.strip()[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1]), load


def geoparquet(folder: Path, n_footprints: int) -> Path:
    """The footprints as GeoParquet (WKB geometry column, GeoParquet metadata), made once per size."""
    import geopandas as gpd

    path = folder / "buildings.parquet"
    if not path.exists():
        footprints = build(n_footprints)[3]
        gpd.GeoDataFrame(geometry=footprints, crs=UTM).to_parquet(path)
    return path


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<62} {value:>8}   {note}")


def _spread(values: list[float], fmt: str, unit: str) -> str:
    """'median of N runs, fastest-slowest: ...; ' where there are several (a single run of a command
    of a second or two varies by a tenth on this machine)."""
    if len(values) < 2:
        return ""
    return f"median of {len(values)} runs, {min(values):{fmt}}-{max(values):{fmt}} {unit}; "


def run(n_footprints: int, radius: float, naive: bool, repeat: int) -> None:
    folder = _city_folder(n_footprints)
    files = _write_city(folder, n_footprints)
    gpkg, stations, boundary, wards, population = files
    parquet = geoparquet(folder, n_footprints)
    print(f"{n_footprints:,} footprints, radius {radius:g} m ({folder})")
    for buildings in (gpkg, parquet):
        kind = "GeoParquet" if buildings.suffix == ".parquet" else "GeoPackage"
        out = folder / f"out-{kind}.json"
        argv = [str(buildings), str(stations), str(boundary), str(wards), str(population), "--zones",
                "--radius", f"{radius:g}", "--format", "json", "--output", str(out), "--overwrite-read-only",
                "--role", f"{buildings}=building", "--role", f"{stations}=metro_station"]
        print(f" {kind}: {buildings.stat().st_size / 1e6:,.0f} MB of buildings")
        runs = [child(_MEASURE, *argv) for _ in range(repeat)]
        wall, measured, load = sorted(runs, key=lambda run: run[0])[(repeat - 1) // 2]  # the median run
        row("planner measure --zones, whole command (s)", f"{wall:.2f}",
            f"{_spread([run[0] for run in runs], '.2f', 's')}exit {measured['code']}; {load}")
        row("  its processor time, and its reader process's (s)",
            f"{measured['cpu_s']:.2f}", f"reader {measured['reader_cpu_s']:.2f} s (on a loaded machine the wall "
                                         "time grows, these much less)")
        row("  its peak memory (MB)", f"{measured['peak_mb']:.0f}",
            f"its reader process's (it reads and parses the files) {measured['reader_mb']:.0f} MB; "
            f"their sum {measured['peak_mb'] + measured['reader_mb']:.0f} MB (an upper bound)")
        load = _load()
        peaks = sorted(together_peak_mb(_MEASURE, *argv) for _ in range(repeat))
        row("  the command's memory at its peak, both processes (MB)", f"{peaks[(repeat - 1) // 2]:.0f}",
            f"{_spread(peaks, ',.0f', 'MB')}their PSS summed, sampled every 10 ms in runs of their own; {load}")
        wall_bytes, read, load = child(_BYTES, str(buildings))
        row("floor: the file's bytes read (s)", f"{read['seconds']:.2f}",
            f"{read['bytes'] / 1e6:,.0f} MB; whole child {wall_bytes:.2f} s; {load}")
        wall_arrow, arrow, load = child(_ARROW, str(buildings), str(COUNTED_BATCH))
        how = "pyarrow ParquetFile.iter_batches" if kind == "GeoParquet" else "pyogrio.open_arrow"
        row(f"floor: every WKB as Arrow, {how} (s)", f"{arrow['seconds']:.2f}",
            f"{arrow['rows']:,} rows; whole child {wall_arrow:.2f} s, {arrow['peak_mb']:.0f} MB; {load}")
        row("  planner measure / the Arrow floor's whole child", f"{wall / wall_arrow:.1f}x")
        if naive:
            wall_naive, ref, load = child(_NAIVE, str(buildings), str(stations), str(boundary), str(wards),
                                          str(population), f"{radius:g}", str(MEASURE_QUAD_SEGS))
            row("naive geopandas reference, whole child (s)", f"{wall_naive:.1f}",
                f"{ref['peak_mb']:.0f} MB; {load}")
            row("  planner measure is faster by", f"{wall_naive / wall:.1f}x")
            ours = next(r for r in json.loads(out.read_text()) if r["preset"] == "itdp-pnt")
            mine = ours["features"]["buildings"]
            print(f"    totals, naive / planner: people {ref['total']['population']:,.1f} / "
                  f"{ours['figures']['population']:,.1f}; intersecting {ref['total']['count_intersecting']:,} / "
                  f"{mine['count_intersecting']:,}; by centroid {ref['total']['count_by_centroid']:,} / "
                  f"{mine['count_by_centroid']:,}; area inside {ref['total']['area_inside_m2']:,.1f} / "
                  f"{mine['area_inside_m2']:,.1f} m2")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--footprints", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--radius", type=float, default=500.0)
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive geopandas reference")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the command, timed and for its memory (the median printed, and the range)")
    args = parser.parse_args()
    compile_project()
    # every child (the command, the floors, the naive reference) with the environment the planner
    # script sets up for its process: small pages, one OpenBLAS thread. On this machine a huge
    # page's first touch is slow (`layers.process_environment`): a floor left with them took up
    # to twice as long, and the comparison would be of the settings, not of the code
    set_up_process()
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU(s); load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for n in args.footprints:
        run(n, args.radius, not args.no_naive, max(1, args.repeat))
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
