"""The window's process tuned for a GUI thread that never waits long: Python's lock and its garbage
collector, set once the main window exists (`planner`, and the benches that stand for it, call
`tune_for_window`).

Measured with a million footprints over the Hanoi sample (`bench/bench_render.py`):

- **Python's lock.** The map's picture, the legend and every measure run in worker threads, and
  the GUI thread needs Python's lock (the GIL) each time Qt calls back into Python (an item's
  `paint`, a slot). A worker running Python keeps it for the switch interval before it must let
  go: 5 ms by default, paid again at every callback of a repaint (tens of them). A 1 ms interval
  makes that wait a fifth; the workers switch more often, at a cost too small to see (opening the
  footprints took as long).
- **The garbage collector.** A full collection looks at every container object the process holds,
  and holds the lock while it does: about 200,000 objects once the app and the sample are loaded,
  100-250 ms a collection on this machine, whatever thread sets it off. Most of them (modules,
  classes, functions: 60 %) live as long as the process; `gc.freeze()` once the window is built
  moves them out of the collector's sight, so a full collection looks only at what came later.

- **The C heap.** glibc gives each thread that allocates a heap of its own (up to sixteen on two
  cores), and each may keep 64 MB free for the engine's next arrays (`heap.keep_heap`): the
  loader, the measures and the engine's threads together held about 100 MB more at the peak.
  Once the window is up, no heap is made beyond two: later threads share those there are (peak
  memory 1.44-1.67 -> 1.33-1.45 GB, `bench_render.py`, 1M footprints, seven runs, load 0.8-1.4).

Not done, measured: a fixed mmap threshold for glibc's allocator (so freed arrays go back to the
system at once) held no less memory once a large layer's readings share their arrays, and made
reading the footprints take half as long again (a page fault per page of every batch's arrays).
"""
from __future__ import annotations

import gc
import sys

from layers.heap import share_heaps

SWITCH_INTERVAL_S = 0.001
WINDOW_HEAPS = 2  # glibc arenas the window's threads share

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
    share_heaps(WINDOW_HEAPS)
    gc.collect()  # what is garbage now is collected, not frozen
    gc.freeze()
