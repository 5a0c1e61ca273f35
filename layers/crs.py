"""The working metric CRS: which one, getting data into it, and refusing to measure outside it.

Every area and distance the app reports is computed in a projected CRS whose unit is the
metre and whose scale error is small over a city: the UTM zone of the data (EPSG:32648,
WGS 84 / UTM zone 48N, for Hanoi). Degrees are not lengths, and Web Mercator inflates areas
by 1/cos(latitude)^2 (about 15 % in Hanoi), so both are refused by `require_metric`.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer

HANOI_CRS = CRS.from_epsg(32648)  # WGS 84 / UTM zone 48N
WGS84 = CRS.from_epsg(4326)
_WEB_MERCATOR_CODES = {3857, 3785, 900913, 102100, 102113}


class NotMetricCRSError(ValueError):
    """Raised when a measurement is asked for in a CRS that does not measure in metres."""


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS containing a lon/lat point."""
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise ValueError(f"not a longitude/latitude: ({lon}, {lat})")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def working_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """The metric CRS to measure this data in: the UTM zone of its centre.

    For Hanoi (centre near 105.8 E, 21.0 N) this is EPSG:32648.
    """
    if gdf.crs is None:
        raise NotMetricCRSError("data has no CRS, so no working CRS can be chosen")
    xmin, ymin, xmax, ymax = gdf.total_bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    lon, lat = Transformer.from_crs(gdf.crs, WGS84, always_xy=True).transform(cx, cy)
    return utm_crs_for(lon, lat)


def is_web_mercator(crs: CRS) -> bool:
    epsg = crs.to_epsg(min_confidence=70)
    if epsg in _WEB_MERCATOR_CODES:
        return True
    method = crs.coordinate_operation.method_name.lower() if crs.coordinate_operation else ""
    return "pseudo-mercator" in method or "popular visualisation" in method


def require_metric(crs: CRS | None, what: str = "areas and distances") -> CRS:
    """Return `crs` if it measures in metres; otherwise raise NotMetricCRSError saying why."""
    if crs is None:
        raise NotMetricCRSError(f"cannot compute {what}: the data has no CRS")
    crs = CRS.from_user_input(crs)
    name = crs.to_string()
    if crs.is_geographic:
        raise NotMetricCRSError(f"cannot compute {what} in {name}: it is in degrees, not metres")
    if is_web_mercator(crs):
        raise NotMetricCRSError(
            f"cannot compute {what} in {name} (Web Mercator): its scale grows with latitude"
        )
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    if not units <= {"metre", "meter"}:
        raise NotMetricCRSError(f"cannot compute {what} in {name}: its unit is {', '.join(units)}")
    return crs


def to_metric(gdf: gpd.GeoDataFrame, crs: CRS | str | int | None = None) -> gpd.GeoDataFrame:
    """Reproject to `crs` (default: the data's working CRS), checking that it is metric."""
    target = require_metric(CRS.from_user_input(crs) if crs is not None else working_crs(gdf))
    if gdf.crs is not None and CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)


def crs_label(crs: CRS) -> str:
    """A short human name such as 'EPSG:32648 (WGS 84 / UTM zone 48N)'."""
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def implausible_coordinates(bounds: tuple[float, float, float, float], crs: CRS) -> str | None:
    """Why these bounds cannot be right for this CRS, or None if they are plausible.

    Catches the usual mix-ups: metres labelled as degrees, degrees labelled as a projected CRS,
    and coordinates that do not land on the Earth at all.
    """
    xmin, ymin, xmax, ymax = bounds
    if not np.all(np.isfinite(bounds)):
        return "coordinates are not finite numbers"
    if crs.is_geographic:
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            return (
                f"coordinates ({xmin:.6g}, {ymin:.6g}) - ({xmax:.6g}, {ymax:.6g}) are outside "
                f"longitude -180..180 / latitude -90..90, impossible for {crs_label(crs)}"
            )
        return None
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90 and xmax - xmin < 10:
        return (
            f"coordinates ({xmin:.6g}, {ymin:.6g}) - ({xmax:.6g}, {ymax:.6g}) look like degrees, "
            f"but the file says {crs_label(crs)}, which is in metres"
        )
    lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(
        [xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax]
    )
    lon, lat = np.asarray(lon), np.asarray(lat)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))) or np.any(np.abs(lat) > 90):
        return f"coordinates ({xmin:.6g}, {ymin:.6g}) - ({xmax:.6g}, {ymax:.6g}) are not on the Earth in {crs_label(crs)}"
    return None
