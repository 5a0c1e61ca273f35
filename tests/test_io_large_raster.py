"""A GeoTIFF too large to hold whole loads display-only: header metadata, a bounded overview, a
warning, and the analysis refuses it. Small rasters still load whole."""
from __future__ import annotations


import numpy as np
import pytest
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.windows import Window

import layers.io.raster_load as io
from layers.analysis.city import CityData, CityDataError
from layers.analysis.coverage import PopulationGrid
from layers.io import LARGE_RASTER_PIXELS, OVERVIEW_MAX_SIDE, read_layers, read_raster, read_raster_view

ORIGIN = (560_000.0, 2_350_000.0)  # west, north in EPSG:32648 (Hanoi)
CELL = 5.0


def write_large_tif(path, n: int = 12_000, overviews=(2, 4, 8, 16)):
    """An n x n uint8 GeoTIFF, tiled, deflate, 5 m cells, value = 1 + (column // 47) % 250 (0 = nodata)."""
    row = (np.arange(n) // 47 % 250 + 1).astype("uint8")
    with rasterio.open(
        path, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8", crs="EPSG:32648",
        transform=from_origin(*ORIGIN, CELL, CELL), tiled=True, blockxsize=512, blockysize=512,
        compress="deflate", nodata=0,
    ) as dst:
        for r0 in range(0, n, 1024):
            h = min(1024, n - r0)
            dst.write(np.broadcast_to(row, (h, n)), 1, window=Window(0, r0, n, h))
        if overviews:
            dst.build_overviews(list(overviews), Resampling.nearest)
    return path


@pytest.fixture(scope="module")
def big_population_tif(tmp_path_factory):
    """144 million pixels (above LARGE_RASTER_PIXELS), named so its role is 'population'."""
    return write_large_tif(tmp_path_factory.mktemp("big") / "big_population.tif")


def test_threshold_is_a_sane_named_constant():
    assert 10_000_000 <= LARGE_RASTER_PIXELS <= 200_000_000
    assert 12_000 * 12_000 > LARGE_RASTER_PIXELS


def test_large_raster_loads_display_only_with_full_resolution_metadata(big_population_tif):
    layer = read_raster(big_population_tif)  # the header and an overview, not 144 M pixels
    assert layer.display_only
    assert layer.source == big_population_tif and layer.band == 1
    assert layer.full_shape == (12_000, 12_000)
    assert layer.full_transform == from_origin(*ORIGIN, CELL, CELL)
    assert layer.crs.to_epsg() == 32648 and layer.nodata == 0
    assert max(layer.array.shape) <= OVERVIEW_MAX_SIDE and min(layer.array.shape) >= OVERVIEW_MAX_SIDE // 2
    assert layer.array.dtype == np.float64
    # The overview covers the whole extent: `array` and `transform` go together.
    assert layer.bounds == pytest.approx((ORIGIN[0], ORIGIN[1] - 60_000, ORIGIN[0] + 60_000, ORIGIN[1]))
    assert layer.transform.a == pytest.approx(60_000 / layer.array.shape[1])
    assert np.nanmin(layer.array) >= 1 and np.nanmax(layer.array) <= 250
    assert any("overviews" in w and "not used for analysis" in w for w in layer.warnings)
    assert not any("no overviews" in w for w in layer.warnings)
    assert layer.role == "population"
    assert read_layers(big_population_tif)[0].display_only


def test_window_of_a_large_raster_reads_full_resolution(big_population_tif):
    layer = read_raster(big_population_tif)
    west, north = ORIGIN
    array, bounds = read_raster_view(layer.source, (west, north - 2_000, west + 2_000, north), (1000, 1000))
    assert array.shape == (400, 400)  # 2 km at 5 m: full resolution, under the cap
    assert bounds == pytest.approx((west, north - 2_000, west + 2_000, north))
    assert array[0, 0] == 1 and array[0, 47] == 2


def test_analysis_refuses_a_display_only_raster_naming_the_file(big_population_tif):
    layer = read_raster(big_population_tif)
    area = shapely.box(ORIGIN[0], ORIGIN[1] - 10_000, ORIGIN[0] + 10_000, ORIGIN[1])
    with pytest.raises(CityDataError, match=r"big_population\.tif: .*too large to analyse"):
        CityData.from_layers([layer], crs=32648, study_area=area)
    with pytest.raises(ValueError, match=r"big_population\.tif.*too large to analyse"):
        PopulationGrid.from_raster(layer)


def test_a_large_raster_of_another_role_is_not_taken_for_population(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "LARGE_RASTER_PIXELS", 100 * 100)
    layer = read_raster(write_large_tif(tmp_path / "satellite_image.tif", n=300, overviews=()))
    assert layer.display_only and layer.role == "other"
    assert layer.array.shape == (300, 300)  # never more than the file holds
    assert any("no overviews" in w for w in layer.warnings)
    area = shapely.box(ORIGIN[0], ORIGIN[1] - 1_000, ORIGIN[0] + 1_000, ORIGIN[1])
    city = CityData.from_layers([layer], crs=32648, study_area=area)
    assert city.population is None


def test_small_rasters_load_whole_as_before(population_tif, tmp_path, monkeypatch):
    layer = read_raster(population_tif)
    assert not layer.display_only and layer.full_shape is None and layer.warnings == []
    assert layer.array.shape == (4, 5)
    # The threshold decides: just over it, the same kind of file is display-only.
    monkeypatch.setattr(io, "LARGE_RASTER_PIXELS", 300 * 300 - 1)
    path = write_large_tif(tmp_path / "edge.tif", n=300, overviews=(2,))
    assert read_raster(path).display_only
    assert not read_raster(path, max_pixels=300 * 300).display_only


def write_sparse_tif(path, n: int, blocks: dict[tuple[int, int], int]):
    """An n x n GeoTIFF of 256-pixel tiles of which only `blocks` ((row, col) -> value) are written."""
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint16", crs="EPSG:32733",
                       transform=from_origin(300_000.0, 9_000_000.0, 1.0, 1.0), tiled=True, blockxsize=256,
                       blockysize=256, compress="deflate", nodata=0, SPARSE_OK=True) as dst:
        for (r, c), value in blocks.items():
            dst.write(np.full((256, 256), value, "uint16"), 1, window=Window(c * 256, r * 256, 256, 256))
    return path


def test_a_huge_sparse_geotiff_without_overviews_opens_from_the_blocks_it_holds(tmp_path):
    """10^10 pixels (south of the equator, UTM 33S), two tiles written: GDAL's own decimated read
    visits all 150,000 tiles (over 20 s); the overview samples only the two, in the right place."""
    n = 100_000
    path = write_sparse_tif(tmp_path / "sparse.tif", n, {(10, 20): 7, (300, 350): 9})
    layer = read_raster(path)
    assert layer.display_only and layer.full_shape == (n, n)
    values = layer.array
    assert set(np.unique(values[np.isfinite(values)])) == {7.0, 9.0}
    for (r, c), value in {(10, 20): 7.0, (300, 350): 9.0}.items():
        x, y = layer.full_transform * ((c + 0.5) * 256, (r + 0.5) * 256)  # the tile's centre
        row, col = rasterio.transform.rowcol(layer.transform, x, y)
        assert values[row, col] == value
    assert np.isnan(values).mean() > 0.999


def test_the_overview_of_a_raster_without_overviews_is_its_nearest_cells_and_cancellable(tmp_path):
    rng = np.random.default_rng(3)
    cells = rng.integers(1, 60_000, (3000, 2000)).astype("uint16")
    path = tmp_path / "dense.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2000, height=3000, count=1, dtype="uint16",
                       crs="EPSG:32648", transform=from_origin(*ORIGIN, CELL, CELL), tiled=True,
                       blockxsize=256, blockysize=256, nodata=0) as dst:
        dst.write(cells, 1)
    layer = read_raster(path, max_pixels=1_000_000)
    height, width = layer.array.shape
    rows = ((np.arange(height) + 0.5) * 3000 / height).astype(int)
    cols = ((np.arange(width) + 0.5) * 2000 / width).astype(int)
    assert np.array_equal(layer.array, cells[np.ix_(rows, cols)].astype("float64"))
    from layers.analysis.progress import Cancelled

    with pytest.raises(Cancelled):
        read_raster(path, max_pixels=1_000_000, cancelled=lambda: True)
