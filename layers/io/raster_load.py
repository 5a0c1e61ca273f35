"""GeoTIFF bands read as raster layers (float64, NaN for no data), in the reader process
(`layers.io.raster_read` there); a raster too large to read whole loads display-only."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.analysis.progress import Cancelled, IsCancelled
from layers.crs import crs_label, implausible_coordinates
from layers.grid import grid_bounds
from layers.io.grid_values import masked_fill_values, population_problem
from layers.io.isolated import ReadFailed, ReadLimits, reading
from layers.io.sources import LayerLoadError, check_readable, unreadable
from layers.layer import RasterLayer, default_style
from layers.roles import guess_role

# A raster of more pixels than this is not read whole (as float64 it would take 400 MB and more):
# it loads display-only, drawn from an overview of at most OVERVIEW_MAX_SIDE pixels a side and
# from windows read at screen resolution, and the analysis refuses it.
LARGE_RASTER_PIXELS = 50_000_000


def read_raster(path: str | os.PathLike, band: int = 1, max_pixels: int | None = None,
                cancelled: IsCancelled = None, limits: ReadLimits | None = None) -> RasterLayer:
    """Read one band of a GeoTIFF as float64 with NaN for nodata.

    GDAL reads it in the reader process (`layers.io.raster_read` there, `layers.io.isolated`
    here), stopped when `cancelled()` says so (Cancelled) or the read takes longer than `limits`
    allow (LayerLoadError), unless an enclosing `reading()` gives the process, its limits and Cancel.

    A raster of more than `max_pixels` (default LARGE_RASTER_PIXELS) is not read whole: it loads
    display-only (`RasterLayer.display_only`), with the file's full-resolution shape and transform
    read from its header and an overview of at most OVERVIEW_MAX_SIDE pixels a side for drawing
    the whole extent; the map reads the windows it shows with `read_raster_view`, and the
    analysis refuses it.
    """
    path = Path(path)
    check_readable(path)
    limit = LARGE_RASTER_PIXELS if max_pixels is None else max_pixels
    info, data = _read_cells(path, {"op": "raster", "path": str(path), "band": band, "max_pixels": limit},
                             limits, cancelled)
    try:
        pyproj_crs = _pyproj(info["crs_authority"], info["crs_wkt"])
    except Exception as exc:  # pyproj's CRSError: GDAL read a CRS PROJ does not understand
        raise unreadable(path, exc) from None
    full_shape = full_transform = None
    fill_warnings: list[str] = []
    overviews = info.get("overviews", [])
    if info.get("large"):
        full_shape, full_transform = (info["height"], info["width"]), Affine(*info["transform"])
        transform = Affine(*info["overview_transform"])
    else:
        transform = Affine(*info["transform"])
        data, fill_warnings = masked_fill_values(data, transform, crs_label(pyproj_crs))
    array = data.astype("float64").filled(np.nan)
    bounds = grid_bounds(*array.shape, transform)
    reason = implausible_coordinates((bounds[0], bounds[1], bounds[2], bounds[3]), pyproj_crs)
    if reason:
        raise LayerLoadError(path, reason)
    warnings = fill_warnings
    if full_shape is not None:
        rows, cols = full_shape
        warnings.append(
            f"large raster ({cols:,} x {rows:,} = {rows * cols:,} pixels, more than {limit:,}): drawn from "
            "overviews and windows read for the view, not used for analysis"
        )
        if not overviews:
            warnings.append("the file has no overviews, so drawing it is slow; build them with 'gdaladdo'")
    not_population = None if full_shape is not None else population_problem(array, transform, crs_label(pyproj_crs))
    role = guess_role([path.stem], "raster")
    if role == "population" and not_population:
        raise LayerLoadError(path, not_population)
    infinite = np.isinf(array)
    if infinite.any():
        array[infinite] = np.nan
        warnings.append(f"{int(infinite.sum())} infinite cell value(s) treated as nodata")
    layer = RasterLayer(
        name=path.stem, source=path, role=role, array=array, transform=transform,
        crs=pyproj_crs, nodata=info["nodata"], warnings=warnings, style=default_style(role),
        band=band, full_shape=full_shape, full_transform=full_transform, not_population=not_population,
    )
    return layer


def _read_cells(path: Path, request: dict, limits: ReadLimits | None = None,
                cancelled: IsCancelled = None) -> tuple[dict, np.ma.MaskedArray]:
    """(header, cells) of a raster read in the reader process (see `read_raster`), refused in the
    planner's words if it cannot be placed on the map, or could not be read in time."""
    try:
        with reading(limits, cancelled) as reader:
            info, data = reader.raster(request)
    except Cancelled:
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, str(exc)) from None
    except Exception as exc:
        raise unreadable(path, exc) from None
    if info["crs_wkt"] is None:
        raise LayerLoadError(path, "the raster has no coordinate reference system (CRS)")
    _check_pixel_size(path, Affine(*info["transform"]))
    return info, data


def read_raster_view(
    path: str | os.PathLike, bounds: tuple[float, float, float, float], max_size: tuple[int, int], band: int = 1
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Read only what a view shows: the window inside `bounds`, decimated to at most `max_size`.

    GDAL serves the decimated read from the file's overviews where it has them, so a large
    GeoTIFF draws without reading every pixel; it reads in the reader process, under the time
    limit (`read_raster`). Returns (float array with NaN nodata, bounds read).
    """
    path = Path(path)
    info, data = _read_cells(path, {"op": "raster_window", "path": str(path), "band": band,
                                    "bounds": list(bounds), "max_size": list(max_size)})
    return data.astype("float64").filled(np.nan), tuple(info["read_bounds"])


def _check_pixel_size(path: Path, transform: Affine) -> None:
    """A raster whose pixels have no size (or no finite one) cannot be placed on the map."""
    if not np.isfinite(transform.determinant) or transform.determinant == 0:
        raise LayerLoadError(path, "the raster's pixel size is zero or not a number, so it cannot be placed "
                                   "on the map (its georeferencing is broken)")


def _pyproj(authority: list[str] | None, wkt: str) -> CRS:
    """A raster's CRS (as the reader process's rasterio read it: its exact authority code, if any,
    and its WKT) as a pyproj CRS, the one CRS type the model uses, read through pyproj's PROJ.

    By its authority code where the file names one exactly (a GeoTIFF's EPSG geokey): rasterio's
    GDAL carries a PROJ of its own, whose WKT pyproj's PROJ may not place (EPSG:3067 and 3879 come
    out with the datum "EUREF-FIN", which pyproj's PROJ knows no shift for). Only a CRS without a
    code (a custom projection) is taken from its WKT. An exact match only: at rasterio's default
    confidence a custom TM with its own datum shift would pass for VN-2000's EPSG:5897.
    """
    if authority is not None:
        try:
            return CRS.from_authority(*authority)
        except CRSError:  # a code pyproj's PROJ database does not have: the WKT then
            pass
    return CRS.from_user_input(wkt)
