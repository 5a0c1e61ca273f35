"""What keeps the window's GUI thread from waiting on a large layer: the process tuned once the
window is built (`planner_gui.process`) and the timeline's filter worked out once per layer and year
(`planner_gui.map.shown`), whichever view asks."""
from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import shapely

from layers.analysis.scenario import Scenario
from layers.layer import VectorLayer
from planner_gui.map.shown import shown_mask


def test_the_window_process_is_tuned_once():
    """In a process of its own (it changes the process for good): a 1 ms switch interval, the
    objects that exist then frozen out of the collector's sight, and a second call changes nothing."""
    code = (
        "import gc, sys\n"
        "from planner_gui.process import tune_for_window, SWITCH_INTERVAL_S\n"
        "assert gc.get_freeze_count() == 0\n"
        "tune_for_window()\n"
        "frozen = gc.get_freeze_count()\n"
        "assert frozen > 1000, frozen\n"
        "assert sys.getswitchinterval() == SWITCH_INTERVAL_S\n"
        "junk = [[i] for i in range(5000)]\n"
        "tune_for_window()\n"
        "assert gc.get_freeze_count() == frozen, 'a second call froze more'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


class CountingScenario(Scenario):
    """A scenario that counts how often its mask is worked out."""

    worked_out = 0

    def mask(self, gdf, dated=None):
        type(self).worked_out += 1
        return super().mask(gdf, dated)


def _layer() -> VectorLayer:
    years = np.array([2001, 2015, 2030, 2040, 2012])
    frame = gpd.GeoDataFrame({"opening_year": years}, geometry=shapely.points(np.arange(5.0), np.zeros(5)),
                             crs="EPSG:32633")
    return VectorLayer(name="stops", gdf=frame)


def test_the_shown_features_are_worked_out_once_per_filter(monkeypatch):
    from layers.analysis.scenario import DatedFields

    of, read = DatedFields.of.__func__, []
    monkeypatch.setattr(DatedFields, "of", classmethod(lambda cls, gdf: read.append(len(gdf)) or of(cls, gdf)))
    layer = _layer()
    assert shown_mask(layer) is None  # no filter: every feature shown
    CountingScenario.worked_out = 0
    layer.feature_filter = CountingScenario.as_of(2020)
    first = shown_mask(layer)
    assert first.tolist() == (layer.gdf["opening_year"] <= 2020).tolist()  # the rule, by pandas
    assert shown_mask(layer) is first and CountingScenario.worked_out == 1  # asked again: not worked out again
    assert not first.flags.writeable  # shared by every view: nobody changes it
    layer.feature_filter = CountingScenario.as_of(2035)
    assert shown_mask(layer).tolist() == [True, True, True, False, True]
    assert CountingScenario.worked_out == 2
    layer.feature_filter = CountingScenario.as_of(2020)  # back to a year seen before: kept
    assert shown_mask(layer) is first and CountingScenario.worked_out == 2
    other = CountingScenario.as_of(2005)  # a picture painted for the filter it was asked with
    assert shown_mask(layer, other).tolist() == [True, False, False, False, False]
    assert read == [5]  # the fields read once for every filter of these features
    layer.gdf = layer.gdf.iloc[:3].copy()  # new features: worked out again
    assert shown_mask(layer, other).tolist() == [True, False, False]
    assert read == [5, 3]


def test_a_year_on_the_timeline_keeps_a_layers_items_and_filters_its_features(qtbot, window, tmp_path):
    """A small polygon layer (Berlin, lon/lat; the working CRS UTM 33N from the data): a year on the
    timeline keeps its graphics items (same style, same classes) and draws exactly the features
    open that year; a new style makes new items."""
    import dataclasses

    from tests.gui.helpers import load

    lon = 13.30 + np.arange(30) % 6 * 0.01
    lat = 52.45 + np.arange(30) // 6 * 0.01
    frame = gpd.GeoDataFrame({"name": [f"Block {k}" for k in range(30)], "opening_year": 2000 + np.arange(30)},
                             geometry=shapely.box(lon, lat, lon + 0.005, lat + 0.004), crs="EPSG:4326")
    path = tmp_path / "blocks.gpkg"
    frame.to_file(path, layer="blocks", engine="pyogrio")
    load(qtbot, window, [path])
    layer = window.session.layers.find("blocks")
    canvas = window.canvas
    assert window.session.working_crs.to_epsg() == 32633
    canvas.zoom_to_layer(layer)
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=20_000)
    items = canvas.graphic(layer).items()
    for year in (2010, 2024):
        window.session.layers.set_as_of_year(year)
        qtbot.waitUntil(lambda: not canvas.busy(), timeout=20_000)
        assert canvas.graphic(layer).items() == items  # the same items, refilled
        assert canvas.drawn_features(layer).tolist() == np.flatnonzero(frame["opening_year"] <= year).tolist()
    window.session.layers.set_as_of_year(None)
    qtbot.waitUntil(lambda: not canvas.busy(), timeout=20_000)
    assert canvas.drawn_features(layer).tolist() == list(range(30))
    window.session.set_style(layer, dataclasses.replace(layer.style, stroke="#123456"))
    assert canvas.graphic(layer).items()[1:] != items[1:]  # a new style: new items with its pens
    assert canvas.graphic(layer).items()[1].pen().color().name() == "#123456"
