"""Overlap view: metro x green x digital, as a table and as a map layer coloured by combination.

The catchments are the presets' (metro: ITDP People Near Transit at the Coverage dock's radius;
green: WHO 300 m to green >= 0.5 ha; digital: the zones themselves), in the Coverage dock's
scenario. `layers.coverage.overlap_matrix` cuts the study area into disjoint pieces, one per
combination, so the rows add up to the whole city. Computed in a worker when asked (button) and
again whenever the inputs change while a result is shown.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis.city import CityDataError
from layers.layer import Style
from layers.analysis import jobs
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.docks.coverage import CoveragePanel, km2_text, people_text, share_text

OVERLAP_STYLE = Style(stroke="#444444", fill="#999999", fill_alpha=0.45, width=0.6, category_field="combination")
COLUMNS = ("combination", "area", "area share", "people", "population share")


class OverlapView(QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the OverlapResult put in the table

    def __init__(self, coverage: CoveragePanel, parent=None):
        super().__init__(parent)
        self.coverage = coverage
        self.result = None
        self.runner = AnalysisRunner(self)
        self.button = QtWidgets.QPushButton("Compute overlap")
        self.button.clicked.connect(self.recompute)
        self.status = QtWidgets.QLabel("Which parts of the city do metro, green space and digital zones reach together?")
        self.status.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.crs_label = QtWidgets.QLabel("")
        self.crs_label.setStyleSheet("color: #555;")
        self.crs_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.crs_label)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda _id, msg: self.status.setText(f"cannot compute: {msg}"))
        self.runner.busy_changed.connect(lambda busy: busy and self.status.setText("computing…"))
        coverage.settings_changed.connect(self._follow)
        coverage.cache.listeners.append(self._follow)

    def _follow(self) -> None:
        if self.result is not None:
            self.recompute()

    def recompute(self) -> int | None:
        try:
            city = self.coverage.cache.city()
        except CityDataError as exc:
            self.status.setText(f"cannot compute: {exc}")
            return None
        radius = self.coverage.radius_m
        scenario = self.coverage.scenario
        return self.runner.request(lambda progress, cancelled: jobs.overlaps(
            city, scenario, radius, progress=progress, cancelled=cancelled))

    def _on_finished(self, _id: int, result) -> None:
        self.result = result
        table = result.table
        self.table.setRowCount(len(table))
        for i, row in enumerate(table.itertuples(index=False)):
            row = row._asdict()
            cells = (row["combination"], km2_text(row["area_m2"]), share_text(row["area_share"]),
                     people_text(row.get("population")), share_text(row.get("population_share")))
            for j, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        names = " × ".join(result.names)
        self.status.setText(f"{names}: {len(table)} combinations, disjoint, adding up to the study area "
                            f"(metro radius {self.coverage.radius_m:,.0f} m, scenario {self.coverage.scenario.name}).")
        self.crs_label.setText(f"CRS {result.crs}, planar areas; straight-line catchments")
        self.coverage.results.show("overlap", result.pieces_gdf, "Overlap metro × green × digital (result)",
                                   OVERLAP_STYLE)
        self.shown.emit(result)
