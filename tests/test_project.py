"""Project files: layers, order, styles, visibility and view survive save and open; saving is atomic."""
from __future__ import annotations

import json

import pytest

from layers.io import read_layers, write_vector
from layers.project import ProjectError, load_project, save_project
from layers.stack import LayerStack


@pytest.fixture
def stack(tmp_path, stations_gdf, wards_gdf, population_tif):
    data = tmp_path / "data"
    data.mkdir()
    write_vector(stations_gdf, data / "city.gpkg", layer="metro_stations")
    write_vector(wards_gdf, data / "city.gpkg", layer="wards")
    s = LayerStack()
    for layer in read_layers(population_tif) + read_layers(data / "city.gpkg"):
        s.add(layer)
    wards = s.find("wards")
    s.set_visible(wards, False)
    s.set_opacity(wards, 0.4)
    wards.style.stroke = "#123456"
    s.move(s.find("metro_stations"), 0)
    return s


def test_save_then_open_restores_everything(tmp_path, stack):
    path = tmp_path / "work" / "plan.planner.json"
    path.parent.mkdir()
    save_project(path, stack, view=(580_000, 2_320_000, 590_000, 2_330_000))
    document = json.loads(path.read_text())
    assert document["layers"][0]["source"] == "../data/city.gpkg"  # relative to the project
    opened = load_project(path)
    assert opened.failures == []
    assert [l.name for l in opened.layers] == stack.names()
    assert [l.visible for l in opened.layers] == [l.visible for l in stack]
    assert [l.opacity for l in opened.layers] == [l.opacity for l in stack]
    assert [l.style for l in opened.layers] == [l.style for l in stack]
    assert opened.view == (580_000, 2_320_000, 590_000, 2_330_000)
    assert opened.working_crs.to_epsg() == 32648


def test_missing_layer_file_is_reported_and_others_open(tmp_path, stack, population_tif):
    path = tmp_path / "plan.planner.json"
    save_project(path, stack)
    population_tif.unlink()
    opened = load_project(path)
    assert [str(f) for f in opened.failures] == ["population.tif: file not found"]
    assert [l.name for l in opened.layers] == ["metro_stations", "wards"]


def test_failed_save_keeps_the_previous_file(tmp_path, stack, monkeypatch):
    path = tmp_path / "plan.planner.json"
    save_project(path, stack)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("layers.atomic.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_project(path, stack)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "plan.planner.json", "population.tif"]


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
