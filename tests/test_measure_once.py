"""A catchment that several presets ask for is measured once per city, with the same figures as alone."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

import layers.analysis.indicators as indicators
from layers.analysis.city import CityData
from layers.analysis.coverage import PopulationGrid
from layers.analysis.indicators import evaluate
from layers.layer import VectorLayer
from tests.reference import counts_within_brute_force

# A southern-hemisphere city in UTM zone 23S (Sao Paulo's), 3 x 2 km, 100 m cells
CRS = "EPSG:32723"
X0, Y0 = 330_000.0, 7_390_000.0
STUDY_AREA = shapely.box(X0, Y0, X0 + 3000, Y0 + 2000)


def stations() -> list[shapely.Point]:
    return [shapely.Point(X0 + 700, Y0 + 900), shapely.Point(X0 + 1900, Y0 + 1300), shapely.Point(X0 + 2950, Y0 + 50)]


def footprints(n: int = 600, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(X0 - 100, X0 + 3100, n), rng.uniform(Y0 - 100, Y0 + 2100, n)
    w, h = rng.uniform(5, 40, n), rng.uniform(5, 40, n)
    return gpd.GeoDataFrame({"floors": rng.integers(1, 9, n).astype(float)},
                            geometry=shapely.box(x, y, x + w, y + h), crs=CRS)


def make_city() -> CityData:
    rng = np.random.default_rng(1)
    grid = PopulationGrid(rng.uniform(0, 50, (20, 30)), Affine(100, 0, X0, 0, -100, Y0 + 2000), CRS)
    wards = gpd.GeoDataFrame({"zone": ["west", "east"]}, geometry=[
        shapely.box(X0, Y0, X0 + 1600, Y0 + 2000), shapely.box(X0 + 1600, Y0, X0 + 3000, Y0 + 2000)], crs=CRS)
    metro = VectorLayer(name="metro", role="metro_station", gdf=gpd.GeoDataFrame(geometry=stations(), crs=CRS))
    buildings = VectorLayer(name="buildings", role="building", gdf=footprints())
    buildings.fields.sum_fields = ["floors"]
    return CityData(CRS, STUDY_AREA, grid, {"metro_station": [metro], "building": [buildings]}, wards, "wards")


def counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    measure = indicators.measure_catchment

    def counted(*args, **kwargs):
        calls.append(1)
        return measure(*args, **kwargs)

    monkeypatch.setattr(indicators, "measure_catchment", counted)
    return calls


def same(a, b) -> None:
    assert (a.value, a.numerator, a.denominator) == (b.value, b.numerator, b.denominator)
    assert a.figures == b.figures and a.features == b.features
    pd.testing.assert_frame_equal(a.zones, b.zones, check_exact=True)


def test_two_presets_with_one_catchment_measure_it_once(monkeypatch):
    alone = {name: evaluate(name, make_city(), radius_m=500, zones=True) for name in ("sdg-11.2.1", "itdp-pnt")}
    calls = counting(monkeypatch)
    city = make_city()
    together = {name: evaluate(name, city, radius_m=500, zones=True) for name in ("sdg-11.2.1", "itdp-pnt")}
    assert len(calls) == 1
    for name in together:
        same(together[name], alone[name])
    # and the shared figures are the true ones: counts by the exact distance, feature by feature
    truth = counts_within_brute_force(footprints().geometry.values, STUDY_AREA, stations(), 500.0,
                                      {"floors": footprints()["floors"].to_numpy()})
    for name, result in together.items():
        for figure, value in truth.items():
            assert abs(result.features["buildings"][figure] - value) <= 1e-12 * max(1.0, abs(value)), (name, figure)


def test_each_result_is_its_own():
    """Changing one preset's result leaves the other's figures as measured."""
    city = make_city()
    first = evaluate("sdg-11.2.1", city, radius_m=500, zones=True)
    first.zones.iloc[:, :] = -1
    first.features["buildings"]["count_intersecting"] = -1
    second = evaluate("itdp-pnt", city, radius_m=500, zones=True)
    same(second, evaluate("itdp-pnt", make_city(), radius_m=500, zones=True))


def test_another_catchment_or_no_zones_is_measured_again(monkeypatch):
    calls = counting(monkeypatch)
    city = make_city()
    evaluate("itdp-pnt", city, radius_m=500, zones=True)
    evaluate("itdp-pnt", city, radius_m=600, zones=True)
    evaluate("itdp-pnt", city, radius_m=500, zones=False)
    assert len(calls) == 3
    evaluate("sdg-11.2.1", city, radius_m=600, zones=True)
    assert len(calls) == 3
