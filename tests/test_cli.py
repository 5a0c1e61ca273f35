"""`planner measure` on small files the test writes: table, CSV, JSON, errors, no Qt."""
from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from layers.cli import main

X0, Y0 = 585_000.0, 2_325_000.0
DISK_500 = math.pi * 500**2  # the true disk: catchment areas are within 1e-4 of it


@pytest.fixture
def city_files(tmp_path):
    """A 4 x 2 km city of 10 people per 100 m cell, two wards, two metro stations (one planned)."""
    boundary = gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(X0, Y0, X0 + 4000, Y0 + 2000)], crs=32648)
    wards = gpd.GeoDataFrame({"name": ["West", "East"]}, geometry=[
        shapely.box(X0, Y0, X0 + 2000, Y0 + 2000), shapely.box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000)], crs=32648)
    stations = gpd.GeoDataFrame(
        {"line": ["1", "2"], "status": ["existing", "planned"], "opening_year": [2021, 2030]},
        geometry=shapely.points([(X0 + 1000, Y0 + 1000), (X0 + 3000, Y0 + 1000)]), crs=32648,
    ).to_crs(4326)
    gpkg = tmp_path / "city.gpkg"
    boundary.to_file(gpkg, layer="city_boundary")
    wards.to_file(gpkg, layer="wards")
    stations.to_file(gpkg, layer="metro_stations")
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=40, height=20, count=1, dtype="float32", crs="EPSG:32648",
                       transform=from_origin(X0, Y0 + 2000, 100, 100), nodata=-1) as dst:
        dst.write(np.full((20, 40), 10.0, dtype="float32"), 1)
    return [str(gpkg), str(tif)]


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_as_of_year(city_files, capsys):
    code, out, err = run([*city_files, "--preset", "itdp-pnt", "--radius", "500", "--as-of", "2025", "--format", "json"], capsys)
    assert code == 0, err
    [r] = json.loads(out)
    # one existing station: a 500 m disk (64-gon) of 10 people per hectare, in a 800 ha city of 8,000
    assert r["numerator"] == pytest.approx(DISK_500 / 1000, rel=1e-4)
    assert r["denominator"] == pytest.approx(8000.0, rel=1e-12)
    assert r["value"] == pytest.approx(DISK_500 / 1000 / 8000, rel=1e-4)
    assert "32648" in r["crs"] and "straight-line" in r["method"]


def test_csv_with_ward_breakdown(city_files, capsys):
    code, out, err = run([*city_files, "-p", "itdp-pnt", "-r", "500", "--zones", "-s", "all", "-f", "csv"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    by_zone = {r["zone"]: r for r in rows}
    assert float(by_zone[""]["numerator"]) == pytest.approx(2 * DISK_500 / 1000, rel=1e-4)
    assert float(by_zone["West"]["population"]) == pytest.approx(DISK_500 / 1000, rel=1e-4)
    assert float(by_zone["East"]["population_share"]) == pytest.approx(DISK_500 / 1000 / 4000, rel=1e-4)


def test_table_and_scenario_compare(city_files, capsys):
    code, out, err = run([*city_files, "-p", "itdp-pnt", "-r", "500", "--compare", "2025", "plan-2030"], capsys)
    assert code == 0, err
    assert "gained_population" in out and "EPSG:32648" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("gained_population"))
    assert float(line.split()[-1].replace(",", "")) == round(DISK_500 / 1000)  # people, shown whole
    code, out, err = run([*city_files, "-p", "itdp-pnt"], capsys)
    assert code == 0 and "ITDP People Near Transit" in out and "value" in out


@pytest.mark.parametrize("argv, fragment", [
    (["missing.gpkg"], "missing.gpkg: file not found"),
    (["--preset", "nonsense"], "invalid choice"),
])
def test_bad_input_is_a_message_not_a_traceback(argv, fragment, capsys, tmp_path):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("planner measure: ") and fragment in err and "Traceback" not in err


def test_bad_scenario(city_files, capsys):
    code, out, err = run([*city_files, "--scenario", "someday"], capsys)
    assert code == 2 and "unknown scenario" in err


def test_python_dash_m_measures_and_imports_no_qt(city_files):
    """`python -m layers.cli` in a fresh process: the figures, and no Qt module among its imports
    (Python's own list of them, `-X importtime`)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "layers.cli", *city_files, "-p", "itdp-pnt",
                             "-f", "json"], capture_output=True, text=True,
                            cwd=str(__import__('pathlib').Path(__file__).parent.parent))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["preset"] == "itdp-pnt"
    imported = [line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert "layers.analysis.city" in imported and "numpy" in imported  # the list is there
    qt = [m for m in imported if m.split(".")[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6', 'planner_gui')]
    assert qt == []


def test_the_planner_script_ends_its_process_when_measured(city_files):
    """`planner measure` (the script's `entry`): the figures written whole, the exit code kept, and
    the process ended at once (`exit_now`) with its reader process, also when it fails and when
    the reader of its output leaves early."""
    root = str(__import__('pathlib').Path(__file__).parent.parent)
    script = "import sys\nsys.argv = ['planner', 'measure', *sys.argv[1:]]\nfrom planner_gui.app import entry\nentry()"
    done = subprocess.run([sys.executable, "-c", script, *city_files, "-p", "itdp-pnt", "-f", "json"],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["preset"] == "itdp-pnt"
    failed = subprocess.run([sys.executable, "-c", script, city_files[0] + ".missing.gpkg"], capture_output=True,
                            text=True, cwd=root)
    assert failed.returncode == 2 and "file not found" in failed.stderr and "Traceback" not in failed.stderr
    with subprocess.Popen([sys.executable, "-c", script, *city_files, "-f", "json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=root) as cut:
        cut.stdout.read(1)
        cut.stdout.close()  # `| head -c 1`
        err = cut.stderr.read().decode()
    assert cut.returncode in (0, 1) and "Traceback" not in err, err


def test_a_command_run_once_ends_its_reader_before_it_measures(city_files, capsys, monkeypatch):
    """`planner measure` as its own process (`once`): the reader process is ended once the files are
    read, before the figures are worked out; called from a script, the reader waits for the next
    call. The figures are the same either way."""
    from layers.analysis import indicators
    from layers.io import isolated

    alive_when_measuring = []
    real_evaluate = indicators.evaluate
    monkeypatch.setattr(indicators, "evaluate", lambda *a, **k: alive_when_measuring.append(len(isolated._idle))
                        or real_evaluate(*a, **k))
    args = [*city_files, "-p", "itdp-pnt", "-f", "json"]
    assert main(args, once=True) == 0
    once = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == once
    assert alive_when_measuring == [0, 1]


def test_bundled_sample_what_line_2_adds(capsys):
    from layers.session.project import SAMPLE_PROJECT

    if not SAMPLE_PROJECT.exists():
        pytest.skip("bundled sample not present")
    code, out, err = run(["-p", "itdp-pnt", "--compare", "plan-2035-without-line-2", "plan-2035",
                          "--zones", "-f", "json"], capsys)
    assert code == 0, err
    [r] = json.loads(out)
    assert r["gained_population"] > 0 and r["lost_population"] == pytest.approx(0.0, abs=1e-6)
    assert r["net_population"] == pytest.approx(r["population_b"] - r["population_a"], rel=1e-9)
    assert sum(z["gained_population"] for z in r["zones"]) == pytest.approx(r["gained_population"], rel=1e-6)
    assert "32648" in r["crs"]
