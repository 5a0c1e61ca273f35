"""The attribute table: a QTableView over a model that reads the layer's GeoDataFrame in place.

Nothing is copied into items: `data()` reads a cell when the view asks for it, so a 200,000-row
layer opens at once. Sorting and filtering go through a QSortFilterProxyModel (sorting on the
raw values, filtering on the text of every column); selecting rows highlights them on the map.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtWidgets

from layers.layer import VectorLayer

SortRole = QtCore.Qt.ItemDataRole.UserRole + 1


class GeoDataFrameModel(QtCore.QAbstractTableModel):
    """Columns of a layer's GeoDataFrame without the geometry; rows are its positions."""

    def __init__(self, layer: VectorLayer, parent=None):
        super().__init__(parent)
        self.layer = layer
        gdf = layer.gdf
        self.columns = [c for c in gdf.columns if c != gdf.geometry.name]

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.layer.gdf)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def _value(self, row: int, column: int):
        return self.layer.gdf[self.columns[column]].iat[row]

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (QtCore.Qt.ItemDataRole.DisplayRole, QtCore.Qt.ItemDataRole.ToolTipRole):
            value = self._value(index.row(), index.column())
            return "" if _missing(value) else (f"{value:,.6g}" if isinstance(value, float) else str(value))
        if role == SortRole:
            value = self._value(index.row(), index.column())
            if _missing(value):
                return None
            if isinstance(value, (np.integer, np.floating, int, float)):
                return float(value)
            return str(value)
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole:
            value = self._value(index.row(), index.column())
            if isinstance(value, (np.integer, np.floating, int, float)):
                return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        return self.columns[section] if orientation == QtCore.Qt.Orientation.Horizontal else str(section + 1)


class AttributeTable(QtWidgets.QWidget):
    """Filter box + sortable table for one layer; `rows_selected(layer, rows)` on selection."""

    rows_selected = QtCore.Signal(object, object)

    def __init__(self, layer: VectorLayer, parent=None):
        super().__init__(parent)
        self.layer = layer
        self.model = GeoDataFrameModel(layer, self)
        self.proxy = QtCore.QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QtWidgets.QLineEdit(placeholderText="Filter rows (any column)…", clearButtonEnabled=True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.count = QtWidgets.QLabel()
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self._update_count()

    def _update_count(self, *args) -> None:
        self.count.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} features shown")

    def selected_rows(self) -> list[int]:
        """Positions in the layer's GeoDataFrame of the selected table rows."""
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return sorted(rows)

    def select_rows(self, rows) -> None:
        selection = QtCore.QItemSelection()
        for row in rows:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                selection.select(index, index)
        flags = (
            QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect | QtCore.QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(selection, flags)

    def _selection_changed(self, *args) -> None:
        self.rows_selected.emit(self.layer, self.selected_rows())


def _missing(value) -> bool:
    try:
        return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    except TypeError:
        return False
