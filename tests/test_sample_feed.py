"""The Hanoi sample's metro feed is built from the fact tables: rebuilt byte for byte, its headways
and run times are the published ones, and the router rides it."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from layers.transit.gtfs import read_feed
from layers.transit.service import ServiceWindow, station_service
from sample_data import build_feed

SAMPLE_FEED = build_feed.OUT


def test_the_committed_feed_is_the_build_of_the_facts(tmp_path):
    assert build_feed.build(tmp_path / "feed.zip").read_bytes() == SAMPLE_FEED.read_bytes()


def test_headways_and_run_times_are_the_published_ones():
    feed = read_feed(SAMPLE_FEED, today=dt.date(2026, 6, 1))
    tuesday = dt.date(2026, 3, 3)
    service = station_service(feed, ServiceWindow(tuesday, 7 * 3600, 9 * 3600))
    stations = feed.stations.assign(**service).set_index("name")
    # the peak timetable: every 6 minutes each way (a terminus: one way)
    assert stations.loc["Cát Linh", "mean_headway_min"] == 6.0
    assert stations.loc["Nhổn", "departures"] == 20 and stations.loc["Láng", "departures"] == 40
    weekend = station_service(feed, ServiceWindow(dt.date(2026, 3, 7), 7 * 3600, 9 * 3600))
    assert weekend["mean_headway_min"].dropna().eq(10.0).all()
    # 2A end to end in the published 23 minutes; line 3 at the stated 35 km/h over its station spacing
    route_of_run = feed.trips["route"].to_numpy()[feed.run_trip]
    line = feed.routes["route_id"].to_numpy()[route_of_run]
    run = int(np.flatnonzero(line == "2A")[0])
    a, b = feed.run_start[run], feed.run_start[run + 1]
    assert feed.event_arrival_s[b - 1] - feed.event_departure_s[a] == 23 * 60
    facts = pd.read_csv(build_feed.FACTS / "metro_service.csv")
    assert set(facts["status"]) <= {"sourced", "assumed"} and facts["source"].str.len().gt(0).all()
