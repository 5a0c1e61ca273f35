"""The app's QSettings: window geometry and dock layout, recent files, the time limit of a read.

`PLANNER_SETTINGS_DIR` (used by the tests) puts the settings file in a folder of your choice,
so nothing touches the user's own settings.
"""
from __future__ import annotations

import os
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


def add_recent_file(settings: QtCore.QSettings, path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files(settings) if f != path]
    files = files[:MAX_RECENT]
    settings.setValue("recent_files", files)
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
