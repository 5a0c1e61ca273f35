"""What the GUI benchmarks share: Qt offscreen with throw-away settings and the project on the path,
the main window shown at a size, waiting for a signal, and closing it.

Imported first by each GUI benchmark (`python bench/bench_….py` puts this folder on the path), so
the environment is set before Qt is loaded.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-bench-"))  # never the user's
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from layers.process_environment import set_up_process  # noqa: E402

set_up_process()  # as the planner script sets up its process, before NumPy is imported

from PySide6 import QtCore, QtWidgets  # noqa: E402  (after the environment above)


def shown_window(size: tuple[int, int] = (1600, 1000)):
    """(app, window): an empty main window, shown."""
    from planner_gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = MainWindow()
    window.resize(*size)
    window.show()
    return app, window


class Wait:
    """Ends when `signal` fires, or after `timeout_ms`: connect first, then start the work, then
    exec(), which returns at once if the signal fired already (an undo that empties the sketch
    blanks its panel before undo() returns: a plain event loop quit before exec() waited a minute)."""

    def __init__(self, signal, timeout_ms: int):
        self.fired = False
        self.loop = QtCore.QEventLoop()
        signal.connect(self._fire)
        QtCore.QTimer.singleShot(timeout_ms, self.loop.quit)

    def _fire(self, *_args) -> None:
        self.fired = True
        self.loop.quit()

    def exec(self) -> None:
        if not self.fired:
            self.loop.exec()


def wait_for(signal, timeout_ms: int = 60_000) -> Wait:
    """A wait that `signal` (or a minute) ends; see `Wait`."""
    return Wait(signal, timeout_ms)


def close_window(window) -> None:
    """Close without the 'save changes?' question (a bench's session is thrown away), and wait for
    every worker (the map's pictures and legend too): a thread still running when Python exits is
    destroyed running, which Qt answers with an abort (3 runs in 4 ended so)."""
    from planner_gui.jobs.loader import wait_for_workers

    window.dashboard.shutdown()
    window.session.mark_saved()
    window.close()
    wait_for_workers(30_000)
