"""A raster as the map shows it: in the working CRS, coloured by its colour map, nodata transparent.

Colours are stretched between the 2nd and 99th percentile of the cells that hold data. Population
grids are heavy-tailed (a few dense cells, many sparse ones), so they are stretched on a log scale
and fade in: sparse cells are nearly transparent and only dense ones are fully coloured, and empty
(zero) cells are left transparent like nodata, so the streets, lines and stations stay readable.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import rasterio.warp
from pyproj import CRS
from rasterio.transform import array_bounds

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


def display_raster(layer: RasterLayer, crs: CRS) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """RGBA uint8 image (row 0 = north) and its bounds in `crs`."""
    values, bounds = in_working_crs(layer, crs)
    valid = np.isfinite(values)
    if layer.role == "population":
        valid &= values > 0
    image = np.zeros(values.shape + (4,), np.uint8)
    if valid.any():
        population = layer.role == "population"
        data = np.log1p(values[valid]) if population else values[valid]
        low, high = np.percentile(data, [2, 99])
        if high <= low:
            high = low + 1.0
        scaled = np.clip((data - low) / (high - low), 0.0, 1.0)
        lut = colour_map(layer.style.colormap).getLookupTable(0.0, 1.0, 256, alpha=True)
        colours = lut[(scaled * 255).astype(np.int64)]
        if population:
            colours[:, 3] = (255 * (0.12 + 0.88 * scaled**1.5)).astype(np.uint8)
        image[valid] = colours
    return image, bounds
