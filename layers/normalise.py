"""What a read vector layer is made into before the app trusts it: odd but valid data is made
usable, data that cannot be right is named.

- Text: GDAL hands strings over as it finds them. A GeoJSON written in Latin-1 or Windows-1258
  (GeoJSON must be UTF-8) would load and then fail, or show garbage, when a name is first used;
  `text_problem` finds such a field at load time. Shapefiles are re-coded by GDAL from their
  .cpg (or the DBF's code page), so they arrive as UTF-8.
- Geometry collections: some tools write a ward made of several polygons, or a line in pieces,
  as a GeometryCollection. One whose members are all polygons (or all lines, or all points) is
  that Multi* geometry; `collections_as_multi` makes it so. One that mixes kinds (a point and a
  polygon) has no single meaning for the map or the analysis and is reported.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

_MULTI_OF_DIMENSION = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}


def text_problem(frame: pd.DataFrame) -> str | None:
    """None if every text field holds valid UTF-8, else which field does not and where."""
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)):
            chunks = getattr(values.array, "_pa_array", None)
            if chunks is None:
                continue
            for chunk in chunks.chunks:
                try:
                    chunk.validate(full=True)
                except pa.ArrowInvalid:
                    return _first_bad_text(column, chunk)
        elif values.dtype == object:
            for row, value in enumerate(values):
                if isinstance(value, bytes):
                    return f"field '{column}' holds raw bytes, not text (row {row + 1})"
    return None


def _first_bad_text(column: str, chunk: pa.Array) -> str:
    binary = pa.large_binary() if pa.types.is_large_string(chunk.type) else pa.binary()
    for row, raw in enumerate(chunk.cast(binary).to_pylist()):
        try:
            (raw or b"").decode("utf-8")
        except UnicodeDecodeError:
            sample = raw.decode("utf-8", errors="replace")[:40]
            return f"the text of field '{column}' is not UTF-8 (feature {row + 1}: '{sample}')"
    return f"the text of field '{column}' is not UTF-8"


def collections_as_multi(geoms: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Geometry collections of one kind as Multi* geometries.

    Returns (geometries, how many were converted, indexes of collections that mix kinds, left
    as they are). Empty collections are left to the caller (they are empty geometries).
    """
    geoms = np.asarray(geoms, dtype=object)
    collection = shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    collection &= ~shapely.is_empty(geoms)
    out = geoms.copy()
    mixed = []
    for i in np.flatnonzero(collection):
        parts = _single_parts(geoms[i])
        dimensions = set(shapely.get_dimensions(parts).tolist())
        if len(dimensions) == 1:
            out[i] = _MULTI_OF_DIMENSION[dimensions.pop()](parts)
        else:
            mixed.append(i)
    return out, int(collection.sum()) - len(mixed), np.asarray(mixed, dtype=np.int64)


def _single_parts(geom) -> np.ndarray:
    """The points, lines and polygons of a geometry, however deeply nested."""
    parts = np.asarray([geom], dtype=object)
    while True:
        nested = shapely.get_num_geometries(parts) > 1
        nested |= np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
        if not nested.any():
            return parts[~shapely.is_empty(parts)]
        parts = shapely.get_parts(parts)
