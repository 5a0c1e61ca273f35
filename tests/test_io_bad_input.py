"""Bad files: each gives a LayerLoadError naming the file and the reason, and the map is unchanged."""
from __future__ import annotations

import json
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from layers.io import LayerLoadError, read_layers, read_raster, read_vector
from layers.stack import LayerStack


@pytest.fixture
def stack(wards_gdf, tmp_path):
    """A map that already holds one layer; a failed load must leave it exactly so."""
    path = tmp_path / "wards.geojson"
    wards_gdf.to_file(path)
    s = LayerStack()
    for layer in read_layers(path):
        s.add(layer)
    return s


def _load_into(stack: LayerStack, path) -> str:
    """Load like the app does (read, then add); return the error message."""
    before = (stack.names(), [id(l) for l in stack])
    with pytest.raises(LayerLoadError) as info:
        for layer in read_layers(path):
            stack.add(layer)
    assert (stack.names(), [id(l) for l in stack]) == before
    assert info.value.path.name in str(info.value)
    return str(info.value)


def test_missing_file(stack, tmp_path):
    assert _load_into(stack, tmp_path / "nowhere.gpkg") == "nowhere.gpkg: file not found"


def test_unreadable_file(stack, tmp_path, stations_gdf, monkeypatch):
    path = tmp_path / "locked.geojson"
    stations_gdf.to_file(path)
    path.chmod(0)
    # CI runs as root, who may read anything: ask the OS as a normal user would be answered.
    monkeypatch.setattr("layers.io.sources.os.access", lambda p, mode: os.geteuid() != 0 and os.access(p, mode))
    assert "permission denied" in _load_into(stack, path)


def test_not_a_gis_file(stack, tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("these are meeting notes, not GeoJSON")
    assert _load_into(stack, path) == "notes.geojson: is not a GeoJSON file: its first bytes are not those of one"
    path.write_text('{"type": "FeatureCollection", "features": [')  # begins as JSON, then is cut off
    assert _load_into(stack, path) == "notes.geojson: is not valid GeoJSON: it is cut off, damaged, or JSON of another kind"


def test_unsupported_file_type(stack, tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    assert "not a supported GIS file type '.docx'" in _load_into(stack, path)


def test_zero_byte_file(stack, tmp_path):
    path = tmp_path / "empty.gpkg"
    path.touch()
    assert "empty (0 bytes)" in _load_into(stack, path)


def test_no_features(stack, tmp_path):
    path = tmp_path / "nothing.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    assert "has no features" in _load_into(stack, path)


def test_no_crs(stack, tmp_path, stations_gdf):
    path = tmp_path / "nocrs.fgb"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        stations_gdf.set_crs(None, allow_override=True).to_file(path)
    assert "no coordinate reference system" in _load_into(stack, path)


def test_raster_without_crs(stack, tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=from_origin(0, 2, 1, 1)) as dst:
        dst.write(np.ones((2, 2), "float32"), 1)
    assert "no coordinate reference system" in _load_into(stack, path)


def test_unsupported_geometry(stack, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["mixed"]},
        geometry=[shapely.GeometryCollection([shapely.Point(105.8, 21.0), shapely.box(105.8, 21.0, 105.9, 21.1)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "collection.gpkg"
    gdf.to_file(path, layer="collection")
    assert "1 feature(s) mix points, lines and polygons in one GeometryCollection" in _load_into(stack, path)


def test_metres_labelled_as_degrees(stack, tmp_path, wards_gdf):
    path = tmp_path / "mislabelled.gpkg"
    wards_gdf.set_crs("EPSG:4326", allow_override=True).to_file(path)
    assert "impossible for EPSG:4326" in _load_into(stack, path)


def test_degrees_labelled_as_utm(stack, tmp_path, stations_gdf):
    path = tmp_path / "degrees.gpkg"
    stations_gdf.set_crs("EPSG:32648", allow_override=True).to_file(path)
    assert "look like degrees" in _load_into(stack, path)


def test_non_finite_coordinates(stack, tmp_path):
    path = tmp_path / "nan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": [105.8, 21.0]}},
        {"type": "Feature", "properties": {"name": "b"}, "geometry": {"type": "Point", "coordinates": [1e400, 21.0]}},
    ]}))
    assert "not finite" in _load_into(stack, path)


def test_gpkg_layer_that_does_not_exist(tmp_path, stations_gdf):
    path = tmp_path / "city.gpkg"
    stations_gdf.to_file(path, layer="stations")
    with pytest.raises(LayerLoadError, match=r"city.gpkg: has no layer named 'bridges' \(it has: stations\)"):
        read_vector(path, "bridges")


def test_invalid_geometries_are_repaired_and_counted(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    gdf = gpd.GeoDataFrame(
        {"name": ["bowtie", "square"]},
        geometry=[shapely.affinity.translate(bowtie, 585_000, 2_325_000), shapely.box(585_000, 2_325_000, 585_010, 2_325_010)],
        crs="EPSG:32648",
    )
    path = tmp_path / "parks.gpkg"
    gdf.to_file(path)
    with pytest.raises(LayerLoadError, match="feature 1: 0.0 m2 as drawn, 50.0 m2 repaired"):
        read_vector(path)  # the repair turns a bowtie of no area into two triangles: the planner decides
    layer = read_vector(path, repair=True)
    assert layer.warnings[0] == "1 invalid geometry repaired with make_valid"
    assert layer.warnings[1].startswith("1 repaired polygon(s) changed area by more than 0.1%, kept as repaired")
    assert layer.gdf.geometry.is_valid.all()
    assert layer.gdf.geometry.area.iloc[0] == pytest.approx(50.0)  # two triangles of 25 m2


def test_infinite_raster_cells_become_nodata(tmp_path):
    """In a grid that is not people (in one that is, they are refused: test_values_that_cannot_be_right)."""
    path = tmp_path / "elevation.tif"
    data = np.array([[1, np.inf], [2, 3]], "float32")
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       crs="EPSG:32648", transform=from_origin(585_000, 2_325_200, 100, 100)) as dst:
        dst.write(data, 1)
    layer = read_raster(path)
    assert np.isnan(layer.array[0, 1]) and np.nansum(layer.array) == 6
    assert layer.warnings == ["1 infinite cell value(s) treated as nodata"]
