"""GTFS feeds open as layers: stations, classes, service in a window, lines; problem feeds are named."""
from __future__ import annotations

import datetime as dt
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely

from tests.feeds import tables, write_feed
from layers.io import FeedOptions, LayerLoadError, list_vector_layers, read_layers, read_vector
from layers.io.formats import feed_location
from layers.transit.capacity import route_modes

BUSIEST = {False: dt.date(2024, 3, 5), True: dt.date(2020, 3, 3)}  # the Tuesdays with the extra buses
WINDOW_S = (7 * 3600, 9 * 3600)


def hand_count(t: dict, day: dt.date, window_s=WINDOW_S) -> pd.DataFrame:
    """Departures per parent station and direction, counted from the tables with pandas alone."""
    weekday = day.strftime("%A").lower()
    key = day.strftime("%Y%m%d")
    cal = t["calendar"]
    active = set(cal.loc[(cal["start_date"] <= key) & (cal["end_date"] >= key) & (cal[weekday] == 1), "service_id"])
    for _, row in t["calendar_dates"][t["calendar_dates"]["date"] == key].iterrows():
        (active.add if row["exception_type"] == 1 else active.discard)(row["service_id"])
    trips = t["trips"][t["trips"]["service_id"].isin(active)]
    st = t["stop_times"].merge(trips, on="trip_id")
    st["t"] = pd.to_timedelta(st["departure_time"].replace("", None)).dt.total_seconds()
    runs = []
    for trip, g in st.sort_values(["trip_id", "stop_sequence"]).groupby("trip_id"):
        g = g.assign(t=g["t"].interpolate())  # untimed stops: linear in stop order
        g = g.iloc[:-1]  # the last stop is an arrival
        freq = t["frequencies"][t["frequencies"]["trip_id"] == trip]
        if freq.empty:
            runs.append(g)
        for _, f in freq.iterrows():
            start, end = (pd.to_timedelta(f[c]).total_seconds() for c in ("start_time", "end_time"))
            for s in np.arange(start, end, f["headway_secs"]):
                runs.append(g.assign(t=g["t"] - g["t"].iloc[0] + s))
    events = pd.concat(runs)
    events = events[(events["t"] >= window_s[0]) & (events["t"] < window_s[1])]
    parent = t["stops"].set_index("stop_id")["parent_station"].replace("", None)
    events["station"] = events["stop_id"].map(parent).fillna(events["stop_id"])
    return events.groupby(["station", "direction_id"]).size().unstack(fill_value=0)


@pytest.mark.parametrize("expired", [False, True])
@pytest.mark.parametrize("zipped", [True, False])
def test_stations_service_equals_a_count_by_hand(tmp_path, expired, zipped):
    stations, lines = read_layers(write_feed(tmp_path / "feed", expired=expired, zipped=zipped))
    gdf = stations.gdf.set_index("station_id")
    assert stations.role == "transit_stop" and lines.role == "transit_line"
    assert set(gdf["service_window"]) == {f"{BUSIEST[expired]:%A %Y-%m-%d}, 07:00-09:00"}
    counts = hand_count(tables(expired), BUSIEST[expired]).reindex(gdf.index, fill_value=0)
    assert gdf["departures"].tolist() == counts.sum(axis=1).tolist()
    assert np.allclose(gdf["departures_per_hour"], counts.sum(axis=1) / 2.0)
    busier = counts.max(axis=1)
    assert np.allclose(gdf["mean_headway_min"], np.where(busier > 0, 120.0 / busier, np.nan), equal_nan=True)
    assert gdf.loc["Central", "departures"] == 32  # 24 metro + 8 buses (4 of them the Tuesday's extras)
    assert any("ended on 2020-12-31" in w for w in stations.warnings) == expired


def test_stations_by_parent_with_routes_and_classes(tmp_path):
    stations, lines = read_layers(write_feed(tmp_path))
    gdf = stations.gdf.set_index("station_id")
    assert sorted(gdf.index) == ["Central", "Harbour", "Museum", "S1", "S2"]  # platforms and the bay under parents
    assert gdf.loc["Central", "routes"] == "12, M1" and gdf.loc["Central", "route_types"] == "1, 3"
    assert gdf["capacity"].to_dict() == {"Central": "high", "Museum": "high", "Harbour": "high", "S1": "low",
                                         "S2": "low"}
    central = tables()["stops"].set_index("stop_id").loc["Central"]
    assert gdf.loc["Central", "geometry"].equals(shapely.Point(central["stop_lon"], central["stop_lat"]))
    by_route = lines.gdf.set_index("route_id")
    assert by_route.loc["M1", "colour"] == "#e3000f" and by_route.loc["B12", "colour"].startswith("#")
    shapes = tables()["shapes"]
    expected = [shapely.LineString(g.sort_values("shape_pt_sequence")[["shape_pt_lon", "shape_pt_lat"]].to_numpy())
                for _, g in shapes.groupby("shape_id")]
    assert by_route.loc["M1", "geometry"].equals(shapely.MultiLineString(expected))
    # the bus has no shapes: drawn through its stops in order, one line per stop pattern (two directions)
    assert len(by_route.loc["B12", "geometry"].geoms) == 2
    assert lines.style.colour_field == "colour"


def test_a_planned_brt_and_extended_route_types(tmp_path):
    stations, _ = read_layers(write_feed(tmp_path), transit=FeedOptions(brt=("12",)))
    assert set(stations.gdf["capacity"]) == {"high"}
    mode, capacity, known = route_modes(np.array([700, 401, 1200, 900, 1100, 1500, 9999, 11]))
    assert capacity.tolist() == ["low", "high", "high", "low", "", "", "", "low"]
    assert known.tolist() == [True] * 6 + [False, True]
    with pytest.raises(LayerLoadError, match="no route X9 in the feed"):
        read_layers(write_feed(tmp_path), transit=FeedOptions(brt=("X9",)))
    with pytest.raises(LayerLoadError, match="only bus routes can be marked BRT"):
        read_layers(write_feed(tmp_path), transit=FeedOptions(brt=("M1",)))


def test_a_day_without_service_and_a_set_window(tmp_path):
    path = write_feed(tmp_path)
    holiday, _ = read_layers(path, transit=FeedOptions(day=dt.date(2024, 1, 1)))  # calendar_dates removes it
    assert holiday.gdf["departures"].sum() == 0 and np.isnan(holiday.gdf["mean_headway_min"]).all()
    assert any("no vehicle leaves any station" in w for w in holiday.warnings)
    evening, _ = read_layers(path, transit=FeedOptions(window_s=(9 * 3600, 10 * 3600)))
    counts = hand_count(tables(), BUSIEST[False], (9 * 3600, 10 * 3600))
    gdf = evening.gdf.set_index("station_id")
    assert gdf["departures"].tolist() == counts.sum(axis=1).reindex(gdf.index, fill_value=0).tolist()


def test_a_feed_reopens_by_layer_name_and_a_folder_by_its_stops_txt(tmp_path):
    path = write_feed(tmp_path)
    assert list_vector_layers(path) == ["stations", "lines"]
    assert read_vector(path, "lines").role == "transit_line"
    folder = write_feed(tmp_path / "folder", zipped=False)
    assert feed_location(folder / "stops.txt") == folder
    assert len(read_layers(folder / "stops.txt")) == 2


def _edit(name, change):
    def edit(t):
        t[name] = change(t[name])
    return edit


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(drop=("trips",)), "lacks trips.txt"),
    (dict(drop=("calendar", "calendar_dates")), "calendar.txt or calendar_dates.txt"),
    (dict(edit=_edit("stops", lambda s: s.iloc[:0])), "has no stops"),
    (dict(edit=_edit("stops", lambda s: s.assign(stop_lat=np.nan, stop_lon=np.nan))), "has coordinates"),
    (dict(edit=_edit("stop_times", lambda s: s.assign(departure_time="7h", arrival_time="7h"))),
     "is not a time written HH:MM:SS"),
    (dict(edit=_edit("calendar", lambda c: c.assign(end_date="2024-12-31"))), "is not a date written YYYYMMDD"),
    (dict(edit=_edit("routes", lambda r: r.assign(route_type="bus"))), "cannot be read as GTFS .*'bus'"),
    (dict(edit=_edit("stop_times", lambda s: s.drop(columns="stop_id"))), "stop_times.txt has no column stop_id"),
    (dict(edit=_edit("stop_times", lambda s: s.assign(trip_id="zz"))), "no stop time belongs to a trip"),
    (dict(edit=_edit("calendar_dates", lambda c: c.iloc[:0]),
          drop=("calendar",)), "lacks calendar.txt or calendar_dates.txt"),
    (dict(edit=_edit("calendar", lambda c: c.assign(monday=0, tuesday=0, wednesday=0, thursday=0, friday=0)),
          drop=("calendar_dates",)), "no day on which any trip runs"),
])
def test_problem_feeds_are_named(tmp_path, kwargs, fragment):
    path = write_feed(tmp_path, **kwargs)
    with pytest.raises(LayerLoadError, match=fragment) as info:
        read_layers(path)
    assert str(info.value).startswith("feed.zip: ")


def test_stops_without_coordinates_are_left_out_and_said(tmp_path):
    def lose_s1(t):
        t["stops"].loc[t["stops"]["stop_id"] == "S1", ["stop_lat", "stop_lon"]] = 0.0  # 0, 0: a placeholder
    stations, _ = read_layers(write_feed(tmp_path, edit=lose_s1))
    assert "S1" not in set(stations.gdf["station_id"])
    assert any("1 stop(s) served by trips have no coordinates" in w and "'S1'" in w for w in stations.warnings)


@pytest.mark.parametrize("member, fragment", [("../stops.txt", "points outside it"),
                                              ("sub/stops.txt", "holds stops.txt twice")])
def test_archives_that_reach_outside_or_repeat_a_table_are_refused(tmp_path, member, fragment):
    path = write_feed(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(member, "stop_id,stop_name,stop_lat,stop_lon\n")
    with pytest.raises(LayerLoadError, match=fragment):
        read_layers(path)


def test_a_zip_with_a_shapefile_and_no_stops_is_no_feed(tmp_path):
    path = tmp_path / "roads.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("roads.shp", b"\x00\x00\x27\x0a" + bytes(96))
        archive.writestr("readme.txt", "stops.txt is not here")
    assert feed_location(path) is None


def test_stops_whose_parent_row_is_missing_are_grouped_by_its_id(tmp_path):
    def drop_museum(t):
        t["stops"] = t["stops"][t["stops"]["stop_id"] != "Museum"]
    stations, _ = read_layers(write_feed(tmp_path, edit=drop_museum))
    museum = stations.gdf.set_index("station_id").loc["Museum"]
    platforms = tables()["stops"].query("parent_station == 'Museum'")
    assert museum["name"] == "Museum platform 1"
    assert museum.geometry.x == pytest.approx(platforms["stop_lon"].mean(), abs=1e-12)


def test_the_bundled_real_feed_opens():
    """VBB's excerpt (sample_data/berlin): its served stops grouped by the parent ids they name."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "sample_data" / "berlin" / "vbb_havelbus_gtfs.zip"
    stations, lines = read_layers(path)
    with zipfile.ZipFile(path) as archive:
        stops = pd.read_csv(archive.open("stops.txt"), dtype=str)
        served = set(pd.read_csv(archive.open("stop_times.txt"), dtype=str)["stop_id"])
    served_stops = stops[stops["stop_id"].isin(served)]
    groups = served_stops["parent_station"].fillna(served_stops["stop_id"])
    assert sorted(stations.gdf["station_id"]) == sorted(set(groups))
    assert set(stations.gdf["capacity"]) == {"low"} and set(lines.gdf["short_name"]) == {"650", "651", "652", "653"}
    assert any("service ended on 2021-06-12" in w for w in stations.warnings)
