"""Atomic file writing: a file is either the old one or the complete new one, never half.

Every output of the app (project, CSV, GeoPackage, PNG, HTML, PDF, `planner measure -o`) is
written here: the new content goes to a temporary file in the same folder, is flushed to disk
and checked (it exists, is not empty, and is whole for its kind: a PDF ends with its trailer, a
PNG with its end chunk, a GeoPackage passes SQLite's check, text has every byte), takes the old
file's permissions, and then
`os.replace`s the target (atomic on POSIX and Windows), after which the folder itself is
flushed so the rename survives a power cut. A save through a symbolic link writes the file the
link points to and leaves the link. On any failure, a full disk included, the previous file is
untouched, the temporary file is removed, and the error names the target.

Temporary files are named `.<target>.planner-tmp-<pid>-<random><suffix>`: one left by a run that
was killed is recognised by its dead process id and removed by the next save to that folder.
"""
from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

TMP_MARK = ".planner-tmp-"
_STALE = re.compile(r"^\..+" + re.escape(TMP_MARK) + r"(\d+)-")


class AtomicWriteError(OSError):
    """A save failed; the previous file is as it was. str() names the target and the reason."""


def whole_pdf(path: Path) -> str | None:
    """None when `path` is a complete PDF (header and end-of-file trailer), else what is wrong."""
    with open(path, "rb") as f:
        head = f.read(5)
        f.seek(max(0, path.stat().st_size - 1024))
        tail = f.read()
    return None if head == b"%PDF-" and b"%%EOF" in tail else "the PDF is incomplete"


def whole_png(path: Path) -> str | None:
    """None when `path` is a complete PNG (signature and IEND end chunk), else what is wrong."""
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(max(0, path.stat().st_size - 12))
        tail = f.read()
    return None if head == b"\x89PNG\r\n\x1a\n" and tail[4:8] == b"IEND" else "the PNG is incomplete"


def whole_geopackage(path: Path) -> str | None:
    """None when `path` is an SQLite database that passes `PRAGMA quick_check`, else what is wrong."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        return f"the GeoPackage cannot be read back ({exc})"
    return None if verdict == "ok" else f"the GeoPackage is damaged ({verdict})"


def whole_geojson(path: Path) -> str | None:
    """None when `path` ends as a JSON document does (its closing brace), else what is wrong."""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        tail = f.read().rstrip()
    return None if tail.endswith(b"}") else "the GeoJSON is incomplete"


@contextmanager
def atomic_path(path: str | os.PathLike, verify: Callable[[Path], str | None] | None = None) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `path`, on error it is removed.

    For writers that create the file themselves (GDAL, Qt's image and PDF writers). `verify`
    reads the written file back and returns None when it is whole, else what is wrong (the
    `whole_*` functions here): writers that do not report a full disk are caught by it.
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path  # write through a link, keep the link
    clean_stale_temporaries(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}{os.getpid()}-",
                                        suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise AtomicWriteError(f"{path.name}: cannot be written in {target.parent} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise AtomicWriteError(f"{path.name}: nothing was written (the previous file is unchanged)")
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        problem = verify(tmp) if verify is not None else None
        if problem:
            raise AtomicWriteError(f"{path.name}: {problem} (disk full?); the previous file is unchanged")
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except AtomicWriteError:
        raise
    except OSError as exc:
        raise AtomicWriteError(f"{path.name}: could not be saved ({exc.strerror or exc}); "
                               "the previous file is unchanged") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomically(path: str | os.PathLike, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write text or bytes to `path` atomically."""
    data = content.encode(encoding) if isinstance(content, str) else content

    def every_byte(tmp: Path) -> str | None:
        written = tmp.stat().st_size
        return None if written == len(data) else f"only {written} of {len(data)} bytes were written"

    with atomic_path(path, every_byte) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
    return Path(path)


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporary files that killed runs left in `folder` (their process is gone)."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _STALE.match(name)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(folder / name)
                removed.append(folder / name)
            except OSError:
                pass  # another save got there first, or it is not ours to remove
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows): the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
