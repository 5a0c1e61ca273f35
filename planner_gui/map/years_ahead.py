"""The features the years next to the map's show, worked out in a worker before the timeline gets there.

A year on the timeline filters every dated layer (`Scenario.as_of(year)`), and the map, its
legend and the Layers list all ask `shown.shown_mask` which of a layer's features that year
shows: worked out on the GUI thread the first time, the fields of each dated layer read through
pandas, it was the largest part of the GUI thread's own work for a year's move (40 % of it on the
Hanoi sample). So once the map shows a year, a worker works out the masks of the YEARS_AHEAD
years either side, the ones a planner moving the slider a step at a time goes to next; the move
then finds them kept (`shown.py` keeps its last KEPT_FILTERS filters, more than these).

The same masks as the GUI thread would work out (`shown_mask`, the layer's own rule, any thread);
latest-wins, with no lock shared with the analyses, so a long measure does not hold it back.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore

from layers.analysis.progress import Cancelled
from layers.analysis.scenario import Scenario
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.shown import KEPT_FILTERS, shown_mask

YEARS_AHEAD = 2  # either side of the map's year
assert 2 * YEARS_AHEAD < KEPT_FILTERS  # the map's own year stays kept


def work_out(layers, feature_filters, cancelled=lambda: False) -> None:
    """`shown_mask(layer, f)` for every layer and filter, kept for whoever asks next."""
    for feature_filter in feature_filters:
        for layer in layers:
            if cancelled():
                raise Cancelled()
            shown_mask(layer, feature_filter)


class YearsAhead(QtCore.QObject):
    """After each year the map shows (`year_changed`), the years either side, worked out in a worker."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.runner = AnalysisRunner(self, debounce_ms=0, lock=contextlib.nullcontext())

    def year_changed(self, year: int | None) -> None:
        if year is None:
            return
        shown = Scenario.as_of(int(year))
        dated = [layer for layer in self.session.layers if getattr(layer, "feature_filter", None) == shown]
        if not dated:
            return
        near = [Scenario.as_of(y) for y in range(int(year) - YEARS_AHEAD, int(year) + YEARS_AHEAD + 1) if y != year]
        self.runner.request(lambda _progress, cancelled: work_out(dated, near, cancelled), immediate=True)

    def stop(self) -> None:
        """Drop the work under way (the window is closing)."""
        self.runner.cancel()
