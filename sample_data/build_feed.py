"""Build the Hanoi sample's GTFS feed for the metro lines in service (2A Cát Linh - Hà Đông and the
elevated section of line 3, Nhổn - Cầu Giấy) from the fact tables.

Run from the repository root::

    python -m sample_data.build_feed

Inputs: `facts/metro_stations.csv` (stations, order and coordinates, sections 2A and 3-1E) and
`facts/metro_service.csv` (service hours, headways by time of day, run times; each row sourced or
marked 'assumed'). Output: `sample_data/hanoi_metro_gtfs.zip`, deterministic (fixed member dates).

Each line runs both ways as one frequency-based trip per period (`frequencies.txt`, exact_times 0),
weekdays and weekends apart (`calendar.txt`, the year 2026). A hop's run time is its share of the
line's end-to-end time by straight-line station spacing (2A: the published 23 minutes; 3: the
spacing at the stated average speed), dwells included.
"""
from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
FACTS = HERE / "facts"
OUT = HERE / "hanoi_metro_gtfs.zip"
SECTIONS = {"2A": ("2A", "Cát Linh - Hà Đông", "4caf50"), "3-1E": ("3", "Nhổn - Cầu Giấy", "9b1b30")}
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
EARTH_RADIUS_M = 6_371_008.8


def _metres(a, b) -> float:
    """Great-circle distance between (lat, lon) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _periods(text: str) -> list[tuple[int, int, int]]:
    """'05:30-06:30/10;...' as (start_s, end_s, headway_s)."""
    out = []
    for part in text.split(";"):
        hours, minutes = part.split("/")
        start, end = (int(t[:2]) * 3600 + int(t[3:]) * 60 for t in hours.split("-"))
        out.append((start, end, int(minutes) * 60))
    return out


def tables() -> dict[str, pd.DataFrame]:
    stations = pd.read_csv(FACTS / "metro_stations.csv")
    service = pd.read_csv(FACTS / "metro_service.csv").set_index(["line", "fact"])["value"]
    stops, routes, trips, stop_times, frequencies = [], [], [], [], []
    for section, (line, name, colour) in SECTIONS.items():
        rows = stations[(stations["section"] == section) & (stations["kind"] == "station")]
        points = list(zip(rows["lat"], rows["lon"]))
        for r in rows.itertuples():
            stops.append(dict(stop_id=r.code, stop_name=r.name, stop_lat=r.lat, stop_lon=r.lon))
        routes.append(dict(route_id=line, agency_id="HMC", route_short_name=line, route_long_name=name, route_type=1,
                           route_color=colour))
        hops = [_metres(a, b) for a, b in zip(points[:-1], points[1:])]
        if (line, "end_to_end_min") in service:
            total_s = float(service[(line, "end_to_end_min")]) * 60
        else:
            total_s = sum(hops) / (float(service[(line, "average_speed_kmh")]) / 3.6)
        offsets = [0]
        for hop in hops:
            offsets.append(offsets[-1] + hop / sum(hops) * total_s)
        for days, key in (("WK", "weekday_headways"), ("WE", "weekend_headways")):
            for direction, order in ((0, list(rows["code"])), (1, list(rows["code"])[::-1])):
                times = offsets if direction == 0 else [offsets[-1] - t for t in offsets[::-1]]
                for k, (start, end, headway) in enumerate(_periods(service[(line, key)])):
                    trip = f"{line}_{days}_{direction}_{k}"
                    trips.append(dict(route_id=line, service_id=days, trip_id=trip, direction_id=direction))
                    for seq, (code, t) in enumerate(zip(order, times), start=1):
                        stop_times.append(dict(trip_id=trip, arrival_time=_hms(start + round(t)),
                                               departure_time=_hms(start + round(t)), stop_id=code, stop_sequence=seq))
                    frequencies.append(dict(trip_id=trip, start_time=_hms(start), end_time=_hms(end),
                                            headway_secs=headway, exact_times=0))
    calendar = pd.DataFrame([
        dict(service_id="WK", monday=1, tuesday=1, wednesday=1, thursday=1, friday=1, saturday=0, sunday=0,
             start_date="20260101", end_date="20261231"),
        dict(service_id="WE", monday=0, tuesday=0, wednesday=0, thursday=0, friday=0, saturday=1, sunday=1,
             start_date="20260101", end_date="20261231")])
    agency = pd.DataFrame([dict(agency_id="HMC", agency_name="Hanoi Metro (sample feed built from published headways)",
                                agency_url="https://hanoimetro.net.vn", agency_timezone="Asia/Ho_Chi_Minh")])
    return {"agency": agency, "stops": pd.DataFrame(stops), "routes": pd.DataFrame(routes),
            "trips": pd.DataFrame(trips), "stop_times": pd.DataFrame(stop_times),
            "frequencies": pd.DataFrame(frequencies), "calendar": calendar}


def build(out: Path = OUT) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables().items():
            info = zipfile.ZipInfo(f"{name}.txt", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, frame.to_csv(index=False, lineterminator="\n"))
    out.write_bytes(buffer.getvalue())
    return out


if __name__ == "__main__":
    print(build())
