"""Work around PySide6 6.12.0 on Python 3.11: each call of a Qt method returning void or bool
takes one reference from None / True / False that it never gave (see `leaks()`). On Python 3.11
those objects are not immortal, so after some ten thousand Qt calls the interpreter aborts with
"Fatal Python error: none_dealloc" (seen in the GUI tests and in a busy event loop).

The guard holds extra references ("ballast") to the three objects and tops them up from a timer
in the GUI thread, so their counts never reach zero; it costs 8 bytes per leaked reference. It
does nothing where the bug is absent (another PySide6, or Python >= 3.12 with immortal None).
The real fix is a PySide6 without the bug; this module can then go.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6 import QtCore

MINIMUM = 400_000  # top up when a count falls below this
CHUNK = 1_000_000  # references added at a time (8 MB)
_ballast: list[list] = []
_timer: QtCore.QTimer | None = None


def leaks() -> bool:
    """True if a void Qt call takes a reference from None (the PySide6 6.12.0 bug)."""
    timer = QtCore.QTimer()
    before = sys.getrefcount(None)
    for _ in range(50):
        timer.stop()
    return sys.getrefcount(None) < before - 10


def top_up() -> None:
    for obj in (None, True, False):
        if sys.getrefcount(obj) < MINIMUM:
            refs = [obj] * CHUNK
            # Never freed, not even when the interpreter shuts down: the references PySide6 took
            # are gone for good, so giving these back would bring the count to zero then.
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(refs))
            _ballast.append(refs)


def install() -> None:
    """Top up now and every 200 ms from now on (needs a QCoreApplication); once per process."""
    global _timer
    if _timer is not None or QtCore.QCoreApplication.instance() is None:
        return
    if not leaks():
        _timer = QtCore.QTimer()  # marks it done
        return
    top_up()
    _timer = QtCore.QTimer(QtCore.QCoreApplication.instance(), interval=200)
    _timer.timeout.connect(top_up)
    _timer.start()
