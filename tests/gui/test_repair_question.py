"""A file that loads only with repairs that change polygons' areas: the window asks the planner,
naming the features and both areas, and loads it repaired only if told to."""
from __future__ import annotations

import geopandas as gpd
import pytest

from planner_gui.main_window import MainWindow
from tests.test_values_that_cannot_be_right import CAPE_TOWN, _hole_outside


@pytest.mark.parametrize("accept", [True, False])
def test_the_planner_chooses_whether_a_repair_that_changes_an_area_is_kept(qtbot, window, tmp_path, monkeypatch,
                                                                           accept):
    path = tmp_path / "wards.gpkg"
    gpd.GeoDataFrame({"name": ["ward 7"]}, geometry=[_hole_outside(270_000, 6_230_000)], crs=CAPE_TOWN).to_file(path)
    asked = []
    monkeypatch.setattr(MainWindow, "accept_repairs", lambda self, name, text: asked.append((name, text)) or accept)
    window.open_files([path])
    qtbot.waitUntil(lambda: bool(asked) and not window.loader.busy(), timeout=20_000)
    name, text = asked[0]
    assert name == "wards.gpkg" and "feature 1: 115.000 km2 as drawn, 143.800 km2 repaired" in text
    texts = " | ".join(window.message_bar.texts())
    if accept:
        assert [layer.name for layer in window.stack] == ["wards"]
        area_km2 = window.stack[0].in_crs(CAPE_TOWN).geometry.area.iloc[0] / 1e6
        assert area_km2 == pytest.approx(143.8) and "kept as repaired" in texts
    else:
        assert len(window.stack) == 0 and "Not loaded: its repair would change areas" in texts
    assert len(asked) == 1
