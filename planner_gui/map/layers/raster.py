"""A raster (the population grid): one ImageItem, its overview or, close up, the window in view."""
from __future__ import annotations

import contextlib
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from layers.layer import RasterLayer
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.layers.base import LayerGraphic
from planner_gui.map.raster_display import colour_lut, colourise, display_window, in_working_crs, stretch_levels


class RasterGraphic(LayerGraphic):
    """A raster: one ImageItem with a colour map and transparent nodata, placed at its bounds.

    A display-only (large) raster shows its overview; when the view is closer than the overview's
    cells, `refresh` asks an AnalysisRunner (latest wins) for the window in view at screen
    resolution, read in a worker thread, and the image and rect are swapped when it arrives. Meanwhile the
    image shown stays if it covers the view, else the overview stands in.
    """

    def __init__(self, canvas, layer: RasterLayer):
        super().__init__(canvas, layer)
        self.image = pg.ImageItem()
        self.window_bounds: tuple[float, float, float, float] | None = None  # None: the overview is shown
        self._asked = None  # (view, size) of the newest window read asked for
        self.reader: AnalysisRunner | None = None
        if layer.display_only:
            # latest wins, no debounce (the canvas debounces), no lock: reads share no state
            self.reader = AnalysisRunner(debounce_ms=0, lock=contextlib.nullcontext())
            self.reader.finished.connect(self._window_arrived)
        self.restyle()

    def items(self):
        return [self.image]

    def busy(self) -> bool:
        return self.reader is not None and self.reader.busy()

    def restyle(self) -> None:
        values, bounds = in_working_crs(self.layer, self.canvas.working_crs)
        self.levels = stretch_levels(self.layer, values)
        self.lut = colour_lut(self.layer)
        self.bounds = bounds
        self._overview = np.ascontiguousarray(colourise(self.layer, values, self.levels, self.lut)[::-1])
        self._overview_cell = (bounds[2] - bounds[0]) / max(1, values.shape[1])
        self._show_overview()

    def _show_overview(self) -> None:
        self._show(self._overview, self.bounds)
        self.window_bounds = None
        self._asked = None

    def _show(self, image: np.ndarray, bounds) -> None:
        self.image.setImage(image, autoLevels=False, levels=None)
        self.canvas.moving_picture.stale()
        xmin, ymin, xmax, ymax = bounds
        self.image.setRect(QtCore.QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def refresh(self, view, pixel_m) -> None:
        if self.reader is None:
            return
        xmin, ymin = max(view[0], self.bounds[0]), max(view[1], self.bounds[1])
        xmax, ymax = min(view[2], self.bounds[2]), min(view[3], self.bounds[3])
        if xmax <= xmin or ymax <= ymin or self._overview_cell <= pixel_m * 1.05:
            self.reader.cancel()  # out of sight, or the overview is as fine as the screen
            self._asked = None
            if self.window_bounds is not None:
                self._show_overview()
            return
        shown = self.window_bounds
        if shown is not None and not (shown[0] <= xmin and shown[1] <= ymin and shown[2] >= xmax and shown[3] >= ymax):
            self._show_overview()  # blurred but whole until the sharp window arrives
        wanted = (xmin, ymin, xmax, ymax)
        size = (max(1, math.ceil((xmax - xmin) / pixel_m)), max(1, math.ceil((ymax - ymin) / pixel_m)))
        if self._asked == (wanted, size) and (self.reader.busy() or self.window_bounds is not None):
            return  # asked already (set_view refreshes at once, then again when its range signal settles)
        self._asked = (wanted, size)
        layer, crs, levels, lut = self.layer, self.canvas.working_crs, self.levels, self.lut
        self.reader.request(lambda _progress, _cancelled: display_window(layer, wanted, size, crs, levels, lut),
                            immediate=True)

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.cancel()

    def _window_arrived(self, _request_id: int, result) -> None:
        image, bounds = result
        self._show(np.ascontiguousarray(image[::-1]), bounds)
        self.window_bounds = tuple(float(v) for v in bounds)

    def extent(self):
        return self.bounds
