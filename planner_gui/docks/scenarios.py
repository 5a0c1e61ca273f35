"""Scenario compare: what scenario B adds to scenario A, in people and area, drawn as the gained area.

Two editable scenario boxes (anything `layers.scenario.parse_scenario` reads: 'existing',
'2025', 'plan 2030', 'plan 2035 without line 2', ...). The indicator and radius are the Coverage
dock's. The figures are `layers.indicators.compare`, as `planner measure --compare A B --zones`,
measured on every feature of the visible layers (the timeline's map filter does not apply: the
scenarios choose the features). The gained area becomes a result layer on the map.
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
from planner_gui.docks.fitting import fitting_combo, fitting_table
from planner_gui.docks.headline import headline_label

CHOICES = ("existing", "as of 2025", "plan 2030", "plan 2035", "plan 2035 without line 2", "plan 2030 without line 2")
GAINED_STYLE = Style(stroke="#1b7a3a", fill="#2bb24c", fill_alpha=0.45, width=1.4)


class ScenarioPanel(MeasureDock, QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the ScenarioDifference on screen
    result_key = "difference"
    result_layers = ("gained",)
    failed_text = "cannot compare"

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.start_measuring(session, status_label())
        self.a_combo = self._combo(self.session.settings.compare_a)
        self.b_combo = self._combo(self.session.settings.compare_b)
        self.preset_label = QtWidgets.QLabel("")
        self.preset_label.setWordWrap(True)
        self.button = QtWidgets.QPushButton("Compare")
        self.button.clicked.connect(self.recompute)
        form = QtWidgets.QFormLayout()
        form.addRow("A (before)", self.a_combo)
        form.addRow("B (after)", self.b_combo)
        form.addRow("", self.button)
        self.gain_label = headline_label(1.6)
        self.detail_label = QtWidgets.QLabel("")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setStyleSheet("color: #555;")
        self.crs_label.setWordWrap(True)
        self.zones = QtWidgets.QTableWidget(0, 3)
        self.zones.setHorizontalHeaderLabels(["ward", "people gained", "people lost"])
        self.zones.verticalHeader().setVisible(False)
        self.zones.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        fitting_table(self.zones)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.preset_label)
        layout.addLayout(form)
        for w in (self.gain_label, self.detail_label, self.crs_label, self.status):
            layout.addWidget(w)
        layout.addWidget(QtWidgets.QLabel("Wards that gain most:"))
        layout.addWidget(self.zones, 1)
        for name, combo in (("compare_a", self.a_combo), ("compare_b", self.b_combo)):
            getattr(session.settings.events, name).connect(lambda text, combo=combo: self._show_text(combo, text))
        for name in ("measure", "radius_m"):
            getattr(session.settings.events, name).connect(self._describe)
        self.follow(settings=("measure", "radius_m", "segments", "distance", "network", "walking_band_m"),
                    events=CITY_EVENTS)
        self._describe()

    @property
    def difference(self):
        return self.latest

    def _combo(self, text: str) -> QtWidgets.QComboBox:
        combo = fitting_combo(combo=QtWidgets.QComboBox(editable=True))
        combo.addItems(CHOICES)
        combo.setCurrentText(text)
        combo.setToolTip("existing, a year (as of), plan YEAR, optionally 'without line N'")
        return combo

    def set_scenarios(self, a: str, b: str) -> None:
        self.a_combo.setCurrentText(a)
        self.b_combo.setCurrentText(b)

    def _preset(self) -> str:
        what = self.session.settings.measure
        return what if what in PRESETS and what != "green-per-resident" else "itdp-pnt"

    def _describe(self, *_) -> None:
        preset = self._preset()
        radius = self.session.radius_for(preset)
        self.preset_label.setText(f"<b>{PRESETS[preset].title}</b>" + (f", radius {radius:,.0f} m" if radius else "")
                                  + " (from the Coverage dock)")

    @staticmethod
    def _show_text(combo: QtWidgets.QComboBox, text: str) -> None:
        if combo.currentText() != text:  # the planner's own typing is left as it is
            combo.setCurrentText(text)

    def on_inputs_changed(self, *_) -> None:
        if self.difference is not None:  # compared when asked, then kept current
            self.recompute()

    def recompute(self) -> int | None:
        """Compare the two scenarios typed (checked against the data: a mistyped one is refused)."""
        self._describe()
        try:
            self.session.update(compare_a=self.a_combo.currentText(), compare_b=self.b_combo.currentText())
            a = self.session.check_scenario(self.session.settings.compare_a)
            b = self.session.check_scenario(self.session.settings.compare_b)
        except (ValueError, CityDataError) as exc:
            self.fail(str(exc))
            return None
        preset = self._preset()
        radius = self.session.radius_for(preset)
        everything = self.session.everything
        return self.runner.request(lambda progress, cancelled: jobs.scenario_difference(  # city built in the worker
            everything(), preset, a, b, radius, progress=progress, cancelled=cancelled))

    def show_failed(self, message: str) -> None:
        """No comparison for what is asked: the previous figure and table go."""
        self.gain_label.setText("–")
        self.detail_label.setText("")
        self.zones.setRowCount(0)

    def show_result(self, d) -> None:
        people = d.net_population is not None
        if people:
            self.gain_label.setText(f"{signed_text(d.net_population)} people reached")
            self.detail_label.setText(
                f"<b>{d.scenario_b}</b> against <b>{d.scenario_a}</b><br>"
                f"gained {people_text(d.gained_population)} people, lost {people_text(d.lost_population)}<br>"
                f"reached: {people_text(d.population_a)} → {people_text(d.population_b)}<br>"
                f"area gained {km2_text(d.gained_area_m2)}, lost {km2_text(d.lost_area_m2)}")
        else:
            self.gain_label.setText(f"{km2_text(d.gained_area_m2 - d.lost_area_m2)} net area")
            self.detail_label.setText(f"{d.scenario_b} against {d.scenario_a}: area gained "
                                      f"{km2_text(d.gained_area_m2)}, lost {km2_text(d.lost_area_m2)}")
        self.crs_label.setText(f"CRS {d.crs}, planar areas; radius {d.radius_m:,.0f} m straight-line")
        self._fill_zones(d)
        self.session.show_result("gained", d.gained, f"Gained: {d.scenario_b} vs {d.scenario_a} (result)",
                                   GAINED_STYLE)
        self.shown.emit(d)

    def _fill_zones(self, d) -> None:
        table = d.zones
        if table is None or "gained_population" not in table:
            self.zones.setRowCount(0)
            return
        top = table[(table["gained_population"] > 0.5) | (table["lost_population"] > 0.5)]
        top = top.sort_values("delta_population", ascending=False).head(30)
        self.zones.setRowCount(len(top))
        for i, (name, row) in enumerate(top.iterrows()):
            for j, text in enumerate((str(name), f"{row['gained_population']:,.0f}", f"{row['lost_population']:,.0f}")):
                item = QtWidgets.QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.zones.setItem(i, j, item)
