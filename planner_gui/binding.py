"""Dock widgets bound to the session's settings: one call binds a form, both directions.

`bind_settings(session, {"scenario": combo, "segments": spin_box, ...}, on_error)` makes each
widget show its setting and write the planner's changes back (`Session.update`), the way glue's
`autoconnect_callbacks_to_qt` binds an options widget to its viewer state. A widget follows only
its own setting's signal (`session.settings.events.<name>`, plus the ones named in `also`), so a
dragged radius slider touches the radius widgets and nothing else. A value the session refuses
is reported to `on_error` and the widget shows the session's value again. While a binding puts a
value in its widget it ignores the widget's own change signal, so no `blockSignals` pair is needed
(combo boxes write on `activated`, which only the planner's choice emits).

How each kind of widget is read, set and listened to is the table `KINDS`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtWidgets

from layers.session import Session


def select_data(combo: QtWidgets.QComboBox, data) -> None:
    """Make the item whose data is `data` current (a tuple matches the list Qt may hand back)."""
    index = combo.findData(data)
    if index < 0 and isinstance(data, tuple):
        index = next((i for i in range(combo.count()) if tuple(combo.itemData(i) or ()) == data), -1)
    if index >= 0 and index != combo.currentIndex():
        combo.setCurrentIndex(index)


def refill(combo: QtWidgets.QComboBox, items: list[tuple[str, object]], current=None) -> None:
    """Replace a combo's items (label, data) if they changed, keeping `current` chosen.
    Only `activated` writes to the session, so refilling never writes."""
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] != items:
        combo.clear()
        for label, data in items:
            combo.addItem(label, data)
    select_data(combo, current)


@dataclass(frozen=True)
class Kind:
    read: Callable  # widget -> value
    show: Callable  # (widget, value) -> None
    signal: str  # the widget's signal that says the planner changed it


KINDS: dict[type, Kind] = {  # the first class the widget is an instance of
    QtWidgets.QComboBox: Kind(lambda w: w.currentData(), select_data, "activated"),
    QtWidgets.QCheckBox: Kind(lambda w: w.isChecked(), lambda w, v: w.setChecked(bool(v)), "toggled"),
    QtWidgets.QDoubleSpinBox: Kind(lambda w: float(w.value()), lambda w, v: w.setValue(float(v)), "valueChanged"),
    QtWidgets.QSpinBox: Kind(lambda w: int(w.value()), lambda w, v: w.setValue(int(round(v))), "valueChanged"),
    QtWidgets.QAbstractSlider: Kind(lambda w: int(w.value()), lambda w, v: w.setValue(int(round(v))),
                                    "valueChanged"),
}


class Binding:
    """One widget showing one setting. `value(session)` is what the widget shows (default: the
    setting), `write(widget value)` the changes it makes (default: {name: value}; None: none),
    `enabled(session)` whether it can be used; `also`: more settings that change what it shows."""

    def __init__(self, session: Session, name: str, widget: QtWidgets.QWidget, on_error: Callable[[str], None],
                 value: Callable | None = None, write: Callable | None = None, enabled: Callable | None = None,
                 also: tuple[str, ...] = ()):
        self.session, self.name, self.widget, self.on_error = session, name, widget, on_error
        self.kind = next(kind for cls, kind in KINDS.items() if isinstance(widget, cls))
        self._value = value or (lambda s: getattr(s.settings, name))
        self._write_changes = write or (lambda v: {name: v})
        self._enabled = enabled
        self._showing = False
        self.shown = 0  # how many times the session's value was put in the widget (the tests count)
        self.signals = [getattr(session.settings.events, n) for n in (name, *also)]
        for signal in self.signals:
            signal.connect(self.show)
        getattr(widget, self.kind.signal).connect(self._written)
        widget.destroyed.connect(self.disconnect)
        self.show()

    def show(self, *_) -> None:
        """Put the session's value in the widget (its change signal then writes nothing)."""
        self.shown += 1
        self._showing = True
        try:
            value = self._value(self.session)
            if self._enabled is not None:
                self.widget.setEnabled(bool(self._enabled(self.session)))
            if value is not None or self.kind.show is select_data:
                self.kind.show(self.widget, value)
        finally:
            self._showing = False

    def _written(self, *_) -> None:
        if self._showing:
            return
        changes = self._write_changes(self.kind.read(self.widget))
        if not changes:
            return
        try:
            self.session.update(**changes)
        except ValueError as exc:
            self.on_error(str(exc))
            self.show()

    def disconnect(self, *_) -> None:
        for signal in self.signals:
            signal.disconnect(self.show, missing_ok=True)


def bind_settings(session: Session, widgets: dict[str, QtWidgets.QWidget], on_error: Callable[[str], None],
                  **options: dict) -> dict[str, Binding]:
    """Bind each widget to the setting named by its key; `options[name]` are that Binding's extras."""
    return {name: Binding(session, name, widget, on_error, **options.get(name, {}))
            for name, widget in widgets.items()}
