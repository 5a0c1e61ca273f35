"""Project files: the whole session (layers, roles, fields, CRS, study area, analysis) survives save
and open; saving is atomic; old files open; a setting the data no longer allows is reported."""
from __future__ import annotations

import json
import shutil

import pytest

from layers.io import read_layers, write_vector
from layers.session.project import (SAMPLE_PROJECT, OutsideFilesError, ProjectError, apply_project, load_project,
                                    open_project, save_project)
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
    opened, problems = open_project(path, allow_outside=True)  # the data is beside the project's folder
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
    assert load_project(path, allow_outside=True).view == (580_000, 2_320_000, 590_000, 2_330_000)


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

    monkeypatch.setattr("layers.io.atomic.os.replace", crash)
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
    [("not json", "not a planner project"), ('{"format": "planner-project", "version": 2,', "not a readable"), ('{"format": "qgis"}', "not a planner project"),
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
    path.write_text(json.dumps(document))
    opened, problems = open_project(path)
    assert len([p for p in problems if "analysis setting" in p]) == 3, problems
    assert any("zones" in p for p in problems)
    assert opened.settings.segments == 16


def test_layers_pointing_at_no_gis_file_are_reported_and_the_others_open(tmp_path, session):
    path = save_project(tmp_path / "p.planner.json", session)
    document = json.loads(path.read_text())
    document["layers"] += [{"source": "/etc/passwd"}, {"source": "../../../../etc/hosts"}]
    path.write_text(json.dumps(document))
    opened = load_project(path, allow_outside=True)
    reasons = [str(f) for f in opened.failures]
    assert reasons[0].startswith("passwd: not a supported GIS file type") and reasons[1].startswith("hosts: ")
    assert len(opened.layers) == 3  # the good ones


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["layers"].append({}), r"layers\[3\].source must name a file"),
    (lambda d: d["layers"].append(5), r"layers\[3\] must be an object"),
    (lambda d: d["layers"][0].update(fields=5), r"layers\[0\].fields must be an object"),
    (lambda d: d.update(layers=5), "layers must be a list"),
    (lambda d: d.update(version="2"), "version must be a whole number"),
    (lambda d: d["layers"][0].update(opacity="abc"), r"layers\[0\].opacity must be a number from 0 to 1, not 'abc'"),
    (lambda d: d["layers"][0].update(visible="false"), r"layers\[0\].visible must be true or false"),
    (lambda d: d["layers"][0]["style"].update(width="abc"), r"layers\[0\].style.width must be a number"),
    (lambda d: d["layers"][0]["style"].update(stroke="red; drop"), r"layers\[0\].style.stroke must be a colour"),
    (lambda d: d.update(view={"xmin": float("nan"), "ymin": 0, "xmax": 1, "ymax": 1}), "view.xmin must be a number"),
    (lambda d: d.update(view={"xmin": 1e308, "ymin": 0, "xmax": 1e309, "ymax": 1}), "view.xmin must be a number"),
    (lambda d: d["layers"][0].update(source=None), r"layers\[0\].source must name a file"),
])
def test_a_value_a_project_may_not_hold_is_a_project_error_naming_the_field(tmp_path, session, change, says):
    path = save_project(tmp_path / "p.planner.json", session)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=r"p\.planner\.json: " + says):
        load_project(path)


def test_huge_numbers_deep_nesting_and_huge_files_are_project_errors(tmp_path, session):
    path = save_project(tmp_path / "p.planner.json", session)
    text = path.read_text()
    for bad in (text.replace('"version": 2', '"version": ' + "9" * 5000),
                text.replace('"view": null', '"view": ' + "[" * 200_000 + "]" * 200_000)):
        path.write_text(bad)
        with pytest.raises(ProjectError, match="p.planner.json: "):
            load_project(path)
    path.write_text(text[:-2] + ", " + '"pad": "' + "x" * 21_000_000 + '"}')
    with pytest.raises(ProjectError, match="too large"):
        load_project(path)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def test_mutated_project_files_give_a_project_error_or_open_never_another_exception(tmp_path_factory, session):
    """Fuzzing: any value of a saved project replaced by any JSON value (or removed)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from layers.cli import main as cli

    folder = tmp_path_factory.mktemp("fuzz")
    original = json.loads(save_project(folder / "p.planner.json", session).read_text())
    # keep the layer paths valid relative to the new folder
    for entry, layer in zip(original["layers"], session.layers):
        entry["source"] = str(layer.source)
    paths = [p for p in _paths(original) if p]
    values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=6)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(paths), values, st.booleans())
    def fuzz(where, value, remove):
        document = json.loads(json.dumps(original))
        holder = document
        for key in where[:-1]:
            holder = holder[key]
        if remove and isinstance(holder, dict):
            del holder[where[-1]]
        else:
            holder[where[-1]] = value
        path = folder / "p.planner.json"
        path.write_text(json.dumps(document, allow_nan=True))
        try:
            project = load_project(path, allow_outside=True)  # the layers are in another folder
        except ProjectError as exc:
            assert str(exc).startswith("p.planner.json: ")
        else:
            apply_project(project, Session())  # a bad setting is reported, never raised
        assert cli([str(path), "-p", "itdp-pnt", "-f", "json", "-o", str(folder / "out.json"), "--allow-outside"]) in (0, 2)

    fuzz()


def test_the_cli_refuses_a_project_with_missing_layers_unless_allowed(tmp_path, session, population_tif, capsys):
    from layers.cli import main as cli

    path = save_project(tmp_path / "plan.planner.json", session)
    population_tif.unlink()
    assert cli([str(path), "-p", "itdp-pnt"]) == 2
    err = capsys.readouterr().err
    assert "plan.planner.json: 1 layer(s) could not be loaded: population.tif: file not found" in err
    with pytest.raises(ProjectError, match="could not be loaded"):
        open_project(path)
    opened, problems = open_project(path, allow_missing=True)
    assert problems[0] == "population.tif: file not found" and len(opened.layers) == 2


def test_a_project_naming_files_outside_its_folder_lists_them_and_reads_none(tmp_path, session, reads):
    path = tmp_path / "mail" / "plan.planner.json"
    path.parent.mkdir()
    save_project(path, session)  # its layers are in ../data and ../population.tif
    with pytest.raises(OutsideFilesError) as refused:
        load_project(path)
    assert reads == []  # nothing but the project file was read
    expected = [(tmp_path / "population.tif").resolve(), (tmp_path / "data" / "city.gpkg").resolve()]
    assert sorted(refused.value.files) == sorted(expected)  # each file once, the GeoPackage of two layers too
    assert str(refused.value).startswith("plan.planner.json: names 2 file(s) outside its own folder")
    assert all(str(f) in str(refused.value) for f in expected)
    with pytest.raises(OutsideFilesError):
        open_project(path, allow_missing=True)  # missing files allowed is not outside files allowed
    opened = load_project(path, allow_outside=True)
    assert len(opened.layers) == 3 and opened.failures == [] and len(reads) == 3


@pytest.mark.parametrize("named", ["absolute", "dotdot", "link out", "network"])
def test_every_way_out_of_the_folder_is_listed(tmp_path, session, named, reads):
    folder = tmp_path / "project"
    (folder / "sub").mkdir(parents=True)
    path = save_project(folder / "p.planner.json", Session())
    outside = (tmp_path / "data" / "city.gpkg").resolve()
    document = json.loads(path.read_text())
    source = {"absolute": str(outside), "dotdot": "sub/../../data/city.gpkg", "link out": "sub/city.gpkg",
              "network": None}[named]
    if named == "link out":
        (folder / "sub" / "city.gpkg").symlink_to(outside)
    if named == "network":
        document["analysis"]["network"] = str(tmp_path / "roads.osm.pbf")
        outside = tmp_path / "roads.osm.pbf"
    else:
        document["layers"] = [{"source": source, "layer": "wards"}]
    path.write_text(json.dumps(document))
    with pytest.raises(OutsideFilesError) as refused:
        load_project(path)
    assert refused.value.files == [outside] and reads == []


def test_files_in_the_folder_and_its_subfolders_open_without_asking(tmp_path, session):
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    shutil.copy(tmp_path / "data" / "city.gpkg", folder / "data" / "city.gpkg")
    path = save_project(folder / "p.planner.json", Session())
    document = json.loads(path.read_text())
    document["layers"] = [{"source": "data/city.gpkg", "layer": "wards"},
                          {"source": "./data/../data/city.gpkg", "layer": "metro_stations"}]
    path.write_text(json.dumps(document))
    assert [l.name for l in load_project(path).layers] == ["wards", "metro_stations"]


def test_the_cli_refuses_a_project_naming_outside_files_unless_allowed(tmp_path, session, capsys, reads):
    from layers.cli import main as cli

    path = tmp_path / "mail" / "plan.planner.json"
    path.parent.mkdir()
    session.set_study_area(StudyArea("wards"))
    save_project(path, session)
    assert cli([str(path), "-p", "itdp-pnt", "-f", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and reads == []
    assert "plan.planner.json: names 2 file(s) outside its own folder" in err and "--allow-outside" in err
    assert str((tmp_path / "population.tif").resolve()) in err and str((tmp_path / "data" / "city.gpkg").resolve()) in err
    assert cli([str(path), "-p", "itdp-pnt", "-f", "json", "--allow-outside"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["preset"] == "itdp-pnt"
