"""The Coverage dock's chart by zone: the figure chosen ('By ward:') for each zone of the latest
result, with that very figure written at each bar's end in the unit the title names; a click on a
bar selects the zone on the map.

The figures offered are those the measure and the loaded layers give (`jobs.chart_figures`); the
choice is the session's `chart_figure` setting, bound both ways.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.layer import VectorLayer
from layers.session import Session
from layers.text import people_text
from planner_gui.binding import Binding, refill
from planner_gui.docks.fitting import fitting_combo
from planner_gui.docks.ward_chart import WardChart

NOTE_TEXT = {  # the figure at a bar's end, by the chart's unit
    "%": lambda v: f"{v:.1f} %", "people": people_text, "features": lambda v: f"{v:,.0f}",
    "m²": lambda v: f"{v:,.0f} m²",
}


class ZoneChart(QtWidgets.QWidget):
    """The figure selector over the WardChart, drawing the session's latest 'coverage'."""

    zone_selected = QtCore.Signal(object, int)  # zone layer, row: highlight on the map

    def __init__(self, session: Session, on_error, parent=None):
        super().__init__(parent)
        self.session = session
        self.figure_combo = fitting_combo("The figure each zone's bar shows")
        self.chart = WardChart()
        self.chart.zone_clicked.connect(self._on_zone_clicked)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("By ward:"))
        row.addWidget(self.figure_combo, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.chart, 1)
        self.binding = Binding(session, "chart_figure", self.figure_combo, on_error, value=self._figures_shown,
                               also=("measure",))
        for name in ("chart_figure", "measure"):
            getattr(session.settings.events, name).connect(self.draw)

    def chart_figures(self) -> dict[str, str]:
        """The figures the chart can show for the measure and the layers loaded (key -> title)."""
        return jobs.chart_figures(self.session.settings.measure, {layer.role for layer in self.session.layers})

    @property
    def figure(self) -> str:
        """The figure the chart shows: the chosen one if the layers allow it, else the first they do."""
        offered = self.chart_figures()
        chosen = self.session.settings.chart_figure
        return chosen if chosen in offered else next(iter(offered))

    def _figures_shown(self, session: Session) -> str:
        refill(self.figure_combo, [(label, key) for key, label in self.chart_figures().items()])
        return self.figure

    def blank(self) -> None:
        self.chart.set_values(jobs.zone_figures(None, self.figure), "")

    def draw(self, *_) -> None:
        """Each zone's bar and, at its end, the very figure it plots, in the unit the title names."""
        coverage = self.session.latest.get("coverage")
        if coverage is None:
            return
        figure = self.figure
        values = jobs.zone_figures(coverage.result, figure)
        unit = jobs.figure_unit(figure, coverage.result.unit)
        scale = 100.0 if unit == "%" else 1.0
        text = NOTE_TEXT.get(unit, lambda v, unit=unit: f"{v:,.1f} {unit}")
        notes = (values * scale).map(text)
        self.chart.set_values(values, f"{self.chart_figures()[figure]} ({unit})", scale,
                              notes[~notes.index.duplicated()], limit=100.0 if unit == "%" else None)

    def _on_zone_clicked(self, name: str) -> None:
        coverage = self.session.latest.get("coverage")  # the zones of the figures shown
        source = coverage.zones_source if coverage is not None else None
        layer = self.session.layers.find(source) if source else None
        if isinstance(layer, VectorLayer):
            names = self.session.zone_names(layer)
            if name in names:
                self.zone_selected.emit(layer, names.index(name))
