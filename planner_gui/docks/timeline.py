"""Timeline: a year slider (2000-2040) that sets the map to the network of that year, and a curve.

Moving the slider sets the session's year (`Session.update(year=...)`): every dated network layer
gets the feature filter `Scenario.as_of(year)` and the canvas draws only what it lets through.
"Show all years" clears the filter; while it is clear, a click on the slider's handle shows the
year it rests at. The slider shows the session's year, so a project opens at the year it was
saved at.

The timeline never changes the Coverage scenario: the scenario is the planner's choice. The line
under the slider says what the figures count: with the scenario 'as drawn on the map' they count
the year the map shows; with any other they count that scenario, whatever the year, and the
button "Count this year" switches the figures to the map's year (the planner's choice, made in
the open).

The curve is the Coverage dock's indicator and radius measured for every year with
`Scenario.as_of(year)` on every feature of the visible layers (`analysis_jobs.timeline`, in a
worker), drawn as steps, with the slider's year marked by a vertical line.

The curve is measured only while the panel is on screen (its dock open, as it is not on a first
run), and as soon as it comes on screen if the city changed meanwhile: a curve nobody sees is
not worth its cost, and the cost is paid by the window. The job measures the city for each of
41 years in pandas and Python, 1.4-3.2 s of Python's lock (GIL) with 1,000,000 footprints open,
letting go and taking it back at every pyarrow call, so the GUI thread, which needs the lock for
every paint and slot, lost it again and again while the layer was being added and drawn: measured
(bench/bench_render.py, a sampler of the lock's holder from outside the process), the job held it
for 19-25 ms of the GUI thread's pauses of 53-75 ms at the third opening of the footprints. While
the panel is off screen the curve of an earlier city is dropped, never kept as if current; a
report exported without a curve asks for one (`measure_for_report`) and waits for it.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.session import MAP_SCENARIO, Session
from planner_gui.docks.base import CITY_EVENTS, MeasureDock, status_label

FIRST_YEAR, LAST_YEAR = 2000, 2040


class TimelinePanel(MeasureDock, QtWidgets.QWidget):
    curve_shown = QtCore.Signal(object)  # jobs.Timeline
    result_key = "timeline"
    failed_text = "cannot compute the curve"

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.timeline: jobs.Timeline | None = None
        self.start_measuring(session, status_label("#555"), debounce_ms=400)  # after the Coverage dock's figures
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
        self.counted = QtWidgets.QLabel("")  # what the Coverage figures count, against the map's year
        self.counted.setWordWrap(True)
        self.count_button = QtWidgets.QPushButton("Count this year")
        self.count_button.setToolTip("Set the Coverage scenario to 'as drawn on the map': the figures count the "
                                     "network of the year the map shows")
        self.count_button.clicked.connect(lambda: self.session.update(scenario=MAP_SCENARIO))
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
        counted = QtWidgets.QHBoxLayout()
        counted.addWidget(self.counted, 1)
        counted.addWidget(self.count_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(counted)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self.slider.valueChanged.connect(self.set_year)
        self.slider.sliderReleased.connect(self._handle_released)
        session.settings.events.year.connect(self._show_year)
        session.settings.events.scenario.connect(self._show_counted)
        # the curve: every feature by year, so the map's year does not move it
        self.follow(settings=("measure", "radius_m", "chart_figure", "segments", "distance", "network",
                              "walking_band_m"), events=CITY_EVENTS)
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
        self.session.update(year=None if year is None else int(year))
        # Scenario compare's gained area is one plan against another, not the network of a year:
        # hidden while the map shows a year, shown again with all years
        gained = self.session.result_layer("gained")
        if gained is not None:
            self.session.results.set_visible(gained, year is None)

    def _handle_released(self) -> None:
        """A click on the handle while every year is shown: the year it rests at (the value does not
        change, so valueChanged does not tell; after a drag the map shows a year already)."""
        if self.year is None:
            self.set_year(self.slider.value())

    def _show_year(self, year: int | None) -> None:
        if year is not None and year != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(int(year))
            self.slider.blockSignals(False)
        self.year_label.setText("all years" if year is None else str(year))
        self.marker.setVisible(year is not None)
        if year is not None:
            self.marker.setValue(year)
        self._show_counted()

    def _show_counted(self, *_) -> None:
        """What the Coverage figures count, said beside the map's year (the timeline changes only the map)."""
        s = self.session.settings
        if s.scenario == MAP_SCENARIO:
            text = ("The map and the Coverage figures show " + ("every year" if s.year is None else f"{s.year}")
                    + " (scenario 'as drawn on the map').")
        else:
            shown = "every year" if s.year is None else f"the network of {s.year}"
            text = f"The map shows {shown}; the Coverage figures count the scenario '{self.session.scenario().name}'."
        self.counted.setText(text)
        self.count_button.setVisible(s.scenario != MAP_SCENARIO and s.year is not None)

    def recompute(self, off_screen: bool = False) -> int | None:
        """Measure the curve (`off_screen`: though the panel is not on screen, for a report)."""
        what = self.session.settings.measure if self.session.measures() else None
        if not what:
            return None
        radius, figure = self.session.radius_m(), self.session.settings.chart_figure
        key = (self.session.city_version(filtered=False), what, radius, figure)
        if getattr(self, "_key", None) == key and (self.timeline is not None or self.runner.busy()):
            return None  # the same curve, drawn or on its way (e.g. only the map's year moved)
        if not self.isVisible() and not off_screen:  # measured when the panel is shown (showEvent)
            self._drop_curve()
            return None
        self._key = key
        everything = self.session.everything
        return self.runner.request(lambda progress, cancelled: jobs.timeline(  # the city is built in the worker
            everything(), what, radius, figure, range(FIRST_YEAR, LAST_YEAR + 1), progress=progress,
            cancelled=cancelled))

    def measure_for_report(self) -> bool:
        """Measure the curve now, the panel on screen or not: a report exported includes it, and
        a planner who asks for a report waits for it. False if there is nothing to measure."""
        self.recompute(off_screen=True)
        return self.runner.busy()

    def _drop_curve(self) -> None:
        """The curve of an earlier city goes (the job measuring one too): measured again when shown."""
        if self.runner.busy():
            self.runner.cancel()
        self._key = None
        if self.timeline is not None:
            self.timeline = None
            self.curve.setData([], [])
            self.session.set_latest(self.result_key, None)
        self.status.setText("")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.timeline is None:
            self.recompute()

    def on_busy(self, busy: bool) -> None:
        if busy:
            self.status.setText("computing the curve…")

    def show_result(self, t: jobs.Timeline) -> None:
        self.timeline = t
        unit = jobs.figure_unit(t.figure, t.unit)
        values = t.values * (100.0 if unit == "%" else 1.0)
        x = np.append(t.years, t.years[-1] + 1).astype(float)
        self.curve.setData(x, np.append(values, values[-1]))
        label = jobs.FIGURES.get(t.figure, t.figure)
        self.plot.setLabel("left", f"{label} ({unit})")
        top = np.nanmax(values) if np.isfinite(values).any() else 1.0
        self.plot.setYRange(0, top * 1.1 if top > 0 else 1.0, padding=0)
        radius = f", radius {t.radius_m:,.0f} m" if t.radius_m else ""
        self.plot.setTitle(f"{self.session.measure_title(t.preset)}{radius}: {label} by year "
                           "(features opened by then; existing ones without a year)", size="9pt")
        self.status.setText(f"CRS {t.crs}, planar areas; straight-line distances. "
                            "Steps change when a line, bridge, park or zone opens.")
        self.curve_shown.emit(t)
