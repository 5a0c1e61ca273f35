"""Everything that touches a file's bytes: reading, checking and writing GIS files.

What a user opens is untrusted, so the code that reads it lives here and nowhere else:
`formats` (a file's suffix -> its format and its one GDAL driver, the content check, a
format's parts), `sources` (the checks every file passes, its layers, what GDAL is handed: light,
before any heavy import), `gdal_guard` (GDAL keeps only those drivers, reads no sidecar, reaches no
network), `load` (vectors through pyogrio, one `LayerLoadError` for every way a file is wrong,
said in the planner's words by `reasons`; `read_layers` for whatever a file holds), `counted_read`
(things to count, as arrays), `raster_load` (GeoTIFF bands through rasterio), `feed_load` (GTFS
feeds), `vector_write` (GeoPackage and GeoJSON, atomically), `csv`
(tables of coordinates through pandas),
`isolated` and `reader_child` (reads in a process that Cancel and the time limit of `limits`
can kill; `raster_read` is what it does for a GeoTIFF; for a layer of things to count it parses
the WKB into arrays, `wkb_arrays`, and sends them, `arrays_stream`), `feature_size` (how large one
feature may be), `frame_reader` and `sliced` (geometries made a slice at a time), `normalise` (what a layer must be before it is used) and `atomic` (saves that replace a file only once complete).

Importing the package reads nothing: the names below come from their modules when first asked
for, so that modules `load` itself uses (`crs` needs `sliced`) import a part without an import circle.
"""
import importlib

_FROM = {  # each name the package gives, and the module it comes from
    "FeedOptions": "feed_load",
    "LARGE_RASTER_PIXELS": "raster_load",
    "OVERVIEW_MAX_SIDE": "limits",
    "RASTER_SUFFIXES": "sources",
    "VECTOR_SUFFIXES": "sources",
    "LayerLoadError": "sources",
    "RepairChangesArea": "sources",
    "is_raster": "sources",
    "list_vector_layers": "sources",
    "open_file_filter": "load",
    "read_counted": "counted_read",
    "read_feed_layers": "feed_load",
    "read_layers": "load",
    "read_raster": "raster_load",
    "read_raster_view": "raster_load",
    "read_table": "load",
    "read_vector": "load",
    "write_vector": "vector_write",
    "write_vectors": "vector_write",
}
__all__ = list(_FROM)


def __getattr__(name: str):
    if name in _FROM:
        return getattr(importlib.import_module(f"layers.io.{_FROM[name]}"), name)
    raise AttributeError(f"module 'layers.io' has no attribute {name!r}")
