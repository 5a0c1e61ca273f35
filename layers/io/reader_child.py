"""The process that opens untrusted files: `python -m layers.io.reader_child MEMORY_BYTES [--full]`.

GDAL can be made to loop for ever (a GeoPackage view that recurses without end), to block (a
Shapefile whose .prj is a named pipe) or to take all the memory there is, and nothing inside a
process stops a C library that does not return. So the reading is done here, in a process of its
own that `layers.io.isolated` kills when the planner cancels or the time is up, and whose address
space is capped (RLIMIT_AS): a file that needs more fails here, not in the app.

It is lean: it imports pyogrio, pyarrow and `layers.io.gdal_guard` (which configures GDAL), and
for a layer of things to count the NumPy parser of its WKB (`layers.io.arrays_stream`), not
pandas, geopandas, shapely or pyproj (pyogrio would import them, a third of a second, to look for
them; they are hidden from it); rasterio, for GeoTIFFs, is imported on a thread once it has read
a layer, or when told rasters will come. So it starts in a fraction of a second. Started with
--full it imports them too, for pyogrio's row reader (text in a legacy code page, date-times),
which needs pandas.

Protocol, over stdin/stdout: once started the child says so (a header {"ok": true, "ready": true}, so
that the parent's time limit counts from its request, not from Python's start); then the parent
writes one JSON request a line, and the child answers each with a
header (4-byte little-endian length, then JSON: {"ok": true, ...} or {"ok": false, "error": ...}),
and for requests that return rows an Arrow IPC stream follows, then a trailer (a header again:
how many rows were sent, or the error that stopped the stream). The parent trusts a stream only
with its trailer, so a child killed or crashed half-way never passes for a short layer.
"""
from __future__ import annotations

import collections
import importlib
import json
import resource
import struct
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

LEAN_HIDDEN = ("geopandas", "pandas", "shapely", "pyproj")  # what pyogrio would import only to look for it


def main(argv: list[str]) -> int:
    memory_bytes, full = int(argv[0]), "--full" in argv[1:]
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if not full:
        for name in LEAN_HIDDEN:
            sys.modules.setdefault(name, None)
    warnings.simplefilter("ignore")  # GDAL's warnings: the parent says what matters
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the protocol on the pipe

    import layers.io.gdal_guard  # noqa: F401  (GDAL as the planner lets it read: its drivers, no sidecars, no network)

    _send(out, {"ok": True, "ready": True})  # started: the parent's time limit counts from its request
    for line in sys.stdin.buffer:
        request = json.loads(line)
        op = request.pop("op")
        try:
            _OPS[op](out, **request)
        except BrokenPipeError:
            return 0
        out.flush()
        if op in LAYER_OPS and not request.get("ahead"):
            _expect_rasters(out)  # a layer read: a raster may come next (a project's, a planner's files)
        # what a read freed goes back to the system: an idle reader holds its imports, not its
        # last layer's batches (1M footprints: about 90 MB, while the planner's side measures them)
        _give_back_freed()
    return 0


def _expect_rasters(out) -> None:
    """rasterio, for GeoTIFFs, imported on a thread of its own (once), so that the first raster
    read does not wait for it (0.10-0.18 s): once a layer is read, or at once when the parent says
    rasters will come (`ReaderProcess.expect_rasters`: `planner measure` given a GeoTIFF, while its
    footprints are parsed ahead; the process's peak is its planner side's, unchanged). Sends no
    answer."""
    if _RASTER_IMPORT.ident is None:  # not started yet
        _RASTER_IMPORT.start()


_RASTER_IMPORT = threading.Thread(target=importlib.import_module, args=("layers.io.raster_read",),
                                  name="raster reading", daemon=True)


def _give_back_freed() -> None:
    """What this process freed, back to the system (malloc_trim: Arrow's pool here is the C heap's,
    and NumPy's arrays are on it too): glibc keeps the freed pages of its heaps for later, and a
    read's later allocations do not fill them."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _send(out, message: dict) -> None:
    data = json.dumps(message, default=str).encode()
    out.write(struct.pack("<I", len(data)))
    out.write(data)
    out.flush()


def _failure(exc: BaseException) -> dict:
    """The library's error as the parent's `layers.io.reasons` reads one: its type and first line;
    a feature too large in the planner's own words."""
    from layers.io.feature_size import FeatureTooLarge

    if isinstance(exc, FeatureTooLarge):
        return {"ok": False, "too_large": str(exc)}
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    memory = isinstance(exc, MemoryError) or "out of memory" in text.lower()
    return {"ok": False, "error": f"{type(exc).__name__}: {text}"[:300], "memory": memory}


def _layers(out, source: str) -> None:
    import pyogrio

    try:
        names = [str(name) for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True, "layers": names})


def _declared(out, source: str, layer: str | None) -> None:
    """The number of features GDAL says a layer has without counting them (-1: it cannot say)."""
    import pyogrio

    try:
        count = int(pyogrio.read_info(source, layer=layer, force_feature_count=False)["features"])
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True, "features": count})


def _arrow(out, source: str, layer: str | None, kwargs: dict) -> None:
    """A layer as GDAL's Arrow stream (`pyogrio.open_arrow` with `kwargs`), batch by batch."""
    import pyogrio

    try:
        opened = pyogrio.open_arrow(source, layer=layer, use_pyarrow=True, **kwargs)
        meta, reader = opened.__enter__()
    except Exception as exc:
        _send(out, _failure(exc))
        return
    try:
        _send(out, {"ok": True, "meta": {key: _plain(value) for key, value in meta.items()}})
        _stream(out, reader.schema, reader)
    finally:
        opened.__exit__(None, None, None)


def _parquet(out, path: str, batch_size: int) -> None:
    """A Parquet file's rows with its schema's metadata (GeoParquet's 'geo', pandas')."""
    try:
        parquet = _parquet_file(path)
        schema = parquet.schema_arrow
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True})
    _stream(out, schema, parquet.iter_batches(batch_size=batch_size, use_pandas_metadata=True))


PARQUET_BUFFER = 4 << 20  # bytes of a column chunk read at a time


def _parquet_file(path: str):
    """A Parquet file opened to be read batch by batch: its column chunks read through a buffer of
    PARQUET_BUFFER bytes, not each whole into memory first (pyarrow's pre-buffering): a row group
    of a million footprints' WKB is a few hundred MB (4M footprints, batches of 65,536: the
    process's peak 340 -> 185 MB, no slower)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path, buffer_size=PARQUET_BUFFER, pre_buffer=False)


def _counted(out, source: str, layer: str | None, parquet: bool, batch_size: int, kwargs: dict,
             count: bool = False, ahead: bool = False) -> None:
    """A layer of things to count (`layers.io.counted_read.read_counted`): GDAL's Arrow stream of it
    (`pyogrio.open_arrow` with `kwargs`), or a GeoParquet file's batches, each sent with its
    geometries parsed here (`layers.io.arrays_stream`). The header says the geometry column and
    the CRS, and "features", how many the file says it has (-1: unknown; GDAL is asked only with
    `count`, for formats that say it in a header); "arrays" false (text not in UTF-8, a GeoParquet
    file of another layout) or no geometry column: no stream follows, the planner's side reads the
    layer its other way or refuses it.

    With `ahead` nothing is answered yet: the layer is opened, read and parsed on threads of its
    own (`_Ahead`), within the memory cap, and kept until the same request comes without `ahead`
    (then answered from there); requests for other layers and files are answered meanwhile
    (`planner measure` reads its small files while its footprints are parsed). Another read of
    things to count, or another read sent ahead, drops it."""
    request = {"source": source, "layer": layer, "parquet": parquet, "batch_size": batch_size, "kwargs": kwargs,
               "count": count}
    kept_request, kept = _AHEAD.pop("request", None), _AHEAD.pop("reading", None)
    if kept is not None and (ahead or kept_request != request):
        kept.close()  # not wanted: dropped
        kept = None
    if ahead:
        _AHEAD.update(request=request, reading=_CountedRead(request, ahead=True))
        return
    reading = kept or _CountedRead(request)
    try:
        reading.answer(out)
    finally:
        reading.close()


_AHEAD: dict = {}  # the read sent ahead, until asked: "request" (its arguments), "reading" (its `_CountedRead`)


class _CountedRead:
    """A layer of things to count opened (its header made, or the failure to say), and its batches
    encoded as they are sent, or, `ahead`, made from now on a thread while the pipe does not take
    them (`_Ahead`)."""

    def __init__(self, request: dict, ahead: bool = False):
        self.opened, self.header, self.batches, self.schema = None, None, None, None
        self.asked = threading.Event()  # the planner's side reads the batches (`_encoded`'s pace)
        if not ahead:
            self.asked.set()
        try:
            self._open(**request)
        except Exception as exc:
            self.header = _failure(exc)
            return
        if self.batches is not None and ahead:
            self.batches = _Ahead(self.batches)

    def _open(self, source: str, layer: str | None, parquet: bool, batch_size: int, kwargs: dict, count: bool) -> None:
        from layers.io.arrays_stream import is_utf8, plain_wkb_column, stream_schema

        if parquet:
            file = _parquet_file(source)
            schema, plain, meta = file.schema_arrow, plain_wkb_column(file.schema_arrow), None
            geometry, crs = plain if plain is not None else (None, None)
            arrays = plain is not None
            batches = file.iter_batches(batch_size=batch_size, use_pandas_metadata=True)
            features = file.metadata.num_rows
        else:
            import pyogrio

            self.opened = pyogrio.open_arrow(source, layer=layer, use_pyarrow=True, batch_size=batch_size, **kwargs)
            meta, batches = self.opened.__enter__()
            schema, geometry, crs = batches.schema, meta["geometry_name"] or "wkb_geometry", meta["crs"]
            arrays = is_utf8(meta.get("encoding"))
            meta = {key: _plain(value) for key, value in meta.items()}
            features = pyogrio.read_info(source, layer=layer, force_feature_count=False)["features"] if count else -1
        stream = arrays and geometry in schema.names
        self.header = {"ok": True, "meta": meta, "arrays": arrays, "crs": crs, "features": int(features),
                       "geometry": geometry if geometry in schema.names else None, "stream": stream}
        if stream:
            self.schema = stream_schema(schema, geometry)
            self.batches = _encoded(batches, geometry, self.schema, self.asked)

    def answer(self, out) -> None:
        self.asked.set()
        _send(out, self.header)
        if self.batches is not None:
            _stream(out, self.schema, self.batches)

    def close(self) -> None:
        """Stop making batches (an `_Ahead`'s thread ended) and close the source."""
        if self.batches is not None:
            self.batches.close()
        if self.opened is not None:
            self.opened.__exit__(None, None, None)
            self.opened = None


PARSERS = 2  # batches of a layer parsed at once (NumPy lets go of the GIL for most of the work)


def _encoded(batches, geometry: str, schema, asked: threading.Event):
    """The batches encoded (`arrays_stream.encode`), in their order. Once `asked` (the planner's
    side reads them), PARSERS at a time on threads while GDAL reads the next (it too lets go of
    the GIL): the reader's share of a read of 4M footprints is mostly parsing, and the planner's
    side waits for it. Before (a read sent ahead, `_Ahead`), one at a time: the planner's side
    is then importing, one thread whose time is the command's (`planner measure`), and the
    scheduler shares the cores by thread, so every thread more here took from it. It matters on a
    machine busy with other work (the 1M bench city, `planner measure --zones`, medians of 10-12
    runs interleaved with the code before, load 2-3: GeoPackage 1.86 -> 1.69 s and 2.03 -> 1.74 s,
    GeoParquet 1.84 -> 1.68 s and 1.54 -> 1.48 s); with nothing else running, the same within the
    noise."""
    from layers.io.arrays_stream import encode

    first, pending = 0, collections.deque()
    with ThreadPoolExecutor(PARSERS) as parsers:
        try:
            for batch in batches:
                pending.append(parsers.submit(encode, batch, geometry, schema, first))
                first += batch.num_rows
                while len(pending) > (PARSERS if asked.is_set() else 0):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for parsing in pending:  # the stream failed or the parent left: what is queued is not wanted
                parsing.cancel()


# batches kept ahead of the pipe at most: what is parsed while the planner imports. A million
# footprints parsed are 117 MB (rectangles; more with more vertices): with 64 MB the reader stopped
# half-way and sat idle (0.2 s) while the planner imported on the other core, then parsed the rest
# while the planner waited for it (1M bench city, 8 runs each interleaved: GeoPackage 2.46 ->
# 2.33 s, GeoParquet 2.69 -> 2.49 s; the two processes' memory at its peak unchanged, 424 -> 432
# MB for 1M, 926 MB for 4M: the planner takes the batches in as the reader gives them back)
AHEAD_BYTES = 256 << 20
READ_AHEAD_BYTES = 16 << 20  # and once the planner reads the pipe: a few batches


class _Ahead:
    """`batches` made from now on, on a thread of their own, and kept until the pipe takes them, up
    to `most_bytes` of them: GDAL reads and the parsers parse while the planner's side is not
    reading yet (its imports, its other files: time to parse about a million footprints), and a
    larger layer waits for the pipe beyond that instead of being held here whole. Once the pipe has
    taken a batch (the planner's side reads: a batch is larger than the pipe holds),
    `once_read_bytes` are kept at most: the planner's side takes a batch about as fast as one is
    parsed here, so more ahead only held memory while both processes hold the layer (4M
    footprints: the reader held 330 MB to the end of the read, 250 MB with 16 MB ahead). The
    thread is the only one that touches the batches' source, and it has ended when `close`
    returns (the source is closed after), also when the pipe breaks or a batch fails (raised
    here, in its order)."""

    _END = object()

    def __init__(self, batches, most_bytes: int = AHEAD_BYTES, once_read_bytes: int = READ_AHEAD_BYTES):
        self._made, self._room = collections.deque(), threading.Condition()
        self._held, self._most, self._once_read = 0, most_bytes, once_read_bytes
        self._stop = threading.Event()
        self._maker = threading.Thread(target=self._make, args=(batches,), name="read ahead", daemon=True)
        self._maker.start()

    def _put(self, item, size: int = 0) -> None:
        with self._room:
            self._made.append((item, size))
            self._held += size
            self._room.notify_all()
            while self._held > self._most and not self._stop.is_set():
                self._room.wait()

    def _make(self, batches) -> None:
        try:
            for batch in batches:
                self._put(batch, batch.nbytes)
                if self._stop.is_set():
                    break
        except BaseException as exc:  # said to the pipe's side, after the batches before it
            self._put(exc)
        finally:
            batches.close()  # its parsers' queued work cancelled
            self._put(self._END)

    def __iter__(self):
        while True:
            with self._room:
                while not self._made:
                    self._room.wait()
                item, size = self._made.popleft()
                self._held -= size
                self._room.notify_all()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            item = None
            # the pipe took it: the planner's side reads. What it held goes back now, not after
            # the read: the planner's side is then taking in the layer, and the two processes'
            # memory peaks then (1M footprints, the bench's sampler, four runs each: GeoParquet
            # 479-507 -> 419-450 MB, GeoPackage 464-489 -> 434-458 MB)
            _give_back_freed()
            self._most = min(self._most, self._once_read)

    def close(self) -> None:
        with self._room:
            self._stop.set()
            self._room.notify_all()
        self._maker.join()


def _frame(out, source: str, layer: str | None, kwargs: dict) -> None:
    """pyogrio's own frame of a layer (its row reader re-codes legacy text, parses date-times), as
    Arrow with pandas' metadata, so that the parent's `to_pandas()` gives that same frame. --full only."""
    import pyarrow as pa
    import pyogrio

    try:
        table = pa.Table.from_pandas(pyogrio.read_dataframe(source, layer=layer, **kwargs))
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True})
    _stream(out, table.schema, table.to_batches())


_FEED_MADE: dict = {}  # the last feed's layers, by (location, options): asked for one layer at a time


def _feed_layer(out, location: str, options: dict, index: int) -> None:
    """Layer `index` of a GTFS feed's layers (`layers.io.feed_load.feed_layers_here`), its frame as
    GeoArrow WKB. --full only. A feed refused says why in the planner's words ('refused')."""
    import pyarrow as pa

    from layers.io.feed_load import feed_layers_here
    from layers.io.sources import LayerLoadError

    key = json.dumps([location, options], sort_keys=True)
    try:
        if key not in _FEED_MADE:
            _FEED_MADE.clear()
            _FEED_MADE[key] = feed_layers_here(location, options)
        layer = _FEED_MADE[key][index]
        table = pa.table(layer.gdf.to_arrow(geometry_encoding="WKB"))
    except LayerLoadError as exc:
        _send(out, {"ok": False, "refused": exc.reason})
        return
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True, "layer": {"name": layer.name, "source_layer": layer.source_layer, "role": layer.role,
                                      "warnings": list(layer.warnings)}})
    _stream(out, table.schema, table.to_batches())


def _raster(out, path: str, band: int, max_pixels: int) -> None:
    """A GeoTIFF band (`layers.io.raster_read.read_band`): its header, then its cells and mask."""
    from layers.io import raster_read

    _send_cells(out, lambda: raster_read.read_band(path, band, max_pixels))


def _raster_window(out, path: str, band: int, bounds: list, max_size: list) -> None:
    """The cells of a GeoTIFF band inside `bounds` at most `max_size` (`raster_read.read_window`)."""
    from layers.io import raster_read

    _send_cells(out, lambda: raster_read.read_window(path, band, tuple(bounds), tuple(max_size)))


CELL_ROWS = 1 << 20  # cells a batch of a raster's stream carries


def _send_cells(out, read) -> None:
    """A header {"info", "dtype", "shape"} and an Arrow stream of the cells in row order: their
    values as stored ('values') and 1 where masked ('mask'); no rows for a raster not read."""
    import numpy as np
    import pyarrow as pa

    try:
        info, data = read()
    except Exception as exc:
        _send(out, _failure(exc))
        return
    if data is None:
        _send(out, {"ok": True, "info": info, "shape": None})
        _stream(out, pa.schema([("values", pa.float64()), ("mask", pa.uint8())]), [])
        return
    values = np.ascontiguousarray(np.ma.getdata(data)).ravel()
    mask = np.ascontiguousarray(np.ma.getmaskarray(data)).view(np.uint8).ravel()
    _send(out, {"ok": True, "info": info, "shape": list(data.shape)})
    schema = pa.schema([("values", pa.from_numpy_dtype(values.dtype)), ("mask", pa.uint8())])

    def column(cells, kind):  # zero-copy; not pa.array(), which looks for pandas (hidden here)
        return pa.Array.from_buffers(kind, len(cells), [None, pa.py_buffer(cells)])

    _stream(out, schema, (pa.record_batch([column(values[i:i + CELL_ROWS], schema.field(0).type),
                                           column(mask[i:i + CELL_ROWS], pa.uint8())], schema=schema)
                          for i in range(0, len(values), CELL_ROWS)))


def _stream(out, schema, batches) -> None:
    import pyarrow as pa

    rows = 0
    writer = pa.ipc.new_stream(out, schema)
    try:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    except BrokenPipeError:
        raise
    except Exception as exc:
        writer.close()
        _send(out, _failure(exc))
        return
    writer.close()
    _send(out, {"ok": True, "rows": rows})


def _plain(value):
    """pyogrio's metadata as JSON (its NumPy arrays of names and dtypes as lists of text)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [None if v is None else str(v) for v in value]
    return value


LAYER_OPS = ("counted", "arrow", "parquet", "frame")  # the requests that read a layer's rows
_OPS = {"layers": _layers, "declared": _declared, "arrow": _arrow, "parquet": _parquet, "counted": _counted,
        "frame": _frame, "raster": _raster, "feed_layer": _feed_layer, "raster_window": _raster_window,
        "expect_rasters": _expect_rasters}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
