"""Layers of things to count (buildings, facilities) read into arrays: what `planner measure` and
the app hold a million footprints as.

The reader process (`layers.io.isolated`) reads GDAL's Arrow stream of the layer, or a GeoParquet
file's record batches, and parses each batch's WKB into arrays there (`layers.io.arrays_stream`);
here each batch is checked and kept while it parses the next. The checks, repairs and messages
are `read_vector`'s (`layers.io.load`).
"""
from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.analysis.coverage.compact import CompactBuilder, CompactGeometries
from layers.analysis.progress import Cancelled
from layers.compact_layer import CompactVectorLayer, held_geometries
from layers.crs import implausible_coordinates, is_metric, parsed_crs, registered
from layers.io.arrays_stream import decode
from layers.io.feature_size import FeatureTooLarge
from layers.io.feed_load import feed_layer
from layers.io.formats import feed_location
from layers.io.frame_reader import _converted_as_is
from layers.io.isolated import ReadFailed, reading, stop_if_cancelled
from layers.io.load import held_as_arrays, read_vector, refuse_empty, refuse_problems, with_fields_and_role
from layers.io.normalise import GeometryChecks
from layers.io.sliced import geometries_from_wkb
from layers.io.sources import TABLE_SUFFIXES, LayerLoadError, counted_request, unreadable, vector_suffix
from layers.layer import VectorLayer

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
        return feed_layer(path, layer)
    suffix = vector_suffix(path)
    name = layer or path.stem
    where = f"layer '{name}'" if layer else "the file"
    checks, keeps, field_batches = GeometryChecks(repair), [], []
    parquet = suffix in (".parquet", ".geoparquet")
    try:
        if suffix in TABLE_SUFFIXES:
            return held_as_arrays(read_vector(path, layer, repair))
        # GDAL's Arrow stream hands text over as stored; its row reader re-codes it to UTF-8 from the
        # file's code page (a shapefile's .cpg or DBF language byte): such a layer is read by read_vector
        request = counted_request(path, layer)
        source = request["source"]
        with reading() as reader, reader.counted(**request) as (header, batches):
            crs, parsed = header["crs"], _parsed(header["crs"])
            # compared as it is read with a reading of the same file still held, if any (the app's)
            layer_crs = registered(parsed) if parsed is not None else None
            like = held_geometries(path, layer, layer_crs) if layer_crs is not None else None
            # measured as read where the CRS is in metres: the working CRS as a rule, where the engine
            # uses the measures as they are (in another it measures the footprints it transformed)
            geometries = CompactBuilder(header.get("features", -1), reader.limits.memory_mb << 20,
                                        measured=parsed is not None and is_metric(parsed), like=like)
            if header["arrays"]:
                if header["geometry"] is None:
                    raise LayerLoadError(path, f"{where} has no geometry column")
                with _AppendedBehind(geometries) as appending:
                    for batch in batches:
                        _counted_batch(batch, checks, appending, keeps, field_batches)
                fields = (_parquet_fields(field_batches) if parquet else
                          _counted_fields(reader, source, layer, header["meta"], field_batches, where, path))
        if not header["arrays"]:
            return held_as_arrays(read_vector(path, layer, repair))
    except (LayerLoadError, Cancelled):
        raise
    except ReadFailed as exc:
        raise LayerLoadError(path, f"{where}: {exc}" if layer else str(exc)) from None
    except FeatureTooLarge as exc:
        raise LayerLoadError(path, f"{where}: {exc}") from None
    except Exception as exc:
        raise unreadable(path, exc) from None
    if not sum(len(keep) for keep in keeps):
        if parquet:
            raise LayerLoadError(path, f"{where} has no features")
        refuse_empty(path, layer)
    warnings = []
    if crs is None and suffix == ".topojson" and checks.kept and not checks.not_finite and implausible_coordinates(
            (*checks.low.tolist(), *checks.high.tolist()), CRS.from_epsg(4326)) is None:
        crs = "EPSG:4326"
        warnings = ["TopoJSON names no CRS: its coordinates are longitude/latitude, read as WGS 84"]
    if crs is None:
        raise LayerLoadError(
            path, f"{where} has no coordinate reference system (CRS), so it cannot be placed on the map"
        )
    crs = layer_crs if layer_crs is not None else registered(CRS.from_user_input(crs))
    keep = np.concatenate(keeps)
    if fields is None:  # a GeoParquet file of geometries only
        fields = pd.DataFrame(index=pd.RangeIndex(len(keep)))
    fields = fields.loc[keep] if not keep.all() else fields
    refuse_problems(path, checks, where, crs, fields)
    gdf = gpd.GeoDataFrame(fields.reset_index(drop=True))
    result = CompactVectorLayer(name=name, source=path, source_layer=layer, gdf=gdf,
                                warnings=warnings + checks.warnings() + checks.repair_warnings(crs),
                                geometries=geometries.build(), layer_crs=crs)
    return with_fields_and_role(result, path)


def _parsed(crs) -> CRS | None:
    """The layer's CRS as the reader sent it, read once (`layers.crs.parsed_crs`: a GeoParquet
    file's PROJJSON took PROJ 20 ms); None without one, or for one pyproj cannot read (refused where
    it is used, as before)."""
    try:
        return parsed_crs(crs) if crs is not None else None
    except CRSError:
        return None


class _AppendedBehind:
    """A `CompactBuilder` appended to behind the caller, in order, on two threads of its own: one
    works out each batch's boxes and areas (`CompactBuilder.ready`), the other copies the batch
    into place, a batch or two behind, while the caller takes the next batch from the reader's
    pipe and checks it (NumPy does most of this without Python's lock). Once the reader has parsed
    the footprints ahead, that taking and keeping is the read's pace, and it was one thread's (1M
    footprints: 0.3 s, the reader half idle). What the builder raises is raised here, at the next
    append or on leaving."""

    def __init__(self, builder: CompactBuilder, behind: int = 2):
        self._failed: BaseException | None = None
        self._queues = [queue.Queue(behind), queue.Queue(behind)]  # to be made ready; to be appended
        self._threads = [threading.Thread(target=self._stage, args=(work, taken, given), name=name, daemon=True)
                         for work, taken, given, name in ((builder.ready, *self._queues, "ready behind"),
                                                          (builder.append, self._queues[1], None, "append behind"))]

    def __enter__(self) -> _AppendedBehind:
        for thread in self._threads:
            thread.start()
        return self

    def append(self, store: CompactGeometries) -> None:
        if self._failed is not None:
            raise self._failed
        self._queues[0].put(store)

    def _stage(self, work, taken: queue.Queue, given: queue.Queue | None) -> None:
        while (store := taken.get()) is not None:
            if self._failed is None:
                try:
                    work(store)
                except BaseException as exc:  # said to the caller; the rest is not appended
                    self._failed = exc
            if given is not None:
                given.put(store)
        if given is not None:
            given.put(None)

    def __exit__(self, *exc_info) -> None:
        self._queues[0].put(None)
        for thread in self._threads:
            thread.join()
        if self._failed is not None and exc_info[0] is None:
            raise self._failed


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
