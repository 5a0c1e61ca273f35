"""The dashboard's parts, made and wired together: one CityData cache, one set of result layers,
the Coverage dock, the Overlap view, Scenario compare and the Timeline.

The main window only places the four widgets in docks. Clicking a ward's bar highlights the
ward on the map with the canvas's feature highlight (the one the attribute table uses).
"""
from __future__ import annotations

from pyproj import CRS
from PySide6 import QtCore

from layers.stack import LayerStack
from layers.analysis.city_cache import CityCache
from planner_gui.docks.coverage import CoveragePanel
from planner_gui.docks.overlap import OverlapView
from layers.results import ResultLayers
from planner_gui.docks.scenarios import ScenarioPanel
from planner_gui.docks.timeline import TimelinePanel


class Dashboard(QtCore.QObject):
    def __init__(self, stack: LayerStack, working_crs: CRS, canvas=None, parent=None):
        super().__init__(parent)
        self.stack = stack
        self.cache = CityCache(stack, working_crs)
        self.results = ResultLayers(stack)
        self.coverage = CoveragePanel(stack, self.cache, self.results)
        self.overlap = OverlapView(self.coverage)
        self.scenarios = ScenarioPanel(self.coverage)
        self.timeline = TimelinePanel(stack, self.coverage)
        if canvas is not None:
            self.coverage.zone_selected.connect(lambda layer, row: canvas.set_highlight(layer, [row]))

    def runners(self):
        return [self.coverage.runner, self.overlap.runner, self.scenarios.runner, self.timeline.runner]

    def shutdown(self) -> None:
        for runner in self.runners():
            runner.cancel()
        for runner in self.runners():
            runner.wait(5000)
