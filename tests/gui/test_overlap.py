"""Overlap dock: metro x green x digital on the Hanoi sample, as a table and as a result layer."""
from __future__ import annotations


import pytest




@pytest.fixture
def window(sample_window):
    return sample_window


def _number(text: str) -> float:
    return float(text.split()[0].replace(",", "").rstrip("%"))


def test_overlap_pieces_add_up_to_the_city_and_are_drawn_one_colour_per_combination(qtbot, window):
    overlap = window.dashboard.overlap
    action = next(a for a in window.menuBar().actions() if a.text() == "&Analysis").menu().actions()
    assert "Overlap" in [a.text() for a in action]
    with qtbot.waitSignal(overlap.shown, timeout=60_000) as blocker:
        overlap.button.click()
    result = blocker.args[0]
    assert result.names == ["metro", "green", "digital"]
    table = result.table
    assert len(table) == 8  # every combination of three, "none" included
    assert table["area_m2"].sum() == pytest.approx(result.study_area_m2, rel=1e-6)
    assert table["population"].sum() == pytest.approx(result.study_population, rel=1e-6)
    assert table["area_share"].sum() == pytest.approx(1.0, rel=1e-6)
    assert table["population_share"].sum() == pytest.approx(1.0, rel=1e-6)
    assert result.study_population > 1_000_000  # it is Hanoi's population, not an empty grid

    # the dock's table shows those rows
    widget = overlap.table
    assert widget.rowCount() == len(table)
    shown = {widget.item(i, 0).text(): i for i in range(widget.rowCount())}
    assert set(shown) == set(table["combination"])
    km2 = sum(_number(widget.item(i, 1).text()) for i in range(widget.rowCount()))
    assert km2 == pytest.approx(result.study_area_m2 / 1e6, abs=0.01 * len(table))
    people = sum(_number(widget.item(i, 3).text()) for i in range(widget.rowCount()))
    assert people == pytest.approx(result.study_population, abs=len(table))

    # the map: one result layer, not saved with the project, one colour per combination
    layer = window.session.result_layer("overlap")
    assert layer is not None and layer in window.session.results and layer.source is None
    assert [l for l in window.session.results if l.name.startswith("Overlap")] == [layer]
    assert layer not in window.stack  # results are not input layers
    combos = set(layer.gdf["combination"])
    assert "none" not in combos and len(combos) >= 4
    graphic = window.canvas.graphic(layer)
    assert window.canvas.items_for(layer)
    fills = {}
    for item, rows in graphic.classes:
        [combo] = set(layer.gdf["combination"].iloc[rows])  # one combination per drawn class
        fills[combo] = item.brush().color().name()
    assert set(fills) == combos
    assert len(set(fills.values())) == len(combos), fills  # distinct colours

    # a new radius recomputes the shown overlap into the same layer (not a second one)
    with qtbot.waitSignal(overlap.shown, timeout=60_000) as blocker:
        window.dashboard.coverage.radius_slider.setValue(500)
    smaller = blocker.args[0]
    metro = lambda r: r.table.loc[r.table["in_metro"], "area_m2"].sum()  # noqa: E731
    assert metro(smaller) < metro(result)
    assert smaller.table["area_m2"].sum() == pytest.approx(smaller.study_area_m2, rel=1e-6)
    assert [l for l in window.session.results if l.name.startswith("Overlap")] == [layer]

    # Before: the pieces stayed on the map, painting the core opaque, whatever tab was raised.
    # Now translucent, outlined, and on the map only while the Overlap dock is on screen.
    assert layer.style.fill_alpha <= 0.3 and layer.style.width >= 1.0
    window.show()
    qtbot.waitExposed(window)
    window.overlap_dock.raise_()
    qtbot.waitUntil(lambda: layer.visible, timeout=5_000)
    window.coverage_dock.raise_()
    qtbot.waitUntil(lambda: not layer.visible, timeout=5_000)
    window.overlap_dock.raise_()
    qtbot.waitUntil(lambda: layer.visible, timeout=5_000)
