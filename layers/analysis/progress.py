"""Long computations report progress and can be cancelled: the two callbacks every job takes.

A worker passes `progress(fraction)` and `cancelled() -> bool`; the computation calls `check`
between its steps. Plain Python, so the CLI and tests use the same functions with None.
"""
from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None] | None
IsCancelled = Callable[[], bool] | None


class Cancelled(Exception):
    """The caller asked to stop (its `cancelled()` callback returned True)."""


def check(cancelled: IsCancelled, progress: Progress = None, fraction: float | None = None) -> None:
    """Between steps: raise Cancelled if asked to stop, and report progress (0..1)."""
    if cancelled is not None and cancelled():
        raise Cancelled()
    if progress is not None and fraction is not None:
        progress(min(max(float(fraction), 0.0), 1.0))

