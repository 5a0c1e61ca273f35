"""The working metric CRS: which one, getting data into it, and refusing to measure outside it.

Every area and distance the app reports is computed in a projected CRS whose unit is the
metre and whose scale error is small over a city (`choose_working_crs`): the data's own
metric CRS where it is in one (a national grid, a UTM zone, VN-2000 TM-3), the national
metric CRS of its datum (VN-2000 lon/lat: the TM-3 zone of its centre), else the UTM zone of
its centre (EPSG:32648, WGS 84 / UTM zone 48N, for Hanoi). Degrees are not lengths, and Web
Mercator inflates areas by 1/cos(latitude)^2 (about 15 % in Hanoi), so both are refused by
`require_metric`.

Every transform goes through `transformer`, which refuses what PROJ can only do as a
"ballpark" (no datum shift known: a VN-2000 file read as WGS 84 lands about 224 m off in
Hanoi); VN-2000 to WGS 84 uses the official 7-parameter shift (EPSG:6960, 1 m).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

from layers.io.sliced import in_slices

HANOI_CRS = CRS.from_epsg(32648)  # WGS 84 / UTM zone 48N
WGS84 = CRS.from_epsg(4326)
_WEB_MERCATOR_CODES = {3857, 3785, 900913, 102100, 102113}
VN2000 = 4756  # VN-2000 geographic; its national metric grids are the TM-3 zones
VN2000_TM3_ZONES = {102.0: 5896, 105.0: 5897, 108.0: 5898}  # central meridian -> EPSG (Hanoi: 5897)
_LOCAL_GRID_METHODS = ("transverse mercator", "lambert conic conformal", "stereographic", "hotine oblique mercator",
                       "oblique mercator", "new zealand map grid", "cassini")
DENSIFY_M = 100.0  # vertices at most this far apart before a geometry is transformed to another CRS


class NotMetricCRSError(ValueError):
    """Raised when a measurement is asked for in a CRS that does not measure in metres."""


class TransformError(ValueError):
    """Raised when data cannot be brought from one CRS to another accurately; str() says why."""


def transformer(source, target) -> Transformer:
    """The most accurate transform PROJ has from `source` to `target` (x = east, y = north).

    Refuses one that PROJ can only make as a "ballpark" (it knows no datum shift between the
    two, so positions would be off by up to hundreds of metres) and one whose grids are missing.
    Made anew per call: a PROJ context belongs to one thread.
    """
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)
    if source == target:
        return Transformer.from_crs(source, target, always_xy=True)
    group = TransformerGroup(source, target, always_xy=True)
    best = group.transformers[0] if group.transformers else None
    if best is None or not group.best_available or "ballpark" in best.description.lower():
        why = ("no datum shift is known between them (PROJ could only place it approximately, "
               "up to hundreds of metres off)") if best is not None else "PROJ knows no way between them"
        if best is not None and not group.best_available:
            why = "the datum-shift grid it needs is not installed"
        raise TransformError(f"cannot transform {crs_label(source)} to {crs_label(target)} accurately: {why}. "
                             "Reproject the file to a CRS with a known datum (e.g. WGS 84) and load that")
    return best


def require_accurate(source, target) -> None:
    """Raise TransformError unless `transformer(source, target)` gives an accurate transform.

    Remembered per pair of CRS definitions: the check builds PROJ objects (tens of milliseconds,
    in each thread anew), and a layer is checked when it is read, in the loading thread, and again
    when it is added to the session, in the GUI thread, which then finds the answer here.
    """
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)
    key = (source.srs, target.srs)
    if key not in _ACCURATE:
        transformer(source, target)
        _ACCURATE.add(key)


_ACCURATE: set[tuple[str, str]] = set()  # (source, target) definitions found accurate


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS containing a lon/lat point."""
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise ValueError(f"not a longitude/latitude: ({lon}, {lat})")
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def is_metric(crs) -> bool:
    try:
        require_metric(crs)
    except NotMetricCRSError:
        return False
    return True


def choose_working_crs(extents: list[tuple[CRS, tuple[float, float, float, float]]]) -> CRS:
    """The metric CRS to measure data in, from (CRS, bounds) of each of its layers, first layer first.

    The first metric CRS among the layers that is a local grid (a national grid, a UTM zone,
    VN-2000 TM-3: the agency's own choice; not a world projection such as Mollweide); else, for VN-2000 lon/lat data, the VN-2000 TM-3 zone of its centre;
    else the UTM zone of the centre of all the data (Hanoi: EPSG:32648).
    """
    extents = [(CRS.from_user_input(crs), bounds) for crs, bounds in extents if crs is not None]
    if not extents:
        raise NotMetricCRSError("no layer has a CRS, so no working CRS can be chosen")
    for crs, _ in extents:
        if is_metric(crs) and is_local_grid(crs):
            return crs
    lonlat = []
    for crs, (xmin, ymin, xmax, ymax) in extents:
        lon, lat = transformer(crs, WGS84).transform([xmin, xmax], [ymin, ymax])
        lonlat.append((min(lon), min(lat), max(lon), max(lat)))
    box = np.asarray(lonlat, dtype=float)
    lon = (box[:, 0].min() + box[:, 2].max()) / 2
    lat = (box[:, 1].min() + box[:, 3].max()) / 2
    if any(_is_vn2000(crs) for crs, _ in extents):
        meridian = min(VN2000_TM3_ZONES, key=lambda m: abs(m - lon))
        if abs(meridian - lon) <= 1.5:
            return CRS.from_epsg(VN2000_TM3_ZONES[meridian])
    return utm_crs_for(lon, lat)


def is_local_grid(crs: CRS) -> bool:
    """A conformal projection made for measuring a region (UTM, a national Transverse Mercator or
    Lambert grid, a stereographic one): distances in it are right to a fraction of a per cent.

    Not a world map projection such as Mollweide (GHSL's grids) or Web Mercator, whose circles are
    not circles on the ground.
    """
    operation = crs.coordinate_operation
    method = operation.method_name.lower() if operation is not None else ""
    return any(name in method for name in _LOCAL_GRID_METHODS)


def _is_vn2000(crs: CRS) -> bool:
    geodetic = crs.geodetic_crs
    return geodetic is not None and (geodetic.to_epsg(min_confidence=20) == VN2000 or "vietnam" in geodetic.datum.name.lower())


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


def reproject(gdf: gpd.GeoDataFrame, target) -> gpd.GeoDataFrame:
    """`gdf` in `target` through `transformer` (refusing ballpark transforms); itself if already there."""
    target = CRS.from_user_input(target)
    if gdf.crs is None:
        raise TransformError("the data has no CRS, so it cannot be placed on the map")
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    how = transformer(gdf.crs, target)
    geoms = in_slices(shapely.transform, np.asarray(gdf.geometry.values, dtype=object),
                      lambda xy: np.column_stack(how.transform(xy[:, 0], xy[:, 1])))
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=target)
    return out.set_crs(target, allow_override=True)


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
