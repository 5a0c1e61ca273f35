"""A sketched line as trips in the router, and what it adds in people reached within N minutes.

A sketch line (`layers.session.sketch`) has stations in order; given a service (a headway, an
average speed between stations or the run time of each hop, a dwell at each station and the hours
it runs), it becomes runs both ways: the first leaves its first station at `first_s`, the next
every headway until `last_s` (exclusive); a hop takes its run time (default: the straight distance
between the stations at the average speed, rounded to the second); a vehicle waits `dwell_s` at each
station between its first and last. The stations are new stops of the timetable (in its CRS), so
riders walk to, from and between them like any other stop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.session.sketch import Sketch
from layers.transit.isochrones import isochrone, people_within
from layers.transit.router import DEFAULT_MAX_TRANSFERS, Router, Timetable
from layers.transit.service import ServiceWindow

DEFAULT_HEADWAY_MIN = 6.0
DEFAULT_SPEED_KMH = 35.0  # an urban metro's average between stations, stops included in dwell
DEFAULT_DWELL_S = 30
SERVICE_HOURS_S = (5 * 3600, 23 * 3600)


@dataclass(frozen=True)
class LineService:
    """How often and how fast a sketched line runs."""

    headway_min: float = DEFAULT_HEADWAY_MIN
    speed_kmh: float = DEFAULT_SPEED_KMH
    dwell_s: int = DEFAULT_DWELL_S
    run_times_s: tuple[float, ...] | None = None  # per hop, instead of the speed
    first_s: int = SERVICE_HOURS_S[0]
    last_s: int = SERVICE_HOURS_S[1]

    def __post_init__(self) -> None:
        if not (self.headway_min > 0 and self.speed_kmh > 0 and self.dwell_s >= 0 and self.first_s < self.last_s):
            raise ValueError("a line's service needs a positive headway and speed, a dwell >= 0 and hours that run "
                             "from a time to a later one")

    @property
    def text(self) -> str:
        pace = "the stated run times" if self.run_times_s else f"{self.speed_kmh:g} km/h between stations"
        return f"every {self.headway_min:g} min, {pace}, {self.dwell_s} s at each station"


def sketch_runs(sketch: Sketch, timetable: Timetable, services: dict[str, LineService] | None = None):
    """The sketch's stations (x, y in the timetable's CRS), names and runs, stops numbered after the
    timetable's; `services` by line code (default: `LineService()` for each)."""
    services = services or {}
    to_crs = Transformer.from_crs(sketch.crs, timetable.crs, always_xy=True) if sketch.crs else None
    xy, names, runs = [], [], []
    for line in sketch.lines:
        if len(line.stations) < 2:
            continue
        service = services.get(line.line, LineService())
        sx, sy = np.array([s.x for s in line.stations]), np.array([s.y for s in line.stations])
        if to_crs is not None:
            sx, sy = to_crs.transform(sx, sy)
        first = timetable.stop_count + len(xy)
        xy.extend(zip(sx, sy))
        names.extend(f"{line.name}: {s.name}" for s in line.stations)
        hops = np.hypot(np.diff(sx), np.diff(sy)) / (service.speed_kmh / 3.6) if service.run_times_s is None \
            else np.asarray(service.run_times_s, dtype=np.float64)
        if len(hops) != len(line.stations) - 1:
            raise ValueError(f"{line.name}: {len(line.stations) - 1} run times are needed, one per hop, "
                             f"not {len(hops)}")
        stops = np.arange(first, first + len(line.stations))
        starts = np.arange(service.first_s, service.last_s, service.headway_min * 60.0)
        for order, hop in ((stops, hops), (stops[::-1], hops[::-1])):
            arrive = np.r_[0.0, np.cumsum(np.rint(hop) + service.dwell_s)] - np.r_[0.0, np.full(len(hop), service.dwell_s)]
            depart = arrive + np.r_[np.zeros(1), np.full(len(hop) - 1, service.dwell_s), np.zeros(1)]
            for start in np.rint(starts).astype(np.int64):
                runs.append((order, (arrive + start).astype(np.int64), (depart + start).astype(np.int64)))
    return np.asarray(xy, dtype=np.float64).reshape(-1, 2), np.asarray(names, dtype=object), runs


def with_sketch(router: Router, sketch: Sketch, services: dict[str, LineService] | None = None) -> Router:
    """A router over this one's timetable and the sketch's runs, with the same walking rule."""
    xy, names, runs = sketch_runs(sketch, router.timetable, services)
    return router.with_runs(xy, names, runs, "the sketch")


def reach_gain(before: Router, after: Router, origin_xy, window: ServiceWindow, minutes: float, population,
               percentile: float = 50.0, max_transfers: int = DEFAULT_MAX_TRANSFERS, study_area=None,
               zones=None) -> dict:
    """People within `minutes` of the origin without and with the sketch, and the gain; with `zones`
    (a GeoDataFrame with a 'zone' name column, in the routers' CRS) the same per zone, as a table
    `by_zone` (each zone's people inside its part of the band, by the coverage engine's weighting)."""
    people, bands = [], []
    for router in (before, after):
        iso = isochrone(router, origin_xy, window, (minutes,), percentile, max_transfers, study_area)
        people.append(float(people_within(iso.polygons, population)["population"][0]))
        bands.append(iso.polygons[0])
    gain = {"minutes": minutes, "population_before": people[0], "population_after": people[1],
            "gain": people[1] - people[0], "window": window.text, "percentile": percentile}
    if zones is not None and len(zones):
        shapes = np.asarray(zones.geometry.values, dtype=object)
        by_zone = [people_within(shapely.intersection(shapes, band), population)["population"] for band in bands]
        gain["by_zone"] = pd.DataFrame({"zone": list(zones["zone"]), "population_before": by_zone[0],
                                        "population_after": by_zone[1], "gain": by_zone[1] - by_zone[0]})
    return gain
