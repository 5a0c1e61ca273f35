"""Widgets that give way to their dock's width and height, so that the docks fit a laptop's screen.

A dock is a column beside the map: its width is the planner's to choose, never forced by a long
layer name, a field name or a table's columns. Combo boxes shrink to a dozen letters (the whole
item stays in the list and the tooltip), tables stretch their first column and never scroll
sideways, and a list keeps room for a stated number of rows.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

COMBO_LETTERS = 12  # a combo box is at least this many letters wide, whatever its items


def fitting_combo(tip: str = "", combo: QtWidgets.QComboBox | None = None,
                  letters: int = COMBO_LETTERS) -> QtWidgets.QComboBox:
    """A combo box (a new one, or `combo`) that gives way to the dock's width down to `letters`
    letters: its longest item is cut on screen when the column is narrow, never widening the dock."""
    combo = combo if combo is not None else QtWidgets.QComboBox()
    if tip:
        combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(letters)
    return combo


def fitting_table(table: QtWidgets.QTableWidget | QtWidgets.QTreeWidget, stretch: int = 0) -> None:
    """Columns that fit the table's width: column `stretch` (the names) takes what the others, as
    wide as their figures, leave, and cuts a long name with an ellipsis; no sideways scroll bar."""
    header = table.header() if isinstance(table, QtWidgets.QTreeView) else table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(24)
    for column in range(header.count()):
        mode = QtWidgets.QHeaderView.ResizeMode
        header.setSectionResizeMode(column, mode.Stretch if column == stretch else mode.ResizeToContents)
    table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
    table.setWordWrap(False)


def keep_rows(view: QtWidgets.QAbstractItemView, rows: int) -> None:
    """A list that keeps room for `rows` lines of text (names) however the docks around it are
    squeezed. Lines, not rows: a row can be several lines tall (a layer with its style classes),
    and eight such rows asked a laptop's screen for more height than it has."""
    row_px = max(view.fontMetrics().height() + 4, 18)
    view.setMinimumHeight(rows * row_px + 2 * view.frameWidth())


ZERO_WIDTH_SPACE = "\u200b"
LONGEST_UNBROKEN = 24  # letters of a path or name with no space after which a line may break
_BREAK_AFTER = "/\\_"  # a path's separators (never a number's point: '10.46 %' stays whole)


def breakable(text: str) -> str:
    """`text` with a zero-width space after each path separator (and every LONGEST_UNBROKEN letters
    of a run with none), so that a QLabel, which wraps only at spaces, wraps a path too."""
    out, run = [], 0
    for ch in text:
        out.append(ch)
        run = 0 if ch.isspace() else run + 1
        if run and (ch in _BREAK_AFTER or run >= LONGEST_UNBROKEN):
            out.append(ZERO_WIDTH_SPACE)
            run = 0
    return "".join(out)


class WrappingLabel(QtWidgets.QLabel):
    """A label whose text wraps however long, even a path with no space: it never widens its dock.
    `text()` gives the text as set (the break points are only on screen)."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._text = text
        super().setText(breakable(text) if self.textFormat() != QtCore.Qt.TextFormat.RichText else text)

    def text(self) -> str:
        return self._text


class VerticalScrollArea(QtWidgets.QScrollArea):
    """Contents shown whole when the dock has the room, scrolled up and down (never sideways) when
    it has not: it asks for its contents' height, not QScrollArea's fixed two dozen lines."""

    def __init__(self, widget: QtWidgets.QWidget, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self.widget().sizeHint()
