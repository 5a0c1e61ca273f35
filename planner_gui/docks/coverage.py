"""The Coverage dock: live figures for an indicator preset or a layer, a view of the session.

Its controls show the session's analysis settings (measure, study area, zones, scenario, radius,
buffer segments) and write the planner's changes back (`Session.update`, `set_study_area`,
`set_zone_layer`); any session change that can move a figure (a setting, a layer shown or
hidden, a role, the timeline's year, the working CRS) asks the AnalysisRunner for new figures:
debounced, in a worker thread, the newest request cancelling older ones, so the GUI never blocks
and no stale figure is shown. While a request is under way the figures are greyed and
"computing…" shows; past half a second a progress bar does.

The figures come from `layers.analysis.indicators.evaluate` (see `layers.analysis.jobs.measure`),
the same function `planner measure` calls. Each result is the session's latest 'coverage' and
is drawn: the catchment as a result layer, and the per-zone figures as a bar chart whose bars
select the zone on the map. `figures_shown(Coverage)` is emitted each time the labels change.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.analysis.coverage import QUAD_SEGS
from layers.layer import Style, VectorLayer
from layers.session import BAND_RANGE_M, MAP_SCENARIO, SEGMENTS_RANGE, Session, SessionEvent, StudyArea
from layers.text import features_text, headline_text, km2_text, people_text, percent_text
from planner_gui.docks.headline import headline_label
from planner_gui.docks.ward_chart import WardChart
from planner_gui.jobs.runner import AnalysisRunner

RADIUS_MIN, RADIUS_MAX, RADIUS_STEP = 100, 2000, 50
RADIUS_PRESETS = (300, 500, 1000)
SCENARIOS = (  # label, parse_scenario text
    ("existing (as planner measure)", "existing"),
    ("as drawn on the map", MAP_SCENARIO),
    ("as of 2025", "2025"),
    ("plan 2030", "plan-2030"),
    ("plan 2035", "plan-2035"),
)
CATCHMENT_STYLE = Style(stroke="#0b6fa4", fill="#29a3e0", fill_alpha=0.22, width=1.6)
# By walking distance, the straight-line catchment is drawn beside it as an orange outline: the gap
# between the two is where the street grid makes the walk longer than the crow flies.
STRAIGHT_LINE_STYLE = Style(stroke="#e07b00", fill=None, width=1.6)
DISTANCES = (("straight line", "straight"), ("walking, along the streets", "walking"))
CHOOSE_EXTRACT = "choose an OpenStreetMap extract"
BOUNDARY = "Whole city (boundary)"


class CoveragePanel(QtWidgets.QWidget):
    figures_shown = QtCore.Signal(object)  # jobs.Coverage each time the labels change (None: blanked)
    zone_selected = QtCore.Signal(object, int)  # zone layer, row: highlight on the map

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.stack = session.layers
        self.runner = AnalysisRunner(self)
        self._problem = ""  # why the figures are blank, shown under them (the session keeps it too)
        self._auto_measure = session.settings.measure  # the default until someone picks another
        self._chart_drawn: tuple | None = None  # (figures, chart figure) the chart shows
        self._build()
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(self._on_busy)
        self.runner.slow.connect(self.progress.setVisible)
        self.runner.progress.connect(lambda _id, f: self.progress.setValue(int(f * 100)))
        # Session events come in bursts (a project loads ten layers): one recompute after them.
        self._timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.recompute)
        session.subscribe(self._on_session_event)
        self._fill()

    @property
    def coverage(self) -> jobs.Coverage | None:
        return self.session.latest.get("coverage")

    # -- widgets ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.measure_combo = QtWidgets.QComboBox()
        self.measure_combo.setToolTip("An indicator preset (with its published definition) or one layer's catchment")
        self.study_area_combo = QtWidgets.QComboBox()
        self.study_area_combo.setToolTip("What the shares are of: the city boundary, a layer, or one zone of it")
        self.zone_combo = QtWidgets.QComboBox()
        self.zone_combo.setToolTip("The zones the figures are broken down by (layers of role 'zones')")
        self.scenario_combo = QtWidgets.QComboBox()
        for label, text in SCENARIOS:
            self.scenario_combo.addItem(label, text)
        self.scenario_combo.setToolTip("Which features count: 'existing' is what `planner measure` uses by default")
        self.radius_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.radius_slider.setRange(RADIUS_MIN, RADIUS_MAX)
        self.radius_slider.setSingleStep(RADIUS_STEP)
        self.radius_slider.setPageStep(250)
        self.radius_label = QtWidgets.QLabel()
        self.radius_label.setMinimumWidth(64)
        self.radius_buttons = []
        buttons = QtWidgets.QHBoxLayout()
        for r in RADIUS_PRESETS:
            b = QtWidgets.QPushButton(f"{r:,} m")
            b.clicked.connect(lambda _c=False, r=r: self.set_radius(r))
            buttons.addWidget(b)
            self.radius_buttons.append(b)
        self.default_button = QtWidgets.QPushButton("preset's")
        self.default_button.setToolTip("The radius the indicator's definition uses")
        self.default_button.clicked.connect(lambda: self._write(radius_m=None))
        buttons.addWidget(self.default_button)
        self.segments = QtWidgets.QSpinBox(minimum=SEGMENTS_RANGE[0], maximum=SEGMENTS_RANGE[1])
        self.segments.setToolTip(f"Buffer segments per quarter circle (planner {QUAD_SEGS}; QGIS and PostGIS use 8)")
        self.distance_combo = QtWidgets.QComboBox()
        for label, kind in DISTANCES:
            self.distance_combo.addItem(label, kind)
        self.distance_combo.setToolTip("Straight line (as the crow flies), or walking distance along a street network "
                                       "(SDG 11.2.1 and ITDP define access by walking distance)")
        self.network_combo = QtWidgets.QComboBox()
        self.network_combo.setToolTip("The street network walked along: a layer of role 'street', or an "
                                      "OpenStreetMap extract (.osm.pbf, e.g. from Geofabrik or BBBike)")
        self.band = QtWidgets.QSpinBox(minimum=int(BAND_RANGE_M[0]), maximum=int(BAND_RANGE_M[1]), suffix=" m")
        self.band.setToolTip("The band either side of the streets reached that counts as reached (ITDP uses 50-100 m)")

        form = QtWidgets.QFormLayout()
        form.addRow("Measure", self.measure_combo)
        form.addRow("Study area", self.study_area_combo)
        form.addRow("By zones of", self.zone_combo)
        form.addRow("Scenario", self.scenario_combo)
        radius_row = QtWidgets.QHBoxLayout()
        radius_row.addWidget(self.radius_slider, 1)
        radius_row.addWidget(self.radius_label)
        form.addRow("Radius", radius_row)
        form.addRow("", buttons)
        form.addRow("Segments", self.segments)
        form.addRow("Distance", self.distance_combo)
        network_row = QtWidgets.QHBoxLayout()
        network_row.addWidget(self.network_combo, 1)
        network_row.addWidget(QtWidgets.QLabel("band"))
        network_row.addWidget(self.band)
        form.addRow("Streets", network_row)

        self.value_label = headline_label(1.8)
        self.title_label = QtWidgets.QLabel("")
        self.title_label.setWordWrap(True)
        self.people_label = QtWidgets.QLabel("")
        self.area_label = QtWidgets.QLabel("")
        self.walking_label = QtWidgets.QLabel("")  # walking reach against straight-line reach
        self.walking_label.setWordWrap(True)
        self.walking_label.setVisible(False)
        self.features_label = QtWidgets.QLabel("")  # buildings / facilities counted in the catchment
        self.features_label.setWordWrap(True)
        self.features_label.setVisible(False)
        self.warnings_label = QtWidgets.QLabel("")  # what the planner must know about the figures (result.warnings)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #8a5a00;")
        self.warnings_label.setVisible(False)
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setWordWrap(True)
        self.crs_label.setStyleSheet("color: #555;")
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setStyleSheet("color: #8a5a00;")
        self.progress = QtWidgets.QProgressBar(visible=False, maximumHeight=12, textVisible=False)
        self.figures_box = QtWidgets.QGroupBox("Figures")
        figures = QtWidgets.QVBoxLayout(self.figures_box)
        for w in (self.title_label, self.value_label, self.people_label, self.area_label, self.walking_label,
                  self.features_label, self.warnings_label, self.crs_label, self.status_label, self.progress):
            figures.addWidget(w)
            if isinstance(w, QtWidgets.QLabel):
                w.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # The figures never shrink below their text: when the dock is short, the chart gives way.
        self.figures_box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Minimum)

        self.figure_combo = QtWidgets.QComboBox()
        for key, label in jobs.FIGURES.items():
            self.figure_combo.addItem(label, key)
        self.chart = WardChart()
        self.chart.zone_clicked.connect(self._on_zone_clicked)
        chart_row = QtWidgets.QHBoxLayout()
        chart_row.addWidget(QtWidgets.QLabel("By ward:"))
        chart_row.addWidget(self.figure_combo, 1)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.figures_box)
        layout.addLayout(chart_row)
        layout.addWidget(self.chart, 1)

        self.measure_combo.activated.connect(lambda _i: self._write(measure=self.measure_combo.currentData(), radius_m=None))
        self.study_area_combo.activated.connect(lambda _i: self._write_study_area())
        self.zone_combo.activated.connect(lambda _i: self._write_zone_layer())
        self.scenario_combo.activated.connect(lambda _i: self._write(scenario=self.scenario_combo.currentData()))
        self.radius_slider.valueChanged.connect(self._on_radius)
        self.segments.valueChanged.connect(lambda v: self._write(segments=int(v)))
        self.distance_combo.activated.connect(lambda _i: self._write(distance=self.distance_combo.currentData()))
        self.network_combo.activated.connect(lambda _i: self._write_network())
        self.band.valueChanged.connect(lambda v: self._write(walking_band_m=float(v)))
        self.figure_combo.activated.connect(lambda _i: self._write(chart_figure=self.figure_combo.currentData()))

    # -- what is asked: read from the session -------------------------------------------------------
    @property
    def measure(self) -> str | None:
        return self.session.settings.measure if self.session.measures() else None

    @property
    def radius_m(self) -> float:
        return float(self.session.radius_m() or self.radius_slider.value())

    @property
    def scenario(self):
        return self.session.scenario()

    @property
    def figure(self) -> str:
        return self.session.settings.chart_figure

    def effective_radius(self) -> float | None:
        """The radius the figures use: None for a preset without a buffer (digital, green per resident)."""
        return self.session.radius_m()

    def measures(self) -> list[str]:
        return self.session.measures()

    # -- the planner's changes: written to the session -----------------------------------------------
    def set_measure(self, what: str) -> None:
        if what not in self.measures():
            raise KeyError(f"nothing to measure called '{what}' (have: {self.measures()})")
        self._write(measure=what, radius_m=None)

    def set_scenario(self, text: str) -> None:
        self._write(scenario=text)

    def set_radius(self, radius_m: float) -> None:
        self._write(radius_m=float(radius_m))

    def _on_radius(self, value: int) -> None:
        self.radius_label.setText(f"{value:,} m")
        if self.session.radius_m() is not None and value != self.session.radius_m():
            self._write(radius_m=float(value))

    def _write(self, **changes) -> bool:
        try:
            self.session.update(**changes)
        except ValueError as exc:
            self._show_problem(str(exc))
            self._sync()
            return False
        return True

    def _write_network(self) -> None:
        network = self.network_combo.currentData()
        if network == CHOOSE_EXTRACT:
            network, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Street network", "", "OpenStreetMap extract (*.osm.pbf *.pbf)")
            if not network:
                self._sync()
                return
        self.set_network(network)

    def set_network(self, network: str | None) -> None:
        """Walk along this network (an .osm.pbf path or a street layer's name; None: the first street layer)."""
        self._write(network=network, distance="walking")

    def _write_study_area(self) -> None:
        data = self.study_area_combo.currentData()
        try:
            self.session.set_study_area(StudyArea(*data) if data else StudyArea())
        except ValueError as exc:
            self._show_problem(str(exc))

    def _write_zone_layer(self) -> None:
        try:
            self.session.set_zone_layer(self.zone_combo.currentData())
        except ValueError as exc:
            self._show_problem(str(exc))

    # -- the session: shown in the controls ------------------------------------------------------------
    def _on_session_event(self, event: SessionEvent) -> None:
        if event.kind == "result":
            return
        if event.kind in ("roles", "city", "study_area", "zones", "crs"):
            self._fill()
        else:
            self._sync()
        if event.kind == "settings":
            self.recompute()  # the runner debounces a dragged slider itself
        elif event.kind in ("roles", "city", "study_area", "zones", "crs"):
            self._set_stale(True)
            self._timer.start()

    def _fill(self) -> None:
        """Fill the choices from the layers (measures, study areas, zone layers), then show the settings."""
        _refill(self.measure_combo, [(self.session.measure_title(m), m) for m in self.session.measures()])
        study = [(BOUNDARY, None)]
        for layer in self.stack:
            if isinstance(layer, VectorLayer) and layer.role in ("boundary", "ward"):
                study.append((f"{layer.name} (all)", (layer.name, None)))
                if layer.role == "ward":
                    names = sorted(set(self.session.zone_names(layer)), key=str.lower)
                    study += [(f"{layer.name}: {name}", (layer.name, name)) for name in names]
        _refill(self.study_area_combo, study)
        _refill(self.zone_combo, [("first zone layer", None)] + [(l.name, l.name) for l in self.session.zone_layers()])
        available = self.session.measures()
        current = self.session.settings.measure
        if available and (current not in available or current == self._auto_measure):
            # Until the planner (or a project) picks a measure, the default as layers arrive: ITDP, else
            # the first this data can give.
            default = "itdp-pnt" if "itdp-pnt" in available else available[0]
            if default != current:
                self._auto_measure = default
                self.session.update(measure=default, radius_m=None)
                return  # the settings event syncs the controls
        self._sync()

    def _sync(self) -> None:
        s = self.session.settings
        _select(self.measure_combo, s.measure)
        _select(self.study_area_combo, None if self.session.study_area.layer is None
                else (self.session.study_area.layer, self.session.study_area.feature))
        _select(self.zone_combo, self.session.zone_layer)
        if self.scenario_combo.findData(s.scenario) < 0:
            self.scenario_combo.addItem(s.scenario, s.scenario)
        _select(self.scenario_combo, s.scenario)
        _select(self.figure_combo, s.chart_figure)
        radius = self.session.radius_m()
        buffered = radius is not None
        for w in [self.radius_slider, self.default_button, *self.radius_buttons, self.segments]:
            w.setEnabled(buffered)
        self.radius_slider.blockSignals(True)
        if buffered:
            self.radius_slider.setValue(int(round(radius)))
        self.radius_slider.blockSignals(False)
        self.radius_label.setText(f"{radius:,.0f} m" if buffered else "no buffer")
        self.segments.blockSignals(True)
        self.segments.setValue(s.segments)
        self.segments.blockSignals(False)
        _select(self.distance_combo, s.distance)
        networks = [("first street layer", None)] + [(layer.name, layer.name) for layer in self.stack
                                                       if isinstance(layer, VectorLayer) and layer.role == "street"]
        if s.network is not None and s.network not in [data for _, data in networks]:
            networks.append((Path(s.network).name, s.network))
        _refill(self.network_combo, networks + [("OpenStreetMap extract (.osm.pbf)…", CHOOSE_EXTRACT)])
        _select(self.network_combo, s.network)
        self.band.blockSignals(True)
        self.band.setValue(int(round(s.walking_band_m)))
        self.band.blockSignals(False)
        walking = s.distance == "walking"
        for w in (self.network_combo, self.band):
            w.setEnabled(walking and buffered)
        if self.coverage is not None and self._chart_drawn != (id(self.coverage), s.chart_figure):
            self._draw_chart()  # only when the chart's figure changed: new figures draw it when they come

    # -- computing -------------------------------------------------------------------------------
    def recompute(self) -> int | None:
        """Ask for new figures (debounced, in the worker); returns the request id."""
        what = self.measure
        if not what:
            return None
        radius, scenario, city = self.session.radius_m(), self.session.scenario(), self.session.city
        self._set_stale(True)
        # the city is built in the worker too (a street network or a vast boundary takes seconds);
        # what it lacks comes back as the job's failure (CityDataError is a ValueError)
        return self.runner.request(lambda progress, cancelled: jobs.measure(
            city(), what, radius, scenario, progress=progress, cancelled=cancelled))

    def _set_stale(self, stale: bool) -> None:
        self.figures_box.setEnabled(not stale)
        self.status_label.setText("computing…" if stale else self._problem)

    def _on_busy(self, busy: bool) -> None:
        if not busy:
            self._set_stale(False)
            self.progress.setVisible(False)

    def _on_failed(self, _id: int, message: str) -> None:
        self._show_problem(message)

    def _show_problem(self, message: str) -> None:
        """No figures for what is asked: blank them (never leave older ones) and say why."""
        self.session.set_failed("coverage", message)
        for label in (self.value_label, self.people_label, self.area_label, self.features_label):
            label.setText("–")
        if "needs a layer with role" in message:
            message += " visible (hidden layers do not count)"
        if "no street network" in message or "no street layer" in message:
            message += "; here: Streets: OpenStreetMap extract (.osm.pbf)…"
        self._problem = f"cannot measure: {message}"
        self._set_stale(False)
        self.session.clear_result("catchment")
        self.session.clear_result("straight_line")
        self.walking_label.setVisible(False)
        self.warnings_label.setVisible(False)
        self.chart.set_values(jobs.zone_figures(None, self.figure), "")
        self.figures_shown.emit(None)

    def _on_finished(self, _id: int, coverage: jobs.Coverage) -> None:
        self._problem = ""
        self.session.set_latest("coverage", coverage)
        r = coverage.result
        f = r.figures
        self.title_label.setText(f"<b>{r.title}</b><br>scenario: {r.scenario} · "
                                 + (f"radius {r.radius_m:,.0f} m" if r.radius_m else "no buffer")
                                 + f"<br>study area: {self.session.study_area_text()}")
        self.value_label.setText(headline_text(r))
        if "population" in f:
            self.people_label.setText(
                f"People reached: {people_text(f['population'])} of {people_text(f['study_population'])}"
                f" ({percent_text(f['population_share'], 2)})")
            self.area_label.setText(
                f"Area reached: {km2_text(f['area_m2'])} of {km2_text(f['study_area_m2'])}"
                f" ({percent_text(f['area_share'], 2)})")
        else:  # green per resident
            self.people_label.setText(f"Green area: {km2_text(f.get('green_m2'))} for "
                                      f"{people_text(f.get('study_population'))} residents")
            self.area_label.setText(f"Common benchmark: {f.get('benchmark_m2_per_resident', 9):g} m² per "
                                    "resident (not a WHO figure)")
        self.features_label.setText("\n".join(features_text(layer, figures) for layer, figures in r.features.items()))
        self.features_label.setVisible(bool(r.features))
        walked = "walking_to_straight_line_area" in f
        if walked:
            text = f"Walking reaches {percent_text(f['walking_to_straight_line_area'], 1)} of the straight-line area"
            if f.get("walking_to_straight_line_population") is not None:
                text += f" and {percent_text(f['walking_to_straight_line_population'], 1)} of its people"
            self.walking_label.setText(text + " (its outline in orange on the map)")
        self.walking_label.setVisible(walked)
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in r.warnings))
        self.warnings_label.setVisible(bool(r.warnings))
        self.crs_label.setText(f"CRS {r.crs}, planar areas; {r.distance}")
        tip = f"<p><b>Method.</b> {r.method}</p><p><b>Source.</b> {r.source}</p><p><b>CRS.</b> {r.crs}</p>"
        for w in (self.value_label, self.people_label, self.area_label, self.walking_label, self.features_label,
                  self.title_label, self.crs_label):
            w.setToolTip(tip)
        self._draw_catchment(coverage)
        self._draw_chart()
        self.figures_shown.emit(coverage)

    def _draw_catchment(self, coverage: jobs.Coverage) -> None:
        r = coverage.result
        geometry = coverage.catchment if coverage.catchment is not None else jobs.empty_geometry()
        gdf = gpd.GeoDataFrame({"measure": [r.title], "radius_m": [r.radius_m]}, geometry=[geometry],
                               crs=coverage.crs)
        label = f"{r.radius_m:,.0f} m" if r.radius_m else "zones"
        walked = coverage.straight_line is not None
        self.session.show_result("catchment", gdf, f"Catchment ({label}{', walking' if walked else ''}, result)",
                                 CATCHMENT_STYLE)
        if walked:
            straight = gpd.GeoDataFrame({"measure": [r.title], "radius_m": [r.radius_m]},
                                        geometry=[coverage.straight_line], crs=coverage.crs)
            self.session.show_result("straight_line", straight, f"Straight-line catchment ({label}, result)",
                                     STRAIGHT_LINE_STYLE)
        else:
            self.session.clear_result("straight_line")

    def _draw_chart(self) -> None:
        if self.coverage is None:
            return
        self._chart_drawn = (id(self.coverage), self.figure)
        values = jobs.zone_figures(self.coverage.result, self.figure)
        figure = self.figure
        if values.name == "green_m2_per_resident":  # what green per resident has by zone, whatever was asked
            percent, label = False, "green space per resident (m²)"
        else:
            percent = figure in ("value", "population_share", "area_share") and self.coverage.result.unit.startswith("share")
            unit = {"population": "people", "features": "features", "features_area_m2": "m²"}.get(
                figure, "%" if percent else self.coverage.result.unit.replace("m2", "m²"))
            label = f"{self.figure_combo.currentText()} ({unit})"
        zones = self.coverage.result.zones
        notes = None
        if zones is not None and "area_m2" in zones:  # the area reached in each zone, beside its share
            notes = zones["area_m2"].map(lambda m2: f"{m2 / 1e6:,.2f} km²")
            notes = notes[~notes.index.duplicated()]
        self.chart.set_values(values, label, 100.0 if percent else 1.0, notes)

    def _on_zone_clicked(self, name: str) -> None:
        coverage = self.coverage  # the zones of the figures shown
        source = coverage.zones_source if coverage is not None else None
        layer = self.stack.find(source) if source else None
        if isinstance(layer, VectorLayer):
            names = self.session.zone_names(layer)
            if name in names:
                self.zone_selected.emit(layer, names.index(name))


def _refill(combo: QtWidgets.QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace a combo's items (label, data) without emitting, if they changed."""
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == items:
        return
    combo.blockSignals(True)
    combo.clear()
    for label, data in items:
        combo.addItem(label, data)
    combo.blockSignals(False)


def _select(combo: QtWidgets.QComboBox, data) -> None:
    combo.blockSignals(True)
    index = combo.findData(data)
    if index < 0 and isinstance(data, tuple):  # Qt may hand back a tuple as a list
        index = next((i for i in range(combo.count()) if tuple(combo.itemData(i) or ()) == data), -1)
    if index >= 0:
        combo.setCurrentIndex(index)
    combo.blockSignals(False)
