"""The layer panel (a dock): the session's input layers as a list, top layer first, and the
selected layer's role, field mapping and style.

Every control writes to the session (`set_role`, `set_fields`, `move_layer`, `set_style`,
`remove_layer`: the edits that can be undone) or its LayerStack (`set_visible`, `set_opacity`)
and the list redraws from their events: the panel never keeps its own copy.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from PySide6 import QtCore, QtGui, QtWidgets

from layers.layer import Layer, RasterLayer, Style, VectorLayer, field_columns
from layers.roles import COUNTED_ROLES, ROLE_TITLES, ROLES
from layers.session import Session
from planner_gui.docks.fitting import VerticalScrollArea, fitting_combo, keep_rows
from planner_gui.map.legend.classes import LayerClassesDelegate, layer_classes

MIME = "application/x-planner-layer-row"
LAYER_LIST_ROWS = 8  # the list keeps room for this many lines (layer names), whatever the Timeline or a table takes
FIELD_LETTERS = 7  # a field's combo box gives way down to this many letters (the column is narrow)
NO_FIELD = "(none)"


class LayerListModel(QtCore.QAbstractListModel):
    """Rows are the stack's layers from top (row 0) to bottom."""

    LayerRole = QtCore.Qt.ItemDataRole.UserRole + 1

    def __init__(self, session: Session, parent=None, stack=None):
        """The session's input layers, or `stack` (its results: shown and hidden, never dragged)."""
        super().__init__(parent)
        self.session = session  # moves go through it, so that they can be undone
        self.stack = stack = session.layers if stack is None else stack
        self._icons: dict[tuple, QtGui.QIcon] = {}
        events = stack.events
        for signal in (events.inserted, events.removed, events.moved):  # rows come and go
            signal.connect(self._reset)
        for signal in (events.visibility, events.opacity, events.style, events.data, events.role, events.filter):
            signal.connect(self._layer_changed)

    # -- rows <-> stack ---------------------------------------------------------------------------
    def layer_at(self, row: int) -> Layer:
        return self.stack[len(self.stack) - 1 - row]

    def row_of(self, layer: Layer) -> int:
        return len(self.stack) - 1 - self.stack.index(layer)

    def _reset(self, *_) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _layer_changed(self, layer: Layer) -> None:
        if layer in self.stack:
            index = self.index(self.row_of(layer))
            self.dataChanged.emit(index, index)

    # -- Qt model ---------------------------------------------------------------------------------
    def rowCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.stack)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.stack):
            return None
        layer = self.layer_at(index.row())
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return layer.name
        if role == QtCore.Qt.ItemDataRole.CheckStateRole:
            return QtCore.Qt.CheckState.Checked if layer.visible else QtCore.Qt.CheckState.Unchecked
        if role == QtCore.Qt.ItemDataRole.DecorationRole:
            key = _swatch_key(layer)  # an icon per kind and style: the list asks on every repaint
            if key not in self._icons:
                self._icons[key] = _swatch(key[0], layer.style)
            return self._icons[key]
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            lines = [f"{layer.name} ({layer.role.replace('_', ' ')})"]
            if layer.source:
                lines.append(str(layer.source) + (f" — {layer.source_layer}" if layer.source_layer else ""))
            if isinstance(layer, VectorLayer):
                lines.append(f"{len(layer.gdf):,} features")
            lines += [f"⚠ {w}" for w in layer.warnings]
            return "\n".join(lines)
        if role == self.LayerRole:
            return layer
        return None

    def setData(self, index, value, role=QtCore.Qt.ItemDataRole.EditRole) -> bool:
        if role == QtCore.Qt.ItemDataRole.CheckStateRole and index.isValid():
            checked = QtCore.Qt.CheckState(value) == QtCore.Qt.CheckState.Checked
            self.stack.set_visible(self.layer_at(index.row()), checked)
            return True
        return False

    def flags(self, index):
        base = QtCore.Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return (
            base | QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
            | QtCore.Qt.ItemFlag.ItemIsUserCheckable | QtCore.Qt.ItemFlag.ItemIsDragEnabled
        )

    # -- drag to reorder: every path ends in Session.move_layer---------------------------------
    def supportedDropActions(self):
        return QtCore.Qt.DropAction.MoveAction

    def mimeTypes(self):
        return [MIME]

    def mimeData(self, indexes):
        data = QtCore.QMimeData()
        if indexes:
            data.setData(MIME, QtCore.QByteArray(str(indexes[0].row()).encode()))
        return data

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if not data.hasFormat(MIME):
            return False
        source = int(bytes(data.data(MIME)).decode())
        target = row if row >= 0 else (parent.row() if parent.isValid() else self.rowCount())
        return self.move_row(source, target)

    def moveRows(self, source_parent, source_row, count, destination_parent, destination_child) -> bool:
        return self.move_row(source_row, destination_child)

    def removeRows(self, row, count, parent=QtCore.QModelIndex()) -> bool:
        return False  # a drag never deletes a layer; removing is an explicit action

    def move_row(self, source_row: int, target_row: int) -> bool:
        """Move the layer at `source_row` to sit before `target_row` (rows counted top first)."""
        if not 0 <= source_row < len(self.stack):
            return False
        if target_row > source_row:
            target_row -= 1
        target_row = max(0, min(target_row, len(self.stack) - 1))
        if target_row == source_row:
            return False
        self.session.move_layer(self.layer_at(source_row), len(self.stack) - 1 - target_row)
        return True


def _swatch_key(layer: Layer) -> tuple:
    """What a layer's icon depends on: its kind and style."""
    kind = "raster" if isinstance(layer, RasterLayer) else layer.geometry_kind  # cached by the layer
    return kind, layer.style.key()


def _swatch(kind: str, style: Style) -> QtGui.QIcon:
    pixmap = QtGui.QPixmap(16, 16)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pixmap)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    if kind == "raster":
        gradient = QtGui.QLinearGradient(0, 0, 16, 0)
        gradient.setColorAt(0, QtGui.QColor("#2c115f"))
        gradient.setColorAt(0.5, QtGui.QColor("#b73779"))
        gradient.setColorAt(1, QtGui.QColor("#fcfdbf"))
        p.fillRect(1, 3, 14, 10, gradient)
    else:
        p.setPen(QtGui.QPen(QtGui.QColor(style.stroke), 2))
        if kind == "point":
            p.setBrush(QtGui.QColor(style.fill or style.stroke))
            p.drawEllipse(4, 4, 8, 8)
        elif kind == "line":
            p.drawLine(2, 13, 14, 3)
        else:
            fill = QtGui.QColor(style.fill) if style.fill else QtGui.QColor(0, 0, 0, 0)
            if style.fill:
                fill.setAlphaF(max(style.fill_alpha, 0.4))
            p.setBrush(fill)
            p.drawRect(2, 3, 12, 10)
    p.end()
    return QtGui.QIcon(pixmap)


class LayerPanel(QtWidgets.QWidget):
    """List + style controls. Signals ask the main window for views it owns."""

    zoom_requested = QtCore.Signal(object)
    table_requested = QtCore.Signal(object)

    # the field mapping the panel offers, in the planner's words
    MAPPED_FIELDS = (("name", "Name field"), ("status", "Status field"), ("opening_year", "Opening year"),
                     ("zone_name", "Zone name"), ("population", "Population field"))

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.stack = session.layers
        self.model = LayerListModel(session, self)
        self.view = QtWidgets.QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(LayerClassesDelegate(self.view))  # each layer's classes under it (map.legend)
        self.view.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(QtCore.Qt.DropAction.MoveAction)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(lambda index: self.zoom_requested.emit(self.model.layer_at(index.row())))
        self.view.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        self.model.modelReset.connect(self._restore_selection)
        self.model.dataChanged.connect(lambda *_: self._show_selected())
        self._current: Layer | None = None
        self._classes_listed: list = []  # (layer id, its classes) as the rows were last laid out

        self.role = fitting_combo(letters=FIELD_LETTERS)
        for role in ROLES:
            self.role.addItem(ROLE_TITLES[role], role)
        self.role.setToolTip("What the layer is for the figures: guessed from its names, geometry and fields")
        self.role.activated.connect(lambda _: self.set_role(self._current, self.role.currentData()))
        self.mapping = {}
        for key, _label in self.MAPPED_FIELDS:
            combo = fitting_combo(letters=FIELD_LETTERS)
            combo.activated.connect(lambda _i, key=key, combo=combo: self.set_field(self._current, key, self._field(combo)))
            self.mapping[key] = combo
        # buildings and facilities: the numeric fields summed in a catchment (floor area, jobs, pupils)
        self.sum_fields = QtWidgets.QToolButton(popupMode=QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sum_fields.setMenu(QtWidgets.QMenu(self.sum_fields))
        self.sum_fields.setToolTip("Numeric fields of buildings or facilities summed in the catchment "
                                   "(by centroid and area-weighted), e.g. floor area, jobs, pupils")
        self.problem = QtWidgets.QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.opacity = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.colour = QtWidgets.QPushButton("Colour…")
        self.colour.clicked.connect(self._choose_colour)
        self.category = fitting_combo(letters=FIELD_LETTERS)
        self.category.activated.connect(lambda _: self.set_category_field(self._current, self._field(self.category)))
        self.label_field = fitting_combo(letters=FIELD_LETTERS)
        self.label_field.activated.connect(lambda _: self.set_label_field(self._current, self._field(self.label_field)))
        buttons = QtWidgets.QHBoxLayout()
        for text, slot in (("Zoom to", self._zoom), ("Table", self._table), ("Remove", self._remove)):
            button = QtWidgets.QToolButton(text=text)  # as wide as its word (a push button is 80 px at least)
            button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        form = QtWidgets.QFormLayout()
        form.addRow("Role", self.role)
        for key, label in self.MAPPED_FIELDS:
            form.addRow(label, self.mapping[key])
        form.addRow("Fields to sum", self.sum_fields)
        form.addRow(self.problem)
        form.addRow("Opacity", self.opacity)
        form.addRow("Colour", self.colour)
        form.addRow("Style by", self.category)
        form.addRow("Labels", self.label_field)
        self.properties = QtWidgets.QWidget()
        props = QtWidgets.QVBoxLayout(self.properties)
        props.setContentsMargins(0, 0, 0, 0)
        props.addLayout(form)
        props.addLayout(buttons)
        # The selected layer's properties scroll (up and down only) when the dock is short: the list
        # above keeps its LAYER_LIST_ROWS rows.
        self.properties_scroll = VerticalScrollArea(self.properties)
        # Results (catchments, gained areas, overlaps) in a group of their own under the inputs:
        # computed by the docks, never saved, so never mixed with the planner's layers.
        self.results_model = LayerListModel(session, self, stack=session.results)
        self.results_view = QtWidgets.QListView()
        self.results_view.setModel(self.results_model)
        self.results_view.setMaximumHeight(90)
        self.results_view.setToolTip("Results the docks computed: shown or hidden here, not saved with the project")
        self.results_label = QtWidgets.QLabel("Results")
        self.results_label.setStyleSheet("color: #555; font-weight: bold;")
        self.results_model.modelReset.connect(self._show_results_group)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.results_label)
        layout.addWidget(self.results_view)
        layout.addWidget(self.properties_scroll)
        for view in (self.view, self.results_view):  # a long layer name is cut with '…', never scrolled to
            view.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            view.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        keep_rows(self.view, LAYER_LIST_ROWS)
        self.model.modelReset.connect(lambda: keep_rows(self.view, LAYER_LIST_ROWS))
        self._show_results_group()
        self._show_selected()

    def _show_results_group(self) -> None:
        shown = len(self.session.results) > 0
        self.results_label.setVisible(shown)
        self.results_view.setVisible(shown)

    # -- the classes under each layer -------------------------------------------------------------
    def classes_worked_out(self) -> None:
        """The layers' classes were worked out off the GUI thread (`map.legend.classes`): the rows
        are laid out again with them under each, once, if any layer's classes changed (the map's
        legend says so after every view)."""
        listed = [(id(layer), tuple(layer_classes(layer))) for layer in self.stack]
        if listed != self._classes_listed:
            self._classes_listed = listed
            self.view.doItemsLayout()

    # -- selection --------------------------------------------------------------------------------
    def current_layer(self) -> Layer | None:
        index = self.view.currentIndex()
        return self.model.layer_at(index.row()) if index.isValid() and index.row() < len(self.stack) else None

    def select(self, layer: Layer) -> None:
        self.view.setCurrentIndex(self.model.index(self.model.row_of(layer)))

    def _restore_selection(self) -> None:
        if self._current is not None and self._current in self.stack:
            self.select(self._current)
        else:
            self._current = None
            self._show_selected()

    def _show_selected(self) -> None:
        layer = self.current_layer()
        self._current = layer
        self.properties.setEnabled(layer is not None)
        if layer is None:
            self.role.setCurrentIndex(-1)
            for combo in self.mapping.values():
                combo.clear()
            return
        vector = isinstance(layer, VectorLayer)
        fields = field_columns(layer.gdf) if vector else []
        self.role.setCurrentIndex(self.role.findData(layer.role))
        for key, combo in self.mapping.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([NO_FIELD] + fields)
            value = getattr(layer.fields, key) if vector else None
            combo.setCurrentText(value if value in fields else NO_FIELD)
            combo.setEnabled(vector)
            combo.blockSignals(False)
        self._show_sum_fields(layer)
        for combo, value in ((self.category, layer.style.category_field), (self.label_field, layer.style.label_field)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([NO_FIELD] + fields)
            combo.setCurrentText(value if value in fields else NO_FIELD)
            combo.setEnabled(vector)
            combo.blockSignals(False)
        self.colour.setEnabled(vector)
        self.colour.setStyleSheet(f"background: {layer.style.stroke};" if vector else "")
        self.opacity.blockSignals(True)
        self.opacity.setValue(int(round(layer.opacity * 100)))
        self.opacity.blockSignals(False)

    def _show_sum_fields(self, layer: Layer) -> None:
        """The numeric fields of a building or facility layer, those summed ticked."""
        menu = self.sum_fields.menu()
        menu.clear()
        counted = isinstance(layer, VectorLayer) and layer.role in COUNTED_ROLES
        self.sum_fields.setEnabled(counted)
        if not counted:
            self.sum_fields.setText(NO_FIELD)
            return
        chosen = list(layer.fields.sum_fields)
        numeric = [c for c in field_columns(layer.gdf)
                   if pd.api.types.is_numeric_dtype(layer.gdf[c]) and not pd.api.types.is_bool_dtype(layer.gdf[c])]
        for name in numeric:
            action = menu.addAction(str(name))
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.toggled.connect(lambda on, name=name: self.set_sum_field(self._current, name, on))
        self.sum_fields.setText(", ".join(chosen) or NO_FIELD)

    def set_sum_field(self, layer: Layer | None, name: str, summed: bool) -> None:
        """Sum `name` over the layer's features in a catchment, or stop summing it."""
        if not isinstance(layer, VectorLayer):
            return
        chosen = [f for f in layer.fields.sum_fields if f != name] + ([name] if summed else [])
        self.set_field(layer, "sum_fields", chosen)
        if layer is self._current:
            self.sum_fields.setText(", ".join(layer.fields.sum_fields) or NO_FIELD)

    @staticmethod
    def _field(combo: QtWidgets.QComboBox) -> str | None:
        return None if combo.currentText() == NO_FIELD else combo.currentText()

    # -- actions (public, so menus and tests use the same path) ---------------------------------
    def set_role(self, layer: Layer | None, role: str) -> None:
        if layer is None:
            return
        try:
            self.session.set_role(layer, role)
            self.problem.setText("")
        except ValueError as exc:
            self.problem.setText(str(exc))
            self._show_selected()

    def set_field(self, layer: Layer | None, key: str, field: str | None) -> None:
        if isinstance(layer, VectorLayer):
            self.session.set_fields(layer, {**layer.fields.to_dict(), key: field})

    def set_colour(self, layer: Layer, colour: str) -> None:
        style = layer.style
        fill = colour if style.fill else None
        self.session.set_style(layer, dataclasses.replace(style, stroke=colour, fill=fill, colour_field=None))

    def set_category_field(self, layer: Layer | None, field: str | None) -> None:
        if layer is not None:
            self.session.set_style(layer, dataclasses.replace(layer.style, category_field=field))

    def set_label_field(self, layer: Layer | None, field: str | None) -> None:
        if layer is not None:
            self.session.set_style(layer, dataclasses.replace(layer.style, label_field=field))

    def _opacity_changed(self, value: int) -> None:
        if self._current is not None:
            self.stack.set_opacity(self._current, value / 100)

    def _choose_colour(self) -> None:
        layer = self._current
        if layer is None:
            return
        colour = QtWidgets.QColorDialog.getColor(QtGui.QColor(layer.style.stroke), self, f"Colour of {layer.name}")
        if colour.isValid():
            self.set_colour(layer, colour.name())

    def _zoom(self) -> None:
        if self._current is not None:
            self.zoom_requested.emit(self._current)

    def _table(self) -> None:
        if isinstance(self._current, VectorLayer):
            self.table_requested.emit(self._current)

    def _remove(self) -> None:
        if self._current is not None:
            layer, self._current = self._current, None
            self.session.remove_layer(layer)

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = QtWidgets.QMenu(self)
        menu.addAction("Zoom to layer", self._zoom)
        if isinstance(self._current, VectorLayer):
            menu.addAction("Open attribute table", self._table)
        menu.addSeparator()
        menu.addAction("Remove layer", self._remove)
        menu.exec(self.view.viewport().mapToGlobal(pos))
