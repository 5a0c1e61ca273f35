"""Indicator presets on hand-computable setups."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from layers.analysis.city import CityData
from layers.analysis.coverage import PopulationGrid
from layers.analysis.progress import Cancelled
from layers.analysis.indicators import PRESETS, evaluate
from layers.layer import VectorLayer

X0, Y0 = 585_000.0, 2_325_000.0
UTM = "EPSG:32648"


def city(**layers):
    # 2 x 1 km, 100 m cells: the west half holds 30 people per cell, the east half 10
    values = np.full((10, 20), 10.0)
    values[:, :10] = 30.0
    grid = PopulationGrid(values, Affine(100, 0, X0, 0, -100, Y0 + 1000), UTM)
    wards = gpd.GeoDataFrame({"zone": ["W", "E"]}, geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                             shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)], crs=UTM)
    by_role = {role: [VectorLayer(name=role, role=role, gdf=gpd.GeoDataFrame(geometry=list(g), crs=UTM))]
               for role, g in layers.items()}
    return CityData(UTM, shapely.box(X0, Y0, X0 + 2000, Y0 + 1000), grid, by_role, wards, "wards")


TOTAL = 100 * 30 + 100 * 10  # 4,000 people


def test_every_preset_has_method_and_source():
    for p in PRESETS.values():
        assert p.method and p.source
    assert "not a WHO figure" in PRESETS["green-per-resident"].method


def test_digital_coverage_of_a_known_rectangle():
    zone = shapely.box(X0 + 500, Y0, X0 + 1500, Y0 + 1000)  # half the west, half the east
    r = evaluate("digital-coverage", city(digital_zone=[zone]))
    assert r.numerator == pytest.approx(50 * 30 + 50 * 10)
    assert r.denominator == pytest.approx(TOTAL)
    assert r.value == pytest.approx(2000 / 4000)
    assert r.figures["area_share"] == pytest.approx(0.5)
    assert "32648" in r.crs


def test_green_access_ignores_small_parks_and_uses_300_m():
    big = shapely.box(X0 + 100, Y0 + 400, X0 + 200, Y0 + 500)  # exactly 1 ha
    small = shapely.box(X0 + 1800, Y0 + 400, X0 + 1860, Y0 + 460)  # 0.36 ha: does not count
    r = evaluate("green-access", city(green=[big, small]))
    # the true 300 m reach (a 1,024-segment quarter circle: 1.6e-7 from the circles), clipped to the study area
    reach = big.buffer(300, quad_segs=1024).intersection(shapely.box(X0, Y0, X0 + 2000, Y0 + 1000))
    # all of the reach lies in the west half (x < 1000 m): 30 people per 10,000 m2
    assert r.numerator == pytest.approx(reach.area * 30 / 10_000, rel=1e-4)
    assert r.radius_m == 300 and "0.5 ha" in r.method and "straight-line" in r.method


def test_pnt_and_sdg_on_one_station():
    station = [shapely.Point(X0 + 1500, Y0 + 500)]  # in the east half; 400 m reach stays there
    for preset in ("itdp-pnt", "sdg-11.2.1"):
        r = evaluate(preset, city(metro_station=station), radius_m=400)
        disk = math.pi * 400**2  # the true disk, to 1e-4
        assert r.numerator == pytest.approx(disk * 10 / 10_000, rel=1e-4)
        assert r.value == pytest.approx(disk * 10 / 10_000 / TOTAL, rel=1e-4)


def test_green_per_resident_by_ward():
    park = shapely.box(X0 + 900, Y0, X0 + 1100, Y0 + 1000)  # 20 ha: 10 ha in each ward
    r = evaluate("green-per-resident", city(green=[park]), zones=True)
    assert r.value == pytest.approx(200_000 / TOTAL)
    assert r.zones.loc["W", "green_m2_per_resident"] == pytest.approx(100_000 / 3000)
    assert r.zones.loc["E", "green_m2_per_resident"] == pytest.approx(100_000 / 1000)
    assert r.figures["benchmark_note"] == "common benchmark, not a WHO figure"


def test_river_crossing_radius_and_zones():
    bridge = [shapely.LineString([(X0 + 1000, Y0 + 400), (X0 + 1000, Y0 + 600)])]
    r = evaluate("river-crossing", city(bridge=bridge), radius_m=5000, zones=True)
    assert r.value == pytest.approx(1.0)  # 5 km reaches the whole 2 x 1 km city
    assert r.zones["population"].sum() == pytest.approx(TOTAL)


def test_evaluate_can_be_cancelled():
    with pytest.raises(Cancelled):
        evaluate("itdp-pnt", city(metro_station=[shapely.Point(X0, Y0)]), cancelled=lambda: True)


def test_hidden_network_layers_do_not_count_but_hidden_context_does():
    """What the map shows is what is measured: hiding the metro empties PNT; hiding wards changes nothing."""
    station = VectorLayer(name="stations", role="metro_station",
                          gdf=gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 500, Y0 + 500)], crs=UTM))
    wards = VectorLayer(name="wards", role="ward", gdf=gpd.GeoDataFrame(
        {"name": ["W", "E"]}, geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                                        shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)], crs=UTM))
    area = shapely.box(X0, Y0, X0 + 2000, Y0 + 1000)
    shown = CityData.from_layers([wards, station], UTM, area)
    assert shown.has("metro_station")
    wards.visible = False
    assert CityData.from_layers([wards, station], UTM, area).zones["zone"].tolist() == ["W", "E"]
    station.visible = False
    assert not CityData.from_layers([wards, station], UTM, area).has("metro_station")


def test_each_zone_is_clipped_to_the_study_area_once_per_city(monkeypatch):
    """Every measure by zone clipped the zones to the study area again (22 ms for Hanoi's 126 wards
    at each radius the dashboard asked for): once per city, and the figures by zone as a fresh
    city's."""
    import layers.analysis.city as city_module
    import layers.analysis.coverage as coverage
    import layers.analysis.coverage.zones as zones

    calls = []
    real = coverage.zone_geometries
    counting = lambda *a: calls.append(1) or real(*a)  # noqa: E731
    monkeypatch.setattr(coverage, "zone_geometries", counting)
    monkeypatch.setattr(zones, "zone_geometries", counting)
    monkeypatch.setattr(city_module, "zone_geometries", counting)
    station = [shapely.Point(X0 + 1500, Y0 + 500)]
    asked = (("itdp-pnt", 400), ("itdp-pnt", 700), ("sdg-11.2.1", 900))
    measured = city(metro_station=station)
    results = [evaluate(preset, measured, radius_m=radius, zones=True) for preset, radius in asked]
    assert len(calls) == 1
    for result, (preset, radius) in zip(results, asked):
        fresh = evaluate(preset, city(metro_station=station), radius_m=radius, zones=True)
        assert result.zones.equals(fresh.zones)
    assert results[1].zones.loc["W", "population"] > 0 == results[0].zones.loc["W", "population"]
