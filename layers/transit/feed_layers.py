"""The map's layers of a GTFS feed: its stations (role 'transit_stop') and its lines (role
'transit_line'), in lon/lat (WGS 84, as GTFS gives them).

Each station carries what the figures ask of it: the routes that serve it (their names, route
types and modes), its capacity class (high if any route serving it is high capacity, else low:
SDG 11.2.1's 1 km or 500 m) and its service in the window (`layers.transit.service`):
departures, departures per hour and mean headway. Each line is one route, drawn from its trips'
shapes (shapes.txt), or through its trips' stops in order where the feed has no shapes, in the
route's colour (`route_color`; a default per capacity class where the feed gives none).
"""
from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.layer import VectorLayer, default_style
from layers.transit.capacity import BRT, HIGH, LOW, is_bus
from layers.transit.gtfs import TransitFeed
from layers.transit.service import ServiceWindow, default_window, station_service

STATIONS, LINES = "stations", "lines"  # the layers of a feed, by name inside it
DEFAULT_COLOURS = {HIGH: "#1f4e9c", LOW: "#6f6f6f", "": "#9a9a9a"}
WGS84 = "EPSG:4326"


def route_capacity(feed: TransitFeed, brt: Iterable[str] = ()) -> np.ndarray:
    """Each route's capacity class, bus routes the planner marks as BRT (by route_id or short
    name) made high."""
    routes = feed.routes
    marked = set(map(str, brt))
    unknown = marked - set(routes["route_id"]) - set(routes["short_name"])
    if unknown:
        raise ValueError(f"no route {', '.join(sorted(unknown))} in the feed to mark as BRT (routes: "
                         f"{', '.join(sorted(set(routes['short_name']) - {''})[:12]) or 'none named'})")
    brt_rows = (routes["route_id"].isin(marked) | routes["short_name"].isin(marked)).to_numpy()
    not_bus = brt_rows & ~is_bus(routes["mode"].to_numpy())
    if not_bus.any():
        raise ValueError(f"only bus routes can be marked BRT, not {', '.join(routes.loc[not_bus, 'name'])}")
    return np.where(brt_rows, HIGH, routes["capacity"].to_numpy()).astype(object)


def feed_layers(feed: TransitFeed, window: ServiceWindow | None = None, brt: Iterable[str] = (),
                name: str | None = None) -> list[VectorLayer]:
    """The stations and lines layers of `feed` (service counted in `window`, default: the busiest
    weekday 07:00-09:00)."""
    warnings = list(feed.warnings)
    if window is None:
        window = default_window(feed)
        if window.day.weekday() >= 5:
            warnings.append(f"the feed runs on no weekday (Monday to Friday): service counted on its busiest day, "
                            f"{window.day:%A %Y-%m-%d}")
    capacity = route_capacity(feed, brt)
    brt_names = set(map(str, brt))
    name = name or feed.source.name.removesuffix(".zip")
    stations = _stations(feed, window, capacity)
    lines = _lines(feed, capacity)
    if stations["departures"].sum() == 0:
        warnings.append(f"no vehicle leaves any station in the service window ({window.text}): every station has 0 "
                        "departures, and none counts as frequent")
    unclassed = int((stations["capacity"] == "").sum())
    if unclassed:
        warnings.append(f"{unclassed:,} station(s) are served only by routes that are not public transport for "
                        "SDG 11.2.1 (air, taxi) or of unknown type: not counted")
    if brt_names:
        lines.loc[lines["route_id"].isin(brt_names) | lines["short_name"].isin(brt_names), "mode"] = BRT
    layers = []
    for layer_name, role, gdf in ((STATIONS, "transit_stop", stations), (LINES, "transit_line", lines)):
        style = default_style(role)
        layers.append(VectorLayer(name=f"{name} {layer_name}", source=feed.source, source_layer=layer_name,
                                  role=role, style=style, gdf=gdf, warnings=list(warnings)))
    return layers


def _stations(feed: TransitFeed, window: ServiceWindow, capacity: np.ndarray) -> gpd.GeoDataFrame:
    """One row per station served by a run, with its routes, class and service in the window."""
    routes = feed.routes
    station_of_event = feed.stops["station"].to_numpy()[feed.event_stop]
    run_of_event = np.repeat(np.arange(feed.run_count), np.diff(feed.run_start))
    route_of_event = feed.trips["route"].to_numpy()[feed.run_trip[run_of_event]]
    pairs = np.unique(station_of_event.astype(np.int64) * len(routes) + route_of_event)
    station, route = pairs // len(routes), pairs % len(routes)
    served = np.unique(station)
    rank = {"": 0, LOW: 1, HIGH: 2}
    klass = np.vectorize(rank.get, otypes=[np.int64])(capacity[route]) if len(route) else np.zeros(0, np.int64)
    best = pd.Series(klass).groupby(station).max().reindex(served).to_numpy()
    service = station_service(feed, window).iloc[served].reset_index(drop=True)
    info = feed.stations.iloc[served].reset_index(drop=True)
    frame = pd.DataFrame({
        "station_id": info["station_id"], "name": info["name"],
        "routes": _joined(station, routes["name"].to_numpy()[route]),
        "route_types": _joined(station, routes["route_type"].to_numpy()[route]),
        "modes": _joined(station, routes["mode"].to_numpy()[route]),
        "capacity": np.array(["", LOW, HIGH], dtype=object)[best],
        **{column: service[column].to_numpy() for column in service},
        "service_window": window.text,
    })
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(info["lon"], info["lat"]), crs=WGS84)


def _joined(station: np.ndarray, values: np.ndarray) -> list[str]:
    """Per station (`station` sorted), its distinct values sorted and joined by ', '."""
    cuts = np.flatnonzero(np.diff(station)) + 1
    return [", ".join(map(str, sorted(set(group.tolist())))) for group in np.split(values, cuts)]


def _lines(feed: TransitFeed, capacity: np.ndarray) -> gpd.GeoDataFrame:
    """One row per route with runs: its shapes, else its stop patterns, as one multi-line."""
    trips, routes = feed.trips, feed.routes
    run_trips = np.unique(feed.run_trip)
    shape_of = trips["shape_id"].to_numpy()
    stop_xy = feed.stations[["lon", "lat"]].to_numpy()[feed.stops["station"].to_numpy()]
    first_run = np.full(len(trips), -1, dtype=np.int64)
    first_run[feed.run_trip[::-1]] = np.arange(feed.run_count)[::-1]
    geometry = {}
    for route, members in pd.Series(run_trips).groupby(trips["route"].to_numpy()[run_trips]):
        members = members.to_numpy()
        shapes = [] if feed.shapes is None else [feed.shapes[s] for s in sorted(set(shape_of[members]))
                                                if s in feed.shapes.index]
        if not shapes:
            patterns = {}
            for trip in members:
                run = first_run[trip]
                xy = stop_xy[feed.event_stop[feed.run_start[run]:feed.run_start[run + 1]]]
                xy = xy[~np.isnan(xy).any(axis=1)]
                if len(xy) >= 2:
                    patterns.setdefault(xy.tobytes(), xy)
            shapes = [shapely.linestrings(xy) for xy in patterns.values()]
        if shapes:
            geometry[route] = shapely.multilinestrings(shapes)
    rows = np.array(sorted(geometry), dtype=np.int64)
    chosen = routes.iloc[rows].reset_index(drop=True)
    klass = capacity[rows]
    colour = np.where(chosen["colour"] != "", chosen["colour"],
                      [DEFAULT_COLOURS[k] for k in klass]).astype(object) if len(rows) else np.zeros(0, object)
    frame = chosen[["route_id", "name", "short_name", "long_name", "route_type", "mode"]].assign(
        capacity=klass, colour=colour)
    return gpd.GeoDataFrame(frame, geometry=[geometry[r] for r in rows], crs=WGS84)
