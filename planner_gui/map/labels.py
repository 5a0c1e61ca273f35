"""Label placement: a label that would overlap one already placed is not drawn.

Labels are placed in order (the topmost layer's first, as the canvas offers them), each as the
rectangle its text takes on screen, converted to map units at the current zoom; a candidate
whose rectangle meets a placed one, or the point symbol it labels being under a placed label,
is skipped, as QGIS's label engine drops colliding labels. Plain geometry, no drawing.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtGui

LABEL_POINT_SIZE = 7.5
PADDING_PX = 4.0  # the label's white box around its text, each side (QTextDocument's margin)
OFFSET = 0.08  # the box starts this share of its width right of the point


@dataclass(frozen=True)
class PlacedLabel:
    x: float
    y: float
    text: str
    z: float
    rect: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in map units


def label_font() -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSizeF(LABEL_POINT_SIZE)
    return font


def place_labels(candidates, pixel_m: float, cap: int, font: QtGui.QFont | None = None,
                 keep_clear=()) -> list[PlacedLabel]:
    """Keep the candidates (x, y, text, z) whose text box overlaps no label kept before and none of
    the `keep_clear` boxes (xmin, ymin, xmax, ymax, map units: the legend over the map), at most `cap`."""
    metrics = QtGui.QFontMetricsF(font or label_font())
    height_m = (metrics.height() + 2 * PADDING_PX) * pixel_m
    placed: list[PlacedLabel] = []
    for x, y, text, z in candidates:
        if len(placed) >= cap:
            break
        if not text:
            continue
        width_m = (metrics.horizontalAdvance(text) + 2 * PADDING_PX) * pixel_m
        left = x + OFFSET * width_m
        rect = (left, y - height_m / 2, left + width_m, y + height_m / 2)
        if any(_overlap(rect, other.rect) for other in placed) or any(_overlap(rect, box) for box in keep_clear):
            continue
        placed.append(PlacedLabel(x, y, text, z, rect))
    return placed


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
