"""Timeline: the year slider sets the model's as-of year; the canvas draws that year's network."""
from __future__ import annotations

import numpy as np
import pytest

from layers.analysis import jobs
from planner_gui.docks.timeline import FIRST_YEAR, LAST_YEAR




@pytest.fixture
def window(sample_window):
    sample_window.canvas.full_extent()
    return sample_window


def drawn_lines(window, layer_name="Metro lines") -> set[str]:
    layer = window.stack.find(layer_name)
    return set(layer.gdf["line"].iloc[window.canvas.drawn_features(layer)].astype(str))


def test_2020_hides_line_3_and_2030_shows_line_2(qtbot, window):
    timeline = window.dashboard.timeline
    lines = window.stack.find("Metro lines")
    assert {"2", "3"} <= drawn_lines(window)  # no filter: everything, planned included
    timeline.slider.setValue(2020)
    assert window.stack.as_of_year == 2020  # model state, not a GUI flag
    assert "3" not in drawn_lines(window) and "2" not in drawn_lines(window)
    assert "3" not in set(lines.shown_in_crs(lines.crs)["line"])
    assert "3" not in drawn_lines(window, "Metro stations")
    timeline.slider.setValue(2030)
    shown = lines.gdf.iloc[window.canvas.drawn_features(lines)]
    assert "2" in set(shown["line"]) and "3" in set(shown["line"])
    assert (shown["opening_year"].fillna(0) <= 2030).all()
    timeline.set_year(None)
    assert window.stack.as_of_year is None and lines.feature_mask() is None


def open_timeline(qtbot, window) -> None:
    """The window on screen with its Timeline dock open: the curve is measured only then."""
    window.show()
    window.timeline_dock.show()
    qtbot.waitExposed(window)


def test_the_coverage_curve_and_the_figures_follow_the_year(qtbot, window):
    timeline, coverage = window.dashboard.timeline, window.dashboard.coverage
    open_timeline(qtbot, window)
    qtbot.waitUntil(lambda: timeline.timeline is not None and not timeline.runner.busy(), timeout=20_000)
    t = timeline.timeline
    assert t.years[0] == 2000 and t.years[-1] == 2040
    assert np.all(np.diff(t.values) >= 0)  # the network only grows in the sample
    assert t.values[t.years == 2020][0] < t.values[t.years == 2030][0]
    coverage.set_scenario("all")  # 'as drawn on the map'
    with qtbot.waitSignal(coverage.figures_shown, timeout=10_000) as blocker:
        timeline.slider.setValue(2030)
    assert blocker.args[0].result.value == t.values[t.years == 2030][0]  # map, figures and curve agree
    assert timeline.marker.value() == 2030 and timeline.marker.isVisible()


def test_the_gained_area_of_two_plans_is_hidden_while_the_map_shows_a_year(qtbot, window):
    """Before: at 2020 the map still showed plan 2035's gained area over the 2020 network."""
    scenarios, timeline = window.dashboard.scenarios, window.dashboard.timeline
    scenarios.set_scenarios("plan 2035 without line 2", "plan 2035")
    scenarios.recompute()
    qtbot.waitUntil(lambda: window.session.result_layer("gained") is not None and not scenarios.runner.busy(),
                    timeout=30_000)
    gained = window.session.result_layer("gained")
    assert gained.visible
    timeline.slider.setValue(2020)
    assert window.stack.as_of_year == 2020 and not gained.visible
    timeline.set_year(None)
    assert gained.visible


def test_the_timeline_never_changes_the_coverage_scenario(qtbot, window):
    """Before: moving the timeline and pressing "Show all years" set the scenario to 'all'
    (10.46 % became 16.72 %) without a word. Now the scenario is the planner's choice, the
    timeline says what the figures count, and "Count this year" is the open way to follow it."""
    from layers.session import MAP_SCENARIO

    timeline, session = window.dashboard.timeline, window.session
    assert session.settings.scenario == "existing"
    timeline.slider.setValue(2012)
    assert session.settings.scenario == "existing"
    assert "2012" in timeline.counted.text() and "existing" in timeline.counted.text()
    assert not timeline.count_button.isHidden()
    timeline.all_button.click()
    assert session.settings.scenario == "existing" and session.settings.year is None
    timeline.slider.setValue(2020)
    timeline.count_button.click()  # the planner chooses the map's year for the figures
    assert session.settings.scenario == MAP_SCENARIO and timeline.count_button.isHidden()
    assert "2020" in timeline.counted.text()


def settled(window) -> bool:
    """Every dock's follow-up of a change has run and no measure is under way or waiting."""
    docks = [window.dashboard.coverage, window.dashboard.timeline]
    return not any(dock._follow_timer.isActive() or dock.runner.busy() for dock in docks)


def test_the_curve_is_measured_only_while_the_timeline_is_open(qtbot, window):
    """A closed Timeline (as on a first run) measures no curve: its job, 41 years of the city in
    pandas, held Python's lock for seconds while a large layer was being opened and drawn, the
    GUI thread waiting. Opened, it measures the curve of the city as it is then; closed again, a
    change drops the curve (never kept as if current) and the next opening measures it again."""
    timeline = window.dashboard.timeline
    window.timeline_dock.hide()  # closed, as on a first run (the dock waits in the Analysis menu)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: settled(window), timeout=20_000)
    assert timeline.runner.latest_id == 0 and timeline.timeline is None  # the sample opened: no job asked

    window.timeline_dock.show()
    qtbot.waitUntil(lambda: timeline.timeline is not None and settled(window), timeout=30_000)
    session = window.session
    first = jobs.timeline(session.everything(), session.settings.measure, session.radius_m(),
                          session.settings.chart_figure, range(FIRST_YEAR, LAST_YEAR + 1))
    np.testing.assert_array_equal(timeline.timeline.values, first.values)
    assert session.latest["timeline"] is timeline.timeline

    window.timeline_dock.hide()
    started = []
    timeline.runner.started.connect(started.append)
    session.update(radius_m=session.radius_m() / 2)  # a change the curve follows, made while it is closed
    qtbot.waitUntil(lambda: settled(window), timeout=20_000)
    assert timeline.timeline is None and session.latest["timeline"] is None  # the old curve is gone
    assert started == []  # and no job measured a curve nobody sees

    window.timeline_dock.show()
    qtbot.waitUntil(lambda: timeline.timeline is not None and settled(window), timeout=30_000)
    again = jobs.timeline(session.everything(), session.settings.measure, session.radius_m(),
                          session.settings.chart_figure, range(FIRST_YEAR, LAST_YEAR + 1))
    assert timeline.timeline.radius_m == session.radius_m() == first.radius_m / 2
    np.testing.assert_array_equal(timeline.timeline.values, again.values)


def measured_with_the_timeline_closed(qtbot, window):
    """The window on screen, its Timeline closed, the Coverage figures measured: the Timeline panel."""
    coverage = window.dashboard.coverage
    window.timeline_dock.hide()
    window.show()
    qtbot.waitExposed(window)
    coverage.recompute()
    qtbot.waitUntil(lambda: settled(window) and coverage.latest is not None, timeout=30_000)
    return window.dashboard.timeline


def test_a_report_made_with_the_timeline_closed_measures_the_curve_and_includes_it(qtbot, window, tmp_path,
                                                                                  monkeypatch):
    """The curve is measured only while the Timeline is on screen; a report asked for with it
    closed asks for the curve, waits for it, and includes it (the curve of the city as it is)."""
    from PySide6 import QtWidgets

    timeline = measured_with_the_timeline_closed(qtbot, window)
    assert timeline.timeline is None
    path = tmp_path / "report.html"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    menu = window.export_menu
    next(a for a in menu.actions() if a.text() == "Report as &HTML…").trigger()
    qtbot.waitUntil(lambda: path.exists() and not menu.busy(), timeout=60_000)
    assert 'alt="Coverage over time"' in path.read_text()
    session = window.session
    expected = jobs.timeline(session.everything(), session.settings.measure, session.radius_m(),
                             session.settings.chart_figure, range(FIRST_YEAR, LAST_YEAR + 1))
    np.testing.assert_array_equal(timeline.timeline.values, expected.values)
    assert not window.timeline_dock.isVisible()  # measured for the report, the dock left as it was


def test_a_report_waiting_for_the_curve_is_busy_and_cancel_writes_nothing(qtbot, window, tmp_path, monkeypatch):
    from PySide6 import QtWidgets

    timeline = measured_with_the_timeline_closed(qtbot, window)
    path = tmp_path / "report.html"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    menu = window.export_menu
    action = next(a for a in menu.actions() if a.text() == "Report as &HTML…")
    action.trigger()
    assert menu.busy() and not action.isEnabled() and window.cancel_button.isVisibleTo(window)
    window.cancel_button.click()
    qtbot.waitUntil(lambda: not menu.busy() and not timeline.runner.busy(), timeout=30_000)
    assert not path.exists() and action.isEnabled()
    assert any("not written" in t for t in window.message_bar.texts())


def test_a_click_on_the_handle_while_every_year_is_shown_shows_the_year_it_rests_at(qtbot, window):
    from PySide6 import QtCore, QtWidgets

    timeline = window.dashboard.timeline
    slider = timeline.slider
    assert window.session.settings.year is None
    option = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, option,
                                           QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)
    resting = slider.value()
    qtbot.mouseClick(slider, QtCore.Qt.MouseButton.LeftButton, pos=handle.center())
    assert slider.value() == resting  # a click, not a move
    assert window.session.settings.year == resting and window.stack.as_of_year == resting
    assert timeline.year_label.text() == str(resting)
    timeline.set_year(None)
    qtbot.mouseClick(slider, QtCore.Qt.MouseButton.LeftButton, pos=handle.center())
    assert window.session.settings.year == resting


def test_the_figures_count_their_scenario_whatever_year_the_map_shows(qtbot, window):
    """Under the slider the timeline says the figures count the scenario ('existing'), not the
    map's year; they counted only what was existing and open in that year (10.47 % of the sample's
    people at all years, 0 % at 2012). With 'as drawn on the map' they follow the year."""
    timeline, session = window.dashboard.timeline, window.session

    def figure() -> float:
        qtbot.waitUntil(lambda: settled(window) and session.latest.get("coverage") is not None, timeout=20_000)
        return session.latest["coverage"].result.value

    assert session.settings.scenario == "existing"
    every_year = figure()
    assert every_year > 0
    for year in (2012, 2030):
        timeline.slider.setValue(year)
        assert figure() == every_year
    timeline.slider.setValue(2012)
    figure()
    timeline.count_button.click()  # the figures count the map's year: nothing of it was open in 2012
    qtbot.waitUntil(lambda: session.latest.get("coverage") is not None
                    and "2012" in session.latest["coverage"].result.scenario, timeout=20_000)
    assert figure() == 0.0
