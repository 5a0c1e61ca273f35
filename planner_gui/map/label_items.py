"""The map's labels as plain Qt items: a white box with the text in it, upright at screen size.

Each label is a QGraphicsRectItem that ignores the view's scale (`ItemIgnoresTransformations`),
placed at its feature's anchor in map units, with a QGraphicsSimpleTextItem inside. Qt draws
and moves them without calling Python: pyqtgraph's TextItem, which these replace, ran Python
before every paint of the map (to work out its transform) and to paint its box, 40 labels each
time, and while a worker runs each such call waits for Python's lock. Same look: the box
`labels.PADDING_PX` around the text, its left edge `labels.OFFSET` of its width right of the
anchor, centred on it vertically, the size `labels.place_labels` reserved for it.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.map.labels import OFFSET, PADDING_PX, label_font

TEXT_COLOUR = "#1a1a1a"
BOX_COLOUR = QtGui.QColor(255, 255, 255, 200)


class MapLabels:
    """A pool of label items in one pyqtgraph ViewBox; `show` puts up the placed labels."""

    def __init__(self, view_box, z: float):
        self.view_box = view_box
        self.z = z
        self.font = label_font()
        self.metrics = QtGui.QFontMetricsF(self.font)
        self._items: list[QtWidgets.QGraphicsRectItem] = []
        self._shown: list[tuple[float, float, str]] = []  # what each item of the pool shows

    def show(self, placed) -> None:
        """Show `placed` (objects with x, y, text: `labels.PlacedLabel`); items left over are hidden.

        An item already showing a label at the same place keeps it: a pan or zoom places mostly
        the same labels again, and then nothing is asked of Qt.
        """
        while len(self._items) < len(placed):
            self._items.append(self._new_item())
            self._shown.append((float("nan"), float("nan"), ""))
        for i, item in enumerate(self._items):
            if i >= len(placed):
                if item.isVisible():
                    item.setVisible(False)
                continue
            label = placed[i]
            wanted = (float(label.x), float(label.y), label.text)
            if self._shown[i] != wanted:
                self._set(item, *wanted)
                self._shown[i] = wanted
            if not item.isVisible():
                item.setVisible(True)

    def texts(self) -> list[str]:
        return [text for text, _ in self.boxes()]

    def boxes(self) -> list[tuple[str, QtCore.QRectF]]:
        """(text, box in scene coordinates) of each label shown."""
        return [(shown[2], item.sceneBoundingRect()) for item, shown in zip(self._items, self._shown)
                if item.isVisible()]

    def _new_item(self) -> QtWidgets.QGraphicsRectItem:
        box = QtWidgets.QGraphicsRectItem()
        box.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        box.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        box.setBrush(BOX_COLOUR)
        box.setZValue(self.z)
        text = QtWidgets.QGraphicsSimpleTextItem(box)
        text.setFont(self.font)
        text.setBrush(QtGui.QColor(TEXT_COLOUR))
        box.setVisible(False)
        self.view_box.addItem(box, ignoreBounds=True)
        return box

    def _set(self, box: QtWidgets.QGraphicsRectItem, x: float, y: float, text: str) -> None:
        width = self.metrics.horizontalAdvance(text) + 2 * PADDING_PX
        height = self.metrics.height() + 2 * PADDING_PX
        left = OFFSET * width
        box.setRect(QtCore.QRectF(left, -height / 2, width, height))
        label = box.childItems()[0]
        label.setText(text)
        label.setPos(left + PADDING_PX, -height / 2 + PADDING_PX)
        box.setPos(x, y)
