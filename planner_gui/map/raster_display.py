"""A raster as the map shows it: in the working CRS, coloured by its colour map, nodata transparent.

Colours are stretched between the 2nd and 99th percentile of the cells that hold data. Population
grids are heavy-tailed (a few dense cells, many sparse ones), so they are stretched on a log scale
and fade in: sparse cells are nearly transparent and only dense ones are fully coloured, and empty
(zero) cells are left transparent like nodata, so the streets, lines and stations stay readable.

A display-only raster (too large to hold whole, see layers.io.LARGE_RASTER_PIXELS) is drawn from
its overview and, when the view is closer than the overview's cells, from a window read at screen
resolution (`display_window`, in a worker thread), under the stretch of the whole raster.
"""
from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
import rasterio.warp
from pyproj import CRS
from rasterio.transform import array_bounds, from_bounds

from layers.io import read_raster_view
from layers.layer import RasterLayer


def in_working_crs(layer: RasterLayer, crs: CRS) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The raster's values (north up, NaN nodata) and bounds in `crs`, reprojected if needed."""
    crs = CRS.from_user_input(crs)
    if layer.crs is None or CRS.from_user_input(layer.crs) == crs:
        return layer.array, layer.bounds
    height, width = layer.array.shape
    transform, w, h = rasterio.warp.calculate_default_transform(
        layer.crs.to_wkt(), crs.to_wkt(), width, height, *layer.bounds
    )
    out = np.full((h, w), np.nan)
    rasterio.warp.reproject(
        layer.array, out, src_transform=layer.transform, src_crs=layer.crs.to_wkt(), src_nodata=np.nan,
        dst_transform=transform, dst_crs=crs.to_wkt(), dst_nodata=np.nan,
        resampling=rasterio.warp.Resampling.nearest,
    )
    west, south, east, north = array_bounds(h, w, transform)
    return out, (west, south, east, north)


def colour_map(name: str) -> pg.ColorMap:
    try:
        return pg.colormap.get(name)
    except Exception:  # an unknown name in a project file: fall back, never fail drawing
        return pg.colormap.get("viridis")


def _valid(layer: RasterLayer, values: np.ndarray) -> np.ndarray:
    valid = np.isfinite(values)
    if layer.role == "population":
        valid &= values > 0
    return valid


def _scaled_data(layer: RasterLayer, values: np.ndarray) -> np.ndarray:
    return np.log1p(values) if layer.role == "population" else values


def stretch_levels(layer: RasterLayer, values: np.ndarray) -> tuple[float, float]:
    """The colour stretch (2nd and 99th percentile, log scale for population) of `values`."""
    valid = _valid(layer, values)
    if not valid.any():
        return 0.0, 1.0
    low, high = np.percentile(_scaled_data(layer, values[valid]), [2, 99])
    return float(low), float(high if high > low else low + 1.0)


def colour_lut(layer: RasterLayer) -> np.ndarray:
    """The layer's colour map as a 256 x 4 uint8 table (read only: made in the GUI thread, used anywhere)."""
    return _lookup_table(layer.style.colormap)


@functools.lru_cache(maxsize=None)
def _lookup_table(name: str) -> np.ndarray:
    """The table of a colour map, made once per name: pyqtgraph reads the map's file again at each
    `colormap.get` (10 ms of the GUI thread each time a raster was drawn or restyled)."""
    table = colour_map(name).getLookupTable(0.0, 1.0, 256, alpha=True)
    table.flags.writeable = False
    return table


def colourise(layer: RasterLayer, values: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> np.ndarray:
    """RGBA uint8 image of `values` (same orientation) under a fixed stretch; plain NumPy, any thread."""
    valid = _valid(layer, values)
    image = np.zeros(values.shape + (4,), np.uint8)
    if valid.any():
        low, high = levels
        scaled = np.clip((_scaled_data(layer, values[valid]) - low) / (high - low), 0.0, 1.0)
        colours = lut[(scaled * 255).astype(np.int64)]
        if layer.role == "population":
            colours[:, 3] = (255 * (0.12 + 0.88 * scaled**1.5)).astype(np.uint8)
        image[valid] = colours
    return image


def display_window(
    layer: RasterLayer, view: tuple[float, float, float, float], max_size: tuple[int, int], crs: CRS,
    levels: tuple[float, float], lut: np.ndarray,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The part of a display-only raster inside `view` (bounds in `crs`), read from its file at no
    more than `max_size` (columns, rows) pixels, coloured under the layer's whole-raster stretch
    `levels` so that colours do not jump as the view moves. RGBA (row 0 = north) and its bounds
    in `crs`. Runs in a worker thread: it touches no Qt object.
    """
    crs = CRS.from_user_input(crs)
    same = layer.crs is None or CRS.from_user_input(layer.crs) == crs
    bounds = view if same else rasterio.warp.transform_bounds(crs.to_wkt(), layer.crs.to_wkt(), *view)
    array, read = read_raster_view(layer.source, bounds, max_size, band=layer.band)
    array[np.isinf(array)] = np.nan
    window = RasterLayer(
        name=layer.name, role=layer.role, style=layer.style, crs=layer.crs, array=array,
        transform=from_bounds(*read, width=array.shape[1], height=array.shape[0]),
    )
    values, shown = in_working_crs(window, crs)
    return colourise(layer, values, levels, lut), shown
