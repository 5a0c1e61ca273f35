"""CSV tables as layers: points from longitude/latitude or x/y columns, or shapes from a WKT column.

Agencies publish stations, schools and clinics as spreadsheets. A CSV file is untrusted text, so
it is read by pandas (never by GDAL's CSV driver, whose open options can point at other files)
and its coordinates are checked like any layer's: numbers, on the Earth in the CRS they are said
to be in. Which columns hold the coordinates is found from their names (the tables below); the
CRS is WGS 84 for longitude/latitude, else the one stated (a `.prj` file beside the table, or the
CRS the caller gives: `planner measure --crs`); x/y with no CRS stated are refused, never guessed.
"""
from __future__ import annotations

import csv as csv_module
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.crs import implausible_coordinates

# Column names (case-insensitive) that hold the coordinates, tried in this order.
LONLAT_COLUMNS = (("lon", "lat"), ("lng", "lat"), ("long", "lat"), ("longitude", "latitude"),
                  ("stop_lon", "stop_lat"), ("x_lon", "y_lat"))
XY_COLUMNS = (("x", "y"), ("easting", "northing"), ("east", "north"), ("x_coord", "y_coord"),
              ("coord_x", "coord_y"), ("xcoord", "ycoord"), ("point_x", "point_y"))
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "wkt_geom", "shape")
WGS84 = CRS.from_epsg(4326)
SNIFF_BYTES = 65_536  # the head of the file the delimiter is found from


class CSVLayerError(ValueError):
    """A table that cannot be a layer; str() says why, in the planner's words."""


def read_csv_frame(path: Path, crs=None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The table at `path` as a GeoDataFrame in its CRS, and warnings (rows left out, a CRS assumed).

    `crs`: the CRS of x/y or WKT coordinates when the file does not state one (no `.prj` beside it).
    """
    table, warnings = _read_table(path)
    stated = _stated_crs(path, crs)
    by_lower = {str(c).strip().lower(): c for c in table.columns}
    lonlat = next(((by_lower[a], by_lower[b]) for a, b in LONLAT_COLUMNS if a in by_lower and b in by_lower), None)
    xy = next(((by_lower[a], by_lower[b]) for a, b in XY_COLUMNS if a in by_lower and b in by_lower), None)
    wkt = next((by_lower[n] for n in WKT_COLUMNS if n in by_lower), None)
    if lonlat is not None:
        geometry, kept, crs_used = *_points(table, lonlat), WGS84
    elif xy is not None:
        if stated is None:
            raise CSVLayerError(f"its coordinates are in columns '{xy[0]}' and '{xy[1]}' but no CRS says what they "
                                "are: give it with --crs, or a .prj file of the same name beside it")
        geometry, kept, crs_used = *_points(table, xy), stated
    elif wkt is not None:
        geometry, kept = _shapes(table, wkt)
        crs_used = stated
        if crs_used is None:
            bounds = shapely.total_bounds(geometry)
            if implausible_coordinates(tuple(bounds), WGS84) is not None:
                raise CSVLayerError(f"its shapes in column '{wkt}' are not longitude/latitude and no CRS says what "
                                    "they are: give it with --crs, or a .prj file of the same name beside it")
            crs_used = WGS84
            warnings.append(f"no CRS stated: the shapes in '{wkt}' are read as longitude/latitude (WGS 84)")
    else:
        names = ", ".join(map(str, table.columns[:12])) or "none"
        raise CSVLayerError("no coordinate columns: name them lon and lat (or longitude/latitude), x and y with a "
                            f"CRS, or give a WKT column named wkt or geometry (it has: {names})")
    used = list(lonlat or xy or (wkt,))  # the coordinates are the geometry now
    dropped = int((~kept).sum())
    if dropped:
        warnings.append(f"{dropped:,} row(s) without coordinates left out")
    frame = table.loc[kept].drop(columns=used).reset_index(drop=True)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry[kept], crs=crs_used).reset_index(drop=True))
    if len(gdf):
        reason = implausible_coordinates(tuple(gdf.total_bounds), CRS.from_user_input(crs_used))
        if reason:
            raise CSVLayerError(reason)
    return gdf, warnings


def _read_table(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The rows as pandas reads them (its C parser, nothing but this file), in UTF-8 or else Latin-1."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    warnings = []
    try:
        text, encoding = head.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the end of the head
            text, encoding = head.decode("latin-1"), "latin-1"
            warnings.append("its text is not UTF-8: read as Latin-1 (Windows Western); check names with accents")
        else:
            text, encoding = head[:exc.start].decode("utf-8-sig"), "utf-8-sig"
    try:
        delimiter = csv_module.Sniffer().sniff(text.split("\n", 20)[0] if text else ",", delimiters=",;\t|").delimiter
    except csv_module.Error:
        delimiter = ","
    try:
        table = pd.read_csv(path, sep=delimiter, encoding=encoding, engine="c", low_memory=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CSVLayerError(f"not a table pandas can read ({str(exc).strip().splitlines()[0][:160]})") from None
    if table.empty:
        raise CSVLayerError("the table has no rows")
    return table, warnings


def _stated_crs(path: Path, crs) -> CRS | None:
    """The CRS a `.prj` file beside the table states, else `crs` (None: none stated)."""
    prj = path.with_suffix(".prj")
    if prj.is_file():
        try:
            return CRS.from_user_input(prj.read_text(errors="replace").strip())
        except CRSError:
            raise CSVLayerError(f"{prj.name} beside it is not a CRS PROJ can read") from None
    return CRS.from_user_input(crs) if crs is not None else None


def _numbers(values: pd.Series, name: str) -> np.ndarray:
    """A coordinate column as floats (a decimal comma read as a point); text that is not a number is refused."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype="float64")
    text = values.astype("string").str.strip()
    text = text.where(~text.str.fullmatch(r"-?\d+,\d+", na=False), text.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise CSVLayerError(f"{int(bad.sum()):,} value(s) in '{name}' are not numbers (row {row + 2}: "
                            f"{_quoted(text.iloc[row])})")
    return numbers.to_numpy(dtype="float64")


def _points(table: pd.DataFrame, columns: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    x, y = (_numbers(table[c], str(c)) for c in columns)
    kept = np.isfinite(x) & np.isfinite(y)
    return shapely.points(np.where(kept, x, 0.0), np.where(kept, y, 0.0)), kept


def _shapes(table: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    text = table[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    shapes = shapely.from_wkt(np.where(text == "", None, text), on_invalid="ignore")
    bad = shapely.is_missing(shapes) & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise CSVLayerError(f"{int(bad.sum()):,} value(s) in '{column}' are not WKT shapes (row {row + 2}: "
                            f"{_quoted(text[row])})")
    kept = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
    return shapes, kept


def _quoted(value) -> str:
    return "'" + re.sub(r"\s+", " ", str(value))[:40] + "'"
