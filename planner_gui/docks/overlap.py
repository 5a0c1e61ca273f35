"""Overlap view: metro x green x digital, as a table and as a map layer coloured by combination.

The catchments are the presets' (metro: ITDP People Near Transit at the Coverage dock's radius;
green: WHO 300 m to green >= 0.5 ha; digital: the zones themselves), in the Coverage dock's
scenario. `layers.coverage.overlap_matrix` cuts the study area into disjoint pieces, one per
combination, so the rows add up to the whole city. Computed in a worker when asked (button) and
again whenever the inputs change while a result is shown.

The pieces cover the whole study area, so on the map they are drawn translucent, each
combination outlined, and only while the Overlap dock is on screen (`show_on_map`): raising
another tab takes them off the map, coming back puts them on again.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.layer import Style
from layers.session import Session
from layers.text import km2_text, people_text, percent_text
from planner_gui.docks.base import CITY_EVENTS, MeasureDock, status_label
from planner_gui.docks.fitting import fitting_table

OVERLAP_STYLE = Style(stroke="#444444", fill="#999999", fill_alpha=0.25, width=1.0, category_field="combination")
COLUMNS = ("combination", "area", "% of area", "people", "% of people")


class OverlapView(MeasureDock, QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the OverlapResult put in the table
    result_key = "overlap"
    result_layers = ("overlap",)
    failed_text = "cannot compute"

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.start_measuring(session, status_label("#222"))
        self.on_map = True  # whether the dock is on screen, so its pieces are drawn
        self.button = QtWidgets.QPushButton("Compute overlap")
        self.button.clicked.connect(self.recompute)
        self.status.setText("Which parts of the city do metro, green space and digital zones reach together?")
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        fitting_table(self.table)
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setStyleSheet("color: #555;")
        self.crs_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.crs_label)
        self.follow(settings=("measure", "radius_m", "segments", "scenario", "distance", "network",
                              "walking_band_m"), events=CITY_EVENTS)

    @property
    def result(self):
        return self.latest

    def on_inputs_changed(self, *_) -> None:
        if self.result is not None:  # computed when asked, then kept current
            self.recompute()

    def show_failed(self, message: str) -> None:
        self.table.setRowCount(0)

    def show_on_map(self, shown: bool) -> None:
        """Draw the pieces while the dock is on screen; off the map when another tab is raised."""
        self.on_map = shown
        layer = self.session.result_layer("overlap")
        if layer is not None:
            self.session.results.set_visible(layer, shown)

    def recompute(self) -> int | None:
        radius = self.session.radius_for(jobs.OVERLAP_PRESETS["metro"])
        scenario, city = self.session.scenario(), self.session.measured_city
        return self.runner.request(lambda progress, cancelled: jobs.overlaps(  # the city is built in the worker
            city(), scenario, radius, progress=progress, cancelled=cancelled))

    def show_result(self, result) -> None:
        table = result.table
        self.table.setRowCount(len(table))
        for i, row in enumerate(table.itertuples(index=False)):
            row = row._asdict()
            cells = (row["combination"], km2_text(row["area_m2"]), percent_text(row["area_share"], 2),
                     people_text(row.get("population")), percent_text(row.get("population_share"), 2))
            for j, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        names = " × ".join(result.names)
        self.status.setText(f"{names}: {len(table)} combinations, disjoint, adding up to the study area "
                            f"(metro radius {self.session.radius_for(jobs.OVERLAP_PRESETS['metro']):,.0f} m, "
                            f"scenario {self.session.scenario().name}).")
        self.crs_label.setText(f"CRS {result.crs}, planar areas; straight-line catchments")
        self.session.show_result("overlap", result.pieces_gdf, "Overlap metro × green × digital (result)",
                                 OVERLAP_STYLE)
        self.show_on_map(self.on_map)
        self.shown.emit(result)
