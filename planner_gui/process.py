"""The window's process tuned for a GUI thread that never waits long: Python's lock, its garbage
collector and the C allocator, set once the main window exists (`planner`, and the benches that
stand for it, call `tune_for_window`).

Measured with a million footprints over the Hanoi sample (`bench/bench_render.py`):

- **Python's lock.** The map's picture, the legend and every measure run in worker threads, and
  the GUI thread needs Python's lock (the GIL) each time Qt calls back into Python (an item's
  `paint`, a slot). A worker running Python keeps it for the switch interval before it must let
  go: 5 ms by default, paid again at every callback of a repaint (tens of them). A 1 ms interval
  makes that wait a fifth; the workers switch more often, at a cost too small to see.
- **The garbage collector.** A full collection looks at every container object the process holds,
  and holds the lock while it does: about 200,000 objects once the app and the sample are loaded,
  100-250 ms a collection on this machine, whatever thread sets it off. Most of them (modules,
  classes, functions: 60 %) live as long as the process; `gc.freeze()` once the window is built
  moves them out of the collector's sight, so a full collection looks only at what came later.
- **The C allocator.** glibc serves an array under its mmap threshold from heaps it keeps, and
  raises that threshold (up to 32 MB) each time a larger array is freed; a million-feature
  layer's arrays (8-150 MB) and the picture and measure workers' arrays of the same size then
  fragment those heaps, which never shrink: 0.6 GB of the window's memory after opening the
  footprints three times. A fixed threshold of MMAP_THRESHOLD_BYTES gives every larger array
  its own mapping, returned to the system when it is freed.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

SWITCH_INTERVAL_S = 0.001
MMAP_THRESHOLD_BYTES = 128 << 10
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)

_tuned = False


def tune_for_window() -> None:
    """Tune this process for a responsive window (see the module docstring); once, later calls do
    nothing. Call it once the main window is built: what exists then is frozen out of the garbage
    collector's sight for good."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    _fixed_mmap_threshold(MMAP_THRESHOLD_BYTES)
    gc.collect()  # what is garbage now is collected, not frozen
    gc.freeze()


def _fixed_mmap_threshold(size_bytes: int) -> bool:
    """glibc's mmap threshold fixed at `size_bytes` (True), or nothing where the C library is not
    glibc (False)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, size_bytes))
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
