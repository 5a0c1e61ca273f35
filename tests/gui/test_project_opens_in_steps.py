"""Opening a project makes its layers' graphics a layer per turn of the event loop, not all in the
turn that applies the project (`MapCanvas.made_at_the_next_view`): the Hanoi sample's ten layers
made and drawn as they came were one turn of the GUI thread of 145-207 ms on a slow machine. The
Layers list's classes and the credits are worked out in a worker, and the Coverage dock refills
its choices once, after that turn."""
from __future__ import annotations

import json

import pytest
from helpers import load

from layers.session.project import SAMPLE_PROJECT


def open_sample_and(qtbot, window, monkeypatch, then) -> None:
    """Open the sample in `window`, calling `then()` in the turn the project has been applied in."""
    if not SAMPLE_PROJECT.exists():
        pytest.skip("needs the bundled Hanoi sample")
    applied = window._on_project_loaded
    monkeypatch.setattr(window, "_on_project_loaded", lambda project: (applied(project), then()))
    load(qtbot, window, [SAMPLE_PROJECT])


def test_a_project_is_made_on_the_map_a_layer_per_turn_and_shown_at_its_view(window, qtbot, sample_read_once,
                                                                              monkeypatch):
    canvas, made_when_applied = window.canvas, []
    open_sample_and(qtbot, window, monkeypatch, lambda: made_when_applied.append(len(canvas.graphics)))
    drawn = canvas._drawn_layers()
    assert len(drawn) >= 10 and made_when_applied == [0]
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=20_000)
    assert set(canvas.graphics) == {id(layer) for layer in drawn}
    assert all(canvas.items_for(layer) for layer in drawn if layer.visible)
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    view = json.loads(SAMPLE_PROJECT.read_text(encoding="utf-8"))["view"]
    vx0, vy0, vx1, vy1 = (view[k] for k in ("xmin", "ymin", "xmax", "ymax"))
    # the project's view, widened on one axis to the map's shape (its aspect is locked)
    tolerance = 0.02 * max(vx1 - vx0, vy1 - vy0)
    assert xmin <= vx0 + tolerance and xmax >= vx1 - tolerance and ymin <= vy0 + tolerance and ymax >= vy1 - tolerance
    assert min(abs(xmin - vx0), abs(ymin - vy0)) < tolerance  # fitted: one axis as saved


def test_a_layer_asked_for_before_its_turn_is_made_then(window, qtbot, sample_read_once, monkeypatch):
    canvas, asked = window.canvas, []

    def first_click():  # a planner's, before the map is drawn
        wards = next(layer for layer in window.stack if layer.role == "ward")
        asked.append((canvas.graphic(wards), len(canvas.graphics)))
        canvas.zoom_to_layer(wards)

    open_sample_and(qtbot, window, monkeypatch, first_click)
    (graphic, made), = asked
    assert graphic is not None and made == 1
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=20_000)
    assert canvas.graphic(next(layer for layer in window.stack if layer.role == "ward")) is graphic
    assert len(canvas.graphics) == len(canvas._drawn_layers())


def test_the_layers_classes_and_credits_are_worked_out_off_the_gui_thread_and_then_shown(
        window, qtbot, sample_read_once, monkeypatch):
    """The Layers list draws each layer's classes under it, and the map its credits: both are worked
    out in a worker (`map.worked_out_ahead`), never as the list is laid out or the credits drawn,
    and shown once they are (the rows grow, the credits are complete)."""
    import threading

    from layers.attribution import attribution_lines
    from planner_gui.map import attribution
    from planner_gui.map.legend import entries
    from planner_gui.map.legend.classes import layer_classes

    if not SAMPLE_PROJECT.exists():
        pytest.skip("needs the bundled Hanoi sample")
    gui, on_gui_thread = threading.get_ident(), []

    def watched(function):
        return lambda *args: on_gui_thread.append(threading.get_ident() == gui) or function(*args)

    monkeypatch.setattr(entries, "_worked_out_groups", watched(entries._worked_out_groups))
    monkeypatch.setattr(attribution, "attribution_lines", watched(attribution.attribution_lines))
    load(qtbot, window, [SAMPLE_PROJECT])
    credits = " · ".join(attribution_lines([layer for layer in window.stack if layer.visible]))
    assert "OpenStreetMap" in credits
    qtbot.waitUntil(lambda: window.canvas.attribution.text() == credits, timeout=20_000)
    lines = next(layer for layer in window.stack if layer.role == "metro_line")
    qtbot.waitUntil(lambda: bool(layer_classes(lines)), timeout=20_000)
    view, model = window.layer_panel.view, window.layer_panel.model
    one_line = view.fontMetrics().height()
    rows = len(layer_classes(lines))
    qtbot.waitUntil(lambda: view.visualRect(model.index(model.row_of(lines))).height() > (1 + rows) * one_line * 0.9)
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert on_gui_thread and not any(on_gui_thread)


def test_the_coverage_choices_are_refilled_once_the_project_is_applied(window, qtbot, sample_read_once, monkeypatch):
    """A project's layers come as a burst of session events in the turn that applies it: the
    Coverage dock chooses its default measure at each (a change of the session's, made before the
    project is marked saved), and refills its choices once, in a turn after."""
    from planner_gui.docks import coverage

    panel, refilled, when_applied = window.dashboard.coverage, [], []
    choices = (panel.measure_combo, panel.study_area_combo, panel.zone_combo)
    refill = coverage.refill
    monkeypatch.setattr(coverage, "refill", lambda combo, *args: (refilled.append(combo), refill(combo, *args)))
    open_sample_and(qtbot, window, monkeypatch, lambda: when_applied.append(
        ([combo for combo in refilled if combo in choices], window.session.settings.measure)))
    assert when_applied == [([], "itdp-pnt")]
    qtbot.waitUntil(lambda: not panel.busy(), timeout=20_000)
    assert refilled.count(panel.study_area_combo) == 1 and refilled.count(panel.measure_combo) == 1
    wards = next(layer for layer in window.stack if layer.role == "ward")
    names = {panel.study_area_combo.itemData(i) for i in range(panel.study_area_combo.count())}
    assert {(wards.name, name) for name in window.session.zone_names(wards)} <= names
    assert panel.measure_combo.currentData() == "itdp-pnt" and not window.session.modified
