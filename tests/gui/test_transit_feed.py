"""A GTFS feed opened in the app: through File > Open's path (the loader's read_layers), its
stations and lines are layers of their roles, drawn, and SDG 11.2.1 measures the stations."""
from __future__ import annotations

import geopandas as gpd
import shapely

from layers.io import open_file_filter
from tests.feeds import write_feed
from tests.gui.helpers import load


def test_a_feed_opens_as_stations_and_lines_and_is_measured(qtbot, window, tmp_path):
    assert "stops.txt" in open_file_filter() and "GTFS" in open_file_filter()
    feed = write_feed(tmp_path)
    boundary = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(18.35, -34.0, 18.55, -33.85)],
                     crs=4326).to_file(boundary)
    load(qtbot, window, [feed, boundary])
    roles = {layer.name: layer.role for layer in window.session.layers}
    assert roles["feed stations"] == "transit_stop" and roles["feed lines"] == "transit_line"
    stations, lines = window.session.layers.find("feed stations"), window.session.layers.find("feed lines")
    assert len(stations.gdf) == 5 and len(lines.gdf) == 2 and lines.style.colour_field == "colour"
    assert "sdg-11.2.1" in window.session.measures() and "itdp-pnt" in window.session.measures()
