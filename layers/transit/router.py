"""Travel time by transit and on foot: earliest arrival over a feed's trips, per minute of departure.

The definition (what "exact" means here). A journey leaves an origin at a departure minute t and
is either a walk straight to the destination, or a walk to a stop (up to `WalkRule.max_access_min`),
then 1 to `max_transfers + 1` rides, each between two stops of one run (boarding where the run
departs at or after the rider is there, alighting at its arrival time), with at most one walk
between two rides (a transfer, up to `WalkRule.max_transfer_m`; 0 s at the same stop), and a walk
from the last stop to the destination (up to the access time). Waiting at stops counts. Its travel
time is the destination arrival minus t; the figure is the least over all such journeys, in whole
seconds (walks rounded up, `layers.transit.walking`). Runs are the feed's vehicle journeys on the
day (frequency-based trips expanded, `layers.transit.gtfs`) and the day before's that go on past
midnight, at their times less 24 h.

The search is Range-RAPTOR (Delling, Pajor, Werneck, "Round-Based Public Transit Routing", 2012):
round k finds the earliest arrival at every stop with at most k rides by scanning the runs of each
pattern (the runs that call at the same stops in the same order, sorted so that none overtakes
another: a pattern whose runs do is split) from the stops the previous round improved, then walks
the transfers. Departure minutes are processed latest first and each round's labels are kept from
one minute to the next (an arrival reached leaving later is reached leaving earlier by waiting), so
a minute costs only what it improves. Labels are per round, never pruned by a later round's arrival,
so the limit on transfers is kept exactly. The kernel is compiled with numba.

Per destination, the travel times of all departure minutes are kept; the figures are their median
and a chosen percentile, nearest rank (the least time within which at least p % of the departure
minutes arrive), as Conveyal and r5py report them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numba
import numpy as np
from pyproj import CRS, Transformer

from layers.transit.gtfs import TransitFeed
from layers.transit.service import DAY_S, ServiceWindow
from layers.transit.walking import WalkRule, table_pairs

UNREACHED = np.iinfo(np.int32).max  # a travel time (s) that no journey gives
_INF = np.int64(2**40)
DEFAULT_MAX_TRANSFERS = 4  # r5py's default (max_public_transport_rides 5 in Conveyal's terms)


@dataclass
class Timetable:
    """The runs of one service day as RAPTOR's patterns, with the stops in a metric CRS.

    Pattern p calls at `pattern_stop[pattern_start[p]:pattern_start[p + 1]]` (L stops); its T runs'
    times are `arrival_s` / `departure_s[pattern_time[p]:pattern_time[p] + T * L]`, run by run (row
    major), runs sorted by departure, none overtaking another at any stop.
    """

    stop_xy: np.ndarray  # (S, 2) in `crs`
    stop_name: np.ndarray
    crs: CRS
    day: dt.date
    source: str  # the feed, in words
    pattern_start: np.ndarray
    pattern_stop: np.ndarray
    pattern_runs: np.ndarray  # runs per pattern
    pattern_time: np.ndarray
    arrival_s: np.ndarray
    departure_s: np.ndarray

    @classmethod
    def from_feed(cls, feed: TransitFeed, day: dt.date, crs) -> Timetable:
        """The runs of `feed` on `day` (and the day before's past midnight), stops in `crs` (metric)."""
        crs = CRS.from_user_input(crs)
        lon, lat = feed.stops["lon"].to_numpy(), feed.stops["lat"].to_numpy()
        x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        runs = []
        counts = np.diff(feed.run_start)
        for shift, on in ((0, feed.runs_on(day)), (-DAY_S, feed.runs_on(day - dt.timedelta(days=1)))):
            for r in np.flatnonzero(on & (counts >= 2)):
                a, b = feed.run_start[r], feed.run_start[r + 1]
                if shift and feed.event_arrival_s[b - 1] + shift < 0:
                    continue  # the day before's run ended before midnight
                runs.append((feed.event_stop[a:b], feed.event_arrival_s[a:b] + shift, feed.event_departure_s[a:b] + shift))
        return cls.from_runs(np.c_[x, y], feed.stops["stop_name"].to_numpy(), crs, day,
                             f"{feed.publisher or feed.source.name} ({feed.source.name})", runs)

    @classmethod
    def from_runs(cls, stop_xy, stop_name, crs, day, source, runs) -> Timetable:
        """From runs given as (stops, arrival_s, departure_s) arrays (a stop may have no coordinates:
        NaN, then it is reached only by riding)."""
        return cls(np.asarray(stop_xy, dtype=np.float64).reshape(-1, 2), np.asarray(stop_name, dtype=object),
                   CRS.from_user_input(crs), day, source, *_patterns(runs))

    def with_runs(self, stop_xy, stop_name, runs, source: str) -> Timetable:
        """This timetable and more runs (at its stops or new ones, numbered after its own), e.g. a
        sketched line: only the new runs are grouped into patterns, appended after this one's."""
        xy = np.r_[self.stop_xy, np.asarray(stop_xy, dtype=np.float64).reshape(-1, 2)]
        names = np.r_[self.stop_name, np.asarray(stop_name, dtype=object)]
        start, stop, n_runs, time, arr, dep = _patterns(runs)
        return Timetable(xy, names, self.crs, self.day, f"{self.source} + {source}",
                         np.r_[self.pattern_start, start[1:] + self.pattern_start[-1]], np.r_[self.pattern_stop, stop],
                         np.r_[self.pattern_runs, n_runs], np.r_[self.pattern_time, time + len(self.arrival_s)],
                         np.r_[self.arrival_s, arr], np.r_[self.departure_s, dep])

    @property
    def stop_count(self) -> int:
        return len(self.stop_xy)

    @property
    def run_count(self) -> int:
        return int(self.pattern_runs.sum())


def _patterns(runs) -> tuple[np.ndarray, ...]:
    """Runs (stops, arrival_s, departure_s) grouped into patterns: start, stop, runs, time offset,
    arrival_s and departure_s arrays as `Timetable` holds them."""
    groups: dict[tuple, list[int]] = {}
    for i, (stops, _, _) in enumerate(runs):
        groups.setdefault(tuple(int(s) for s in stops), []).append(i)
    p_start, p_stop, p_runs, p_time, arr, dep = [0], [], [], [], [], []
    offset = 0
    for stops, members in groups.items():
        a = np.array([runs[i][1] for i in members], dtype=np.int64)
        d = np.array([runs[i][2] for i in members], dtype=np.int64)
        order = np.lexsort(d.T[::-1])
        for part in _without_overtaking(a[order], d[order]):
            p_stop.extend(stops)
            p_start.append(len(p_stop))
            p_runs.append(len(part[0]))
            p_time.append(offset)
            arr.append(part[0].ravel())
            dep.append(part[1].ravel())
            offset += part[0].size
    flat = (lambda xs: np.concatenate(xs).astype(np.int64)) if arr else (lambda xs: np.zeros(0, np.int64))
    return (np.asarray(p_start, np.int64), np.asarray(p_stop, np.int64), np.asarray(p_runs, np.int64),
            np.asarray(p_time, np.int64), flat(arr), flat(dep))


def _without_overtaking(a: np.ndarray, d: np.ndarray):
    """Runs (sorted by departure) in groups where each run's times are all >= the one before's."""
    lasts: list[int] = []
    members: list[list[int]] = []
    for i in range(len(a)):
        for g, last in enumerate(lasts):
            if (a[i] >= a[last]).all() and (d[i] >= d[last]).all():
                members[g].append(i)
                lasts[g] = i
                break
        else:
            lasts.append(i)
            members.append([i])
    return [(a[m], d[m]) for m in members]


@dataclass
class TravelTimes:
    """Travel time (s, `UNREACHED` where none) from one origin, per departure minute (rows, in
    `departure_s` order) to each stop (by a ride) and each destination."""

    departure_s: np.ndarray  # (M,)
    to_stop_s: np.ndarray  # (M, S) int32: arrival by a ride (before any walk) less the departure
    to_destination_s: np.ndarray  # (M, D) int32
    method: str

    def percentile_s(self, percentile: float, at: str = "destination") -> np.ndarray:
        """Per destination (or stop), the p-th percentile over departure minutes, nearest rank."""
        times = self.to_destination_s if at == "destination" else self.to_stop_s
        return nearest_rank(times, percentile)


def nearest_rank(times: np.ndarray, percentile: float) -> np.ndarray:
    """The p-th percentile of each column, nearest rank: the ceil(p/100 x n)-th smallest."""
    if not 0 < percentile <= 100:
        raise ValueError(f"a percentile is a number above 0 and up to 100, not {percentile}")
    n = times.shape[0]
    rank = max(int(np.ceil(percentile / 100.0 * n - 1e-9)), 1) - 1
    return np.partition(times, rank, axis=0)[rank]


class Router:
    """A timetable, the walking rule and the transfers between its stops, computed once."""

    def __init__(self, timetable: Timetable, walk: WalkRule | None = None, _transfers=None):
        self.timetable = timetable
        self.walk = walk or WalkRule()
        self._placed = np.flatnonzero(np.isfinite(timetable.stop_xy).all(axis=1))
        i, j, s = _transfers if _transfers is not None else _transfers_from(timetable, self.walk, self._placed)
        order = np.lexsort((j, i))
        self._pairs = i[order], j[order], s[order]
        i, j, s = self._pairs
        self.transfer_ptr = np.searchsorted(i, np.arange(timetable.stop_count + 1)).astype(np.int64)
        self.transfer_to, self.transfer_s = j, s
        ps, pattern_of = timetable.pattern_stop, np.repeat(np.arange(len(timetable.pattern_runs)),
                                                          np.diff(timetable.pattern_start))
        position = np.arange(len(ps)) - timetable.pattern_start[pattern_of]
        order = np.argsort(ps, kind="stable")
        self.stop_pattern_ptr = np.searchsorted(ps[order], np.arange(timetable.stop_count + 1)).astype(np.int64)
        self.stop_pattern, self.stop_position = pattern_of[order].astype(np.int64), position[order].astype(np.int64)

    def with_runs(self, stop_xy, stop_name, runs, source: str) -> Router:
        """A router over this timetable and more runs at new stops (a sketched line): only the
        transfers to and from the new stops are walked (walks are the same both ways)."""
        timetable = self.timetable.with_runs(stop_xy, stop_name, runs, source)
        placed = np.flatnonzero(np.isfinite(timetable.stop_xy).all(axis=1))
        i, j, s = _transfers_from(timetable, self.walk, placed[placed >= self.timetable.stop_count])
        back = j < self.timetable.stop_count  # new -> old walked; old -> new is the same walk
        pairs = tuple(np.concatenate(parts) for parts in zip(self._pairs, (i, j, s), (j[back], i[back], s[back])))
        return Router(timetable, self.walk, _transfers=pairs)

    def egress(self, destination_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The walks from stops to destinations within the access time, as (ptr by stop, dest, s)."""
        xy = self.timetable.stop_xy[self._placed]
        i, j, s = table_pairs(self.walk.walk_table(xy, destination_xy, self.walk.max_access_m))
        i = self._placed[i]
        order = np.argsort(i, kind="stable")
        i, j, s = i[order], j[order], s[order]
        return np.searchsorted(i, np.arange(self.timetable.stop_count + 1)).astype(np.int64), j, s

    def travel_times(self, origin_xy, destination_xy, window: ServiceWindow,
                     max_transfers: int = DEFAULT_MAX_TRANSFERS, egress=None,
                     max_walk_min: float | None = None) -> TravelTimes:
        """Travel times from one origin (x, y in the timetable's CRS) to each destination point, for
        every minute of departure in the window [start, end). `egress` may be `self.egress(...)`
        of the same destinations, computed once for many origins. A walk straight to a destination
        is looked for up to `max_walk_min` (default: the window and 4 hours; a longer one is
        unreached by it)."""
        return next(self.travel_times_each(np.asarray(origin_xy, dtype=np.float64).reshape(1, 2), destination_xy,
                                           window, max_transfers, egress, max_walk_min))

    def travel_times_each(self, origins_xy, destination_xy, window: ServiceWindow,
                          max_transfers: int = DEFAULT_MAX_TRANSFERS, egress=None, max_walk_min: float | None = None):
        """`travel_times` from each of many origins in turn (a generator); the walks from all the
        origins to the stops and destinations are found together first."""
        if max_transfers < 0:
            raise ValueError(f"the most transfers is a whole number >= 0, not {max_transfers}")
        origins_xy = np.asarray(origins_xy, dtype=np.float64).reshape(-1, 2)
        destination_xy = np.asarray(destination_xy, dtype=np.float64).reshape(-1, 2)
        stops_xy = self.timetable.stop_xy[self._placed]
        a_origin, a_stop, a_s = table_pairs(self.walk.walk_table(origins_xy, stops_xy, self.walk.max_access_m))
        a_stop = self._placed[a_stop]
        walk_s = (window.end_s - window.start_s + 4 * 3600) if max_walk_min is None else max_walk_min * 60.0
        d_origin, d_dest, d_s = table_pairs(self.walk.walk_table(origins_xy, destination_xy,
                                                                 walk_s * self.walk.speed_m_s))
        a_ptr = np.searchsorted(a_origin, np.arange(len(origins_xy) + 1))
        d_ptr = np.searchsorted(d_origin, np.arange(len(origins_xy) + 1))
        e_ptr, e_dest, e_s = egress if egress is not None else self.egress(destination_xy)
        departures = np.arange(window.start_s, window.end_s, 60, dtype=np.int64)
        t = self.timetable
        for k in range(len(origins_xy)):
            direct = np.full(len(destination_xy), _INF, dtype=np.int64)
            direct[d_dest[d_ptr[k]:d_ptr[k + 1]]] = d_s[d_ptr[k]:d_ptr[k + 1]]
            to_stop, to_dest = _range_raptor(
                departures, a_stop[a_ptr[k]:a_ptr[k + 1]].astype(np.int64), a_s[a_ptr[k]:a_ptr[k + 1]].astype(np.int64),
                self.transfer_ptr, self.transfer_to, self.transfer_s, t.pattern_start, t.pattern_stop, t.pattern_runs,
                t.pattern_time, t.arrival_s, t.departure_s, self.stop_pattern_ptr, self.stop_pattern,
                self.stop_position, int(max_transfers) + 1, e_ptr, e_dest.astype(np.int64), e_s.astype(np.int64),
                direct)
            yield TravelTimes(departures, to_stop, to_dest, self.method(window, max_transfers))

    def method(self, window: ServiceWindow, max_transfers: int) -> str:
        return (f"earliest arrival over the runs of {self.timetable.source} on {window.text}, a departure every "
                f"minute (Range-RAPTOR), waiting included, at most {max_transfers} transfer(s); "
                f"{self.walk.text}; distances in {self.timetable.crs.name}")


def _transfers_from(timetable: Timetable, walk: WalkRule, stops: np.ndarray):
    """Transfers (from, to, s) from `stops` to every stop with coordinates."""
    placed = np.flatnonzero(np.isfinite(timetable.stop_xy).all(axis=1))
    xy = timetable.stop_xy
    i, j, s = table_pairs(walk.walk_table(xy[stops], xy[placed], walk.max_transfer_m))
    return stops[i], placed[j], s


@numba.njit(cache=True)
def _range_raptor(departures, a_stop, a_s, tr_ptr, tr_to, tr_s, p_start, p_stop, p_runs, p_time, arr, dep,
                  sp_ptr, sp_pat, sp_pos, rounds, e_ptr, e_dest, e_s, direct):  # pragma: no cover (compiled)
    n_stops = len(sp_ptr) - 1
    n_pat = len(p_runs)
    n_dest = len(direct)
    inf = np.int64(2**40)
    tau = np.full((rounds + 1, n_stops), inf, dtype=np.int64)  # at the stop, ready to board, <= k rides
    ride = np.full((rounds + 1, n_stops), inf, dtype=np.int64)  # alighted at the stop after ride k
    best_ride = np.full(n_stops, inf, dtype=np.int64)
    dest_arrival = np.full(n_dest, inf, dtype=np.int64)
    to_stop = np.empty((len(departures), n_stops), dtype=np.int32)
    to_dest = np.empty((len(departures), n_dest), dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    ride_marked = np.zeros(n_stops, dtype=np.bool_)
    egress_marked = np.zeros(n_stops, dtype=np.bool_)
    first = np.full(n_pat, -1, dtype=np.int64)
    unreached = np.int64(2147483647)
    for m in range(len(departures) - 1, -1, -1):
        t0 = departures[m]
        marked[:] = False
        egress_marked[:] = False
        for i in range(len(a_stop)):
            s, v = a_stop[i], t0 + a_s[i]
            if v < tau[0, s]:
                tau[0, s] = v
                marked[s] = True
        for k in range(1, rounds + 1):
            any_pattern = False
            for s in range(n_stops):
                if marked[s]:
                    for q in range(sp_ptr[s], sp_ptr[s + 1]):
                        p, pos = sp_pat[q], sp_pos[q]
                        if first[p] < 0 or pos < first[p]:
                            first[p] = pos
                            any_pattern = True
            marked[:] = False
            ride_marked[:] = False
            if not any_pattern:
                break
            for p in range(n_pat):
                if first[p] < 0:
                    continue
                start = p_start[p]
                length = p_start[p + 1] - start
                n_runs = p_runs[p]
                base = p_time[p]
                run = -1
                for i in range(first[p], length):
                    s = p_stop[start + i]
                    if run >= 0:
                        v = arr[base + run * length + i]
                        if v < ride[k, s]:
                            ride[k, s] = v
                            ride_marked[s] = True
                    ready = tau[k - 1, s]
                    if i < length - 1 and ready < inf and (run < 0 or ready <= dep[base + run * length + i]):
                        lo, hi = 0, n_runs if run < 0 else run + 1  # the earliest run leaving at or after `ready`
                        while lo < hi:
                            mid = (lo + hi) // 2
                            if dep[base + mid * length + i] >= ready:
                                hi = mid
                            else:
                                lo = mid + 1
                        if lo < n_runs and (run < 0 or lo < run):
                            run = lo
                first[p] = -1
            for s in range(n_stops):
                if ride_marked[s]:
                    v0 = ride[k, s]
                    if v0 < best_ride[s]:
                        best_ride[s] = v0
                        egress_marked[s] = True
                    if v0 < tau[k, s]:
                        tau[k, s] = v0
                        marked[s] = True
                    for q in range(tr_ptr[s], tr_ptr[s + 1]):
                        s2 = tr_to[q]
                        v = v0 + tr_s[q]
                        if v < tau[k, s2]:
                            tau[k, s2] = v
                            marked[s2] = True
        for s in range(n_stops):
            if egress_marked[s]:
                for q in range(e_ptr[s], e_ptr[s + 1]):
                    d = e_dest[q]
                    v = best_ride[s] + e_s[q]
                    if v < dest_arrival[d]:
                        dest_arrival[d] = v
            to_stop[m, s] = best_ride[s] - t0 if best_ride[s] < inf else unreached
        for d in range(n_dest):
            v = min(dest_arrival[d] - t0, direct[d])
            to_dest[m, d] = v if v < unreached else unreached
    return to_stop, to_dest
