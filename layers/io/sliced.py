"""Shapely's geometry-making functions run over slices, so a worker thread never freezes the GUI thread.

shapely releases Python's GIL in its measures and predicates (area, bounds, intersects), but holds it
all through the functions that make geometries (from_wkb, transform, centroid, simplify): each new
geometry is a Python object. Called on a million features in a worker thread, one such call keeps
the GUI thread, which needs the GIL for every event it handles, frozen for as long as it runs
(measured on 1,000,000 footprints: from_wkb 0.66 s, a reprojection 1.5 s). Called on slices of
SLICE features, each call holds the GIL for a few milliseconds, and a thread other than the main one
then lets go of it for a moment (`let_others_run`): the same work, the same results, no freeze.

Letting go is needed, not just allowed. Python hands the GIL to a waiting thread only after that
thread has waited a whole switch interval (5 ms) during which the holder never let go; but pyarrow
and NumPy let go briefly inside calls, the holder takes it straight back, and the waiting GUI
thread starts another interval. Measured with a table view repainting while a worker decodes WKB
in slices of 16,384: the GUI thread got the GIL once in ten seconds. In slices of 4,096, each
followed by a 0.5 ms sleep: its longest wait was 17-20 ms, as with no worker at all.

Python's cyclic garbage collector is paused meanwhile. Every new geometry is an object it tracks,
so making a million set it off again and again, each time walking every tracked object with the
GIL held: more than half of from_wkb's time (0.44 of 0.78 s for a million footprints), in blocks
of tens of milliseconds. Geometries refer to no other Python object, so they cannot make a cycle;
the collector runs as usual once the last such call in any thread has ended.

Between slices the work also stops if the load it is part of was cancelled (a `reading()` of
`layers.io.isolated` whose Cancel was pressed): the read is stopped at once, and so is the work
on what it gave.

And once made, a layer's geometries are kept out of the collector's walks for good (`gc.freeze`, when
a call made LASTING or more). Left to it, a million new geometries are walked three times as they
age through its generations, each walk holding the GIL in whatever thread set it off: measured while
a second million-footprint layer was opened in the window, 21-47 ms for the younger generations and
101-105 ms for the full collection, the GUI thread blocked all along; with the freeze, no collection
took over 5 ms. Reference counting still frees every geometry, and every layer removed for good (a
test checks a removed layer is freed without the collector); only a reference cycle that was alive at
a freeze waits, until `Session.clear` (New, Open project) calls `collect_kept_out`.
"""
from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import shapely

from layers.io.isolated import stop_if_cancelled

SLICE = 4_096  # features a call: a few ms of from_wkb or a reprojection
LASTING = 50_000  # geometries made in one call from which they are kept out of the collector's walks
YIELD_S = 0.0005  # how long a worker lets go of the GIL between two slices


def let_others_run() -> None:
    """Off the main thread: give up the GIL for YIELD_S, so a waiting GUI thread gets it (see above)."""
    if threading.current_thread() is not threading.main_thread():
        time.sleep(YIELD_S)


def in_slices(fn: Callable[..., np.ndarray], geoms, *args, **kwargs) -> np.ndarray:
    """`fn(geoms, *args, **kwargs)` computed SLICE features at a time and joined.

    `fn` must work feature by feature (one output per input, in order) and `args` must not be
    per-feature arrays (they are passed whole to every slice).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) <= SLICE:
        return fn(geoms, *args, **kwargs)
    parts = []
    with collector_paused():
        for i in range(0, len(geoms), SLICE):
            stop_if_cancelled()
            parts.append(fn(geoms[i:i + SLICE], *args, **kwargs))
            let_others_run()
        keep_out_of_collector(len(geoms))
    return np.concatenate(parts)


def geometries_from_wkb(column) -> np.ndarray:
    """Shapely geometries from an Arrow column of WKB (None where it is null), a slice at a time.

    Arrow's binary values become Python bytes only a slice at a time too: turning a million at
    once into an object array holds the GIL for tens of milliseconds.
    """
    column = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    parts = []
    with collector_paused():
        for i in range(0, len(column), SLICE):
            stop_if_cancelled()
            parts.append(shapely.from_wkb(column.slice(i, SLICE).to_numpy(zero_copy_only=False)))
            let_others_run()
        keep_out_of_collector(len(column))
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


_pausing = 0  # calls under way that pause the collector
_pausing_lock = threading.Lock()
_was_enabled = True  # the collector's state when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while any thread is inside, back on when the last leaves
    (as it was: a collector the application switched off stays off)."""
    global _pausing, _was_enabled
    with _pausing_lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pausing_lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()


_kept_out = False  # a layer's geometries were kept out since the last `collect_kept_out`


def keep_out_of_collector(n_made: int) -> None:
    """After a call made `n_made` objects that will last (a layer's geometries): if LASTING or more,
    what is alive now goes to the collector's permanent generation, never walked again."""
    global _kept_out
    if n_made >= LASTING:
        gc.freeze()
        _kept_out = True


def collect_kept_out() -> None:
    """The work was replaced: a full collection over what was kept out too (a reference cycle left by
    the old work is freed here, in the calling thread, not later in a worker); what is still alive
    is kept out again. Nothing to do if no layer's geometries were kept out since the last time:
    what else is frozen (the window freezes its start's objects, `planner_gui.process`) holds no
    old work, and walking it is a pause of the GUI thread (176,000 objects: 84-114 ms here)."""
    global _kept_out
    if _kept_out:
        _kept_out = False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
