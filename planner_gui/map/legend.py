"""A small key over the map's bottom-right corner: what solid, dashed and dotted lines mean.

Shown while a visible layer is styled by `status`, because a planner must be able to tell what
exists from what is only planned without opening any menu.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.map.symbology import STATUS_PATTERNS, pen

LABELS = {"existing": "existing", "under_construction": "under construction", "planned": "planned"}


class StatusLegend(QtWidgets.QWidget):
    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(180, 70)
        self.place()

    def place(self) -> None:
        self.move(self.canvas.width() - self.width() - 12, self.canvas.height() - self.height() - 10)
        self.raise_()

    def wanted(self) -> bool:
        return any(layer.visible and layer.style.category_field == "status" for layer in self.canvas.stack)

    def refresh(self) -> None:
        self.setVisible(self.wanted())
        self.place()

    def paintEvent(self, event) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QtGui.QColor(255, 255, 255, 205))
        font = p.font()
        font.setPointSizeF(8)
        p.setFont(font)
        for i, (status, pattern) in enumerate(STATUS_PATTERNS.items()):
            y = 14 + i * 20
            p.setPen(pen("#333333", 3.0, pattern))
            p.drawLine(QtCore.QPointF(10, y), QtCore.QPointF(56, y))
            p.setPen(QtGui.QColor("#222222"))
            p.drawText(QtCore.QPointF(66, y + 4), LABELS[status])
        p.end()
