"""What the GUI benchmarks share: the main window shown at a size, and waiting for a signal.

`python bench/bench_….py` puts this folder on the path; the benchmarks set QT_QPA_PLATFORM first.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def shown_window(size: tuple[int, int] = (1600, 1000)):
    """(app, window): an empty main window, shown."""
    from planner_gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = MainWindow()
    window.resize(*size)
    window.show()
    return app, window


def wait_for(signal, timeout_ms: int = 60_000) -> QtCore.QEventLoop:
    """An event loop that `signal` (or a minute) ends: connect first, then start the work, then exec()."""
    loop = QtCore.QEventLoop()
    signal.connect(loop.quit)
    QtCore.QTimer.singleShot(timeout_ms, loop.quit)
    return loop


def close_window(window) -> None:
    """Close without the 'save changes?' question (a bench's session is thrown away)."""
    window.dashboard.shutdown()
    window.session.mark_saved()
    window.close()
