"""The Coverage dock's Features figure and chart show what `planner measure` reports for the same
files: buildings and schools counted in the catchment, total and by ward, computed in the worker."""
from __future__ import annotations

import json

import pytest

from layers import cli
from layers.text import features_text
from tests.cities import CITIES, write_city, write_features
from tests.gui.helpers import load

SAO_PAULO = next(c for c in CITIES if c.name == "sao_paulo")  # Web Mercator data, southern hemisphere


def test_the_dock_shows_the_cli_features_total_and_by_ward(qtbot, window, tmp_path):
    gpkg, tif = write_city(SAO_PAULO, tmp_path)
    b, s = write_features(SAO_PAULO, tmp_path)
    load(qtbot, window, [gpkg, tif, b, s])
    assert window.stack.find("buildings").role == "building"
    assert window.stack.find("sao_paulo_schools").role == "facility"
    assert window.stack.find("buildings").fields.sum_fields == ("floor_area", "jobs")  # guessed from the names
    panel = window.dashboard.coverage
    window.session.update(chart_figure="features")
    qtbot.waitUntil(lambda: panel.coverage is not None and panel.coverage.result.features
                    and not panel.busy() and not panel._timer.isActive(), timeout=20_000)
    out = tmp_path / "cli.json"
    assert cli.main([str(p) for p in (gpkg, tif, b, s)] + ["-p", "itdp-pnt", "--zones", "-f", "json", "-o", str(out)]) == 0
    [expected] = json.loads(out.read_text(encoding="utf-8"))
    shown = panel.coverage.result
    assert shown.features == expected["features"]
    assert expected["features"]["buildings"]["count_intersecting"] > 0
    assert panel.features_label.text() == "\n".join(features_text(k, v) for k, v in expected["features"].items())
    assert panel.features_label.isVisible()
    # the chart: buildings by centroid in each ward, as the CLI's zone rows say
    by_ward = {z["zone"]: z["buildings_count_by_centroid"] for z in expected["zones"]}
    assert panel.chart.values.to_dict() == pytest.approx(by_ward)
    assert sum(by_ward.values()) == expected["features"]["buildings"]["count_by_centroid"]


def test_the_fields_to_sum_are_chosen_in_the_layer_panel_as_with_sum_field(qtbot, window, tmp_path):
    """Untick 'jobs' in the Layers dock: the dock's figures are then the CLI's with --sum-field floor_area."""
    gpkg, tif = write_city(SAO_PAULO, tmp_path)
    b, _ = write_features(SAO_PAULO, tmp_path)
    load(qtbot, window, [gpkg, tif, b])
    buildings = window.stack.find("buildings")
    window.layer_panel.select(buildings)
    menu = window.layer_panel.sum_fields.menu()
    ticked = {a.text(): a for a in menu.actions()}
    assert ticked["floor_area"].isChecked() and ticked["jobs"].isChecked() and "name" not in ticked
    ticked["jobs"].setChecked(False)  # as a click on it does
    assert buildings.fields.sum_fields == ("floor_area",)
    assert window.layer_panel.sum_fields.text() == "floor_area"
    panel = window.dashboard.coverage
    qtbot.waitUntil(lambda: panel.coverage is not None and not panel.busy() and not panel._timer.isActive()
                    and "jobs_sum" not in panel.coverage.result.features.get("buildings", {"jobs_sum": 0}),
                    timeout=20_000)
    out = tmp_path / "cli.json"
    assert cli.main([str(p) for p in (gpkg, tif, b)] + ["-p", "itdp-pnt", "--zones", "--sum-field", "floor_area",
                                                        "-f", "json", "-o", str(out)]) == 0
    [expected] = json.loads(out.read_text(encoding="utf-8"))
    assert panel.coverage.result.features == expected["features"]
    assert "floor_area_sum" in expected["features"]["buildings"]
