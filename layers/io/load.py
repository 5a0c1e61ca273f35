"""Reading GIS files: what every read shares, and vector layers through pyogrio (Arrow).

Every way a file can be wrong ends in one `LayerLoadError` that names the file and the reason
in words a planner understands. Reading never changes anything else: it returns new layers
and leaves adding them to the caller, so a failed load cannot damage a map. `read_layers` reads
whatever a file holds; the readers of each kind are modules of their own: `counted_read`
(things to count, as arrays), `raster_load` (GeoTIFF bands), `feed_load` (GTFS feeds), and
`vector_write` writes layers.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from pyproj import CRS

from layers.analysis.coverage.compact import CompactGeometries
from layers.analysis.progress import Cancelled, IsCancelled
from layers.compact_layer import CompactVectorLayer
from layers.crs import implausible_coordinates, registered
from layers.io.csv import CSVLayerError, read_csv_frame
from layers.io.feature_size import FeatureTooLarge
from layers.io.formats import feed_location
from layers.io.frame_reader import read_geoparquet, read_ogr
from layers.io.isolated import LibraryError, ReadFailed, ReadLimits, reading
from layers.io.normalise import GeometryChecks, text_problem
from layers.io.sources import (RASTER_SUFFIXES, TABLE_SUFFIXES, VECTOR_SUFFIXES, LayerLoadError, RepairChangesArea,
                               _ogr_path, check_readable, is_raster, list_vector_layers, ogr_source, unreadable,
                               vector_suffix)
from layers.layer import Layer, VectorLayer, default_style
from layers.roles import apply_fields, guess_fields, guess_role, role_from_data

if TYPE_CHECKING:
    from layers.io.feed_load import FeedOptions

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
    from layers.io.counted_read import read_counted  # (the readers of each kind import this module)
    from layers.io.feed_load import read_feed_layers
    from layers.io.raster_load import read_raster

    path = Path(path)
    feed = feed_location(path)
    if feed is not None:
        with reading(limits, cancelled):
            return read_feed_layers(feed, transit)
    check_readable(path)
    if is_raster(path):
        return [read_raster(path, cancelled=cancelled)]
    if path.suffix.lower() in TABLE_SUFFIXES:
        layer = read_table(path, crs, repair)
        return [held_as_arrays(layer) if layer.name in to_count else layer]
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
    from layers.io.feed_load import feed_layer

    path = Path(path)
    if feed_location(path) is not None:
        return feed_layer(path, layer)
    suffix = vector_suffix(path)
    if suffix in TABLE_SUFFIXES:
        return read_table(path, repair=repair)
    try:
        if suffix in (".parquet", ".geoparquet"):
            gdf = read_geoparquet(path)
        else:
            gdf = read_ogr(ogr_source(path, layer), layer)
    except (LayerLoadError, Cancelled):
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, f"layer '{layer}': {exc}" if layer else str(exc)) from None
    except FeatureTooLarge as exc:
        raise LayerLoadError(path, f"layer '{layer}': {exc}" if layer else f"the file: {exc}") from None
    except Exception as exc:
        raise unreadable(path, exc) from None
    name = layer or path.stem
    if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) == 0 and suffix not in (".parquet", ".geoparquet"):
        refuse_empty(path, layer)
    return _checked_vector_layer(path, name, gdf, source_layer=layer, repair=repair)


def refuse_empty(path: Path, layer: str | None) -> None:
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


def read_table(path: str | os.PathLike, crs=None, repair: bool = False) -> VectorLayer:
    """A CSV table as a layer of points (lon/lat or x/y columns) or shapes (a WKT column), checked as
    `read_vector` checks a file's layer (`layers.io.csv`: read by pandas, never GDAL). `crs`: what
    x/y or WKT coordinates are in when the file does not say (no .prj beside it); `repair` as for
    `read_vector`."""
    path = Path(path)
    check_readable(path)
    try:
        gdf, warnings = read_csv_frame(path, crs)
    except CSVLayerError as exc:
        raise LayerLoadError(path, str(exc)) from None
    layer = _checked_vector_layer(path, path.stem, gdf, source_layer=None, repair=repair)
    layer.warnings[:0] = warnings
    return layer


def held_as_arrays(layer: VectorLayer) -> CompactVectorLayer:
    """A layer read whole, its geometries then held as arrays and its frame kept for the fields."""
    gdf = layer.gdf
    fields = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name))
    return CompactVectorLayer(name=layer.name, source=layer.source, source_layer=layer.source_layer, gdf=fields,
                              role=layer.role, style=layer.style, warnings=layer.warnings, fields=layer.fields,
                              geometries=CompactGeometries.from_shapely(gdf.geometry.values), layer_crs=gdf.crs)


def refuse_problems(path: Path, checks: GeometryChecks, where: str, crs, fields) -> None:
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
    gdf.set_crs(registered(gdf.crs), allow_override=True, inplace=True)  # the frame just read: ours
    checks = GeometryChecks(repair)
    geoms, keep = checks.chunk(np.asarray(gdf.geometry.values, dtype=object))
    refuse_problems(path, checks, where, gdf.crs, gdf.loc[keep].drop(columns=gdf.geometry.name))
    if not keep.all():
        gdf = gdf.loc[keep].copy()
    if checks.made_multi or checks.repaired:
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    warnings: list[str] = warnings_in + checks.warnings() + checks.repair_warnings(gdf.crs)
    result = VectorLayer(name=name, source=path, source_layer=source_layer, gdf=gdf.reset_index(drop=True),
                         warnings=warnings)
    return with_fields_and_role(result, path)


def with_fields_and_role(layer: VectorLayer, path: Path) -> VectorLayer:
    """The layer with its fields' meanings and its role guessed from its data, names and kind."""
    layer.fields = guess_fields(layer.gdf)
    layer.role = role_from_data(layer.gdf) or guess_role([layer.name, path.stem], layer.geometry_kind, layer.gdf.columns,
                                                       layer.fields)
    layer.style = default_style(layer.role)
    layer.warnings += apply_fields(layer)  # after the guess: its derived status and year are not the file's
    return layer


def short_text(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
