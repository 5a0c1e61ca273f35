"""The big bold number a dock leads with (the indicator value, the people gained)."""
from __future__ import annotations

from PySide6 import QtWidgets


def headline_label(scale: float) -> QtWidgets.QLabel:
    """A label in a bold font `scale` times the normal size, showing '–' until there is a figure."""
    label = QtWidgets.QLabel("–")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label
