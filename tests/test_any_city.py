"""Any city, right numbers: cities in other UTM zones and both hemispheres, data in lon/lat, Web
Mercator or UTM, population grids in any CRS, measured by `planner measure` and checked against
geopandas in the city's own UTM zone and an exact zonal sum by exactextract (independent code)."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from exactextract import exact_extract

from layers.analysis.city import CityDataError
from layers.cli import main as cli
from layers.crs import TransformError, choose_working_crs, transformer
from layers.io import read_layers, read_raster
from layers.layer import VectorLayer
from layers.session import Session
from tests.cities import CITIES, truth, write_city


@pytest.fixture(scope="module", params=CITIES, ids=lambda c: c.name)
def city(request, tmp_path_factory):
    c = request.param
    gpkg, tif = write_city(c, tmp_path_factory.mktemp(c.name))
    return c, gpkg, tif


def measure(tmp_path, *args) -> list[dict]:
    out = tmp_path / "out.json"
    assert cli([*map(str, args), "-f", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text())


def exact_people(tif, region, region_crs) -> float:
    """People in a region by exactextract's coverage-weighted sum, the region taken onto the grid."""
    with rasterio.open(tif) as src:
        grid_crs = src.crs.to_wkt()
    shape = gpd.GeoDataFrame(geometry=[shapely.segmentize(region, 50)], crs=region_crs).to_crs(grid_crs)
    return float(exact_extract(str(tif), shape, "sum", output="pandas")["sum"].iloc[0])


def test_figures_are_in_the_citys_own_utm_zone_and_equal_independent_references(city, tmp_path):
    c, gpkg, tif = city
    [result] = measure(tmp_path, gpkg, tif, "-p", "itdp-pnt", "-r", 1000, "--zones")
    utm = c.utm
    assert result["crs"].startswith(f"EPSG:{utm.to_epsg()} ")
    # areas: geopandas, in the city's own UTM zone, from the files as written
    boundary = gpd.read_file(gpkg, layer="city_boundary").to_crs(utm).geometry.iloc[0]
    stations = gpd.read_file(gpkg, layer="metro_stations").to_crs(utm)
    existing = stations[stations["status"] == "existing"]
    reached = existing.buffer(1000, quad_segs=1024).union_all().intersection(boundary)  # the circles, to 2e-7
    figures = result["figures"]
    assert figures["study_area_m2"] == pytest.approx(boundary.area, rel=1e-9)
    assert figures["area_m2"] == pytest.approx(reached.area, rel=1e-4)
    # people: an exact zonal sum by other code, the grid in its own CRS (lon/lat, Mercator, UTM)
    assert figures["population"] == pytest.approx(exact_people(tif, reached, utm), rel=0.005)
    assert figures["study_population"] == pytest.approx(exact_people(tif, boundary, utm), rel=0.005)
    # zones: the four wards, clipped to the study area, adding up to the whole
    zones = {z["zone"]: z for z in result["zones"]}
    assert set(zones) == {"SW", "NW", "SE", "NE"}
    assert sum(z["area_m2"] for z in zones.values()) == pytest.approx(figures["area_m2"], rel=1e-9)
    assert sum(z["total_area_m2"] for z in zones.values()) == pytest.approx(boundary.area, rel=1e-9)


def test_green_figures_in_any_city(city, tmp_path):
    c, gpkg, tif = city
    [result] = measure(tmp_path, gpkg, tif, "-p", "green-per-resident")
    boundary = gpd.read_file(gpkg, layer="city_boundary").to_crs(c.utm).geometry.iloc[0]
    green = gpd.read_file(gpkg, layer="green_spaces").to_crs(c.utm).union_all().intersection(boundary)
    assert result["numerator"] == pytest.approx(green.area, rel=1e-9)
    assert result["denominator"] == pytest.approx(exact_people(tif, boundary, c.utm), rel=0.005)


@pytest.mark.parametrize("grid_epsg", [32648, 32649, 3405, 4326, 3857])
def test_a_population_grid_in_another_crs_counts_the_same_people(tmp_path, grid_epsg):
    """Hanoi stations measured in UTM 48N over the same people gridded in five CRSs (before: 0 people,
    or 10.86 % for 10.46 %, or a traceback for lon/lat)."""
    from tests.cities import City, write_population

    hanoi = City("hanoi_grid", 105.85, 21.03, "utm", "utm")
    t = truth(hanoi)
    stations = t.stations[t.stations["status"] == "existing"]
    catchment = stations.buffer(1000).union_all().intersection(t.boundary)
    epsg_kind = {32648: "utm", 4326: "lonlat", 3857: "webmercator"}
    figures = []
    for epsg in (32648, grid_epsg):
        if epsg in epsg_kind:
            tif = write_population(City("h", 105.85, 21.03, "utm", epsg_kind[epsg]), t, tmp_path / f"p{epsg}.tif")
        else:  # rewrite the UTM 48N grid's people onto a grid in the other CRS's own cells
            tif = write_population(hanoi, t, tmp_path / "p.tif")
            tif = _regrid(tif, epsg, tmp_path / f"p{epsg}.tif")
        session = Session()
        for layer in [read_raster(tif)]:
            session.add_layer(layer)
        session.set_working_crs(32648)
        grid = session.layers[0]
        session.set_role(grid, "population")
        from layers.analysis.city import CityData

        city = CityData.from_layers(list(session.layers), 32648, t.boundary)
        people = city.population.population_in(np.array([catchment], dtype=object))[0]
        assert people == pytest.approx(exact_people(tif, catchment, t.crs), rel=0.005)
        figures.append(people)
    assert figures[1] == pytest.approx(figures[0], rel=0.01)


def _regrid(tif, epsg, out):
    """The same people on a grid in `epsg` (sum-preserving: each target cell's share of source people)."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(tif) as src:
        transform, w, h = calculate_default_transform(src.crs, f"EPSG:{epsg}", src.width, src.height, *src.bounds)
        data = np.zeros((h, w))
        reproject(src.read(1), data, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                  dst_crs=f"EPSG:{epsg}", resampling=Resampling.sum)
        with rasterio.open(out, "w", driver="GTiff", width=w, height=h, count=1, dtype="float64",
                           crs=f"EPSG:{epsg}", transform=transform) as dst:
            dst.write(data, 1)
    return out


# ---- working CRS ----------------------------------------------------------------------------------
def test_the_working_crs_is_chosen_from_the_data():
    box = (2.2, 48.8, 2.5, 48.9)
    assert choose_working_crs([(4326, box)]).to_epsg() == 32631  # Paris
    assert choose_working_crs([(4326, (-46.8, -23.7, -46.4, -23.4))]).to_epsg() == 32723  # São Paulo: south
    assert choose_working_crs([(4326, box), (2154, (600_000, 6_850_000, 670_000, 6_870_000))]).to_epsg() == 2154
    assert choose_working_crs([(4756, (105.7, 20.9, 106.0, 21.1))]).to_epsg() == 5897  # VN-2000: TM-3 105°E
    assert choose_working_crs([(3857, (11_700_000, 2_380_000, 11_800_000, 2_400_000))]).to_epsg() == 32648
    # a GHSL grid in Mollweide is metric but a world projection: its circles are not circles
    assert choose_working_crs([("ESRI:54009", (180_000, 5_850_000, 200_000, 5_870_000))]).to_epsg() == 32631


def test_a_vn2000_tm3_control_point_lands_within_a_metre_of_wgs84():
    """VN-2000 to WGS 84 with the official 7 parameters (EPSG:6960; Decision 05/2007/QD-BTNMT),
    computed here with NumPy (coordinate-frame Helmert on the WGS 84 ellipsoid), against planner."""
    e, n = 586_000.0, 2_325_000.0  # a point in central Hanoi, VN-2000 / TM-3 zone 482 (EPSG:5897)
    lon_v, lat_v = transformer(5897, 4756).transform(e, n)  # the projection only: same datum
    ours = transformer(5897, 4326).transform(e, n)
    expected = _helmert(lon_v, lat_v)
    metres = transformer(4326, 32648)
    gap = np.hypot(*np.subtract(metres.transform(*ours), metres.transform(*expected)))
    assert gap < 1.0
    # without the datum shift the point would be far off: what a "ballpark" transform does
    no_shift = np.hypot(*np.subtract(metres.transform(lon_v, lat_v), metres.transform(*expected)))
    assert no_shift > 100


def _helmert(lon, lat):
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    lam, phi = np.radians(lon), np.radians(lat)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    xyz = np.array([nu * np.cos(phi) * np.cos(lam), nu * np.cos(phi) * np.sin(lam), nu * (1 - e2) * np.sin(phi)])
    t = np.array([-191.90441429, -39.30318279, -111.45032835])
    rx, ry, rz = np.radians(np.array([-0.00928836, 0.01975479, -0.00427372]) / 3600)
    s = 1 + 0.252906278e-6
    rotation = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])  # coordinate frame convention
    x, y, z = t + s * rotation @ xyz
    p = np.hypot(x, y)
    phi = np.arctan2(z, p * (1 - e2))
    for _ in range(10):
        nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z + e2 * nu * np.sin(phi), p)
    return float(np.degrees(np.arctan2(y, x))), float(np.degrees(phi))


def test_an_esri_prj_naming_d_vietnam_2000_gets_the_datum_shift(tmp_path):
    esri = ('PROJCS["VN_2000_TM3_105",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",'
            '6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
            'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
            'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],'
            'UNIT["Meter",1.0]]')
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(586_000, 2_325_000)], crs=5897).to_file(
        tmp_path / "stations.shp")
    (tmp_path / "stations.prj").write_text(esri)
    [layer] = read_layers(tmp_path / "stations.shp")
    placed = layer.in_crs(4326).geometry.iloc[0]
    official = transformer(5897, 4326).transform(586_000, 2_325_000)
    metres = transformer(4326, 32648)
    assert np.hypot(*np.subtract(metres.transform(placed.x, placed.y), metres.transform(*official))) < 1.0


def test_a_crs_without_a_datum_shift_is_refused_naming_both(tmp_path):
    no_datum = "+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m +no_defs"
    with pytest.raises(TransformError, match="no datum shift"):
        transformer(no_datum, 4326)
    session = Session()
    path = tmp_path / "stations_lonlat.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(105.85, 21.03)], crs=4326).to_file(path)
    session.add_layer(read_layers(path)[0])
    # made in memory: GDAL's GeoPackage writer would itself "identify" these parameters as VN-2000
    old = VectorLayer(name="old survey", role="metro_station",
                      gdf=gpd.GeoDataFrame(geometry=[shapely.Point(586_000, 2_325_000)], crs=no_datum))
    with pytest.raises(TransformError, match="accurately"):
        session.add_layer(old)
    assert len(session.layers) == 1  # nothing else changed


# ---- roles and the study area ------------------------------------------------------------------------
def test_a_city_outline_is_the_boundary_whatever_its_inner_layer_name(tmp_path, city):
    c, gpkg, tif = city
    outline = gpd.read_file(gpkg, layer="city_boundary")
    outline.to_file(tmp_path / "city_boundary.geojson", layer="hanoi")  # an inner name that says nothing
    [layer] = read_layers(tmp_path / "city_boundary.geojson")
    assert layer.role == "boundary"


def test_one_outline_around_the_rest_is_taken_for_the_boundary_and_a_raster_of_counts_for_people(city, tmp_path):
    c, gpkg, tif = city
    gpd.read_file(gpkg, layer="city_boundary").to_file(tmp_path / "emprise.gpkg", layer="emprise")
    gpd.read_file(gpkg, layer="metro_stations").to_file(tmp_path / "gares.gpkg", layer="gares")
    counts = tmp_path / "grille.tif"
    counts.write_bytes(tif.read_bytes())
    session = Session()
    for path in ("emprise.gpkg", "gares.gpkg", "grille.tif"):
        for layer in read_layers(tmp_path / path):
            session.add_layer(layer)
    # names that say nothing; the stations are known by their fields (a line and a status)
    assert [l.role for l in session.layers] == ["other", "metro_station", "other"]
    session.guess_roles(list(session.layers))
    assert [l.role for l in session.layers] == ["boundary", "metro_station", "population"]


def test_no_boundary_means_no_silent_study_area(city, tmp_path):
    """Before: the union of every ward layer (neighbours included) became the study area."""
    c, gpkg, tif = city
    session = Session()
    for layer in read_layers(gpkg):
        if layer.role != "boundary":
            session.add_layer(layer)
    with pytest.raises(CityDataError, match="no study area.*boundary"):
        session.city()
    assert cli([str(gpkg), str(tif), "--role", f"{gpkg.name}:city_boundary=other"]) == 2


def test_roles_are_set_from_the_command_line(city, tmp_path):
    c, gpkg, tif = city
    gpd.read_file(gpkg, layer="metro_stations").to_file(tmp_path / "haltestellen.gpkg", layer="h")
    stops = tmp_path / "haltestellen.gpkg"
    assert cli([str(gpkg), str(tif), str(stops), "-p", "itdp-pnt"]) == 0  # its own stations
    [with_stops] = measure(tmp_path, gpkg, tif, stops, "--role", f"{stops.name}=metro_station",
                           "--role", f"{gpkg.name}:metro_stations=other", "-p", "itdp-pnt")
    [own] = measure(tmp_path, gpkg, tif, "-p", "itdp-pnt")
    assert with_stops["value"] == pytest.approx(own["value"], rel=1e-12)
    assert cli([str(gpkg), "--role", f"{gpkg.name}=metro_station"]) == 2  # several layers: say which


@pytest.mark.parametrize("epsg", [3405, 3406, 5896, 5897, 5898, 9210])
def test_every_vn2000_grid_gets_the_official_datum_shift(epsg):
    """VN-2000 / UTM 48N and 49N, the TM-3 zones and a provincial TM-3 zone (105°45'): a point on the
    VN-2000 datum lands within a metre of where the official 7 parameters put it in WGS 84."""
    lon_v, lat_v = 105.85, 21.03  # on the VN-2000 datum
    x, y = transformer(4756, epsg).transform(lon_v, lat_v)  # the projection only: same datum
    ours = transformer(epsg, 4326).transform(x, y)
    metres = transformer(4326, 32648)
    assert np.hypot(*np.subtract(metres.transform(*ours), metres.transform(*_helmert(lon_v, lat_v)))) < 1.0
