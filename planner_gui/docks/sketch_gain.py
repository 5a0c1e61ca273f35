"""What the sketch adds, live: people and area gained, and the wards that gain, in the Coverage dock.

Shown while the session has a sketch (`layers.session.sketch`). After every sketch edit (and any change
of the layers, the measure, the radius or the compared plan) the background runner computes
`layers.indicators.compare` of the plan compared (Scenario compare's B, 'plan 2030' by default)
against the same plan without the sketch's lines, the figures `planner measure --compare
"plan 2030 without line S1" "plan 2030" --zones` gives for the saved project (the command is in
the tooltip). The measure is the Coverage dock's if it counts metro stations, else ITDP People
Near Transit. The gained area is drawn as a result layer.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.analysis.city import CityDataError
from layers.analysis.indicators import PRESETS
from layers.layer import Style
from layers.session import Session
from layers.text import km2_text, people_text, signed_text
from planner_gui.docks.base import CITY_EVENTS, MeasureDock, status_label
from planner_gui.docks.fitting import fitting_table

GAIN_STYLE = Style(stroke="#b0005a", fill="#e6007e", fill_alpha=0.25, width=1.2)
TOP_WARDS = 8


class SketchGainPanel(MeasureDock, QtWidgets.QGroupBox):
    shown = QtCore.Signal(object)  # the ScenarioDifference on screen (None: blanked)
    result_key = "sketch_gain"
    result_layers = ("sketch_gain",)
    failed_text = "cannot measure the sketch"

    def __init__(self, session: Session, parent=None):
        super().__init__("What the sketch adds", parent)
        # No debounce: a click is one edit, and its figure should be there before the next sentence.
        self.start_measuring(session, status_label(), debounce_ms=0)
        self.status_label = self.status
        self.gain_label = QtWidgets.QLabel("")
        font = self.gain_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.gain_label.setFont(font)
        self.detail_label = QtWidgets.QLabel("")
        self.detail_label.setWordWrap(True)
        self.wards = QtWidgets.QTableWidget(0, 2)
        self.wards.setHorizontalHeaderLabels(["ward", "people gained"])
        self.wards.verticalHeader().setVisible(False)
        self.wards.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        fitting_table(self.wards)
        self.wards.setMaximumHeight(170)
        layout = QtWidgets.QVBoxLayout(self)
        for w in (self.gain_label, self.detail_label, self.status_label, self.wards):
            layout.addWidget(w)
        for label in (self.gain_label, self.detail_label):
            label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        session.events.sketch.connect(self.recompute)  # at once: the figure follows each click
        self.follow(settings=("measure", "radius_m", "segments", "compare_b"), events=CITY_EVENTS)
        self.setVisible(False)

    @property
    def difference(self):
        return self.latest

    def preset(self) -> str:
        what = self.session.settings.measure
        return what if what in PRESETS and "metro_station" in PRESETS[what].roles else "itdp-pnt"

    def recompute(self, *_) -> int | None:
        """Ask the runner for the sketch's gain (nothing, and hidden, without a sketch)."""
        sketch = self.session.sketch
        self.setVisible(not sketch.is_empty)
        if sketch.is_empty:
            self.runner.cancel()
            self.session.clear_result("sketch_gain")
            if self.difference is not None:  # it showed a gain: blanked now (the last station undone)
                self.session.set_latest("sketch_gain", None)
                self.shown.emit(None)
            return None
        try:
            a_text, b_text = self.session.sketch_scenarios()
            a, b = self.session.check_scenario(a_text), self.session.check_scenario(b_text)
        except (ValueError, CityDataError) as exc:
            self.fail(str(exc))
            return None
        preset = self.preset()
        radius = self.session.radius_for(preset)
        self.setToolTip(f"The same figures as:\nplanner measure PROJECT -p {preset}"
                        + (f" --radius {radius:g}" if radius else "")
                        + f' --compare "{a_text}" "{b_text}" --zones')
        everything = self.session.everything
        return self.runner.request(lambda progress, cancelled: jobs.scenario_difference(  # city built in the worker
            everything(), preset, a, b, radius, progress=progress, cancelled=cancelled), immediate=True)

    def show_failed(self, message: str) -> None:
        self.gain_label.setText("–")
        self.detail_label.setText("")
        self.wards.setRowCount(0)
        self.shown.emit(None)

    def show_result(self, d) -> None:
        counted = self._stations_counted(d.scenario_b)
        if d.net_population is not None:
            self.gain_label.setText(f"{signed_text(d.net_population)} people reached")
        else:
            self.gain_label.setText(f"{km2_text(d.gained_area_m2 - d.lost_area_m2)} more area reached")
        self.detail_label.setText(
            f"{PRESETS[d.preset].title}, {d.radius_m:,.0f} m: {d.scenario_b} with the sketch against "
            f"without it. Area gained {km2_text(d.gained_area_m2)}"
            + (f"; reached {people_text(d.population_a)} → {people_text(d.population_b)}"
               if d.population_a is not None else "")
            + f". {counted}. CRS {d.crs}, planar areas, straight-line distance.")
        self._fill_wards(d)
        self.session.show_result("sketch_gain", d.gained, "Sketch gain (result)", GAIN_STYLE)
        self.shown.emit(d)

    def _stations_counted(self, scenario_b: str) -> str:
        """How many sketched stations the plan compared counts (a later opening year does not count)."""
        layer = self.session.sketch_layer("metro_station")
        if layer is None:
            return "no sketched station"
        counted = int(self.session.check_scenario(self.session.settings.compare_b).mask(layer.gdf).sum())
        return f"{counted} of {len(layer.gdf)} sketched stations count in {scenario_b}"

    def _fill_wards(self, d) -> None:
        table = d.zones
        if table is None or "gained_population" not in table:
            self.wards.setRowCount(0)
            return
        top = table[table["gained_population"] > 0.5].sort_values("gained_population", ascending=False)
        top = top.head(TOP_WARDS)
        self.wards.setRowCount(len(top))
        for i, (name, row) in enumerate(top.iterrows()):
            for j, text in enumerate((str(name), people_text(row["gained_population"]))):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                if j:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.wards.setItem(i, j, item)
