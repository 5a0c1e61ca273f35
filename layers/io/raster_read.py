"""The GDAL part of reading a GeoTIFF band, done in the reader process (`layers.io.reader_child`).

rasterio has no way to interrupt GDAL, and a GeoTIFF can make a read last for ever (a block
that never arrives, a sparse raster of 10^10 pixels read through), so the band is read where the
planner's Cancel and time limit can kill it, and sent back to the app as its cell values and mask
(`layers.io.isolated.ReaderProcess.raster`). This module imports NumPy and rasterio only, so the
lean reader process can use it; what the app makes of the values (fill values, population checks,
NaN for no data) stays in `layers.io.raster_load`.
"""
from __future__ import annotations

import numpy as np
from affine import Affine
from rasterio.enums import Resampling
from rasterio.windows import Window, from_bounds, intersection

from layers.io.gdal_guard import opened_raster
from layers.io.limits import OVERVIEW_MAX_SIDE



def placeable(src) -> bool:
    """Whether the raster has a CRS and pixels of a finite, non-zero size (else the app refuses it unread)."""
    determinant = src.transform.determinant
    return src.crs is not None and bool(np.isfinite(determinant)) and determinant != 0


def header(src) -> dict:
    """What the app needs of a raster besides its cells, as JSON."""
    authority = src.crs.to_authority(confidence_threshold=100) if src.crs is not None else None
    return {"crs_wkt": src.crs.to_wkt() if src.crs is not None else None,
            "crs_authority": list(authority) if authority is not None else None, "transform": list(src.transform)[:6],
            "width": src.width, "height": src.height, "nodata": src.nodata}


def read_band(path: str, band: int, max_pixels: int) -> tuple[dict, np.ma.MaskedArray | None]:
    """(header, cells) of one band: whole if it has at most `max_pixels` cells, else an overview of at
    most OVERVIEW_MAX_SIDE a side (the header then says `large`, its overviews, and the overview's
    transform). No cells for a raster that cannot be placed (no CRS, no pixel size)."""
    with opened_raster(path) as src:
        info = header(src)
        if not placeable(src):
            return info, None
        if src.width * src.height <= max_pixels:
            return info, src.read(band, masked=True)
        overviews = src.overviews(band)
        scale = max(src.width / OVERVIEW_MAX_SIDE, src.height / OVERVIEW_MAX_SIDE, 1.0)
        shape = (max(1, round(src.height / scale)), max(1, round(src.width / scale)))
        if overviews:  # GDAL serves the decimated read from them
            data = src.read(band, out_shape=shape, masked=True, resampling=Resampling.average)
        else:
            data = sampled_overview(src, band, shape)
        transform = src.transform * Affine.scale(src.width / shape[1], src.height / shape[0])
        info.update(large=True, overviews=list(overviews), overview_transform=list(transform)[:6])
        return info, data


def read_window(path: str, band: int, bounds: tuple[float, float, float, float],
                max_size: tuple[int, int]) -> tuple[dict, np.ma.MaskedArray]:
    """(header with the bounds read, cells) of the window inside `bounds`, decimated to at most
    `max_size` (GDAL serves it from the file's overviews where it has them)."""
    with opened_raster(path) as src:
        info = header(src)
        if not placeable(src):
            return info, None
        window = intersection(from_bounds(*bounds, transform=src.transform), Window(0, 0, src.width, src.height))
        window = window.round_offsets().round_lengths()
        scale = max(window.width / max_size[0], window.height / max_size[1], 1.0)
        shape = (max(1, int(window.height / scale)), max(1, int(window.width / scale)))
        data = src.read(band, window=window, out_shape=shape, masked=True, resampling=Resampling.average)
        from rasterio.windows import bounds as window_bounds

        info["read_bounds"] = list(window_bounds(window, src.transform))
        return info, data


def sampled_overview(src, band: int, shape: tuple[int, int]) -> np.ma.MaskedArray:
    """A nearest-neighbour overview of a file without overviews, reading only the blocks it has.

    GDAL's own decimated read visits every block of the full raster; a sparse GeoTIFF (blocks
    never written, GDAL's SPARSE_OK) of 10^10 pixels then takes minutes to open. Here a block
    the file does not hold (TIFF BLOCK_OFFSET of 0 or none) is nodata without a read, and from
    each block held only the pixels under the overview's cell centres are kept.
    """
    height, width = shape
    rows = ((np.arange(height) + 0.5) * src.height / height).astype(np.int64)
    cols = ((np.arange(width) + 0.5) * src.width / width).astype(np.int64)
    out = np.ma.masked_all(shape, dtype=src.dtypes[band - 1])
    block_h, block_w = src.block_shapes[band - 1]
    row_edges = np.searchsorted(rows, np.arange(0, src.height + block_h, block_h))
    col_edges = np.searchsorted(cols, np.arange(0, src.width + block_w, block_w))
    for r in range(len(row_edges) - 1):
        out_rows = slice(row_edges[r], row_edges[r + 1])
        if out_rows.start == out_rows.stop:
            continue
        for c in range(len(col_edges) - 1):
            out_cols = slice(col_edges[c], col_edges[c + 1])
            if out_cols.start == out_cols.stop or not src.get_tag_item(f"BLOCK_OFFSET_{c}_{r}", "TIFF", bidx=band):
                continue
            window = Window(c * block_w, r * block_h, min(block_w, src.width - c * block_w),
                            min(block_h, src.height - r * block_h))
            block = src.read(band, window=window, masked=True)
            out[out_rows, out_cols] = block[np.ix_(rows[out_rows] - r * block_h, cols[out_cols] - c * block_w)]
    return out
