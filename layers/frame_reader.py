"""A vector file read into a GeoDataFrame with its geometries decoded a slice at a time.

pyogrio's and geopandas' readers decode every WKB geometry in one call, which holds Python's GIL
throughout (0.7 s for a million footprints): a file loading in a worker would freeze the window.
Here the attributes are read as the libraries read them (pyogrio without geometry, pyarrow for
GeoParquet), the geometries as WKB, and `layers.sliced.geometries_from_wkb` decodes them in
slices. The frame is the one the libraries would make: same columns, same order, same CRS.
"""
from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.sliced import geometries_from_wkb


def read_ogr(source: str, layer: str | None, use_arrow: bool) -> gpd.GeoDataFrame:
    """A layer of a file GDAL reads (`source` as layers.io makes it): attributes by pyogrio's
    reader (`use_arrow` False for text in a legacy code page, which its row reader re-codes),
    geometries from GDAL's Arrow stream. The two reads walk the same features in the same order."""
    attributes = pyogrio.read_dataframe(source, layer=layer, read_geometry=False, use_arrow=use_arrow)
    meta, table = pyogrio.read_arrow(source, layer=layer, columns=[])
    column = meta.get("geometry_name") or "wkb_geometry"
    if column not in table.column_names:
        return attributes  # no geometry column: the caller says so
    geoms = geometries_from_wkb(table[column])
    if not len(attributes.columns):  # a layer without fields: read without geometry, it has no rows either
        attributes = pd.DataFrame(index=pd.RangeIndex(len(geoms)))
    if len(attributes) != len(geoms):
        raise ValueError(f"{len(attributes)} rows of fields but {len(geoms)} geometries")
    return gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geoms, index=attributes.index, crs=meta["crs"]))


def read_geoparquet(path) -> gpd.GeoDataFrame:
    """A GeoParquet file with one WKB geometry column, as geopandas.read_parquet reads it; any
    other layout (several geometry columns, GeoArrow encodings, a bounding-box covering) is left
    to geopandas.read_parquet whole."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    geo = json.loads((schema.metadata or {}).get(b"geo", b"null"))
    columns = (geo or {}).get("columns", {})
    column = (geo or {}).get("primary_column")
    info = columns.get(column, {})
    if len(columns) != 1 or str(info.get("encoding", "")).upper() != "WKB" or "covering" in info:
        return gpd.read_parquet(path)
    table = pq.read_table(path, use_pandas_metadata=True)
    wkb = table[column]
    frame = table.drop([column]).to_pandas()
    del table
    # GeoParquet: a column without a "crs" member is in OGC:CRS84 (longitude, latitude); null: unknown
    crs = info.get("crs", "OGC:CRS84")
    geoms = gpd.GeoSeries(geometries_from_wkb(wkb), index=frame.index, crs=crs)
    frame.insert(min(schema.names.index(column), len(frame.columns)), column, geoms)
    return gpd.GeoDataFrame(frame, geometry=column)
