"""`planner measure` imports what a command needs when it needs it: its help and a measure of a city
without a street network or a feed load no window toolkit, no cluster, no network stack, no web client,
and no GDAL (the files are opened by the reader process)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cities import CITIES, write_city, write_features

ROOT = Path(__file__).resolve().parents[1]
# what only the window, a Dask cluster, walking distance (SciPy's graphs, pyrosm), a GTFS feed or a
# download needs; and GDAL (rasterio's, pyogrio's), which only the reader process needs: it opens the files
HEAVY = ("PySide6", "shiboken6", "pyqtgraph", "dask", "distributed", "scipy", "pyrosm", "gtfs_kit",
         "requests", "urllib3", "networkx", "matplotlib", "rasterio", "pyogrio")

SCRIPT = """
import contextlib, io, json, sys
from planner_gui.app import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()}))
"""


def run(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{SCRIPT}", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("measure", "--help")], ids=["planner", "measure"])
def test_help_imports_nothing_heavy(args):
    result = run(*args)
    assert result["code"] == 0 and "usage: planner" in result["out"]
    assert result["heavy"] == []


def test_a_small_measure_imports_nothing_heavy(tmp_path):
    city = next(c for c in CITIES if c.name == "nairobi")
    gpkg, tif = write_city(city, tmp_path)
    buildings, _ = write_features(city, tmp_path)
    result = run("measure", str(gpkg), str(tif), str(buildings), "--zones", "-r", "500", "-f", "json")
    assert result["code"] == 0
    figures = json.loads(result["out"])
    assert {r["preset"] for r in figures} >= {"sdg-11.2.1", "itdp-pnt"}
    assert all(r["features"]["buildings"]["count_intersecting"] > 0 for r in figures if r["preset"] == "itdp-pnt")
    assert result["heavy"] == []


PRESTART = """
import json, sys
from layers.io import isolated
real = isolated.prestart
seen = []

def prestart(*args, **kwargs):
    seen.append(sorted({"pandas", "geopandas", "shapely"} & set(sys.modules)))
    return real(*args, **kwargs)

isolated.prestart = prestart
from layers.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "seen": seen}))
"""


def test_the_reader_starts_before_the_heavy_imports(tmp_path):
    """The reader process (Python, GDAL: over half a second) starts while `planner measure` imports
    pandas and geopandas, not after: its argument parser imports neither."""
    city = next(c for c in CITIES if c.name == "nairobi")
    gpkg, tif = write_city(city, tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", PRESTART, str(gpkg), str(tif), "-f", "json"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "seen": [[]]}, done.stderr
