"""Loaded layers kept out of the garbage collector's walks.

Python's cyclic garbage collector, at each full collection, walks every object it tracks, and
every shapely geometry is one. With a million-feature layer loaded, such a collection holds the
GIL for 50-100 ms in whatever thread happened to set it off, the GUI thread included: opening a
second million-footprint layer blocked the window 149-188 ms (bench/bench_render.py), where the
first had taken 30-45 ms.

So once a load has been added to the session, what is in memory is moved to the collector's
permanent generation (`gc.freeze`): later collections skip it. Reference counting still frees
every object as soon as nothing uses it; only a reference cycle among frozen objects waits.
When the session is emptied or replaced (New, Open project, closing the window) everything is
given back and collected at once, here in the GUI thread (`release`), so that a Qt object in
such a cycle is never freed from a worker thread.
"""
from __future__ import annotations

import gc


def keep_loaded() -> None:
    """After a load was added: what is in memory now is not walked by later collections."""
    gc.freeze()


def release() -> None:
    """The session was emptied or replaced: everything frozen is collectable again, and collected now."""
    gc.unfreeze()
    gc.collect()
