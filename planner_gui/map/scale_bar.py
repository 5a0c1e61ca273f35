"""A scale bar drawn over the bottom-left corner of the map, sized to a round length."""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

_STEPS = (1, 2, 5)


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 x 10^n metres not above `max_m`."""
    if max_m <= 0:
        return 0.0
    magnitude = 10 ** int(f"{max_m:e}".split("e")[1])
    return max(step * magnitude for step in _STEPS if step * magnitude <= max_m) if max_m >= magnitude else magnitude


def length_text(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


class ScaleBar(QtWidgets.QWidget):
    """Reads the canvas's metres per pixel at paint time, so it is never out of date."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.resize(210, 34)
        self.place()

    def place(self) -> None:
        self.move(12, self.canvas.height() - self.height() - 10)
        self.raise_()

    def current(self) -> tuple[float, int]:
        """(length in metres, length in pixels) of the bar at this zoom."""
        pixel_m = self.canvas.pixel_size()
        metres = nice_length(150 * pixel_m)
        return metres, int(round(metres / pixel_m)) if pixel_m > 0 else 0

    def text(self) -> str:
        return length_text(self.current()[0])

    def paintEvent(self, event) -> None:
        metres, pixels = self.current()
        if pixels <= 0:
            return
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.fillRect(QtCore.QRectF(0, 0, pixels + 16, self.height()), QtGui.QColor(255, 255, 255, 190))
        x0, y = 8, self.height() - 10
        half = pixels / 2
        p.fillRect(QtCore.QRectF(x0, y - 4, half, 5), QtGui.QColor("#222222"))
        p.fillRect(QtCore.QRectF(x0 + half, y - 4, half, 5), QtGui.QColor("#ffffff"))
        p.setPen(QtGui.QPen(QtGui.QColor("#222222"), 1))
        p.drawRect(QtCore.QRectF(x0, y - 4, pixels, 5))
        font = p.font()
        font.setPointSizeF(8)
        p.setFont(font)
        p.drawText(QtCore.QPointF(x0, y - 8), "0")
        label = length_text(metres)
        width = p.fontMetrics().horizontalAdvance(label)
        p.drawText(QtCore.QPointF(x0 + pixels - width / 2, y - 8), label)
        p.end()
