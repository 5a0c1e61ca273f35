"""Reports built from the engine's results: every number comes from the result objects, and every
export (HTML, CSV, GeoPackage) reads back with the same figures."""
from __future__ import annotations

import base64
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from layers.session.project import SAMPLE_PROJECT, open_project
from layers.analysis.coverage import overlap_matrix
from layers.analysis.indicators import IndicatorResult, ScenarioDifference, compare, evaluate, preset_catchment
from layers.report import (
    SAMPLE_DATA_SOURCES,
    km2_text,
    people_text,
    percent_text,
    report_from_results,
    results_table,
    value_text,
    write_csv,
    write_geopackage,
)
from layers.analysis.scenario import Scenario

CRS = "EPSG:32648 (WGS 84 / UTM zone 48N)"
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class _Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.text, self.images = [], []
        self.feed(text)
        self.all = " ".join(self.text)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def _result(preset="itdp-pnt", value_people=(1_087_867.4, 4_650_000.0), zones=True, unit="share of population"):
    num, den = value_people
    table = None
    if zones:
        table = pd.DataFrame({
            "zone": ["Phường Ba Đình", "Xã Bát Tràng"], "area_m2": [2.5e6, 0.0], "total_area_m2": [3e6, 4e6],
            "area_share": [2.5 / 3, 0.0], "population": [70_000.0, 0.0], "total_population": [80_000.0, 20_000.0],
            "population_share": [0.875, 0.0],
        }).set_index("zone")
    return IndicatorResult(
        preset=preset, title="ITDP People Near Transit", value=num / den, numerator=num, denominator=den,
        unit=unit, crs=CRS, method="Within 1000 m, straight line.", source="ITDP (2016)", radius_m=1000.0,
        scenario="existing", figures={"area_m2": 2.5e6, "area_share": 0.01, "population": num,
                                      "population_share": num / den},
        zones=table,
    )


def _difference():
    gained = shapely.box(0, 0, 1000, 2000)
    return ScenarioDifference(
        preset="itdp-pnt", crs=CRS, radius_m=1000.0, scenario_a="existing", scenario_b="plan 2035",
        gained_area_m2=gained.area, lost_area_m2=0.0, gained_population=5_000.0, lost_population=0.0,
        population_a=10_000.0, population_b=15_000.0, net_population=5_000.0,
        gained=gpd.GeoDataFrame({"scenario_a": ["existing"], "scenario_b": ["plan 2035"], "area_m2": [gained.area]},
                                geometry=[gained], crs=32648),
    )


def _overlap():
    study = shapely.box(0, 0, 4000, 4000)
    return overlap_matrix({"metro": shapely.box(0, 0, 2000, 4000), "green": shapely.box(1000, 0, 3000, 1000)},
                          study, 32648)


def test_value_text_has_unit_and_what_of():
    assert value_text(_result()) == "23.4 % of population (1,087,867 of 4,650,000 people)"
    area = _result(value_people=(68.37e6, 3351.52e6), unit="share of area")
    assert value_text(area) == "2.0 % of area (68.37 of 3,351.52 km²)"
    green = _result(value_people=(15_616_769.0, 8_056_097.0), unit="m2 per resident")
    assert value_text(green).startswith("1.9 m² per resident (15,616,769 m² of green for 8,056,097 people)")


def test_report_from_synthetic_results_holds_every_number_method_source_and_crs(tmp_path):
    r, d, o = _result(), _difference(), _overlap()
    report = report_from_results("Metro <Hà Nội>", [r], [d], o, images={"Map": PNG_1PX})
    page = _Page(report.write_html(tmp_path / "r.html").read_text(encoding="utf-8"))
    for expected in ("Metro <Hà Nội>", value_text(r), r.method, r.source, CRS, "Phường Ba Đình", "Xã Bát Tràng",
                     "+5,000 people net", km2_text(d.gained_area_m2), *SAMPLE_DATA_SOURCES):
        assert expected in page.all, expected
    for _, row in o.table.iterrows():  # every overlap piece, area and share
        assert row["combination"] in page.all
        assert f"{row['area_m2'] / 1e6:,.2f}" in page.all and percent_text(row["area_share"]) in page.all
    assert [base64.b64decode(src.split(",", 1)[1]) for src in page.images] == [PNG_1PX]


def test_report_data_sources_can_be_replaced():
    report = report_from_results("x", [_result(zones=False)], data_sources=["Our own survey 2026"])
    assert report.data_sources == ["Our own survey 2026"]
    assert list(report.tables) == ["Area and people reached"]


def test_results_table_csv_reads_back_equal(tmp_path):
    results = [_result(), _result(preset="sdg-11.2.1", value_people=(2.0, 3.0))]
    path = write_csv(results_table(results), tmp_path / "results.csv")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["preset", "title", "scenario", "radius_m", "value", "numerator", "denominator",
                                  "unit", "crs"]
    for row, r in zip(back.itertuples(), results):
        assert (row.preset, row.scenario, row.unit, row.crs) == (r.preset, r.scenario, r.unit, r.crs)
        assert row.value == pytest.approx(r.value, rel=1e-12)
        assert (row.numerator, row.denominator, row.radius_m) == pytest.approx((r.numerator, r.denominator, r.radius_m))


def test_geopackage_has_one_layer_each_and_replaces_an_old_file_whole(tmp_path):
    path = tmp_path / "report.gpkg"
    gpd.GeoDataFrame({"old": [1]}, geometry=[shapely.Point(0, 0)], crs=32648).to_file(path, layer="stale")
    catchments = {"metro": shapely.box(0, 0, 2000, 4000), "green": shapely.box(1000, 0, 3000, 1000)}
    o, d = _overlap(), _difference()
    write_geopackage(path, catchments, o, [d], crs=32648)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["catchments", "gained_areas", "overlap_pieces"]
    got = gpd.read_file(path, layer="catchments")
    assert list(got["name"]) == ["metro", "green"]
    np.testing.assert_allclose(got.area, [8e6, 2e6])
    pieces = gpd.read_file(path, layer="overlap_pieces")
    assert len(pieces) == len(o.table) == 4
    np.testing.assert_allclose(pieces.area, o.table["area_m2"], atol=1e-6)
    assert gpd.read_file(path, layer="gained_areas").area.iloc[0] == pytest.approx(d.gained_area_m2)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_geopackage_needs_something_to_write(tmp_path):
    with pytest.raises(ValueError):
        write_geopackage(tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


@pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="the bundled Hanoi sample is not installed")
def test_report_from_the_hanoi_sample(tmp_path):
    city = open_project(SAMPLE_PROJECT)[0].city()
    existing, plan = Scenario.existing(), Scenario.plan(2035)
    pnt = evaluate("itdp-pnt", city, scenario=existing, zones=True)
    green = evaluate("green-per-resident", city, zones=True)
    diff = compare("itdp-pnt", city, existing, plan, zones=True)
    catchments = {"metro": preset_catchment("itdp-pnt", city, scenario=existing),
                  "green": preset_catchment("green-access", city)}
    overlap = overlap_matrix(catchments, city.study_area, city.crs, city.population)
    report = report_from_results("Hà Nội: people near transit", [pnt, green], [diff], overlap)

    page = _Page(report.to_html())
    assert value_text(pnt) in page.all and value_text(green) in page.all
    assert f"{diff.net_population:+,.0f} people net" in page.all
    for r in (pnt, green):
        assert r.method in page.all and r.source in page.all
    assert city.crs_label in page.all and "OpenStreetMap" in page.all
    ward, row = next((w, row) for w, row in pnt.zones.iterrows() if row["population"] > 0)
    assert ward in page.all and people_text(row["population"]) in page.all

    csv = pd.read_csv(write_csv(results_table([pnt, green]), tmp_path / "r.csv"), encoding="utf-8-sig")
    assert csv["value"].tolist() == pytest.approx([pnt.value, green.value], rel=1e-12)

    gpkg = write_geopackage(tmp_path / "r.gpkg", catchments, overlap, [diff], crs=city.crs)
    got = gpd.read_file(gpkg, layer="catchments")
    assert got.area.iloc[0] == pytest.approx(pnt.figures["area_m2"], rel=1e-9)
    assert len(gpd.read_file(gpkg, layer="overlap_pieces")) == len(overlap.table)
    assert gpd.read_file(gpkg, layer="gained_areas").area.iloc[0] == pytest.approx(diff.gained_area_m2, rel=1e-9)
