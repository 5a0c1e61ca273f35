"""A file that loads only with repairs that change polygons' areas: the window asks the planner,
naming the features and both areas, and loads it repaired only if told to."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from planner_gui.main_window import MainWindow
from tests.test_project_repairs import project_with_a_ward_to_repair
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


@pytest.mark.parametrize("accept", [True, False])
def test_a_projects_layer_whose_repair_changes_its_area_is_asked_about(qtbot, window, tmp_path, monkeypatch, accept):
    path = project_with_a_ward_to_repair(tmp_path / "city")
    asked = []
    monkeypatch.setattr(MainWindow, "accept_repairs", lambda self, name, text: asked.append((name, text)) or accept)
    monkeypatch.setattr(MainWindow, "keep_partial_project", lambda self, name, text: True)
    window.open_files([path])
    qtbot.waitUntil(lambda: bool(asked) and not window.loader.busy() and len(window.stack) > 0, timeout=20_000)
    name, text = asked[0]
    assert name == "cape town.planner.json" and "city_boundary.gpkg" in text and "km2 as drawn" in text
    assert len(asked) == 1
    if accept:
        assert sorted(layer.name for layer in window.stack) == ["city_boundary", "metro_stations"]
        ward = next(layer for layer in window.stack if layer.name == "city_boundary")
        drawn = _hole_outside(270_000, 6_230_000)
        expected_km2 = (shapely.Polygon(drawn.exterior).area + shapely.Polygon(drawn.interiors[0]).area) / 1e6
        assert ward.in_crs(CAPE_TOWN).geometry.area.iloc[0] / 1e6 == pytest.approx(expected_km2, rel=1e-6)
    else:
        assert [layer.name for layer in window.stack] == ["metro_stations"]
        assert "city_boundary.gpkg" in " | ".join(window.message_bar.texts())
