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


def _street_grid(x0, y0, blocks, block_m, crs):
    from layers.analysis.network import StreetGraph

    at = [i * block_m for i in range(blocks + 1)]  # a vertex at every junction: the streets meet there
    lines = [shapely.LineString([(x0 + m, y0 + k) for m in at]) for k in at]
    lines += [shapely.LineString([(x0 + k, y0 + m) for m in at]) for k in at]
    return StreetGraph.from_lines(np.array(lines), crs), np.array(lines)


def _along_streets_m(lines, sources_xy, step_m=10.0):
    """Brute force: every point of the streets every `step_m` and its distance along them from each source
    (Dijkstra over the streets cut into `step_m` pieces, SciPy)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    fine = shapely.segmentize(lines, step_m)
    xy, which = shapely.get_coordinates(fine, return_index=True)
    key = np.round(xy, 6)
    points, node = np.unique(key, axis=0, return_inverse=True)
    same_line = which[1:] == which[:-1]
    a, b = node[:-1][same_line], node[1:][same_line]
    w = np.hypot(*(points[a] - points[b]).T)
    matrix = coo_matrix((w, (a, b)), shape=(len(points),) * 2).tocsr()
    at = [int(np.flatnonzero((np.abs(points - s) < 1e-6).all(axis=1))[0]) for s in sources_xy]
    return points, dijkstra(matrix, directed=False, indices=at)


def test_street_bands_hold_only_streets_within_each_stops_budget():
    """Multi-source walking with a budget per source (the walk left at each stop reached): a street point
    inside the band is within its budget along the streets (plus the band's width round a corner), every
    street point within a budget is inside, and the band is smaller than the straight-line circles."""
    from layers.analysis.network.catchment import DEFAULT_BAND_M
    from layers.analysis.network.snap import snap_to_streets
    from layers.transit.isochrones import street_band

    x0, y0 = 300_000.0, 6_250_000.0  # UTM 33S (southern hemisphere)
    graph, lines = _street_grid(x0, y0, 20, 100.0, "EPSG:32733")
    sources = np.array([(x0 + 500, y0 + 500), (x0 + 1500, y0 + 1200), (x0 + 1000, y0 + 1850), (x0 + 200, y0 + 1700)])
    budget_m = np.array([420.0, 260.0, 150.0, -1.0])  # the last: reached too late, walks nowhere
    band = street_band(graph, snap_to_streets(graph, sources), budget_m)
    points, d = _along_streets_m(lines, sources)
    spare = (d - budget_m[:, None]).min(axis=0)  # < 0: within some source's budget
    inside = shapely.contains_xy(band, points[:, 0], points[:, 1])
    assert inside[spare <= 0].all()
    assert (spare[inside] <= DEFAULT_BAND_M * math.sqrt(2) + 1e-6).all()
    assert not shapely.intersects(band, shapely.Point(sources[3]).buffer(DEFAULT_BAND_M * 0.9))
    circles = shapely.union_all(shapely.buffer(shapely.points(sources[:3]), budget_m[:3] + DEFAULT_BAND_M))
    assert band.area < 0.8 * circles.area


def test_isochrone_walks_the_streets_where_the_router_does(tmp_path):
    """With a street network the bands are the streets reached (smaller than the circles), and every street
    point the router reaches within a band's minutes (by its own street walks) is inside it. (That a band
    holds nothing beyond its budgets is the test above, exactly; here the band's width also passes the
    router's longest walk from a stop, which the router does not walk.)"""

    graph, _ = _street_grid(X0 - 2000, Y0 - 2000, 60, 200.0, SANTIAGO)
    straight = router(tmp_path / "a")
    streets = router(tmp_path / "b", WalkRule(graph=graph))
    start = (X0 + 100, Y0 + 100)
    by_streets = isochrone(streets, start, WINDOW, bands_min=(15, 30))
    by_air = isochrone(straight, start, WINDOW, bands_min=(15, 30))
    assert (by_streets.area_km2 < by_air.area_km2).all() and (by_streets.area_km2 > 0).all()
    assert "streets reached" in by_streets.method
    # on the streets, 30 m past the junctions: no place exactly at the longest walk from a stop
    points = np.array([(X0 + x + 30, Y0 + y) for x in range(-1400, 9400, 200) for y in range(-1400, 5400, 200)])
    times = nearest_rank(streets.travel_times(start, points, WINDOW).to_destination_s, 50)
    for band, polygon in zip(by_streets.bands_min, by_streets.polygons):
        inside = shapely.contains_xy(polygon, points[:, 0], points[:, 1])
        assert inside.sum() > 0 and (times[~inside] > band * 60).all()


def test_the_sessions_routers_walk_the_street_network_they_are_given(tmp_path):
    """RouterCache keeps one router per street network: the one given a graph walks its streets (and its
    bands say so), the one without walks straight lines."""
    from pyproj import Transformer

    from layers.transit.reach_figures import RouterCache
    from tests.feeds import CENTRAL, write_feed

    crs = "EPSG:32734"
    cx, cy = Transformer.from_crs(4326, crs, always_xy=True).transform(*CENTRAL)
    graph, _ = _street_grid(cx - 4000, cy - 4000, 40, 250.0, crs)
    cache, feed = RouterCache(), write_feed(tmp_path / "feed")
    on_streets, window = cache.router(feed, crs, graph=graph)
    straight, _ = cache.router(feed, crs)
    assert on_streets.walk.graph is graph and straight.walk.graph is None
    assert cache.router(feed, crs, graph=graph)[0] is on_streets
    iso = isochrone(on_streets, (cx + 100, cy + 100), window, bands_min=(15,))
    assert "streets reached" in iso.method and iso.area_km2[0] < isochrone(
        straight, (cx + 100, cy + 100), window, bands_min=(15,)).area_km2[0]
