"""Overlap view: metro x green x digital, as a table and as a map layer coloured by combination.

The catchments are the presets' (metro: ITDP People Near Transit at the Coverage dock's radius;
green: WHO 300 m to green >= 0.5 ha; digital: the zones themselves), in the Coverage dock's
scenario. `layers.coverage.overlap_matrix` cuts the study area into disjoint pieces, one per
combination, so the rows add up to the whole city. Computed in a worker when asked (button) and
again whenever the inputs change while a result is shown.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.analysis import jobs
from layers.layer import Style
from layers.session import Session, SessionEvent
from layers.text import km2_text, people_text, percent_text
from planner_gui.jobs.runner import AnalysisRunner

OVERLAP_STYLE = Style(stroke="#444444", fill="#999999", fill_alpha=0.45, width=0.6, category_field="combination")
COLUMNS = ("combination", "area", "area share", "people", "population share")


class OverlapView(QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the OverlapResult put in the table

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
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
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(lambda busy: busy and self.status.setText("computing…"))
        self.session.subscribe(self._follow)

    @property
    def result(self):
        return self.session.latest.get("overlap")

    def _follow(self, event: SessionEvent) -> None:
        if event.kind in ("settings", "city", "study_area", "crs", "roles") and self.result is not None:
            self.recompute()

    def _on_failed(self, _id: int, message: str) -> None:
        """No overlap for what is asked: the old table and map layer go, never shown as current."""
        self.session.set_failed("overlap", message)
        self.session.clear_result("overlap")
        self.table.setRowCount(0)
        self.status.setText(f"cannot compute: {message}")

    def recompute(self) -> int | None:
        radius = self.session.radius_for(jobs.OVERLAP_PRESETS["metro"])
        scenario, city = self.session.scenario(), self.session.city
        return self.runner.request(lambda progress, cancelled: jobs.overlaps(  # the city is built in the worker
            city(), scenario, radius, progress=progress, cancelled=cancelled))

    def _on_finished(self, _id: int, result) -> None:
        self.session.set_latest("overlap", result)
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
        self.table.resizeColumnsToContents()
        names = " × ".join(result.names)
        self.status.setText(f"{names}: {len(table)} combinations, disjoint, adding up to the study area "
                            f"(metro radius {self.session.radius_for(jobs.OVERLAP_PRESETS['metro']):,.0f} m, "
                            f"scenario {self.session.scenario().name}).")
        self.crs_label.setText(f"CRS {result.crs}, planar areas; straight-line catchments")
        self.session.show_result("overlap", result.pieces_gdf, "Overlap metro × green × digital (result)",
                                   OVERLAP_STYLE)
        self.shown.emit(result)
