"""What `planner measure` prints for people to read: shares as per cent everywhere (headline, zones,
figures), people as whole numbers, methods with one level of parentheses, comparisons sorted by
gain with the zones that do not change left out and counted, progress on standard error only,
and `planner --help` listing the commands without importing Qt."""
from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import layers.progress_line
from layers.analysis.presets import PRESETS, STRAIGHT
from layers.analysis.network.catchment import method_text
from layers.cli import main
from layers.progress_line import AFTER_S, EVERY_S, ProgressLine
from layers.text import figure_text, share_text

ROOT = Path(__file__).resolve().parents[1]
X0, Y0 = 500_000.0, 6_640_000.0  # UTM 35N (near Helsinki): not Hanoi
CRS = 32635
PER_CELL = 7.0  # people per 100 m cell
STATIONS = [  # x, y, status: one existing in West; planned ones in Centre (whole disk) and East (cut by the city's edge)
    (X0 + 1000, Y0 + 1000, "existing"), (X0 + 3000, Y0 + 1000, "planned"), (X0 + 5800, Y0 + 1000, "planned")]


@pytest.fixture
def three_wards(tmp_path):
    """A 6 x 2 km city of three 2 km wards and a population grid of PER_CELL people per 100 m cell."""
    city = shapely.box(X0, Y0, X0 + 6000, Y0 + 2000)
    wards = gpd.GeoDataFrame({"name": ["West", "Centre", "East"]}, geometry=[
        shapely.box(X0 + 2000 * i, Y0, X0 + 2000 * (i + 1), Y0 + 2000) for i in range(3)], crs=CRS)
    stations = gpd.GeoDataFrame({"line": ["1", "2", "2"], "status": [s for *_, s in STATIONS],
                                 "opening_year": [2020, 2031, 2031]},
                                geometry=shapely.points([(x, y) for x, y, _ in STATIONS]), crs=CRS)
    gpkg = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[city], crs=CRS).to_file(gpkg, layer="city_boundary")
    wards.to_file(gpkg, layer="wards")
    stations.to_file(gpkg, layer="metro_stations")
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=60, height=20, count=1, dtype="float32", crs=f"EPSG:{CRS}",
                       transform=from_origin(X0, Y0 + 2000, 100, 100), nodata=-1) as dst:
        dst.write(np.full((20, 60), PER_CELL, dtype="float32"), 1)
    return [str(gpkg), str(tif)], city, wards


def people_in(area_m2: float) -> float:
    return area_m2 / 10_000 * PER_CELL


TOLERANCE = 1e-4  # the engine's catchments are within this share of the true circles' area (coverage/within.py)


def disk(x, y, radius_m=500.0):
    """The true circle of one station's catchment, to 1e-6 of its area (1,024 segments a quarter)."""
    return shapely.Point(x, y).buffer(radius_m, quad_segs=1024)


def close(shown: str, expected: float, rounding: float) -> bool:
    """A printed figure is the expected one, within the engine's tolerance and the printed rounding."""
    return abs(number(shown) - expected) <= rounding + TOLERANCE * abs(expected)


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def zone_table(out: str, column: str) -> list[str]:
    """The lines of the zone table, from its header (the line naming `column`) on."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if column in line.split())
    return lines[start:]


def number(text: str) -> float:
    return float(text.replace(",", "").replace("+", "").replace("%", "").strip())


def test_figure_text_shows_each_kind_of_figure_one_way():
    assert figure_text(0.104602, "population_share") == "10.46 %" == share_text(0.104602)
    assert figure_text(0.0131, "area_share") == "1.31 %"
    assert figure_text(0.8, "walking_to_straight_line_population") == "80.00 %"  # a ratio: a share
    assert figure_text(842_685.639, "population") == "842,686"
    assert figure_text(8_056_097.498, "study_population") == "8,056,097"
    assert figure_text(1_087_866.627, "population_a") == "1,087,867"
    assert figure_text(258_841.207, "net_population") == "+258,841"
    assert figure_text(-5.6, "delta_population") == "-6"
    assert figure_text(1204, "count_intersecting") == "1,204"
    assert figure_text(43_948_715.22, "area_m2") == "43,948,715.220"
    assert figure_text(None, "population_share") == "-" and figure_text(float("nan"), "population") == "-"
    assert figure_text("straight line", "distance") == "straight line"


def test_headline_zones_and_figures_print_shares_as_per_cent_and_people_whole(three_wards, capsys):
    files, city, wards = three_wards
    out = run([*files, "-p", "itdp-pnt", "-r", "500", "-s", "existing", "--zones"], capsys)
    west = disk(*STATIONS[0][:2])
    reached, total = people_in(west.area), people_in(city.area)
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    value, unit = lines["value"].split()[1:3]
    assert unit == "%" and re.fullmatch(r"\d+\.\d\d", value) and close(value, 100 * reached / total, 0.005)
    assert lines["population_share"].split()[1:] == [value, "%"]
    assert close(lines["numerator"].split()[1], reached, 0.5)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", lines["population"].split()[1])  # whole people
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", lines["denominator"].split()[1])
    table = zone_table(out, "total_population")
    header = table[0].split()
    rows = {line.split()[0]: line.split() for line in table[2:] if line.strip()}
    for ward in wards.itertuples():
        row = rows[ward.name]
        values = dict(zip(header, [row[1], row[2], " ".join(row[3:5]), row[5], row[6], " ".join(row[7:9])]))
        share = west.intersection(ward.geometry).area / ward.geometry.area
        for column in ("area_share", "population_share"):
            assert re.fullmatch(r"\d+\.\d\d %", values[column]) and close(values[column], 100 * share, 0.005)
        assert close(values["population"], people_in(west.intersection(ward.geometry).area), 0.5)
        assert "." not in values["population"] and "." not in values["total_population"]


def test_a_comparison_lists_the_zones_by_gain_and_counts_those_left_out(three_wards, capsys):
    files, city, wards = three_wards
    out = run([*files, "-p", "itdp-pnt", "-r", "500", "--zones", "--compare", "existing", "all"], capsys)
    by_name = {w.name: w.geometry for w in wards.itertuples()}
    gained = {"Centre": people_in(disk(*STATIONS[1][:2]).area),
              "East": people_in(disk(*STATIONS[2][:2]).intersection(city).area)}
    assert gained["Centre"] > gained["East"] > 0
    table = zone_table(out, "delta_population")
    header = table[0].split()
    rows = [line.split() for line in table[2:] if line.strip() and not line.strip().startswith("(")]
    assert [r[0] for r in rows] == ["Centre", "East"]  # most gained first; West gains and loses nothing
    for row in rows:
        figures = dict(zip(header, row[1:]))
        assert close(figures["gained_population"], gained[row[0]], 0.5)
        assert figures["delta_population"].startswith("+")
        station = STATIONS[["West", "Centre", "East"].index(row[0])]
        assert close(figures["gained_area_m2"], disk(*station[:2]).intersection(by_name[row[0]]).area, 0.0005)
    assert "(1 of 3 zones left out: nothing gained or lost there)" in out
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("  ") and
             "population" in line.split()[0]}
    assert close(lines["gained_population"], sum(gained.values()), 0.5)
    assert lines["net_population"].startswith("+") and "." not in lines["population_b"]


def test_json_and_csv_keep_every_zone_and_digit(three_wards, capsys):
    files, *_ = three_wards
    [result] = json.loads(run([*files, "-p", "itdp-pnt", "-r", "500", "--zones", "--compare", "existing", "all",
                               "-f", "json"], capsys))
    assert [z["zone"] for z in result["zones"]] == ["West", "Centre", "East"]
    assert result["gained_population"] != round(result["gained_population"])  # fractional people, as computed


def parenthesis_depth(text: str) -> int:
    depth = deepest = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        deepest = max(deepest, depth)
    assert depth == 0, text
    return deepest


@pytest.mark.parametrize("preset", list(PRESETS))
def test_methods_keep_to_one_level_of_parentheses(preset):
    method = PRESETS[preset].method.format(radius="1000")
    assert parenthesis_depth(method) <= 1, method
    walking = method.replace(STRAIGHT, method_text(1000, 50, 1000, "helsinki.osm.pbf, 2024-05-01, ODbL",
                                                   "EPSG:32635 (WGS 84 / UTM zone 35N)"))
    assert parenthesis_depth(walking) <= 1, walking
    if PRESETS[preset].radius_m:
        assert "straight-line" in method and "by walking distance" in walking


def test_the_measured_method_has_one_level_of_parentheses(three_wards, capsys):
    files, *_ = three_wards
    [result] = json.loads(run([*files, "-p", "itdp-pnt", "-f", "json"], capsys))
    assert parenthesis_depth(result["method"]) == 1 and "straight-line" in result["method"]


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self, step_s: float = 0.0):
        self.now, self.step_s = 100.0, step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def test_progress_shows_only_after_two_seconds_and_at_most_twice_a_second():
    clock, stream = Clock(), Terminal()
    line = ProgressLine("planner measure", stream, clock)
    line.step("reading city.gpkg")
    clock.now += AFTER_S - 0.1
    line(0.5)
    assert stream.getvalue() == ""  # a short run shows nothing
    clock.now += 0.2
    line(0.6)
    assert stream.getvalue() == "\rplanner measure: reading city.gpkg: 60 %, 2 s"
    clock.now += EVERY_S / 2
    line(0.7)
    line.tick()
    assert stream.getvalue().count("\r") == 1  # not rewritten sooner than EVERY_S
    clock.now += EVERY_S
    assert line.tick() is False  # stands as a reader's cancelled() check
    assert stream.getvalue().endswith("\rplanner measure: reading city.gpkg: 70 %, 3 s")
    line.step("itdp-pnt, 1 of 2")  # a new step is shown at once, over the longer line before
    last = stream.getvalue().split("\r")[-1]
    assert last.rstrip() == "planner measure: itdp-pnt, 1 of 2, 3 s"
    assert len(last) == len("planner measure: reading city.gpkg: 70 %, 3 s")  # the old text blanked out
    line.done()
    assert stream.getvalue().endswith("\r" + " " * len(last.rstrip()) + "\r")


def test_no_progress_when_standard_error_is_not_a_terminal():
    clock, stream = Clock(step_s=10.0), io.StringIO()
    line = ProgressLine("planner measure", stream, clock)
    for fraction in (0.1, 0.5, 1.0):
        line(fraction)
    line.done()
    assert stream.getvalue() == ""


def test_a_long_measure_shows_progress_on_standard_error_and_nothing_on_standard_output(three_wards, monkeypatch,
                                                                                         capsys):
    """A clock that moves 1 s each time it is read: the run 'takes' long, with no waiting."""
    files, *_ = three_wards
    monkeypatch.setattr(layers.progress_line, "time", SimpleNamespace(monotonic=Clock(step_s=1.0)))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*files, "-p", "itdp-pnt", "-p", "sdg-11.2.1", "-r", "500", "-f", "json"]) == 0, terminal.getvalue()
    out = capsys.readouterr().out
    assert [r["preset"] for r in json.loads(out)] == ["itdp-pnt", "sdg-11.2.1"]
    err = terminal.getvalue()
    assert "\rplanner measure: reading population.tif" in err and "\rplanner measure: itdp-pnt, 1 of 2" in err
    assert "\rplanner measure: sdg-11.2.1, 2 of 2" in err
    assert err.endswith("\r") and "\r" not in out  # cleared at the end; standard output untouched


def test_planner_help_lists_the_commands_without_qt():
    script = ("import sys\nfrom planner_gui.app import main\ntry:\n    code = main(['--help'])\nexcept SystemExit as e:\n"
              "    code = e.code\nqt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')]\n"
              "print('QT', qt, code)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "QT [] 0" in result.stdout, result.stderr
    assert re.search(r"commands:\n\s+planner measure\b", result.stdout)
    assert "planner measure --help" in result.stdout
    measure = subprocess.run([sys.executable, "-c", script.replace("['--help']", "['measure', '--help']")],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "QT [] 0" in measure.stdout and "--allow-outside" in measure.stdout


def test_the_independent_circle_is_the_true_one():
    """The figure the tests above compare with: a 500 m circle of PER_CELL people a hectare."""
    assert people_in(disk(0, 0).area) == pytest.approx(math.pi * 500**2 / 1e4 * PER_CELL, rel=1e-6)


def test_the_zone_table_is_laid_out_as_pandas_lays_it_out():
    """`text_table` (the zone table of `planner measure`, without pandas' formatter) gives what
    `DataFrame.to_string()` gives for the same texts: random tables of ward names in Vietnamese,
    figures with units, empty texts, names longer and shorter than their values."""
    import random

    import pandas as pd

    from layers.text import text_table

    rng = random.Random(25)
    texts = ["Ba Đình", "Hoàn Kiếm", "x", "Phường Cầu Giấy mới", "12", "", "1,234 m²", "100.0 %", "—", "n/a"]
    for _ in range(300):
        columns = {f"c{j}" + "_" * rng.randint(0, 15): [rng.choice(texts) for _ in range(rows)]
                   for rows in [rng.randint(1, 6)] for j in range(rng.randint(1, 5))}
        index = [rng.choice(texts) + str(i) for i in range(len(next(iter(columns.values()))))]
        name = rng.choice(["zone", "z", "a zone's name, long"])
        assert text_table(name, index, columns) == pd.DataFrame(columns, index=pd.Index(index, name=name)).to_string()
