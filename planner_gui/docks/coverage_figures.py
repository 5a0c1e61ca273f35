"""The Coverage dock's figures: the headline share, people and area reached, what walking reaches
against the straight line, features counted, warnings, and the CRS and method, for one result.

Every text comes from the result (`jobs.Coverage`), in the formats of `layers.text`, the same as
`planner measure` prints; the method, source and CRS are in each label's tooltip.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.text import features_text, headline_text, km2_text, people_text, percent_text
from planner_gui.docks.fitting import WrappingLabel
from planner_gui.docks.headline import headline_label


class CoverageFigures(QtWidgets.QGroupBox):
    """The 'Figures' box; `status` (the dock's status line) and `progress` are shown at its foot."""

    def __init__(self, status: QtWidgets.QLabel, parent=None):
        super().__init__("Figures", parent)
        self.value_label = headline_label(1.8)
        self.title_label = QtWidgets.QLabel("")
        self.people_label = QtWidgets.QLabel("")
        self.area_label = QtWidgets.QLabel("")
        self.walking_label = QtWidgets.QLabel("")  # walking reach against straight-line reach
        self.walking_label.setVisible(False)
        self.features_label = QtWidgets.QLabel("")  # buildings / facilities counted in the catchment
        self.features_label.setVisible(False)
        self.warnings_label = WrappingLabel("")  # what the planner must know about the figures (result.warnings)
        self.warnings_label.setStyleSheet("color: #8a5a00;")
        self.warnings_label.setVisible(False)
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setStyleSheet("color: #555;")
        self.progress = QtWidgets.QProgressBar(visible=False, maximumHeight=12, textVisible=False)
        # Its room kept while hidden: shown past half a second of measuring and hidden again (every
        # year on the timeline asks for new figures), it moved the chart below, and laying the
        # chart out again (a text item per zone) took 20-30 ms of the GUI thread each time.
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        layout = QtWidgets.QVBoxLayout(self)
        for w in (self.title_label, self.value_label, self.people_label, self.area_label, self.walking_label,
                  self.features_label, self.warnings_label, self.crs_label, status, self.progress):
            layout.addWidget(w)
            if isinstance(w, QtWidgets.QLabel):
                w.setWordWrap(True)  # a long title, path or message wraps: the dock never grows wide
                w.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # The figures never shrink below their text: when the dock is short, the chart gives way.
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Minimum)

    def blank(self) -> None:
        """No figures for what is asked: never leave older ones."""
        for label in (self.value_label, self.people_label, self.area_label, self.features_label):
            label.setText("–")
        self.walking_label.setVisible(False)
        self.warnings_label.setVisible(False)

    def show_figures(self, coverage: jobs.Coverage, study_area: str) -> None:
        """The result's figures; `study_area` names what the shares are of."""
        r = coverage.result
        f = r.figures
        self.title_label.setText(f"<b>{r.title}</b><br>scenario: {r.scenario} · "
                                 + (f"radius {r.radius_m:,.0f} m" if r.radius_m else "no buffer")
                                 + f"<br>study area: {study_area}")
        self.value_label.setText(headline_text(r))
        if "population" in f:
            self.people_label.setText(  # with no people to count, the model's reason and what to set
                r.population_missing[0].upper() + r.population_missing[1:] if r.population_missing else
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
