"""A vector file read into a GeoDataFrame with its geometries decoded a slice at a time.

pyogrio's and geopandas' readers decode every WKB geometry in one call, which holds Python's GIL
throughout (0.7 s for a million footprints): a file loading in a worker would freeze the window.
Here the attributes are read as the libraries read them (pyogrio without geometry, pyarrow for
GeoParquet), the geometries as WKB, and `layers.io.sliced.geometries_from_wkb` decodes them in
slices. The frame is the one the libraries would make: same columns, same order, same CRS.

The file itself is read in a child process that can be stopped (`layers.io.isolated`): what
comes back is Arrow.
"""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd

from layers.io.isolated import reading
from layers.io.arrays_stream import is_utf8, plain_wkb_column
from layers.io.feature_size import refuse_oversized_wkb
from layers.io.sliced import geometries_from_wkb


def read_ogr(source: str, layer: str | None) -> gpd.GeoDataFrame:
    """A layer of a file GDAL reads (`source` as layers.io makes it), with pyogrio's frame.

    Read once, as GDAL's Arrow stream. Its attributes are the frame's when pyogrio would make
    its frame from that stream as it is (`table.to_pandas()`): text in UTF-8, and no date-time or
    JSON field, which pyogrio parses from text. Otherwise they are read again by pyogrio's reader
    (its row reader for text in a legacy code page, which it re-codes), the same features in the
    same order, and the stream's geometries kept (a GeoJSON file, which GDAL parses whole, is then
    parsed twice)."""
    with reading() as reader:
        meta, table = reader.arrow_table(source, layer, datetime_as_string=True)
        column = meta.get("geometry_name") or "wkb_geometry"
        geometry = table[column] if column in table.column_names else None
        fields = table.drop_columns([column]) if geometry is not None else table
        del table
        utf8 = is_utf8(meta.get("encoding"))
        if utf8 and _converted_as_is(meta):
            attributes = fields.to_pandas()
        else:
            del fields
            attributes = reader.frame(source, layer, read_geometry=False, use_arrow=utf8)
    if geometry is None:
        return attributes  # no geometry column: the caller says so
    return _with_geometries(attributes, geometry, meta["crs"])


def _converted_as_is(meta: dict) -> bool:
    """Whether pyogrio turns this Arrow table into its frame by `to_pandas()` alone."""
    parsed = [dtype for dtype in meta["dtypes"] if dtype is not None and str(dtype).startswith("datetime")
              and dtype != "datetime64[D]"]
    return not parsed and "OFSTJSON" not in list(meta["ogr_subtypes"])


def _with_geometries(attributes: pd.DataFrame, wkb, crs) -> gpd.GeoDataFrame:
    refuse_oversized_wkb(wkb)
    geoms = geometries_from_wkb(wkb)
    if not len(attributes.columns):  # a layer without fields: read without geometry, it has no rows either
        attributes = pd.DataFrame(index=pd.RangeIndex(len(geoms)))
    if len(attributes) != len(geoms):
        raise ValueError(f"{len(attributes)} rows of fields but {len(geoms)} geometries")
    return gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geoms, index=attributes.index, crs=crs))


def read_geoparquet(path) -> gpd.GeoDataFrame:
    """A GeoParquet file with one WKB geometry column, as geopandas.read_parquet reads it; any
    other layout (several geometry columns, GeoArrow encodings, a bounding-box covering) is made
    a frame by geopandas whole. The file is read by the reader process as Arrow either way."""
    # geopandas' own steps from a table to read_parquet's frame (without the bounding boxes of a covering)
    from geopandas.io.arrow import _arrow_to_geopandas, _get_non_bbox_columns

    with reading() as reader:
        table = reader.parquet_table(str(path))
    schema = table.schema
    plain = plain_wkb_column(schema)
    if plain is None:
        geo = json.loads((schema.metadata or {}).get(b"geo", b"null"))
        if "covering" in (geo or {}).get("columns", {}).get((geo or {}).get("primary_column"), {}):
            table = table.select(_get_non_bbox_columns(schema, geo))
        return _arrow_to_geopandas(table, geo)
    column, crs = plain
    wkb = table[column]
    frame = table.drop([column]).to_pandas()
    del table
    refuse_oversized_wkb(wkb)
    geoms = gpd.GeoSeries(geometries_from_wkb(wkb), index=frame.index, crs=crs)
    frame.insert(min(schema.names.index(column), len(frame.columns)), column, geoms)
    return gpd.GeoDataFrame(frame, geometry=column)
