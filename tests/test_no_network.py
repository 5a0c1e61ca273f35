"""No request leaves the process, whatever its environment: GeoJSON `crs` members that are links,
URLs or paths are refused before GDAL sees them (GDAL fetches links whatever proxy it is given
when `no_proxy` lets it), and a listener on 127.0.0.1 sees no connection while the planner loads
hostile files under `no_proxy=*`, `NO_PROXY=127.0.0.1`, proxies and GDAL options pointing at it."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from layers.io import LayerLoadError, read_layers

ROOT = Path(__file__).resolve().parents[1]


def _stations(crs_member=None, geometry_crs=None, key="crs") -> str:
    """Two stations in Lisbon (lon/lat) with a `crs` member on the collection or on a geometry."""
    features = []
    for i, (x, y) in enumerate([(-9.1393, 38.7223), (-9.1427, 38.7134)]):
        geometry = {"type": "Point", "coordinates": [x, y]}
        if geometry_crs and i == 1:
            geometry[key] = geometry_crs
        features.append({"type": "Feature", "properties": {"name": f"s{i}"}, "geometry": geometry})
    document = {"type": "FeatureCollection", "features": features}
    if crs_member:
        document[key] = crs_member
    return json.dumps(document)


def _hostile_geojsons(url: str) -> dict[str, str]:
    link = {"type": "link", "properties": {"href": url, "type": "ogcwkt"}}
    return {
        "link.geojson": _stations(link),
        "url.json": _stations({"type": "URL", "properties": {"url": url}}),
        "geometry_link.geojson": _stations(geometry_crs=link),
        "upper_case.geojson": _stations({"TYPE": "LINK", "PROPERTIES": {"HREF": url}}, key="CRS"),
        "escaped.geojson": _stations(link).replace('"crs"', '"\\u0063r\\u0073"'),
        "name_is_url.geojson": _stations({"type": "name", "properties": {"name": url}}),
        "name_is_path.geojson": _stations({"type": "name", "properties": {"name": "/etc/passwd"}}),
        "duplicate.geojson": _stations(link).replace('"crs":', '"crs": {"type": "name", "properties": {"name": '
                                                     '"EPSG:4326"}}, "crs":'),  # GDAL takes the last
        "padded.geojson": _stations({"type": "link", "properties": {"padding": "x" * 70_000, "href": url}}),
    }


@pytest.mark.parametrize("name", list(_hostile_geojsons("http://127.0.0.1:9/crs")))
def test_a_crs_member_that_points_elsewhere_is_refused(tmp_path, listener, name):
    port, connections = listener
    path = tmp_path / name
    path.write_text(_hostile_geojsons(f"http://127.0.0.1:{port}/crs")[name])
    with pytest.raises(LayerLoadError, match=rf"{name}: its 'crs' member .* (name it|name the CRS) \(e.g. EPSG:4326\)"):
        read_layers(path)
    assert connections == []


@pytest.mark.parametrize("member, epsg", [
    ({"type": "name", "properties": {"name": "EPSG:4326"}}, 4326),
    ({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, 4326),
    ({"type": "EPSG", "properties": {"code": 4326}}, 4326),
    (None, 4326),
])
def test_a_crs_given_by_name_still_loads(tmp_path, member, epsg):
    path = tmp_path / "stations.geojson"
    path.write_text(_stations(member))
    layer, = read_layers(path)
    assert layer.crs.to_epsg() == epsg and len(layer.gdf) == 2


def test_a_property_named_like_a_crs_member_is_not_one(tmp_path):
    """Only objects are read as CRSs: a field 'crs' holding text is a field."""
    path = tmp_path / "stations.geojson"
    path.write_text(_stations().replace('"name": "s0"', '"name": "s0", "crs": "see http://example.org"'))
    assert read_layers(path)[0].gdf["crs"].tolist()[0] == "see http://example.org"


def test_a_geopackage_view_that_geocodes_is_refused(tmp_path, listener, monkeypatch):
    """A view calling GDAL's ogr_geocode would send every name to a geocoding service: GDAL refuses
    to open it, and the planner says why in its words."""
    port, connections = listener
    monkeypatch.setenv("OGR_GEOCODE_QUERY_TEMPLATE", f"http://127.0.0.1:{port}/search?q=%s")
    monkeypatch.setenv("no_proxy", "*")
    path = tmp_path / "stations.gpkg"
    gpd.GeoDataFrame({"name": ["Rossio"]}, geometry=[shapely.Point(-9.14, 38.71)], crs=4326).to_file(
        path, layer="stations", SPATIAL_INDEX="NO")
    with sqlite3.connect(path) as db:
        db.execute("CREATE VIEW located AS SELECT fid, geom, ogr_geocode(name) AS found FROM stations")
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                   "VALUES ('located', 'features', 'located', 4326)")
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('located', 'geom', 'POINT', 4326, 0, 0)")
    with pytest.raises(LayerLoadError, match=r"stations.gpkg: holds views or triggers calling functions"):
        read_layers(path)
    assert connections == []


def _hostile_folder(folder: Path, port: int) -> None:
    """Files that would each make GDAL connect to the listener, one way or another."""
    url = f"http://127.0.0.1:{port}"
    for name, text in _hostile_geojsons(f"{url}/crs").items():
        (folder / name).write_text(text)
    # a GeoTIFF whose mask sidecar and .aux.xml point at the network
    with rasterio.open(folder / "pop.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs="EPSG:3763", transform=from_origin(-88_000, -104_000, 100, 100)) as dst:
        dst.write(np.full((4, 4), 50.0, "float32"), 1)
    (folder / "pop.tif.msk").write_text(
        f'<VRTDataset rasterXSize="4" rasterYSize="4"><VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
        f'<SourceFilename relativeToVRT="0">/vsicurl/{url}/mask.tif</SourceFilename><SourceBand>1</SourceBand>'
        f'</SimpleSource></VRTRasterBand></VRTDataset>')
    (folder / "pop.tif.aux.xml").write_text(f'<PAMDataset><SRS>{url}/srs</SRS></PAMDataset>')
    # a GeoPackage whose CRS definition and a Shapefile whose .prj are URLs
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(-88_000, -104_000)], crs=3763)
    frame.to_file(folder / "stations.gpkg", layer="stations")
    with sqlite3.connect(folder / "stations.gpkg") as db:
        db.execute("UPDATE gpkg_spatial_ref_sys SET definition = ?, organization = 'NONE' WHERE srs_id = 3763",
                   (f"{url}/gpkg",))
    frame.to_file(folder / "wards.shp")
    (folder / "wards.prj").write_text(f"{url}/prj")


_CHILD = """
import json, sys
from pathlib import Path
from layers.io import LayerLoadError, read_layers
results = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    if path.suffix in (".geojson", ".json", ".tif", ".gpkg", ".shp"):
        try:
            results[path.name] = [str(layer.crs) for layer in read_layers(path)]
        except LayerLoadError as exc:
            results[path.name] = str(exc)
print(json.dumps(results))
"""


@pytest.mark.parametrize("environment", ["clean", "no_proxy=*", "NO_PROXY=127.0.0.1 and proxies and GDAL options"])
def test_no_connection_whatever_the_environment(tmp_path, listener, environment):
    port, connections = listener
    _hostile_folder(tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith(("GDAL_", "CPL_"))}
    env["PYTHONPATH"] = str(ROOT)
    if environment == "no_proxy=*":
        env["no_proxy"] = "*"
    elif environment != "clean":
        env.update({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1,localhost", "http_proxy": url,
                    "https_proxy": url, "ALL_PROXY": url, "GDAL_HTTP_PROXY": f"127.0.0.1:{port}",
                    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif .geojson .json .xml",
                    "GDAL_PAM_ENABLED": "YES", "GDAL_DISABLE_READDIR_ON_OPEN": "FALSE",
                    "PROJ_NETWORK": "ON", "PROJ_NETWORK_ENDPOINT": url})
    child = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)], env=env, capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)
    assert child.returncode == 0, child.stderr
    results = json.loads(child.stdout.strip().splitlines()[-1])
    assert connections == []
    for name in _hostile_geojsons(url):
        assert "its 'crs' member" in results[name]
    assert "3763" in results["pop.tif"][0]  # the GeoTIFF's own CRS, nothing from beside it
    assert set(results) == set(_hostile_geojsons(url)) | {"pop.tif", "stations.gpkg", "wards.shp"}
