"""Two worker threads the coverage engine shares: GEOS and NumPy's loops let go of the interpreter,
so two cores work at once. Made on first use and kept (starting threads for every call cost more
than some of the calls); a task given to them must never wait for another task given to them."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

_PREFIX = "coverage"
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_halves = threading.local()  # `halved`: this thread runs one of `in_halves`' two halves

A, R = TypeVar("A"), TypeVar("R")


def workers() -> ThreadPoolExecutor:
    """The engine's two worker threads."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(2, thread_name_prefix=_PREFIX)
        return _pool


def in_place() -> bool:
    """Whether work that could go to the workers is better done in this thread: it is a worker, or
    runs one of two halves (`in_halves`) while a worker runs the other (both cores busy already)."""
    return getattr(_halves, "halved", False) or threading.current_thread().name.startswith(_PREFIX)


def in_halves(work: Callable[[A], R], first: A, second: A) -> tuple[R, R]:
    """(work(first), work(second)), the first in this thread while a worker does the second: for
    work that holds Python's lock in part (NumPy's indexing, the engine's own loops), where the
    workers' vectorised calls alone leave a core idle. Neither half hands work to the workers
    (`in_place`), so the worker never waits for a task of theirs. From a worker or a half, both
    are done here, one after the other. If a half fails, the other is waited for, then the
    failure raised."""
    if in_place():
        return work(first), work(second)

    def half(argument: A) -> R:
        _halves.halved = True
        try:
            return work(argument)
        finally:
            _halves.halved = False

    other = workers().submit(half, second)
    try:
        mine = half(first)
    except BaseException:
        other.exception()  # the worker's half ends before this one's failure is raised
        raise
    return mine, other.result()


def halfway(weights) -> int:
    """Where to cut items of these weights (their vertices, their cells) into two runs of about
    equal weight, for `in_halves`: the first run's length (all of them for one item)."""
    total = np.cumsum(weights)
    return int(np.searchsorted(total, total[-1] / 2)) + 1 if len(total) else 0
