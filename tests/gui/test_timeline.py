"""Timeline: the year slider sets the model's as-of year; the canvas draws that year's network."""
from __future__ import annotations

import numpy as np
import pytest




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


def test_the_coverage_curve_and_the_figures_follow_the_year(qtbot, window):
    timeline, coverage = window.dashboard.timeline, window.dashboard.coverage
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
