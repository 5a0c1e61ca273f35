"""Atomic file writing: a file is either the old one or the complete new one, never half.

Every output of the app (project, CSV, GeoPackage, GeoJSON, PNG, HTML, PDF, `planner measure -o`)
is written here. First the target is checked (`save_target`): a save writes a regular file, or a
new name in a folder that exists, and nothing else. Devices, named pipes, sockets, folders, a
dangling link, a link loop, and a link to any of those are refused and left as they were; a file
its mode bits make read-only is replaced only when the planner asks (`overwrite_read_only`),
judged by the bits even for root, who could write it anyway; a name longer than the file system
allows is refused. A save through a symbolic link to a regular file writes that file (the link's
final target, however many links lead there) and leaves the link a link: the planner saved "to
that file", which the link stands for.

Then the new content goes to a temporary file in the target's folder, is flushed to disk and
checked (it exists, is not empty, and is whole for its kind: a PDF ends with its trailer, a PNG
with its end chunk, a GeoPackage passes SQLite's check, text has every byte), takes the old
file's permissions, and `os.replace`s the target (atomic on POSIX and Windows), after which the
folder itself is flushed so the rename survives a power cut. The target is checked once more
just before the rename, so a pipe or folder put there meanwhile is not replaced either.

Every failure, a full disk included, raises `AtomicWriteError` (the one save error the app and
the CLI show; `ReadOnlyFileError` is the kind the app may ask about), never a raw `OSError` or
`RuntimeError`: the previous file is untouched, the temporary file removed, and the message
names the file and what is wrong.

Temporary files are named `.<target>.planner-tmp-<pid>-<random><suffix>` (the target's name cut
short if need be): one left by a run that was killed is recognised by its dead process id and
removed by the next save to that folder.
"""
from __future__ import annotations

import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

TMP_MARK = ".planner-tmp-"
_STALE = re.compile(r"^\..+" + re.escape(TMP_MARK) + r"(\d+)-")


NAME_MAX_BYTES = 255  # the longest file name ext4, NTFS, APFS and most others allow
_TMP_NAME_CHARS = 40  # of the target's name in a temporary name (at most 160 bytes; the rest adds ~40)
# What a save must never replace, by the kind of file found there (stat's test -> what it is called)
_NOT_A_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class AtomicWriteError(OSError):
    """A save failed; the previous file is as it was. str() names the target and the reason."""


class ReadOnlyFileError(AtomicWriteError):
    """The target is a read-only file: replaced only when asked (`overwrite_read_only=True`)."""


def save_target(path: str | os.PathLike, overwrite_read_only: bool = False) -> Path:
    """The file a save to `path` will replace or create: `path`, or the file its links lead to.

    Raises AtomicWriteError (naming `path`) unless that is a regular file (writable by its mode
    bits, unless `overwrite_read_only`) or a new name in an existing folder. Reads nothing and
    changes nothing: the CLI calls it before a long measure, `atomic_path` before every write.
    """
    path = Path(path)
    try:
        return _checked_target(path, overwrite_read_only)
    except AtomicWriteError:
        raise
    except (OSError, RuntimeError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise AtomicWriteError(f"{path.name}: cannot be saved there ({_reason(exc)})") from None


def _checked_target(path: Path, overwrite_read_only: bool) -> Path:
    name_bytes = len(os.fsencode(path.name))
    if name_bytes > NAME_MAX_BYTES:
        raise AtomicWriteError(f"{path.name[:40]}…: the name is {name_bytes} bytes long, more than the "
                               f"{NAME_MAX_BYTES} a file name may have; nothing was written")
    if path.is_symlink():
        try:
            target = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            pointed = Path(os.path.realpath(path))
            raise AtomicWriteError(f"{path.name}: is a link to {pointed}, which does not exist; a save does "
                                   "not create the target of a link: nothing was written") from None
        except (OSError, RuntimeError):
            raise AtomicWriteError(f"{path.name}: is a link loop (it leads back to itself, not to a file); "
                                   "nothing was written") from None
    else:
        try:
            folder = Path(os.path.realpath(path.parent, strict=True))
        except FileNotFoundError:
            raise AtomicWriteError(f"{path.name}: the folder {path.parent} does not exist; nothing was written") from None
        target = folder / path.name
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise AtomicWriteError(f"{path.name}: the folder {target.parent} does not exist; "
                                   "nothing was written") from None
        return target  # a new name in an existing folder
    through = f"is a link to {target}, which is" if path.is_symlink() else "is"
    for test, what in _NOT_A_FILE:
        if test(found.st_mode):
            raise AtomicWriteError(f"{path.name}: {through} {what}, not a file: it was not replaced")
    if not stat.S_ISREG(found.st_mode):
        raise AtomicWriteError(f"{path.name}: {through} not a regular file: it was not replaced")
    if not overwrite_read_only and _read_only(found, target):
        raise ReadOnlyFileError(f"{path.name}: {through} a read-only file (mode {stat.filemode(found.st_mode)}): "
                                "it was not replaced")
    return target


def _read_only(found: os.stat_result, target: Path) -> bool:
    """Whether the planner may not write `target`: by its mode bits, for root too (root can write
    any file, but a file someone made read-only is one they meant to keep), else as the system
    says (ACLs included)."""
    if getattr(os, "geteuid", lambda: -1)() == 0:
        return not found.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    return not os.access(target, os.W_OK)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


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
def atomic_path(path: str | os.PathLike, verify: Callable[[Path], str | None] | None = None,
                overwrite_read_only: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `path`, on error it is removed.

    For writers that create the file themselves (GDAL, Qt's image and PDF writers). `verify`
    reads the written file back and returns None when it is whole, else what is wrong (the
    `whole_*` functions here): writers that do not report a full disk are caught by it.
    `path` is checked first (`save_target`): nothing is written to what is not a file.
    """
    path = Path(path)
    target = save_target(path, overwrite_read_only)
    clean_stale_temporaries(target.parent)
    short = target.name[:_TMP_NAME_CHARS]
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{short}{TMP_MARK}{os.getpid()}-",
                                        suffix=target.suffix[:20], dir=target.parent)
    except OSError as exc:
        raise AtomicWriteError(f"{path.name}: cannot be written in {target.parent} ({_reason(exc)})") from None
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
        if save_target(path, overwrite_read_only) != target:  # what is there now, not what was
            raise AtomicWriteError(f"{path.name}: was changed into another link while saving; "
                                   "the previous file is unchanged")
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except AtomicWriteError:
        raise
    except OSError as exc:
        raise AtomicWriteError(f"{path.name}: could not be saved ({_reason(exc)}); "
                               "the previous file is unchanged") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # a folder that became unwritable: the next save removes it as a dead run's


def write_atomically(path: str | os.PathLike, content: str | bytes, encoding: str = "utf-8",
                     overwrite_read_only: bool = False) -> Path:
    """Write text or bytes to `path` atomically (see `atomic_path`)."""
    data = content.encode(encoding) if isinstance(content, str) else content

    def every_byte(tmp: Path) -> str | None:
        written = tmp.stat().st_size
        return None if written == len(data) else f"only {written} of {len(data)} bytes were written"

    with atomic_path(path, every_byte, overwrite_read_only) as tmp:
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
