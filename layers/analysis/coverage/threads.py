"""Two worker threads the coverage engine shares: GEOS and NumPy's loops let go of the interpreter,
so two cores work at once. Made on first use and kept (starting threads for every call cost more
than some of the calls); a task given to them must never wait for another task given to them."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def workers() -> ThreadPoolExecutor:
    """The engine's two worker threads."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(2, thread_name_prefix="coverage")
        return _pool
