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
from layers.session import Session, SessionEvent
from layers.text import km2_text, people_text, signed_text
from planner_gui.docks.headline import headline_label
from planner_gui.jobs.runner import AnalysisRunner

CHOICES = ("existing", "as of 2025", "plan 2030", "plan 2035", "plan 2035 without line 2", "plan 2030 without line 2")
GAINED_STYLE = Style(stroke="#1b7a3a", fill="#2bb24c", fill_alpha=0.45, width=1.4)


class ScenarioPanel(QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the ScenarioDifference on screen

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.runner = AnalysisRunner(self)
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
        self.status = QtWidgets.QLabel("")
        self.status.setStyleSheet("color: #8a5a00;")
        self.zones = QtWidgets.QTableWidget(0, 3)
        self.zones.setHorizontalHeaderLabels(["ward", "people gained", "people lost"])
        self.zones.verticalHeader().setVisible(False)
        self.zones.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.zones.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.preset_label)
        layout.addLayout(form)
        for w in (self.gain_label, self.detail_label, self.crs_label, self.status):
            layout.addWidget(w)
        layout.addWidget(QtWidgets.QLabel("Wards that gain most:"))
        layout.addWidget(self.zones, 1)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda _id, msg: self._show_problem(msg))
        self.runner.busy_changed.connect(lambda busy: busy and self.status.setText("computing…"))
        self._writing = False
        self.session.subscribe(self._follow)
        self._describe()

    @property
    def difference(self):
        return self.session.latest.get("difference")

    def _combo(self, text: str) -> QtWidgets.QComboBox:
        combo = QtWidgets.QComboBox(editable=True)
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

    def _describe(self) -> None:
        preset = self._preset()
        radius = self.session.radius_for(preset)
        self.preset_label.setText(f"<b>{PRESETS[preset].title}</b>" + (f", radius {radius:,.0f} m" if radius else "")
                                  + " (from the Coverage dock)")

    def _follow(self, event: SessionEvent) -> None:
        if event.kind == "result" or self._writing:
            return
        s = self.session.settings
        for combo, text in ((self.a_combo, s.compare_a), (self.b_combo, s.compare_b)):
            if combo.currentText() != text:
                combo.setCurrentText(text)
        self._describe()
        if self.difference is not None:
            self.recompute()

    def recompute(self) -> int | None:
        """Compare the two scenarios typed (checked against the data: a mistyped one is refused)."""
        self._describe()
        try:
            self._writing = True
            try:
                self.session.update(compare_a=self.a_combo.currentText(), compare_b=self.b_combo.currentText())
            finally:
                self._writing = False
            a = self.session.check_scenario(self.session.settings.compare_a)
            b = self.session.check_scenario(self.session.settings.compare_b)
        except (ValueError, CityDataError) as exc:
            self._show_problem(str(exc))
            return None
        preset = self._preset()
        radius = self.session.radius_for(preset)
        everything = self.session.everything
        return self.runner.request(lambda progress, cancelled: jobs.scenario_difference(  # city built in the worker
            everything(), preset, a, b, radius, progress=progress, cancelled=cancelled))

    def _show_problem(self, message: str) -> None:
        """No comparison for what is asked: the previous figure, table and gained area go."""
        self.runner.cancel()
        self.session.set_failed("difference", message)
        self.session.clear_result("gained")
        self.gain_label.setText("–")
        self.detail_label.setText("")
        self.zones.setRowCount(0)
        self.status.setText(f"cannot compare: {message}")

    def _on_finished(self, _id: int, d) -> None:
        self.session.set_latest("difference", d)
        self.status.setText("")
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
