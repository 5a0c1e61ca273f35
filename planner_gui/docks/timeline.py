"""Timeline: a year slider (2000-2040) that sets the map to the network of that year, and a curve.

Moving the slider sets the session's year (`Session.update(year=...)`): every dated network layer
gets the feature filter `Scenario.as_of(year)`, the canvas draws only what it lets through and
the Coverage dock's figures count the same features. "Show all years" clears the filter. The
slider shows the session's year, so a project opens at the year it was saved at.

The curve is the Coverage dock's indicator and radius measured for every year with
`Scenario.as_of(year)` on every feature of the visible layers (`analysis_jobs.timeline`, in a
worker), drawn as steps, with the slider's year marked by a vertical line.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.session import MAP_SCENARIO, Session, SessionEvent
from planner_gui.jobs.runner import AnalysisRunner

FIRST_YEAR, LAST_YEAR = 2000, 2040


class TimelinePanel(QtWidgets.QWidget):
    curve_shown = QtCore.Signal(object)  # jobs.Timeline

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.timeline: jobs.Timeline | None = None
        self.runner = AnalysisRunner(self, debounce_ms=400)  # after the Coverage dock's figures
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(FIRST_YEAR, LAST_YEAR)
        self.slider.setValue(2025)
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(5)
        self.year_label = QtWidgets.QLabel("all years")
        font = self.year_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.year_label.setFont(font)
        self.year_label.setMinimumWidth(90)
        self.all_button = QtWidgets.QPushButton("Show all years")
        self.all_button.clicked.connect(lambda: self.set_year(None))
        self.status = QtWidgets.QLabel("")
        self.status.setStyleSheet("color: #555;")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("bottom", "year")
        self.curve = self.plot.plot([], [], stepMode="right", pen=pg.mkPen("#0b6fa4", width=2.5),
                                    symbol="o", symbolSize=4, symbolBrush="#0b6fa4", symbolPen=None)
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=2),
                                      label="{value:.0f}", labelOpts={"position": 0.92, "color": "#d62728"})
        self.plot.addItem(self.marker)
        self.plot.setXRange(FIRST_YEAR, LAST_YEAR, padding=0.02)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Year"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.year_label)
        row.addWidget(self.all_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self.slider.valueChanged.connect(self.set_year)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda _id, msg: self.status.setText(f"cannot compute the curve: {msg}"))
        self.runner.busy_changed.connect(lambda busy: busy and self.status.setText("computing the curve…"))
        self._curve_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._curve_timer.timeout.connect(self.recompute)
        session.subscribe(self._on_session_event)
        self._show_year(session.settings.year)

    @property
    def year(self) -> int | None:
        return self.session.settings.year

    def set_year(self, year: int | None) -> None:
        """Show the network of `year` on the map (model state: the stack's as-of year); None: all."""
        if year is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(int(year))
            self.slider.blockSignals(False)
        changes = {"year": None if year is None else int(year)}
        if year is not None and self.session.settings.scenario == "existing":
            changes["scenario"] = MAP_SCENARIO  # the figures follow the map's year ('as drawn on the map')
        self.session.update(**changes)
        # Scenario compare's gained area is one plan against another, not the network of a year:
        # hidden while the map shows a year, shown again with all years
        gained = self.session.result_layer("gained")
        if gained is not None:
            self.session.results.set_visible(gained, year is None)

    def _on_session_event(self, event: SessionEvent) -> None:
        if event.kind == "settings":
            self._show_year(self.session.settings.year)
        if event.kind in ("settings", "city", "study_area", "zones", "crs", "roles"):
            # recompute() skips when only the map's filter changed (the curve does not use it)
            self._curve_timer.start()

    def _show_year(self, year: int | None) -> None:
        if year is not None and year != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(int(year))
            self.slider.blockSignals(False)
        self.year_label.setText("all years" if year is None else str(year))
        self.marker.setVisible(year is not None)
        if year is not None:
            self.marker.setValue(year)

    def recompute(self) -> int | None:
        what = self.session.settings.measure if self.session.measures() else None
        if not what:
            return None
        radius, figure = self.session.radius_m(), self.session.settings.chart_figure
        key = (self.session.city_version(filtered=False), what, radius, figure)
        if self.timeline is not None and getattr(self, "_key", None) == key:
            return None  # the same curve (e.g. only the map's year moved)
        self._key = key
        everything = self.session.everything
        return self.runner.request(lambda progress, cancelled: jobs.timeline(  # the city is built in the worker
            everything(), what, radius, figure, range(FIRST_YEAR, LAST_YEAR + 1), progress=progress,
            cancelled=cancelled))

    def _on_finished(self, _id: int, t: jobs.Timeline) -> None:
        self.timeline = t
        percent = t.figure in ("value", "population_share", "area_share") and t.unit.startswith("share")
        values = t.values * (100.0 if percent else 1.0)
        x = np.append(t.years, t.years[-1] + 1).astype(float)
        self.curve.setData(x, np.append(values, values[-1]))
        label = jobs.FIGURES.get(t.figure, t.figure)
        self.plot.setLabel("left", f"{label} ({'%' if percent else t.unit})")
        top = np.nanmax(values) if np.isfinite(values).any() else 1.0
        self.plot.setYRange(0, top * 1.1 if top > 0 else 1.0, padding=0)
        radius = f", radius {t.radius_m:,.0f} m" if t.radius_m else ""
        self.plot.setTitle(f"{self.session.measure_title(t.preset)}{radius}: {label} by year "
                           "(features opened by then; existing ones without a year)", size="9pt")
        self.status.setText(f"CRS {t.crs}, planar areas; straight-line distances. "
                            "Steps change when a line, bridge, park or zone opens.")
        self.curve_shown.emit(t)
