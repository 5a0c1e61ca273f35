"""The Travel time dock routes from a station of an opened feed, draws the bands as a result layer,
shows the model's figures, and follows the sketch with what it adds."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

from layers.text import km2_text, people_text, signed_text
from layers.transit.reach_figures import RouterCache, session_travel_time
from tests.feeds import CENTRAL, write_feed
from tests.gui.helpers import load


def test_travel_time_dock_routes_and_follows_the_sketch(qtbot, window, tmp_path):
    feed = write_feed(tmp_path / "feed")
    crs = "EPSG:32734"
    cx, cy = Transformer.from_crs(4326, crs, always_xy=True).transform(*CENTRAL)
    boundary = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(cx - 6000, cy - 6000, cx + 8000, cy + 6000)],
                     crs=crs).to_file(boundary)
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=140, height=120, count=1, dtype="float32", crs=crs,
                       transform=from_origin(cx - 6000, cy + 6000, 100, 100)) as dst:
        dst.write(np.full((120, 140), 5.0, dtype="float32"), 1)
    wards = tmp_path / "wards.geojson"  # two zones: the sketch's gain per zone
    gpd.GeoDataFrame({"name": ["South ward", "North ward"]}, crs=crs,
                     geometry=[shapely.box(cx - 6000, cy - 6000, cx + 8000, cy + 1500),
                               shapely.box(cx - 6000, cy + 1500, cx + 8000, cy + 6000)]).to_file(wards)
    load(qtbot, window, [feed, boundary, tif, wards])
    dock = window.travel_time
    window.travel_time_dock.raise_()
    qtbot.waitUntil(lambda: dock.origin.findText("Central") >= 0)
    dock.origin.setCurrentText("Central")
    with qtbot.waitSignal(dock.shown, timeout=60_000) as shown:
        dock.button.click()
    figures = shown.args[0]
    assert dock.table.rowCount() == 4 and "07:00-09:00" in dock.method.text() and "4.8 km/h" in dock.method.text()
    model = session_travel_time(window.session, RouterCache(), "Central", 30, 50)
    assert [b["area_km2"] for b in figures["bands"]] == [b["area_km2"] for b in model["bands"]]
    assert dock.table.item(1, 1).text() == km2_text(model["bands"][1]["area_km2"] * 1e6)
    layer = window.session.result_layer("travel_time")
    assert layer is not None and len(layer.gdf) == 4
    # a sketched line north from Central: the dock measures again and says what it adds
    line = window.session.sketch_new_line()
    for dy in (100, 2500, 5000):
        window.session.sketch_add_station(cx, cy + dy, line)
    qtbot.waitUntil(lambda: "The sketch" in dock.gain.text(), timeout=60_000)
    assert "+" in dock.gain.text()
    # per zone, as the model gives it (the largest gain first)
    qtbot.waitUntil(lambda: dock.by_zone.rowCount() == 2)
    model = session_travel_time(window.session, RouterCache(), "Central", 30, 50)["sketch_gain"]["by_zone"]
    model = model.sort_values("gain", ascending=False, kind="stable")
    assert model["gain"].sum() == pytest.approx(
        model["population_after"].sum() - model["population_before"].sum()) and model["gain"].max() > 0
    for i, row in enumerate(model.itertuples(index=False)):
        assert [dock.by_zone.item(i, j).text() for j in range(4)] == [
            str(row.zone), people_text(row.population_before), people_text(row.population_after),
            signed_text(row.gain)]


def test_travel_time_from_a_place_picked_on_the_map(qtbot, window, tmp_path):
    """"Pick on map" makes the next click the origin: the dock routes from that point, and its bands'
    people are the model's for the same place."""
    feed = write_feed(tmp_path / "feed")
    crs = "EPSG:32734"
    cx, cy = Transformer.from_crs(4326, crs, always_xy=True).transform(*CENTRAL)
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=140, height=120, count=1, dtype="float32", crs=crs,
                       transform=from_origin(cx - 6000, cy + 6000, 100, 100)) as dst:
        dst.write(np.full((120, 140), 5.0, dtype="float32"), 1)
    boundary = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(cx - 6000, cy - 6000, cx + 8000, cy + 6000)],
                     crs=crs).to_file(boundary)
    load(qtbot, window, [feed, boundary, tif])
    dock = window.travel_time
    dock.pick.click()
    assert window.tool is window.tools["pick_place"]
    working = window.session.working_crs
    x, y = Transformer.from_crs(4326, working, always_xy=True).transform(CENTRAL[0] + 0.003, CENTRAL[1] + 0.002)
    with qtbot.waitSignal(dock.shown, timeout=30_000, raising=False) as shown:
        window.tool.click(x, y)  # what the canvas's click hands the active tool
    assert shown.signal_triggered, dock.status.text()
    assert window.tool is window.tools["pan"]  # one click picks; the map pans again
    qtbot.waitUntil(lambda: window.session.result_layer("travel_time") is not None)
    lon, lat = Transformer.from_crs(working, 4326, always_xy=True).transform(x, y)
    model = session_travel_time(window.session, RouterCache(), f"{lon:.7f},{lat:.7f}", 30, 50)
    figures = shown.args[0]
    assert [b["population"] for b in figures["bands"]] == [b["population"] for b in model["bands"]]
    assert model["bands"][0]["population"] > 0
    for row, band in enumerate(model["bands"]):
        assert dock.table.item(row, 2).text() == people_text(band["population"])
    layer = window.session.result_layer("travel_time")
    assert len(layer.gdf) == len(model["bands"])
    drawn, outer = shapely.union_all(layer.gdf.geometry.values), model["polygons"][-1]
    assert shapely.symmetric_difference(drawn, outer).area < 1e-6 * outer.area
