"""The place search box (Ctrl+F): type a name, pick a feature, the map zooms to it.

The matching is `layers.place_search.find_places` (any layer, no case or accents); the box
offers the best matches as the planner types, each place once with its layer beside its name,
and Enter takes the one chosen from the list, else the first.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.place_search import Place, find_places


class PlaceSearch(QtWidgets.QLineEdit):
    found = QtCore.Signal(object)  # the Place chosen
    not_found = QtCore.Signal(str)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.places: list[Place] = []
        self.setPlaceholderText("Find a place… (Ctrl+F)")
        self.setToolTip("Find a feature of any layer by its name (Ctrl+F); accents and case do not matter")
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(260)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(self.placeholderText()) + 40)  # all of it read
        self.model = QtCore.QStringListModel(self)
        completer = QtWidgets.QCompleter(self.model, self)
        completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.activated[str].connect(self._choose_label)
        self.setCompleter(completer)
        self.textEdited.connect(self._suggest)
        self.returnPressed.connect(self.go)

    def search(self, text: str) -> list[Place]:
        crs = self.session.working_crs
        self.places = find_places(list(self.session.layers), text, crs) if crs is not None else []
        return self.places

    def _suggest(self, text: str) -> None:
        self.model.setStringList([place.label() for place in self.search(text)])

    def _choose_label(self, label: str) -> None:
        place = next((p for p in self.places if p.label() == label), None)
        if place is not None:
            self.found.emit(place)

    def go(self) -> Place | None:
        """Take the place whose label is in the box (chosen from the list), else the best match
        of the text typed (Enter)."""
        chosen = next((p for p in self.places if p.label() == self.text()), None)
        if chosen is not None:
            self.found.emit(chosen)
            return chosen
        text = self.text().split(" — ")[0]
        places = self.search(text)
        if not places:
            self.not_found.emit(text)
            return None
        self.found.emit(places[0])
        return places[0]

    def focus(self) -> None:
        self.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

