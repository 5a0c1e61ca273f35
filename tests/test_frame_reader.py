"""Files read with their geometries decoded a slice at a time (`layers.io.frame_reader`, `layers.io.sliced`):
the frame is the one pyogrio and geopandas make, and no shapely call gets more than a slice."""
from __future__ import annotations

import gc
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from layers.io import sliced
from layers.io.frame_reader import read_geoparquet, read_ogr
from layers.io.isolated import ReaderProcess


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(sliced, "SLICE", 3)


def _frame(n=10, crs="EPSG:32733") -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(300_000, 400_000, n), rng.uniform(9_000_000, 9_100_000, n)
    geoms = list(shapely.box(x, y, x + 20, y + 15))
    geoms[4] = shapely.MultiPolygon([shapely.box(0, 0, 1, 1).buffer(0), shapely.box(3, 3, 4, 4)])
    geoms[7] = None  # a feature without geometry
    return gpd.GeoDataFrame({
        "name": [f"b{i}" if i != 2 else None for i in range(n)],
        "floors": np.arange(n, dtype="int64"),
        "height_m": rng.uniform(3, 60, n),
        "built": [datetime(2000 + i, 1, 1) for i in range(n)],
    }, geometry=geoms, crs=crs)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb"])
def test_a_gdal_file_reads_as_pyogrio_reads_it(tmp_path, small_slices, suffix):
    path = tmp_path / f"buildings{suffix}"
    frame = _frame(crs="EPSG:4326" if suffix == ".geojson" else "EPSG:32733")
    if suffix == ".fgb":  # FlatGeobuf's spatial index takes no missing geometry
        frame = frame[frame.geometry.notna()]
    frame.to_file(path)
    expected = pyogrio.read_dataframe(path, use_arrow=True)
    assert_geodataframe_equal(read_ogr(str(path), None), expected, check_dtype=True)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb"])
def test_a_file_without_date_times_is_read_once_as_pyogrio_reads_it(tmp_path, small_slices, monkeypatch, suffix):
    path = tmp_path / f"buildings{suffix}"
    frame = _frame(crs="EPSG:4326" if suffix == ".geojson" else "EPSG:32733").drop(columns="built")
    if suffix == ".fgb":
        frame = frame[frame.geometry.notna()]
    frame.to_file(path)
    expected = pyogrio.read_dataframe(path, use_arrow=True)
    reads = []
    for name in ("arrow", "frame"):  # what the reader process is asked to read
        real = getattr(ReaderProcess, name)
        monkeypatch.setattr(ReaderProcess, name, lambda *a, real=real, **k: (reads.append(1), real(*a, **k))[1])
    assert_geodataframe_equal(read_ogr(str(path), None), expected, check_dtype=True)
    assert len(reads) == 1  # one pass over the file (a GeoJSON file is parsed whole by each)


def test_a_layer_without_fields_has_one_row_per_feature(tmp_path, small_slices):
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=shapely.points([[105.8, 21.0], [105.9, 21.1]] * 4), crs=4326).to_file(path)
    frame = read_ogr(str(path), None)
    assert len(frame) == 8 and list(frame.columns) == ["geometry"]
    assert shapely.equals(frame.geometry.values, pyogrio.read_dataframe(path).geometry.values).all()


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:3857", None])
def test_a_geoparquet_file_reads_as_geopandas_reads_it(tmp_path, small_slices, crs):
    path = tmp_path / "buildings.parquet"
    _frame(crs=crs).to_parquet(path)
    assert_geodataframe_equal(read_geoparquet(path), gpd.read_parquet(path))


def test_a_geoparquet_file_with_a_bounding_box_covering_is_left_to_geopandas(tmp_path):
    path = tmp_path / "buildings.parquet"
    _frame().to_parquet(path, write_covering_bbox=True)
    assert_geodataframe_equal(read_geoparquet(path), gpd.read_parquet(path))


def test_no_shapely_call_gets_more_than_a_slice_and_the_collector_is_paused_meanwhile(monkeypatch, small_slices):
    calls = []
    original = shapely.from_wkb

    def from_wkb(values, *args, **kwargs):
        calls.append((len(values), gc.isenabled()))
        return original(values, *args, **kwargs)

    monkeypatch.setattr(shapely, "from_wkb", from_wkb)
    import pyarrow as pa

    wkb = pa.array(shapely.to_wkb(shapely.points(np.arange(10.0), np.arange(10.0))).tolist() + [None])
    geoms = sliced.geometries_from_wkb(wkb)
    assert [n for n, _ in calls] == [3, 3, 3, 2]
    assert not any(enabled for _, enabled in calls)
    assert gc.isenabled()  # on again after
    assert shapely.equals(geoms[:10], shapely.points(np.arange(10.0), np.arange(10.0))).all() and geoms[10] is None

    moved = sliced.in_slices(shapely.transform, geoms[:10], lambda xy: xy + 1.0)
    assert shapely.equals(moved, shapely.points(np.arange(10.0) + 1, np.arange(10.0) + 1)).all()


def test_a_collector_switched_off_by_the_application_stays_off(small_slices):
    gc.disable()
    try:
        sliced.in_slices(shapely.centroid, shapely.points(np.arange(7.0), np.arange(7.0)))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pandas_frames_stay_aligned_when_the_counts_differ(tmp_path, monkeypatch):
    """A reader that gave fields and geometries of different lengths is refused, never misaligned."""
    path = tmp_path / "b.gpkg"
    _frame().to_file(path)
    monkeypatch.setattr(ReaderProcess, "frame", lambda *a, **k: pd.DataFrame({"name": ["only one"]}))
    with pytest.raises(ValueError, match="1 rows of fields but 10 geometries"):
        read_ogr(str(path), None)


def test_a_file_is_asked_for_its_layers_once_until_it_changes(tmp_path, monkeypatch):
    """Which layers, then is this one there: one question to GDAL (which parses a GeoJSON file
    whole to answer it), asked again once the file was written anew."""
    from layers.io import read_layers

    path = tmp_path / "clinics.geojson"

    def clinics(n):  # in Nairobi
        return gpd.GeoDataFrame({"beds": np.arange(n)}, geometry=shapely.points(36.8 + np.arange(n) / 100, -1.29),
                                crs="EPSG:4326")

    clinics(9).to_file(path)
    asked = []
    real = ReaderProcess.layers
    monkeypatch.setattr(ReaderProcess, "layers", lambda *a, **k: (asked.append(1), real(*a, **k))[1])
    assert len(read_layers(path)[0].gdf) == 9 and len(asked) == 1
    clinics(12).to_file(path)
    assert len(read_layers(path)[0].gdf) == 12 and len(asked) == 2
