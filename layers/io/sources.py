"""Which files the planner reads, the checks every file passes before any library opens it, and
what GDAL is handed for a layer: light (no pandas, no shapely), so that a command can check its
files, list their layers and ask the reader process for them before its heavy imports
(`planner measure` sends the read of its footprints ahead, `layers.cli`).

Every way a file can be wrong ends in one `LayerLoadError` that names the file and the reason in
words a planner understands (`reasons`); the readers of each kind (`load`, `counted_read`,
`raster_load`, `feed_load`) raise it too.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from layers.analysis.progress import Cancelled
from layers.io.formats import FORMATS, UnsafeFileError, check_content, check_parts, feed_location, gdal_source
from layers.io.isolated import ReadFailed, reading
from layers.io.reasons import library_text, reason_for

# features parsed at a time by `read_counted`: a few MB a batch. The planner's side keeps a few
# batches in flight behind its read (`counted_read._AppendedBehind`) and the reader parses two at
# once: 65,536 held 30 MB more at the read's peak (1M footprints), no faster
COUNTED_BATCH = 32_768


VECTOR_SUFFIXES = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile or GTFS feed",
    ".topojson": "TopoJSON",
    ".fgb": "FlatGeobuf",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".csv": "CSV table (lon/lat, x/y or WKT columns)",
}
RASTER_SUFFIXES = {".tif": "GeoTIFF", ".tiff": "GeoTIFF"}
TABLE_SUFFIXES = (".csv",)  # vector layers read from a table of coordinates (layers.io.csv)


def is_raster(path: str | os.PathLike) -> bool:
    """Whether a file is a raster by its name (a GeoTIFF): read as a grid, never listed for layers."""
    return Path(path).suffix.lower() in RASTER_SUFFIXES


class LayerLoadError(Exception):
    """A file could not be loaded. `str()` reads '<file>: <reason>', the reason in the planner's
    words; `detail` keeps a library's own text, when one failed, for a bug report."""

    def __init__(self, path: str | os.PathLike, reason: str, detail: str = ""):
        self.path = Path(path)
        self.reason = reason
        self.detail = detail
        super().__init__(f"{self.path.name}: {reason}")


class RepairChangesArea(LayerLoadError):
    """The file loads only if the planner accepts repairs that change polygons' areas (the reason
    names them, with both areas): read it again with `repair=True` to accept."""


def unreadable(path: Path, exc: BaseException) -> LayerLoadError:
    """The error for a library's exception raised reading `path`, in the planner's words."""
    kind = {**VECTOR_SUFFIXES, **RASTER_SUFFIXES}.get(path.suffix.lower(), "GIS")
    return LayerLoadError(path, reason_for(exc, kind), detail=library_text(exc))



def check_readable(path: Path) -> None:
    try:
        exists = path.exists()
    except (OSError, RuntimeError):  # a symlink loop
        raise LayerLoadError(path, "cannot be followed to a file (a link loop?)") from None
    if not exists:
        raise LayerLoadError(path, "file not found")
    if path.is_dir():
        raise LayerLoadError(path, "is a folder, not a file")
    if not path.is_file():
        raise LayerLoadError(path, "is not a regular file (a device, a pipe or a socket)")
    if not os.access(path, os.R_OK):
        raise LayerLoadError(path, "cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise LayerLoadError(path, "the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES and suffix not in RASTER_SUFFIXES:
        known = ", ".join(sorted(set(VECTOR_SUFFIXES) | set(RASTER_SUFFIXES)))
        raise LayerLoadError(path, f"not a supported GIS file type '{suffix}' (supported: {known})")
    try:
        check_content(path)
        check_parts(path)
    except UnsafeFileError as exc:
        raise LayerLoadError(path, str(exc)) from None
    except OSError as exc:  # read as the check read it: a file that vanished, a read error
        raise LayerLoadError(path, f"cannot be read ({exc.strerror or 'read error'})") from None


def _ogr_path(path: Path) -> str:
    """What GDAL opens: the file with its format's driver named; a zipped Shapefile's .shp."""
    try:
        return gdal_source(path)
    except UnsafeFileError as exc:
        raise LayerLoadError(path, str(exc)) from None


def list_vector_layers(path: str | os.PathLike) -> list[str]:
    """Names of the layers inside a vector file (several for a GeoPackage, one otherwise)."""
    path = Path(path)
    if feed_location(path) is not None:
        from layers.io.feed_load import FEED_LAYERS  # (the readers of each kind import this module)

        return list(FEED_LAYERS)
    check_readable(path)
    if path.suffix.lower() in (".parquet", ".geoparquet", *TABLE_SUFFIXES):
        return [path.stem]
    try:
        stat = path.stat()
        return list(_layer_names(_ogr_path(path), stat.st_size, stat.st_mtime_ns))
    except (LayerLoadError, Cancelled):
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, str(exc)) from None
    except Exception as exc:  # GDAL's errors vary by driver; the reason is what matters
        raise unreadable(path, exc) from None


@functools.lru_cache(maxsize=16)
def _layer_names(source: str, size: int, modified_ns: int) -> tuple[str, ...]:
    """GDAL's layer names of a file as it is now (its size and time are part of the key): reading a
    file asks for them twice (which layers; is this one there), and GDAL parses a GeoJSON file
    whole to answer (0.57 s for 200,000 footprints)."""
    with reading() as reader:
        return tuple(reader.layers(source))



def vector_suffix(path: Path) -> str:
    """The suffix of a vector file the planner reads, once it is checked readable; else LayerLoadError."""
    check_readable(path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise LayerLoadError(path, "is not a vector file")
    return suffix



def ogr_source(path: Path, layer: str | None) -> str:
    """What GDAL opens for `layer` of `path` (refusing a layer the file does not have, or none
    named in a file of several)."""
    available = list_vector_layers(path)
    if layer is None and len(available) > 1:
        raise LayerLoadError(path, f"has several layers; name the one to read ({', '.join(available)})")
    if layer is not None and layer not in available:
        raise LayerLoadError(path, f"has no layer named '{layer}' (it has: {', '.join(available)})")
    return _ogr_path(path)


def counted_request(path: Path, layer: str | None) -> dict:
    """The read of a layer of things to count, as `ReaderProcess.counted` takes it (`read_counted`
    asks it; `planner measure` sends it ahead): GDAL's Arrow stream of the layer with its feature
    ids and date-times as text, or a GeoParquet file's batches; the declared number of features
    asked where a header says it. The file is checked first (`vector_suffix`, `ogr_source`)."""
    suffix = vector_suffix(path)
    parquet = suffix in (".parquet", ".geoparquet")
    options = {} if parquet else {"return_fids": True, "datetime_as_string": True}
    return {"source": str(path) if parquet else ogr_source(path, layer), "layer": layer, "parquet": parquet,
            "batch_size": COUNTED_BATCH, "count": FORMATS[suffix].declares_count, **options}
