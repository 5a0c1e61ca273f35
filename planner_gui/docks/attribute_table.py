"""The attribute table: a QTableView over a model that reads the layer's GeoDataFrame in place.

Nothing is copied into items: `data()` reads a cell when the view asks for it, so a layer of a
million features opens at once. Sorting and filtering are not Qt's (a QSortFilterProxyModel
asks `data()` for every row, and for every comparison while sorting: opening a million-row
table sorted it by its first column, nine minutes of the GUI thread). They are worked out on
whole columns with pandas (`shown_rows`), in a worker, latest request wins; the model then shows
those rows in that order. Selecting rows highlights them on the map.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtWidgets

from layers.analysis.progress import IsCancelled, check
from layers.layer import VectorLayer, field_columns
from planner_gui.jobs.runner import AnalysisRunner


def shown_rows(frame: pd.DataFrame, columns: list[str], text: str = "", sort_by: str | None = None,
               descending: bool = False, cancelled: IsCancelled = None) -> np.ndarray:
    """Positions of the rows of `frame` that show `text` (any case) in one of `columns`, in the
    order of the values of `sort_by` (missing values last; ties in the layer's order), else in
    the layer's order. A cell shows what the table writes for it (`cell_text`)."""
    rows = np.arange(len(frame))
    needle = text.strip().casefold()
    if needle:
        hit = np.zeros(len(frame), bool)
        for column in columns:
            check(cancelled)
            hit |= _shown_text(frame[column]).str.casefold().str.contains(needle, regex=False).fillna(False).to_numpy(bool)
        rows = rows[hit]
    if sort_by is not None and len(rows):
        check(cancelled)
        values = frame[sort_by].iloc[rows].reset_index(drop=True)
        try:
            order = values.sort_values(ascending=not descending, kind="stable", na_position="last").index
        except TypeError:  # values of several kinds (text and numbers): ordered as text
            order = values.astype("string").sort_values(ascending=not descending, kind="stable",
                                                          na_position="last").index
        rows = rows[order.to_numpy()]
    return rows


def cell_text(value) -> str:
    """What the table shows for a value: numbers with thousands separators, nothing for missing."""
    if _missing(value):
        return ""
    return f"{value:,.6g}" if isinstance(value, float) else str(value)


def _shown_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(column):
        return pd.Series([cell_text(v) for v in column.to_numpy()], index=column.index, dtype="string")
    return column.astype("string")


class GeoDataFrameModel(QtCore.QAbstractTableModel):
    """Columns of a layer's GeoDataFrame without the geometry; row i is the feature at `rows[i]`."""

    def __init__(self, layer: VectorLayer, parent=None):
        super().__init__(parent)
        self.layer = layer
        gdf = layer.gdf
        self.columns = field_columns(gdf)
        self.rows = np.arange(len(gdf))
        self.sort_requested = None  # set by the table: called with (column, descending) by a header click

    def set_rows(self, rows: np.ndarray) -> None:
        self.beginResetModel()
        self.rows = np.asarray(rows, dtype=np.int64)
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def _value(self, row: int, column: int):
        return self.layer.gdf[self.columns[column]].iat[int(self.rows[row])]

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (QtCore.Qt.ItemDataRole.DisplayRole, QtCore.Qt.ItemDataRole.ToolTipRole):
            return cell_text(self._value(index.row(), index.column()))
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole:
            value = self._value(index.row(), index.column())
            if isinstance(value, (np.integer, np.floating, int, float)):
                return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == QtCore.Qt.Orientation.Horizontal:
            return self.columns[section]
        return str(int(self.rows[section]) + 1)  # the feature's number in the layer, whatever the order

    def sort(self, column: int, order=QtCore.Qt.SortOrder.AscendingOrder) -> None:
        if self.sort_requested is not None and 0 <= column < len(self.columns):
            self.sort_requested(self.columns[column], order == QtCore.Qt.SortOrder.DescendingOrder)


class AttributeTable(QtWidgets.QWidget):
    """Filter box + sortable table for one layer; `rows_selected(layer, rows)` on selection."""

    rows_selected = QtCore.Signal(object, object)
    rows_shown = QtCore.Signal()  # the filter's and the sort's rows are in the table

    def __init__(self, layer: VectorLayer, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.model = GeoDataFrameModel(layer, self)
        self.model.sort_requested = self._sort
        self._sort_by: tuple[str | None, bool] = (None, False)
        self.runner = AnalysisRunner(self, lock=contextlib.nullcontext())  # its own: never waits for an analysis
        self.runner.finished.connect(self._rows_arrived)
        self.filter = QtWidgets.QLineEdit(placeholderText="Filter rows (any column)…", clearButtonEnabled=True)
        self.filter.textChanged.connect(lambda _text: self._ask())
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)  # the layer's order
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.count = QtWidgets.QLabel()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self._update_count()

    def busy(self) -> bool:
        return self.runner.busy()

    def _sort(self, column: str, descending: bool) -> None:
        self._sort_by = (column, descending)
        self._ask(immediate=True)

    def _ask(self, immediate: bool = False) -> None:
        frame, columns, text = self.layer.gdf, list(self.model.columns), self.filter.text()
        sort_by, descending = self._sort_by
        self.runner.request(
            lambda _progress, cancelled: shown_rows(frame, columns, text, sort_by, descending, cancelled),
            immediate=immediate)

    def _rows_arrived(self, _request_id: int, rows: np.ndarray) -> None:
        self.model.set_rows(rows)
        self._update_count()
        self.rows_shown.emit()

    def _update_count(self) -> None:
        self.count.setText(f"{self.model.rowCount():,} of {len(self.layer.gdf):,} features shown")

    def selected_rows(self) -> list[int]:
        """Positions in the layer's GeoDataFrame of the selected table rows."""
        return sorted({int(self.model.rows[i.row()]) for i in self.table.selectionModel().selectedRows()})

    def _selection_changed(self, *args) -> None:
        self.rows_selected.emit(self.layer, self.selected_rows())


def _missing(value) -> bool:
    try:
        return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    except TypeError:
        return False
