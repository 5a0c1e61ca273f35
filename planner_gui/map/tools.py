"""Map tools: identify a feature, measure a distance or an area.

A tool receives map clicks (metres in the working CRS) from the canvas and answers by signal;
the maths is in `identify.py` and `measure.py`, which know nothing of Qt. Dragging still pans
with any tool; a click is a press and release without moving.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore

from layers.layer import VectorLayer
from layers.identify import Hit, identify, identify_layer
from layers.ruler import Measurement, measure_area, measure_distance, measure_geometry

PICK_PIXELS = 6  # click tolerance for points and lines, in screen pixels
Left = QtCore.Qt.MouseButton.LeftButton
Right = QtCore.Qt.MouseButton.RightButton


class MapTool(QtCore.QObject):
    name = "tool"

    def __init__(self, canvas, parent=None):
        super().__init__(parent)
        self.canvas = canvas

    @property
    def stack(self):
        return self.canvas.stack

    def tolerance_m(self) -> float:
        return PICK_PIXELS * self.canvas.pixel_size()

    def activate(self) -> None:
        self.canvas.set_pan_mode()

    def deactivate(self) -> None:
        pass

    def on_canvas_click(self, x: float, y: float, event) -> None:
        """From MapCanvas.clicked (a pyqtgraph MouseClickEvent)."""
        self.click(x, y, event.button(), event.double())

    def click(self, x: float, y: float, button=Left, double: bool = False) -> None:
        pass


class PanTool(MapTool):
    name = "pan"


class ZoomBoxTool(MapTool):
    name = "zoom"

    def activate(self) -> None:
        self.canvas.set_zoom_box_mode()


class IdentifyTool(MapTool):
    """Click a feature: `identified` carries every hit, the topmost visible layer first."""

    name = "identify"
    identified = QtCore.Signal(object)  # list[Hit]

    def click(self, x, y, button=Left, double=False) -> list[Hit]:
        if button != Left:
            return []
        hits = identify(self.stack, x, y, self.tolerance_m(), self.canvas.working_crs)
        first = next((h for h in hits if h.row is not None), None)
        self.canvas.set_highlight(first.layer if first else None, [first.row] if first else [])
        self.identified.emit(hits)
        return hits

    def deactivate(self) -> None:
        self.canvas.set_highlight(None)


class MeasureTool(MapTool):
    """Measure a distance (click vertices; they snap to stations and other points), an area
    (click the corners), or a feature (click a line for its length, a polygon for its area).

    Right click or double click starts again.
    """

    measured = QtCore.Signal(object)  # Measurement, or None when cleared

    def __init__(self, canvas, mode: str = "distance", parent=None):
        super().__init__(canvas, parent)
        if mode not in ("distance", "area", "feature"):
            raise ValueError(f"unknown measure mode {mode!r}")
        self.mode = mode
        self.name = f"measure_{mode}"
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.result: Measurement | None = None
        self.band = pg.PlotCurveItem(pen=pg.mkPen("#e6550d", width=2, style=QtCore.Qt.PenStyle.DashLine))
        self.vertices = pg.ScatterPlotItem(size=7, brush=pg.mkBrush("#e6550d"), pen=pg.mkPen("#ffffff"))
        for item in (self.band, self.vertices):
            item.setZValue(2_000_000)

    def activate(self) -> None:
        super().activate()
        for item in (self.band, self.vertices):
            if item.scene() is None:
                self.canvas.view_box.addItem(item, ignoreBounds=True)

    def deactivate(self) -> None:
        self.reset()
        for item in (self.band, self.vertices):
            if item.scene() is not None:
                self.canvas.view_box.removeItem(item)
        self.canvas.set_highlight(None)

    def reset(self) -> None:
        self.xs, self.ys, self.result = [], [], None
        self._draw()
        self.measured.emit(None)

    def snap(self, x: float, y: float) -> tuple[float, float]:
        """The nearest visible point feature within the pick tolerance, else the click itself."""
        best = None
        for layer in reversed(list(self.stack)):
            if layer.visible and isinstance(layer, VectorLayer) and layer.geometry_kind == "point":
                hits = identify_layer(layer, x, y, self.tolerance_m(), self.canvas.working_crs)
                if hits and (best is None or hits[0].distance_m < best[0]):
                    geom = layer.in_crs(self.canvas.working_crs).geometry.iloc[hits[0].row]
                    best = (hits[0].distance_m, geom)
        if best is None:
            return x, y
        point = shapely.get_coordinates(best[1])[0]
        return float(point[0]), float(point[1])

    def click(self, x, y, button=Left, double=False) -> Measurement | None:
        if button == Right or double:
            self.reset()
            return None
        crs = self.canvas.working_crs
        if self.mode == "feature":
            return self._measure_feature(x, y)
        x, y = self.snap(x, y)
        self.xs.append(x)
        self.ys.append(y)
        if self.mode == "distance":
            self.result = measure_distance(self.xs, self.ys, crs) if len(self.xs) >= 2 else None
        elif len(self.xs) >= 3:
            polygon = shapely.make_valid(shapely.Polygon(list(zip(self.xs, self.ys))))
            self.result = measure_area(polygon, crs)
        self._draw()
        self.measured.emit(self.result)
        return self.result

    def _measure_feature(self, x, y) -> Measurement | None:
        for layer in reversed(list(self.stack)):
            if not layer.visible or not isinstance(layer, VectorLayer) or layer.geometry_kind == "point":
                continue
            hits = identify_layer(layer, x, y, self.tolerance_m(), self.canvas.working_crs)
            if hits:
                geom = layer.in_crs(self.canvas.working_crs).geometry.iloc[hits[0].row]
                self.result = measure_geometry(geom, self.canvas.working_crs)
                self.canvas.set_highlight(layer, [hits[0].row])
                self.measured.emit(self.result)
                return self.result
        self.canvas.set_highlight(None)
        self.result = None
        self.measured.emit(None)
        return None

    def _draw(self) -> None:
        xs, ys = list(self.xs), list(self.ys)
        if self.mode == "area" and len(xs) >= 3:
            xs.append(xs[0])
            ys.append(ys[0])
        self.band.setData(np.array(xs, float), np.array(ys, float))
        self.vertices.setData(self.xs, self.ys)
