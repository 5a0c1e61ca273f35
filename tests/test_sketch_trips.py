"""A sketched line becomes runs the router takes exactly (against the brute-force reference) and adds people."""
from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import Transformer

from layers.analysis.coverage.population import ZonePopulation
from layers.session.sketch import Sketch
from layers.transit.gtfs import read_feed
from layers.transit.router import Router, Timetable
from layers.transit.service import ServiceWindow
from layers.transit.sketch_trips import LineService, reach_gain, sketch_runs, with_sketch
from layers.transit.walking import WalkRule
from tests.test_router import DAY, ORIGIN_XY, SANTIAGO, brute_force, reference_runs, write_gtfs

X0, Y0 = ORIGIN_XY[SANTIAGO]
STOPS = {"A": (0, 0), "B": (3000, 0)}
LINES = [dict(route_id="Bus", stops=["A", "B"], hops=[600], starts=list(range(7 * 3600, 9 * 3600, 900)))]
WINDOW = ServiceWindow(DAY, 7 * 3600, 7 * 3600 + 1800)
# the sketch runs north from near B, drawn in lon/lat: it is moved into the timetable's CRS
SKETCH_XY = [(3100, 100), (3100, 2100), (3100, 6100)]


def sketch() -> Sketch:
    to_lonlat = Transformer.from_crs(SANTIAGO, "EPSG:4326", always_xy=True)
    s = Sketch().with_new_line("EPSG:4326")
    for e, n in SKETCH_XY:
        s = s.with_station(0, *to_lonlat.transform(X0 + e, Y0 + n))
    return s


def base_router(tmp_path) -> Router:
    feed = read_feed(write_gtfs(tmp_path / "feed", SANTIAGO, STOPS, LINES), today=DAY)
    return Router(Timetable.from_feed(feed, DAY, SANTIAGO), WalkRule())


def test_runs_from_headway_speed_and_dwell(tmp_path):
    router = base_router(tmp_path)
    service = LineService(headway_min=10, speed_kmh=36, dwell_s=20, first_s=6 * 3600, last_s=7 * 3600)
    xy, names, runs = sketch_runs(sketch(), router.timetable, {"S1": service})
    assert np.allclose(xy, np.array(SKETCH_XY) + (X0, Y0), atol=1e-3)
    assert len(runs) == 2 * 6 and names[0].endswith("S1 station 1")
    stops, arrive, depart = runs[0]
    assert stops.tolist() == [2, 3, 4]
    # 2,000 m and 4,000 m at 10 m/s, 20 s at the middle station
    assert arrive.tolist() == [6 * 3600, 6 * 3600 + 200, 6 * 3600 + 200 + 20 + 400]
    assert depart.tolist() == [6 * 3600, 6 * 3600 + 220, 6 * 3600 + 620]
    back = runs[6]  # the runs one way, then the other
    assert back[0].tolist() == [4, 3, 2] and back[1].tolist() == [6 * 3600, 6 * 3600 + 400, 6 * 3600 + 620]


def test_the_sketch_is_routed_exactly(tmp_path):
    router = base_router(tmp_path)
    service = LineService(headway_min=7, speed_kmh=30, dwell_s=25)
    after = with_sketch(router, sketch(), {"S1": service})
    dest = [(X0 + 3100, Y0 + 6300), (X0 + 3100, Y0 + 2000), (X0 + 200, Y0)]
    result = after.travel_times((X0, Y0), np.array(dest), WINDOW)
    # the reference: the feed's runs and the sketch's computed here from the headway, speed and dwell
    to_xy = Transformer.from_crs("EPSG:4326", SANTIAGO, always_xy=True)
    feed_stops = read_feed(tmp_path / "feed" / "feed.zip", today=DAY).stops
    stop_xy = {sid: to_xy.transform(lon, lat) for sid, lon, lat in zip(feed_stops["stop_id"], feed_stops["lon"],
                                                                        feed_stops["lat"])}
    sk = [after.timetable.stop_xy[2 + i] for i in range(3)]
    for i, p in enumerate(sk):
        stop_xy[f"S{i}"] = tuple(p)
    runs = reference_runs(LINES)
    hop = [round(math.dist(sk[i], sk[i + 1]) / (30 / 3.6)) for i in range(2)]
    for start in range(5 * 3600, 23 * 3600, 7 * 60):
        runs.append([("S0", start, start), ("S1", start + hop[0], start + hop[0] + 25),
                     ("S2", start + hop[0] + 25 + hop[1], start + hop[0] + 25 + hop[1])])
        runs.append([("S2", start, start), ("S1", start + hop[1], start + hop[1] + 25),
                     ("S0", start + hop[1] + 25 + hop[0], start + hop[1] + 25 + hop[0])])
    for m, t0 in enumerate(result.departure_s):
        expected, _ = brute_force(runs, stop_xy, (X0, Y0), dest, int(t0), after.walk, 4)
        assert result.to_destination_s[m].tolist() == expected


def test_the_gain_in_people_reached(tmp_path):
    router = base_router(tmp_path)
    after = with_sketch(router, sketch())
    far = shapely.box(X0 + 2600, Y0 + 5600, X0 + 3600, Y0 + 6600)  # round the sketch's last station
    near = shapely.box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)  # round the origin
    pop = ZonePopulation(np.array([far, near]), np.array([3000.0, 2000.0]), SANTIAGO)
    gain = reach_gain(router, after, (X0, Y0), WINDOW, 45, pop)
    assert math.isclose(gain["population_before"], 2000.0)  # the far block: 6 km off, no line before
    assert gain["population_after"] > 2000.0 and math.isclose(gain["gain"], gain["population_after"] - 2000.0)


def test_a_sketch_walks_only_its_own_transfers_and_they_equal_a_router_built_anew(tmp_path):
    router = base_router(tmp_path)
    after = with_sketch(router, sketch())
    anew = Router(after.timetable, after.walk)
    assert (after.transfer_ptr == anew.transfer_ptr).all()
    assert (after.transfer_to == anew.transfer_to).all() and (after.transfer_s == anew.transfer_s).all()


def test_the_gain_by_zone_adds_up_and_follows_the_bands(tmp_path):
    """Per zone, the people within the minutes without and with the sketch: each zone's share of the two
    bands weighted by area by hand (shapely), and the zones' gains add up to the whole gain."""
    import geopandas as gpd

    from layers.transit.isochrones import isochrone

    router = base_router(tmp_path)
    after = with_sketch(router, sketch())
    far = shapely.box(X0 + 2600, Y0 + 5600, X0 + 3600, Y0 + 6600)
    near = shapely.box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)
    pop = ZonePopulation(np.array([far, near]), np.array([3000.0, 2000.0]), SANTIAGO)
    zones = gpd.GeoDataFrame({"zone": ["south", "north"]}, crs=SANTIAGO,
                             geometry=[shapely.box(X0 - 9000, Y0 - 9000, X0 + 9000, Y0 + 3000),
                                       shapely.box(X0 - 9000, Y0 + 3000, X0 + 9000, Y0 + 9000)])
    gain = reach_gain(router, after, (X0, Y0), WINDOW, 45, pop, zones=zones)
    table = gain["by_zone"].set_index("zone")
    for column, r in (("population_before", router), ("population_after", after)):
        band = isochrone(r, (X0, Y0), WINDOW, (45,)).polygons[0]
        for name, zone in zip(zones["zone"], zones.geometry):
            by_hand = sum(p * shapely.intersection(shapely.intersection(band, zone), block).area / block.area
                          for block, p in ((far, 3000.0), (near, 2000.0)))
            assert math.isclose(table.loc[name, column], by_hand, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(table["gain"].sum(), gain["gain"], rel_tol=1e-9)
    assert table.loc["north", "gain"] > 0 and math.isclose(table.loc["south", "gain"], 0.0, abs_tol=1e-6)
