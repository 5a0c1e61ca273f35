"""Exports that need Qt: the map as PNG at a chosen size, charts as PNG, and the report as PDF.

Small functions for the Export menu; every file is written atomically (a temporary name in the
same folder, then moved into place), so a failed export never leaves a half-written file.

Drawing a widget (`render_map_image`, `chart_image`) must happen in the GUI thread; the rest
(`png_bytes`, `save_png`) works on images and runs in a worker thread, which is where the Export
menu runs it. The report's PDF and HTML are written by `planner_gui.export.report_pdf`.

    image = render_map_image(canvas, 1600, 1000)         # the current map view at that size (GUI)
    save_png(image, "map.png")                           # encoded and written (any thread)
    png = chart_png(plot_widget, 1200, 600)              # a pyqtgraph chart, for a Report image

The model side (Report, report_from_results, results_table, write_csv, write_geopackage) is in
`layers.report`; nothing here computes a figure.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from layers.io.atomic import atomic_path, whole_png
from planner_gui.map.blank_image import colour_word

MAX_IMAGE_PX = 10_000  # a side longer than this is a typo, not a wish (and ~400 MB of pixels)


def _check_size(width: int, height: int) -> tuple[int, int]:
    width, height = int(width), int(height)
    if not (0 < width <= MAX_IMAGE_PX and 0 < height <= MAX_IMAGE_PX):
        raise ValueError(f"image size must be 1..{MAX_IMAGE_PX} pixels a side, not {width} x {height}")
    return width, height


def save_png(image: QtGui.QImage, path: str | os.PathLike) -> Path:
    """Write `image` as PNG (atomically, checked whole); safe in a worker thread."""
    path = Path(path)
    with atomic_path(path, whole_png) as tmp:
        if not image.save(str(tmp), "PNG"):
            raise OSError(f"{path.name}: could not write the PNG")
    return path


def png_bytes(image: QtGui.QImage) -> bytes:
    """`image` encoded as PNG; safe in a worker thread."""
    data = QtCore.QByteArray()
    buffer = QtCore.QBuffer(data)
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("could not encode the image as PNG")
    buffer.close()
    return bytes(data)


def _render_view_scaled(view: QtWidgets.QGraphicsView, width: int, height: int) -> QtGui.QImage:
    """What `view` shows now, redrawn (not a pixel zoom) into width x height; aspect kept, centred."""
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    image.fill(view.backgroundBrush().color() if view.backgroundBrush().style() else QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    try:
        view.render(painter, QtCore.QRectF(0, 0, width, height), view.viewport().rect(),
                    QtCore.Qt.AspectRatioMode.KeepAspectRatio)
    finally:
        painter.end()
    return image


def _check_scale(scale: float) -> float:
    if not 1.0 <= scale <= 8.0:
        raise ValueError(f"scale must be 1..8, not {scale}")
    return float(scale)


def render_map_image(canvas, width_px: int, height_px: int, scale: float = 1.0) -> QtGui.QImage:
    """The map's current view drawn afresh at width_px x height_px (scale bar and legend included),
    here and now (a `MapDrawing`); any other QGraphicsView is redrawn scaled into the image, keeping
    its aspect ratio.

    `scale` > 1 draws lines, points and text that many times larger (a map laid out at
    width_px / scale and drawn at `scale` pixels per point), for pictures shown smaller than
    their pixel size, as in a report; 1 keeps the on-screen sizes.
    """
    from planner_gui.map.canvas import MapCanvas

    if not isinstance(canvas, MapCanvas):
        width_px, height_px = _check_size(width_px, height_px)
        _check_scale(scale)
        return _render_view_scaled(canvas, width_px, height_px)
    return MapDrawing(canvas, width_px, height_px, scale, canvas.view_bounds(), overlays=True).draw_now()


class MapDrawing(QtCore.QObject):
    """The map over (at least) `bounds` drawn afresh into a width_px x height_px image, for an export.

    A hidden twin MapCanvas of width_px / scale x height_px / scale shows `bounds`, drawn at
    `scale` pixels per point, so the layers are culled and simplified for the image's own pixel
    size and the scale bar is right for it; the map on screen is not touched. `overlays`: with the
    canvas's scale bar, legend and attribution (a map PNG), or the map alone (a print page draws
    its own). Two ways to draw it, on the GUI thread (a widget can be drawn nowhere else):

    - `draw_now()`, here and now (scripts, tests, `Export.run`): a large layer's picture is painted
      in this thread and the twin rendered whole, so the call blocks as long as that takes.
    - `start()`, in steps (the Export menu), one per turn of the event loop so the window stays
      live (a 600 dpi A3 page of the sample is 260 ms of drawing, a million footprints more):
      the twin is made, then shown the view; its large layers are painted by their workers, as on
      screen, and its legend too; the image is cleared STRIP_PIXELS at a time, then the twin is
      rendered into it as many at a time. `progress(fraction)` per strip, then `finished(True)`;
      `cancel()` ends it with `finished(False)`, as does an error (`error` says which). A dashed
      line's pattern may restart at a strip's edge, which `draw_now` does not do: the only
      difference.

    When drawn, `image` holds the picture and `shown` the map bounds it shows (working CRS).
    """

    progress = QtCore.Signal(float)
    finished = QtCore.Signal(bool)  # True: drawn; False: cancelled, or failed (`error`)

    STRIP_PIXELS = 2_000_000  # cleared or rendered per turn of the event loop: about 15 ms here
    WAIT_MS = 10  # how often `start` looks whether the twin's workers are done

    def __init__(self, canvas, width_px: int, height_px: int, scale: float,
                 bounds: tuple[float, float, float, float], overlays: bool):
        super().__init__()
        self.canvas = canvas
        self.size = _check_size(width_px, height_px)
        self.scale = _check_scale(scale)
        self.bounds = tuple(float(v) for v in bounds)
        self.overlays = overlays
        self.image: QtGui.QImage | None = None
        self.shown: tuple[float, float, float, float] | None = None
        self.error = ""
        self._twin = None
        self._steps = None  # the steps of `start` still to take
        self._timer = QtCore.QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._next_step)

    def drawing(self) -> bool:
        """True between `start()` and `finished`."""
        return self._steps is not None

    def draw_now(self) -> QtGui.QImage:
        try:
            self._make_twin(at_once=True)
            self._show_view(at_once=True)
            image = self._new_image()
            image.fill(QtGui.QColor(self._twin.backgroundBrush().color()))
            QtWidgets.QWidget.render(self._widget(), image)
        finally:
            self._drop_twin()
        self.image = _without_ratio(image)
        return self.image

    def start(self) -> None:
        self._steps = self._in_steps()
        self._timer.start(0)

    def cancel(self) -> None:
        if self._steps is not None:
            self._end(False)

    def _in_steps(self):
        """The drawing, each `yield` handing the GUI thread back to the event loop for that many ms."""
        self._make_twin(at_once=False)
        yield 0
        for _ in self._twin.showing(self.bounds):  # a layer per turn of the event loop
            yield 0
        self._show_view(at_once=False)
        yield 0
        while self._twin.busy() or self._twin.legend.busy():
            yield self.WAIT_MS
        self._twin.stop_observing()  # the strips show the map as it is now, whatever changes meanwhile
        widget = self._widget()
        image = self._new_image()
        pixels = np.frombuffer(image.bits(), np.uint32).reshape(image.height(), image.width())
        background = colour_word(self._twin.backgroundBrush().color(), image.format())
        rows = max(1, self.STRIP_PIXELS // image.width())
        for top in range(0, image.height(), rows):  # NumPy, unlike QImage.fill, lets a worker run meanwhile
            pixels[top:top + rows] = background
            yield 0
        rows = max(1, int(self.STRIP_PIXELS / (image.width() * image.devicePixelRatio())))
        for top in range(0, widget.height(), rows):
            strip = QtCore.QRect(0, top, widget.width(), min(rows, widget.height() - top))
            QtWidgets.QWidget.render(widget, image, strip.topLeft(), QtGui.QRegion(strip))
            self.progress.emit((strip.bottom() + 1) / widget.height())
            yield 0
        self.image = _without_ratio(image)

    def _next_step(self) -> None:
        try:
            wait = next(self._steps)
        except StopIteration:
            self._end(True)
            return
        except Exception as exc:  # a bug or no memory: said in the window, never a traceback dialog
            self.error = f"{type(exc).__name__}: {exc}"
            self._end(False)
            return
        self._timer.start(wait)

    def _end(self, drawn: bool) -> None:
        self._timer.stop()
        self._steps = None
        self._drop_twin()
        self.finished.emit(drawn)

    def _make_twin(self, at_once: bool) -> None:
        from planner_gui.map.canvas import MapCanvas

        width_px, height_px = self.size
        twin = MapCanvas(self.canvas.session, paints_at_once=at_once, view_later=True)
        self._twin = twin
        twin.basemap.copy_from(self.canvas.basemap)  # the page shows the tiles the screen has
        twin.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen)
        twin.resize(max(1, round(width_px / self.scale)), max(1, round(height_px / self.scale)))
        twin.show()  # never on screen: only makes Qt lay the view out at this size

    def _show_view(self, at_once: bool) -> None:
        """The twin shown its view (already, if not `at_once`: `start` shows it a layer at a time)
        with its legend."""
        twin = self._twin
        if at_once:
            twin.set_view(self.bounds)
        if self.overlays:
            twin.legend.set_enabled(self.canvas.legend.enabled)
            if at_once:
                twin.legend.update_now()
        self.shown = twin.view_bounds()

    def _new_image(self) -> QtGui.QImage:
        """The image, its pixels not set, at the ratio that draws the twin's widget over all of it."""
        width_px, height_px = self.size
        image = QtGui.QImage(width_px, height_px, QtGui.QImage.Format.Format_ARGB32)
        if image.isNull():
            raise MemoryError(f"no memory for a map of {width_px} x {height_px} pixels")
        image.setDevicePixelRatio(width_px / self._widget().width())
        return image

    def _widget(self) -> QtWidgets.QWidget:
        # the viewport alone draws the map; the canvas's overlays (scale bar, legend) are its siblings
        return self._twin if self.overlays else self._twin.viewport()

    def _drop_twin(self) -> None:
        twin, self._twin = self._twin, None
        if twin is not None:
            twin.stop_observing()
            twin.hide()
            twin.deleteLater()


def _without_ratio(image: QtGui.QImage) -> QtGui.QImage:
    image.setDevicePixelRatio(1.0)
    return image


def render_map_png(canvas, path: str | os.PathLike, width_px: int, height_px: int, scale: float = 1.0) -> Path:
    """Write the current map view as a width_px x height_px PNG (atomically); returns the path.

    The picture shows at least what the canvas shows now (more along one side when the aspect
    ratios differ), with the scale bar and legend; see `render_map_image` for `scale`.
    """
    return save_png(render_map_image(canvas, width_px, height_px, scale), path)


def map_png_bytes(canvas, width_px: int = 1400, height_px: int = 1000, scale: float = 2.0) -> bytes:
    """The current map view as PNG bytes for a report (`report_from_results(images=...)`).

    The default is sized for a report page: a 700 x 500 point map (about the text width of an A4 page) drawn at 2 pixels
    per point, so labels stay legible at print size.
    """
    return png_bytes(render_map_image(canvas, width_px, height_px, scale))


def _activate_layout(item: QtWidgets.QGraphicsWidget) -> None:
    layout = QtWidgets.QGraphicsWidget.layout(item)  # PlotItem hides layout() behind an attribute
    if layout is not None:
        layout.activate()


def chart_image(plot_widget: QtWidgets.QGraphicsView, width: int = 1400, height: int = 700,
                scale: float = 2.0) -> QtGui.QImage:
    """A pyqtgraph chart (PlotWidget or any QGraphicsView) drawn into a width x height image.

    The chart is laid out at width / scale x height / scale, drawn at `scale` pixels per point,
    then put back as it was: axes and text are `scale` times their on-screen size, which suits
    a report page (default: a 700 x 350 point chart at 2 pixels per point). Other views are
    redrawn scaled, aspect kept. GUI thread only.
    """
    width, height = _check_size(width, height)
    scale = _check_scale(scale)
    logical = QtCore.QRectF(0, 0, width / scale, height / scale)
    item = plot_widget.centralWidget if hasattr(plot_widget, "centralWidget") else None
    if not isinstance(item, QtWidgets.QGraphicsWidget):
        return _render_view_scaled(plot_widget, width, height)
    scene = plot_widget.scene()
    old = item.geometry()
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtGui.QColor("white"))
    try:
        item.setGeometry(logical)
        _activate_layout(item)
        # A long title or axis label can make the chart wider (or taller) than asked: its minimum
        # size wins. Then the whole chart is drawn, shrunk to fit, rather than cut at the edge.
        laid_out = item.geometry()
        source = QtCore.QRectF(0, 0, max(logical.width(), laid_out.right()), max(logical.height(), laid_out.bottom()))
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
        try:
            scene.render(painter, QtCore.QRectF(0, 0, width, height), source, QtCore.Qt.AspectRatioMode.KeepAspectRatio)
        finally:
            painter.end()
    finally:
        item.setGeometry(old)
        _activate_layout(item)
    return image


def chart_png(plot_widget: QtWidgets.QGraphicsView, width: int = 1400, height: int = 700,
              scale: float = 2.0) -> bytes:
    """`chart_image` as PNG bytes, for a Report image."""
    return png_bytes(chart_image(plot_widget, width, height, scale))
