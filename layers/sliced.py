"""Shapely's geometry-making functions run over slices, so a worker thread never freezes the GUI thread.

shapely releases Python's GIL in its measures and predicates (area, bounds, intersects), but holds it
all through the functions that make geometries (from_wkb, transform, centroid, simplify): each new
geometry is a Python object. Called on a million features in a worker thread, one such call keeps
the GUI thread, which needs the GIL for every event it handles, frozen for as long as it runs
(measured on 1,000,000 footprints: from_wkb 0.66 s, a reprojection 1.5 s). Called on slices of
SLICE features, each call holds the GIL for some milliseconds, and the interpreter hands it over
between two calls when another thread asks for it: the same work, the same results, no freeze.

Python's cyclic garbage collector is paused meanwhile. Every new geometry is an object it tracks,
so making a million set it off again and again, each time walking every tracked object with the
GIL held: more than half of from_wkb's time (0.44 of 0.78 s for a million footprints), in blocks
of tens of milliseconds. Geometries refer to no other Python object, so they cannot make a cycle;
the collector runs as usual once the last such call in any thread has ended.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import shapely

SLICE = 16_384  # features a call: about 10 ms of from_wkb, 25 ms of a reprojection


def in_slices(fn: Callable[..., np.ndarray], geoms, *args, **kwargs) -> np.ndarray:
    """`fn(geoms, *args, **kwargs)` computed SLICE features at a time and joined.

    `fn` must work feature by feature (one output per input, in order) and `args` must not be
    per-feature arrays (they are passed whole to every slice).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) <= SLICE:
        return fn(geoms, *args, **kwargs)
    with collector_paused():
        return np.concatenate([fn(geoms[i:i + SLICE], *args, **kwargs) for i in range(0, len(geoms), SLICE)])


def geometries_from_wkb(column) -> np.ndarray:
    """Shapely geometries from an Arrow column of WKB (None where it is null), a slice at a time.

    Arrow's binary values become Python bytes only a slice at a time too: turning a million at
    once into an object array holds the GIL for tens of milliseconds.
    """
    column = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    with collector_paused():
        parts = [shapely.from_wkb(column.slice(i, SLICE).to_numpy(zero_copy_only=False))
                 for i in range(0, len(column), SLICE)]
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

