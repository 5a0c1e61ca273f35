"""Benchmark: what reading a file as untrusted costs on top of reading it.

Writes a GeoJSON of N building footprints (lon/lat, Hanoi) to a temporary folder and times, each
the median of R runs: the content check (`layers.io.formats.check_content`, whose `crs` member scan
reads every byte), the check of a format's parts, and the whole `read_vector`, which includes them.
The target: the checks under 10 % of the read.

    .venv/bin/python bench/bench_untrusted_read.py [--features 200000] [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _footprints(path: Path, n: int) -> None:
    rng = np.random.default_rng(22)
    x, y = 105.78 + rng.random(n) * 0.1, 20.98 + rng.random(n) * 0.1
    features = [{"type": "Feature", "properties": {"id": i, "name": f"Nhà {i}", "levels": 3},
                 "geometry": {"type": "Polygon", "coordinates": [[[a, b], [a + 1e-4, b], [a + 1e-4, b + 1e-4],
                                                                  [a, b + 1e-4], [a, b]]]}}
                for i, (a, b) in enumerate(zip(x.tolist(), y.tolist()))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))


def _median_s(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from layers.io import read_vector
    from layers.io.formats import check_content, check_parts

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "buildings.geojson"
        _footprints(path, args.features)
        size_mb = path.stat().st_size / 1e6
        check_s = _median_s(lambda: (check_content(path), check_parts(path)), args.runs)
        read_s = _median_s(lambda: read_vector(path), args.runs)
    print(f"{args.features:,} footprints, {size_mb:,.1f} MB of GeoJSON, median of {args.runs}")
    print(f"  content and parts checks  {check_s:8.3f} s")
    print(f"  read_vector (with them)   {read_s:8.3f} s")
    print(f"  checks / read             {100 * check_s / read_s:8.1f} %  (target < 10 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
