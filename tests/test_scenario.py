"""Scenario selection by status / opening year / excluded line, and scenario differences."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from layers.analysis.city import CityData
from layers.analysis.coverage import PopulationGrid
from layers.analysis.indicators import compare, evaluate
from layers.layer import VectorLayer
from layers.analysis.scenario import Scenario, parse_scenario

X0, Y0 = 585_000.0, 2_325_000.0
UTM = "EPSG:32648"


def stations():
    return gpd.GeoDataFrame(
        {
            "line": ["1", "1", "2", "2", "3", "3"],
            "status": ["existing", "existing", "under_construction", "planned", "planned", None],
            "opening_year": [2021, None, 2027, 2032, None, 2026],
        },
        geometry=shapely.points([(X0 + 1000, Y0 + 1000), (X0 + 3000, Y0 + 1000), (X0 + 5000, Y0 + 1000),
                                 (X0 + 7000, Y0 + 1000), (X0 + 9000, Y0 + 3000), (X0 + 9000, Y0 + 5000)]),
        crs=UTM,
    )


@pytest.mark.parametrize(
    "scenario, expected",
    [
        (Scenario.as_of(2025), [True, True, False, False, False, False]),
        (Scenario.as_of(2027), [True, True, True, False, False, True]),
        (Scenario.plan(2035), [True, True, True, True, False, True]),
        (Scenario.existing(), [True, True, False, False, False, False]),
        (Scenario.all(), [True] * 6),
        (Scenario.plan(2035).without("line", "2"), [True, True, False, False, False, True]),
    ],
)
def test_which_features_count(scenario, expected):
    assert scenario.mask(stations()).tolist() == expected


def test_a_layers_fields_read_once_give_every_scenarios_mask_and_hold_a_byte_a_status():
    """The timeline keeps each dated layer's fields (`DatedFields`) for year after year: the masks
    from them are the rule's, and a status is a code, not a string per feature (a million
    features' statuses: a megabyte)."""
    from layers.analysis.scenario import DatedFields

    gdf = stations()
    fields = DatedFields.of(gdf)
    for scenario in (Scenario.as_of(2025), Scenario.as_of(2027), Scenario.plan(2035), Scenario.existing(),
                     Scenario("building or planned", statuses=("under_construction", "planned")), Scenario.all()):
        assert np.array_equal(scenario.mask(gdf, fields), scenario.mask(gdf))
    assert Scenario("s", statuses=("under_construction", "planned")).mask(gdf, fields).tolist() == [
        False, False, True, True, True, False]  # no status: none of them
    assert fields.existing.tolist() == [True, True, False, False, False, False]
    many = gpd.GeoDataFrame({"status": np.array(["existing", "planned", None], dtype=object)[np.arange(300_000) % 3]},
                            geometry=shapely.points(np.zeros(300_000), np.zeros(300_000)))
    held = DatedFields.of(many)
    assert held.status_codes.nbytes <= len(many)
    assert held.has_status(("planned",)).sum() == 100_000 and held.existing.sum() == 100_000
    unstatused = DatedFields.of(gdf.drop(columns="status"))
    assert unstatused.status_codes is None and unstatused.existing.all()  # taken as existing


def test_parse_scenario():
    assert parse_scenario("2025") == Scenario.as_of(2025)
    assert parse_scenario("plan-2030") == Scenario.plan(2030)
    assert parse_scenario("plan-2035-without-line-2") == Scenario.plan(2035).without("line", "2")
    with pytest.raises(ValueError, match="unknown scenario"):
        parse_scenario("someday")


def city():
    grid = PopulationGrid(np.full((60, 120), 10.0), Affine(100, 0, X0, 0, -100, Y0 + 6000), UTM)  # 10 per ha
    layer = VectorLayer(name="stations", role="metro_station", gdf=stations())
    wards = gpd.GeoDataFrame({"name": ["W", "E"]}, geometry=[shapely.box(X0, Y0, X0 + 6000, Y0 + 6000),
                             shapely.box(X0 + 6000, Y0, X0 + 12000, Y0 + 6000)], crs=UTM)
    ward_layer = VectorLayer(name="wards", role="ward", gdf=wards)
    return CityData(UTM, shapely.box(X0, Y0, X0 + 12000, Y0 + 6000), grid,
                    {"metro_station": [layer], "ward": [ward_layer]}, wards.rename(columns={"name": "zone"}), "wards")


def test_what_line_2_adds():
    c = city()
    with_2 = Scenario.plan(2035)
    without_2 = with_2.without("line", "2")
    diff = compare("itdp-pnt", c, without_2, with_2, radius_m=500, zones=True)
    disk = math.pi * 500**2  # the true disk: catchments are within 1e-4 of it
    # line 2 has two stations 2 km apart, at 2 km from line 1: both disks are new and disjoint
    assert diff.gained_area_m2 == pytest.approx(2 * disk, rel=1e-4)
    assert diff.lost_area_m2 == 0
    assert diff.gained_population == pytest.approx(2 * disk / 10_000 * 10, rel=1e-4)
    assert diff.gained_population > 0
    assert diff.gained_population == pytest.approx(diff.population_b - diff.population_a, rel=1e-9)
    a = evaluate("itdp-pnt", c, 500, without_2)
    b = evaluate("itdp-pnt", c, 500, with_2)
    assert diff.gained_population == pytest.approx(b.numerator - a.numerator, rel=1e-9)
    assert diff.zones.loc["W", "gained_population"] == pytest.approx(disk / 1000, rel=1e-4)  # station at x=5 km
    assert diff.zones["gained_population"].sum() == pytest.approx(diff.gained_population, rel=1e-9)
    assert diff.gained.geometry.iloc[0].area == pytest.approx(2 * disk, rel=1e-4)
    assert "32648" in diff.crs
