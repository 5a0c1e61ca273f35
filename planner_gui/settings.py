"""The app's QSettings: window geometry and dock layout, recent files.

`PLANNER_SETTINGS_DIR` (used by the tests) puts the settings file in a folder of your choice,
so nothing touches the user's own settings.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore

MAX_RECENT = 10


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
