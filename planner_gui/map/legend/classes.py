"""Each layer's symbol classes under it in the Layers list, as QGIS's layer tree shows them: the
same classes the legend lists (`entries.vector_groups`, from the map's own styling rules), drawn
by the same swatch painter, so the list, the map's legend and the page agree. Classes are listed
once worked out off the GUI thread (`map.worked_out_ahead`, or the map's legend for a large layer);
the list is then told (`LayerPanel.classes_worked_out`) and the row grows.

    layer_classes(layer)          # [('line', Swatch('line 1', ...)), ...]: (group, swatch) rows
    view.setItemDelegate(LayerClassesDelegate(view))   # rows of a layer list show its classes
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from layers.layer import VectorLayer
from planner_gui.map.legend import entries as legend_entries_module
from planner_gui.map.legend.entries import Swatch
from planner_gui.map.legend.painter import draw_swatch
from planner_gui.map.page_painter import MM_PER_INCH, SCREEN_DPI, PagePainter

MAX_ROWS = 12  # classes listed under a layer; more are counted
INDENT_PX = 30
SWATCH_PX = (18, 10)
LAYER_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1  # the layer list's LayerRole (docks.layers.LayerListModel)


def layer_classes(layer) -> list[tuple[str, Swatch]]:
    """The classes the map draws `layer` with, as (group heading, swatch) rows; none for a layer
    drawn with one symbol (its icon in the list says it all) or a raster (its icon is its ramp)."""
    if not isinstance(layer, VectorLayer) or layer.gdf.empty or not legend_entries_module.groups_known(layer):
        return []  # not on the GUI thread: worked out in a worker (`map.worked_out_ahead`, the legend's)
    groups = legend_entries_module.vector_groups(layer)
    rows = [(title, swatch) for title, swatches in groups for swatch in swatches]
    return [] if len(rows) == 1 and not groups[0][0] else rows


class LayerClassesDelegate(QtWidgets.QStyledItemDelegate):
    """A layer's row as usual (check box, icon, name), its classes listed under it, indented."""

    def _rows(self, index) -> list[tuple[str, Swatch]]:
        layer = index.data(LAYER_ROLE)
        return layer_classes(layer) if layer is not None else []

    def _line_px(self, option) -> int:
        return max(option.fontMetrics.height() + 2, SWATCH_PX[1] + 4)

    def _shown(self, rows: list) -> tuple[list, int]:
        return rows[:MAX_ROWS], max(0, len(rows) - MAX_ROWS)

    def sizeHint(self, option, index) -> QtCore.QSize:
        size = super().sizeHint(option, index)
        shown, more = self._shown(self._rows(index))
        extra = len(shown) + (1 if more else 0)
        return QtCore.QSize(size.width(), size.height() + extra * self._line_px(option))

    def _first_line(self, option, index) -> QtWidgets.QStyleOptionViewItem:
        first = QtWidgets.QStyleOptionViewItem(option)
        first.rect = QtCore.QRect(option.rect.topLeft(), super().sizeHint(option, index).expandedTo(
            QtCore.QSize(option.rect.width(), 0)))
        first.rect.setWidth(option.rect.width())
        return first

    def editorEvent(self, event, model, option, index) -> bool:
        """The check box is on the layer's own line."""
        return super().editorEvent(event, model, self._first_line(option, index), index)

    def paint(self, painter, option, index) -> None:
        first = self._first_line(option, index)
        super().paint(painter, first, index)
        shown, more = self._shown(self._rows(index))
        if not shown:
            return
        line = self._line_px(option)
        page = PagePainter(painter, SCREEN_DPI)
        to_mm = MM_PER_INCH / SCREEN_DPI
        painter.save()
        painter.setPen(option.palette.color(QtGui.QPalette.ColorRole.Text))
        y = first.rect.bottom() + 1
        x = option.rect.left() + INDENT_PX
        for _group, swatch in shown:
            box = QtCore.QRectF(x, y + (line - SWATCH_PX[1]) / 2, *SWATCH_PX)
            draw_swatch(page, QtCore.QRectF(box.x() * to_mm, box.y() * to_mm, box.width() * to_mm,
                                            box.height() * to_mm), swatch, 1.0)
            painter.setPen(option.palette.color(QtGui.QPalette.ColorRole.Text))
            painter.setFont(option.font)
            text_rect = QtCore.QRect(int(x + SWATCH_PX[0] + 6), y, option.rect.right() - x - SWATCH_PX[0] - 6, line)
            painter.drawText(text_rect, QtCore.Qt.AlignmentFlag.AlignVCenter,
                             option.fontMetrics.elidedText(swatch.label, QtCore.Qt.TextElideMode.ElideRight, text_rect.width()))
            y += line
        if more:
            painter.setPen(option.palette.color(QtGui.QPalette.ColorRole.PlaceholderText))
            painter.drawText(QtCore.QRect(x, y, option.rect.right() - x, line), QtCore.Qt.AlignmentFlag.AlignVCenter,
                             f"… and {more} more classes")
        painter.restore()
