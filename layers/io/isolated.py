"""Untrusted files read in a process that can be stopped: within a time, within memory, on Cancel.

GDAL's readers do not return from some files: a GeoPackage view with an unbounded recursive
query loops for ever, a Shapefile part that is a named pipe blocks, a crafted file takes all the
memory. A thread cannot be stopped inside C, so every GDAL read of a file a planner opens runs in
a child process (`layers.io.reader_child`, which imports neither pandas nor shapely) and comes back
as Arrow record batches over a pipe: a vector layer's rows (a layer of things to count with its
geometries parsed there into arrays, `counted`), a GeoTIFF band's cells and mask
(`raster`, read there by `layers.io.raster_read`), and a GTFS feed's layers (`feed_layer`, read
with gtfs-kit in the child that has pandas). A watchdog thread kills the child when a request has run
longer than `ReadLimits.timeout_s` or when the caller's `cancelled()` says so, at any moment; the
child's address space is capped at `ReadLimits.memory_mb` (RLIMIT_AS), and the parent takes no
more than that many bytes of rows from it either.

A `ReaderProcess` serves many requests, so the start of Python and its imports (a few tenths of
a second) is paid once, not once per read: `reading()` gives one for the reads inside it and the
nested reads (`read_layers` and the vector reads it calls, the app's load job over several
files) use it; on leaving it waits, idle, for the next `reading()`. A child that was killed is
started again for the next request. Children end when the app does (their input closes).
"""
from __future__ import annotations

import atexit
import json
import os
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from layers.analysis.progress import Cancelled, IsCancelled
from layers.heap import kept_heap_environment
from layers.process_environment import child_environment
from layers.io.limits import READ_TIMEOUT_S

if TYPE_CHECKING:  # NumPy and pyarrow are imported where used: the first reader starts before them
    import numpy as np
    import pyarrow as pa


def _default_memory_mb() -> int:
    """Half the machine's memory, at least 2 GB: room for any real layer, not for a runaway read."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        physical = 8 << 30
    return max(2048, physical // 2 >> 20)


@dataclass(frozen=True)
class ReadLimits:
    """What one read of an untrusted file may take. `timeout_s`: seconds for one request (one
    layer, or a file's list of layers); `memory_mb`: the reading process's address space, and the
    bytes of rows the app takes from it."""

    timeout_s: float = READ_TIMEOUT_S
    memory_mb: int = field(default_factory=_default_memory_mb)


class ReadFailed(Exception):
    """A read that could not be done: str() says why in the planner's words (the caller names the file)."""


class LibraryError(Exception):
    """GDAL or pyarrow refused the file in the reader process: str() is its own words ('DataSourceError:
    ...'), for `layers.io.reasons` to say in the planner's."""


POLL_S = 0.05  # how often the watchdog looks at the clock and the caller's Cancel
STARTUP_S = 120.0  # for a reader to start (Python and its imports: a second on a busy machine)


class ReaderProcess:
    """One child process reading files on request; see the module's docstring."""

    def __init__(self, limits: ReadLimits | None = None, cancelled: IsCancelled = None, full: bool = False):
        """`limits.memory_mb` caps the child for its life; the time limit and `cancelled` may change
        between requests (`reading` sets them)."""
        self.limits = limits or ReadLimits()
        self.cancelled = cancelled
        self.full = full
        self._proc: subprocess.Popen | None = None
        self._deadline: float | None = None
        self._stopped: str | None = None  # why the watchdog killed the child
        self._ready = False  # the child said it has started
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._full_reader: ReaderProcess | None = None
        self._schema: pa.Schema | None = None  # of the stream being read
        self._sent_ahead: dict | None = None  # a request sent before it is asked (`counted_ahead`)
        # the source of a read sent ahead that the child was making when it stopped of itself (a
        # crash): the request then answered may not be the one that stopped it (`counted_ahead`)
        self.stopped_beside: str | None = None

    # -- requests ---------------------------------------------------------------------------------
    def layers(self, source: str) -> list[str]:
        """The names of the layers GDAL finds in `source`."""
        return self._ask({"op": "layers", "source": source})["layers"]

    def declared_features(self, source: str, layer: str | None) -> int:
        """How many features the layer says it has (a header, an index), -1 if it cannot say without counting."""
        return int(self._ask({"op": "declared", "source": source, "layer": layer})["features"])

    @contextmanager
    def arrow(self, source: str, layer: str | None, **kwargs) -> Iterator[tuple[dict, Iterator[pa.RecordBatch]]]:
        """(pyogrio's metadata, the record batches) of `pyogrio.open_arrow(source, layer, **kwargs)`.

        The batches must be read to the end inside the `with` (leaving early stops the child)."""
        header = self._ask({"op": "arrow", "source": source, "layer": layer, "kwargs": kwargs}, streaming=True)
        with self._rows() as batches:
            yield header["meta"], batches

    def arrow_table(self, source: str, layer: str | None, **kwargs) -> tuple[dict, pa.Table]:
        """The whole layer as one Arrow table (see `arrow`)."""
        with self.arrow(source, layer, **kwargs) as (meta, batches):
            return meta, _table(batches, self._schema)

    @contextmanager
    def parquet(self, path: str, batch_size: int = 65_536) -> Iterator[tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
        """(the schema, its metadata (GeoParquet's 'geo') kept; the record batches) of a Parquet file.

        The batches must be read to the end inside the `with` (leaving early stops the child)."""
        self._ask({"op": "parquet", "path": path, "batch_size": batch_size}, streaming=True)
        with self._rows() as batches:
            yield self._schema, batches

    def parquet_table(self, path: str, batch_size: int = 65_536) -> pa.Table:
        """A Parquet file as one Arrow table, its schema's metadata (GeoParquet's 'geo') kept."""
        with self.parquet(path, batch_size) as (schema, batches):
            return _table(batches, schema)

    def counted_ahead(self, source: str, layer: str | None, parquet: bool, batch_size: int, count: bool = False,
                      **kwargs) -> None:
        """Send the request `counted` with these arguments will make, now: the child reads and
        parses the layer while this process does other work (`planner measure`'s imports, its other
        files), keeping the batches until they are asked for (within its memory cap). The time limit
        runs from `counted`. Other requests are answered meanwhile (a read of another layer of
        things to count drops the one sent ahead: the child reads it again if it is asked after).
        If the child stops of itself meanwhile (a crash), `stopped_beside` says this read was being
        made: the request it failed may not be the cause. Given back idle, this reader is the next
        `reading()`'s."""
        self._ask_later(self._counted_request(source, layer, parquet, batch_size, count, kwargs))

    def expect_rasters(self) -> None:
        """Tell the child that rasters will be read: it imports its raster library now, on a thread
        beside what it does, not at the first raster read, which waited for it (`planner measure`
        given a GeoTIFF: the library is imported while the footprints are parsed ahead). No answer
        comes."""
        self._tell({"op": "expect_rasters"})

    @contextmanager
    def counted(self, source: str, layer: str | None, parquet: bool, batch_size: int, count: bool = False,
                **kwargs) -> Iterator[tuple[dict, Iterator[pa.RecordBatch]]]:
        """(the header, the batches) of a layer of things to count, read by GDAL (`kwargs` are
        `pyogrio.open_arrow`'s) or as a GeoParquet file, each batch's geometries parsed in the child
        (`layers.io.arrays_stream`, see reader_child). The header says "geometry" (None: the layer
        has none), "crs", pyogrio's "meta", "features" (how many the file says it has, -1 unknown;
        GDAL is asked only with `count`), and "arrays" false for a layer the child cannot send so;
        then, and without a geometry column, there are no batches.

        The batches must be read to the end inside the `with` (leaving early stops the child)."""
        header = self._ask(self._counted_request(source, layer, parquet, batch_size, count, kwargs), streaming=True)
        if not header["stream"]:
            self._deadline = None
            yield header, iter(())
            return
        with self._rows() as batches:
            yield header, batches

    @staticmethod
    def _counted_request(source: str, layer: str | None, parquet: bool, batch_size: int, count: bool,
                         kwargs: dict) -> dict:
        return {"op": "counted", "source": source, "layer": layer, "parquet": parquet, "batch_size": batch_size,
                "count": count, "kwargs": kwargs}

    def frame(self, source: str, layer: str | None, **kwargs):
        """pyogrio's `read_dataframe(source, layer, **kwargs)`, made in a child with pandas (see
        reader_child): for text in a legacy code page and date-times, which its row reader handles."""
        reader = self._full()
        reader._ask({"op": "frame", "source": source, "layer": layer, "kwargs": kwargs}, streaming=True)
        with reader._rows() as batches:
            return _table(batches, reader._schema).to_pandas()

    def feed_layer(self, location: str, options: dict, index: int) -> tuple[dict, pa.Table]:
        """(its name, source_layer, role and warnings; its frame as GeoArrow WKB) of a GTFS feed's
        layer number `index`, read in a child with pandas (`layers.io.feed_load.feed_layers_here`; the
        child keeps the feed it read last, so a feed's layers, asked one by one, read it once).
        A feed the planner cannot read raises ReadFailed saying why."""
        reader = self._full()
        header = reader._ask({"op": "feed_layer", "location": location, "options": options, "index": index},
                             streaming=True)
        with reader._rows() as batches:
            return header["layer"], _table(batches, reader._schema)

    def _full(self) -> ReaderProcess:
        """The child with pandas (started on first use), under this one's limits and Cancel."""
        if self._full_reader is None:
            self._full_reader = ReaderProcess(self.limits, full=True)
        reader = self._full_reader
        reader.limits, reader.cancelled = self.limits, self.cancelled
        return reader

    def raster(self, request: dict) -> tuple[dict, np.ma.MaskedArray | None]:
        """(header, cells as stored with their mask) of a GeoTIFF band read in the child
        (`layers.io.raster_read`; `request` is its op and arguments, see reader_child); no cells
        for a raster that cannot be placed. Under the time limit, Cancel and the memory budget."""
        header = self._ask(request, streaming=True)
        with self._rows() as batches:
            table = _table(batches, self._schema)
        if header["shape"] is None:
            return header["info"], None
        shape = tuple(header["shape"])
        values = table.column("values").to_numpy().reshape(shape)
        mask = table.column("mask").to_numpy().astype(bool).reshape(shape)
        import numpy as np

        return header["info"], np.ma.MaskedArray(values, mask=mask)

    # -- the child ------------------------------------------------------------------------------
    def _start(self) -> None:
        args = [sys.executable, "-m", "layers.io.reader_child", str(self.limits.memory_mb << 20)]
        self._proc = subprocess.Popen(args + (["--full"] if self.full else []), stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=reader_environment())
        self._stopped, self._ready, self._sent_ahead = None, False, None
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="reader watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        while not self._closed.wait(POLL_S):
            proc = self._proc
            if proc is None or proc.poll() is not None:
                continue
            if self.cancelled is not None and self.cancelled():
                self._kill("cancelled")
            elif self._deadline is not None and time.monotonic() > self._deadline:
                self._kill("timeout")

    def _kill(self, why: str) -> None:
        """Kill the child and wait for it: a reader given back as idle is then never a dying one."""
        self._stopped = why
        proc = self._proc
        if proc is not None:
            proc.kill()
            proc.wait()

    def _ask_later(self, request: dict) -> None:
        """Write `request` with "ahead" (the child reads it and keeps what it read, answering other
        requests meanwhile) without reading an answer: none comes until `_ask` makes the same
        request. One request at a time is sent ahead: the child drops an earlier one."""
        if self._tell({**request, "ahead": True}):
            self._sent_ahead = request

    def _tell(self, request: dict) -> bool:
        """Write `request`, to which the child sends no answer; False if the child died (what was
        asked ahead is asked again when needed)."""
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        try:
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError:
            return False
        return True

    def _ask(self, request: dict, streaming: bool = False) -> dict:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()
        if self._sent_ahead == request or request.get("op") == "counted":
            self._sent_ahead = None  # answered now, or dropped by the child for this other read
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        if not self._ready:  # its imports done: the time limit is the read's, not Python's start
            self._deadline = time.monotonic() + STARTUP_S
            try:
                self._message()
            finally:
                self._deadline = None
            self._ready = True
        self._deadline = time.monotonic() + self.limits.timeout_s
        try:
            try:
                self._proc.stdin.write(json.dumps(request).encode() + b"\n")
                self._proc.stdin.flush()
            except OSError:  # the child died between two requests
                raise self._why_stopped() from None
            header = self._message()
        except BaseException:
            self._deadline = None
            raise
        if not streaming or not header["ok"]:
            self._deadline = None
        if not header["ok"]:
            raise self._failed(header)
        return header

    def _message(self) -> dict:
        try:
            size = struct.unpack("<I", self._read(4))[0]
            return json.loads(self._read(size))
        except (OSError, ValueError, struct.error):
            raise self._why_stopped() from None

    def _read(self, n: int) -> bytes:
        data = self._proc.stdout.read(n)
        if len(data) != n:
            raise self._why_stopped()
        return data

    @contextmanager
    def _rows(self) -> Iterator[Iterator[pa.RecordBatch]]:
        """The Arrow stream that follows a header, checked against its trailer; stops the child if
        the caller leaves before the end."""
        import pyarrow as pa

        finished = False
        try:
            try:
                reader = pa.ipc.open_stream(self._proc.stdout)
            except (pa.ArrowInvalid, OSError):
                raise self._why_stopped() from None
            self._schema = reader.schema
            budget, counted = self.limits.memory_mb << 20, [0, 0]  # bytes, rows

            def batches() -> Iterator[pa.RecordBatch]:
                nonlocal finished
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    except (pa.ArrowInvalid, OSError):
                        raise self._why_stopped() from None
                    counted[0] += batch.nbytes
                    counted[1] += batch.num_rows
                    if counted[0] > budget:
                        self._kill("memory")
                        raise ReadFailed(f"holds more than {self.limits.memory_mb:,} MB of features "
                                         "(the limit of one read); stopped")
                    yield batch
                trailer = self._message()
                self._deadline = None
                if not trailer["ok"]:
                    raise self._failed(trailer)
                if trailer["rows"] != counted[1]:
                    raise ReadFailed(f"the reader sent {counted[1]:,} of {trailer['rows']:,} features")
                finished = True

            yield batches()
        finally:
            if not finished:
                self._deadline = None
                if self._stopped is None:
                    self._kill("left")  # the stream was not read to its end: the child is out of step

    def _why_stopped(self) -> BaseException:
        """What to raise when the child's pipe ended: why the watchdog stopped it, or how it died."""
        proc = self._proc
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        self._deadline = None
        if self._stopped is None and self._sent_ahead is not None:
            self.stopped_beside = self._sent_ahead["source"]
        if self._stopped == "cancelled":
            return Cancelled()
        if self._stopped == "timeout" and not self._ready:
            return ReadFailed(f"the reader process did not start within {STARTUP_S:g} s; stopped")
        if self._stopped == "timeout":
            return ReadFailed(f"reading did not finish within {self.limits.timeout_s:g} s (the time limit); stopped")
        if proc.returncode is not None and proc.returncode < 0:
            return ReadFailed(f"the reader stopped on this file (signal {-proc.returncode}); it may need more "
                              f"than {self.limits.memory_mb:,} MB of memory, or GDAL cannot read it")
        return ReadFailed("the reader stopped on this file before it was read")

    def _failed(self, message: dict) -> Exception:
        if message.get("too_large"):
            from layers.io.feature_size import FeatureTooLarge

            return FeatureTooLarge(message["too_large"])
        if message.get("refused"):  # the planner's own words, from layers.io
            return ReadFailed(message["refused"])
        if message.get("memory"):
            return ReadFailed(f"reading needs more than {self.limits.memory_mb:,} MB of memory (the limit); stopped")
        return LibraryError(message["error"])

    def close(self) -> None:
        """End the child: killed and waited for. It reads files and writes none, so there is nothing
        for it to finish, and its orderly end (Python's teardown of GDAL, NumPy and pyarrow) was
        0.1 s that `planner measure` and the app's Quit waited for. (A child whose parent dies
        ends by itself: its input closes.)"""
        self._closed.set()
        self._sent_ahead = None
        if self._full_reader is not None:
            self._full_reader.close()
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:  # a request half-written when it died
                pass


def reader_environment() -> dict[str, str]:
    """The reader process's environment: small pages, one OpenBLAS thread
    (`layers.process_environment`); Arrow on the system's allocator (jemalloc reserves address
    space the cap would refuse); glibc's heaps shared by two (each thread, GDAL's, the parsers',
    has one of its own, each left full of holes by a read: two to share keep an idle reader small,
    4M footprints read: 194 -> 150 MB), and kept for the parsers' arrays as the engine keeps its
    own (`layers.heap`)."""
    return child_environment(ARROW_DEFAULT_MEMORY_POOL="system", MALLOC_ARENA_MAX="2", **kept_heap_environment())


def _table(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    collected = list(batches)
    import pyarrow as pa

    return pa.Table.from_batches(collected, schema=schema)


_current: ContextVar[ReaderProcess | None] = ContextVar("reader_process", default=None)
_idle: list[ReaderProcess] = []  # started readers waiting for work, so a read pays no start
_idle_lock = threading.Lock()
MAX_IDLE = 2


@contextmanager
def reading(limits: ReadLimits | None = None, cancelled: IsCancelled = None) -> Iterator[ReaderProcess]:
    """The reader process for the reads inside: the one of an enclosing `reading()` if any (its
    limits and Cancel hold), else an idle one (or a new one) with these, idle again on leaving."""
    current = _current.get()
    if current is not None:
        yield current
        return
    reader = _take(limits or ReadLimits())
    reader.cancelled = cancelled
    token = _current.set(reader)
    try:
        yield reader
    finally:
        _current.reset(token)
        _give_back(reader)


def stop_if_cancelled() -> None:
    """Raise Cancelled if the enclosing `reading()` was asked to stop: for the work on what a read
    gave (parsing a million geometries takes seconds), checked between slices of it."""
    reader = _current.get()
    if reader is not None and reader.cancelled is not None and reader.cancelled():
        raise Cancelled()


def prestart(limits: ReadLimits | None = None) -> None:
    """Start a reader now, so that the first read does not wait for Python to start (call it
    before slow work of one's own, e.g. the imports of `planner measure`). None is started when an
    idle one of these memory limits waits already: the first read takes that one, and a second
    would be closed at once, waiting for its start (a script calling `planner measure` in a loop)."""
    limits = limits or ReadLimits()
    with _idle_lock:
        if any(reader.limits.memory_mb == limits.memory_mb for reader in _idle):
            return
    reader = ReaderProcess(limits)
    reader._start()
    _give_back(reader)


@atexit.register
def close_idle() -> None:
    """End the idle readers and wait for them: at exit (they would end anyway once their input
    closes, but unwaited, after the app), or where a caller wants them gone (a bench counting
    their processor time)."""
    with _idle_lock:
        idle, _idle[:] = list(_idle), []
    for reader in idle:
        reader.close()


def _take(limits: ReadLimits) -> ReaderProcess:
    with _idle_lock:
        for reader in _idle:
            if reader.limits.memory_mb == limits.memory_mb:
                _idle.remove(reader)
                reader.limits = limits
                return reader
    return ReaderProcess(limits)


def _give_back(reader: ReaderProcess) -> None:
    # the caller's Cancel dropped here, in its own thread (it may hold a job whose Qt signals must
    # not be freed in the watchdog's)
    reader.cancelled = None
    if reader._full_reader is not None:
        reader._full_reader.cancelled = None
    alive = reader._proc is not None and reader._proc.poll() is None
    with _idle_lock:
        if alive and len(_idle) < MAX_IDLE:  # one with a read sent ahead first: the next `reading()` takes it
            _idle.insert(0 if reader._sent_ahead is not None else len(_idle), reader)
            return
    reader.close()
