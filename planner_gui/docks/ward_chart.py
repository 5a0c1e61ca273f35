"""Per-ward bar chart: one horizontal bar per ward, ward names on the left axis, sortable.

Each bar can carry a note at its end: the dock writes the figure the bar plots, with its unit.
A chart of shares runs to 100 % at most (`limit`); a note that would pass the end of the axis
is written inside its bar's end instead.

One pyqtgraph BarGraphItem holds every bar. The view shows about `VISIBLE` bars at a time and
scrolls vertically (drag or wheel). Clicking a bar emits `zone_clicked(name)` (the dock then
highlights that ward on the map) and paints that bar in the highlight colour.

Only the notes of the bars in view are drawn (a scroll draws the others as their bars come in),
by a pool of text items about as large as the bars in view: pyqtgraph places every shown text
item again after each change of the chart's view or size, a Python call per note, and Hanoi's
126 notes made each new result or layout of the Coverage dock (every year on the timeline) cost
15-30 ms of the GUI thread; making an item for each of them, 140 ms at a window's first result.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

VISIBLE = 14
BAR_PX = 24  # a bar with a legible name
AXIS_MIN_PX, AXIS_MAX_PX = 90, 260  # the names' axis: as wide as the longest name shown, within these
BAR = "#3a7bbf"
SELECTED = "#ffb000"


class WardChart(QtWidgets.QWidget):
    zone_clicked = QtCore.Signal(str)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        """A modest preferred height (pyqtgraph asks for ~500 px): in the Coverage dock's scroll
        area the chart takes the room that is left instead of forcing a scroll bar."""
        return QtCore.QSize(super().sizeHint().width(), 220)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False  # else the layout asks its height for a width and skips sizeHint()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sort = QtWidgets.QComboBox()
        self.sort.addItems(["highest first", "lowest first", "by name"])
        self.sort.currentIndexChanged.connect(self._redraw)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        view = self.plot.getViewBox()
        view.setMouseEnabled(x=False, y=True)
        view.invertY(True)  # the first bar at the top
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.72, width=[], brushes=[])
        self.plot.addItem(self.bars)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        view.sigResized.connect(lambda *_: self._top())
        view.sigYRangeChanged.connect(lambda *_: self._drawing or self._show_notes_in_view())
        axis = self.plot.getAxis("left")
        axis.setStyle(tickLength=0)
        axis.setWidth(AXIS_MIN_PX)
        axis.setTextPen("#222222")
        self.title = QtWidgets.QLabel("")
        self.title.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QtWidgets.QLabel("sort:"))
        top.addWidget(self.sort)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.values = pd.Series(dtype=float)
        self.notes = pd.Series(dtype=object)
        self._note_items: list[pg.TextItem] = []  # a pool: bar i's note is item i % its size
        self._note_text: dict[str, str] = {}  # by zone
        self._bar_ends = np.zeros(0)  # by bar, top first
        self._drawing = False  # the notes are written once the chart's view is set
        self.order: list[str] = []
        self.selected: str | None = None
        self.scale = 1.0
        self.limit: float | None = None
        self.x_end = 1.0  # the value axis's end
        self._show_axes(False)

    def _show_axes(self, shown: bool) -> None:
        """No axes of nothing (-0.55 to -0.40 in an empty window): axes only with bars to read."""
        for name in ("left", "bottom"):
            self.plot.getPlotItem().showAxis(name, shown)
        self.plot.showGrid(x=shown, y=False, alpha=0.25)

    def set_values(self, values: pd.Series, label: str, scale: float = 1.0, notes: pd.Series | None = None,
                   limit: float | None = None) -> None:
        """Bars for `values` (index: ward names); `scale` multiplies for display (100 for %);
        `notes` (same index) are written at the end of each bar; `limit`: the axis's end at most
        (100 for shares in %). The same figures again (a dock
        recomputed after a change that moved no figure) redraw nothing: a redraw sets a text item
        per ward, some hundreds of calls into Qt, each waiting for the GIL while a worker runs."""
        values = values.astype(float)
        notes = notes if notes is not None else pd.Series(dtype=object)
        same = values.equals(self.values) and notes.equals(self.notes)  # ward names too
        if same and label == self.title.text() and scale == self.scale and limit == self.limit:
            return
        self.limit = limit
        self.values = values
        self.notes = notes
        self.scale = scale
        self.title.setText(label)
        self.plot.getAxis("bottom").setLabel(label)
        self._redraw()

    def _redraw(self, *_, keep_view: bool = False) -> None:
        self._drawing = True
        try:
            self._draw_bars(keep_view)
        finally:
            self._drawing = False
        self._show_notes_in_view()

    def _draw_bars(self, keep_view: bool) -> None:
        values = self.values
        how = self.sort.currentText()
        if how == "by name":
            values = values.sort_index(key=lambda s: s.str.lower())
        else:
            values = values.sort_values(ascending=how == "lowest first", kind="stable")
        self.order = [str(name) for name in values.index]
        n = len(values)
        self._show_axes(n > 0)
        shown = values.to_numpy() * self.scale
        self._note_text = dict(zip(self.notes.index, self.notes.astype(str)))
        self._bar_ends = np.nan_to_num(shown)
        brushes = [pg.mkBrush(SELECTED if name == self.selected else BAR) for name in self.order]
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n, dtype=float), width=np.nan_to_num(shown), brushes=brushes)
        axis = self.plot.getAxis("left")
        labels = [_short(name) for name in self.order]
        axis.setTicks([list(enumerate(labels))])
        # as wide as the longest name (pyqtgraph drops a tick label that does not fit its axis)
        metrics = QtGui.QFontMetrics(axis.style.get("tickFont") or axis.font())
        axis.setWidth(min(AXIS_MAX_PX, max([AXIS_MIN_PX] + [metrics.horizontalAdvance(t) + 14 for t in labels])))
        top = float(np.nanmax(shown)) if n and np.isfinite(shown).any() else 1.0
        view = self.plot.getViewBox()
        view.disableAutoRange()
        view.setLimits(yMin=-1, yMax=max(n, 3), xMin=0)
        room = 1.3 if len(self.notes) else 1.05  # notes need room after the longest bar
        end = top * room if top > 0 else 1.0
        self.x_end = min(end, self.limit) if self.limit is not None and top > 0 else end
        view.setXRange(0, self.x_end, padding=0)
        if not keep_view or n <= self.visible_bars():
            self._top()

    def _show_notes_in_view(self) -> None:
        """Write the notes of the bars in view (a bar either side too) with a small pool of text
        items, and hide the pool's others.

        The pool is as large as the most bars ever in view (about 16), not one item per zone:
        making Hanoi's 126 items took 140 ms of the GUI thread at a window's first result. Bar i's
        note is the pool's item i modulo its size, and only what changed is set again: a scroll by
        a bar writes one item, and a year on the timeline moves only the notes whose figure moved
        (setting every item's anchor, place and visibility anew was 10-17 ms for Hanoi's wards).
        """
        low, high = self.plot.getViewBox().viewRange()[1]
        first, last = max(0, math.ceil(low - 1)), min(len(self.order) - 1, math.floor(high + 1))
        rows = [i for i in range(first, last + 1) if self.order[i] in self._note_text]
        while rows and len(self._note_items) < last - first + 1:  # the span: i % size differ within it
            item = pg.TextItem("", color="#222222", anchor=(0, 0.5))
            item.setVisible(False)
            self.plot.addItem(item)
            self._note_items.append(item)
        used = set()
        for i in rows:
            k = i % len(self._note_items)
            used.add(k)
            self._write_note(self._note_items[k], i)
        for k, item in enumerate(self._note_items):
            if k not in used and item.isVisible():
                item.setVisible(False)

    def _write_note(self, item: pg.TextItem, i: int) -> None:
        """Item `item` shows bar i's note: after the bar's end, or inside it with no room after."""
        text = self._note_text[self.order[i]]
        if item.toPlainText() != text:
            item.setText(text)
        at = float(self._bar_ends[i])
        anchor = (1, 0.5) if at > 0.75 * self.x_end else (0, 0.5)
        if tuple(item.anchor) != anchor:
            item.setAnchor(anchor)
        if (item.pos().x(), item.pos().y()) != (at, i):
            item.setPos(at, i)
        if not item.isVisible():
            item.setVisible(True)

    def note_texts(self) -> dict[str, str]:
        """The note each bar carries, shown or not (for tests and exports), in the bars' order."""
        return {name: self._note_text[name] for name in self.order if name in self._note_text}

    def shown_notes(self) -> list[tuple[str, str, tuple, tuple]]:
        """The notes on screen: (zone, text, anchor, place in the chart), top bar first."""
        shown = [item for item in self._note_items if item.isVisible()]
        return sorted(((self.order[int(item.pos().y())], item.toPlainText(), tuple(item.anchor),
                        (item.pos().x(), item.pos().y())) for item in shown), key=lambda note: note[3][1])

    def visible_bars(self) -> int:
        """As many bars as fit with a legible name (BAR_PX each), at least 3."""
        height = self.plot.getViewBox().height()
        return max(3, int(height / BAR_PX)) if height > 50 else VISIBLE

    def _top(self) -> None:
        self.plot.getViewBox().setYRange(-0.6, min(len(self.order), self.visible_bars()) - 0.4, padding=0)

    def bar_at(self, y: float) -> str | None:
        i = int(round(y))
        return self.order[i] if 0 <= i < len(self.order) else None

    def select(self, name: str | None) -> None:
        self.selected = name
        self._redraw(keep_view=True)

    def _on_click(self, event) -> None:
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        name = self.bar_at(point.y())
        if name is not None and 0 <= point.x():
            self.select(name)
            self.zone_clicked.emit(name)


def _short(name: str, limit: int = 32) -> str:
    """A ward's name for the axis: whole up to `limit` letters (Hanoi's longest common ones, such as
    'Phường Văn Miếu - Quốc Tử Giám', fit), else cut with an ellipsis."""
    return name if len(name) <= limit else name[: limit - 1] + "…"
