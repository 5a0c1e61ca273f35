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
is drawn: the catchment as a result layer, the figures in their box (`coverage_figures`) and the
per-zone figures as a bar chart whose bars select the zone on the map (`coverage_chart`).
`figures_shown(Coverage)` is emitted each time the labels change.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.analysis.coverage import MEASURE_QUAD_SEGS, QUAD_SEGS
from layers.layer import Style, VectorLayer
from layers.session import BAND_RANGE_M, MAP_SCENARIO, SEGMENTS_RANGE, Session, StudyArea
from planner_gui.binding import bind_settings, refill, select_data
from planner_gui.docks.base import CITY_EVENTS, MeasureDock, status_label
from planner_gui.docks.coverage_chart import ZoneChart
from planner_gui.docks.coverage_figures import CoverageFigures
from planner_gui.docks.fitting import fitting_combo
from planner_gui.jobs.turns import Turns

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
# the settings the figures are measured with (the year moves them through the city's filter)
FIGURE_SETTINGS = ("measure", "radius_m", "segments", "scenario", "distance", "network", "walking_band_m")


class CoveragePanel(MeasureDock, QtWidgets.QWidget):
    figures_shown = QtCore.Signal(object)  # jobs.Coverage each time the labels change (None: blanked)
    zone_selected = QtCore.Signal(object, int)  # zone layer, row: highlight on the map
    result_key = "coverage"
    result_layers = ("catchment", "straight_line")

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.stack = session.layers
        self._problem = ""  # why the figures are blank, shown under them (the session keeps it too)
        self._auto_measure = session.settings.measure  # the default until someone picks another
        self.status_label = status_label()
        self.start_measuring(session, self.status_label)
        self._timer = self._follow_timer
        self._turns = Turns(self)  # a result shown over a few turns of the event loop
        self._build()
        self.runner.slow.connect(self.progress.setVisible)
        self.runner.progress.connect(lambda _id, f: self.progress.setValue(int(f * 100)))
        # the choices (measures, study areas, zone layers) follow the layers; the figures follow
        # the city and the settings they are measured with
        for name in CITY_EVENTS:
            getattr(session.events, name).connect(self._choose_default_measure)
        session.events.study_area.connect(self._show_study_area)
        session.events.zone_layer.connect(self._show_zone_layer)
        self.follow(settings=FIGURE_SETTINGS)
        # the choices refilled once a burst of city events is over, when the figures are asked again
        # (a project's layers come as 15 events in the turn that applies it: refilling at each was
        # 20-30 ms of that turn, the Hanoi sample on a slow machine)
        self._follow_timer.timeout.connect(self._fill)
        self._fill()
        self._choose_default_measure()

    def busy(self) -> bool:
        """True while figures are being measured, or shown a step a turn (`show_result`), or the
        choices are yet to be refilled (after a burst of city events)."""
        return self.runner.busy() or self._turns.busy() or self._follow_timer.isActive()

    @property
    def coverage(self) -> jobs.Coverage | None:
        return self.latest

    # -- widgets ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.measure_combo = fitting_combo("An indicator preset (with its published definition) or one layer's catchment")
        self.study_area_combo = fitting_combo("What the shares are of: the city boundary, a layer, or one zone of it")
        self.zone_combo = fitting_combo("The zones the figures are broken down by (layers of role 'zones')")
        self.scenario_combo = fitting_combo("Which features count: 'existing' is what `planner measure` uses by default")
        for label, text in SCENARIOS:
            self.scenario_combo.addItem(label, text)
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
        self.default_button = QtWidgets.QPushButton("default")
        self.default_button.setToolTip("The radius the indicator's definition uses")
        self.default_button.clicked.connect(lambda: self._write(radius_m=None))
        buttons.addWidget(self.default_button)
        for b in (*self.radius_buttons, self.default_button):
            b.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 12)
        self.segments = QtWidgets.QSpinBox(minimum=SEGMENTS_RANGE[0], maximum=SEGMENTS_RANGE[1])
        self.segments.setToolTip(f"Buffer segments per quarter circle, at least (planner {QUAD_SEGS}; QGIS and PostGIS "
                                 f"use 8); figures use {MEASURE_QUAD_SEGS} or more: within 1e-4 of the true circles")
        self.distance_combo = fitting_combo("Straight line (as the crow flies), or walking distance along a street network "
                                     "(SDG 11.2.1 and ITDP define access by walking distance)")
        for label, kind in DISTANCES:
            self.distance_combo.addItem(label, kind)
        self.network_combo = fitting_combo("The street network walked along: a layer of role 'street', or an "
                                    "OpenStreetMap extract (.osm.pbf, e.g. from Geofabrik or BBBike)")
        self.band = QtWidgets.QSpinBox(minimum=int(BAND_RANGE_M[0]), maximum=int(BAND_RANGE_M[1]), suffix=" m")
        self.band.setToolTip("The band either side of the streets reached that counts as reached (ITDP uses 50-100 m)")

        form = QtWidgets.QFormLayout()
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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

        self.figures_box = CoverageFigures(self.status_label)
        figures = self.figures_box  # the labels under their old names (tests, the print page)
        self.value_label, self.title_label, self.people_label, self.area_label = (
            figures.value_label, figures.title_label, figures.people_label, figures.area_label)
        self.walking_label, self.features_label, self.warnings_label, self.crs_label, self.progress = (
            figures.walking_label, figures.features_label, figures.warnings_label, figures.crs_label,
            figures.progress)
        self.zone_chart = ZoneChart(self.session, self.fail)
        self.chart, self.figure_combo = self.zone_chart.chart, self.zone_chart.figure_combo
        self.zone_chart.zone_selected.connect(self.zone_selected)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.figures_box)
        layout.addWidget(self.zone_chart, 1)

        session = self.session
        buffered = lambda s: s.radius_m() is not None  # noqa: E731
        self.bindings = bind_settings(session, {
            "measure": self.measure_combo, "scenario": self.scenario_combo, "radius_m": self.radius_slider,
            "segments": self.segments, "distance": self.distance_combo, "network": self.network_combo,
            "walking_band_m": self.band,
        }, self.fail, measure={"write": lambda v: {"measure": v, "radius_m": None}},
            scenario={"value": self._scenario_shown},
            radius_m={"value": lambda s: s.radius_m(), "write": self._radius_written, "enabled": buffered,
                      "also": ("measure",)},
            segments={"enabled": buffered, "also": ("measure",)},
            network={"value": self._networks_shown, "write": self._network_written,
                     "enabled": lambda s: buffered(s) and s.settings.distance == "walking",
                     "also": ("measure", "distance")},
            walking_band_m={"enabled": lambda s: buffered(s) and s.settings.distance == "walking",
                            "also": ("measure", "distance")})
        self.radius_slider.valueChanged.connect(lambda v: self.radius_label.setText(f"{v:,} m"))
        for name in ("radius_m", "measure"):
            getattr(session.settings.events, name).connect(self._show_radius)
        self._show_radius()
        self.study_area_combo.activated.connect(lambda _i: self._write_study_area())
        self.zone_combo.activated.connect(lambda _i: self._write_zone_layer())

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

    def _radius_written(self, value: int) -> dict | None:
        radius = self.session.radius_m()
        return {"radius_m": float(value)} if radius is not None and value != radius else None

    def _write(self, **changes) -> bool:
        try:
            self.session.update(**changes)
        except ValueError as exc:
            self.fail(str(exc))
            return False
        return True

    def _network_written(self, network) -> dict | None:
        if network == CHOOSE_EXTRACT:
            network, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Street network", "", "OpenStreetMap extract (*.osm.pbf *.pbf)")
            if not network:
                self.bindings["network"].show()
                return None
        return {"network": network, "distance": "walking"}

    def set_network(self, network: str | None) -> None:
        """Walk along this network (an .osm.pbf path or a street layer's name; None: the first street layer)."""
        self._write(network=network, distance="walking")

    def _write_study_area(self) -> None:
        data = self.study_area_combo.currentData()
        try:
            self.session.set_study_area(StudyArea(*data) if data else StudyArea())
        except ValueError as exc:
            self.fail(str(exc))

    def _write_zone_layer(self) -> None:
        try:
            self.session.set_zone_layer(self.zone_combo.currentData())
        except ValueError as exc:
            self.fail(str(exc))

    # -- the session: shown in the controls ------------------------------------------------------------
    def _fill(self) -> None:
        """Fill the choices from the layers (measures, study areas, zone layers)."""
        session = self.session
        refill(self.measure_combo, [(session.measure_title(m), m) for m in session.measures()],
               session.settings.measure)
        study = [(BOUNDARY, None)]
        for layer in self.stack:
            if isinstance(layer, VectorLayer) and layer.role in ("boundary", "ward"):
                study.append((f"{layer.name} (all)", (layer.name, None)))
                if layer.role == "ward":
                    names = sorted(set(session.zone_names(layer)), key=str.lower)
                    study += [(f"{layer.name}: {name}", (layer.name, name)) for name in names]
        refill(self.study_area_combo, study)
        self._show_study_area()
        refill(self.zone_combo, [("first zone layer", None)] + [(l.name, l.name) for l in session.zone_layers()],
               session.zone_layer)
        self.bindings["network"].show()  # the street layers
        self.zone_chart.binding.show()  # the figures the layers allow

    def _choose_default_measure(self, *_) -> None:
        """Until the planner (or a project) picks a measure, the default as layers arrive: ITDP, else
        the first this data can give. At each city event, not once a burst is over: it is a change
        of the session's, and a project opened is marked saved in the turn that applies it."""
        session = self.session
        available = session.measures()
        current = session.settings.measure
        if available and (current not in available or current == self._auto_measure):
            default = "itdp-pnt" if "itdp-pnt" in available else available[0]
            if default != current:
                self._auto_measure = default
                session.update(measure=default, radius_m=None)

    def _show_study_area(self, *_) -> None:
        area = self.session.study_area
        select_data(self.study_area_combo, None if area.layer is None else (area.layer, area.feature))

    def _show_zone_layer(self, *_) -> None:
        select_data(self.zone_combo, self.session.zone_layer)

    def _scenario_shown(self, session: Session) -> str:
        scenario = session.settings.scenario
        if self.scenario_combo.findData(scenario) < 0:
            self.scenario_combo.addItem(scenario, scenario)
        return scenario

    def _networks_shown(self, session: Session) -> str | None:
        network = session.settings.network
        networks = [("first street layer", None)] + [(layer.name, layer.name) for layer in self.stack
                                                       if isinstance(layer, VectorLayer) and layer.role == "street"]
        if network is not None and network not in [data for _, data in networks]:
            networks.append((Path(network).name, network))
        refill(self.network_combo, networks + [("OpenStreetMap extract (.osm.pbf)…", CHOOSE_EXTRACT)])
        return network

    def _show_radius(self, *_) -> None:
        radius = self.session.radius_m()
        self.radius_label.setText(f"{radius:,.0f} m" if radius is not None else "no buffer")
        for w in (self.default_button, *self.radius_buttons):
            w.setEnabled(radius is not None)

    # -- computing -------------------------------------------------------------------------------
    def recompute(self) -> int | None:
        """Ask for new figures (debounced, in the worker); returns the request id."""
        what = self.measure
        if not what:
            return None
        radius, scenario, city = self.session.radius_m(), self.session.scenario(), self.session.measured_city
        self._set_stale(True)
        # the city is built in the worker too (a street network or a vast boundary takes seconds);
        # what it lacks comes back as the job's failure (CityDataError is a ValueError)
        return self.runner.request(lambda progress, cancelled: jobs.measure(
            city(), what, radius, scenario, progress=progress, cancelled=cancelled))

    def on_inputs_changed(self, *_) -> None:
        self._set_stale(True)
        self.recompute()

    def _set_stale(self, stale: bool) -> None:
        self.figures_box.setEnabled(not stale)
        self.status_label.setText("computing…" if stale else self._problem)

    def on_busy(self, busy: bool) -> None:
        if not busy:
            self._set_stale(False)
            self.progress.setVisible(False)

    def show_failed(self, message: str) -> None:
        """No figures for what is asked: blank them (never leave older ones) and say why."""
        self._turns.cancel()  # what is left of the figures before
        self.figures_box.blank()
        if "needs a layer with role" in message:
            message += " visible (hidden layers do not count)"
        if "no street network" in message or "no street layer" in message:
            message += "; here: Streets: OpenStreetMap extract (.osm.pbf)…"
        self._problem = f"cannot measure: {message}"
        self._set_stale(False)
        self.zone_chart.blank()
        self.figures_shown.emit(None)

    def show_result(self, coverage: jobs.Coverage) -> None:
        """The figures now; their catchment on the map, the zone chart and what follows the figures
        (`figures_shown`: the dashboard's charts) each in a later turn of the event loop (`Turns`)."""
        self._problem = ""
        self._set_stale(False)
        self.figures_box.show_figures(coverage, self.session.study_area_text())
        self._turns.run([lambda: self._draw_catchment(coverage), self.zone_chart.draw,
                         lambda: self.figures_shown.emit(coverage)])

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
