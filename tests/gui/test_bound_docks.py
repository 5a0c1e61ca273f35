"""Dock widgets bound to the session's settings: a radius change updates the radius widgets alone,
a widget's change reaches the session, a refused value is said and the widget shows the session's."""
from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from layers.analysis.indicators import PRESETS
from layers.session import Session

SETTERS = ("setCurrentIndex", "setValue", "setChecked", "clear", "addItem", "setCurrentText")


@pytest.fixture
def panel(qtbot):
    from planner_gui.docks.coverage import CoveragePanel

    session = Session()
    panel = CoveragePanel(session)
    qtbot.addWidget(panel)
    yield panel
    panel.runner.cancel()
    panel.runner.wait(5000)


def count_updates(widget_parent) -> dict:
    """Every input widget's setter calls, by widget object name (set here), counted."""
    touched = {}
    kinds = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider, QtWidgets.QCheckBox)
    for i, widget in enumerate(w for w in widget_parent.findChildren(QtWidgets.QWidget) if isinstance(w, kinds)):
        name = f"{type(widget).__name__}{i}"
        for setter in SETTERS:
            original = getattr(widget, setter, None)
            if original is None:
                continue

            def counted(*args, _original=original, _name=name, **kwargs):
                touched[_name] = touched.get(_name, 0) + 1
                return _original(*args, **kwargs)
            setattr(widget, setter, counted)
        widget.setObjectName(name)
    return touched


def test_a_radius_change_updates_only_the_radius_widgets(qtbot, panel):
    """Before: one 'settings' event re-synced every control (measure, study area, scenario,
    segments, distance, network, band, chart figure) on each step of a radius drag."""
    touched = count_updates(panel)
    radius_name = panel.radius_slider.objectName()
    panel.session.update(radius_m=700.0)
    assert set(touched) == {radius_name} and touched[radius_name] == 1
    assert panel.radius_slider.value() == 700 and panel.radius_label.text() == "700 m"
    touched.clear()
    panel.session.update(scenario="plan 2030")  # the scenario's combo alone
    assert set(touched) == {panel.scenario_combo.objectName()}


def test_a_widget_writes_its_setting_and_a_refused_value_is_said(qtbot, panel):
    panel.segments.setValue(9)  # as the planner's arrows do
    assert panel.session.settings.segments == 9
    panel.radius_slider.setValue(1200)
    assert panel.session.settings.radius_m == 1200.0
    panel.session.update(radius_m=None)
    own = PRESETS[panel.session.settings.measure].radius_m
    assert panel.radius_slider.value() == own and panel.session.settings.radius_m is None  # the preset's, not written
    panel.scenario_combo.addItem("nonsense", "plan 2030 without line 99x")
    panel.scenario_combo.setCurrentIndex(panel.scenario_combo.count() - 1)
    panel.scenario_combo.activated.emit(panel.scenario_combo.count() - 1)
    assert panel.session.settings.scenario == "existing"
    assert panel.scenario_combo.currentData() == "existing"  # shows the session's value again
    assert "cannot measure" in panel.status_label.text()
