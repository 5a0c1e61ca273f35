"""The dashboard's docks, made and wired to one session: Coverage, Overlap, Scenario compare, Timeline.

The Coverage dock also holds what the sketch adds (`sketch_gain`), under its figures.

The main window only places the four widgets in docks. Each is a view of the session (its
settings and latest results); clicking a zone's bar highlights the zone on the map with the
canvas's feature highlight (the one the attribute table uses).
"""
from __future__ import annotations

from PySide6 import QtCore

from layers.session import Session
from planner_gui.docks.coverage import CoveragePanel
from planner_gui.docks.overlap import OverlapView
from planner_gui.docks.scenarios import ScenarioPanel
from planner_gui.docks.sketch_gain import SketchGainPanel
from planner_gui.docks.timeline import TimelinePanel


class Dashboard(QtCore.QObject):
    def __init__(self, session: Session, canvas=None, parent=None):
        super().__init__(parent)
        self.session = session
        self.coverage = CoveragePanel(session)
        self.overlap = OverlapView(session)
        self.scenarios = ScenarioPanel(session)
        self.timeline = TimelinePanel(session)
        self.sketch_gain = SketchGainPanel(session)
        layout = self.coverage.layout()
        layout.insertWidget(layout.indexOf(self.coverage.figures_box) + 1, self.sketch_gain)
        if canvas is not None:
            self.coverage.zone_selected.connect(lambda layer, row: canvas.set_highlight(layer, [row]))

    def runners(self):
        return [self.coverage.runner, self.overlap.runner, self.scenarios.runner, self.timeline.runner,
                self.sketch_gain.runner]

    def shutdown(self) -> None:
        for runner in self.runners():
            runner.cancel()
        for runner in self.runners():
            runner.wait(5000)
