"""The Coverage dock: live figures for an indicator preset or a layer, with a radius slider.

Any change (measure, study area, scenario, radius, a layer shown or hidden, a feature filter)
asks the AnalysisRunner for new figures: debounced, in a worker thread, the newest request
cancelling older ones, so the GUI never blocks and no stale figure is shown. While a request is
under way the figures are greyed and "computing…" shows; past half a second a progress bar does.

The figures come from `layers.indicators.evaluate` (see `analysis_jobs.measure`), the same
function `planner measure` calls. Each shown result is also drawn: the catchment as a
translucent result layer, and the per-ward figures as a bar chart whose bars select the ward
on the map. `figures_shown(Coverage)` is emitted each time the labels change.
"""
from __future__ import annotations

import math

import geopandas as gpd
import shapely
from PySide6 import QtCore, QtWidgets

from layers.analysis.city import CityDataError
from layers.analysis.indicators import PRESETS
from layers.layer import Style, VectorLayer
from layers.analysis.scenario import Scenario, parse_scenario
from layers.stack import LayerStack, StackEvent
from layers.analysis import jobs
from planner_gui.jobs.runner import AnalysisRunner
from layers.analysis.city_cache import CityCache
from layers.results import ResultLayers
from planner_gui.docks.ward_chart import WardChart

RADIUS_MIN, RADIUS_MAX, RADIUS_STEP = 100, 2000, 50
RADIUS_PRESETS = (300, 500, 1000)
SCENARIOS = (  # label, parse_scenario text
    ("existing (as planner measure)", "existing"),
    ("as drawn on the map", "all"),
    ("as of 2025", "2025"),
    ("plan 2030", "plan-2030"),
    ("plan 2035", "plan-2035"),
)
MEASURED_ROLES = ("metro_station", "metro_line", "bridge", "green", "digital_zone")
CATCHMENT_STYLE = Style(stroke="#0b6fa4", fill="#29a3e0", fill_alpha=0.22, width=1.6)


def share_text(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2%}"


def people_text(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.0f}"


def km2_text(m2) -> str:
    return "–" if m2 is None else f"{m2 / 1e6:,.2f} km²"


def value_text(result) -> str:
    if result.unit.startswith("share"):
        return f"{share_text(result.value)} {result.unit}"
    return f"{result.value:,.1f} {result.unit}"


class CoveragePanel(QtWidgets.QWidget):
    figures_shown = QtCore.Signal(object)  # jobs.Coverage each time the labels change (None: blanked)
    settings_changed = QtCore.Signal()  # measure, radius, study area or scenario changed
    zone_selected = QtCore.Signal(object, int)  # ward layer, row: highlight on the map

    def __init__(self, stack: LayerStack, cache: CityCache, results: ResultLayers, parent=None):
        super().__init__(parent)
        self.stack = stack
        self.cache = cache
        self.results = results
        self.runner = AnalysisRunner(self)
        self.coverage: jobs.Coverage | None = None
        self.last_error = self._problem = ""
        self._build()
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(self._on_busy)
        self.runner.slow.connect(self.progress.setVisible)
        self.runner.progress.connect(lambda _id, f: self.progress.setValue(int(f * 100)))
        # Stack events come in bursts (a project loads ten layers): one recompute after them.
        self._stack_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._stack_timer.timeout.connect(self.recompute)
        cache.listeners.append(self._on_city_changed)
        stack.subscribe(self._on_stack_event)
        self._fill_measures()
        self._fill_study_areas()

    # -- widgets ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.measure_combo = QtWidgets.QComboBox()
        self.measure_combo.setToolTip("An indicator preset (with its published definition) or one layer's catchment")
        self.study_area_combo = QtWidgets.QComboBox()
        self.study_area_combo.setToolTip("What the shares are of: the city boundary, or one ward or district")
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
        self.default_button.clicked.connect(self._preset_radius)
        buttons.addWidget(self.default_button)

        form = QtWidgets.QFormLayout()
        form.addRow("Measure", self.measure_combo)
        form.addRow("Study area", self.study_area_combo)
        form.addRow("Scenario", self.scenario_combo)
        radius_row = QtWidgets.QHBoxLayout()
        radius_row.addWidget(self.radius_slider, 1)
        radius_row.addWidget(self.radius_label)
        form.addRow("Radius", radius_row)
        form.addRow("", buttons)

        self.value_label = QtWidgets.QLabel("–")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value_label.setFont(font)
        self.title_label = QtWidgets.QLabel("")
        self.title_label.setWordWrap(True)
        self.people_label = QtWidgets.QLabel("")
        self.area_label = QtWidgets.QLabel("")
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setWordWrap(True)
        self.crs_label.setStyleSheet("color: #555;")
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setStyleSheet("color: #8a5a00;")
        self.progress = QtWidgets.QProgressBar(visible=False, maximumHeight=12, textVisible=False)
        self.figures_box = QtWidgets.QGroupBox("Figures")
        figures = QtWidgets.QVBoxLayout(self.figures_box)
        for w in (self.title_label, self.value_label, self.people_label, self.area_label, self.crs_label,
                  self.status_label, self.progress):
            figures.addWidget(w)
            if isinstance(w, QtWidgets.QLabel):
                w.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # The figures never shrink below their text: when the dock is short, the chart gives way.
        self.figures_box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Minimum)

        self.figure_combo = QtWidgets.QComboBox()
        for key, label in jobs.FIGURES.items():
            self.figure_combo.addItem(label, key)
        self.figure_combo.setCurrentIndex(1)
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

        self.set_radius(1000, recompute=False)
        self._chosen = False
        self.measure_combo.activated.connect(lambda _i: setattr(self, "_chosen", True))
        self.measure_combo.currentIndexChanged.connect(self._on_measure_changed)
        self.study_area_combo.currentIndexChanged.connect(self._on_study_area_changed)
        self.scenario_combo.currentIndexChanged.connect(self._changed)
        self.radius_slider.valueChanged.connect(self._on_radius)
        self.figure_combo.currentIndexChanged.connect(self._draw_chart)

    # -- what is asked ------------------------------------------------------------------------
    @property
    def measure(self) -> str | None:
        return self.measure_combo.currentData()

    @property
    def radius_m(self) -> float:
        return float(self.radius_slider.value())

    @property
    def scenario(self):
        return parse_scenario(self.scenario_combo.currentData())

    @property
    def figure(self) -> str:
        return self.figure_combo.currentData()

    def effective_radius(self) -> float | None:
        """The radius the figures use: None for a preset without a buffer (digital, green per resident)."""
        what = self.measure or ""
        if what in PRESETS and not PRESETS[what].radius_m:
            return None
        return self.radius_m

    def set_measure(self, what: str) -> None:
        i = self.measure_combo.findData(what)
        if i < 0:
            raise KeyError(f"nothing to measure called '{what}' (have: {self.measures()})")
        self._chosen = True
        self.measure_combo.setCurrentIndex(i)

    def measures(self) -> list[str]:
        return [self.measure_combo.itemData(i) for i in range(self.measure_combo.count())]

    def set_scenario(self, text: str) -> None:
        self.scenario_combo.setCurrentIndex(self.scenario_combo.findData(text))

    def set_radius(self, radius_m: float, recompute: bool = True) -> None:
        self.radius_slider.blockSignals(not recompute)
        self.radius_slider.setValue(int(radius_m))
        self.radius_slider.blockSignals(False)
        self.radius_label.setText(f"{self.radius_slider.value():,} m")

    def _preset_radius(self) -> None:
        what = self.measure or ""
        if what in PRESETS and PRESETS[what].radius_m:
            self.set_radius(PRESETS[what].radius_m)

    def _on_radius(self, value: int) -> None:
        self.radius_label.setText(f"{value:,} m")
        self._changed()

    def _on_measure_changed(self) -> None:
        what = self.measure or ""
        buffered = not (what in PRESETS and not PRESETS[what].radius_m)
        for w in [self.radius_slider, self.default_button, *self.radius_buttons]:
            w.setEnabled(buffered)
        self.radius_label.setText(f"{self.radius_slider.value():,} m" if buffered else "no buffer")
        if what in PRESETS and PRESETS[what].radius_m:
            self.set_radius(PRESETS[what].radius_m, recompute=False)
        self._changed()

    def _on_study_area_changed(self) -> None:
        data = self.study_area_combo.currentData()
        geometry = None
        if data is not None:
            layer_name, row = data
            layer = self.stack.find(layer_name)
            if isinstance(layer, VectorLayer):
                geometry = shapely.make_valid(layer.in_crs(self.cache.working_crs).geometry.iloc[row])
        self.cache.set_study_area(geometry)  # invalidates: recompute() follows
        self.settings_changed.emit()

    def _changed(self) -> None:
        self.settings_changed.emit()
        self.recompute()

    # -- the stack ------------------------------------------------------------------------------
    def _on_stack_event(self, event: StackEvent) -> None:
        if self.results.is_result(event.layer):
            return
        if event.kind in ("added", "removed") or (event.kind == "data" and event.layer.role == "ward"):
            self._fill_measures()
            if event.layer.role == "ward":
                self._fill_study_areas()

    def _fill_measures(self) -> None:
        current = self.measure
        roles = {layer.role for layer in self.stack}
        self.measure_combo.blockSignals(True)
        self.measure_combo.clear()
        for name, preset in PRESETS.items():
            if preset.role in roles:
                self.measure_combo.addItem(preset.title, name)
        for layer in self.stack:
            if isinstance(layer, VectorLayer) and layer.role in MEASURED_ROLES and not self.results.is_result(layer):
                self.measure_combo.addItem(f"Layer: {layer.name}", jobs.LAYER_PREFIX + layer.name)
        # Until the planner picks a measure, the default (ITDP, else the first) as layers arrive.
        i = self.measure_combo.findData(current) if current and self._chosen else -1
        default = self.measure_combo.findData("itdp-pnt")
        self.measure_combo.setCurrentIndex(i if i >= 0 else max(default, 0))
        self.measure_combo.blockSignals(False)
        if self.measure != current:
            self._on_measure_changed()

    def _fill_study_areas(self) -> None:
        self.study_area_combo.blockSignals(True)
        self.study_area_combo.clear()
        self.study_area_combo.addItem("Whole city (boundary)", None)
        for layer in self.stack:
            if isinstance(layer, VectorLayer) and layer.role == "ward" and "name" in layer.gdf.columns:
                names = layer.gdf["name"].astype(str)
                for row in names.sort_values(key=lambda s: s.str.lower()).index:
                    self.study_area_combo.addItem(f"{layer.name}: {names[row]}",
                                                  (layer.name, int(layer.gdf.index.get_loc(row))))
        self.study_area_combo.blockSignals(False)

    # -- computing -------------------------------------------------------------------------------
    def _on_city_changed(self) -> None:
        self._set_stale(True)
        self._stack_timer.start()

    def recompute(self) -> int | None:
        """Ask for new figures (debounced, in the worker); returns the request id."""
        what = self.measure
        if not what:
            return None
        try:
            city = self.cache.city()
        except CityDataError as exc:
            self.runner.cancel()
            self._show_problem(str(exc))
            return None
        radius, scenario = self.effective_radius(), self.scenario
        self._set_stale(True)
        return self.runner.request(lambda progress, cancelled: jobs.measure(
            city, what, radius, scenario, progress=progress, cancelled=cancelled))

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
        self.last_error = message
        self.coverage = None
        self._set_stale(False)
        for label in (self.value_label, self.people_label, self.area_label):
            label.setText("–")
        if "needs a layer with role" in message:
            message += " visible (hidden layers do not count)"
        self._problem = f"cannot measure: {message}"
        self.status_label.setText(self._problem)
        if layer := self.results.get("catchment"):
            self.results.show("catchment", layer.gdf.iloc[0:0], layer.name, CATCHMENT_STYLE)
        self.chart.set_values(jobs.zone_figures(None, self.figure), "")
        self.figures_shown.emit(None)

    def _on_finished(self, _id: int, coverage: jobs.Coverage) -> None:
        self.coverage = coverage
        self.last_error = self._problem = ""
        r = coverage.result
        f = r.figures
        scenario = r.scenario
        if scenario == Scenario.all().name:  # "as drawn on the map": say which year the map shows
            year = self.stack.as_of_year
            scenario = "as drawn on the map" + (f" ({year})" if year is not None else "")
        self.title_label.setText(f"<b>{r.title}</b><br>scenario: {scenario} · "
                                 + (f"radius {r.radius_m:,.0f} m" if r.radius_m else "no buffer"))
        self.value_label.setText(value_text(r))
        if "population" in f:
            self.people_label.setText(
                f"People reached: {people_text(f['population'])} of {people_text(f['study_population'])}"
                f" ({share_text(f['population_share'])})")
            self.area_label.setText(
                f"Area reached: {km2_text(f['area_m2'])} of {km2_text(f['study_area_m2'])}"
                f" ({share_text(f['area_share'])})")
        else:  # green per resident
            self.people_label.setText(f"Green area: {km2_text(f.get('green_m2'))} for "
                                      f"{people_text(f.get('study_population'))} residents")
            self.area_label.setText(f"Common benchmark: {f.get('benchmark_m2_per_resident', 9):g} m² per "
                                    "resident (not a WHO figure)")
        self.crs_label.setText(f"CRS {r.crs}, planar areas; straight-line distances")
        tip = f"<p><b>Method.</b> {r.method}</p><p><b>Source.</b> {r.source}</p><p><b>CRS.</b> {r.crs}</p>"
        for w in (self.value_label, self.people_label, self.area_label, self.title_label, self.crs_label):
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
        self.results.show("catchment", gdf, f"Catchment ({label}, result)", CATCHMENT_STYLE)

    def _draw_chart(self) -> None:
        if self.coverage is None:
            return
        values = jobs.zone_figures(self.coverage.result, self.figure)
        figure = self.figure
        percent = figure in ("value", "population_share", "area_share") and self.coverage.result.unit.startswith("share")
        unit = {"population": "people"}.get(figure, "%" if percent else self.coverage.result.unit)
        label = f"{self.figure_combo.currentText()} ({unit})"
        self.chart.set_values(values, label, 100.0 if percent else 1.0)

    def _on_zone_clicked(self, name: str) -> None:
        for layer in self.stack:
            if isinstance(layer, VectorLayer) and layer.role == "ward" and "name" in layer.gdf.columns:
                rows = (layer.gdf["name"].astype(str) == name).to_numpy().nonzero()[0]
                if len(rows) and layer.name in self.cache.city().zones and self._is_chart_zone(layer):
                    self.zone_selected.emit(layer, int(rows[0]))
                    return

    def _is_chart_zone(self, layer) -> bool:
        try:
            return self.cache.city().zone_layer() is self.cache.city().zones.get(layer.name)
        except CityDataError:
            return False
