"""What the map, its legend and the Layers list work out once from each layer, worked out in a
worker as soon as the layer comes or changes, so that the GUI thread finds it done.

* The status and opening year of each dated layer (`shown.dated_fields`). A year on the timeline
  filters every dated layer (`Scenario.as_of(year)`), and the map, its legend and the Layers list
  all ask `shown.shown_mask` which of a layer's features that year shows. Reading the fields
  through pandas is a few milliseconds a layer however few its features (five layers on the Hanoi
  sample); the mask of a year is then a comparison of arrays. Read here, no move of the timeline,
  to the next year or across twenty, reads them on the GUI thread. (This replaced the masks of the
  years either side of the map's, worked out after each move: the first move from all years, and
  any jump, still read the fields on the GUI thread, and the worker started with each move held
  Python's lock while the move was being drawn. `bench_render.py`, the sample and 1M footprints:
  the window's longest pause on the timeline 65, 61, 42 and 40 ms in four runs before, 22, 29 and
  31 ms in three after.)
* Each vector layer's style classes as legend groups (`legend.entries.vector_groups`), which the
  Layers list draws under the layer (`legend.classes`: it lists only those worked out, and is told
  by `ready`), and its licence statements (`map.attribution.layer_attribution`), which the map's
  credits show once read (`MapAttribution.worked_out_only`, refreshed by `ready`). Opening the
  sample, the list classed each of its ten layers on the GUI thread as it first laid them out
  (cProfile, on a slow machine: 50-65 ms of one turn, with the colour names of the metro lines).
  A layer of more than WORK_OUT_LIMIT features is classed by the map's legend, in its own worker,
  when it is in view (most of a second for a million footprints: not twice).

Latest-wins, with no lock shared with the analyses, so a long measure does not hold it back.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore

from layers.analysis.progress import Cancelled
from layers.layer import VectorLayer
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.attribution import layer_attribution
from planner_gui.map.legend.entries import vector_groups
from planner_gui.map.shown import dated_fields

AFTER_MS = 60  # after the last of a project's layers came: one pass over them all
WORK_OUT_LIMIT = 200_000  # features: a larger layer's classes are worked out by the map's legend (in view), not here


def work_out(layers, dated, cancelled=lambda: False) -> None:
    """What the module docstring lists, for every layer of `layers` (`dated`: those the timeline
    filters), kept for whoever asks next."""
    dated = set(map(id, dated))
    for layer in layers:
        if cancelled():
            raise Cancelled()
        if id(layer) in dated:
            dated_fields(layer)
        if isinstance(layer, VectorLayer) and not layer.gdf.empty and len(layer.gdf) <= WORK_OUT_LIMIT:
            vector_groups(layer)
        layer_attribution(layer)


class WorkedOutAhead(QtCore.QObject):
    """When layers come or change (features, style, filter, role), `work_out` in a worker; `ready`
    once it is done."""

    ready = QtCore.Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.runner = AnalysisRunner(self, debounce_ms=AFTER_MS, lock=contextlib.nullcontext())
        self.runner.finished.connect(lambda *_: self.ready.emit())
        events = session.layers.events
        self._signals = (events.inserted, events.data, events.style, events.filter, events.role)
        for signal in self._signals:
            signal.connect(self.request)

    def request(self, *_) -> None:
        """`work_out` the layers there now, in a worker (called for each layer event)."""
        layers = list(self.session.layers)
        dated = self.session.layers.dated()
        self.runner.request(lambda _progress, cancelled: work_out(layers, dated, cancelled))

    def busy(self) -> bool:
        return self.runner.busy()

    def stop(self) -> None:
        """Drop the work under way and hear no more (the window is closing)."""
        for signal in self._signals:
            signal.disconnect(self.request)
        self.runner.cancel()
