"""Census zones, name fields and CSV tables as agencies publish them, and what `planner measure`
says it used: São Paulo's population hexagons, a Lyon quarter layer, New York's borough file, points
in CSV tables; `--field`; the roles, fields and CRS on standard error and in the JSON."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.cli import main as cli
from layers.io import read_layers
from layers.session import Session

SP_X0, SP_Y0 = 330_000.0, 7_390_000.0  # São Paulo in SIRGAS 2000 / UTM zone 23S (EPSG:31983)


def _hexagons(x0, y0, size_m, cols, rows):
    """Flat-topped hexagons as the H3-like grids São Paulo's population is published in."""
    angles = np.radians(np.arange(0, 360, 60))
    cells = []
    for c in range(cols):
        for r in range(rows):
            cx = x0 + c * 1.5 * size_m
            cy = y0 + r * np.sqrt(3) * size_m + (c % 2) * np.sqrt(3) / 2 * size_m
            cells.append(shapely.Polygon(np.column_stack([cx + size_m * np.cos(angles), cy + size_m * np.sin(angles)])))
    return cells


def _sao_paulo(tmp_path):
    cells = _hexagons(SP_X0, SP_Y0, 400, 10, 8)
    people = (np.arange(len(cells)) * 37 % 900 + 50).astype("int64")
    hexes = gpd.GeoDataFrame({"h3_id": [f"h{i}" for i in range(len(cells))], "population": people},
                             geometry=cells, crs=31983)
    hexes.to_file(tmp_path / "hexagonos_sp.gpkg", layer="hexagonos_sp")
    outline = shapely.box(SP_X0 + 300, SP_Y0 + 300, SP_X0 + 11_000, SP_Y0 + 9_500)
    gpd.GeoDataFrame({"nome": ["São Paulo (parte)"]}, geometry=[outline], crs=31983).to_file(
        tmp_path / "limite_municipal.gpkg", layer="city_boundary")
    stations = gpd.GeoDataFrame({"nome": ["Sé", "Luz"], "status": ["existing", "existing"]},
                                geometry=shapely.points([(SP_X0 + 3000, SP_Y0 + 3000), (SP_X0 + 7000, SP_Y0 + 6500)]),
                                crs=31983)
    stations.to_file(tmp_path / "estacoes.gpkg", layer="metro_stations")
    return [str(tmp_path / n) for n in ("limite_municipal.gpkg", "estacoes.gpkg", "hexagonos_sp.gpkg")], hexes, outline


def _json(capsys, *argv):
    code = cli([*map(str, argv), "-f", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out), out.err


def test_population_hexagons_are_proposed_as_census_zones_and_counted(tmp_path, capsys):
    """Before: role 'other', silently, and the figure a share of area. Now census zones, said so, and
    the people reached are each hexagon's people times its share inside (areal weighting, by geopandas)."""
    files, hexes, outline = _sao_paulo(tmp_path)
    [layer] = read_layers(files[2])
    assert layer.role == "population" and layer.fields.population == "population"
    [result], err = _json(capsys, *files, "-p", "itdp-pnt", "-r", "1000")
    assert "hexagonos_sp.gpkg:hexagonos_sp: role population (proposed as census zones" in err
    stations = gpd.read_file(files[1])
    reached = stations.buffer(1000, quad_segs=1024).union_all().intersection(outline)  # the circles, to 2e-7
    share_in = hexes.geometry.intersection(reached).area / hexes.area
    share_study = hexes.geometry.intersection(outline).area / hexes.area
    assert result["unit"] == "share of population" and result["population_missing"] is None
    assert result["numerator"] == pytest.approx(float((hexes["population"] * share_in).sum()), rel=1e-4)
    assert result["denominator"] == pytest.approx(float((hexes["population"] * share_study).sum()), rel=1e-9)


@pytest.mark.parametrize("field", ["population", "POP2020", "pop_2019", "inhabitants", "pessoas", "Einwohner"])
def test_a_quarter_layer_with_names_and_people_gets_both(tmp_path, field):
    """Lyon's quarters ('nom', a population field in any of the usual spellings)."""
    quarters = gpd.GeoDataFrame({"nom": ["Presqu'île", "Croix-Rousse"], field: [31_000, 47_500]},
                                geometry=[shapely.box(841_000, 6_518_000, 843_000, 6_520_000),
                                          shapely.box(843_000, 6_518_000, 845_000, 6_520_000)], crs=2154)
    quarters.to_file(tmp_path / "lyon_quartiers.geojson")
    [layer] = read_layers(tmp_path / "lyon_quartiers.geojson")
    assert (layer.role, layer.fields.population, layer.fields.zone_name) == ("population", field, "nom")
    assert Session().zone_names(layer) == ["Presqu'île", "Croix-Rousse"]


def test_text_is_not_a_population(tmp_path):
    gpd.GeoDataFrame({"name": ["a"], "population": ["many"]}, geometry=[shapely.box(0, 0, 1000, 1000)],
                     crs=32631).to_file(tmp_path / "parcels.geojson")
    [layer] = read_layers(tmp_path / "parcels.geojson")
    assert layer.role == "other" and layer.fields.population is None


@pytest.mark.parametrize(("field", "names"), [("BoroName", ["Manhattan", "Bronx"]), ("NAME", ["Manhattan", "Bronx"]),
                                              ("nimi", ["Kallio", "Töölö"]), ("NAZEV", ["Praha 1", "Praha 2"]),
                                              ("nombre", ["Centro", "Norte"]), ("nome", ["Sé", "Luz"])])
def test_zone_names_come_from_the_agencies_name_fields(tmp_path, field, names):
    zones = gpd.GeoDataFrame({"code": [1, 2], field: names},
                             geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=32618)
    zones.to_file(tmp_path / "zones.gpkg", layer="zones")
    [layer] = read_layers(tmp_path / "zones.gpkg")
    assert Session().zone_names(layer) == names


def _new_york(tmp_path):
    """NYC City Planning's borough file as published: nybb, EPSG:2263, BoroCode / BoroName."""
    x0, y0 = 975_000.0, 180_000.0
    boroughs = gpd.GeoDataFrame(
        {"BoroCode": [1, 3], "BoroName": ["Manhattan", "Brooklyn"], "Shape_Leng": [1.0, 2.0]},
        geometry=[shapely.box(x0, y0 + 20_000, x0 + 20_000, y0 + 40_000), shapely.box(x0, y0, x0 + 20_000, y0 + 20_000)],
        crs=2263)
    boroughs.to_file(tmp_path / "nybb.gpkg", layer="nybb")
    gpd.GeoDataFrame({"name": ["NYC"]}, geometry=[shapely.box(x0, y0, x0 + 20_000, y0 + 40_000)], crs=2263).to_file(
        tmp_path / "city_boundary.gpkg", layer="city_boundary")
    gpd.GeoDataFrame({"status": ["existing"]}, geometry=[shapely.Point(x0 + 10_000, y0 + 20_000)], crs=2263).to_crs(
        4269).to_file(tmp_path / "subway_stations.geojson")
    return [str(tmp_path / n) for n in ("city_boundary.gpkg", "subway_stations.geojson", "nybb.gpkg")], boroughs


def test_borough_file_is_zones_named_by_boroname_and_the_command_says_what_it_used(tmp_path, capsys):
    """Before: zones '1', '2'. Now the boroughs by name; stderr and the JSON list roles, fields and CRS."""
    files, boroughs = _new_york(tmp_path)
    [result], err = _json(capsys, *files, "-p", "itdp-pnt", "-r", "800", "--zones")
    assert {z["zone"] for z in result["zones"]} == {"Manhattan", "Brooklyn"}
    inputs = result["inputs"]
    assert inputs["working_crs"] == "EPSG:32118 (NAD83 / New York Long Island)"
    assert inputs["working_crs_from"] == "chosen from the data"
    by_layer = {entry["layer"]: entry for entry in inputs["layers"]}
    assert by_layer["nybb"]["role"] == "ward" and by_layer["nybb"]["fields"]["zone_name"] == "BoroName"
    assert by_layer["nybb"]["crs"].startswith("EPSG:2263 ")
    assert by_layer["city_boundary"]["role"] == "boundary"
    assert by_layer["subway_stations"]["role"] == "metro_station"
    assert "working CRS EPSG:32118 (NAD83 / New York Long Island) (chosen from the data)" in err
    assert "nybb.gpkg:nybb: role ward; fields: name=BoroName, zone_name=BoroName; EPSG:2263" in err
    # no population: the reason, and what to set, in the figures
    assert result["unit"] == "share of area"
    assert "no population" in result["population_missing"] and "--field nybb.population=" in result["population_missing"]
    assert "no population" in result["method"]


def test_field_flag_sets_what_a_field_means(tmp_path, capsys):
    files, boroughs = _new_york(tmp_path)
    [result], err = _json(capsys, *files, "-p", "itdp-pnt", "-r", "800", "--zones", "--field", "nybb.zone_name=BoroCode")
    assert {z["zone"] for z in result["zones"]} == {"1", "3"}
    # a population field given for the zones: people counted from them (areal weighting)
    boroughs["people"] = [1_600_000, 2_600_000]
    boroughs.to_file(tmp_path / "nybb.gpkg", layer="nybb")
    [result], _ = _json(capsys, *files, "-p", "itdp-pnt", "-r", "800",
                        "--field", "nybb.gpkg:nybb.population=people")
    assert result["unit"] == "share of population" and result["denominator"] == pytest.approx(4_200_000, rel=1e-9)


@pytest.mark.parametrize(("spec", "says"), [
    ("nybb.colour=BoroName", "'colour' is not a kind of field (kinds: name, status, opening_year, population, zone_name)"),
    ("nybb.name=Borough", "no field 'Borough' for name (the layer has: BoroCode, BoroName, Shape_Leng"),
    ("wards.name=NAME", "no vector layer 'wards'"),
    ("nybb=BoroName", "write LAYER.KIND=FIELD"),
])
def test_a_wrong_field_flag_is_a_message(tmp_path, capsys, spec, says):
    files, _ = _new_york(tmp_path)
    assert cli([*files, "-p", "itdp-pnt", "--field", spec]) == 2
    assert says in capsys.readouterr().err


# ---- CSV tables ------------------------------------------------------------------------------------
def test_csv_points_by_lon_lat_xy_and_wkt_load_and_measure(tmp_path, capsys):
    """Stations as lon/lat, as x/y in UTM 48N (CRS from --crs), and the outline as WKT in UTM 48N
    (CRS from --crs) or in lon/lat (no CRS stated): the figures equal geopandas' in EPSG:32648."""
    outline = shapely.box(585_000, 2_325_000, 589_000, 2_328_000)
    stations = gpd.GeoSeries(shapely.points([(586_000, 2_326_000), (588_500, 2_327_500)]), crs=32648)
    lonlat = stations.to_crs(4326)
    (tmp_path / "ga_tau.csv").write_text("ten;lat;lon;status\n" + "".join(
        f"Ga {i};{str(p.y).replace('.', ',')};{str(p.x).replace('.', ',')};existing\n" for i, p in enumerate(lonlat)),
        encoding="utf-8")  # a semicolon table with decimal commas, as a European spreadsheet saves it
    (tmp_path / "ga_xy.csv").write_text("name,x,y,status\n" + "".join(
        f"G{i},{p.x},{p.y},existing\n" for i, p in enumerate(stations)))
    (tmp_path / "city_boundary.csv").write_text(f'name,wkt\ncity,"{outline.wkt}"\n')
    (tmp_path / "outline_lonlat.csv").write_text(f'name;WKT\ncity;{gpd.GeoSeries([outline], crs=32648).to_crs(4326).iloc[0].wkt}\n')
    [lonlat_outline] = read_layers(tmp_path / "outline_lonlat.csv")
    assert lonlat_outline.crs.to_epsg() == 4326 and "read as longitude/latitude (WGS 84)" in lonlat_outline.warnings[0]
    assert lonlat_outline.in_crs(32648).area.iloc[0] == pytest.approx(outline.area, rel=1e-6)
    [points] = read_layers(tmp_path / "ga_tau.csv")
    assert points.geometry_kind == "point" and points.crs.to_epsg() == 4326 and list(points.gdf["ten"]) == ["Ga 0", "Ga 1"]
    expected = stations.buffer(500, quad_segs=1024).union_all().intersection(outline).area  # the circles
    for table in ("ga_tau.csv", "ga_xy.csv"):
        [result], err = _json(capsys, tmp_path / "city_boundary.csv", tmp_path / table, "--role", f"{table}=metro_station",
                              "--crs", "EPSG:32648", "-p", "itdp-pnt", "-r", "500")
        assert result["figures"]["area_m2"] == pytest.approx(expected, rel=1e-4)  # the engine's circles: 1e-4
        assert result["figures"]["study_area_m2"] == pytest.approx(outline.area, rel=1e-12)
        assert "city_boundary.csv:city_boundary: role boundary" in err


@pytest.mark.parametrize(("text", "says"), [
    ("name,x,y\na,586000,2326000\n", "no CRS says what they are: give it with --crs"),
    ("name,lat,lon\na,21.03,105.85\nb,north,105.86\n", "1 value(s) in 'lat' are not numbers (row 3: 'north')"),
    ("name,lat,lon\na,210.3,105.85\n", "outside longitude -180..180 / latitude -90..90"),
    ("name,where\na,somewhere\n", "no coordinate columns"),
    ("name,wkt\na,POINT (1 2\n", "not WKT shapes"),
    ("<VRTDataset><OGRVRTLayer/></VRTDataset>\n", "XML"),
])
def test_a_bad_csv_is_a_message(tmp_path, capsys, text, says):
    path = tmp_path / "stops.csv"
    path.write_text(text)
    assert cli([str(path), "-p", "itdp-pnt"]) == 2
    err = capsys.readouterr().err
    assert "stops.csv" in err and says in err, err


def test_csv_rows_without_coordinates_are_left_out_and_said(tmp_path):
    (tmp_path / "schools.csv").write_text("name,longitude,latitude,pupils\nA,2.35,48.85,300\nB,,,120\n")
    [layer] = read_layers(tmp_path / "schools.csv")
    assert len(layer.gdf) == 1 and "1 row(s) without coordinates left out" in layer.warnings
