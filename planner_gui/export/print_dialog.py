"""File > Print / Export map…: what the page says and how it is printed, asked in one dialog.

Title and subtitle start from the session (the study area; measure, scenario, radius, year) and
can be edited; the paper (A4 / A3, portrait / landscape), the file kind (PDF, or PNG at 300 dpi)
and the map's extent (the map as shown, every visible layer, or a scale 1:N around the map's
centre) are chosen here. The Export menu then asks for the file name and writes the page in its
worker (`print_layout.write_page`).
"""
from __future__ import annotations

from PySide6 import QtWidgets

from planner_gui.export.print_layout import default_subtitle, default_title
from planner_gui.export.print_page import PageSpec


class PrintDialog(QtWidgets.QDialog):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Print / Export map")
        self.title = QtWidgets.QLineEdit(default_title(session))
        self.subtitle = QtWidgets.QLineEdit(default_subtitle(session))
        self.subtitle.setMinimumWidth(420)
        self.paper = QtWidgets.QComboBox()
        self.paper.addItems(["A4", "A3"])
        self.orientation = QtWidgets.QComboBox()
        self.orientation.addItems(["Landscape", "Portrait"])
        self.kind = QtWidgets.QComboBox()
        self.kind.addItem("PDF", ".pdf")
        self.kind.addItem("PNG, 300 dpi", ".png")
        self.extent = QtWidgets.QComboBox()
        self.extent.addItem("The map as shown now", "view")
        self.extent.addItem("Every visible layer", "layers")
        self.extent.addItem("At a scale, around the map's centre", "scale")
        self.scale = QtWidgets.QSpinBox()
        self.scale.setRange(100, 50_000_000)
        self.scale.setSingleStep(5_000)
        self.scale.setValue(50_000)
        self.scale.setPrefix("1:")
        self.scale.setGroupSeparatorShown(True)
        self.scale.setEnabled(False)
        self.extent.currentIndexChanged.connect(lambda _i: self.scale.setEnabled(self.extent.currentData() == "scale"))
        form = QtWidgets.QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Subtitle", self.subtitle)
        form.addRow("Paper", self.paper)
        form.addRow("Orientation", self.orientation)
        form.addRow("File", self.kind)
        form.addRow("Map", self.extent)
        form.addRow("Scale", self.scale)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Print…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def spec(self) -> PageSpec:
        extent = self.extent.currentData()
        return PageSpec(self.paper.currentText(), landscape=self.orientation.currentIndex() == 0,
                        scale_denominator=float(self.scale.value()) if extent == "scale" else None,
                        extent="layers" if extent == "layers" else "view")

    def suffix(self) -> str:
        return self.kind.currentData()
