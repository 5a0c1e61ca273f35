"""The legend over the map's bottom-right corner: every visible layer and its symbols.

The same entries as every export and the print page (`planner_gui.map.legend.entries.legend_entries`,
made from the map's own styling rules) drawn by the same painter (`planner_gui.map.legend.painter`),
so the map on screen and the printed page cannot disagree. Entries are worked out once per
change of the layers or the timeline's year (coalesced: a year move filters several layers at
once), not on every repaint, and in a worker, which paints the legend's picture too (QPainter on
a QImage is allowed off the GUI thread): laying it out is some hundreds of calls into Qt, and a
layer is often added while a worker is busy, when each such call waits for the GIL. Only a
resized map paints it again, on the GUI thread. View > Legend shows or hides it.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.blank_image import blank_image
from planner_gui.map.legend.entries import legend_entries
from planner_gui.map.legend.painter import paint_legend

WIDTH_PX = 230
ROW_PX = 15  # one legend row at the legend's largest text
MARGIN_PX = 8


class MapLegend(QtWidgets.QWidget):
    changed = QtCore.Signal()  # the entries were worked out again (the attribution follows)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.enabled = True  # View > Legend
        self.entries: list = []
        self._picture: tuple | None = None  # (entries, size) -> the legend painted
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._update_entries)
        self._runner = AnalysisRunner(self, debounce_ms=0, lock=contextlib.nullcontext())  # never waits for an analysis
        self._runner.finished.connect(lambda _request, made: self._show(*made))
        self.resize(WIDTH_PX, 60)
        self.setVisible(False)

    def place(self) -> None:
        """Bottom right, at most half the map's height: a long legend flows into more columns of
        smaller text (as on the printed page) rather than covering the city."""
        self.resize(*legend_size(self.entries, self.canvas.width(), self.canvas.height()))
        self.move(self.canvas.width() - self.width() - 12, self.canvas.height() - self.height() - 10)
        self.raise_()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = bool(enabled)
        self.refresh()

    def refresh(self) -> None:
        """Work the entries out again soon (once for a burst of layer events)."""
        self._timer.start()

    def busy(self) -> bool:
        """True while new entries are being worked out."""
        return self._timer.isActive() or self._runner.busy()

    def stop(self) -> None:
        """Drop the entries being worked out (the canvas is going away)."""
        self._timer.stop()
        self._runner.cancel()

    def update_now(self) -> None:
        """The entries worked out at once, here (an export's twin canvas drawn here and now)."""
        self._timer.stop()
        self._runner.cancel()
        self._show(legend_entries(self.canvas.session, self.canvas) if self.enabled else [])

    def _update_entries(self) -> None:
        """Entries are worked out in a worker: splitting a large layer into its style classes (a
        category field over a million footprints) takes most of a second."""
        if not self.enabled:
            self._runner.cancel()
            self._show([])
            return
        session, canvas = self.canvas.session, self.canvas
        map_size, ratio = (canvas.width(), canvas.height()), self.devicePixelRatioF()

        def entries_and_picture(_progress, _cancelled):
            entries = legend_entries(session, canvas)
            size = legend_size(entries, *map_size)
            return entries, (_key(entries, size, ratio), legend_image(entries, size, ratio))

        self._runner.request(entries_and_picture, immediate=True)

    def _show(self, entries: list, picture: tuple | None = None) -> None:
        self.entries = entries
        self._picture = picture
        self.setVisible(bool(self.entries))
        self.place()
        self.update()
        self.changed.emit()

    def paintEvent(self, event) -> None:
        """The legend from its picture, made once per entries, size and pixel ratio (in the worker,
        or here if the map was resized since): the map repaints it on every pan frame.

        The ratio is the painter's: an export draws the map into an image of more pixels than the
        screen's (`render.MapDrawing`), and its legend is painted afresh at that ratio, not enlarged.
        """
        p = QtGui.QPainter(self)
        size, ratio = (self.width(), self.height()), round(p.deviceTransform().m11(), 6)
        key = _key(self.entries, size, ratio)
        if self._picture is None or self._picture[0] != key:
            self._picture = (key, legend_image(self.entries, size, ratio))
        p.drawImage(0, 0, self._picture[1])
        p.end()


def _key(entries: list, size: tuple[int, int], ratio: float) -> tuple:
    return id(entries), size, ratio


def legend_size(entries: list, map_width: int, map_height: int) -> tuple[int, int]:
    """The legend's size over a map of that size: as tall as its rows, at most half the map's
    height; a legend too long for one column gets a wider box (`paint_legend` flows it into more)."""
    rows = 1  # the heading
    for entry in entries:
        rows += 1 + sum(1 + len(swatches) if title else len(swatches) for title, swatches in entry.groups)
        rows += 3 if entry.ramp is not None else 0
    wanted = rows * ROW_PX + 2 * MARGIN_PX
    room = max(80, map_height // 2)
    width = WIDTH_PX if wanted <= room else min(2 * WIDTH_PX, max(WIDTH_PX, map_width * 2 // 5))
    return width, min(room, wanted)


def legend_image(entries: list, size: tuple[int, int], ratio: float) -> QtGui.QImage:
    """The legend painted at `size` (logical pixels) and device pixel `ratio`; any thread."""
    width, height = size
    image = blank_image(max(1, round(width * ratio)), max(1, round(height * ratio)), QtGui.QColor(255, 255, 255, 215))
    image.setDevicePixelRatio(ratio)
    p = QtGui.QPainter(image)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    paint_legend(p, QtCore.QRectF(0, 0, width, height).adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX), entries)
    p.end()
    return image
