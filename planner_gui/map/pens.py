"""The pens and brushes the map and its printed pages draw symbols with, and the map's paper.

Plain Qt, no data: a print page's process (`planner_gui.export.page_child`) paints the legend with
them without importing what the map's layers need (pandas, geopandas, pyqtgraph).
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui

MAP_BACKGROUND = "#f4f2ec"  # the map's paper: what a transparent symbol is seen over


def pen(colour: str, width: float, pattern: str = "solid") -> QtGui.QPen:
    """A cosmetic pen (width in screen pixels, whatever the zoom)."""
    p = QtGui.QPen(QtGui.QColor(colour))
    p.setCosmetic(True)
    p.setWidthF(width)
    p.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
    if pattern == "dashed":
        p.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        p.setDashPattern([3.0, 1.6])
    elif pattern == "dotted":
        p.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        p.setDashPattern([0.05, 1.9])
    else:
        p.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    return p


def brush(colour: str | None, alpha: float, pattern: str = "solid") -> QtGui.QBrush:
    """A fill; planned areas are hatched and lighter, the way plans are drawn."""
    if not colour:
        return QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
    c = QtGui.QColor(colour)
    if pattern == "dotted":
        c.setAlphaF(min(1.0, alpha * 1.6))
        return QtGui.QBrush(c, QtCore.Qt.BrushStyle.BDiagPattern)
    c.setAlphaF(alpha * (0.7 if pattern == "dashed" else 1.0))
    return QtGui.QBrush(c)
