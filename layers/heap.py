"""The C heap set for the planner's temporary arrays (the engine's, the reader's): kept and reused, not handed back page by page.

The engine makes and drops many NumPy arrays of one to thirty megabytes (a run of a million
footprints' boxes, a level of windows over their coordinates, a boundary's pieces). glibc's
malloc serves such a block by mapping fresh pages from the system, or from the top of its heap,
which it hands back as soon as more than a few megabytes lie free there; either way the next
array's pages are new, and the system zeroes each on first touch (a page fault per 4 KB). On a
million footprints that was a fifth of the engine's processor time (1M, `bench_coverage.py
--engine`: 1.18 s of processor time against 0.97 s with the heap kept, load 4-5).

`keep_heap` sets the two thresholds to the state glibc's own adaptive threshold reaches once a
32 MB block has been freed (its ceiling on a 64-bit system, and twice that for the trim): blocks
under 32 MB come from the heap, and up to 64 MB may lie free at its top before it is trimmed.
Larger arrays (a city's coordinates) are still mapped and unmapped whole. Set once per process,
on Linux with glibc only (elsewhere nothing changes).

The reader process (`layers.io.isolated`) parses each batch of a layer's WKB with NumPy arrays of
one to a few megabytes, on threads whose heaps glibc trims the same way: it is started with the
same two thresholds (`kept_heap_environment`). On the 1M bench city (`planner measure --zones`,
five runs each, interleaved, quiet machine): the reader's processor time went from 1.25 to 1.04 s
(GeoPackage; its page faults from 126-148k to 95-105k) and from 1.25 to 1.14 s (GeoParquet), the
command's wall time by about a tenth of a second; the two processes' memory at its peak did not
change (the reader still gives back what a batch freed once the pipe has taken it).
"""
from __future__ import annotations

import ctypes
import functools
import sys

MMAP_THRESHOLD = 32 << 20  # bytes: glibc's DEFAULT_MMAP_THRESHOLD_MAX on a 64-bit system
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # as glibc sets it when it raises the threshold itself
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt parameters (malloc.h)
_set = False


@functools.cache
def glibc() -> ctypes.CDLL | None:
    """The C library, where it is glibc on Linux (its allocator's knobs); None elsewhere (musl has
    no libc.so.6, other systems their own allocators)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc's own: AttributeError where not)
    except (OSError, AttributeError):
        return None
    return libc


def keep_heap() -> None:
    """Set glibc's thresholds for the engine's arrays (the module docstring), once per process."""
    global _set
    if _set:
        return
    _set = True
    _mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    _mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def kept_heap_environment() -> dict[str, str]:
    """`keep_heap`'s thresholds as glibc reads them from the environment of a process it starts
    (other C libraries ignore them): from the process's first allocation, before Python could
    call mallopt."""
    return {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD), "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD)}


def share_heaps(count: int) -> None:
    """From now on glibc makes no heap (arena) beyond `count`: threads that start later share those
    there are (where it is not glibc, nothing changes). glibc gives each thread that allocates a
    heap of its own, up to eight per core, and each may keep up to TRIM_THRESHOLD free
    (`keep_heap`): a window whose loaders, measures and engine threads each made large arrays
    held that many times over."""
    _mallopt(_M_ARENA_MAX, count)


def _mallopt(parameter: int, value: int) -> None:
    """glibc's mallopt(parameter, value); nothing where the allocator is not glibc's."""
    libc = glibc()
    if libc is None:  # its allocator as it is
        return
    libc.mallopt.argtypes, libc.mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    libc.mallopt(parameter, value)
