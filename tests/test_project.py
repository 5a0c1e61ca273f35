"""Project files: the whole session (layers, roles, fields, CRS, study area, analysis) survives save
and open; saving is atomic; old files open; a setting the data no longer allows is reported."""
from __future__ import annotations

import json
import shutil

import pytest

from layers.io import read_layers, write_vector
from layers.project import SAMPLE_PROJECT, ProjectError, apply_project, load_project, open_project, save_project
from layers.session import Session, StudyArea


@pytest.fixture
def session(tmp_path, stations_gdf, wards_gdf, population_tif):
    data = tmp_path / "data"
    data.mkdir()
    write_vector(stations_gdf, data / "city.gpkg", layer="metro_stations")
    write_vector(wards_gdf, data / "city.gpkg", layer="wards")
    s = Session()
    for layer in read_layers(population_tif) + read_layers(data / "city.gpkg"):
        s.add_layer(layer)
    wards = s.layers.find("wards")
    s.layers.set_visible(wards, False)
    s.layers.set_opacity(wards, 0.4)
    wards.style.stroke = "#123456"
    s.layers.move(s.layers.find("metro_stations"), 0)
    return s


def test_save_then_open_restores_everything(tmp_path, session):
    session.set_role(session.layers.find("population"), "population")
    session.set_fields(session.layers.find("wards"), {"zone_name": "name", "name": "name"})
    session.set_working_crs("EPSG:3405")  # VN-2000 / UTM 48N: a planner's own choice
    session.set_study_area(StudyArea("wards", "East"))
    session.update(measure="itdp-pnt", radius_m=750.0, segments=8, scenario="plan-2030", year=2027,
                   chart_figure="population", compare_a="existing", compare_b="plan 2035")
    path = tmp_path / "work" / "plan.planner.json"
    path.parent.mkdir()
    save_project(path, session, view=(580_000, 2_320_000, 590_000, 2_330_000))
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert document["layers"][0]["source"] == "../data/city.gpkg"  # relative to the project
    opened, problems = open_project(path)
    assert problems == []
    assert [l.name for l in opened.layers] == session.layers.names()
    assert [l.role for l in opened.layers] == [l.role for l in session.layers]
    assert [l.fields for l in opened.layers] == [l.fields for l in session.layers]
    assert [l.visible for l in opened.layers] == [l.visible for l in session.layers]
    assert [l.opacity for l in opened.layers] == [l.opacity for l in session.layers]
    assert [l.style for l in opened.layers] == [l.style for l in session.layers]
    assert opened.working_crs.to_epsg() == 3405 and opened.crs_chosen
    assert opened.settings == session.settings
    assert opened.study_area == StudyArea("wards", "East")
    assert opened.layers.as_of_year == 2027  # the map shows the saved year
    assert load_project(path).view == (580_000, 2_320_000, 590_000, 2_330_000)


def test_a_crs_chosen_from_the_data_is_saved_as_such(tmp_path, session):
    path = save_project(tmp_path / "p.planner.json", session)
    assert json.loads(path.read_text())["working_crs"] is None
    opened, _ = open_project(path)
    assert not opened.crs_chosen and opened.working_crs.to_epsg() == 32648


def test_a_setting_the_data_no_longer_allows_is_reported_not_applied(tmp_path, session):
    path = tmp_path / "p.planner.json"
    save_project(path, session)
    document = json.loads(path.read_text())
    document["analysis"].update(scenario="plan-2030-without-line-9", radius_m=-5, study_area={"layer": "wards",
                                                                                             "feature": "Atlantis"})
    path.write_text(json.dumps(document))
    opened, problems = open_project(path)
    assert any("scenario" in p and "line" in p for p in problems)
    assert any("radius" in p for p in problems)
    assert any("Atlantis" in p and "East" in p for p in problems)  # names what exists
    assert opened.settings.scenario == "existing" and opened.study_area == StudyArea()


def test_missing_layer_file_is_reported_and_others_open(tmp_path, session, population_tif):
    path = tmp_path / "plan.planner.json"
    save_project(path, session)
    population_tif.unlink()
    opened = load_project(path)
    assert [str(f) for f in opened.failures] == ["population.tif: file not found"]
    assert [l.name for l in opened.layers] == ["metro_stations", "wards"]
    target = Session()
    apply_project(opened, target)
    assert target.layers.names() == ["metro_stations", "wards"]


def test_failed_save_keeps_the_previous_file(tmp_path, session, monkeypatch):
    path = tmp_path / "plan.planner.json"
    save_project(path, session)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("layers.atomic.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_project(path, session)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "plan.planner.json", "population.tif"]


@pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="the bundled Hanoi sample is not installed")
def test_a_version_1_project_still_opens(tmp_path):
    """The sample project is a version 1 file (layers, CRS, view): it opens with default settings."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_PROJECT.parent, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    assert json.loads((folder / SAMPLE_PROJECT.name).read_text())["version"] == 1
    opened, problems = open_project(folder / SAMPLE_PROJECT.name)
    assert problems == []
    assert opened.working_crs.to_epsg() == 32648 and opened.crs_chosen
    assert opened.settings.measure == "itdp-pnt" and opened.settings.scenario == "existing"
    assert {l.role for l in opened.layers} >= {"boundary", "ward", "population", "metro_station"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [("not json", "not a readable project file"), ('{"format": "qgis"}', "not a planner project"),
     ('{"format": "planner-project", "version": 99}', "newer version")],
)
def test_bad_project_files(tmp_path, text, reason):
    path = tmp_path / "bad.planner.json"
    path.write_text(text)
    with pytest.raises(ProjectError, match=reason):
        load_project(path)


@pytest.mark.parametrize("analysis", ['"abc"', '{"study_area": 5}', '[1, 2]'])
def test_an_analysis_that_is_not_an_object_is_a_project_error(tmp_path, session, analysis):
    path = save_project(tmp_path / "p.planner.json", session)
    text = path.read_text()
    document = json.loads(text)
    document["analysis"] = json.loads(analysis)
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match='p.planner.json: "analysis" must be an object'):
        load_project(path)


def test_odd_values_in_the_analysis_are_reported_each(tmp_path, session):
    path = save_project(tmp_path / "p.planner.json", session)
    document = json.loads(path.read_text())
    document["analysis"].update(segments="eight", year=[2020], zone_layer=7, measure=None)
    document["layers"][0]["fields"] = 5
    path.write_text(json.dumps(document))
    opened, problems = open_project(path)
    assert len([p for p in problems if "analysis setting" in p]) == 3, problems
    assert any("zones" in p for p in problems)
    assert opened.settings.segments == 16 and opened.layers[0].warnings[-1].startswith("field mapping")


def test_layer_entries_without_a_file_or_pointing_at_no_gis_file_are_reported(tmp_path, session):
    path = save_project(tmp_path / "p.planner.json", session)
    document = json.loads(path.read_text())
    document["layers"] += [{}, {"source": None}, 5, {"source": "/etc/passwd"}, {"source": "../../../../etc/hosts"}]
    path.write_text(json.dumps(document))
    opened = load_project(path)
    reasons = [str(f) for f in opened.failures]
    assert reasons[:3] == ['p.planner.json: layer 4: no "source" file named', 'p.planner.json: layer 5: no "source" '
                           'file named', 'p.planner.json: layer 6: no "source" file named']
    assert reasons[3].startswith("passwd: not a supported GIS file type") and reasons[4].startswith("hosts: ")
    assert len(opened.layers) == 3  # the good ones
    with pytest.raises(ProjectError, match='"layers" must be a list'):
        path.write_text(json.dumps({**document, "layers": 5}))
        load_project(path)
