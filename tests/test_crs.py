"""The working CRS and the guard that refuses to measure in degrees or Web Mercator."""
from __future__ import annotations

import pytest
from pyproj import CRS

from layers.crs import NotMetricCRSError, choose_working_crs, crs_label, reproject, require_metric, utm_crs_for


def test_hanoi_data_works_in_utm_48n(stations_gdf):
    crs = choose_working_crs([(stations_gdf.crs, tuple(stations_gdf.total_bounds))])
    assert crs.to_epsg() == 32648
    metric = reproject(stations_gdf, crs)
    assert metric.crs.to_epsg() == 32648
    # Cát Linh to La Thành: compare with the geodesic distance on WGS 84.
    from pyproj import Geod

    _, _, geodesic = Geod(ellps="WGS84").inv(105.8280, 21.0282, 105.8243, 21.0220)
    planar = metric.geometry.iloc[0].distance(metric.geometry.iloc[1])
    assert planar == pytest.approx(geodesic, rel=1e-3)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(105.85, 21.03, 32648), (2.35, 48.85, 32631), (-58.4, -34.6, 32721), (179.9, 10, 32660), (-180, 0, 32601)],
)
def test_utm_zone_of_the_centre(lon, lat, epsg):
    assert utm_crs_for(lon, lat).to_epsg() == epsg


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4756", "EPSG:3857", "EPSG:2263"])
def test_guard_refuses_non_metric(crs):
    with pytest.raises(NotMetricCRSError, match="cannot compute areas"):
        require_metric(CRS.from_user_input(crs), "areas")


def test_guard_accepts_metric_projected():
    assert require_metric("EPSG:32648").to_epsg() == 32648
    assert require_metric("EPSG:3405").to_epsg() == 3405  # VN-2000 / UTM zone 48N


def test_guard_without_crs():
    with pytest.raises(NotMetricCRSError, match="no CRS"):
        require_metric(None)


def test_label_names_the_crs():
    assert crs_label(CRS.from_epsg(32648)) == "EPSG:32648 (WGS 84 / UTM zone 48N)"


def test_an_accurate_transform_is_checked_once_per_pair_and_a_refusal_every_time(monkeypatch):
    """The loading thread checks a layer's CRS, the session checks it again when the layer is added:
    the second check finds the first's answer (PROJ objects cost tens of ms in each thread)."""
    import layers.crs as crs_module

    made = []
    real = crs_module.shift
    monkeypatch.setattr(crs_module, "shift", lambda s, t, area=None: made.append((s, t)) or real(s, t, area))
    monkeypatch.setattr(crs_module, "_ACCURATE", crs_module._Remembered())
    crs_module.require_accurate(CRS.from_epsg(4326), CRS.from_epsg(32648))
    crs_module.require_accurate(CRS.from_epsg(4326), "EPSG:32648")  # the same definitions
    assert len(made) == 1
    no_datum = "+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m +no_defs"
    for _ in range(2):
        with pytest.raises(crs_module.TransformError, match="no datum shift"):
            crs_module.require_accurate(no_datum, 4326)
    assert len(made) == 3  # a refusal is not remembered: asked again, refused again


def test_lonlat_bounds_are_worked_out_once_per_crs_and_bounds(monkeypatch):
    """The loading thread and then the GUI thread ask for a layer's bounds in degrees: the second
    is a look-up (making the transformer took 45-60 ms of the GUI thread), and the same answer."""
    import layers.crs

    made = []
    monkeypatch.setattr(layers.crs, "_LONLAT_BOUNDS", layers.crs._Remembered(most=2))
    real = layers.crs._lonlat_bounds
    monkeypatch.setattr(layers.crs, "_lonlat_bounds", lambda crs, bounds: made.append(crs) or real(crs, bounds))
    bounds = (280_000.0, 6_240_000.0, 300_000.0, 6_260_000.0)  # Santiago de Chile, UTM 19S
    first = layers.crs.lonlat_bounds("EPSG:32719", bounds)
    assert layers.crs.lonlat_bounds(CRS.from_epsg(32719), bounds) == first and len(made) == 1
    west, south, east, north = first
    assert -72.0 < west < east < -71.0 and -34.0 < south < north < -33.0
    assert layers.crs.lonlat_bounds("EPSG:32719", (280_000.0, 6_240_000.0, 300_000.0, 6_270_000.0))[3] > north
    # the last `most` asked are kept (a long session opens many layers): two here
    layers.crs.lonlat_bounds("EPSG:32719", bounds)
    assert len(made) == 2
    layers.crs.lonlat_bounds("EPSG:32633", bounds)  # Rome's zone: the answer asked longest ago is let go
    layers.crs.lonlat_bounds("EPSG:32719", bounds)
    assert len(made) == 3
    layers.crs.lonlat_bounds("EPSG:32719", (280_000.0, 6_240_000.0, 300_000.0, 6_270_000.0))
    assert len(made) == 4


def test_a_crs_is_looked_up_in_the_registry_once_per_definition(monkeypatch):
    """The metric twin of a State Plane zone in feet is found by searching PROJ's registry (about 0.1 s):
    asked again for the same definition, the same answer without searching again; another
    definition, or the same with the axis order ignored, is searched for its own answer."""
    import layers.crs
    from pyproj.crs import ProjectedCRS

    searched = []
    monkeypatch.setattr(layers.crs, "_REGISTERED", layers.crs._Remembered())
    real = layers.crs._registered
    monkeypatch.setattr(layers.crs, "_registered", lambda crs, ignore: searched.append(crs.srs) or real(crs, ignore))
    feet = CRS.from_epsg(2263)  # NAD83 / New York Long Island (ftUS)
    assert layers.crs.metric_form(feet).to_epsg() == 32118  # its metric twin, NAD83 / New York Long Island
    assert layers.crs.metric_form(CRS.from_epsg(2263)).to_epsg() == 32118 and len(searched) == 1
    twin = ProjectedCRS(conversion=feet.coordinate_operation, geodetic_crs=feet.geodetic_crs)
    assert layers.crs.registered(twin).to_epsg() == 32118 and len(searched) == 2  # the axis order too
    assert layers.crs.metric_form(CRS.from_epsg(3424)).to_epsg() == 32111  # New Jersey (ftUS): its own
    assert len(searched) == 3


def test_a_layer_reprojected_in_one_thread_is_found_in_another(monkeypatch):
    """The loading thread reprojects a layer; the GUI thread asks for it again in the same CRS: the
    same frame (the key is the CRS's definition: PROJ may write its WKT otherwise in each thread)."""
    import threading

    import geopandas as gpd
    import shapely

    import layers.layer as layer_module
    from layers.layer import VectorLayer

    made = []
    real = layer_module.reproject
    monkeypatch.setattr(layer_module, "reproject", lambda gdf, target: made.append(target) or real(gdf, target))
    stops = gpd.GeoDataFrame({"name": ["Plaza Independencia"]}, geometry=[shapely.Point(-56.199, -34.907)],
                             crs="EPSG:4326")  # Montevideo, UTM 21S
    layer = VectorLayer(name="stops", gdf=stops)
    first = []
    worker = threading.Thread(target=lambda: first.append(layer.in_crs(CRS.from_epsg(32721))))
    worker.start()
    worker.join()
    assert layer.in_crs(CRS.from_epsg(32721)) is first[0] and len(made) == 1


def test_a_layers_crs_is_kept_as_the_registered_code_it_is(tmp_path):
    """A GeoParquet file writes its CRS out (PROJJSON), a Shapefile as WKT: read, the layer's CRS is
    the EPSG code it is exactly (PROJ transforms from a code a hundred times sooner), never one
    that differs (axis order, a datum shift of the file's own)."""
    import geopandas as gpd
    import shapely

    from layers.io import read_counted, read_vector

    boxes = [shapely.box(-3_910 + 40 * i, 5_580_000, -3_890 + 40 * i, 5_580_020) for i in range(3)]
    utm = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=boxes, crs="EPSG:32631")  # Paris, UTM 31N
    utm.to_parquet(tmp_path / "buildings.parquet")
    utm.to_file(tmp_path / "buildings.shp")
    for layer in (read_counted(tmp_path / "buildings.parquet"), read_vector(tmp_path / "buildings.parquet"),
                  read_vector(tmp_path / "buildings.shp")):
        assert layer.crs.srs == "EPSG:32631" and layer.crs == CRS.from_epsg(32631)
    lonlat = utm.to_crs("OGC:CRS84")  # longitude first: not EPSG:4326, whose axes are the other way round
    lonlat.to_parquet(tmp_path / "lonlat.parquet")
    assert read_vector(tmp_path / "lonlat.parquet").crs.srs != "EPSG:4326"
    own = "+proj=utm +zone=48 +ellps=WGS84 +towgs84=-191.9,-39.3,-111.45,0,0,0,0 +units=m +no_defs"  # VN-2000-like
    gpd.GeoDataFrame(geometry=[shapely.Point(585_000, 2_325_000)], crs=own).to_parquet(tmp_path / "own.parquet")
    assert read_vector(tmp_path / "own.parquet").crs.to_epsg() is None


# UTM 48N, UTM 19S, New York Long Island in US feet, VN-2000 / UTM 48N, lon/lat, Web Mercator, the British grid
_REGISTERED = (32648, 32719, 2263, 3405, 4326, 3857, 27700)


@pytest.mark.parametrize("code", _REGISTERED)
def test_a_projjson_of_a_registered_crs_is_that_crs_without_parsing_it(code, monkeypatch):
    """A GeoParquet file's PROJJSON, as PROJ writes it (or another PROJ, without its members' ids):
    the registered CRS from its code, the same as parsing it, and PROJ is not asked to parse."""
    from layers.crs import parsed_crs

    written = CRS.from_epsg(code).to_json_dict()
    parsed = CRS.from_user_input(written)
    for member in written.get("base_crs", {}).get("datum_ensemble", {}).get("members", []):
        member.pop("id", None)  # as another PROJ version wrote it
    read = CRS.from_user_input

    def from_user_input(value, *args, **kwargs):  # what pyproj's own from_authority calls too
        assert not isinstance(value, dict), "the PROJJSON was parsed"
        return read(value, *args, **kwargs)

    monkeypatch.setattr(CRS, "from_user_input", from_user_input)
    fast = parsed_crs(written)
    assert fast.equals(parsed) and fast.to_epsg() == code


def test_a_projjson_whose_id_is_not_its_definition_is_parsed():
    """A file may say anything: where the definition is not its id's CRS (UTM zone 49's written out,
    the id zone 48's), the definition is what is read."""
    from layers.crs import parsed_crs

    written = CRS.from_epsg(32649).to_json_dict()
    written["id"] = {"authority": "EPSG", "code": 32648}
    assert parsed_crs(written).equals(CRS.from_user_input(written))
    assert not parsed_crs(written).equals(CRS.from_epsg(32648))
    assert parsed_crs({**written, "id": {"authority": "EPSG", "code": 999999}}).equals(CRS.from_epsg(32649))
    assert parsed_crs("EPSG:32648") == CRS.from_epsg(32648)  # not a dict: as pyproj reads it
