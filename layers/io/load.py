"""Reading and writing GIS files: vectors through pyogrio (Arrow), rasters through rasterio.

Every way a file can be wrong ends in one `LayerLoadError` that names the file and the reason
in words a planner understands. Reading never changes anything else: it returns new layers
and leaves adding them to the caller, so a failed load cannot damage a map.
"""
from __future__ import annotations

import datetime
import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
from affine import Affine
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.analysis.progress import Cancelled, IsCancelled
from layers.analysis.coverage.compact import CompactBuilder, CompactGeometries
from layers.io.atomic import atomic_path, whole_geojson, whole_geopackage
from layers.compact_layer import CompactVectorLayer
from layers.crs import crs_label, implausible_coordinates
from layers.grid import grid_bounds
from layers.io.csv import CSVLayerError, read_csv_frame
from layers.io.grid_values import masked_fill_values, population_problem
from layers.io.arrays_stream import decode
from layers.io.feature_size import FeatureTooLarge
from layers.io.frame_reader import _converted_as_is, read_geoparquet, read_ogr
from layers.io.isolated import LibraryError, ReadFailed, ReadLimits, reading, stop_if_cancelled
from layers.io.normalise import GeometryChecks, text_problem
from layers.layer import Layer, RasterLayer, VectorLayer, default_style
from layers.io.sliced import geometries_from_wkb
from layers.io.formats import UnsafeFileError, check_content, check_feed, check_parts, feed_location, gdal_source
from layers.io.limits import OVERVIEW_MAX_SIDE
from layers.io.reasons import library_text, reason_for
from layers.roles import apply_fields, guess_fields, guess_role, role_from_data

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
# A raster of more pixels than this is not read whole (as float64 it would take 400 MB and more):
# it loads display-only, drawn from an overview of at most OVERVIEW_MAX_SIDE pixels a side and
# from windows read at screen resolution, and the analysis refuses it.
LARGE_RASTER_PIXELS = 50_000_000
WRITE_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}


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


def _unreadable(path: Path, exc: BaseException) -> LayerLoadError:
    """The error for a library's exception raised reading `path`, in the planner's words."""
    kind = {**VECTOR_SUFFIXES, **RASTER_SUFFIXES}.get(path.suffix.lower(), "GIS")
    return LayerLoadError(path, reason_for(exc, kind), detail=library_text(exc))


def open_file_filter() -> str:
    """The file-dialog filter for every format we read, e.g. for File > Open."""
    suffixes = sorted(set(VECTOR_SUFFIXES) | set(RASTER_SUFFIXES))
    groups = {}
    for suffix, kind in {**VECTOR_SUFFIXES, **RASTER_SUFFIXES}.items():
        groups.setdefault(kind, []).append(f"*{suffix}")
    lines = ["All GIS files (" + " ".join(f"*{s}" for s in suffixes) + ")"]
    lines += [f"{kind} ({' '.join(patterns)})" for kind, patterns in sorted(groups.items())]
    lines.append("GTFS feed, a zip or a folder's stops.txt (*.zip stops.txt)")
    return ";;".join(lines)


def _check_readable(path: Path) -> None:
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
        return list(FEED_LAYERS)
    _check_readable(path)
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
        raise _unreadable(path, exc) from None


@functools.lru_cache(maxsize=16)
def _layer_names(source: str, size: int, modified_ns: int) -> tuple[str, ...]:
    """GDAL's layer names of a file as it is now (its size and time are part of the key): reading a
    file asks for them twice (which layers; is this one there), and GDAL parses a GeoJSON file
    whole to answer (0.57 s for 200,000 footprints)."""
    with reading() as reader:
        return tuple(reader.layers(source))


def read_layers(path: str | os.PathLike, cancelled: IsCancelled = None, to_count=(),
                limits: ReadLimits | None = None, repair: bool = False,
                transit: FeedOptions | None = None, crs=None) -> list[Layer]:
    """Every layer of a file: all layers of a GeoPackage, the one layer of other formats, the
    stations and lines of a GTFS feed (a zip or a folder; `transit` says which routes are BRT and
    the service window). The vector layers named in `to_count` (things to count: buildings,
    facilities) are read as arrays (`read_counted`). `crs`: what a CSV table's x/y or WKT
    coordinates are in, if it does not say.

    The file is read in a reader process (`layers.io.isolated`) stopped when `cancelled()` says
    so (raising Cancelled) or when a read takes longer than `limits` allow (LayerLoadError),
    unless an enclosing `layers.io.isolated.reading()` gives the process, its limits and Cancel.
    With `repair`, invalid polygons are repaired even where that changes their area (else such a
    file raises RepairChangesArea, which names them).
    """
    path = Path(path)
    feed = feed_location(path)
    if feed is not None:
        with reading(limits, cancelled):
            return read_feed_layers(feed, transit)
    _check_readable(path)
    if path.suffix.lower() in RASTER_SUFFIXES:
        return [read_raster(path, cancelled=cancelled)]
    if path.suffix.lower() in TABLE_SUFFIXES:
        layer = read_table(path, crs, repair)
        return [_held_as_arrays(layer) if layer.name in to_count else layer]
    with reading(limits, cancelled):
        return [(read_counted if name in to_count else read_vector)(path, name, repair=repair)
                for name in list_vector_layers(path)]


def read_vector(path: str | os.PathLike, layer: str | None = None, repair: bool = False) -> VectorLayer:
    """Read one vector layer (by name for multi-layer files) into a checked VectorLayer.

    Refuses files with no features, no CRS, unsupported or non-finite geometries, or coordinates
    impossible for their CRS. Repairs invalid geometries with shapely's make_valid and records
    how many in `warnings`; a repair that changes a polygon's area by more than 0.1 % only with
    `repair` (else RepairChangesArea names them). Drops empty geometries and says how many.
    """
    path = Path(path)
    if feed_location(path) is not None:
        return _feed_layer(path, layer)
    suffix = _vector_suffix(path)
    if suffix in TABLE_SUFFIXES:
        return read_table(path, repair=repair)
    try:
        if suffix in (".parquet", ".geoparquet"):
            gdf = read_geoparquet(path)
        else:
            gdf = read_ogr(_ogr_source(path, layer), layer)
    except (LayerLoadError, Cancelled):
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, f"layer '{layer}': {exc}" if layer else str(exc)) from None
    except FeatureTooLarge as exc:
        raise LayerLoadError(path, f"layer '{layer}': {exc}" if layer else f"the file: {exc}") from None
    except Exception as exc:
        raise _unreadable(path, exc) from None
    name = layer or path.stem
    if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) == 0 and suffix not in (".parquet", ".geoparquet"):
        _refuse_empty(path, layer)
    return _checked_vector_layer(path, name, gdf, source_layer=layer, repair=repair)


def _refuse_empty(path: Path, layer: str | None) -> None:
    """A layer read as no features: refused, saying so, and saying so louder when the file
    declares features (a FlatGeobuf's header, a GeoPackage's table of contents): then it is cut
    off or damaged, not empty. Asked only here (of the reader process), so a layer that loads
    costs nothing more."""
    where = f"layer '{layer}'" if layer else "the file"
    try:
        with reading() as reader:
            declared = reader.declared_features(_ogr_path(path), layer)
    except (ReadFailed, LibraryError):
        declared = -1
    if declared > 0:
        raise LayerLoadError(path, f"{where} says it has {declared:,} features but none could be read: "
                                   "it is cut off or damaged")
    raise LayerLoadError(path, f"{where} has no features")


def read_counted(path: str | os.PathLike, layer: str | None = None, repair: bool = False) -> VectorLayer:
    """Read a layer of things to count (buildings, facilities) as `planner measure` needs it: as
    `read_vector` reads it, with the same checks, repairs and messages, but into arrays (a
    `CompactVectorLayer`, about 100 bytes a footprint instead of 500). The reader process
    (`layers.io.isolated`) reads GDAL's Arrow stream of the layer, or a GeoParquet file's record
    batches, and parses each batch's WKB into arrays there (`layers.io.arrays_stream`, on the other
    core); here each batch is checked and kept (`GeometryChecks.arrays`: GEOS is asked only what the
    reader could not decide), while the reader parses the next. A batch the fast path leaves to
    shapely (a collection, a curve, a malformed feature) comes as WKB and is parsed and checked by
    shapely as `read_vector` does. Fields are kept as Arrow until the end. Files whose text is not
    UTF-8, GeoParquet files of another layout than one WKB column, and CSV tables are read by
    `read_vector` and then made arrays.
    """
    path = Path(path)
    if feed_location(path) is not None:
        return _feed_layer(path, layer)
    suffix = _vector_suffix(path)
    name = layer or path.stem
    where = f"layer '{name}'" if layer else "the file"
    checks, geometries, keeps, field_batches = GeometryChecks(repair), CompactBuilder(), [], []
    parquet = suffix in (".parquet", ".geoparquet")
    try:
        if suffix in TABLE_SUFFIXES:
            return _held_as_arrays(read_vector(path, layer, repair))
        # GDAL's Arrow stream hands text over as stored; its row reader re-codes it to UTF-8 from the
        # file's code page (a shapefile's .cpg or DBF language byte): such a layer is read by read_vector
        source = str(path) if parquet else _ogr_source(path, layer)
        options = {} if parquet else {"return_fids": True, "datetime_as_string": True}
        with reading() as reader, reader.counted(source, layer, parquet, COUNTED_BATCH, **options) as (header,
                                                                                                   batches):
            if header["arrays"]:
                if header["geometry"] is None:
                    raise LayerLoadError(path, f"{where} has no geometry column")
                for batch in batches:
                    _counted_batch(batch, checks, geometries, keeps, field_batches)
                fields = (_parquet_fields(field_batches) if parquet else
                          _counted_fields(reader, source, layer, header["meta"], field_batches, where, path))
        if not header["arrays"]:
            return _held_as_arrays(read_vector(path, layer, repair))
        crs = header["crs"]
    except (LayerLoadError, Cancelled):
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, f"{where}: {exc}" if layer else str(exc)) from None
    except FeatureTooLarge as exc:
        raise LayerLoadError(path, f"{where}: {exc}") from None
    except Exception as exc:
        raise _unreadable(path, exc) from None
    if not sum(len(keep) for keep in keeps):
        if parquet:
            raise LayerLoadError(path, f"{where} has no features")
        _refuse_empty(path, layer)
    warnings = []
    if crs is None and suffix == ".topojson" and checks.kept and not checks.not_finite and implausible_coordinates(
            (*checks.low.tolist(), *checks.high.tolist()), CRS.from_epsg(4326)) is None:
        crs = "EPSG:4326"
        warnings = ["TopoJSON names no CRS: its coordinates are longitude/latitude, read as WGS 84"]
    if crs is None:
        raise LayerLoadError(
            path, f"{where} has no coordinate reference system (CRS), so it cannot be placed on the map"
        )
    crs = CRS.from_user_input(crs)
    keep = np.concatenate(keeps)
    if fields is None:  # a GeoParquet file of geometries only
        fields = pd.DataFrame(index=pd.RangeIndex(len(keep)))
    fields = fields.loc[keep] if not keep.all() else fields
    _refuse_problems(path, checks, where, crs, fields)
    gdf = gpd.GeoDataFrame(fields.reset_index(drop=True))
    result = CompactVectorLayer(name=name, source=path, source_layer=layer, gdf=gdf,
                                warnings=warnings + checks.warnings() + checks.repair_warnings(crs),
                                geometries=geometries.build(), layer_crs=crs)
    return _with_fields_and_role(result, path)


def _counted_batch(batch: pa.RecordBatch, checks: GeometryChecks, geometries: CompactBuilder, keeps: list,
                   field_batches: list) -> None:
    """One batch of `read_counted` as the reader process sent it: its geometries checked (parsed by
    shapely where the reader left them as WKB) and appended to `geometries` unless the file is
    refused already; its fields kept."""
    stop_if_cancelled()
    fields, arrays, certain, wkb = decode(batch)
    if arrays is not None:
        store, keep = checks.arrays(CompactGeometries(*arrays), certain)
    else:
        geoms, keep = checks.chunk(geometries_from_wkb(wkb))
    keeps.append(keep)
    # copied: a batch read from the reader's stream is slices of one buffer, the geometries
    # included, which a slice kept would keep whole (a city's footprints twice over)
    field_batches.append(pa.concat_batches([fields]))
    if not checks.wrong():
        geometries.append(store if arrays is not None else CompactGeometries.from_shapely(geoms))


def _parquet_fields(batches: list):
    """The fields of a GeoParquet file's batches `read_counted` kept, as geopandas reads them (its
    pandas metadata: the index, the types)."""
    return pa.Table.from_batches(batches).to_pandas() if batches else None


def _counted_fields(reader, source: str, layer: str | None, meta: dict, batches: list, where: str, path: Path):
    """The fields of the batches `read_counted` kept (their first column is the feature id), as
    pyogrio's frame: `to_pandas()` as they are, or, with date-times or JSON, pyogrio's own frame
    read again, checked to be the same features in the same order."""
    if not batches:
        return None
    table = pa.Table.from_batches(batches)
    if _converted_as_is(meta):
        return table.drop_columns([table.column_names[0]]).to_pandas()
    fields = reader.frame(source, layer, read_geometry=False, use_arrow=True, fid_as_index=True)
    if not np.array_equal(table.column(0).to_numpy(), fields.index.to_numpy()):
        raise LayerLoadError(path, f"{where}: GDAL gave its fields and its geometries in different orders")
    return fields


def read_table(path: str | os.PathLike, crs=None, repair: bool = False) -> VectorLayer:
    """A CSV table as a layer of points (lon/lat or x/y columns) or shapes (a WKT column), checked as
    `read_vector` checks a file's layer (`layers.io.csv`: read by pandas, never GDAL). `crs`: what
    x/y or WKT coordinates are in when the file does not say (no .prj beside it); `repair` as for
    `read_vector`."""
    path = Path(path)
    _check_readable(path)
    try:
        gdf, warnings = read_csv_frame(path, crs)
    except CSVLayerError as exc:
        raise LayerLoadError(path, str(exc)) from None
    layer = _checked_vector_layer(path, path.stem, gdf, source_layer=None, repair=repair)
    layer.warnings[:0] = warnings
    return layer


COUNTED_BATCH = 65_536  # features parsed at a time by `read_counted`


def read_feed_layers(path: str | os.PathLike, transit: FeedOptions | None = None) -> list[VectorLayer]:
    """A GTFS feed's stations and lines (`layers.transit`), its members checked first; every
    problem of the feed is a LayerLoadError naming it.

    gtfs-kit reads every table whole with pandas, and a feed can hold millions of stop times, so
    the feed is read and its layers made in the reader process (`feed_layers_here` there), under
    the time limit, the memory cap and Cancel of the enclosing `reading()` (as a vector read is);
    the layers come back as Arrow (geometries as WKB)."""
    path = Path(path)
    transit = transit or FeedOptions()
    location = feed_location(path) or path
    try:
        check_feed(location)
    except UnsafeFileError as exc:
        raise LayerLoadError(path, str(exc)) from None
    options = {"brt": list(transit.brt), "day": transit.day.isoformat() if transit.day else None,
               "window_s": list(transit.window_s) if transit.window_s else None}
    try:
        with reading() as reader:
            made = [reader.feed_layer(str(location), options, index) for index in range(len(FEED_LAYERS))]
    except Cancelled:
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, str(exc)) from None
    except Exception as exc:  # the reader's own failure (LibraryError): said, never a traceback
        raise LayerLoadError(path, f"is not a GTFS feed the planner can read ({_short(exc)})") from None
    return [VectorLayer(name=meta["name"], source=Path(location), source_layer=meta["source_layer"],
                        role=meta["role"], style=default_style(meta["role"]), warnings=meta["warnings"],
                        gdf=gpd.GeoDataFrame.from_arrow(table)) for meta, table in made]


def feed_layers_here(location: str, options: dict) -> list[VectorLayer]:
    """The feed's layers read in this process: what the reader process does for `read_feed_layers`
    (`options`: FeedOptions as JSON). Problems are LayerLoadErrors naming the feed."""
    from layers.transit.feed_layers import feed_layers
    from layers.transit.gtfs import FeedError
    from layers.transit.service import MORNING_PEAK_S, ServiceWindow, default_window

    path = Path(location)
    day = datetime.date.fromisoformat(options["day"]) if options.get("day") else None
    window_s = tuple(options["window_s"]) if options.get("window_s") else None
    try:
        feed = _read_feed(str(path), _stamp(path))
        window = None
        if day is not None or window_s is not None:
            start, end = window_s or MORNING_PEAK_S
            window = ServiceWindow(day, start, end) if day else default_window(feed, start, end)
        return feed_layers(feed, window, tuple(options.get("brt") or ()))
    except (UnsafeFileError, FeedError, ValueError) as exc:
        raise LayerLoadError(path, str(exc)) from None
    except OSError as exc:
        raise LayerLoadError(path, f"cannot be read ({exc.strerror or _short(exc)})") from None
    except Exception as exc:  # a table whose content no check above foresaw: said, never a traceback
        raise LayerLoadError(path, f"is not a GTFS feed the planner can read ({_short(exc)})") from None


@dataclass(frozen=True)
class FeedOptions:
    """How a GTFS feed is opened: the bus routes the planner marks as BRT (route ids or short names,
    high capacity), the day and the window (seconds after midnight) in which service is counted
    (default: the busiest weekday, 07:00-09:00)."""

    brt: tuple[str, ...] = ()
    day: datetime.date | None = None
    window_s: tuple[int, int] | None = None


FEED_LAYERS = ("stations", "lines")


def _vector_suffix(path: Path) -> str:
    """The suffix of a vector file the planner reads, once it is checked readable; else LayerLoadError."""
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise LayerLoadError(path, "is not a vector file")
    return suffix


def _feed_layer(path: Path, layer: str | None) -> VectorLayer:
    """One layer of a feed by its name inside it ('stations' or 'lines'), as a project names it."""
    if layer not in FEED_LAYERS:
        raise LayerLoadError(path, f"a transit feed has the layers {' and '.join(FEED_LAYERS)}, not '{layer}'")
    return read_feed_layers(path)[FEED_LAYERS.index(layer)]


def _stamp(location: Path) -> tuple:
    """What changes when a feed is replaced: its zip's, or its tables', sizes and times."""
    files = [location] if location.is_file() else sorted(p for p in location.iterdir() if p.suffix.lower() == ".txt")
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@functools.lru_cache(maxsize=2)
def _read_feed(location: str, stamp: tuple):
    """A feed read once while it is unchanged (a project opens its stations and lines apart; the
    reader process is asked for each layer of a feed in turn)."""
    from layers.transit.gtfs import read_feed

    return read_feed(Path(location))


def _held_as_arrays(layer: VectorLayer) -> CompactVectorLayer:
    """A layer read whole, its geometries then held as arrays and its frame kept for the fields."""
    gdf = layer.gdf
    fields = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name))
    return CompactVectorLayer(name=layer.name, source=layer.source, source_layer=layer.source_layer, gdf=fields,
                              role=layer.role, style=layer.style, warnings=layer.warnings, fields=layer.fields,
                              geometries=CompactGeometries.from_shapely(gdf.geometry.values), layer_crs=gdf.crs)


def _ogr_source(path: Path, layer: str | None) -> str:
    """What GDAL opens for `layer` of `path` (refusing a layer the file does not have, or none
    named in a file of several)."""
    available = list_vector_layers(path)
    if layer is None and len(available) > 1:
        raise LayerLoadError(path, f"has several layers; name the one to read ({', '.join(available)})")
    if layer is not None and layer not in available:
        raise LayerLoadError(path, f"has no layer named '{layer}' (it has: {', '.join(available)})")
    return _ogr_path(path)


def _refuse_problems(path: Path, checks: GeometryChecks, where: str, crs, fields) -> None:
    """Raise LayerLoadError for the layer's first problem, else RepairChangesArea for repairs that
    change areas and were not accepted."""
    problem = checks.problem(where, crs, text_problem(fields))
    if problem:
        raise LayerLoadError(path, problem)
    question = checks.repair_question(where, crs)
    if question:
        raise RepairChangesArea(path, question)


def _checked_vector_layer(
    path: Path, name: str, gdf: gpd.GeoDataFrame, source_layer: str | None, repair: bool = False
) -> VectorLayer:
    where = f"layer '{name}'" if source_layer else "the file"
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise LayerLoadError(path, f"{where} has no geometry column")
    if len(gdf) == 0:
        raise LayerLoadError(path, f"{where} has no features")
    if gdf.crs is None and path.suffix.lower() == ".topojson" and implausible_coordinates(
            tuple(gdf.total_bounds), CRS.from_epsg(4326)) is None:
        # TopoJSON has no CRS member; its tools write longitude/latitude (e.g. Natural Earth's)
        gdf = gdf.set_crs(4326)
        warnings_in = ["TopoJSON names no CRS: its coordinates are longitude/latitude, read as WGS 84"]
    else:
        warnings_in = []
    if gdf.crs is None:
        raise LayerLoadError(
            path, f"{where} has no coordinate reference system (CRS), so it cannot be placed on the map"
        )
    checks = GeometryChecks(repair)
    geoms, keep = checks.chunk(np.asarray(gdf.geometry.values, dtype=object))
    _refuse_problems(path, checks, where, gdf.crs, gdf.loc[keep].drop(columns=gdf.geometry.name))
    if not keep.all():
        gdf = gdf.loc[keep].copy()
    if checks.made_multi or checks.repaired:
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    warnings: list[str] = warnings_in + checks.warnings() + checks.repair_warnings(gdf.crs)
    result = VectorLayer(name=name, source=path, source_layer=source_layer, gdf=gdf.reset_index(drop=True),
                         warnings=warnings)
    return _with_fields_and_role(result, path)


def _with_fields_and_role(layer: VectorLayer, path: Path) -> VectorLayer:
    """The layer with its fields' meanings and its role guessed from its data, names and kind."""
    layer.fields = guess_fields(layer.gdf)
    layer.role = role_from_data(layer.gdf) or guess_role([layer.name, path.stem], layer.geometry_kind, layer.gdf.columns,
                                                       layer.fields)
    layer.style = default_style(layer.role)
    layer.warnings += apply_fields(layer)  # after the guess: its derived status and year are not the file's
    return layer


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
    _check_readable(path)
    limit = LARGE_RASTER_PIXELS if max_pixels is None else max_pixels
    info, data = _read_cells(path, {"op": "raster", "path": str(path), "band": band, "max_pixels": limit},
                             limits, cancelled)
    try:
        pyproj_crs = _pyproj(info["crs_authority"], info["crs_wkt"])
    except Exception as exc:  # pyproj's CRSError: GDAL read a CRS PROJ does not understand
        raise _unreadable(path, exc) from None
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
        raise _unreadable(path, exc) from None
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


def write_vector(data: VectorLayer | gpd.GeoDataFrame, path: str | os.PathLike, layer: str | None = None) -> Path:
    """Write a layer to GeoPackage or GeoJSON.

    Written to a temporary file and moved into place, so a failure or a kill never leaves a
    half-written file. Writing a further layer into an existing GeoPackage adds or replaces that
    layer in a copy of the file that then replaces it: a kill leaves the old layer or the new one,
    never an empty one.
    """
    gdf = data.gdf if isinstance(data, VectorLayer) else data
    return write_vectors({layer or (data.name if isinstance(data, VectorLayer) else Path(path).stem): gdf}, path)


def write_vectors(frames: dict[str, gpd.GeoDataFrame], path: str | os.PathLike, new_file: bool = False) -> Path:
    """Write several layers (name -> frame) into one GeoPackage, or one layer to GeoJSON, atomically.

    Layers already in a GeoPackage at `path` and not named in `frames` are kept, unless
    `new_file`: then the file written holds just `frames`.

    GeoJSON names its CRS only by an EPSG code (anything else it takes as lon/lat WGS 84,
    RFC 7946): a layer in a CRS without one (a custom transverse Mercator, say) is written in
    EPSG:4326, so that its features read back where they are, not hundreds of kilometres away.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_DRIVERS:
        raise ValueError(f"{path.name}: can only write {', '.join(sorted(WRITE_DRIVERS))}")
    driver = WRITE_DRIVERS[suffix]
    import pyogrio  # here, not at the top: what reads files in this process needs no GDAL (it is the reader process's)

    if driver != "GPKG" and len(frames) != 1:
        raise ValueError(f"{path.name}: a {driver} file holds one layer, not {len(frames)}")
    with atomic_path(path, whole_geopackage if driver == "GPKG" else whole_geojson) as tmp:
        if driver == "GPKG" and path.exists() and not new_file:
            shutil.copyfile(path, tmp)
        for name, gdf in frames.items():
            if driver == "GeoJSON" and gdf.crs is not None and gdf.crs.to_epsg() is None:
                gdf = gdf.to_crs(4326)
            try:
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver=driver, use_arrow=True)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise OSError(f"GDAL could not write it: {_short(exc)}") from None  # named by atomic_path
    return path


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


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


__all__ = [
    "LayerLoadError", "RepairChangesArea", "LARGE_RASTER_PIXELS", "OVERVIEW_MAX_SIDE", "VECTOR_SUFFIXES",
    "RASTER_SUFFIXES", "list_vector_layers", "read_layers", "read_vector", "read_counted", "read_raster",
    "read_feed_layers", "FeedOptions", "read_raster_view", "read_table", "write_vector", "write_vectors",
    "open_file_filter",
]
