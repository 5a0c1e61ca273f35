"""What a change asks of the GUI thread beyond what it shows.

A year on the timeline: the status and opening year of each dated layer are read in a worker as
soon as the layer comes (`planner_gui.map.worked_out_ahead`), so no move, the first from all years
or a jump across twenty, reads them on the GUI thread, and the map shows what the layer's own
rule gives.

The Coverage dock measures again after every year on the timeline: its zone chart sets again only
the notes whose figures moved; its progress bar, shown past
half a second of measuring and hidden when the measure ends or is cancelled, kept no room of its
own, so each time it came or went the zone chart below moved and was laid out again (a text
item per zone: 20-30 ms of the GUI thread).
"""
from __future__ import annotations

import dataclasses
import threading

import numpy as np
from PySide6 import QtWidgets

from layers.analysis.scenario import DatedFields, Scenario
from planner_gui.docks.base import status_label
from planner_gui.docks.coverage_figures import CoverageFigures
from planner_gui.map.shown import shown_mask


def test_no_move_of_the_timeline_reads_the_dated_layers_fields_on_the_gui_thread(qtbot, sample_window, monkeypatch):
    window = sample_window
    timeline, ahead = window.dashboard.timeline, window.canvas.ahead
    lines, stations = window.stack.find("Metro lines"), window.stack.find("Metro stations")
    years = (2026, 2010, 2030, 2031)  # from all years, then jumps both ways, then a step
    # what the map must show: the layer's own rule for each year
    expected = {(layer.name, year): np.asarray(Scenario.as_of(year).mask(layer.gdf), bool)
                for layer in (lines, stations) for year in years}
    assert len({mask.tobytes() for mask in expected.values()}) > 2  # the years differ
    gui, read = threading.get_ident(), []
    of = DatedFields.of.__func__
    monkeypatch.setattr(DatedFields, "of", classmethod(
        lambda cls, gdf: read.append(threading.get_ident() == gui) or of(cls, gdf)))
    window.stack.notify_data_changed(lines)  # its features changed: their fields read again
    qtbot.waitUntil(lambda: not ahead.runner.busy(), timeout=10_000)
    assert read and not any(read)  # in the worker
    timeline.slider.blockSignals(True)
    timeline.slider.setValue(timeline.slider.minimum())  # resting (all years shown) away from every year below
    timeline.slider.blockSignals(False)
    for year in years:
        timeline.slider.setValue(year)
        for layer in (lines, stations):
            assert np.array_equal(shown_mask(layer), expected[layer.name, year])
            drawn = window.canvas.drawn_features(layer)
            assert expected[layer.name, year][drawn].all()
            assert (len(drawn) > 0) == expected[layer.name, year].any()
    assert not any(read)  # no move read them on the GUI thread


def test_the_progress_bar_coming_and_going_moves_nothing_below_the_figures(qtbot):
    holder = QtWidgets.QWidget()
    figures = CoverageFigures(status_label())
    chart = QtWidgets.QLabel("the zone chart")
    layout = QtWidgets.QVBoxLayout(holder)
    layout.addWidget(figures)
    layout.addWidget(chart, 1)
    qtbot.addWidget(holder)
    holder.resize(360, 600)
    holder.show()
    qtbot.waitExposed(holder)
    where = (chart.y(), chart.height(), figures.height())
    for shown in (True, False, True):
        figures.progress.setVisible(shown)
        layout.activate()
        assert figures.progress.isVisible() == shown
        assert (chart.y(), chart.height(), figures.height()) == where


def test_new_figures_for_a_few_zones_set_only_their_notes_again_and_draw_as_a_fresh_chart(qtbot, monkeypatch):
    """A year on the timeline moves a few zones' figures: the chart's notes of the others are not
    set again (a Qt call each, 126 wards in Hanoi), and every note is what a fresh chart draws."""
    import pandas as pd
    import pyqtgraph as pg

    from planner_gui.docks.ward_chart import WardChart

    names = [f"Barrio {i}" for i in range(40)]  # zones of another city: Montevideo's barrios
    values = pd.Series(np.linspace(5.0, 80.0, 40), index=names)
    notes = lambda v: (v * 1.0).map(lambda x: f"{x:.1f} %")  # noqa: E731
    chart = WardChart()
    qtbot.addWidget(chart)
    chart.set_values(values, "share reached (%)", 1.0, notes(values), limit=100.0)
    moved = values.copy()
    moved["Barrio 39"] = 79.5  # still the highest: no bar changes place
    moved["Barrio 30"] = 63.0  # still tenth: in view
    moved["Barrio 3"] = 9.0  # 37th: out of view
    calls = []
    for name in ("setText", "setAnchor", "setPos", "setVisible"):
        real = getattr(pg.TextItem, name)
        monkeypatch.setattr(pg.TextItem, name, lambda self, *a, real=real, name=name: calls.append(name) or real(self, *a))
    chart.set_values(moved, "share reached (%)", 1.0, notes(moved), limit=100.0)
    assert calls.count("setPos") == 2 and calls.count("setText") == 2  # the two notes in view that moved
    assert calls.count("setVisible") == 0
    monkeypatch.undo()
    fresh = WardChart()
    qtbot.addWidget(fresh)
    fresh.set_values(moved, "share reached (%)", 1.0, notes(moved), limit=100.0)
    assert chart.shown_notes() == fresh.shown_notes()
    assert ("Barrio 30", "63.0 %", (0.0, 0.5), (63.0, 9.0)) in chart.shown_notes()
    assert "Barrio 3" not in {name for name, *_ in chart.shown_notes()}  # out of view: not drawn
    assert chart.note_texts()["Barrio 3"] == "9.0 %"


def _chart_on_screen(qtbot, names: list[str], noted_every: int = 1):
    """A zone chart of 400 x 420 px on screen, each zone's share (1-99 %) a bar, every
    `noted_every`-th bar with its note."""
    import pandas as pd

    from planner_gui.docks.ward_chart import WardChart

    values = pd.Series(np.linspace(1.0, 99.0, len(names)), index=names)
    chart = WardChart()
    qtbot.addWidget(chart)
    chart.resize(400, 420)
    chart.show()
    qtbot.waitExposed(chart)
    notes = values.map(lambda x: f"{x:.1f} %")[::noted_every]
    chart.set_values(values, "share reached (%)", 1.0, notes, limit=100.0)
    return chart


def _bars_in_view(chart) -> set[str]:
    """The zones whose bars are in the chart's view, a bar either side too (where notes are drawn)."""
    low, high = chart.plot.getViewBox().viewRange()[1]
    return {name for y, name in enumerate(chart.order) if low - 1 <= y <= high + 1}


def test_the_notes_are_drawn_by_items_for_the_bars_in_view_not_one_per_zone(qtbot):
    """Making a text item per zone took 140 ms of the GUI thread at a window's first result
    (Hanoi's 126 wards): the chart makes as many as there are notes in view."""
    chart = _chart_on_screen(qtbot, [f"Distrito {i}" for i in range(200)])  # Lima's and Callao's, and more
    low, high = chart.plot.getViewBox().viewRange()[1]
    assert len(chart.shown_notes()) <= len(chart._note_items) <= high - low + 3 < 40
    chart.plot.getViewBox().setYRange(150, 150 + high - low, padding=0)  # scrolled: the same pool
    assert len(chart._note_items) <= high - low + 3


def test_only_the_notes_of_the_bars_in_view_are_shown_and_a_scroll_shows_the_others(qtbot):
    """pyqtgraph places every shown note again after each change of the chart's view or size (the
    Coverage dock's layout moves with each result): the notes of bars out of view stay hidden."""
    chart = _chart_on_screen(qtbot, [f"Barrio {i}" for i in range(40)])

    def shown() -> set[str]:
        return {name for name, *_ in chart.shown_notes()}

    assert 3 <= len(shown()) < 40 and shown() == _bars_in_view(chart) and "Barrio 39" in shown()
    chart.plot.getViewBox().setYRange(30, 39.4, padding=0)  # scrolled to the lowest bars
    assert shown() == _bars_in_view(chart) and "Barrio 0" in shown() and "Barrio 39" not in shown()
    assert len(chart.note_texts()) == 40  # every note written, shown or not


def test_bars_without_a_note_leave_every_other_note_drawn(qtbot):
    """Bars without a note in view (a zone the figures do not cover) do not make two notes share an
    item of the pool: each note in view is drawn, at its own bar."""
    chart = _chart_on_screen(qtbot, [f"Comuna {i}" for i in range(60)], noted_every=2)  # Medellín's, and more
    notes = chart.notes
    in_view = _bars_in_view(chart) & set(notes.index)
    shown = chart.shown_notes()
    assert {name for name, *_ in shown} == in_view and len(shown) == len(in_view) >= 3
    assert all(text == notes[name] and y == chart.order.index(name) for name, text, _, (_, y) in shown)


def test_new_figures_are_shown_first_and_their_catchment_and_charts_in_later_turns(qtbot, sample_window):
    """A result's figures are written at once; its catchment on the map, its zone chart and the
    charts that follow the figures (`figures_shown`) each in a later turn of the event loop, in
    that order, so a user's action in between is answered in between; a newer result drops what
    is left of the older one."""
    panel = sample_window.dashboard.coverage
    qtbot.waitUntil(lambda: panel.coverage is not None and not panel.busy(), timeout=20_000)
    older, done = panel.coverage, []
    newer = dataclasses.replace(older, result=dataclasses.replace(older.result, value=older.result.value / 2))
    catchment, chart = panel._draw_catchment, panel.zone_chart.draw
    panel._draw_catchment = lambda coverage: done.append(("catchment", coverage)) or catchment(coverage)
    panel.zone_chart.draw = lambda: done.append(("chart", None)) or chart()
    panel.figures_shown.connect(lambda coverage: done.append(("shown", coverage)))
    panel.show_result(older)
    assert done == [] and panel.busy()  # none in the turn the figures came in
    said = panel.value_label.text()
    panel.show_result(newer)  # before the older one's turns
    assert panel.value_label.text() != said and done == []  # the newer figures, at once
    qtbot.waitUntil(lambda: not panel.busy(), timeout=5_000)
    assert done == [("catchment", newer), ("chart", None), ("shown", newer)]
