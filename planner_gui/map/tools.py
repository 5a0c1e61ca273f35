"""Map tools: identify a feature, measure a distance or an area, sketch a metro line (Plan), pick a place.

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


class PickPlaceTool(MapTool):
    """The next left click names a place (working-CRS metres), e.g. the Travel time dock's origin:
    `picked` carries it and the window goes back to panning."""

    name = "pick_place"
    picked = QtCore.Signal(float, float)

    def click(self, x, y, button=Left, double=False) -> tuple[float, float] | None:
        if button != Left or double:
            return None
        self.picked.emit(float(x), float(y))
        return x, y


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
                    best = (hits[0].distance_m, hits[0].geometry)
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
                self.result = measure_geometry(hits[0].geometry, self.canvas.working_crs)
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


PLAN_MODES = ("add", "move", "delete", "edit")


class PlanTool(MapTool):
    """Sketch a metro line (`layers.session.sketch`, kept by the session, so every edit can be undone).

    Modes: 'add' (each click adds a station at the end of the current line, which follows
    through them; a right click ends the line, the next click starts a new one), 'move' (click
    a sketched station, then its new place), 'delete' (click a sketched station) and 'edit'
    (click a sketched station: `edit_requested` asks the window for its name, status and
    opening year). `problem` carries what could not be done, in words.
    """

    name = "plan"
    edit_requested = QtCore.Signal(int, int)  # line index, station index
    problem = QtCore.Signal(str)

    def __init__(self, canvas, parent=None):
        super().__init__(canvas, parent)
        self.mode = "add"
        self.line_index: int | None = None  # the line clicks add to; None: a new line at the next click
        self.picked: tuple[int, int] | None = None  # the station being moved
        self.marker = pg.ScatterPlotItem(size=18, brush=None, pen=pg.mkPen("#e6007e", width=3))
        self.marker.setZValue(2_000_000)

    @property
    def session(self):
        return self.canvas.session

    def set_mode(self, mode: str) -> None:
        if mode not in PLAN_MODES:
            raise ValueError(f"unknown plan mode {mode!r} (modes: {', '.join(PLAN_MODES)})")
        self.mode = mode
        self._pick(None)

    def new_line(self) -> None:
        """The next click starts a new line."""
        self.line_index = None
        self._pick(None)

    def activate(self) -> None:
        super().activate()
        if self.marker.scene() is None:
            self.canvas.view_box.addItem(self.marker, ignoreBounds=True)
        lines = self.session.sketch.lines
        self.line_index = len(lines) - 1 if lines else None  # carry on with the last line

    def deactivate(self) -> None:
        self._pick(None)
        if self.marker.scene() is not None:
            self.canvas.view_box.removeItem(self.marker)

    def click(self, x, y, button=Left, double=False):
        if button == Right:
            self.new_line()
            return None
        if button != Left or double:
            return None
        try:
            if self.mode == "add":
                return self._add(x, y)
            hit = self.session.sketch_station_at(x, y, self.tolerance_m() * 2)
            if self.mode == "move" and self.picked is not None:
                line, station = self.picked
                self._pick(None)
                self.session.sketch_move_station(line, station, x, y)
                return line, station
            if hit is None:
                self.problem.emit("click a sketched station (the pink ones)")
                return None
            if self.mode == "move":
                self._pick(hit)
            elif self.mode == "delete":
                self.session.sketch_remove_station(*hit)
            else:
                self.edit_requested.emit(*hit)
            return hit
        except (ValueError, IndexError) as exc:  # SketchError, no working CRS, a line undone away
            self.problem.emit(str(exc))
            return None

    def _add(self, x, y):
        if self.line_index is None or self.line_index >= len(self.session.sketch.lines):
            self.line_index = self.session.sketch_new_line()
        return self.session.sketch_add_station(x, y, self.line_index)

    def _pick(self, hit: tuple[int, int] | None) -> None:
        self.picked = hit
        if hit is None:
            self.marker.setData([], [])
            return
        self.marker.setData(*([v] for v in self.session.sketch_station_xy(*hit)))
