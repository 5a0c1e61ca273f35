"""The data's attribution over the map's bottom-left corner, above the scale bar.

Licences such as the ODbL (OpenStreetMap) and CC BY (geoBoundaries) require the credit wherever
the map is shown; the same statements the print page uses (`layers.attribution`, read from the
visible layers' own source fields, never a fixed text) are drawn on the map, so every picture of
it (the window, a map PNG) carries them.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.attribution import attribution_lines

MAX_WIDTH_SHARE = 0.55  # of the map's width; longer credits wrap


class MapAttribution(QtWidgets.QLabel):
    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setWordWrap(True)
        self.setStyleSheet("color: #444; background: rgba(255, 255, 255, 190); padding: 1px 4px; font-size: 8pt;")
        self.setVisible(False)

    def refresh(self) -> None:
        """The credits of the layers the map shows now."""
        shown = [layer for layer in self.canvas.session.layers if layer.visible]
        text = " · ".join(attribution_lines(shown))
        self.setText(text)
        self.setVisible(bool(text))
        self.place()

    def place(self) -> None:
        width = int(self.canvas.width() * MAX_WIDTH_SHARE)
        self.setFixedWidth(max(120, min(width, self.fontMetrics().horizontalAdvance(self.text()) + 12)))
        self.adjustSize()
        above = self.canvas.scale_bar.height() + 12
        self.move(12, self.canvas.height() - above - self.height() - 2)
        self.raise_()
