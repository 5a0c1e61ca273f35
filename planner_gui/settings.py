"""The app's QSettings: window geometry and dock layout, recent files, the time limit of a read.

`PLANNER_SETTINGS_DIR` (used by the tests) puts the settings file in a folder of your choice,
so nothing touches the user's own settings.

A file opened (or a project saved) goes to the top of the recent files in a thread of its own
(`add_recent_file`), never on the GUI thread: QSettings writes its file anew and waits for the
disk (`fdatasync`, then a rename) each time a value changes, and the GUI thread did that in the
same turn of its event loop as it added and drew the layer just opened. On a quiet disk that is
1-2 ms; while another program writes and flushes a file (here: 200 MB at a time) one such wait
took 213 ms, and the window's pause at an opening of 1,000,000 footprints 63 ms, 27 ms of it in
`fdatasync`, `rename` and `close` (bench/bench_render.py with a sampler of the GUI thread's
system calls). Every QSettings of one file in one process shares what it holds, so the window's
own settings see the new list as soon as the writer has set it.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore

from layers.io.limits import READ_TIMEOUT_S

MAX_RECENT = 10
READ_TIMEOUT_KEY = "read_timeout_s"


def app_settings() -> QtCore.QSettings:
    folder = os.environ.get("PLANNER_SETTINGS_DIR")
    if folder:
        return QtCore.QSettings(str(Path(folder) / "planner.ini"), QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings("planner", "planner")


def recent_files(settings: QtCore.QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings writer")  # one at a time, in order


def add_recent_file(settings: QtCore.QSettings, path: str | Path) -> Future:
    """Put `path` at the top of the recent files of `settings`' file, written to disk in a worker
    thread (see the module docstring); the future gives the new list once written."""
    return _WRITER.submit(_add_recent_file, settings.fileName(), settings.format(), path)


def wait_for_writes() -> None:
    """Return once every write asked for so far is on disk (the window's own settings are saved
    after them when it closes)."""
    _WRITER.submit(lambda: None).result()


def _add_recent_file(file_name: str, file_format: QtCore.QSettings.Format, path: str | Path) -> list[str]:
    settings = QtCore.QSettings(file_name, file_format)  # the same file as the window's, made in this thread
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files(settings) if f != path]
    files = files[:MAX_RECENT]
    settings.setValue("recent_files", files)
    settings.sync()
    return files


def read_timeout_s(settings: QtCore.QSettings) -> float:
    """Seconds one read of a file may take before the load stops it and says so (`READ_TIMEOUT_KEY`,
    default `layers.io.limits.READ_TIMEOUT_S`, the CLI's --timeout too); a value that is not a
    number of seconds above 0 is taken as the default."""
    try:
        value = float(settings.value(READ_TIMEOUT_KEY, READ_TIMEOUT_S))
    except (TypeError, ValueError):
        return READ_TIMEOUT_S
    return value if value > 0 and value != float("inf") else READ_TIMEOUT_S
