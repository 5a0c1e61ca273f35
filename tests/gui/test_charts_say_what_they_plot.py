"""The ward chart: the number at each bar's end is the figure the bar plots, with its unit; the
selector offers and names only figures the loaded layers and the measure give; shares stop at 100 %."""
from __future__ import annotations

import pytest


@pytest.fixture
def panel(qtbot, sample_window):
    panel = sample_window.dashboard.coverage
    shown = []
    panel.figures_shown.connect(shown.append)
    panel.recompute()
    qtbot.waitUntil(lambda: bool(shown) and not panel.busy(), timeout=20_000)
    return panel


def test_each_bar_ends_with_its_own_figure_in_the_unit_of_the_title(qtbot, panel):
    """Before: the bar was a share of people and its number the km² reached."""
    zones = panel.coverage.result.zones
    notes = panel.chart.note_texts()
    assert notes and panel.chart.title.text() == "share of population (%)"
    for ward, text in notes.items():
        share = zones.loc[ward, "population_share"]
        share = share.iloc[0] if hasattr(share, "iloc") else share
        assert text == f"{100 * share:.1f} %", ward
    assert panel.chart.x_end <= 100.0  # a share's axis ends at 100 % at most (it ran to 130 %)


def test_only_figures_the_layers_give_and_titled_once(qtbot, panel):
    offered = [panel.figure_combo.itemData(i) for i in range(panel.figure_combo.count())]
    roles = {layer.role for layer in panel.stack}
    assert ("features_area_m2" in offered) == bool(roles & {"building", "facility"})
    assert all("(m²)" not in panel.figure_combo.itemText(i) for i in range(panel.figure_combo.count()))
    panel.session.update(chart_figure="population")
    qtbot.waitUntil(lambda: panel.chart.title.text() == "people reached (people)", timeout=5_000)


def test_green_per_resident_names_its_own_figure(qtbot, panel):
    """Before: with 'Green area per resident' the selector still said 'share of population'."""
    if "green-per-resident" not in panel.measures():
        pytest.skip("the sample has no green space")
    with qtbot.waitSignal(panel.figures_shown, timeout=20_000):
        panel.set_measure("green-per-resident")
    qtbot.waitUntil(lambda: panel.chart.title.text().startswith("Green area per resident"), timeout=5_000)
    assert [panel.figure_combo.itemText(i) for i in range(panel.figure_combo.count())] == ["Green area per resident"]
    assert panel.chart.title.text() == "Green area per resident (m² per resident)"
