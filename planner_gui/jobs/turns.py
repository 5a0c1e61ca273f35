"""Work for the GUI thread split over turns of the event loop, a step a turn, so that what a user
does in between is answered in between.

A result shown at once is several pieces of work on the GUI thread: the Coverage dock's figures,
their catchment on the map, the zone chart, the charts that follow the figures (20-40 ms each
on a slow machine, 60-120 ms together, and more when a user's action came in the same turn).
The first is done at once; the others a turn each (`Turns.run`). A newer result drops the steps
of the older one still waiting (latest wins, as `jobs.runner`).

    turns = Turns(parent)
    turns.run([draw_catchment, draw_chart, tell_listeners])   # each in a later turn, in order
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6 import QtCore


class Turns(QtCore.QObject):
    """Steps run one per turn of the event loop, in order; `run` again or `cancel` drops those left."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._steps: deque[Callable[[], object]] = deque()
        self._timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._next)

    def run(self, steps: list[Callable[[], object]]) -> None:
        """`steps` from the next turn on, one a turn; the steps of an earlier `run` left are dropped."""
        self._steps = deque(steps)
        self._timer.start()

    def cancel(self) -> None:
        self._steps.clear()
        self._timer.stop()

    def busy(self) -> bool:
        """True while steps wait."""
        return bool(self._steps)

    def _next(self) -> None:
        if not self._steps:
            return
        self._steps.popleft()()
        if self._steps:
            self._timer.start()
