"""A GTFS feed as the planner uses it: stations, routes with their capacity class, and the
timetable as NumPy arrays with every service day resolved.

Agencies publish their timetables as GTFS (a zip or a folder of CSV tables). gtfs-kit reads the
tables (pandas, typed columns); this module turns them into `TransitFeed`: stops grouped into
stations by `parent_station`; each route's mode and capacity class (`layers.transit.capacity`);
one *run* per vehicle journey (a timed trip, or each departure of a `frequencies.txt` trip) with
its stop times as flat arrays sorted by run and stop sequence; and which services run on which
day (`calendar.txt` weekly patterns with `calendar_dates.txt` exceptions), a boolean table of
services by day. Service frequencies (`layers.transit.service`), the map's layers
(`layers.transit.feed_layers`) and a transit router read these arrays.

A feed comes from anywhere: `layers.io` checks its members (names, sizes, no links out) before
this module reads it, and every way a feed can be wrong for the planner ends in a `FeedError`
that says what is wrong in the feed's own terms (which file, which ids), never a traceback.
Problems that leave the feed usable (stops without coordinates, a service that has ended) are
the feed's `warnings`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers.transit.capacity import route_modes

REQUIRED_TABLES = ("stops", "routes", "trips", "stop_times")
MAX_CALENDAR_DAYS = 36_600  # a hundred years of days: the services-by-day table stays small
_EXAMPLES = 5  # ids named in a message


class FeedError(ValueError):
    """The feed cannot be used; str() says why in the feed's terms."""


@dataclass(eq=False)
class TransitFeed:
    """A feed's stations, routes and timetable (see the module's docstring).

    Stop times: run `r` has its events at `event_*[run_start[r]:run_start[r + 1]]`, in stop
    sequence; times are seconds after midnight of the service day (past 24 h for a run that goes
    on after midnight, as in GTFS).
    """

    source: Path
    agency: str
    stops: pd.DataFrame  # stop_id, stop_name, lon, lat, station (row of `stations`)
    stations: pd.DataFrame  # station_id, name, lon, lat
    routes: pd.DataFrame  # route_id, short_name, long_name, name, route_type, mode, capacity, colour
    trips: pd.DataFrame  # trip_id, route, service (rows of routes / services), direction, shape_id
    run_trip: np.ndarray  # int32 per run: its trip
    run_start: np.ndarray  # int64, runs + 1: where each run's events begin
    event_stop: np.ndarray  # int32 per event: the stop (row of `stops`)
    event_arrival_s: np.ndarray  # int32
    event_departure_s: np.ndarray  # int32
    services: np.ndarray  # the service ids
    first_day: dt.date
    service_days: np.ndarray  # bool (services, days): service s runs on first_day + d
    shapes: pd.Series | None = None  # shape_id -> LineString (lon/lat)
    publisher: str = ""  # feed_info.txt's publisher, else the agency
    warnings: list[str] = field(default_factory=list)

    def day_index(self, day: dt.date) -> int | None:
        """The column of `service_days` for `day`, None outside the calendar."""
        i = (day - self.first_day).days
        return i if 0 <= i < self.service_days.shape[1] else None

    def runs_on(self, day: dt.date) -> np.ndarray:
        """Bool per run: it runs on `day` (its trip's service does)."""
        i = self.day_index(day)
        if i is None:
            return np.zeros(len(self.run_trip), dtype=bool)
        service = self.trips["service"].to_numpy()[self.run_trip]
        return self.service_days[service, i]

    def runs_per_day(self) -> np.ndarray:
        """Runs on each day of the calendar (index: days after `first_day`)."""
        service = self.trips["service"].to_numpy()[self.run_trip]
        per_service = np.bincount(service, minlength=len(self.services)).astype(np.float64)
        return per_service @ self.service_days

    @property
    def run_count(self) -> int:
        return len(self.run_trip)


def read_feed(path: str | Path, today: dt.date | None = None) -> TransitFeed:
    """Read a GTFS feed (a zip or a folder its caller has checked, see `layers.io.formats`)."""
    import gtfs_kit

    path = Path(path)
    try:
        raw = gtfs_kit.read_feed(path, dist_units="km")
    except UnicodeDecodeError:
        raise FeedError("a table of the feed is not UTF-8 text (GTFS files are UTF-8); save it again as UTF-8") from None
    except (ValueError, TypeError, pd.errors.ParserError) as exc:  # pandas' CSV and type errors
        raise FeedError(f"a table of the feed cannot be read as GTFS ({_short(exc)})") from None
    missing = [f"{t}.txt" for t in REQUIRED_TABLES if getattr(raw, t) is None]
    if raw.calendar is None and raw.calendar_dates is None:
        missing.append("calendar.txt or calendar_dates.txt")
    if "stops.txt" in missing:
        raise FeedError("the feed has no stops (stops.txt is missing or empty)")
    if missing:
        raise FeedError(f"the feed lacks {', '.join(missing)} (required by GTFS), or they are empty")
    warnings: list[str] = []
    routes = _routes(raw.routes, warnings)
    services, first_day, days = _calendar(raw.calendar, raw.calendar_dates)
    trips = _trips(raw.trips, routes, services, warnings)
    stops, stations = _stops(raw.stops)
    timetable = _timetable(raw.stop_times, raw.frequencies, trips, stops, warnings)
    stops, stations, timetable = _with_coordinates(stops, stations, timetable, warnings)
    agency = "" if raw.agency is None or "agency_name" not in raw.agency else \
        ", ".join(raw.agency["agency_name"].dropna().astype(str).unique()[:3])
    info = raw.feed_info
    publisher = str(info["feed_publisher_name"].iloc[0]) if info is not None and \
        "feed_publisher_name" in info and info["feed_publisher_name"].notna().any() else agency
    feed = TransitFeed(source=path, agency=agency, stops=stops, stations=stations, routes=routes, trips=trips,
                       services=services, first_day=first_day, service_days=days, shapes=_shapes(raw.shapes),
                       publisher=publisher, warnings=warnings, **timetable)
    _check_service(feed, today or dt.date.today())
    return feed


# -- routes and trips ------------------------------------------------------------------------------
def _routes(routes: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    _require(routes, "routes.txt", ("route_id", "route_type"))
    routes = routes.drop_duplicates("route_id").reset_index(drop=True)
    types = routes["route_type"]
    if types.isna().any():
        raise FeedError(f"routes.txt: route(s) {_ids(routes.loc[types.isna(), 'route_id'])} have no route_type")
    mode, capacity, known = route_modes(types.to_numpy(dtype=np.int64))
    if not known.all():
        bad = routes.loc[~known]
        warnings.append(f"routes.txt: route(s) {_ids(bad['route_id'])} have a route_type that is not a GTFS route type "
                        f"({', '.join(map(str, sorted(set(bad['route_type'].astype(int)))))}): their stops are not "
                        "classed or counted")
    short = _text(routes, "route_short_name")
    long = _text(routes, "route_long_name")
    colour = _text(routes, "route_color").str.strip().str.lstrip("#")
    valid = colour.str.fullmatch(r"[0-9A-Fa-f]{6}")
    if (colour.ne("") & ~valid).any():
        warnings.append(f"routes.txt: {int((colour.ne('') & ~valid).sum())} route colour(s) are not six hex digits; "
                        "drawn in the default colour")
    return pd.DataFrame({
        "route_id": routes["route_id"].astype(str).to_numpy(), "short_name": short.to_numpy(),
        "long_name": long.to_numpy(), "name": np.where(short != "", short, long),
        "route_type": types.to_numpy(dtype=np.int64), "mode": mode, "capacity": capacity,
        "colour": np.where(valid, "#" + colour.str.lower(), "").astype(object),
    })


def _trips(trips: pd.DataFrame, routes: pd.DataFrame, services: np.ndarray, warnings: list[str]) -> pd.DataFrame:
    _require(trips, "trips.txt", ("route_id", "service_id", "trip_id"))
    trips = trips.drop_duplicates("trip_id")
    route = pd.Index(routes["route_id"]).get_indexer(trips["route_id"].astype(str))
    service = pd.Index(services).get_indexer(trips["service_id"].astype(str))
    for name, rows, table in (("route_id", route < 0, "routes.txt"), ("service_id", service < 0, "the calendar")):
        if rows.any():
            warnings.append(f"trips.txt: {int(rows.sum()):,} trip(s) name a {name} that {table} does not have "
                            f"(e.g. {_ids(trips.loc[rows, name])}): left out")
    keep = (route >= 0) & (service >= 0)
    if not keep.any():
        raise FeedError("trips.txt: no trip names a route of routes.txt and a service of the calendar")
    direction = trips["direction_id"].fillna(0).astype(np.int64) if "direction_id" in trips else 0
    return pd.DataFrame({
        "trip_id": trips["trip_id"].astype(str).to_numpy(), "route": route, "service": service,
        "direction": np.broadcast_to(np.asarray(direction, dtype=np.int8), (len(trips),)),
        "shape_id": _text(trips, "shape_id").to_numpy(),
    })[keep].reset_index(drop=True)


# -- the calendar ----------------------------------------------------------------------------------
def _calendar(calendar: pd.DataFrame | None, dates: pd.DataFrame | None) -> tuple[np.ndarray, dt.date, np.ndarray]:
    """The services and a bool table of services by day: calendar.txt's days of the week between its
    start and end dates, with calendar_dates.txt's exceptions (1 adds a day, 2 removes it)."""
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    frames, spans = [], []
    if calendar is not None:
        _require(calendar, "calendar.txt", ("service_id", *weekdays, "start_date", "end_date"))
        start, end = _days(calendar["start_date"], "calendar.txt", "start_date"), \
            _days(calendar["end_date"], "calendar.txt", "end_date")
        frames.append(calendar["service_id"].astype(str))
        spans += [start, end]
    if dates is not None:
        _require(dates, "calendar_dates.txt", ("service_id", "date", "exception_type"))
        exception_day = _days(dates["date"], "calendar_dates.txt", "date")
        frames.append(dates["service_id"].astype(str))
        spans.append(exception_day)
    services = pd.unique(pd.concat(frames, ignore_index=True)).astype(object)
    every = np.concatenate(spans)
    first, last = every.min(), every.max()
    n_days = int((last - first).astype(np.int64)) + 1
    if n_days > MAX_CALENDAR_DAYS:
        raise FeedError(f"the calendar spans {n_days / 365.25:,.0f} years ({first} to {last}); a timetable spans months")
    table = np.zeros((len(services), n_days), dtype=bool)
    index = pd.Index(services)
    if calendar is not None:
        rows = index.get_indexer(calendar["service_id"].astype(str))
        pattern = calendar[weekdays].fillna(0).to_numpy(dtype=np.int64) == 1  # (rows, 7)
        day = first + np.arange(n_days).astype("timedelta64[D]")
        weekday = (day.astype("datetime64[D]").view(np.int64) - 4) % 7  # 1970-01-01 was a Thursday
        inside = (day[None, :] >= start[:, None]) & (day[None, :] <= end[:, None])
        runs = inside & pattern[:, weekday]
        np.logical_or.at(table, rows, runs)
    if dates is not None:
        rows = index.get_indexer(dates["service_id"].astype(str))
        column = (exception_day - first).astype(np.int64)
        kind = dates["exception_type"].to_numpy(dtype=np.float64, na_value=np.nan)
        table[rows[kind == 1], column[kind == 1]] = True
        table[rows[kind == 2], column[kind == 2]] = False
    return services, dt.date.fromisoformat(str(first)), table


def _days(values: pd.Series, table: str, column: str) -> np.ndarray:
    days = pd.to_datetime(values.astype("string"), format="%Y%m%d", errors="coerce")
    if days.isna().any():
        raise FeedError(f"{table}: {column} {_ids(values[days.isna()])} is not a date written YYYYMMDD")
    return days.to_numpy().astype("datetime64[D]")


# -- stops and stations ----------------------------------------------------------------------------
def _stops(stops: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stops (the places vehicles stop) and the stations they belong to: the parent station a stop
    names (location_type 1; grouped by its id even where an excerpt of a feed lacks its row), else
    the stop itself; a boarding area (4) belongs to its platform's station. A station without a row
    or coordinates of its own takes its first stop's name and its stops' mean position."""
    _require(stops, "stops.txt", ("stop_id",))
    stops = stops.drop_duplicates("stop_id").reset_index(drop=True)
    ids = stops["stop_id"].astype(str).to_numpy().astype(object)
    kind = stops["location_type"].fillna(0).astype(np.int64).to_numpy() if "location_type" in stops \
        else np.zeros(len(stops), dtype=np.int64)
    parent_id = _text(stops, "parent_station").str.strip().to_numpy()
    parent = pd.Index(ids).get_indexer(parent_id)
    row = np.arange(len(stops))
    platform = np.where((kind == 4) & (parent >= 0), parent, row)
    key = np.where((kind != 1) & (parent_id[platform] != ""), parent_id[platform], ids[platform])
    station_row, keys = pd.factorize(key)
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan) \
        if "stop_lon" in stops else np.full(len(stops), np.nan)
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan) \
        if "stop_lat" in stops else np.full(len(stops), np.nan)
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180)) | ((lat == 0) & (lon == 0))
    lon, lat = np.where(bad, np.nan, lon), np.where(bad, np.nan, lat)
    names = _text(stops, "stop_name").to_numpy()
    own = pd.Index(ids).get_indexer(keys)
    first = np.full(len(keys), -1, dtype=np.int64)
    first[station_row[::-1]] = row[::-1]
    own_or_first = np.where(own >= 0, own, first)
    members = pd.DataFrame({"station": station_row, "lon": lon, "lat": lat}).groupby("station").mean()
    placed = (own >= 0) & ~np.isnan(lon[np.maximum(own, 0)])
    stations = pd.DataFrame({
        "station_id": np.asarray(keys, dtype=object), "name": names[own_or_first],
        "lon": np.where(placed, lon[np.maximum(own, 0)], members["lon"].to_numpy()),
        "lat": np.where(placed, lat[np.maximum(own, 0)], members["lat"].to_numpy()),
    })
    table = pd.DataFrame({"stop_id": ids, "stop_name": names, "lon": lon, "lat": lat,
                          "station": station_row, "location_type": kind})
    return table, stations


def _with_coordinates(stops, stations, timetable, warnings):
    """Leave out the stops served whose station has no coordinates (saying which); refuse a feed
    with none left."""
    served = np.zeros(len(stops), dtype=bool)
    served[timetable["event_stop"]] = True
    placed = stations["lon"].notna().to_numpy()[stops["station"].to_numpy()]
    lost = served & ~placed
    if not served.any() or lost[served].all():
        raise FeedError("no stop served by a trip has coordinates (stop_lat, stop_lon) in stops.txt")
    if lost.any():
        warnings.append(f"stops.txt: {int(lost.sum()):,} stop(s) served by trips have no coordinates (or impossible "
                        f"ones, such as 0, 0), e.g. {_ids(stops.loc[lost, 'stop_id'])}: left out of the stations")
        keep = ~lost[timetable["event_stop"]]
        timetable = _kept_events(timetable, keep)
    return stops, stations, timetable


def _kept_events(timetable: dict, keep: np.ndarray) -> dict:
    """The timetable without the events `keep` leaves out (runs keep their place, perhaps empty)."""
    counts = np.add.reduceat(keep.astype(np.int64), timetable["run_start"][:-1]) if len(keep) else np.zeros(0)
    counts[np.diff(timetable["run_start"]) == 0] = 0
    out = {k: v[keep] for k, v in timetable.items() if k.startswith("event_")}
    out["run_trip"] = timetable["run_trip"]
    out["run_start"] = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return out


# -- the timetable ---------------------------------------------------------------------------------
def _timetable(stop_times, frequencies, trips, stops, warnings) -> dict:
    """Runs and their stop times as arrays (see TransitFeed)."""
    _require(stop_times, "stop_times.txt", ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"))
    trip = pd.Index(trips["trip_id"]).get_indexer(stop_times["trip_id"].astype(str))
    stop = pd.Index(stops["stop_id"]).get_indexer(stop_times["stop_id"].astype(str))
    if (stop < 0).any():
        warnings.append(f"stop_times.txt: {int((stop < 0).sum()):,} stop time(s) name a stop that stops.txt does not "
                        f"have (e.g. {_ids(stop_times.loc[stop < 0, 'stop_id'])}): left out")
    keep = (trip >= 0) & (stop >= 0)
    sequence = stop_times["stop_sequence"].to_numpy(dtype=np.float64, na_value=np.nan)
    keep &= ~np.isnan(sequence)
    arrival = _seconds(stop_times["arrival_time"], "arrival_time")
    departure = _seconds(stop_times["departure_time"], "departure_time")
    trip, stop, sequence, arrival, departure = (a[keep] for a in (trip, stop, sequence, arrival, departure))
    order = np.lexsort((sequence, trip))
    trip, stop, arrival, departure = trip[order], stop[order], arrival[order], departure[order]
    if len(trip) == 0:
        raise FeedError("stop_times.txt: no stop time belongs to a trip of trips.txt at a stop of stops.txt")
    departure = np.where(np.isnan(departure), arrival, departure)
    arrival = np.where(np.isnan(arrival), departure, arrival)
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    ends = np.r_[starts[1:], len(trip)]
    untimed = np.isnan(departure[starts]) | np.isnan(departure[ends - 1]) | (ends - starts < 2)
    if untimed.any():  # GTFS requires times at a trip's first and last stop
        warnings.append(f"stop_times.txt: {int(untimed.sum()):,} trip(s) lack a time at their first or last stop, or "
                        f"have one stop only (e.g. {_ids(trips['trip_id'].to_numpy()[trip[starts[untimed]]])}): left out")
        keep = ~np.repeat(untimed, ends - starts)
        trip, stop, arrival, departure = trip[keep], stop[keep], arrival[keep], departure[keep]
        starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(trip)]
    if len(trip) == 0:
        raise FeedError("stop_times.txt: no trip has times at its first and last stop")
    # times between timepoints: linear in stop order (a trip's first and last stop are timed)
    known = ~np.isnan(departure)
    at = np.arange(len(trip))
    departure = np.interp(at, at[known], departure[known])
    arrival = np.where(np.isnan(arrival), departure, arrival)
    return _runs(trips, trip, stop, arrival, departure, starts, ends, frequencies, warnings)


def _runs(trips, trip, stop, arrival, departure, starts, ends, frequencies, warnings) -> dict:
    """One run per timed trip, one per departure of a frequency-based trip (its stop times are
    the pattern, shifted to each departure from start_time, every headway_secs, before end_time)."""
    trip_of = trip[starts]  # the trips that have stop times, in order
    first = np.full(len(trips), -1, dtype=np.int64)
    first[trip_of] = np.arange(len(trip_of))
    shift_trip, shift_s = [trip_of], [np.zeros(len(trip_of))]
    if frequencies is not None and len(frequencies):
        _require(frequencies, "frequencies.txt", ("trip_id", "start_time", "end_time", "headway_secs"))
        ftrip = pd.Index(trips["trip_id"]).get_indexer(frequencies["trip_id"].astype(str))
        begin = _seconds(frequencies["start_time"], "start_time", "frequencies.txt")
        end = _seconds(frequencies["end_time"], "end_time", "frequencies.txt")
        headway = frequencies["headway_secs"].to_numpy(dtype=np.float64, na_value=np.nan)
        ok = (ftrip >= 0) & (first[np.maximum(ftrip, 0)] >= 0) & (headway > 0) & (end > begin)
        if (~ok).any():
            warnings.append(f"frequencies.txt: {int((~ok).sum()):,} row(s) name no trip with stop times, or have no "
                            "positive headway or period: left out")
        ftrip, begin, end, headway = ftrip[ok], begin[ok], end[ok], headway[ok]
        timed = np.ones(len(trip_of), dtype=bool)
        timed[first[ftrip]] = False  # a frequency-based trip's own times are a pattern, not a run
        count = np.ceil((end - begin) / headway).astype(np.int64)
        k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        pattern_start = departure[starts[first[ftrip]]]
        shift_trip = [trip_of[timed], np.repeat(ftrip, count)]
        shift_s = [np.zeros(int(timed.sum())), np.repeat(begin - pattern_start, count) + k * np.repeat(headway, count)]
    run_trip = np.concatenate(shift_trip).astype(np.int32)
    run_shift = np.concatenate(shift_s)
    run_first = starts[first[run_trip]]
    length = (ends - starts)[first[run_trip]]
    run_start = np.concatenate([[0], np.cumsum(length)]).astype(np.int64)
    source = np.repeat(run_first - run_start[:-1], length) + np.arange(run_start[-1])
    shift = np.repeat(run_shift, length)
    return {"run_trip": run_trip, "run_start": run_start, "event_stop": stop[source].astype(np.int32),
            "event_arrival_s": np.rint(arrival[source] + shift).astype(np.int32),
            "event_departure_s": np.rint(departure[source] + shift).astype(np.int32)}


def _seconds(values: pd.Series, column: str, table: str = "stop_times.txt") -> np.ndarray:
    """'H:MM:SS' (hours may pass 24) as seconds, NaN where empty; refuses anything else. Parsed by
    Arrow's regular expressions in C++ (a Python call per time took 2.5 s for 100,000 stop times)."""
    text = pc.utf8_trim_whitespace(pa.array(values.astype("string"), type=pa.string(), from_pandas=True))
    parts = pc.extract_regex(text, r"^(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$")
    h, m, s = (pc.cast(pc.struct_field(parts, name), pa.float64()) for name in ("h", "m", "s"))
    seconds = pc.add(pc.add(pc.multiply(h, 3600.0), pc.multiply(m, 60.0)), s)
    wrong = pc.and_(pc.is_null(seconds), pc.and_(pc.is_valid(text), pc.not_equal(text, "")))
    if pc.any(wrong).as_py():
        raise FeedError(f"{table}: {column} {_ids(pc.filter(text, wrong).to_pylist())} is not a time written HH:MM:SS")
    return seconds.to_numpy(zero_copy_only=False).astype(np.float64)


# -- shapes ----------------------------------------------------------------------------------------
def _shapes(shapes: pd.DataFrame | None) -> pd.Series | None:
    """shapes.txt as one LineString per shape_id (lon/lat), in point order."""
    if shapes is None or not {"shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"} <= set(shapes):
        return None
    frame = shapes[["shape_id", "shape_pt_lon", "shape_pt_lat", "shape_pt_sequence"]].dropna()
    frame = frame[(frame["shape_pt_lat"].abs() <= 90) & (frame["shape_pt_lon"].abs() <= 180)]
    codes, ids = pd.factorize(frame["shape_id"].astype(str))
    order = np.lexsort((frame["shape_pt_sequence"].to_numpy(dtype=np.int64), codes))
    codes = codes[order]
    sizes = np.bincount(codes, minlength=len(ids))
    keep = sizes[codes] >= 2
    if not keep.any():
        return None
    xy = frame[["shape_pt_lon", "shape_pt_lat"]].to_numpy(dtype=np.float64)[order][keep]
    kept_codes = codes[keep]
    present, index = np.unique(kept_codes, return_inverse=True)
    lines = shapely.linestrings(xy, indices=index)
    return pd.Series(lines, index=np.asarray(ids)[present])


# -- checks ----------------------------------------------------------------------------------------
def _check_service(feed: TransitFeed, today: dt.date) -> None:
    per_day = feed.runs_per_day()
    if not per_day.any():
        raise FeedError("the calendar has no day on which any trip runs (calendar.txt and calendar_dates.txt)")
    last = feed.first_day + dt.timedelta(days=int(np.flatnonzero(per_day)[-1]))
    if last < today:
        feed.warnings.append(f"the feed's service ended on {last:%Y-%m-%d}, {(today - last).days:,} days ago: its "
                             "timetable is past service, not today's")


def _require(frame: pd.DataFrame, name: str, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FeedError(f"{name} has no column {', '.join(missing)} (required by GTFS)")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column, '' where empty or absent."""
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").astype(object)


def _ids(values) -> str:
    values = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(f"'{v}'" for v in values[:_EXAMPLES])
    return shown + (f" and {len(values) - _EXAMPLES:,} more" if len(values) > _EXAMPLES else "")


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
