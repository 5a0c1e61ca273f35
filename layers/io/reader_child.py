"""The process that opens untrusted files: `python -m layers.io.reader_child MEMORY_BYTES [--full]`.

GDAL can be made to loop for ever (a GeoPackage view that recurses without end), to block (a
Shapefile whose .prj is a named pipe) or to take all the memory there is, and nothing inside a
process stops a C library that does not return. So the reading is done here, in a process of its
own that `layers.io.isolated` kills when the planner cancels or the time is up, and whose address
space is capped (RLIMIT_AS): a file that needs more fails here, not in the app.

It is lean: it imports pyogrio, pyarrow and what `layers.io.gdal_guard` needs to configure GDAL
(rasterio, pyproj), not pandas, geopandas or shapely (pyogrio would import them, a third of a
second, to look for them; they are hidden from it), so it starts in a fraction of a second. Started with --full it imports them too, for pyogrio's row reader (text in a legacy
code page, date-times), which needs pandas.

Protocol, over stdin/stdout: once started the child says so (a header {"ok": true, "ready": true}, so
that the parent's time limit counts from its request, not from Python's start); then the parent
writes one JSON request a line, and the child answers each with a
header (4-byte little-endian length, then JSON: {"ok": true, ...} or {"ok": false, "error": ...}),
and for requests that return rows an Arrow IPC stream follows, then a trailer (a header again:
how many rows were sent, or the error that stopped the stream). The parent trusts a stream only
with its trailer, so a child killed or crashed half-way never passes for a short layer.
"""
from __future__ import annotations

import json
import resource
import struct
import sys
import warnings

LEAN_HIDDEN = ("geopandas", "pandas", "shapely")  # what pyogrio would import only to look for it


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
        try:
            _OPS[request.pop("op")](out, **request)
        except BrokenPipeError:
            return 0
        out.flush()
    return 0


def _send(out, message: dict) -> None:
    data = json.dumps(message, default=str).encode()
    out.write(struct.pack("<I", len(data)))
    out.write(data)
    out.flush()


def _failure(exc: BaseException) -> dict:
    """The library's error as the parent's `layers.io.reasons` reads one: its type and first line."""
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
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except Exception as exc:
        _send(out, _failure(exc))
        return
    _send(out, {"ok": True})
    _stream(out, schema, parquet.iter_batches(batch_size=batch_size, use_pandas_metadata=True))


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


_OPS = {"layers": _layers, "declared": _declared, "arrow": _arrow, "parquet": _parquet, "frame": _frame}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
