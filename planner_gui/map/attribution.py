"""The data's attribution over the map's bottom-left corner, above the scale bar.

Licences such as the ODbL (OpenStreetMap) and CC BY (geoBoundaries) require the credit wherever
the map is shown; the same statements the print page uses (`layers.attribution`, read from the
visible layers' own source fields, never a fixed text) are drawn on the map, so every picture of
it (the window, a map PNG) carries them.
"""
from __future__ import annotations


from PySide6 import QtCore, QtWidgets

from layers.attribution import attribution_lines
from planner_gui.map.remembered import Remembered

MAX_WIDTH_SHARE = 0.55  # of the map's width; longer credits wrap
MIN_WIDTH_PX = 120


class MapAttribution(QtWidgets.QLabel):
    def __init__(self, canvas, worked_out_only: bool = True):
        """`worked_out_only`: the credits of the layers whose statements are worked out already
        (`map.worked_out_ahead`, which refreshes them when done), so the GUI thread never reads a
        layer's source fields; False for a map drawn here and now for an export, which shows all."""
        super().__init__(canvas)
        self.canvas = canvas
        self.worked_out_only = worked_out_only
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setWordWrap(True)
        self.setStyleSheet("color: #444; background: rgba(255, 255, 255, 190); padding: 1px 4px; font-size: 8pt;")
        self.setVisible(False)

    def refresh(self) -> None:
        """The credits of the layers the map shows now."""
        lines = layers_attribution((layer for layer in self.canvas.session.layers if layer.visible),
                                   worked_out_only=self.worked_out_only)
        basemap = self.canvas.basemap.attribution()
        text = " · ".join(([f"Basemap {basemap}"] if basemap else []) + lines)
        self.setText(text)
        self.setVisible(bool(text))
        self.place()

    def place(self) -> None:
        """Bottom left above the scale bar, never over the legend: narrower beside it, or in the
        bottom right corner if the legend was dragged to the left."""
        width = min(int(self.canvas.width() * MAX_WIDTH_SHARE), self.fontMetrics().horizontalAdvance(self.text()) + 12)
        legend = self.canvas.legend.geometry() if self.canvas.legend.isVisible() else QtCore.QRect()
        above = self.canvas.scale_bar.height() + 12
        for x in (12, None):
            self.setFixedWidth(max(MIN_WIDTH_PX, width))
            self.adjustSize()
            y = self.canvas.height() - above - self.height() - 2
            left = x if x is not None else self.canvas.width() - self.width() - 12
            if legend.isNull() or not QtCore.QRect(left, y, self.width(), self.height()).intersects(legend):
                break
            if x is not None and legend.left() - 12 - 6 >= MIN_WIDTH_PX:  # narrower, beside the legend
                self.setFixedWidth(min(width, legend.left() - 12 - 6))
                self.adjustSize()
                y = self.canvas.height() - above - self.height() - 2
                if not QtCore.QRect(left, y, self.width(), self.height()).intersects(legend):
                    break
        self.move(left, y)
        self.canvas.legend.raise_()


_statements = Remembered()


def layer_attribution(layer) -> list[str]:
    """`attribution_lines([layer])`, read once per features of the layer: the map asks after every
    change of the layers or the view, and reading a source field of many features takes tens of ms."""
    return _statements.get(layer, layer.data_key, lambda: attribution_lines([layer]))


def layers_attribution(layers, worked_out_only: bool = False) -> list[str]:
    """`attribution_lines(layers)`: each statement once, in layer order, each layer's read once per
    its features (`layer_attribution`); `worked_out_only`: of the layers read already."""
    lines: dict[str, None] = {}
    for layer in layers:
        if not worked_out_only or _statements.has(layer, layer.data_key):
            lines.update(dict.fromkeys(layer_attribution(layer)))
    return list(lines)
