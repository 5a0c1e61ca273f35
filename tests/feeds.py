"""A small GTFS feed made by the tests, in Cape Town (UTM 34S, southern hemisphere), as an agency
would publish it: two routes, a metro (route_type 1, with shapes, run by frequencies.txt) and a
bus (route_type 3, timed trips, no shapes, no colour); stops grouped under parent stations
(platforms of 'Central', 'Museum' and 'Harbour', and a bus bay at Central), two bus stops of
their own; a weekday calendar, an extra service added on one Tuesday by calendar_dates.txt and a
holiday removed. `expired=True` is the same feed a year that has ended.

The tables are plain pandas frames (`tables`), so the tests count departures from them by hand.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

CENTRAL = (18.4241, -33.9249)
EAST_DEG_PER_KM = 1 / 92.5  # about 1 km of longitude at 34 degrees south
NORTH_DEG_PER_KM = 1 / 110.9


def _at(east_km: float, north_km: float) -> tuple[float, float]:
    return CENTRAL[0] + east_km * EAST_DEG_PER_KM, CENTRAL[1] + north_km * NORTH_DEG_PER_KM


def tables(expired: bool = False) -> dict[str, pd.DataFrame]:
    year = 2020 if expired else 2024
    stations = {"Central": _at(0, 0), "Museum": _at(2.5, 0.4), "Harbour": _at(5.0, 1.5)}
    stops = [dict(stop_id=name, stop_name=name, stop_lat=xy[1], stop_lon=xy[0], location_type=1, parent_station="")
             for name, xy in stations.items()]
    for name, xy in stations.items():
        for i in (1, 2):  # a platform each way, 20 m apart
            stops.append(dict(stop_id=f"{name[0]}{i}", stop_name=f"{name} platform {i}", stop_lat=xy[1],
                              stop_lon=xy[0] + (i - 1.5) * 0.0002, location_type=0, parent_station=name))
    bay = _at(0.05, -0.05)
    stops.append(dict(stop_id="C3", stop_name="Central bus bay", stop_lat=bay[1], stop_lon=bay[0], location_type=0,
                      parent_station="Central"))
    for sid, (east, north) in {"S1": (-2.0, -3.0), "S2": (-1.0, -1.5)}.items():
        lon, lat = _at(east, north)
        stops.append(dict(stop_id=sid, stop_name=f"Bus stop {sid}", stop_lat=lat, stop_lon=lon, location_type=0,
                          parent_station=""))
    routes = pd.DataFrame([
        dict(route_id="M1", route_short_name="M1", route_long_name="Central - Harbour", route_type=1,
             route_color="E3000F"),
        dict(route_id="B12", route_short_name="12", route_long_name="S1 - Central", route_type=3, route_color=""),
    ])
    trips = [dict(route_id="M1", service_id="WK", trip_id="M1_out", direction_id=0, shape_id="M1_out_shape"),
             dict(route_id="M1", service_id="WK", trip_id="M1_in", direction_id=1, shape_id="M1_in_shape")]
    stop_times = []
    for trip, pattern in (("M1_out", (("C1", 0), ("M1", 3), ("H1", 7))), ("M1_in", (("H2", 0), ("M2", 4), ("C2", 7)))):
        for seq, (stop, minute) in enumerate(pattern, start=1):
            stop_times.append(dict(trip_id=trip, arrival_time=_hms(6 * 60 + minute), departure_time=_hms(6 * 60 + minute),
                                   stop_id=stop, stop_sequence=seq * 10))
    frequencies = pd.DataFrame([dict(trip_id="M1_out", start_time="06:00:00", end_time="10:00:00", headway_secs=300),
                                dict(trip_id="M1_in", start_time="06:00:00", end_time="10:00:00", headway_secs=600)])
    # the bus every 30 minutes each way on weekdays, S2 untimed (interpolated); extra runs on one Tuesday
    for service, starts in (("WK", range(6 * 60 + 5, 10 * 60, 30)), ("EXTRA", range(7 * 60 + 20, 9 * 60, 30))):
        for start in starts:
            for direction, pattern in ((0, ("S1", "S2", "C3")), (1, ("C3", "S2", "S1"))):
                trip = f"B12_{service}_{direction}_{start}"
                trips.append(dict(route_id="B12", service_id=service, trip_id=trip, direction_id=direction,
                                  shape_id=""))
                for seq, stop in enumerate(pattern, start=1):
                    time = "" if stop == "S2" else _hms(start + (seq - 1) * 6)
                    stop_times.append(dict(trip_id=trip, arrival_time=time, departure_time=time, stop_id=stop,
                                           stop_sequence=seq))
    calendar = pd.DataFrame([dict(service_id="WK", monday=1, tuesday=1, wednesday=1, thursday=1, friday=1,
                                  saturday=0, sunday=0, start_date=f"{year}0101", end_date=f"{year}1231" if expired
                                  else "20991231")])
    extra_day = "20200303" if expired else "20240305"  # a Tuesday
    calendar_dates = pd.DataFrame([dict(service_id="EXTRA", date=extra_day, exception_type=1),
                                   dict(service_id="WK", date=f"{year}0101", exception_type=2)])
    shapes = []
    for shape, names in (("M1_out_shape", ("Central", "Museum", "Harbour")),
                         ("M1_in_shape", ("Harbour", "Museum", "Central"))):
        for seq, name in enumerate(names):
            shapes.append(dict(shape_id=shape, shape_pt_lat=stations[name][1], shape_pt_lon=stations[name][0],
                               shape_pt_sequence=seq))
    agency = pd.DataFrame([dict(agency_name="Made-up Transit", agency_url="https://example.org",
                                agency_timezone="Africa/Johannesburg")])
    return {"agency": agency, "stops": pd.DataFrame(stops), "routes": routes, "trips": pd.DataFrame(trips),
            "stop_times": pd.DataFrame(stop_times), "frequencies": frequencies, "calendar": calendar,
            "calendar_dates": calendar_dates, "shapes": pd.DataFrame(shapes)}


def _hms(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def write_feed(folder: Path, expired: bool = False, zipped: bool = True, drop=(), edit=None) -> Path:
    """The feed as a zip (or a folder) in `folder`; `drop` leaves tables out, `edit(tables)` changes them."""
    data = tables(expired)
    if edit is not None:
        edit(data)
    data = {name: frame for name, frame in data.items() if name not in drop}
    if not zipped:
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in data.items():
            frame.to_csv(folder / f"{name}.txt", index=False)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "feed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in data.items():
            archive.writestr(f"{name}.txt", frame.to_csv(index=False))
    return path
