"""The sketch (layers.session.sketch) in the session: what it adds equals `planner measure --compare` on the
saved project and a GEOS brute force; undo and redo give back the figures to the last digit;
the project file keeps it and refuses a sketch that cannot be right. Cities that are not Hanoi."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from layers.analysis import jobs
from layers.analysis.indicators import evaluate
from layers.analysis.scenario import parse_scenario
from layers.cli import build_session
from layers.cli import main as cli
from layers.io import read_vector
from layers.layer import Style
from layers.session.project import ProjectError, load_project, open_project, save_project
from layers.session.sketch import Sketch, SketchError
from tests.cities import CITIES, truth, write_city

SAO_PAULO, OSLO = CITIES[1], CITIES[3]  # Web Mercator data south of the equator; lon/lat data far north


@pytest.fixture(scope="module", params=[SAO_PAULO, OSLO], ids=lambda c: c.name)
def city(request, tmp_path_factory):
    c = request.param
    gpkg, tif = write_city(c, tmp_path_factory.mktemp(c.name))
    return c, gpkg, tif


def _session(gpkg, tif):
    return build_session([str(gpkg), str(tif)])


def _unserved_points(c):
    """Two places in the city's working CRS (its UTM zone) far from its stations: the south-east."""
    t = truth(c)
    x0, y0 = t.boundary.bounds[:2]
    return [(x0 + 13500, y0 + 2500), (x0 + 14500, y0 + 5000)]


def test_the_sketch_gain_equals_planner_measure_compare_on_the_saved_project_and_geos(city, tmp_path):
    c, gpkg, tif = city
    session = _session(gpkg, tif)
    assert session.working_crs == c.utm
    for x, y in _unserved_points(c):
        session.sketch_add_station(x, y)
    a_text, b_text = session.sketch_scenarios()
    assert (a_text, b_text) == ("plan 2030 without line S1", "plan 2030")
    radius = session.radius_for("itdp-pnt")
    d = jobs.scenario_difference(session.everything(), "itdp-pnt", session.check_scenario(a_text),
                                 session.check_scenario(b_text), radius)
    assert d.gained_population > 1000 and d.lost_area_m2 == 0.0

    project = save_project(tmp_path / "city.planner.json", session)
    out = tmp_path / "compare.json"
    assert cli([str(project), "-p", "itdp-pnt", "--compare", a_text, b_text, "--zones", "-f", "json",
                "-o", str(out), "--allow-outside"]) == 0  # the city's files are in the fixture's folder
    [shown] = [row for row in json.loads(out.read_text())]
    for key in ("gained_area_m2", "gained_population", "net_population", "population_a", "population_b"):
        assert shown[key] == getattr(d, key), key  # the same number, to the last digit
    by_ward = {z["zone"]: z["gained_population"] for z in shown["zones"]}
    assert by_ward == d.zones["gained_population"].to_dict()

    # GEOS, independently: stations that count in plan 2030, buffered, unioned, clipped to the city.
    t = truth(c)
    ours = gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in _unserved_points(c)], crs=t.crs)
    base = t.stations[t.stations["opening_year"] <= 2030]
    before = shapely.union_all(base.geometry.buffer(radius, quad_segs=1024).values)  # the circles, to 2e-7
    after = shapely.union_all([before, *ours.geometry.buffer(radius, quad_segs=1024).values])
    gained = shapely.difference(after, before).intersection(t.boundary)
    assert d.gained_area_m2 == pytest.approx(gained.area, rel=1e-4)


def test_undo_restores_the_figures_to_the_last_digit_and_redo_brings_them_back(city):
    c, gpkg, tif = city
    session = _session(gpkg, tif)
    plan = parse_scenario("plan 2030")

    def people() -> float:
        return evaluate("itdp-pnt", session.everything(), 1000.0, plan).figures["population"]

    before = people()
    for x, y in _unserved_points(c):
        session.sketch_add_station(x, y)
    after = people()
    assert after > before
    assert session.undo() == "Add a station to S1"
    assert session.undo() == "Add a station to S1"
    assert session.undo() == "New sketch line S1"
    assert session.sketch.is_empty and session.sketch_layer("metro_station") is None
    assert people() == before
    for _ in range(3):
        session.redo()
    assert people() == after
    x, y = session.sketch_station_xy(0, 1)
    session.sketch_move_station(0, 1, x + 3000, y)
    moved = people()
    session.sketch_remove_station(0, 0)
    session.undo()
    assert people() == moved
    session.undo()
    assert people() == after and session.sketch_station_xy(0, 1) == (x, y)


def test_layer_operations_undo_and_redo(city):
    c, gpkg, tif = city
    session = _session(gpkg, tif)
    session.history.clear()
    names = session.layers.names()
    stations = session.layers.find("metro_stations")
    figure = lambda: evaluate("itdp-pnt", session.city(), 1000.0, None).value  # noqa: E731
    before = figure()

    session.remove_layer(stations)
    assert stations not in session.layers and session.history.undo_text() == "Remove layer 'metro_stations'"
    session.undo()
    assert session.layers.names() == names and figure() == before
    session.move_layer(stations, 0)
    session.undo()
    assert session.layers.names() == names
    style = stations.style
    session.set_style(stations, Style(stroke="#123456"))
    session.undo()
    assert stations.style == style
    session.set_role(stations, "other")
    with pytest.raises(Exception):
        figure()  # no stations: nothing to measure
    session.undo()
    assert stations.role == "metro_station" and stations.style == style and figure() == before
    session.redo()
    assert stations.role == "other"
    session.undo()
    extra = read_vector(gpkg, "green_spaces")
    session.add_layer(extra)
    session.undo()
    assert extra not in session.layers
    session.redo()
    assert extra in session.layers


def test_the_project_keeps_the_sketch_and_modified_follows_the_work(city, tmp_path):
    c, gpkg, tif = city
    session = _session(gpkg, tif)
    session.mark_saved()
    [(x, y), _] = _unserved_points(c)
    session.sketch_add_station(x, y)
    assert session.modified
    session.sketch_set_station(0, 0, "Praça Nova", "under_construction", 2028, line=("Linha 20 - Rosa", "planned", 2030))
    with pytest.raises(ValueError):  # a status no layer knows: nothing changed, the station neither
        session.sketch_set_station(0, 0, "Praça Velha", "existing", 2028, line=("Linha 20", "dreamt of", 2030))
    path = save_project(tmp_path / "p.planner.json", session)
    again, problems = open_project(path, allow_outside=True)
    assert problems == [] and not again.modified and not again.history.can_undo()
    assert again.sketch == session.sketch
    station = again.sketch_layer("metro_station").gdf.iloc[0]
    assert (station["name"], station["status"], station["opening_year"], station["line"]) == \
        ("Praça Nova", "under_construction", 2028, "S1")
    line = again.sketch.lines[0]
    assert (line.name, line.status, line.opening_year) == ("Linha 20 - Rosa", "planned", 2030)


@pytest.mark.parametrize("change, message", [
    (lambda s: s["lines"][0]["stations"][0].update(x=float("nan")), "coordinates must be finite"),
    (lambda s: s["lines"][0]["stations"][0].update(status="maybe"), "status must be one of"),
    (lambda s: s["lines"][0]["stations"][0].update(opening_year="2030"), "opening year must be a year"),
    (lambda s: s["lines"][0].update(line="2"), "line must be a new code S1"),
    (lambda s: s.update(crs="EPSG:999999"), "sketch.crs is not a CRS"),
])
def test_a_sketch_that_cannot_be_right_is_refused_naming_the_value(tmp_path, change, message):
    sketch = Sketch().with_new_line("EPSG:32723", "planned", 2030).with_station(0, 330_000.0, 7_390_000.0)
    data = sketch.to_dict()
    change(data)
    with pytest.raises(SketchError, match=message):
        Sketch.from_dict(data)
    path = tmp_path / "bad.planner.json"
    path.write_text(json.dumps({"format": "planner-project", "version": 2, "layers": [], "sketch": data}),
                    encoding="utf-8")
    with pytest.raises(ProjectError, match=message):
        load_project(path)


def test_scenarios_leave_out_several_things():
    scenario = parse_scenario("plan 2035 without line 2 without line S1,S2")
    assert scenario.excluded == (("line", ("2",)), ("line", ("S1", "S2")))
    assert scenario.name == "plan 2035 without line 2 without line S1, S2"
