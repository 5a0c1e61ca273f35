"""The travel-time figures a planner reads: from an origin, the people within each band, named with
the feed, the window, the percentile, the walking speed and the transfer rule (the CLI's
`planner measure --travel-time` and the dock print these)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from layers.transit.isochrones import DEFAULT_BANDS_MIN, isochrone, people_within
from layers.transit.router import DEFAULT_MAX_TRANSFERS, Router
from layers.transit.service import ServiceWindow


def origin_point(router: Router, origin: str) -> tuple[tuple[float, float], str]:
    """ORIGIN as 'lon,lat' or a stop's name (case and accents as written, whole name first, then a
    part of it), in the timetable's CRS, with its name in words."""
    parts = origin.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if not (abs(lon) <= 180 and abs(lat) <= 90):
                raise ValueError(f"{origin}: a place is written lon,lat in degrees")
            x, y = Transformer.from_crs("EPSG:4326", router.timetable.crs, always_xy=True).transform(lon, lat)
            return (x, y), f"{lat:.5f}, {lon:.5f}"
    names = [str(n) for n in router.timetable.stop_name]
    wanted = origin.strip().casefold()
    found = [i for i, n in enumerate(names) if n.casefold() == wanted] or \
        [i for i, n in enumerate(names) if wanted in n.casefold()]
    found = [i for i in found if np.isfinite(router.timetable.stop_xy[i]).all()]
    if not found:
        raise ValueError(f"{origin}: no stop of the feed has that name, and it is not a place written lon,lat")
    xy = router.timetable.stop_xy[found].mean(axis=0)  # a station's platforms: their middle
    return (float(xy[0]), float(xy[1])), names[found[0]]


def travel_time_figures(router: Router, origin: str, window: ServiceWindow, minutes: float | None = None,
                        percentile: float = 50.0, max_transfers: int = DEFAULT_MAX_TRANSFERS, population=None,
                        study_area: shapely.Geometry | None = None, bands_min=DEFAULT_BANDS_MIN) -> dict:
    """The bands (and `minutes`, if not one of them) from ORIGIN with area and people reached."""
    xy, name = origin_point(router, origin)
    bands = tuple(sorted(set(bands_min) | ({int(minutes)} if minutes else set())))
    iso = isochrone(router, xy, window, bands, percentile, max_transfers, study_area)
    people = people_within(iso.polygons, population).get("population") if population is not None else None
    total = population.total() if population is not None else None
    rows = []
    for i, band in enumerate(iso.bands_min):
        rows.append({"minutes": band, "area_km2": float(iso.area_km2[i]),
                     "population": None if people is None else float(people[i]),
                     "population_share": None if people is None or not total else float(people[i] / total)})
    return {"measure": "travel time", "origin": name, "origin_xy": list(xy), "feed": router.timetable.source,
            "window": window.text, "percentile": percentile, "walk_speed_kmh": router.walk.speed_kmh,
            "transfer_rule": f"at most {max_transfers} transfer(s), walks between stops up to "
                             f"{router.walk.max_transfer_m:,.0f} m", "bands": rows, "crs": iso.crs,
            "method": iso.method, "polygons": iso.polygons}


class RouterCache:
    """Routers for a session, built once per feed, day and CRS (reading a feed and finding its
    transfers takes seconds on a city's feed); the sketch's router is built anew per sketch, on the
    feed's (only the sketch's runs are grouped again)."""

    def __init__(self):
        self._routers: dict[tuple, tuple[Router, ServiceWindow]] = {}
        self._sketched: tuple | None = None

    def router(self, feed_path, crs, day=None, window_s=None, graph=None) -> tuple[Router, ServiceWindow]:
        """`graph`: the street network walks follow (None: straight lines)."""
        from layers.transit.gtfs import read_feed
        from layers.transit.router import Timetable
        from layers.transit.service import MORNING_PEAK_S, default_window
        from layers.transit.walking import WalkRule

        key = (str(feed_path), str(crs), day, window_s, id(graph))
        if key not in self._routers:
            feed = read_feed(feed_path)
            window = default_window(feed, *(window_s or MORNING_PEAK_S))
            if day is not None:
                window = ServiceWindow(day, window.start_s, window.end_s)
            self._routers[key] = Router(Timetable.from_feed(feed, window.day, crs), WalkRule(graph=graph)), window
        return self._routers[key]

    def with_sketch(self, router: Router, sketch, services) -> Router:
        from layers.transit.sketch_trips import with_sketch

        key = (id(router), sketch, tuple(sorted(services.items())))
        if self._sketched is None or self._sketched[0] != key:
            self._sketched = (key, with_sketch(router, sketch, services))
        return self._sketched[1]


def session_travel_time(session, cache: RouterCache, origin: str, minutes: float, percentile: float = 50.0,
                        max_transfers: int = DEFAULT_MAX_TRANSFERS, services=None) -> dict:
    """The dock's figures from the session: the first GTFS feed among its layers, its city's
    population, study area and street network (where walking distance is measured on one), and what the sketch adds (`services` by line code, default each)."""
    from layers.io.formats import feed_location
    from layers.transit.sketch_trips import LineService, reach_gain

    feeds = [f for f in (feed_location(layer.source) for layer in session.layers if layer.source) if f is not None]
    if not feeds:
        raise ValueError("open a GTFS feed (a zip or a folder with stops.txt): travel time is routed over its trips")
    city = session.city()
    # walks along the streets when the session measures walking distance on a street network
    router, window = cache.router(feeds[0], city.crs, graph=city.walking.graph if city.walking is not None else None)
    figures = travel_time_figures(router, origin, window, minutes, percentile, max_transfers, city.population,
                                  city.study_area)
    inner = np.r_[[shapely.Polygon()], figures["polygons"][:-1]]
    figures["bands_gdf"] = gpd.GeoDataFrame({"minutes": [f"{b['minutes']} min" for b in figures["bands"]]},
                                            geometry=list(shapely.difference(figures["polygons"], inner)), crs=city.crs)
    if not session.sketch.is_empty and city.population is not None:
        services = services or {code: LineService() for code in session.sketch.line_codes()}
        after = cache.with_sketch(router, session.sketch, services)
        figures["sketch_gain"] = reach_gain(router, after, figures["origin_xy"], window, minutes, city.population,
                                            percentile, max_transfers, city.study_area, city.zones)
    return figures
