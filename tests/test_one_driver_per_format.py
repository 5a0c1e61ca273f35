"""One GDAL driver per format: a file that another driver reads is refused under every suffix the
planner opens, whatever that driver is. The corpus is made from GDAL's own lists: a small file from
every vector driver that writes local files (written in a separate Python, whose GDAL still has
them all), every raster driver rasterio can write, and by hand the drivers that only read
(streamed pipelines, ESRI JSON, VRTs, PDS labels, ENVI headers, ...)."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pyogrio
import pytest
import rasterio
import rasterio.drivers
from rasterio.transform import from_origin

from layers.io import RASTER_SUFFIXES, VECTOR_SUFFIXES, LayerLoadError, read_layers

SUFFIXES = sorted(set(VECTOR_SUFFIXES) | set(RASTER_SUFFIXES))
# the drivers of files in the planner's own formats
PLANNER_FORMAT_WRITERS = {"GTiff", "COG", "GeoJSON", "TopoJSON", "GPKG", "ESRI Shapefile", "FlatGeobuf"}
# JSON-FG is GeoJSON with more members, which GeoJSON readers ignore: as a .geojson it is GeoJSON
READ_AS_GEOJSON = {"JSONFG"}

_WRITE_VECTORS = r"""
import json, pathlib, sys
import geopandas as gpd, pyogrio, shapely
out, skip = pathlib.Path(sys.argv[1]), set(json.loads(sys.argv[2]))
frame = gpd.GeoDataFrame({"name": ["Ga Ha Noi", "Long Bien"]}, crs=4326,
                         geometry=[shapely.Point(105.84, 21.02), shapely.Point(105.86, 21.04)])
made = {}
for name, info in sorted(pyogrio.list_drivers_details().items()):
    if name in skip or not (info["write"] and info["supports_vsi"] and info["extensions"]):
        continue
    path = out / ("".join(c for c in name if c.isalnum()) + info["extensions"][0])
    try:
        pyogrio.write_dataframe(frame, path, driver=name)
    except Exception:
        continue
    if path.is_file() and path.stat().st_size:
        made[name] = str(path)
print(json.dumps(made))
"""


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """Files elsewhere on the machine that a hostile file points at."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.csv").write_text("id,owner,WKT\n1,treasurer,POINT (105.84 21.02)\n")
    with rasterio.open(folder / "secret.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs="EPSG:32648", transform=from_origin(585_000, 2_325_400, 100, 100)) as dst:
        dst.write(np.full((4, 4), 7, "uint8"), 1)
    return folder


def _hand_made(folder, outside) -> dict[str, bytes]:
    """Files of drivers that read but do not write, and a few that matter most, by hand."""
    csv, tif = outside / "secret.csv", outside / "secret.tif"
    return {
        "GDALG": json.dumps({"type": "gdal_streamed_alg", "command_line":
                             f"gdal vector pipeline ! read {csv} ! edit --crs EPSG:4326"}).encode(),
        "ESRIJSON": json.dumps({"geometryType": "esriGeometryPoint", "spatialReference": {"wkid": 4326},
                                "fields": [{"name": "name", "type": "esriFieldTypeString"}],
                                "features": [{"attributes": {"name": "a"}, "geometry": {"x": 105.84, "y": 21.02}}]
                                }).encode(),
        "GeoJSONSeq": b'\x1e{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":'
                      b'[105.84,21.02]}}\n\x1e{"type":"Feature","properties":{"name":"b"},"geometry":{"type":"Point",'
                      b'"coordinates":[105.86,21.04]}}\n',
        "TopoJSON": json.dumps({"type": "Topology", "objects": {"stations": {"type": "GeometryCollection",
                                "geometries": [{"type": "Point", "coordinates": [105.84, 21.02]}]}},
                                "arcs": []}).encode(),
        "OGR_VRT": f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>{csv}</SrcDataSource>'
                   f'<GeometryType>wkbPoint</GeometryType><GeometryField encoding="WKT" field="WKT"/>'
                   f'</OGRVRTLayer></OGRVRTDataSource>'.encode(),
        "VRT": f'<VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:32648</SRS><GeoTransform>585000, 100, 0, '
               f'2325400, 0, -100</GeoTransform><VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
               f'<SourceFilename relativeToVRT="0">{tif}</SourceFilename><SourceBand>1</SourceBand>'
               f'</SimpleSource></VRTRasterBand></VRTDataset>'.encode(),
        "PDS": b"PDS_VERSION_ID = PDS3\r\nRECORD_TYPE = FIXED_LENGTH\r\nRECORD_BYTES = 4\r\n^IMAGE = 2\r\n"
               b"OBJECT = IMAGE\r\nLINES = 4\r\nLINE_SAMPLES = 4\r\nSAMPLE_BITS = 8\r\nSAMPLE_TYPE = UNSIGNED_INTEGER"
               b"\r\nEND_OBJECT = IMAGE\r\nEND\r\n" + bytes(16),
        "ENVI": b"ENVI\nsamples = 4\nlines = 4\nbands = 1\nheader offset = 0\ndata type = 1\ninterleave = bsq\n"
                b"byte order = 0\nmap info = {UTM, 1, 1, 585000, 2325400, 100, 100, 48, North, WGS-84}\n",
        "AAIGrid": b"ncols 4\nnrows 4\nxllcorner 585000\nyllcorner 2325000\ncellsize 100\n" + b"7 7 7 7\n" * 4,
        "OSM": b"<?xml version='1.0'?><osm version='0.6'><node id='1' lat='21.02' lon='105.84'>"
               b"<tag k='railway' v='station'/></node></osm>",
        "CSV": b"WKT,name\nPOINT (105.84 21.02),a\n",
        "SQLite": _sqlite_bytes(folder),
    }


def _sqlite_bytes(folder) -> bytes:
    """A plain SQLite database (not a GeoPackage) whose view reads a table of stations."""
    import sqlite3

    path = folder / "plain.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE stations (id INTEGER PRIMARY KEY, name TEXT, WKT TEXT)")
        db.execute("INSERT INTO stations (name, WKT) VALUES ('a', 'POINT (105.84 21.02)')")
        db.execute("CREATE VIEW everything AS SELECT * FROM stations")
    return path.read_bytes()


def _raster_samples(folder) -> dict[str, str]:
    """A 4 x 4 raster from every raster driver rasterio's GDAL lists that can write one."""
    made = {}
    data = np.arange(16, dtype="uint8").reshape(4, 4)
    profile = dict(width=4, height=4, count=1, dtype="uint8", crs="EPSG:32648",
                   transform=from_origin(585_000, 2_325_400, 100, 100))
    source = folder / "source.tif"
    with rasterio.open(source, "w", driver="GTiff", **profile) as dst:
        dst.write(data, 1)
    for extension, driver in sorted(rasterio.drivers.raster_driver_extensions().items()):
        if driver in PLANNER_FORMAT_WRITERS or driver in made:
            continue
        path = folder / f"{driver}.{extension}"
        try:
            with rasterio.open(path, "w", driver=driver, **profile) as dst:
                dst.write(data, 1)
        except Exception:
            try:
                rasterio.shutil.copy(source, path, driver=driver)
            except Exception:
                continue
        if path.is_file() and path.stat().st_size:
            made[driver] = str(path)
    return made


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, outside) -> dict[str, bytes]:
    """driver name -> the bytes of a small file that driver reads."""
    folder = tmp_path_factory.mktemp("written")
    written = subprocess.run([sys.executable, "-c", _WRITE_VECTORS, str(folder), json.dumps(sorted(PLANNER_FORMAT_WRITERS))],
                             capture_output=True, text=True, check=True, timeout=60)
    files = json.loads(written.stdout.strip().splitlines()[-1])
    files.update(_raster_samples(folder))
    samples = {name: open(path, "rb").read() for name, path in files.items()}
    samples.update(_hand_made(folder, outside))
    return samples


def test_the_corpus_covers_the_drivers_gdal_has(corpus):
    """Enough of GDAL's drivers are in the corpus: the ones the issue names, and most of those that
    read local files (the rest are databases and web services, or need files of their own)."""
    from layers.io.gdal_guard import VECTOR_DRIVERS, VECTOR_DRIVERS_UNLOADED

    vector = set(VECTOR_DRIVERS) | set(VECTOR_DRIVERS_UNLOADED)
    assert len(vector) > 40 and "GDALG" in VECTOR_DRIVERS_UNLOADED  # enumerated from GDAL, not listed here
    named = {"GDALG", "ESRIJSON", "VRT", "OGR_VRT", "CSV", "GML", "KML", "SQLite", "MapInfo File", "GPX", "PDS", "ENVI"}
    assert named <= set(corpus)
    assert len(set(corpus) & vector) >= 20 and len(set(corpus) - vector) >= 20


def _refused(path) -> LayerLoadError:
    with pytest.raises(LayerLoadError) as info:
        read_layers(path)
    error = info.value
    assert str(error).startswith(f"{path.name}: ")
    detail = getattr(error, "detail", "") or "Error: (library text)"  # a library's words, if one failed
    assert detail.split(": ", 1)[-1][:40] not in str(error)
    return error


def test_a_file_of_any_other_driver_is_refused_under_every_suffix(tmp_path, corpus):
    for driver, content in corpus.items():
        for suffix in SUFFIXES:
            if driver == "TopoJSON" and suffix == ".topojson":
                continue  # the planner reads TopoJSON
            if driver == "CSV" and suffix == ".csv":
                continue  # the planner reads CSV tables itself, through pandas, not GDAL (tests/test_roles_fields.py)
            if driver in READ_AS_GEOJSON and VECTOR_SUFFIXES.get(suffix) == "GeoJSON":
                continue  # read by the GeoJSON driver as the GeoJSON it also is (test below)
            folder = tmp_path / f"{''.join(c for c in driver if c.isalnum())}{suffix.replace('.', '_')}"
            folder.mkdir()
            path = folder / f"stations{suffix}"
            path.write_bytes(content)
            _refused(path)


def test_json_fg_as_geojson_is_read_as_geojson(tmp_path, corpus):
    path = tmp_path / "stations.geojson"
    path.write_bytes(corpus["JSONFG"])
    layer, = read_layers(path)
    assert layer.gdf.geometry.x.round(6).tolist() == [105.84, 105.86] and layer.crs.to_epsg() == 4326


def test_a_zipped_file_of_another_driver_named_shp_is_refused(tmp_path, corpus):
    for driver in ("GDALG", "OGR_VRT", "CSV", "GML", "SQLite", "MapInfo File"):
        path = tmp_path / f"{''.join(c for c in driver if c.isalnum())}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("stations.shp", corpus[driver])
        _refused(path)


@pytest.mark.parametrize("name", ["stations.json", "stations.geojson"])
def test_a_streamed_pipeline_reads_no_file_outside(tmp_path, outside, name):
    """The attack of issue 22: a .json that is a GDAL pipeline reading a CSV anywhere on the machine."""
    path = tmp_path / name
    path.write_text(json.dumps({"type": "gdal_streamed_alg", "command_line":
                                f"gdal vector pipeline ! read {outside / 'secret.csv'} ! edit --crs EPSG:4326"}))
    error = _refused(path)
    assert "treasurer" not in str(error)
    assert "GeoJSON" in error.reason


def test_gdal_has_only_the_planners_vector_drivers():
    """pyogrio's GDAL, which reads every vector file, has no driver but those of the planner's formats."""
    from layers.io.gdal_guard import VECTOR_DRIVERS

    assert set(VECTOR_DRIVERS) < PLANNER_FORMAT_WRITERS
    assert set(pyogrio.list_drivers()) == set(VECTOR_DRIVERS)


def test_every_format_still_loads_with_its_driver(tmp_path, stations_gdf):
    """The planner's own formats load as before, each read by its one driver."""
    written = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile",
               ".fgb": "FlatGeobuf"}
    for suffix, driver in written.items():
        path = tmp_path / f"stations{suffix}"
        pyogrio.write_dataframe(stations_gdf, path, driver=driver)
        layer, = read_layers(path)
        assert layer.gdf["name"].tolist() == stations_gdf["name"].tolist()
    shp = tmp_path / "stations.zip"
    with zipfile.ZipFile(shp, "w") as archive:
        for part in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            archive.write(tmp_path / f"stations{part}", f"stations{part}")
    assert read_layers(shp)[0].gdf["name"].tolist() == stations_gdf["name"].tolist()
    topo = tmp_path / "stations.topojson"
    topo.write_text(json.dumps({"type": "Topology", "arcs": [], "objects": {"stations": {
        "type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [105.84, 21.02]}]}}}))
    assert len(read_layers(topo)[0].gdf) == 1
