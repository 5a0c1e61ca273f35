"""Scenario compare: adding line 2 gains the people `planner measure --compare` says it does."""
from __future__ import annotations

import json

import pytest

from layers import cli
from tests.gui.conftest import SAMPLE_PROJECT



@pytest.fixture
def window(sample_window):
    return sample_window


def test_line_2_gains_people_equal_to_the_cli(qtbot, window, tmp_path):
    panel = window.dashboard.scenarios
    coverage = window.dashboard.coverage
    qtbot.waitUntil(lambda: coverage.coverage is not None and not coverage.busy(), timeout=20_000)
    assert coverage.measure == "itdp-pnt" and coverage.radius_m == 1000
    panel.set_scenarios("plan 2035 without line 2", "plan 2035")
    with qtbot.waitSignal(panel.shown, timeout=20_000) as blocker:
        panel.recompute()
    d = blocker.args[0]
    out = tmp_path / "compare.json"
    assert cli.main([str(SAMPLE_PROJECT), "--preset", "itdp-pnt", "--compare", "plan-2035-without-line-2",
                     "plan-2035", "--zones", "--format", "json", "-o", str(out)]) == 0
    [expected] = json.loads(out.read_text(encoding="utf-8"))
    assert d.gained_population > 0
    for key in ("gained_population", "lost_population", "population_a", "population_b", "net_population",
                "gained_area_m2", "lost_area_m2", "scenario_a", "scenario_b", "crs"):
        assert getattr(d, key) == expected[key], key
    assert panel.gain_label.text() == f"{expected['net_population']:+,.0f} people reached"
    assert "EPSG:32648" in panel.crs_label.text()
    gained = window.session.result_layer("gained")
    assert gained is not None and gained.source is None
    assert gained.gdf.geometry.iloc[0].area == pytest.approx(expected["gained_area_m2"])
    assert window.canvas.items_for(gained)  # drawn on the map
    assert panel.zones.rowCount() > 0
