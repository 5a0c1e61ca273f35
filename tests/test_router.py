"""The router's travel times equal a brute-force earliest-arrival search, per departure minute, to the second.

Feeds are made here as GTFS (read by `layers.transit.gtfs`, frequencies expanded there) in Rome's
UTM zone (33N) and in Santiago's (19S); the reference below never sees the router's arrays: it
expands the runs from the same Python description, projects the stops itself and searches the
time-expanded graph with Dijkstra in plain Python.
"""
from __future__ import annotations

import datetime as dt
import heapq
import math
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from layers.transit.gtfs import read_feed
from layers.transit.router import UNREACHED, Router, Timetable, nearest_rank
from layers.transit.service import ServiceWindow
from layers.transit.walking import WalkRule

DAY = dt.date(2024, 6, 4)  # a Tuesday
ROME = "EPSG:32633"
SANTIAGO = "EPSG:32719"
ORIGIN_XY = {ROME: (290_000.0, 4_640_000.0), SANTIAGO: (350_000.0, 6_300_000.0)}


# -- feeds made by the tests --------------------------------------------------------------------------
def write_gtfs(folder, crs, stops: dict, lines: list[dict]):
    """stops: id -> (east, north) metres from the zone's origin point; lines: route_id, stops, hops
    (seconds between stops), dwell_s, and either starts (seconds) or frequencies (start, end, headway)."""
    x0, y0 = ORIGIN_XY[crs]
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    rows = []
    for sid, (e, n) in stops.items():
        lon, lat = to_lonlat.transform(x0 + e, y0 + n)
        rows.append(dict(stop_id=sid, stop_name=f"Stop {sid}", stop_lat=f"{lat:.9f}", stop_lon=f"{lon:.9f}"))
    routes, trips, times, freqs = [], [], [], []
    for line in lines:
        routes.append(dict(route_id=line["route_id"], route_short_name=line["route_id"], route_type=1))
        pattern = _pattern(line)
        starts = line.get("starts", [line["frequencies"][0][0]] if "frequencies" in line else [])
        for k, start in enumerate(starts):
            trip = f"{line['route_id']}_{k}"
            trips.append(dict(route_id=line["route_id"], service_id="WK", trip_id=trip))
            for seq, (sid, arr, dep) in enumerate(pattern):
                times.append(dict(trip_id=trip, arrival_time=_hms(start + arr), departure_time=_hms(start + dep),
                                  stop_id=sid, stop_sequence=seq))
            for f_start, f_end, headway in line.get("frequencies", []):
                freqs.append(dict(trip_id=trip, start_time=_hms(f_start), end_time=_hms(f_end), headway_secs=headway))
    calendar = pd.DataFrame([dict(service_id="WK", monday=1, tuesday=1, wednesday=1, thursday=1, friday=1,
                                  saturday=0, sunday=0, start_date="20240101", end_date="20241231")])
    tables = {"agency": pd.DataFrame([dict(agency_name="Test Transit", agency_url="https://example.org",
                                           agency_timezone="UTC")]),
              "stops": pd.DataFrame(rows), "routes": pd.DataFrame(routes), "trips": pd.DataFrame(trips),
              "stop_times": pd.DataFrame(times), "calendar": calendar}
    if freqs:
        tables["frequencies"] = pd.DataFrame(freqs)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, frame in tables.items():
            archive.writestr(f"{name}.txt", frame.to_csv(index=False))
    return path


def _pattern(line):
    """(stop, arrival offset, departure offset) along a line."""
    out, t = [], 0
    for i, sid in enumerate(line["stops"]):
        if i:
            t += line["hops"][i - 1]
        dwell = line.get("dwell_s", 0) if 0 < i < len(line["stops"]) - 1 else 0
        out.append((sid, t, t + dwell))
        t += dwell
    return out


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def reference_runs(lines):
    """Every vehicle journey as [(stop, arrival_s, departure_s)], frequencies expanded by hand."""
    runs = []
    for line in lines:
        pattern = _pattern(line)
        if "frequencies" in line:
            starts = [s for f_start, f_end, h in line["frequencies"] for s in range(f_start, f_end, h)]
        else:
            starts = line["starts"]
        for start in starts:
            runs.append([(sid, start + a, start + d) for sid, a, d in pattern])
    return runs


# -- the reference: Dijkstra over the time-expanded graph ---------------------------------------------
def brute_force(runs, stop_xy, origin, destinations, t0, walk: WalkRule, max_transfers):
    """Earliest arrival at each destination leaving `origin` at t0: states are (ready at a stop, rides
    so far) and (alighted at a stop, rides); events are the runs' calls. Returns (to destinations,
    to stops by a ride), seconds, None where unreached."""
    speed = walk.speed_kmh / 3.6

    def seconds(p, q):
        return math.ceil(math.dist(p, q) / speed - 1e-9)

    access_m = walk.max_access_min * 60 * speed
    heap = [(t0 + seconds(origin, xy), "ready", s, 0) for s, xy in stop_xy.items() if math.dist(origin, xy) <= access_m]
    heapq.heapify(heap)
    done, ride_arrival = set(), {}
    while heap:
        t, kind, s, n = heapq.heappop(heap)
        if (kind, s, n) in done:
            continue
        done.add((kind, s, n))
        if kind == "ready" and n <= max_transfers:
            for run in runs:
                for i in range(len(run) - 1):
                    if run[i][0] == s and run[i][2] >= t:
                        for stop, arr, _ in run[i + 1:]:
                            heapq.heappush(heap, (arr, "alighted", stop, n + 1))
        elif kind == "alighted":
            ride_arrival[s] = min(ride_arrival.get(s, t), t)
            for s2, xy in stop_xy.items():
                if math.dist(stop_xy[s], xy) <= walk.max_transfer_m:
                    heapq.heappush(heap, (t + seconds(stop_xy[s], xy), "ready", s2, n))
    to_dest = []
    for d in destinations:
        best = seconds(origin, d)
        for s, t in ride_arrival.items():
            if math.dist(stop_xy[s], d) <= access_m:
                best = min(best, t - t0 + seconds(stop_xy[s], d))
        to_dest.append(best)
    return to_dest, {s: t - t0 for s, t in ride_arrival.items()}


def check_against_reference(tmp_path, crs, stops, lines, origin, destinations, window, walk=None, max_transfers=4):
    walk = walk or WalkRule()
    feed = read_feed(write_gtfs(tmp_path / "feed", crs, stops, lines), today=DAY)
    timetable = Timetable.from_feed(feed, window.day, crs)
    router = Router(timetable, walk)
    x0, y0 = ORIGIN_XY[crs]
    at = lambda e, n: (x0 + e, y0 + n)  # noqa: E731
    dest_xy = [at(*d) for d in destinations]
    result = router.travel_times(at(*origin), np.array(dest_xy), window, max_transfers=max_transfers)
    # the reference projects the stops as the feed gives them (lon/lat) itself
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    stop_xy = {sid: to_xy.transform(lon, lat) for sid, lon, lat in
               zip(feed.stops["stop_id"], feed.stops["lon"], feed.stops["lat"])}
    runs = reference_runs(lines)
    stop_row = {sid: i for i, sid in enumerate(feed.stops["stop_id"])}
    assert len(result.departure_s) == (window.end_s - window.start_s) // 60
    for m, t0 in enumerate(result.departure_s):
        expected, by_stop = brute_force(runs, stop_xy, at(*origin), dest_xy, int(t0), walk, max_transfers)
        got = result.to_destination_s[m]
        assert got.tolist() == [e if e < UNREACHED else UNREACHED for e in expected], f"departure {_hms(int(t0))}"
        got_stop = {sid: int(result.to_stop_s[m, row]) for sid, row in stop_row.items()
                    if result.to_stop_s[m, row] != UNREACHED}
        assert got_stop == by_stop, f"departure {_hms(int(t0))}"
    return result


def grid(step=400, span=3200):
    return [(e, n) for e in range(-400, span, step) for n in range(-400, span, step)]


# -- the cases ----------------------------------------------------------------------------------------
CROSSING_STOPS = {"A1": (0, 0), "A2": (1500, 0), "X": (3000, 0), "A4": (4500, 0),
                  "B1": (3000, -3000), "B2": (3000, -1500), "B4": (3100, 1500), "B5": (3100, 3000),
                  "A5": (3150, 1620)}  # A's end is 123 m from B4: a transfer on foot


@pytest.mark.parametrize("crs", [ROME, SANTIAGO])
def test_two_crossing_lines_with_a_transfer(tmp_path, crs):
    lines = [dict(route_id="A", stops=["A1", "A2", "X", "A4", "A5"], hops=[120, 120, 120, 200], dwell_s=20,
                  starts=list(range(7 * 3600, 8 * 3600, 600))),
             dict(route_id="B", stops=["B1", "B2", "X", "B4", "B5"], hops=[150, 150, 150, 150], dwell_s=30,
                  starts=list(range(7 * 3600 + 240, 8 * 3600 + 1800, 420))),
             dict(route_id="Bback", stops=["B5", "B4", "X", "B2", "B1"], hops=[150, 150, 150, 150], dwell_s=30,
                  starts=list(range(7 * 3600 + 60, 8 * 3600 + 1800, 480)))]
    result = check_against_reference(tmp_path, crs, CROSSING_STOPS, lines, origin=(-200, 100),
                                     destinations=grid() + [(3000, -3000), (3100, 3000)],
                                     window=ServiceWindow(DAY, 7 * 3600, 8 * 3600))
    # B's far end is reached by A, a change at X (or the walk from A5) and B
    assert (result.to_destination_s[:, -1] < 3600).all()


@pytest.mark.parametrize("max_transfers", [0, 1])
def test_the_limit_on_transfers_is_kept(tmp_path, max_transfers):
    lines = [dict(route_id="A", stops=["A1", "A2", "X", "A4", "A5"], hops=[120, 120, 120, 200], dwell_s=20,
                  starts=list(range(7 * 3600, 8 * 3600, 600))),
             dict(route_id="B", stops=["X", "B4", "B5"], hops=[150, 150], starts=list(range(7 * 3600, 9 * 3600, 300)))]
    result = check_against_reference(tmp_path, ROME, CROSSING_STOPS, lines, origin=(0, 0),
                                     destinations=[(3100, 3000), (3000, 0)],
                                     window=ServiceWindow(DAY, 7 * 3600, 7 * 3600 + 1800), max_transfers=max_transfers,
                                     walk=WalkRule(max_transfer_m=50.0))
    reached_b5 = (result.to_destination_s[:, 0] < 20 * 60).any()
    assert reached_b5 == (max_transfers == 1)  # 3.4 km on foot is 43 min; with a change at X, minutes


def test_a_branch(tmp_path):
    stops = {"T1": (0, 0), "T2": (1000, 0), "T3": (2000, 0), "N1": (3000, 800), "N2": (4000, 1600),
             "S1": (3000, -800), "S2": (4000, -1600)}
    lines = [dict(route_id="North", stops=["T1", "T2", "T3", "N1", "N2"], hops=[90, 90, 100, 100], dwell_s=15,
                  starts=list(range(7 * 3600, 8 * 3600, 480))),
             dict(route_id="South", stops=["T1", "T2", "T3", "S1", "S2"], hops=[90, 90, 100, 100], dwell_s=15,
                  starts=list(range(7 * 3600 + 240, 8 * 3600, 480)))]
    check_against_reference(tmp_path, SANTIAGO, stops, lines, origin=(50, 50),
                            destinations=[(4000, 1600), (4000, -1600), (3500, 0), (2000, 0)],
                            window=ServiceWindow(DAY, 7 * 3600, 8 * 3600))


def test_a_line_in_part_of_the_window_and_a_walk_that_beats_the_train(tmp_path):
    stops = {"P1": (0, 0), "P2": (600, 0), "P3": (5000, 0)}
    lines = [dict(route_id="Peak", stops=["P1", "P2", "P3"], hops=[600, 300],  # 10 min for 600 m: walking wins
                  starts=list(range(7 * 3600 + 1800, 7 * 3600 + 3600, 300)))]
    result = check_against_reference(tmp_path, ROME, stops, lines, origin=(0, 0),
                                     destinations=[(600, 0), (5000, 0), (2500, 0)],
                                     window=ServiceWindow(DAY, 7 * 3600, 9 * 3600))
    walk_s = math.ceil(600 / (4.8 / 3.6))
    assert (result.to_destination_s[:, 0] == walk_s).all()
    p3 = result.to_destination_s[:, 1]
    assert p3[30] < p3[0] and p3[-1] == math.ceil(5000 / (4.8 / 3.6))  # the train only from 07:30 to 08:00


def test_frequency_based_trips_and_runs_that_overtake(tmp_path):
    stops = {"F1": (0, 0), "F2": (1200, 300), "F3": (2400, 0), "F4": (3600, 300)}
    lines = [dict(route_id="Local", stops=["F1", "F2", "F3", "F4"], hops=[240, 240, 240], dwell_s=40,
                  frequencies=[(7 * 3600, 8 * 3600, 360), (8 * 3600, 9 * 3600, 720)]),
             # an express on the same stops that overtakes the local (the pattern is split)
             dict(route_id="Express", stops=["F1", "F2", "F3", "F4"], hops=[100, 100, 100],
                  starts=[7 * 3600 + 100, 7 * 3600 + 1300, 8 * 3600 + 500])]
    check_against_reference(tmp_path, SANTIAGO, stops, lines, origin=(10, -20),
                            destinations=[(3600, 300), (2400, 100), (1200, 300), (3000, 2000)],
                            window=ServiceWindow(DAY, 7 * 3600 + 1800, 8 * 3600 + 1800))


def test_runs_of_the_day_before_past_midnight(tmp_path):
    stops = {"N1": (0, 0), "N2": (4000, 0)}
    lines = [dict(route_id="Night", stops=["N1", "N2"], hops=[300], starts=[24 * 3600 + 600, 24 * 3600 + 1800])]
    feed = read_feed(write_gtfs(tmp_path / "feed", ROME, stops, lines), today=DAY)
    router = Router(Timetable.from_feed(feed, DAY, ROME))
    x0, y0 = ORIGIN_XY[ROME]
    result = router.travel_times((x0, y0), np.array([[x0 + 4000, y0]]), ServiceWindow(DAY, 0, 1800))
    # leaving at 00:00 the 00:10 run of Monday's timetable (24:10) is taken: 10 min wait + 5 min ride, and the
    # walk from the stop as the feed places it (to the nanodegree) to the destination, in whole seconds
    n2 = Transformer.from_crs("EPSG:4326", ROME, always_xy=True).transform(*feed.stops[["lon", "lat"]].to_numpy()[1])
    assert result.to_destination_s[0, 0] == 900 + math.ceil(math.dist(n2, (x0 + 4000, y0)) / (4.8 / 3.6) - 1e-9)


def test_nearest_rank_percentiles_equal_numpy():
    times = np.random.default_rng(1).integers(0, 5000, size=(120, 30)).astype(np.int32)
    for p in (5, 25, 50, 90, 100):
        assert (nearest_rank(times, p) == np.percentile(times, p, axis=0, method="inverted_cdf")).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_small_feeds(tmp_path_factory, data):
    n_stops = data.draw(st.integers(3, 7))
    coords = data.draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n_stops,
                                max_size=n_stops, unique=True))
    stops = {f"s{i}": (x * 100, y * 100) for i, (x, y) in enumerate(coords)}
    lines = []
    for k in range(data.draw(st.integers(1, 4))):
        order = data.draw(st.permutations(list(stops)))[: data.draw(st.integers(2, n_stops))]
        hops = data.draw(st.lists(st.integers(30, 600), min_size=len(order) - 1, max_size=len(order) - 1))
        starts = sorted(set(data.draw(st.lists(st.integers(7 * 3600 - 1200, 7 * 3600 + 2400), min_size=1, max_size=5))))
        lines.append(dict(route_id=f"L{k}", stops=order, hops=hops, dwell_s=data.draw(st.integers(0, 60)), starts=starts))
    origin = data.draw(st.sampled_from(list(stops.values())))
    check_against_reference(tmp_path_factory.mktemp("feed"), ROME, stops, lines, origin=origin,
                            destinations=list(stops.values()) + [(2000, 2000)],
                            window=ServiceWindow(DAY, 7 * 3600, 7 * 3600 + 1200),
                            walk=WalkRule(max_transfer_m=data.draw(st.sampled_from([0.0, 300.0, 1000.0]))),
                            max_transfers=data.draw(st.integers(0, 3)))
