"""Analysis > Coverage by zone on the map: the wards coloured by the latest result's share of people
reached, in classes, drawn over the zones, named in the legend and on the print page."""
from __future__ import annotations

import numpy as np


def _settled(window) -> bool:
    coverage = window.dashboard.coverage
    return coverage.coverage is not None and not coverage.busy()


def test_the_wards_coloured_by_share_reached(qtbot, sample_window):
    from layers.analysis.zone_map import figures_for
    from planner_gui.export.print_layout import print_content
    from planner_gui.export.print_page import PageSpec
    from planner_gui.map.legend.entries import legend_entries
    from planner_gui.zone_map_menu import RESULT_KEY

    window = sample_window
    qtbot.waitUntil(lambda: _settled(window), timeout=60_000)
    result = window.session.latest["coverage"].result
    menu = window.zone_map_menu
    menu.aboutToShow.emit()  # the menu offers what the result's zone table allows
    offered = [a.text() for a in menu.actions() if a.isCheckable()]
    assert "Share of people reached" in offered and "Off" in offered
    assert set(figures_for(result.zones)) >= {"population_share", "people_not_reached_per_km2"}
    menu.show_figure("population_share")
    layer = window.session.result_layer(RESULT_KEY)
    assert layer is not None and "5 quantile classes" in layer.name
    frame = layer.gdf
    shares = result.zones["population_share"]
    shares = shares[~shares.index.duplicated()]
    assert np.allclose(frame["value"], [100 * shares.get(name, np.nan) for name in frame["zone"]], equal_nan=True)
    # each class holds the zones whose share lies in it
    for text, rows in frame.groupby("Share of people reached (%)"):
        if text == "no figure":
            continue
        low, _, high = text.partition(" – ")
        high = high or low
        assert (rows["value"] >= float(low.replace(",", "")) - 0.05).all()
        assert (rows["value"] <= float(high.replace(",", "")) + 0.05).all()
    entry = next(e for e in legend_entries(window.session, window.canvas) if e.layer == layer.name)
    assert entry.groups[0][0] == "Share of people reached (%)" and len(entry.groups[0][1]) == frame["colour"].nunique()
    page = print_content(window.canvas, PageSpec("A4", dpi=96), "t", "s")
    assert layer.name in [e.layer for e in page.legend]
    # a new result redraws it; Off takes it away
    window.session.set_latest("coverage", window.session.latest["coverage"])
    assert window.session.result_layer(RESULT_KEY) is not None
    menu.show_figure(None)
    assert window.session.result_layer(RESULT_KEY) is None
