"""How far the network takes people in N minutes: isochrone bands, people reached, and the reverse.

* `isochrone`: from one origin, the area reachable within each band (15/30/45/60 minutes) as
  polygons in the timetable's metric CRS, clipped to the study area. A band of N minutes is the
  origin's own walking circle (N minutes at the walking speed) and, round every stop reached by a
  ride in T < N minutes (T: the chosen percentile of the stop's travel time over the departure
  minutes, `layers.transit.router`), a circle of the walk left, (N - T) minutes at the walking speed
  and at most the access walk. A place inside a band is reached within N minutes at that
  percentile (the percentile of the best over stops is at most the best of the stops' percentiles),
  so the band never claims a place it does not reach. Where the router walks along a street
  network (`WalkRule.graph`), the walk left is walked along the streets instead: one multi-source
  search from the origin and every stop reached, each with its own budget of metres
  (`layers.analysis.network.reach.walk`), the streets reached widened by the walking catchment's
  band with its small holes filled (`layers.analysis.network.catchment`, as ITDP's Pedestrians First).
* `people_within`: the people of a population grid or of census zones inside each band, by the
  coverage engine's exact weighting (`layers.analysis.coverage.population`), and the total of any
  counted field of point features inside it.
* `zone_shares` (the reverse): who can reach a destination within N minutes. Origins are the
  centres of a square grid (`spacing_m`) over the zones; each origin's travel time to the
  destination is routed forward (one Range-RAPTOR search per origin, the same figure as an
  isochrone from there); a grid square's people are reached if its centre is. Per zone: the share
  of its people (each square's people split by the zone boundaries, exactly) that are reached.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from layers.analysis.coverage.shapes import as_area
from layers.analysis.network.catchment import DEFAULT_BAND_M, DEFAULT_FILL_HOLES_M2, fill_holes, widen
from layers.analysis.network.reach import walk
from layers.analysis.network.snap import snap_to_streets
from layers.transit.router import DEFAULT_MAX_TRANSFERS, UNREACHED, Router, nearest_rank
from layers.transit.service import ServiceWindow

DEFAULT_BANDS_MIN = (15, 30, 45, 60)
CIRCLE_QUAD_SEGS = 32  # segments per quarter circle: a circle's area within 0.05 % of pi r^2


@dataclass
class Isochrone:
    """Cumulative bands (the area within 15, within 30, ... minutes) from one origin."""

    origin_xy: tuple[float, float]
    bands_min: tuple[int, ...]
    polygons: np.ndarray  # one (Multi)Polygon per band, in `crs`
    percentile: float
    method: str
    crs: str

    @property
    def area_km2(self) -> np.ndarray:
        return shapely.area(self.polygons) / 1e6


def isochrone(router: Router, origin_xy, window: ServiceWindow, bands_min=DEFAULT_BANDS_MIN, percentile: float = 50.0,
              max_transfers: int = DEFAULT_MAX_TRANSFERS, study_area: shapely.Geometry | None = None) -> Isochrone:
    """The bands reachable from `origin_xy` (see the module's docstring)."""
    bands = tuple(sorted(int(b) for b in bands_min))
    if not bands or bands[0] <= 0:
        raise ValueError("isochrone bands are positive numbers of minutes")
    origin = np.asarray(origin_xy, dtype=np.float64).reshape(2)
    result = router.travel_times(origin, np.zeros((0, 2)), window, max_transfers)
    to_stop = nearest_rank(result.to_stop_s, percentile).astype(np.float64)
    to_stop[to_stop >= UNREACHED] = np.inf
    speed = router.walk.speed_m_s
    graph = router.walk.graph
    xy = router.timetable.stop_xy
    placed = np.flatnonzero(np.isfinite(xy).all(axis=1) & np.isfinite(to_stop))
    snapped = snap_to_streets(graph, np.r_[origin[None, :], xy[placed]]) if graph is not None else None
    polygons = []
    for band in bands:
        left_s = band * 60.0 - to_stop
        if graph is None:
            reached = np.flatnonzero(left_s > 0)
            radius = np.minimum(left_s[reached] * speed, router.walk.max_access_m)
            circles = shapely.buffer(shapely.points(xy[reached]), radius, quad_segs=CIRCLE_QUAD_SEGS)
            own = shapely.buffer(shapely.Point(origin), band * 60.0 * speed, quad_segs=CIRCLE_QUAD_SEGS)
            area = shapely.union_all(np.r_[circles, [own]])
        else:
            area = street_band(graph, snapped, np.r_[band * 60.0 * speed,
                                                     np.minimum(left_s[placed] * speed, router.walk.max_access_m)])
        if study_area is not None:
            area = shapely.intersection(area, study_area)
        polygons.append(as_area(area))
    walked = (f"the streets reached with the walk left from the origin and each stop reached, widened by a "
              f"{DEFAULT_BAND_M:g} m band, holes under {DEFAULT_FILL_HOLES_M2:,.0f} m² filled"
              if graph is not None else "straight-line circles of the walk left round each stop reached")
    method = (f"isochrone bands at the {percentile:g}th percentile of travel time over departure minutes "
              f"(nearest rank): {walked}; {result.method}")
    return Isochrone(tuple(origin), bands, np.asarray(polygons, dtype=object), percentile, method,
                     router.timetable.crs.name)


def street_band(graph, snapped, budget_m: np.ndarray) -> shapely.Geometry:
    """The walking catchment of snapped points, each with its own budget of metres (< 0: none)."""
    reach = walk(graph, snapped, float(max(budget_m.max(), 0.0)), budget_m=budget_m)
    return fill_holes(widen(graph, reach, DEFAULT_BAND_M), DEFAULT_FILL_HOLES_M2)


def people_within(polygons, population=None, counted: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> dict:
    """People inside each polygon (`population`: a PopulationGrid or ZonePopulation in the polygons'
    CRS), and for each counted field name -> (point xy, values) the total inside each polygon."""
    polygons = np.asarray(polygons, dtype=object)
    out: dict[str, np.ndarray] = {}
    if population is not None:
        out["population"] = population.population_in(polygons)
    for name, (xy, values) in (counted or {}).items():
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        values = np.asarray(values, dtype=np.float64)
        out[name] = np.array([values[shapely.intersects_xy(p, xy[:, 0], xy[:, 1])].sum() for p in polygons])
    return out


def reach_times(router: Router, origins_xy: np.ndarray, destination_xy, window: ServiceWindow, percentile: float = 50.0,
                max_transfers: int = DEFAULT_MAX_TRANSFERS, max_walk_min: float | None = None) -> np.ndarray:
    """Travel time (s, at the percentile; inf where unreached) from each origin to one destination
    (a walk straight there looked for up to `max_walk_min`, see `Router.travel_times`)."""
    destination = np.asarray(destination_xy, dtype=np.float64).reshape(1, 2)
    egress = router.egress(destination)
    times = np.empty(len(origins_xy))
    each = router.travel_times_each(origins_xy, destination, window, max_transfers, egress, max_walk_min)
    for i, result in enumerate(each):
        times[i] = nearest_rank(result.to_destination_s, percentile)[0]
    times[times >= UNREACHED] = np.inf
    return times


def zone_shares(router: Router, destination_xy, zones: np.ndarray, names, population, window: ServiceWindow,
                minutes: float, percentile: float = 50.0, spacing_m: float = 250.0,
                max_transfers: int = DEFAULT_MAX_TRANSFERS) -> pd.DataFrame:
    """Per zone: its people, those within `minutes` of the destination and their share (see the
    module's docstring); `population` as in `people_within`."""
    zones = np.asarray(zones, dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(zones)
    xs = np.arange(x0 + spacing_m / 2, x1 + spacing_m / 2, spacing_m)
    ys = np.arange(y0 + spacing_m / 2, y1 + spacing_m / 2, spacing_m)
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    squares = shapely.box(cx - spacing_m / 2, cy - spacing_m / 2, cx + spacing_m / 2, cy + spacing_m / 2)
    tree = shapely.STRtree(squares)
    which_zone, which_square = tree.query(zones, predicate="intersects")
    used = np.unique(which_square)
    times = np.full(len(squares), np.inf)
    times[used] = reach_times(router, np.c_[cx[used], cy[used]], destination_xy, window, percentile, max_transfers,
                              max_walk_min=minutes)
    pieces = shapely.intersection(squares[which_square], zones[which_zone])
    people = population.population_in(pieces)
    reached = times[which_square] <= minutes * 60.0
    total = np.bincount(which_zone, weights=people, minlength=len(zones))
    within = np.bincount(which_zone, weights=np.where(reached, people, 0.0), minlength=len(zones))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, within / total, np.nan)
    return pd.DataFrame({"zone": list(names), "population": total, "population_within": within, "share": share})
