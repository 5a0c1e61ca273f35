"""A project's layer whose repair would change a polygon's area by more than 0.1 % is asked about
as a file of its own: `load_project` sets it apart (not loaded, not a failure), `planner measure`
refuses the project naming the file and both areas unless `--repair`, which loads it repaired."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from layers.cli import main
from layers.io import RepairChangesArea
from layers.session.project import load_project, open_project
from tests.test_values_that_cannot_be_right import CAPE_TOWN, _hole_outside


def project_with_a_ward_to_repair(folder):
    """Cape Town (UTM 34S): a ward whose hole lies outside its shell, and a station."""
    folder.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"name": ["ward 7"]}, geometry=[_hole_outside(270_000, 6_230_000)],
                     crs=CAPE_TOWN).to_file(folder / "city_boundary.gpkg")
    gpd.GeoDataFrame({"name": ["Civic"]}, geometry=[shapely.Point(272_000, 6_232_000)],
                     crs=CAPE_TOWN).to_file(folder / "metro_stations.geojson")
    path = folder / "cape town.planner.json"
    path.write_text(json.dumps({"format": "planner-project", "version": 2, "layers": [
        {"source": "city_boundary.gpkg"}, {"source": "metro_stations.geojson"}]}))
    return path


def test_a_project_sets_apart_a_layer_whose_repair_changes_its_area(tmp_path):
    path = project_with_a_ward_to_repair(tmp_path / "city")
    project = load_project(path)
    assert [layer.name for layer in project.layers] == ["metro_stations"] and project.failures == []
    [question] = project.repairs
    assert isinstance(question, RepairChangesArea) and question.path.name == "city_boundary.gpkg"
    assert "km2 as drawn" in str(question)
    with pytest.raises(RepairChangesArea):
        open_project(path)

    repaired = load_project(path, repair=True)
    assert repaired.repairs == [] and sorted(layer.name for layer in repaired.layers) == ["city_boundary",
                                                                                         "metro_stations"]
    ward = next(layer for layer in repaired.layers if layer.name == "city_boundary")
    drawn = _hole_outside(270_000, 6_230_000)  # independently: shell and hole areas, both as land
    expected_km2 = (shapely.Polygon(drawn.exterior).area + shapely.Polygon(drawn.interiors[0]).area) / 1e6
    assert ward.in_crs(CAPE_TOWN).geometry.area.iloc[0] / 1e6 == pytest.approx(expected_km2, rel=1e-6)


def test_planner_measure_applies_repair_to_a_projects_layers(tmp_path, capsys):
    path = project_with_a_ward_to_repair(tmp_path / "city")
    args = [str(path), "-f", "json", "--preset", "sdg-11.2.1"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "city_boundary.gpkg" in err and "km2 as drawn" in err and "give --repair to accept it" in err
    assert "Traceback" not in err
    assert main(args + ["--repair"]) == 0
    json.loads(capsys.readouterr().out)
