"""What every drawn layer is to the canvas: a few graphics items, restyled and refreshed per view."""
from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets


class LayerGraphic:
    """The graphics items that draw one layer, and how to update them."""

    def __init__(self, canvas, layer):
        self.canvas = canvas
        self.layer = layer
        self.z = 0.0

    def items(self) -> list[QtWidgets.QGraphicsItem]:
        raise NotImplementedError

    def restyle(self) -> None:
        """The layer's style changed."""

    def refresh(self, view: tuple[float, float, float, float], pixel_m: float) -> None:
        """The view changed: redraw what it shows."""

    def busy(self) -> bool:
        """True while a picture of the current view is still being made off the GUI thread."""
        return False

    def stop(self) -> None:
        """Drop the picture being made off the GUI thread, if any (the canvas is going away)."""

    def set_z(self, z: float) -> None:
        self.z = z
        for i, item in enumerate(self.items()):
            item.setZValue(z + i * 0.01)

    def set_opacity(self, opacity: float) -> None:
        for item in self.items():
            item.setOpacity(opacity)

    def extent(self) -> tuple[float, float, float, float]:
        raise NotImplementedError

    def shows_any(self, bounds: tuple[float, float, float, float]) -> bool:
        """True if the layer draws something inside `bounds` (a legend lists only those layers)."""
        xmin, ymin, xmax, ymax = self.extent()
        return bool(xmax >= bounds[0] and xmin <= bounds[2] and ymax >= bounds[1] and ymin <= bounds[3])

    # labels: overridden by vector graphics
    def label_candidates(self, view) -> tuple[np.ndarray, np.ndarray, list[str]]:
        return np.empty(0), np.empty(0), []
