"""The bundled Hanoi sample, checked against the FACTS (not against the build's own output).

Every layer is loaded through the app's own `layers` API. Expected numbers are written here as
the published facts, each with its source; the tolerances say how approximate the sample is.
Only the committed files in sample_data/ are needed (never ../shared/).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource

from layers.crs import reproject
from layers.io import read_layers, read_raster, read_vector

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
GPKG = SAMPLE / "hanoi.gpkg"
TIF = SAMPLE / "hanoi_population_250m.tif"
PROJECT = SAMPLE / "hanoi.planner.json"
UTM = "EPSG:32648"

# ---- facts (with their sources) ----
CENSUS_2019 = 8_053_663  # 2019 census, 1 Apr 2019 (GSO; photrotters.com "City views - Hanoi")
LINE_2A_KM = 13.1  # Wikipedia "Hanoi Metro Line 2A" ("about 13 km", CREC)
LINE_2A_STATIONS = 12  # Wikipedia "Hanoi Metro Line 2A"
LINE_3_PHASE1_KM = 12.5  # Wikipedia "Hanoi Metro Line 3": 8.5 km elevated + 4 km underground
LINE_3_PHASE1_STATIONS = 12  # Wikipedia "Hanoi Metro Line 3"; tunnelbuilder.it: 8 elevated + 4 underground
LINE_2_SECTION_KM = 11.5  # SGGP 3 Oct 2025; Lao Động: 2.6 km elevated + 8.9 km underground
LINE_2_SECTION_STATIONS = 10  # SGGP 3 Oct 2025; Vietnam News 28 Aug 2025
WEST_LAKE_KM2 = (5.0, 5.26)  # Wikipedia "West Lake (Hanoi)": ~500 ha in the text, 5.26 km2 in the infobox
HOAN_KIEM_HA = 12  # VietNamNet "Hoan Kiem lake, Hanoi's green treasures"
DISTRICT_COUNT = 30  # former districts until 30 Jun 2025 (12 urban, 17 rural, Sơn Tây town)
WARD_COUNT = 126  # Resolution 1656/NQ-UBTVQH15: 51 wards + 75 communes from 1 Jul 2025
WARDS, COMMUNES = 51, 75
# Population 2018 by district: table "Dân số năm 2018", danhsach.top/tin-tuc/ha-noi (sum 7,739,700)
P2018 = {
    "Ba Đình": 247_100, "Hoàn Kiếm": 160_600, "Tây Hồ": 168_300, "Long Biên": 291_900, "Cầu Giấy": 266_800,
    "Đống Đa": 420_900, "Hai Bà Trưng": 318_000, "Hoàng Mai": 411_500, "Thanh Xuân": 285_400,
    "Nam Từ Liêm": 236_700, "Bắc Từ Liêm": 333_300, "Hà Đông": 319_800, "Sơn Tây": 150_300, "Ba Vì": 282_600,
    "Chương Mỹ": 331_100, "Đan Phượng": 162_900, "Đông Anh": 381_500, "Gia Lâm": 276_300, "Hoài Đức": 229_400,
    "Mê Linh": 226_800, "Mỹ Đức": 194_400, "Phú Xuyên": 211_100, "Phúc Thọ": 182_300, "Quốc Oai": 188_000,
    "Sóc Sơn": 340_700, "Thạch Thất": 207_500, "Thanh Oai": 205_200, "Thanh Trì": 256_800,
    "Thường Tín": 247_700, "Ứng Hòa": 204_800,
}
ROLES = {"metro_line", "metro_station", "bridge", "green", "digital_zone", "boundary", "ward", "population",
         "water", "other"}
EXPECTED_ROLE = {"city_boundary": "boundary", "districts": "ward", "wards": "ward", "water": "water",
                 "green": "green", "digital_zones": "digital_zone", "bridges": "bridge",
                 "metro_lines": "metro_line", "metro_stations": "metro_station"}


@pytest.fixture(scope="module")
def layers():
    return {layer.source_layer: layer for layer in read_layers(GPKG)}


@pytest.fixture(scope="module")
def metric(layers):
    return {name: reproject(layer.gdf, UTM) for name, layer in layers.items()}


@pytest.fixture(scope="module")
def population():
    return read_raster(TIF)


def _river(metric):
    water = metric["water"]
    return water.loc[water["kind"] == "river"].geometry.union_all()


# ---------------------------------------------------------------- files and layers
def test_every_layer_loads_with_crs_valid_geometry_and_role(layers):
    assert set(layers) == set(EXPECTED_ROLE)
    for name, layer in layers.items():
        gdf = layer.gdf
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert not layer.warnings, (name, layer.warnings)  # e.g. no geometry had to be repaired
        assert shapely.is_valid(gdf.geometry.values).all(), name
        assert not shapely.is_empty(gdf.geometry.values).any(), name
        assert {"name", "role"} <= set(gdf.columns), name
        assert gdf["name"].notna().all() and (gdf["name"].astype(str).str.len() > 0).all(), name
        assert set(gdf["role"]) == {EXPECTED_ROLE[name]} and layer.role == EXPECTED_ROLE[name], name
        assert gdf["source"].notna().all() and (gdf["source"].str.len() > 0).all(), name


def test_read_vector_by_layer_name():
    layer = read_vector(GPKG, layer="metro_lines")
    assert layer.role == "metro_line"
    for col in ("line", "name", "status", "opening_year", "colour", "length_km_official", "stations_official",
                "construction_start", "source"):
        assert col in layer.gdf.columns, col
    assert layer.gdf["colour"].str.fullmatch(r"#[0-9a-f]{6}").all()
    assert set(layer.gdf["status"]) <= {"existing", "under_construction", "planned"}


def test_committed_binaries_are_small():
    assert GPKG.stat().st_size < 4_000_000
    assert TIF.stat().st_size < 2_000_000
    png = SAMPLE.parent / "docs" / "hanoi_sample.png"
    assert png.exists() and png.stat().st_size < 1_500_000


def test_every_fact_row_has_a_source():
    tables = sorted((SAMPLE / "facts").glob("*.csv"))
    assert len(tables) >= 8
    for table in tables:
        with table.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, table.name
        assert "source" in rows[0], table.name
        for i, row in enumerate(rows, start=2):
            assert (row["source"] or "").strip(), f"{table.name} line {i} has no source"


def test_project_file_parses_and_names_existing_files():
    doc = json.loads(PROJECT.read_text(encoding="utf-8"))
    assert doc["format"] == "planner-project" and doc["version"] == 1 and doc["working_crs"] == UTM
    v = doc["view"]
    assert v["xmin"] < v["xmax"] and v["ymin"] < v["ymax"]
    assert 500_000 < v["xmin"] < 620_000 and 2_250_000 < v["ymin"] < 2_380_000  # metres, around Hanoi
    gpkg_layers = {layer.source_layer for layer in read_layers(GPKG)}
    for entry in doc["layers"]:
        assert (PROJECT.parent / entry["source"]).exists(), entry["source"]
        if entry["layer"] is not None:
            assert entry["layer"] in gpkg_layers, entry["layer"]
    assert doc["layers"][0]["source"].endswith(".tif")  # population at the bottom
    assert doc["layers"][-1]["layer"] == "metro_stations"  # stations on top


def test_project_file_loads_through_layers_project():
    from layers.session.project import load_project

    project = load_project(PROJECT)
    assert len(project.layers) == len(json.loads(PROJECT.read_text(encoding="utf-8"))["layers"])


# ---------------------------------------------------------------- administrative
def test_districts_are_the_30_former_districts_with_official_population(layers):
    d = layers["districts"].gdf
    assert len(d) == DISTRICT_COUNT
    assert dict(zip(d["name"], d["population"])) == P2018
    assert (d["population_year"] == 2018).all()
    assert set(d["kind"]) == {"urban district", "rural district", "town"}
    assert (d["kind"] == "urban district").sum() == 12


def test_wards_are_the_126_units_of_2025(layers):
    w = layers["wards"].gdf
    assert len(w) == WARD_COUNT
    assert (w["kind"] == "ward").sum() == WARDS and (w["kind"] == "commune").sum() == COMMUNES
    assert "Phường Hoàn Kiếm" in set(w["name"])


def test_city_area_close_to_official(metric):
    area_km2 = metric["city_boundary"].area.sum() / 1e6
    assert area_km2 == pytest.approx(3358.6, rel=0.02)  # Dân Việt 13 May 2022: 3,358.6 km2


# ---------------------------------------------------------------- population grid
def test_population_grid_format(population):
    assert population.crs.to_epsg() == 32648
    assert population.transform.a == 250 and population.transform.e == -250
    assert population.nodata is not None and population.nodata < 0
    values = population.array[np.isfinite(population.array)]
    assert (values >= 0).all()


def test_population_total_matches_census(population):
    total = np.nansum(population.array)
    assert total == pytest.approx(CENSUS_2019, rel=0.01)


def test_population_by_district_follows_the_scaled_2018_figures(metric, population):
    arr = population.array
    t = population.transform
    src = NumPyRasterSource(np.ma.masked_invalid(arr), t.c, t.f + t.e * arr.shape[0], t.c + t.a * arr.shape[1], t.f)
    d = metric["districts"]
    sums = exact_extract(src, d, "sum", output="pandas")["sum"].to_numpy()
    scale = CENSUS_2019 / sum(P2018.values())
    for name, got in zip(d["name"], sums):
        assert got == pytest.approx(P2018[name] * scale, rel=0.01), name


def test_nobody_lives_in_the_river_or_lakes(metric, population):
    arr = population.array
    t = population.transform
    src = NumPyRasterSource(np.ma.masked_invalid(arr), t.c, t.f + t.e * arr.shape[0], t.c + t.a * arr.shape[1], t.f)
    inner = metric["water"].copy()
    inner["geometry"] = inner.buffer(-300)  # cells wholly inside water
    inner = inner[~inner.is_empty]
    means = exact_extract(src, inner, "mean", output="pandas")["mean"].to_numpy()
    assert np.nan_to_num(means).max() < 1.0


def test_ward_population_sums_to_the_city(layers):
    assert layers["wards"].gdf["population"].sum() == pytest.approx(CENSUS_2019, rel=0.01)


# ---------------------------------------------------------------- metro
def _line_km(metric, sections):
    ml = metric["metro_lines"]
    return ml.loc[ml["section"].isin(sections)].length.sum() / 1000


def test_metro_lengths_close_to_official(metric):
    assert _line_km(metric, ["2A"]) == pytest.approx(LINE_2A_KM, rel=0.10)
    assert _line_km(metric, ["3-1E", "3-1U"]) == pytest.approx(LINE_3_PHASE1_KM, rel=0.10)
    assert _line_km(metric, ["2-2.1"]) == pytest.approx(LINE_2_SECTION_KM, rel=0.10)


def test_metro_station_counts_equal_official(layers):
    st = layers["metro_stations"].gdf
    assert (st["line"] == "2A").sum() == LINE_2A_STATIONS
    assert ((st["line"] == "3") & st["section"].isin(["3-1E", "3-1U"])).sum() == LINE_3_PHASE1_STATIONS
    assert (st["section"] == "2-2.1").sum() == LINE_2_SECTION_STATIONS
    assert not st.duplicated(["line", "code"]).any()


def test_metro_status_and_years_follow_the_facts(layers):
    ml = layers["metro_lines"].gdf.set_index("section")
    assert (ml.loc["2A", "status"], ml.loc["2A", "opening_year"]) == ("existing", 2021)  # opened 6 Nov 2021
    assert (ml.loc["3-1E", "status"], ml.loc["3-1E", "opening_year"]) == ("existing", 2024)  # opened 8 Aug 2024
    assert ml.loc["3-1U", "status"] == "under_construction"
    assert ml.loc["2-2.1", "construction_start"] == "2025-10-09"  # Vietnam News 9 Oct 2025
    assert ml.loc["2-2.1", "opening_year"] in (2029, 2030)  # VNS 2029 / SGGP 2030
    assert ml.loc["5", "construction_start"] == "2025-12-19"  # CafeF 19 Dec 2025
    assert ml.loc["3-1E", "colour"] == ml.loc["3-1U", "colour"]


def test_every_station_lies_on_its_line(metric):
    ml = metric["metro_lines"].set_index("section")
    st = metric["metro_stations"]
    for r in st.itertuples():
        line = ml.loc[r.section]
        assert line.geometry.distance(r.geometry) < 1.0, (r.line, r.code)
        assert (r.status, r.opening_year) == (line.status, line.opening_year), r.code


def test_stations_are_near_their_fact_coordinates(metric):
    # Cát Linh (2A C01) at 21.0282 N, 105.8280 E; Nhổn (3 S01) at 21.0536 N, 105.7345 E (fact sheet, ±500 m)
    facts = reproject(__import__("geopandas").GeoDataFrame(
        geometry=shapely.points([[105.8280, 21.0282], [105.7345, 21.0536]]), crs="EPSG:4326"), UTM)
    st = metric["metro_stations"].set_index(["line", "code"])
    assert st.loc[("2A", "C01")].geometry.distance(facts.geometry.iloc[0]) < 500
    assert st.loc[("3", "S01")].geometry.distance(facts.geometry.iloc[1]) < 500


# ---------------------------------------------------------------- water, bridges, green
def test_west_lake_area_and_place(metric):
    w = metric["water"].set_index("name")
    west = w.loc["Hồ Tây (West Lake)"].geometry
    for fact in WEST_LAKE_KM2:
        assert west.area / 1e6 == pytest.approx(fact, rel=0.10)
    assert w.loc["Hồ Hoàn Kiếm"].geometry.area / 1e4 == pytest.approx(HOAN_KIEM_HA, rel=0.10)
    river = _river(metric)
    for lake in ("Hồ Tây (West Lake)", "Hồ Hoàn Kiếm", "Hồ Trúc Bạch"):
        assert not w.loc[lake].geometry.intersects(river), lake


def test_every_bridge_crosses_the_red_river(metric):
    river = _river(metric)
    b = metric["bridges"]
    assert len(b) >= 15
    for r in b.itertuples():
        a, z = shapely.points(np.asarray(r.geometry.coords)[[0, -1]])
        assert r.geometry.intersects(river), r.name
        assert not river.contains(a) and not river.contains(z), r.name


def test_bridges_with_dates_from_the_facts(layers):
    b = layers["bridges"].gdf.set_index("name")
    assert b.loc["Thượng Cát", "construction_start"] == "2025-10-08"
    assert b.loc["Trần Hưng Đạo", "construction_start"] == "2025-10-09"
    assert b.loc["Tứ Liên", "construction_start"] == "2025-05-19"
    assert (b.loc["Long Biên", "status"], b.loc["Long Biên", "opening_year"]) == ("existing", 1902)


def test_green_does_not_overlap_water(metric):
    water = metric["water"].geometry.union_all()
    for r in metric["green"].itertuples():
        assert r.geometry.intersection(water).area < 1.0, r.name
    parks = metric["green"].set_index("name")
    assert parks.loc["Công viên Yên Sở"].geometry.area / 1e4 == pytest.approx(322, rel=0.05)  # Hanoi Times


def test_digital_zones_flag_our_placements(layers):
    dz = layers["digital_zones"].gdf.set_index("name")
    assert not dz.loc["Hòa Lạc Hi-Tech Park", "illustrative"]
    assert dz.loc["Hanoi smart-city operations centre (IOC)", "illustrative"]
    assert dz["description"].str.len().min() > 10


def test_red_river_follows_the_district_boundaries_on_its_banks(metric):
    """The former districts on opposite banks meet along the river (geoBoundaries): the sample
    river must run along those shared boundaries, within its stated ±0.5-1 km (1.5 km allowed)."""
    river = _river(metric)
    d = metric["districts"].set_index("name").geometry
    pairs = [("Mê Linh", "Đan Phượng"), ("Đông Anh", "Tây Hồ"), ("Đông Anh", "Bắc Từ Liêm"),
             ("Long Biên", "Hoàn Kiếm"), ("Long Biên", "Hai Bà Trưng"), ("Long Biên", "Hoàng Mai"),
             ("Gia Lâm", "Thanh Trì")]
    for a, b in pairs:
        shared = shapely.intersection(d[a].buffer(30), d[b].buffer(30))
        pts = shapely.points(shapely.get_coordinates(shared.boundary))
        assert np.median(shapely.distance(pts, river)) < 1500, (a, b)
