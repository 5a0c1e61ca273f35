"""The status and opening year of each dated layer, read in a worker as soon as the layer comes.

A year on the timeline filters every dated layer (`Scenario.as_of(year)`), and the map, its
legend and the Layers list all ask `shown.shown_mask` which of a layer's features that year
shows. What that costs is reading the layer's fields through pandas (`shown.dated_fields`: a
few milliseconds a layer however few its features, five layers on the Hanoi sample); the
mask of a year is then a comparison of arrays. So the fields are read here, in a worker, when a
dated layer is added or its features change, and no move of the timeline, to the next year or
across twenty, reads them on the GUI thread.

This replaced the masks of the years either side of the map's, worked out after each move: the
first move from all years (and any jump) still read the fields on the GUI thread, and the worker
started with each move held Python's lock while the move was being drawn. `bench_render.py` on
the sample and 1M footprints, the timeline's moves one year at a time from all years: the
longest pause of the window 65, 61 and 42 ms (GeoPackage) and 40 ms (GeoParquet) in four runs
before, 22 and 29 ms and 31 ms in three runs after, on the same machine the same evening.

Latest-wins, with no lock shared with the analyses, so a long measure does not hold it back.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore

from layers.analysis.progress import Cancelled
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.shown import dated_fields

AFTER_MS = 60  # after the last of a project's layers came: one read of them all


def read_fields(layers, cancelled=lambda: False) -> None:
    """`dated_fields(layer)` for every layer, kept for whoever asks next."""
    for layer in layers:
        if cancelled():
            raise Cancelled()
        dated_fields(layer)


class FieldsAhead(QtCore.QObject):
    """When dated layers come or change, their fields read in a worker (`read_fields`)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.runner = AnalysisRunner(self, debounce_ms=AFTER_MS, lock=contextlib.nullcontext())
        self._signals = (session.layers.events.inserted, session.layers.events.data)
        for signal in self._signals:
            signal.connect(self._layers_changed)

    def _layers_changed(self, *_) -> None:
        dated = self.session.layers.dated()
        if dated:
            self.runner.request(lambda _progress, cancelled: read_fields(dated, cancelled))

    def stop(self) -> None:
        """Drop the work under way and hear no more (the window is closing)."""
        for signal in self._signals:
            signal.disconnect(self._layers_changed)
        self.runner.cancel()
