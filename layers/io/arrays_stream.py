"""A layer's batches as the reader process sends them to `read_counted`: each batch's fields as
read, and its geometries parsed there into arrays, or left as WKB where the fast path cannot read
them.

The reader process (`layers.io.reader_child`) reads the file with GDAL or pyarrow anyway; parsing
the WKB and deciding what is certainly valid there (`layers.io.wkb_arrays`) puts that work on
the other core, while the planner's side checks, repairs and keeps the batch before, and puts the
parsing of a stranger's bytes where a crash or a runaway costs only that process. The planner's
side is left the shapely path (the batches the fast path cannot read) and GEOS's answer for what
is not certainly valid.

Columns added after the batch's own fields (their names are no field's: they begin with 'planner:'):

- TYPES (int8): each feature's shapely type id (-1 where it has no geometry);
- CERTAIN (bool): `certainly_valid`'s answer;
- GEOMETRY: features -> parts -> paths -> (x, y), as nested Arrow lists whose offsets are
  `CompactGeometries`' own (GeoArrow's layout): made and read without a copy;
- WKB: the feature's WKB, for a batch the fast path left to shapely.

A parsed batch has WKB null; a batch left to shapely has TYPES, CERTAIN and GEOMETRY null.
Which sources can be sent so is said here too (`is_utf8`: GDAL hands text over as stored;
`plain_wkb_column`: a GeoParquet file of one WKB column); the others are read by `read_vector`.
Only NumPy and pyarrow are imported here, as in the reader process.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from layers.io.feature_size import refuse_oversized_wkb
from layers.io.wkb_arrays import GeometryArrays, certainly_valid, wkb_to_arrays
from layers.io.wkb_column import WkbColumn

TYPES, CERTAIN, GEOMETRY, WKB = "planner:types", "planner:certain", "planner:geometry", "planner:wkb"
GEOMETRY_TYPE = pa.large_list(pa.large_list(pa.large_list(pa.list_(pa.float64(), 2))))


def is_utf8(encoding: str | None) -> bool:
    """Whether GDAL says a layer's text is UTF-8 (it says nothing for formats that always are): its
    Arrow stream hands text over as stored, so only such a layer's fields can be sent as they are."""
    return (encoding or "UTF-8").upper() in ("UTF-8", "UTF8")


def plain_wkb_column(schema: pa.Schema) -> tuple[str, object] | None:
    """(the geometry column, its CRS) of a GeoParquet file's Arrow schema when it has one geometry
    column, in WKB, without a bounding-box covering; None for any other layout (left to geopandas).
    A column without a "crs" member is in OGC:CRS84 (longitude, latitude); a null one is unknown."""
    geo = json.loads((schema.metadata or {}).get(b"geo", b"null"))
    columns = (geo or {}).get("columns", {})
    column = (geo or {}).get("primary_column")
    info = columns.get(column, {})
    if len(columns) != 1 or str(info.get("encoding", "")).upper() != "WKB" or "covering" in info:
        return None
    return column, info.get("crs", "OGC:CRS84")


def stream_schema(source: pa.Schema, geometry: str) -> pa.Schema:
    """The schema of the batches sent for a source of schema `source` whose WKB is the column
    `geometry`: its other columns (and its metadata: GeoParquet's, pandas'), then the four above."""
    kept = source.remove(source.get_field_index(geometry))
    for field in (pa.field(TYPES, pa.int8()), pa.field(CERTAIN, pa.bool_()), pa.field(GEOMETRY, GEOMETRY_TYPE),
                  pa.field(WKB, source.field(geometry).type)):
        kept = kept.append(field)
    return kept


def encode(batch: pa.RecordBatch, geometry: str, schema: pa.Schema, first_feature: int) -> pa.RecordBatch:
    """A source batch as sent (reader process side): its features numbered from `first_feature` + 1
    for a feature too large (`FeatureTooLarge`, raised before anything is parsed)."""
    wkb = batch.column(geometry)
    column = WkbColumn(wkb)
    refuse_oversized_wkb(column, first_feature)
    arrays = wkb_to_arrays(column)
    n = batch.num_rows
    if arrays is None:
        added = [pa.nulls(n, pa.int8()), pa.nulls(n, pa.bool_()), pa.nulls(n, GEOMETRY_TYPE), wkb]
    else:
        certain = certainly_valid(arrays)
        added = [_numbers(pa.int8(), arrays.types), _numbers(pa.bool_(), certain), _nested(arrays),
                 pa.nulls(n, wkb.type)]
    fields = [batch.column(i) for i, name in enumerate(batch.schema.names) if name != geometry]
    return pa.RecordBatch.from_arrays(fields + added, schema=schema)


def decode(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, GeometryArrays | None, np.ndarray | None, pa.Array]:
    """(the batch's fields, its geometries as arrays and which are certainly valid, or None and
    None for a batch left to shapely; its WKB column) (the planner's side). The arrays are views
    of the batch's buffers (read-only)."""
    names = batch.schema.names
    fields = batch.select([name for name in names if name not in (TYPES, CERTAIN, GEOMETRY, WKB)])
    types, wkb = batch.column(TYPES), batch.column(WKB)
    if batch.num_rows and types.null_count == batch.num_rows:
        return fields, None, None, wkb
    geometry = batch.column(GEOMETRY)
    geom_offsets, parts = _level(geometry)
    part_offsets, paths = _level(parts)
    path_offsets, xy = _level(paths)
    coords = xy.flatten().to_numpy().reshape(-1, 2)
    arrays = GeometryArrays(types.to_numpy(), geom_offsets, part_offsets, path_offsets, coords)
    return fields, arrays, batch.column(CERTAIN).to_numpy(zero_copy_only=False), wkb


def _numbers(kind: pa.DataType, values: np.ndarray) -> pa.Array:
    """A NumPy array as an Arrow array of `kind` without a copy (bools are packed into bits).
    Not `pa.array()`: it looks for pandas, which the reader process does not import."""
    if pa.types.is_boolean(kind):
        return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])
    values = np.ascontiguousarray(values, dtype=_NUMPY[kind])
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


_NUMPY = {pa.int8(): np.int8, pa.int64(): np.int64, pa.float64(): np.float64}


def _nested(arrays: GeometryArrays) -> pa.Array:
    coords = np.ascontiguousarray(arrays.coords, dtype=np.float64).reshape(-1)
    xy = pa.FixedSizeListArray.from_arrays(_numbers(pa.float64(), coords), 2)
    paths = pa.LargeListArray.from_arrays(_numbers(pa.int64(), arrays.path_offsets), xy)
    parts = pa.LargeListArray.from_arrays(_numbers(pa.int64(), arrays.part_offsets), paths)
    return pa.LargeListArray.from_arrays(_numbers(pa.int64(), arrays.geom_offsets), parts)


def _level(lists: pa.LargeListArray) -> tuple[np.ndarray, pa.Array]:
    """(offsets from 0, the values they index) of one level of nested lists."""
    offsets = lists.offsets.to_numpy()
    first = int(offsets[0])
    if first:  # a slice of a larger array: its values are the whole array's
        return offsets - first, lists.values.slice(first, int(offsets[-1]) - first)
    return offsets, lists.values.slice(0, int(offsets[-1]))
