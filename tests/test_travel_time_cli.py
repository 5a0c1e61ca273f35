"""`planner measure --travel-time`: the same figures as the model, named with feed, window, percentile,
walking speed and transfer rule; an unknown origin is said in words."""
from __future__ import annotations

import json
import math

from layers.cli import main
from layers.transit.gtfs import read_feed
from layers.transit.reach_figures import travel_time_figures
from layers.transit.router import Router, Timetable
from layers.transit.service import default_window
from tests.feeds import write_feed


def test_cli_travel_time_equals_the_model(tmp_path, capsys):
    path = write_feed(tmp_path / "feed")
    assert main([str(path), "--travel-time", "Museum", "--minutes", "20", "--percentile", "90",
                 "--max-transfers", "1", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [b["minutes"] for b in got["bands"]] == [15, 20, 30, 45, 60]
    assert got["percentile"] == 90 and got["walk_speed_kmh"] == 4.8 and "at most 1 transfer" in got["transfer_rule"]
    assert "07:00-09:00" in got["window"] and "Made-up Transit" in got["feed"]
    # the 15-minute band is at least the origin's own walking circle (1.2 km), and the train's reach makes it more
    own = math.pi * (15 * 60 * 4.8 / 3.6) ** 2 / 1e6
    assert got["bands"][0]["area_km2"] > own * 0.999
    feed = read_feed(path)
    window = default_window(feed)
    router = Router(Timetable.from_feed(feed, window.day, got["crs"]))
    model = travel_time_figures(router, "Museum", window, 20, 90, 1)
    assert [b["area_km2"] for b in got["bands"]] == [b["area_km2"] for b in model["bands"]]


def test_cli_says_an_unknown_origin_and_a_wrong_window(tmp_path, capsys):
    path = write_feed(tmp_path / "feed")
    assert main([str(path), "--travel-time", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "no stop of the feed has that name" in err and "Traceback" not in err
    assert main([str(path), "--travel-time", "Central", "--window", "9-7"]) == 2
    err = capsys.readouterr().err
    assert "--window 9-7" in err and "HH:MM-HH:MM" in err


def test_cli_gives_a_projects_sketch_gain_as_the_model_does(tmp_path, capsys):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from layers.analysis.coverage.population import PopulationGrid
    from layers.cli import build_session
    from layers.session.project import save_project
    from layers.transit.sketch_trips import LineService, reach_gain, with_sketch

    feed_path = write_feed(tmp_path / "feed")
    crs = "EPSG:32734"  # Cape Town's UTM zone, where the test feed is
    central = Router(Timetable.from_feed(read_feed(feed_path), default_window(read_feed(feed_path)).day, crs))
    cx, cy = central.timetable.stop_xy[0]
    people = np.full((100, 100), 10.0, dtype="float32")  # 10 km x 10 km of 100 m cells round Central
    tif = tmp_path / "population.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=100, height=100, count=1, dtype="float32", crs=crs,
                       transform=from_origin(cx - 5000, cy + 5000, 100, 100)) as dst:
        dst.write(people, 1)
    boundary = tmp_path / "boundary.geojson"
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"name": ["Study area"]}, geometry=[shapely.box(cx - 4000, cy - 4000, cx + 4000, cy + 4000)],
                     crs=crs).to_file(boundary)
    session = build_session([str(feed_path), str(tif), str(boundary)])
    line = session.sketch_new_line()
    for dx, dy in ((0, 100), (0, 2500), (0, 4500)):  # north from Central, where nothing runs
        session.sketch_add_station(cx + dx, cy + dy, line)
    project = tmp_path / "city.planner.json"
    save_project(project, session)
    assert main([str(project), "--travel-time", "Central", "--minutes", "20", "--sketch-headway", "5",
                 "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)["sketch_gain"]
    city = session.city()
    window = default_window(read_feed(feed_path))
    before = Router(Timetable.from_feed(read_feed(feed_path), window.day, city.crs))
    after = with_sketch(before, session.sketch, {"S1": LineService(headway_min=5)})
    xy = before.timetable.stop_xy[list(read_feed(feed_path).stops["stop_id"]).index("Central")]
    model = reach_gain(before, after, xy, window, 20, PopulationGrid.from_raster(
        [layer for layer in session.layers if layer.role == "population"][0], city.crs), study_area=city.study_area)
    assert got["gain"] > 0 and math.isclose(got["gain"], model["gain"], rel_tol=1e-9)
