"""Atomic file writing: a file is either the old one or the complete new one, never half.

Writers put the new content under a temporary name in the same folder, flush it to disk and
then `os.replace` it over the target, which is atomic on POSIX and Windows. A crash or an
error mid-write leaves the previous file untouched.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `path`, on error it is removed.

    For writers that create the file themselves (GDAL, Qt's image and PDF writers).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"{path.name}: the writer produced no file")
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomically(path: str | os.PathLike, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write text or bytes to `path` atomically."""
    data = content.encode(encoding) if isinstance(content, str) else content
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
