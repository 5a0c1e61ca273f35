"""GeoTIFF reads can be stopped too: rasterio cannot interrupt GDAL, so the band is read in the
reader process, and a read that hangs (tests/hanging_reader: a sleep before GDAL's read) ends at
the time limit or at Cancel with a message naming the file; the next read works. The cells that
come back over the pipe are the file's own."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from layers.analysis.progress import Cancelled
from layers.io import LayerLoadError, read_raster, read_raster_view
from layers.io import isolated
from layers.io.isolated import ReadLimits, reading
from tests.cancel import pressed_after

LIMITS = ReadLimits(timeout_s=1.0)
HANGING_READER = Path(__file__).resolve().parent / "hanging_reader"  # its sitecustomize hangs raster reads


def write_grid(path, values: np.ndarray, crs="EPSG:32721", nodata=None):
    """A GeoTIFF over Buenos Aires (UTM 21S), 100 m cells."""
    height, width = values.shape
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype=values.dtype,
                       crs=crs, transform=from_origin(360_000, 6_170_000, 100, 100), nodata=nodata) as dst:
        dst.write(values, 1)
    return path


@pytest.fixture
def hanging_rasters(monkeypatch):
    """Reader processes started from here on sleep 30 s before a raster read (tests/hanging_reader
    on their PYTHONPATH; idle ones, started without it, are ended first, and those left with it after)."""
    isolated.close_idle()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(HANGING_READER), os.environ.get("PYTHONPATH"))
                                                     if p))
    yield
    isolated.close_idle()


def test_a_raster_read_that_hangs_is_stopped_at_the_time_limit(tmp_path, hanging_rasters):
    path = write_grid(tmp_path / "pop.tif", np.ones((20, 30), dtype="float32"))
    with reading(LIMITS) as reader:
        with pytest.raises(LayerLoadError, match=r"^pop.tif: reading did not finish within 1 s \(the time limit\)"):
            read_raster(path)
        assert reader._proc.poll() is not None  # the child that hung was killed
        with pytest.raises(LayerLoadError, match=r"^pop.tif: reading did not finish within 1 s"):
            read_raster_view(path, (360_000, 6_168_000, 363_000, 6_170_000), (10, 10))


def test_a_raster_read_that_hangs_is_stopped_by_cancel(tmp_path, hanging_rasters):
    path = write_grid(tmp_path / "pop.tif", np.ones((20, 30), dtype="float32"))
    cancelled, asked = pressed_after(3)

    with pytest.raises(Cancelled):
        read_raster(path, cancelled=cancelled, limits=ReadLimits(timeout_s=60))
    assert len(asked) > 3


def test_the_cells_read_in_the_reader_process_are_the_files_own(tmp_path):
    """int16 with a declared nodata, a masked cell and an undeclared fill value; the figures equal
    rasterio's own read of the file in this process."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 500, size=(37, 53)).astype("int16")
    values[3, 4] = -1  # declared nodata
    values[10, 11] = -32768  # int16's lowest: an undeclared fill value
    path = write_grid(tmp_path / "density.tif", values, crs="EPSG:2263", nodata=-1)  # New York, feet
    layer = read_raster(path)
    with rasterio.open(path) as src:
        expected = src.read(1, masked=True).astype("float64").filled(np.nan)
        transform = src.transform
    window, bounds = read_raster_view(path, (360_000, 6_166_300, 365_300, 6_170_000), (1000, 1000))
    np.testing.assert_array_equal(window, expected)  # a view's read is drawn as stored
    assert bounds == pytest.approx((360_000, 6_166_300, 365_300, 6_170_000))
    expected[10, 11] = np.nan
    np.testing.assert_array_equal(layer.array, expected)
    assert layer.transform == transform and layer.nodata == -1 and layer.crs.to_epsg() == 2263
    assert any("-32768" in warning for warning in layer.warnings)
