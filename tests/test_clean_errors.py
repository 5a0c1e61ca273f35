"""Every way a library fails on a bad file ends in a `LayerLoadError` that names the file and says
what is wrong in the planner's words, never in the library's (its text is kept in `detail`);
`planner measure` prints that message and exits 2 without a traceback, and its JSON is JSON."""
from __future__ import annotations

import json
import sqlite3
import struct
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.transform import from_origin

from layers.cli import main
from layers.io import LayerLoadError, read_layers, read_raster_view

# Nairobi, UTM 37S
CRS = "EPSG:32737"
X0, Y0 = 257_000.0, 9_857_000.0


def _no_library_words(error: LayerLoadError, *words: str) -> None:
    assert str(error).startswith(f"{error.path.name}: ")
    for word in words:
        assert word.lower() not in str(error).lower()


def _measure(argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _stations(tmp_path) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Kenyatta Avenue", "Railways"]}, crs=CRS,
                            geometry=shapely.points([(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500)]))


def _encrypt_flag(path, member: str) -> None:
    """Mark `member` of the zip at `path` encrypted (bit 0 of its flags, in both headers), as a
    zip made with a password says it is."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    local = info.header_offset
    data[local + 6] |= 1
    central = data.find(b"PK\x01\x02" + data[local + 4: local + 6])  # its central directory entry
    while data[central + 46: central + 46 + len(member)] != member.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 8] |= 1
    path.write_bytes(bytes(data))


def test_an_encrypted_zip_member_is_said_plainly(tmp_path, capsys):
    _stations(tmp_path).to_file(tmp_path / "stations.shp")
    path = tmp_path / "stations.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in (".shp", ".shx", ".dbf", ".prj"):
            archive.write(tmp_path / f"stations{part}", f"stations{part}")
    _encrypt_flag(path, "stations.shp")
    with pytest.raises(LayerLoadError, match=r"stations.zip: stations.shp in the zip archive is encrypted") as info:
        read_layers(path)
    _no_library_words(info.value, "RuntimeError", "password required")
    code, out, err = _measure([str(path)], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "stations.zip: stations.shp in the zip archive is encrypted" in err


def test_a_geotiff_with_a_zero_pixel_size_is_refused(tmp_path, capsys):
    path = tmp_path / "population.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs=CRS,
                       transform=Affine(0.0, 0.0, X0, 0.0, 0.0, Y0)) as dst:
        dst.write(np.ones((4, 4), "float32"), 1)
    with pytest.raises(LayerLoadError, match=r"population.tif: the raster's pixel size is zero") as info:
        read_layers(path)
    _no_library_words(info.value, "TransformNotInvertible", "affine")
    with pytest.raises(LayerLoadError, match=r"population.tif: the raster's pixel size is zero"):
        read_raster_view(path, (X0, Y0, X0 + 400, Y0 + 400), (4, 4))
    code, out, err = _measure([str(path)], capsys)
    assert code == 2 and "Traceback" not in err and "population.tif: the raster's pixel size is zero" in err


def test_a_damaged_geometry_is_said_in_the_planners_words(tmp_path):
    path = tmp_path / "stations.gpkg"
    _stations(tmp_path).to_file(path, layer="stations", SPATIAL_INDEX="NO")  # no triggers needing GDAL's SQL
    with sqlite3.connect(path) as db:  # the second point: 8 bytes of header, 21 of WKB cut to 12
        db.execute("UPDATE stations SET geom = substr(geom, 1, 20) WHERE fid = 2")
    with pytest.raises(LayerLoadError, match=r"stations.gpkg: .*damaged") as info:
        read_layers(path)
    _no_library_words(info.value, "ParseException", "Input buffer", "GEOS")
    assert info.value.detail  # the library's own words are kept for a bug report


def test_a_damaged_geopackage_does_not_show_sql(tmp_path):
    path = tmp_path / "city.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    with pytest.raises(LayerLoadError) as info:
        read_layers(path)
    _no_library_words(info.value, "sqlite3_", "SELECT", "prepare")
    assert "GeoPackage" in info.value.reason


def test_a_flatgeobuf_whose_header_lies_is_reported(tmp_path, capsys):
    """Its header counts 50 stations; its features are cut off after the index. GDAL reads none and
    says nothing: the planner says the file is cut off, never that it loaded an empty layer."""
    frame = gpd.GeoDataFrame({"name": [f"s{i}" for i in range(50)]}, crs=CRS,
                             geometry=shapely.points([(X0 + 20 * i, Y0) for i in range(50)]))
    whole = tmp_path / "whole.fgb"
    frame.to_file(whole)
    data = whole.read_bytes()
    header = struct.unpack("<I", data[8:12])[0]
    index_end = 12 + header + 50 * 40 + 40  # packed R-tree of 50 items, node size 16: 54 nodes of 40 bytes
    path = tmp_path / "stations.fgb"
    path.write_bytes(data[: index_end + 10])
    for read in (read_layers, lambda p: read_layers(p, to_count={"stations"})):
        with pytest.raises(LayerLoadError, match=r"stations.fgb: .*says it has 50 features but none could be read"):
            read(path)
    code, out, err = _measure([str(path), "--role", "stations.fgb=metro_station"], capsys)
    assert code == 2 and "says it has 50 features but none could be read" in err


def test_json_output_is_json_when_a_figure_cannot_be_computed(tmp_path, capsys):
    """An all-zero population grid: the share of people near stations is 0 / 0, written as null."""
    stations = _stations(tmp_path)
    boundary = gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 1000)], crs=CRS)
    gpkg = tmp_path / "city.gpkg"
    boundary.to_file(gpkg, layer="city_boundary")
    stations.to_file(gpkg, layer="metro_stations")
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=20, height=10, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0, Y0 + 1000, 100, 100)) as dst:
        dst.write(np.zeros((10, 20), "float32"), 1)
    code, out, err = _measure([str(gpkg), str(tif), "-p", "itdp-pnt", "-r", "500", "-f", "json"], capsys)
    assert code == 0, err

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    [result] = json.loads(out, parse_constant=no_constants)
    assert result["denominator"] == 0 and result["value"] is None
