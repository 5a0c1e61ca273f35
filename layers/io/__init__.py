"""Everything that touches a file's bytes: reading, checking and writing GIS files.

What a user opens is untrusted, so the code that reads it lives here and nowhere else:
`formats` (a file's suffix -> its format and its one GDAL driver, the content check, a
format's parts), `gdal_guard` (GDAL keeps only those drivers, reads no sidecar, reaches no
network), `load` (vectors through pyogrio, rasters through rasterio, one `LayerLoadError` for
every way a file is wrong, said in the planner's words by `reasons`), `csv`
(tables of coordinates through pandas),
`isolated` and `reader_child` (reads in a process that Cancel and the time limit of `limits`
can kill; `raster_read` is what it does for a GeoTIFF; for a layer of things to count it parses
the WKB into arrays, `wkb_arrays`, and sends them, `arrays_stream`), `feature_size` (how large one
feature may be), `frame_reader` and `sliced` (geometries made a slice at a time), `normalise` (what a layer must be before it is used) and `atomic` (saves that replace a file only once complete).

Importing the package reads nothing: the names below come from `load` when first asked for, so
that modules `load` itself uses (`crs` needs `sliced`) import a part without an import circle.
"""
import importlib

__all__ = [
    "FeedOptions",
    "LARGE_RASTER_PIXELS",
    "OVERVIEW_MAX_SIDE",
    "RASTER_SUFFIXES",
    "VECTOR_SUFFIXES",
    "LayerLoadError",
    "RepairChangesArea",
    "list_vector_layers",
    "open_file_filter",
    "read_counted",
    "read_feed_layers",
    "read_layers",
    "read_raster",
    "read_raster_view",
    "read_table",
    "read_vector",
    "write_vector",
    "write_vectors",
]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("layers.io.load"), name)
    raise AttributeError(f"module 'layers.io' has no attribute {name!r}")
