"""Isochrone bands claim only places reached within their minutes; people and zone shares add up."""
from __future__ import annotations

import math

import numpy as np
import shapely

from layers.analysis.coverage.population import ZonePopulation
from layers.transit.isochrones import isochrone, people_within, zone_shares
from layers.transit.router import Router, nearest_rank
from layers.transit.service import ServiceWindow
from layers.transit.walking import WalkRule
from tests.test_router import DAY, ORIGIN_XY, SANTIAGO, write_gtfs
from layers.transit.gtfs import read_feed
from layers.transit.router import Timetable

X0, Y0 = ORIGIN_XY[SANTIAGO]
STOPS = {"A": (0, 0), "B": (4000, 0), "C": (8000, 500), "D": (4000, 4000)}
LINES = [dict(route_id="East", stops=["A", "B", "C"], hops=[240, 240], dwell_s=30,
              starts=list(range(7 * 3600, 9 * 3600 + 1800, 300))),
         dict(route_id="North", stops=["B", "D"], hops=[300], starts=list(range(7 * 3600 + 120, 9 * 3600 + 1800, 600)))]
WINDOW = ServiceWindow(DAY, 7 * 3600, 8 * 3600)


def router(tmp_path, walk=None):
    feed = read_feed(write_gtfs(tmp_path / "feed", SANTIAGO, STOPS, LINES), today=DAY)
    return Router(Timetable.from_feed(feed, DAY, SANTIAGO), walk or WalkRule())


def test_bands_hold_only_places_reached_within_their_minutes(tmp_path):
    r = router(tmp_path)
    iso = isochrone(r, (X0 + 50, Y0), WINDOW, percentile=50)
    points = np.array([(X0 + x, Y0 + y) for x in range(-1500, 9500, 250) for y in range(-2000, 5500, 250)])
    times = nearest_rank(r.travel_times((X0 + 50, Y0), points, WINDOW).to_destination_s, 50)
    for band, polygon in zip(iso.bands_min, iso.polygons):
        inside = shapely.contains_xy(shapely.buffer(polygon, -1.0), points[:, 0], points[:, 1])
        assert (times[inside] <= band * 60).all()
        assert inside.sum() > 0
    # the 15-minute band reaches C's surroundings by the train (8 km), far beyond 15 minutes' walk (1.2 km)
    assert shapely.contains_xy(iso.polygons[1], X0 + 8000, Y0 + 500)
    assert not shapely.contains_xy(shapely.buffer(shapely.Point(X0 + 50, Y0), 15 * 80.0), X0 + 8000, Y0 + 500)
    # bands grow
    assert (np.diff(iso.area_km2) >= 0).all()


def test_without_a_reachable_stop_a_band_is_the_walking_circle(tmp_path):
    r = router(tmp_path, WalkRule(max_access_min=1.0))
    iso = isochrone(r, (X0 - 3000, Y0 - 3000), WINDOW, bands_min=(15,))
    radius = 15 * 60 * 4.8 / 3.6
    assert math.isclose(iso.area_km2[0], math.pi * radius**2 / 1e6, rel_tol=1e-3)


def test_people_and_counted_fields_within_bands():
    squares = np.array([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)])
    pop = ZonePopulation(squares, np.array([1000.0, 500.0]), SANTIAGO)
    band = shapely.box(50, 0, 150, 100)
    got = people_within([band], pop, {"jobs": (np.array([[10, 10], [60, 50], [150, 100]]), np.array([1, 2, 4]))})
    assert math.isclose(got["population"][0], 500 + 250)
    assert got["jobs"][0] == 6  # the job on the band's edge counts


def test_zone_shares_follow_the_reach_of_each_square(tmp_path):
    r = router(tmp_path)
    zones = np.array([shapely.box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500),  # round A, next to the line
                      shapely.box(X0 + 20000, Y0, X0 + 21000, Y0 + 1000)])  # 20 km away, no stop
    pop = ZonePopulation(zones, np.array([4000.0, 1000.0]), SANTIAGO)
    shares = zone_shares(r, (X0 + 8000, Y0 + 500), zones, ["near", "far"], pop, WINDOW, minutes=30, spacing_m=250)
    assert np.allclose(shares["population"], [4000, 1000])
    assert shares["share"].iloc[0] == 1.0 and shares["share"].iloc[1] == 0.0
