"""Unexpected errors end in the log and a message bar, never in a crash or a traceback dialog.

`install_excepthook(show)` replaces sys.excepthook (and threading.excepthook): the traceback
goes to the log, and `show(title, text)` is called on the GUI thread through a queued signal, so
an error raised in a worker thread is shown safely too.
"""
from __future__ import annotations

import logging
import sys
import threading
import traceback
import warnings

from PySide6 import QtCore

log = logging.getLogger("planner")


class _Bridge(QtCore.QObject):
    error = QtCore.Signal(str, str)


_bridge: _Bridge | None = None
_show = None


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"


def install_excepthook(show) -> None:
    """Route uncaught exceptions to the log and to `show(title, text)` on the GUI thread."""
    global _bridge, _show
    if _bridge is None:
        _bridge = _Bridge()
        _bridge.moveToThread(QtCore.QCoreApplication.instance().thread())
    if _show is not None:
        with warnings.catch_warnings():  # the old window may be gone, and its slot with it
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                _bridge.error.disconnect(_show)
            except (RuntimeError, TypeError):
                pass
    _show = show
    _bridge.error.connect(show, QtCore.Qt.ConnectionType.QueuedConnection)

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        _bridge.error.emit(f"Unexpected error ({exc_type.__name__})", describe(exc) + " — details in the log")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)
