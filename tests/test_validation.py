"""What a planner asks is checked against the data and refused with a message listing what exists;
zone figures cover only zones of the study area; flags do what they say."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.cli import main as cli
from layers.io import read_layers
from layers.session import Session, StudyArea
from tests.cities import CITIES, write_city

NAIROBI = next(c for c in CITIES if c.name == "nairobi")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_city(NAIROBI, tmp_path_factory.mktemp("nairobi"))


@pytest.fixture
def session(files):
    s = Session()
    for path in files:
        for layer in read_layers(path):
            s.add_layer(layer)
    s.guess_roles(list(s.layers))
    return s


@pytest.mark.parametrize(("scenario", "says"), [
    ("plan 2030 without lin 2", r"no layer has a field 'lin' \(fields: .*line"),
    ("plan-2030-without-line-9", "no feature has line 9 .*line: 1, 2"),
])
def test_a_mistyped_scenario_is_refused_listing_what_exists(files, capsys, session, scenario, says):
    assert cli([*map(str, files), "-s", scenario]) == 2
    err = capsys.readouterr().err
    assert __import__("re").search(says, err), err
    with pytest.raises(ValueError, match=says):
        session.update(scenario=scenario)
    assert session.settings.scenario == "existing"  # unchanged


def test_a_year_long_ago_is_a_year_not_an_unknown_scenario(files, capsys):
    assert cli([*map(str, files), "-p", "itdp-pnt", "--as-of", "1800", "-f", "csv"]) == 0
    out = capsys.readouterr().out
    assert "as of 1800" in out


def test_zones_is_a_flag_that_does_not_swallow_the_next_file(files, tmp_path):
    gpkg, tif = files
    out = tmp_path / "o.csv"
    assert cli([str(gpkg), "--zones", str(tif), "-p", "itdp-pnt", "-f", "csv", "-o", str(out)]) == 0
    text = out.read_text()
    assert ",SW," in text or "SW" in text.splitlines()[2]
    assert "population_share" in text.splitlines()[0]  # the population grid was read, not taken for a layer name


def test_a_radius_for_a_measure_without_buffer_is_refused(files, capsys):
    assert cli([*map(str, files), "-p", "green-per-resident", "-r", "500"]) == 2
    assert "--radius does not apply to green-per-resident" in capsys.readouterr().err


def test_bad_settings_are_refused(session):
    for bad in ({"radius_m": -5}, {"radius_m": float("nan")}, {"segments": 0}, {"segments": 2.5},
                {"year": 99999}, {"measure": "itdp"}):
        with pytest.raises(ValueError):
            session.update(**bad)
    with pytest.raises(ValueError, match="no feature 'Atlantis' .*NE"):
        session.set_study_area(StudyArea("wards", "Atlantis"))
    with pytest.raises(ValueError, match="no zone layer 'districts'.*wards"):
        session.set_zone_layer("districts")


def test_topojson_opens(tmp_path):
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.box(36.8, -1.3, 36.9, -1.2)], crs=4326).to_file(
        tmp_path / "outline.geojson")
    topo = tmp_path / "outline.topojson"
    # a TopoJSON file by hand: one polygon, arcs not quantised
    topo.write_text('{"type":"Topology","objects":{"outline":{"type":"GeometryCollection","geometries":'
                    '[{"type":"Polygon","arcs":[[0]],"properties":{"name":"a"}}]}},'
                    '"arcs":[[[36.8,-1.3],[36.9,-1.3],[36.9,-1.2],[36.8,-1.2],[36.8,-1.3]]]}')
    [layer] = read_layers(topo)
    assert len(layer.gdf) == 1 and layer.gdf.geometry.iloc[0].area == pytest.approx(0.01)


def test_one_district_study_area_has_only_its_own_zones_without_slivers(session):
    """Before: with a one-district study area a neighbouring ward ranked 100 % on a 0.002 km2
    sliver, and wards outside the district were listed at 0."""
    wards = session.layers.find("wards")
    crs = session.working_crs
    geoms = wards.in_crs(crs).geometry
    district = shapely.union_all([geoms.iloc[0], geoms.iloc[1]]).buffer(-0.02)  # two wards, off by 2 cm
    sliver = shapely.box(*district.bounds).buffer(0.5).difference(shapely.box(*district.bounds))  # a 1 m seam
    extra = gpd.GeoDataFrame({"name": ["District A", "Seam"]}, geometry=[district, sliver.intersection(geoms.iloc[2]
                                                                                                       .buffer(200))], crs=crs)
    from layers.layer import VectorLayer
    from layers.roles import guess_fields

    session.add_layer(VectorLayer(name="districts", role="ward", gdf=extra, fields=guess_fields(extra)))
    session.set_study_area(StudyArea("districts", "District A"))
    city = session.city()
    assert sorted(city.zones["zone"]) == ["NW", "SW"]  # SE and NE meet it only along a seam: slivers
    session.set_zone_layer("districts")
    assert session.city().zones["zone"].tolist() == ["District A"]


def test_the_map_year_is_named_in_the_figures(session):
    """Before: measured 'as drawn on the map' at 2024, figures and exports said 'all features'."""
    session.update(scenario="all", year=2024)
    assert session.scenario().name == "as drawn on the map (2024)"
    session.update(year=None)
    assert session.scenario().name == "as drawn on the map (all years)"


def test_people_from_census_zones_are_spread_evenly_over_each_zone(files, tmp_path):
    """No grid, a zone layer with a population field: a region holds each zone's people times the
    share of the zone's area inside it (areal weighting)."""
    gpkg, _ = files
    census = gpd.read_file(gpkg, layer="wards")
    census["habitants"] = [10_000, 20_000, 30_000, 40_000]
    census.to_file(tmp_path / "population_census.gpkg", layer="population_census")
    session = Session()
    for path in (gpkg, tmp_path / "population_census.gpkg"):
        for layer in read_layers(path):
            session.add_layer(layer)
    layer = session.layers.find("population_census")
    assert layer.role == "population"
    with pytest.raises(Exception, match="set the field that holds each zone's population"):
        session.city()
    session.set_fields(layer, {**layer.fields.to_dict(), "population": "habitants"})
    city = session.city()
    zones = layer.in_crs(session.working_crs)
    half_of_sw = shapely.box(*zones.geometry.iloc[0].bounds)
    half_of_sw = shapely.intersection(half_of_sw, shapely.box(half_of_sw.bounds[0], half_of_sw.bounds[1],
                                                               half_of_sw.centroid.x, half_of_sw.bounds[3]))
    expected = sum(p * zones.geometry.iloc[i].intersection(half_of_sw).area / zones.geometry.iloc[i].area
                   for i, p in enumerate(census["habitants"]))
    assert city.population.population_in([half_of_sw])[0] == pytest.approx(expected, rel=1e-12)
    assert city.population.population_in([city.study_area])[0] == pytest.approx(100_000, rel=1e-9)
    [result] = __import__("json").loads(_cli_json(gpkg, tmp_path / "population_census.gpkg", tmp_path))
    assert result["denominator"] == pytest.approx(100_000, rel=1e-9)
    assert "spread evenly" in result["method"]


def _cli_json(gpkg, census, tmp_path):
    # the field mapping is the planner's to set: here through a saved project
    from layers.session.project import save_project

    session = Session()
    for path in (gpkg, census):
        for layer in read_layers(path):
            session.add_layer(layer)
    layer = session.layers.find("population_census")
    session.set_fields(layer, {**layer.fields.to_dict(), "population": "habitants"})
    project = save_project(tmp_path / "census.planner.json", session)
    out = tmp_path / "census.json"
    assert cli([str(project), "-p", "itdp-pnt", "-f", "json", "-o", str(out), "--allow-outside"]) == 0
    return out.read_text()


def test_a_zone_layer_that_is_no_longer_zones_is_no_longer_the_zone_layer(session):
    session.set_zone_layer("wards")
    session.set_role(session.layers.find("wards"), "other")
    assert session.zone_layer is None
    assert session.city().zones is None  # no zone layer left: no per-zone figures, no error
