"""The travel-time figures a planner reads: from an origin, the people within each band, named with
the feed, the window, the percentile, the walking speed and the transfer rule (the CLI's
`planner measure --travel-time` and the dock print these)."""
from __future__ import annotations

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
