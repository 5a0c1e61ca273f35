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


def test_cli_says_an_unknown_origin(tmp_path, capsys):
    path = write_feed(tmp_path / "feed")
    assert main([str(path), "--travel-time", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "no stop of the feed has that name" in err and "Traceback" not in err
