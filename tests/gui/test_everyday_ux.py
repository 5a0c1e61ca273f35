"""Everyday use: the empty window says what to do, every tool has a shortcut in its menu and
tooltip, place search finds a feature by name and zooms to it, labels never overlap, and layer
operations made in the panel can be undone."""
from __future__ import annotations

import itertools


from layers.place_search import find_places, fold
from tests.gui.helpers import utm


def test_the_empty_window_shows_a_hint_and_no_scale_bar_or_chart_axes(window):
    canvas = window.canvas
    assert canvas.is_empty() and canvas.empty_hint.isVisible() and "File &gt; Open" in canvas.empty_hint.text()
    assert not canvas.scale_bar.isVisible()
    assert window.scale_label.text() == ""
    chart = window.dashboard.coverage.chart
    assert not chart.plot.getPlotItem().getAxis("left").isVisible()
    assert not chart.plot.getPlotItem().getAxis("bottom").isVisible()


def test_every_tool_has_a_shortcut_shown_in_its_tooltip(window):
    keys = []
    for name, action in window.tool_actions.items():
        key = action.shortcut().toString()
        assert key, name
        assert f"({key})" in action.toolTip()
        keys.append(key)
    assert len(set(keys)) == len(keys)
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"


def test_names_match_without_accents_or_case():
    assert fold("Phường Văn Miếu - Quốc Tử Giám") == "phuong van mieu - quoc tu giam"
    assert fold("  Đống  Đa ") == "dong da"


def test_place_search_finds_a_ward_by_name_and_zooms_to_it(qtbot, sample_window):
    window, session = sample_window, sample_window.session
    full = window.canvas.view_bounds()
    window.place_search.setText("phuong van mieu")
    place = window.place_search.go()
    assert place is not None and "Văn Miếu" in place.name
    assert place.layer.role == "ward"
    # the view now holds the ward, and is much smaller than the whole city
    xmin, ymin, xmax, ymax = window.canvas.view_bounds()
    bx0, by0, bx1, by1 = place.bounds
    assert xmin <= bx0 and ymin <= by0 and xmax >= bx1 and ymax >= by1
    assert (xmax - xmin) < (full[2] - full[0]) / 5
    # a station is found in its own layer, the exact name first
    [first, *_] = find_places(list(session.layers), "cat linh", session.working_crs)
    assert first.name == "Cát Linh" and first.layer.role == "metro_station"
    assert window.place_search.search("no such place xyz") == []


def test_labels_never_overlap(qtbot, sample_window):
    canvas = sample_window.canvas
    x, y = utm(105.80, 21.00)  # Văn Quán, Phùng Khoang and the stations of line 2A: crowded
    for half in (2500, 6000, 15000):
        canvas.set_view((x - half, y - half, x + half, y + half))
        canvas.refresh()
        drawn = canvas.map_labels.boxes()
        assert drawn, half
        for (ta, a), (tb, b) in itertools.combinations(drawn, 2):
            assert not a.intersected(b).isValid() or a.intersected(b).isEmpty(), (ta, tb)
            assert a.height() < 40 and a.width() < 400, ta  # screen-sized boxes, whatever the zoom


def test_layer_panel_operations_undo(qtbot, sample_window):
    window, session = sample_window, sample_window.session
    panel, stack = window.layer_panel, window.stack
    names = stack.names()
    assert panel.model.move_row(len(stack) - 1, 0)  # the bottom layer to the top
    assert stack.names() != names
    window.undo()
    assert stack.names() == names
    window.redo()
    assert stack.names() != names
    window.undo()
    stations = next(layer for layer in stack if layer.role == "metro_station")
    style = stations.style
    session.set_style(stations, type(style)(stroke="#123456"))
    assert window.undo_action.isEnabled() and "Style" in window.undo_action.text()
    window.undo()
    assert stations.style == style
    panel.set_role(stations, "other")
    window.undo()
    assert stations.role == "metro_station"
    session.remove_layer(stations)
    window.undo_action.trigger()  # Edit > Undo (Ctrl+Z)
    assert stations in stack and stack.names() == names


def test_result_layers_are_in_their_own_group(qtbot, sample_window):
    window, session = sample_window, sample_window.session
    panel = window.layer_panel
    qtbot.waitUntil(lambda: session.result_layer("catchment") is not None, timeout=20_000)
    catchment = session.result_layer("catchment")
    assert catchment not in session.layers  # not among the planner's layers
    assert catchment.name not in [panel.model.layer_at(r).name for r in range(panel.model.rowCount())]
    assert not panel.results_view.isHidden()
    rows = [panel.results_model.layer_at(r) for r in range(panel.results_model.rowCount())]
    assert catchment in rows
    index = panel.results_model.index(panel.results_model.row_of(catchment))
    from PySide6 import QtCore

    panel.results_model.setData(index, QtCore.Qt.CheckState.Unchecked.value, QtCore.Qt.ItemDataRole.CheckStateRole)
    assert catchment.visible is False and window.canvas.items_for(catchment) == []


def test_the_timeline_opens_at_a_modest_height(qtbot, window):
    window.resize(1280, 1000)
    dock = window.timeline_dock
    assert dock.isHidden()
    dock.show()
    # a quarter of the window at most (or what its controls need), never half of it
    qtbot.waitUntil(lambda: 0 < dock.height() <= 280, timeout=5_000)
    assert window.canvas.height() > 2 * dock.height()


def test_ctrl_c_in_the_terminal_quits_cleanly(qtbot, monkeypatch):
    import signal
    from types import SimpleNamespace

    from PySide6 import QtWidgets

    from planner_gui.app import quit_on_ctrl_c

    done = []
    window = SimpleNamespace(stop_workers=lambda: done.append("workers"),
                             save_settings=lambda: done.append("settings"))
    app = QtWidgets.QApplication.instance()
    monkeypatch.setattr(app, "quit", lambda: done.append("quit"))
    previous = signal.getsignal(signal.SIGINT)
    try:
        timer = quit_on_ctrl_c(app, window)
        assert timer.isActive()  # wakes Python so the handler runs while Qt waits
        signal.raise_signal(signal.SIGINT)
        qtbot.waitUntil(lambda: "quit" in done)
    finally:
        signal.signal(signal.SIGINT, previous)
        timer.stop()
    assert done == ["workers", "settings", "quit"]
