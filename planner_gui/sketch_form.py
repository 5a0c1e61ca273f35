"""The small form of a sketched station and its line: the name, status and opening year of each.

A planner names the line they sketch ('Line 5: Văn Cao - Hòa Lạc') and sets when it opens, not
only its stations: the line's year is when the timeline draws it, and its name is what the
layer 'Sketch lines', an exported sketch and Identify show.
"""
from __future__ import annotations

from PySide6 import QtWidgets

from layers.roles import STATUSES
from layers.session.sketch import YEARS, SketchLine, SketchStation

NO_YEAR = "(none)"


class _Attributes(QtWidgets.QGroupBox):
    """Name, status and opening year of one sketched feature (a station, a line)."""

    def __init__(self, title: str, feature: SketchStation | SketchLine, year_tip: str):
        super().__init__(title)
        self.name = QtWidgets.QLineEdit(feature.name, maxLength=200)
        self.name.setMinimumWidth(self.name.fontMetrics().horizontalAdvance("Tuyến 5: Văn Cao - Hòa Lạc  "))
        self.status = QtWidgets.QComboBox()
        for status in STATUSES:
            self.status.addItem(status.replace("_", " "), status)
        self.status.setCurrentIndex(STATUSES.index(feature.status))
        self.year = QtWidgets.QSpinBox(minimum=YEARS[0] - 1, maximum=YEARS[1])
        self.year.setSpecialValueText(NO_YEAR)  # the minimum reads '(none)': no opening year
        self.year.setValue(feature.opening_year if feature.opening_year is not None else YEARS[0] - 1)
        self.year.setToolTip(year_tip)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Status", self.status)
        form.addRow("Opening year", self.year)

    def values(self) -> tuple[str, str, int | None]:
        """(name, status, opening year or None)."""
        year = self.year.value()
        return self.name.text(), self.status.currentData(), None if year < YEARS[0] else year


class StationForm(QtWidgets.QDialog):
    def __init__(self, station: SketchStation, line: SketchLine, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Sketched station: {station.name}")
        self.station = _Attributes("Station", station, "A station counts in 'plan YEAR' from its opening year; "
                                                       "with none, only if its status is 'existing'")
        self.line = _Attributes(f"Its line ({line.line})", line, "The timeline draws the line from its opening "
                                                                 "year; with none, only if its status is 'existing'")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.station)
        layout.addWidget(self.line)
        layout.addWidget(buttons)

    def values(self) -> tuple[tuple[str, str, int | None], tuple[str, str, int | None]]:
        """The station's and its line's (name, status, opening year or None), as
        `Session.sketch_set_station` takes them."""
        return self.station.values(), self.line.values()
