"""The small form of a sketched station: its name, status and opening year."""
from __future__ import annotations

from PySide6 import QtWidgets

from layers.roles import STATUSES
from layers.session.sketch import YEARS, SketchStation

NO_YEAR = "(none)"


class StationForm(QtWidgets.QDialog):
    def __init__(self, station: SketchStation, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Sketched station: {station.name}")
        self.name = QtWidgets.QLineEdit(station.name, maxLength=200)
        self.status = QtWidgets.QComboBox()
        for status in STATUSES:
            self.status.addItem(status.replace("_", " "), status)
        self.status.setCurrentIndex(STATUSES.index(station.status))
        self.year = QtWidgets.QSpinBox(minimum=YEARS[0] - 1, maximum=YEARS[1])
        self.year.setSpecialValueText(NO_YEAR)  # the minimum reads '(none)': no opening year
        self.year.setValue(station.opening_year if station.opening_year is not None else YEARS[0] - 1)
        self.year.setToolTip("A station counts in 'plan YEAR' from its opening year; with none, only if "
                             "its status is 'existing'")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Status", self.status)
        form.addRow("Opening year", self.year)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, int | None]:
        """(name, status, opening year or None), as `Session.sketch_set_station` takes them."""
        year = self.year.value()
        return self.name.text(), self.status.currentData(), None if year < YEARS[0] else year
