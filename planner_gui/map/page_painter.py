"""A painter that lays out in millimetres and sizes text in points, on any device (a PDF page, a
page image, the map's legend at screen resolution): the print page and the legend share it."""
from __future__ import annotations

from PySide6 import QtCore, QtGui

MM_PER_INCH = 25.4
SCREEN_DPI = 96.0  # what the map's pixel sizes (line widths, fonts) mean on screen
INK = QtGui.QColor("#222222")
GREY = QtGui.QColor("#555555")
FONT = "DejaVu Sans"  # every Vietnamese letter; Qt falls back if it is missing


class PagePainter:
    """A painter that lays out in millimetres and sizes text in points on a device of `dpi`."""

    def __init__(self, painter: QtGui.QPainter, dpi: float):
        self.p = painter
        self.dpi = dpi

    def mm(self, v: float) -> float:
        return v / MM_PER_INCH * self.dpi

    def rect(self, r: QtCore.QRectF) -> QtCore.QRectF:
        return QtCore.QRectF(self.mm(r.x()), self.mm(r.y()), self.mm(r.width()), self.mm(r.height()))

    def font(self, points: float, bold: bool = False) -> QtGui.QFont:
        font = QtGui.QFont(FONT)
        font.setPixelSize(max(1, round(points / 72.0 * self.dpi)))
        font.setBold(bold)
        self.p.setFont(font)
        return font

    def text(self, r: QtCore.QRectF, text: str, points: float, bold: bool = False, colour=INK,
             flags=QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop,
             draw: bool = True) -> float:
        """Draw `text` wrapped in `r` (mm); returns the height it takes in mm."""
        self.font(points, bold)
        self.p.setPen(colour)
        flags = flags | QtCore.Qt.TextFlag.TextWordWrap
        device = self.rect(r)
        used = self.p.boundingRect(device, flags, text)
        if draw:
            self.p.drawText(device, flags, text)
        return used.height() / self.dpi * MM_PER_INCH

    def swatch_scale(self) -> float:
        """Map pixels (line widths, point sizes) to device pixels: as big as on screen."""
        return self.dpi / SCREEN_DPI
