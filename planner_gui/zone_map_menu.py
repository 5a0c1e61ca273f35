"""Analysis > Coverage by zone on the map: the zones coloured by a figure of the latest coverage
result (share of people reached, people per km² not reached, green per resident, ...), in classes
(`layers.analysis.zone_map`), drawn as a result layer over the zones, so the legend, the Layers
list and the print page show it as they show any layer.

Only the figures the result's zone table can give are offered; the map follows each new result.
"""
from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from layers.analysis.zone_map import CLASSES, METHODS, ZONE_FIGURES, figures_for, layer_name, zone_map
from layers.layer import Style, VectorLayer

RESULT_KEY = "zone_map"
STYLE = Style(stroke="#777777", fill="#999999", fill_alpha=0.65, width=0.6, colour_field="colour")


class ZoneMapMenu(QtWidgets.QMenu):
    def __init__(self, session, parent=None):
        super().__init__("Coverage by &zone on the map", parent)
        self.session = session
        self.figure: str | None = None  # None: off
        self.method = METHODS[0]
        self.problem = ""  # why the chosen figure is not drawn, if it is not
        self.aboutToShow.connect(self._fill)
        session.events.results.connect(self._on_result)

    def _fill(self) -> None:
        """The figures the latest result allows, the off switch, and the class method."""
        self.clear()
        choices = QtGui.QActionGroup(self)
        coverage = self.session.latest.get("coverage")
        offered = figures_for(coverage.result.zones if coverage is not None else None)
        for key, title in [(None, "Off")] + [(key, ZONE_FIGURES[key].title) for key in offered]:
            action = self.addAction(title, lambda key=key: self.show_figure(key))
            action.setCheckable(True)
            action.setChecked(key == self.figure)
            choices.addAction(action)
        if not offered:
            self.addAction("(no figures by zone yet: measure with a zone layer)").setEnabled(False)
        self.addSeparator()
        methods = QtGui.QActionGroup(self)
        for method in METHODS:
            action = self.addAction(f"{CLASSES} {method} classes", lambda method=method: self.set_method(method))
            action.setCheckable(True)
            action.setChecked(method == self.method)
            methods.addAction(action)

    def show_figure(self, figure: str | None) -> None:
        self.figure = figure
        self.redraw()

    def set_method(self, method: str) -> None:
        self.method = method
        self.redraw()

    def _on_result(self, key: str) -> None:
        if key == "coverage" and self.figure is not None:
            self.redraw()

    def redraw(self) -> None:
        """Draw the chosen figure of the latest result by zone, or take the layer away (off, or no
        such figure in the result: `problem` says why)."""
        self.problem = ""
        coverage = self.session.latest.get("coverage")
        table = coverage.result.zones if coverage is not None else None
        source = self.session.layers.find(coverage.zones_source) if coverage is not None and coverage.zones_source \
            else None
        if self.figure is None or not isinstance(source, VectorLayer) or self.figure not in figures_for(table):
            if self.figure is not None:
                self.problem = f"the latest figures have no '{ZONE_FIGURES[self.figure].title}' by zone"
            self.session.clear_result(RESULT_KEY)
            return
        zones = source.in_crs(self.session.working_crs)
        frame = zone_map(zones, self.session.zone_names(source), table, self.figure, self.method)
        self.session.show_result(RESULT_KEY, frame, layer_name(self.figure, source.name, self.method, CLASSES), STYLE)
