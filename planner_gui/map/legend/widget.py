"""The legend over the map: off by default (View > Legend), the layers the view shows and their
symbols, collapsible (click its heading) and movable (drag it), never more than a small share of
the map.

The same entries as every export and the print page (`planner_gui.map.legend.entries`, made from
the map's own styling rules) drawn by the same painter (`planner_gui.map.legend.painter`), so the
map on screen and the printed page cannot disagree. It lists only the layers that draw something in
the view (worked out on the GUI thread from the drawn geometry's boxes, cheap), worked out again
after each pan or zoom and each change of the layers or the timeline's year (coalesced). The
entries and the legend's picture are made in a worker (QPainter on a QImage is allowed off the GUI
thread): laying it out is some hundreds of calls into Qt, and a layer is often added while a worker
is busy, when each such call waits for the GIL. Only a resized map paints it again, here.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.blank_image import blank_image
from planner_gui.map.legend.entries import layers_drawing_in, legend_entries
from planner_gui.map.legend.painter import paint_legend

WIDTH_PX = 230
ROW_PX = 15  # one legend row at the legend's largest text
MARGIN_PX = 8
HEADER_PX = 22  # the heading row: a click there collapses or opens the legend
MAX_MAP_SHARE = 0.14  # of the map's area, at most
EDGE_PX = 10  # from the map's edges
COLLAPSED_SIZE = (96, HEADER_PX)


class MapLegend(QtWidgets.QWidget):
    changed = QtCore.Signal()  # the entries were worked out again (the attribution follows)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.enabled = False  # View > Legend: the map is clear until the planner asks
        self.collapsed = False
        self.entries: list = []
        self._picture: tuple | None = None  # (key, image, every entry fitted)
        self.first = 0  # the first entry shown: a legend longer than its box scrolls with the wheel
        self._corner: QtCore.QPointF | None = None  # where it was dragged: share of the free room; None: bottom right
        self._press: QtCore.QPoint | None = None
        self._dragged = False
        self.setCursor(QtCore.Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Legend: drag to move it, click its heading to fold it")
        self._timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._update_entries)
        self._runner = AnalysisRunner(self, debounce_ms=0, lock=contextlib.nullcontext())  # never waits for an analysis
        self._runner.finished.connect(lambda _request, made: self._show(*made))
        self.resize(WIDTH_PX, 60)
        self.setVisible(False)

    # -- where and how big ------------------------------------------------------------------------
    def place(self) -> None:
        """Bottom right, or where the planner dragged it (kept inside the map as it is resized)."""
        size = COLLAPSED_SIZE if self.collapsed else legend_size(self.entries, self.canvas.width(), self.canvas.height())
        self.resize(*size)
        room_x = max(0, self.canvas.width() - self.width() - 2 * EDGE_PX)
        room_y = max(0, self.canvas.height() - self.height() - 2 * EDGE_PX)
        fx, fy = (1.0, 1.0) if self._corner is None else (self._corner.x(), self._corner.y())
        self.move(EDGE_PX + round(fx * room_x), EDGE_PX + round(fy * room_y))
        self.raise_()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = bool(enabled)
        self.refresh()

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapsed = bool(collapsed)
        self._picture = None
        self.place()
        self.update()
        self.changed.emit()

    # -- entries ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Work the entries out again soon (once for a burst of layer or view events)."""
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
        self._show(self._entries_in_view() if self.enabled else [])

    def _entries_in_view(self) -> list:
        canvas = self.canvas
        return legend_entries(canvas.session, canvas, only=layers_drawing_in(canvas, canvas.view_bounds()))

    def _update_entries(self) -> None:
        """Entries are worked out in a worker: splitting a large layer into its style classes (a
        category field over a million footprints) takes most of a second."""
        if not self.enabled:
            self._runner.cancel()
            self._show([])
            return
        session, canvas = self.canvas.session, self.canvas
        only = layers_drawing_in(canvas, canvas.view_bounds())
        map_size, ratio = (canvas.width(), canvas.height()), self.devicePixelRatioF()

        def entries_and_picture(_progress, _cancelled):
            entries = legend_entries(session, canvas, only=only)
            size = legend_size(entries, *map_size)
            return entries, (_key(entries, size, ratio, 0), *legend_image(entries, size, ratio))

        self._runner.request(entries_and_picture, immediate=True)

    def _show(self, entries: list, picture: tuple | None = None) -> None:
        self.entries = entries
        self._picture = picture
        self.first = 0
        self.setVisible(bool(self.entries))
        self.place()
        self.update()
        self.changed.emit()

    # -- mouse: drag to move, click the heading to fold -------------------------------------------
    def mousePressEvent(self, event) -> None:
        self._press = event.position().toPoint()
        self._dragged = False
        self.setCursor(QtCore.Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        if self._press is None:
            return
        at = self.mapToParent(event.position().toPoint()) - self._press
        if not self._dragged and (event.position().toPoint() - self._press).manhattanLength() < 4:
            return
        self._dragged = True
        self.move_to(at.x(), at.y())

    def mouseReleaseEvent(self, event) -> None:
        self.setCursor(QtCore.Qt.CursorShape.OpenHandCursor)
        if self._press is not None and not self._dragged and self._press.y() <= HEADER_PX:
            self.set_collapsed(not self.collapsed)
        self._press = None

    def wheelEvent(self, event) -> None:
        """The wheel scrolls a long legend an entry at a time (and never zooms the map under it)."""
        step = -1 if event.angleDelta().y() > 0 else 1
        if self.entries and not self.collapsed:
            self.first = min(max(0, self.first + step), len(self.entries) - 1)
            self.update()
        event.accept()

    def fits(self) -> bool:
        """True if every entry is shown (nothing scrolled off the top or cut at the bottom)."""
        return self.first == 0 and (self._picture is None or self._picture[2])

    def move_to(self, x: int, y: int) -> None:
        """Put the legend's corner at (x, y) of the map, kept inside it; remembered as a share of the
        free room, so a resized map keeps it where it was put."""
        room_x = max(1, self.canvas.width() - self.width() - 2 * EDGE_PX)
        room_y = max(1, self.canvas.height() - self.height() - 2 * EDGE_PX)
        self._corner = QtCore.QPointF(min(1.0, max(0.0, (x - EDGE_PX) / room_x)),
                                      min(1.0, max(0.0, (y - EDGE_PX) / room_y)))
        self.place()
        self.changed.emit()

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        """The legend from its picture, made once per entries, size and pixel ratio (in the worker,
        or here if the map was resized since): the map repaints it on every pan frame. A small
        triangle by the heading says it folds.

        The ratio is the painter's: an export draws the map into an image of more pixels than the
        screen's (`render.MapDrawing`), and its legend is painted afresh at that ratio, not enlarged.
        """
        p = QtGui.QPainter(self)
        if self.collapsed:
            p.fillRect(self.rect(), QtGui.QColor(255, 255, 255, 215))
            p.setPen(QtGui.QColor("#222222"))
            font = p.font()
            font.setBold(True)
            p.setFont(font)
            p.drawText(self.rect().adjusted(MARGIN_PX, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter, "Legend ▸")
            p.end()
            return
        size, ratio = (self.width(), self.height()), round(p.deviceTransform().m11(), 6)
        key = _key(self.entries, size, ratio, self.first)
        if self._picture is None or self._picture[0] != key:
            self._picture = (key, *legend_image(self.entries, size, ratio, self.first))
        p.drawImage(0, 0, self._picture[1])
        p.setPen(QtGui.QColor("#555555"))
        p.drawText(QtCore.QRect(self.width() - 20, 2, 16, HEADER_PX - 4), QtCore.Qt.AlignmentFlag.AlignCenter, "▾")
        p.end()


def _key(entries: list, size: tuple[int, int], ratio: float, first: int) -> tuple:
    return id(entries), size, ratio, first


def legend_size(entries: list, map_width: int, map_height: int) -> tuple[int, int]:
    """The legend's size over a map of that size: one column as tall as its rows, at most
    MAX_MAP_SHARE of the map's area (a longer legend scrolls)."""
    rows = 1  # the heading
    for entry in entries:
        rows += 1 + sum(1 + len(swatches) if title else len(swatches) for title, swatches in entry.groups)
        rows += 3 if entry.ramp is not None else 0
    wanted = rows * ROW_PX + 2 * MARGIN_PX
    width = max(HEADER_PX * 2, min(WIDTH_PX, max(140, map_width // 3), map_width - 2 * EDGE_PX))
    room = int(MAX_MAP_SHARE * map_width * map_height / width)
    return width, max(HEADER_PX * 2, min(room, wanted, map_height - 2 * EDGE_PX))


def legend_image(entries: list, size: tuple[int, int], ratio: float, first: int = 0) -> tuple[QtGui.QImage, bool]:
    """The legend from entry `first` on, painted at `size` (logical pixels) and device pixel
    `ratio`, and whether every entry is shown; any thread. A legend that does not fit says that it
    scrolls, in its heading."""
    if first == 0:
        image, fitted = _painted(entries, size, ratio, "Legend")
        if fitted:
            return image, True
    heading = "Legend: scroll for more" if first == 0 else f"Legend, from layer {first + 1} of {len(entries)}"
    return _painted(entries[first:], size, ratio, heading)[0], False


def _painted(entries: list, size: tuple[int, int], ratio: float, heading: str) -> tuple[QtGui.QImage, bool]:
    width, height = size
    image = blank_image(max(1, round(width * ratio)), max(1, round(height * ratio)), QtGui.QColor(255, 255, 255, 215))
    image.setDevicePixelRatio(ratio)
    p = QtGui.QPainter(image)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    box = QtCore.QRectF(0, 0, width, height).adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
    fitted = paint_legend(p, box, entries, heading=heading)
    p.end()
    return image, fitted
