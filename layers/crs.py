"""The working metric CRS: which one, getting data into it, and refusing to measure outside it.

Every area and distance the app reports is computed in a projected CRS whose unit is the
metre and whose scale error is small over the study area (`choose_working_crs`), on the data's
own datum wherever it can be, so that no datum shift comes between the files and the figures:
the data's own grid (a national grid, a State Plane zone, a UTM zone, Krovak, VN-2000 TM-3),
in metres if the file is in feet (EPSG:2263, New York Long Island in US survey feet, is
measured in its metric twin EPSG:32118); for lon/lat data the national metric grid of its datum
(VN-2000: the TM-3 zone of its centre), else the UTM zone of its centre on its own datum
(NAD83: EPSG:269xx; ETRS89: EPSG:258xx; WGS 84: EPSG:326xx/327xx, EPSG:32648 for Hanoi); and
where UTM would distort areas by more than MAX_AREA_DISTORTION over the data (near a pole), a
stereographic projection centred on the data. Degrees are not lengths, and Web Mercator
inflates areas by 1/cos(latitude)^2 (about 15 % in Hanoi), so both are refused by
`require_metric`; a study area the working CRS still distorts by more than MAX_AREA_DISTORTION
(a continent) is refused by `require_true_areas`, with the reason: the engine buffers
catchments as circles in the plane, so a plane that is wrong there cannot be corrected after.

Every transform goes through `transformer`, one PROJ (pyproj's) for every CRS: PROJ's most
accurate way that is installed for the data's area, refused when PROJ only knows a "ballpark"
one (no datum shift known: a VN-2000 file read as WGS 84 lands about 224 m off in Hanoi) or
its stated accuracy is worse than MAX_SHIFT_ERROR_M (NAD27 without its grids: 10 m), saying
what would fix it. Its accuracy is stated with the figures (`transform_note`): NAD83 to WGS 84
without NOAA's grids is 4 m. VN-2000 to WGS 84 uses the official 7-parameter shift (EPSG:6960, 1 m).
"""
from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import StereographicConversion, UTMConversion
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from layers.io.sliced import in_slices

HANOI_CRS = CRS.from_epsg(32648)  # WGS 84 / UTM zone 48N
WGS84 = CRS.from_epsg(4326)
_WEB_MERCATOR_CODES = {3857, 3785, 900913, 102100, 102113}
VN2000 = 4756  # VN-2000 geographic; its national metric grids are the TM-3 zones
VN2000_TM3_ZONES = {102.0: 5896, 105.0: 5897, 108.0: 5898}  # central meridian -> EPSG (Hanoi: 5897)
# Conformal projections made for measuring a region: an agency's own grid is taken as the working CRS.
_LOCAL_GRID_METHODS = ("transverse mercator", "lambert conic conformal", "stereographic", "hotine oblique mercator",
                       "oblique mercator", "new zealand map grid", "cassini", "krovak")
DENSIFY_M = 100.0  # vertices at most this far apart before a geometry is transformed to another CRS
MAX_SHIFT_ERROR_M = 5.0  # a datum shift PROJ states as less accurate than this is refused
MAX_AREA_DISTORTION = 0.005  # a working CRS whose areal scale is off by more than this over the study area is refused
_SAMPLES = 9  # points a side of the grid on which a CRS's distortion over an extent is sampled


class NotMetricCRSError(ValueError):
    """Raised when a measurement is asked for in a CRS that does not measure in metres."""


class TransformError(ValueError):
    """Raised when data cannot be brought from one CRS to another accurately; str() says why."""


@dataclass(frozen=True)
class Shift:
    """How PROJ takes coordinates from one CRS to another: its way, its stated accuracy in metres
    (0: the same datum, exact; None: not stated, from the CRS's own shift parameters) and the more
    accurate ways that are not installed (their grids' names)."""

    how: Transformer
    accuracy_m: float | None
    name: str
    missing_grids: tuple[str, ...] = ()


def shift(source, target, area: tuple[float, float, float, float] | None = None,
          max_error_m: float = MAX_SHIFT_ERROR_M) -> Shift:
    """PROJ's most accurate installed way from `source` to `target` (x = east, y = north) for data in
    `area` (west, south, east, north in degrees; None: wherever the CRSs are used).

    Refuses (TransformError saying what would fix it) a "ballpark" way (PROJ knows no datum shift
    between the two, so positions would be off by up to hundreds of metres) and one whose stated
    accuracy is worse than `max_error_m` (for figures MAX_SHIFT_ERROR_M; a cursor's lon/lat readout
    takes any stated accuracy). PROJ's warning that a better way needs a grid that is
    not installed is not shown: the grid is named in `Shift.missing_grids` and in the figures' CRS
    text instead. Made anew per call: a PROJ context belongs to one thread.
    """
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)
    if source == target:
        return Shift(Transformer.from_crs(source, target, always_xy=True), 0.0, "")
    aoi = AreaOfInterest(*area) if area is not None and np.all(np.isfinite(area)) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Best transformation is not available": said below
        group = TransformerGroup(source, target, always_xy=True, area_of_interest=aoi)
    best = group.transformers[0] if group.transformers else None
    if best is None:
        raise TransformError(f"cannot transform {crs_label(source)} to {crs_label(target)}: PROJ knows no way "
                             "between them")
    operations = best.operations or ()  # the steps of a concatenated way (one way alone has none listed)
    steps = [op for op in operations if op.type_name != "Conversion"]
    name = " + ".join(op.name for op in steps) or best.description
    accuracy = best.accuracy if best.accuracy >= 0 else None
    if operations and not steps:
        accuracy = 0.0  # the same datum: a change of projection or units, exact
    better = [op for op in group.unavailable_operations
              if op.accuracy >= 0 and (accuracy is None or op.accuracy < accuracy)]
    grids = tuple(dict.fromkeys(g.short_name for op in better for g in op.grids if not g.available))[:3]
    fix = _fix(source, target, grids)
    if "ballpark" in best.description.lower():
        raise TransformError(f"cannot transform {crs_label(source)} to {crs_label(target)} accurately: no datum shift "
                             "is known between them (PROJ could only place it approximately, up to hundreds of "
                             f"metres off). {fix}")
    if accuracy is not None and accuracy > max_error_m:
        raise TransformError(f"cannot transform {crs_label(source)} to {crs_label(target)} accurately: the best way "
                             f"installed ({name}) is accurate to {accuracy:g} m, more than {max_error_m:g} m. {fix}")
    return Shift(best, accuracy, name, grids)


def _fix(source: CRS, target: CRS, grids: tuple[str, ...]) -> str:
    """What would let the data in: the grids PROJ's better ways need, or one datum for every layer."""
    datum = source.geodetic_crs.name if source.geodetic_crs is not None else source.name
    same = (f"set a working CRS on the datum of the data ({datum}), e.g. its UTM zone or national grid "
            "(--crs, or the working CRS in the status bar), so that no datum shift is needed, or reproject the "
            "file to the other layers' datum")
    if grids:
        return (f"Install PROJ's grid {', '.join(grids)} (pyproj sync --file {grids[0]}; or the proj-data "
                f"package), or {same}")
    return same[0].upper() + same[1:]


def transformer(source, target, area: tuple[float, float, float, float] | None = None,
                max_error_m: float = MAX_SHIFT_ERROR_M) -> Transformer:
    """`shift(source, target, area, max_error_m).how`: the most accurate transform PROJ has installed,
    refusing an inaccurate one."""
    return shift(source, target, area, max_error_m).how


def require_accurate(source, target, area: tuple[float, float, float, float] | None = None) -> None:
    """Raise TransformError unless `transformer(source, target, area)` gives an accurate transform.

    Remembered per pair of CRS definitions and area: the check builds PROJ objects (tens of
    milliseconds, in each thread anew), and a layer is checked when it is read, in the loading
    thread, and again when it is added to the session, in the GUI thread, which then finds the
    answer here.
    """
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)

    def checked() -> bool:
        shift(source, target, area)  # raises TransformError: nothing kept
        return True

    _ACCURATE.get((source.srs, target.srs, None if area is None else tuple(np.round(area, 1))), checked)


class _Remembered:
    """Answers kept by key, the `most` last asked (a long session opens many layers, each with
    its CRS and bounds). Asked from several threads (the loading thread, the GUI thread): an
    answer is worked out outside the lock, so two threads may work out one answer twice."""

    def __init__(self, most: int = 512) -> None:
        self._answers: OrderedDict = OrderedDict()
        self._most = most
        self._lock = threading.Lock()

    def get(self, key, make):
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = make()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self._most:
                self._answers.popitem(last=False)
        return answer


_ACCURATE = _Remembered()  # (source, target, area) found accurate


def transform_note(source, target, area: tuple[float, float, float, float] | None = None) -> str | None:
    """How data in `source` is brought into `target`, with its accuracy, for the figures' CRS text
    ('from EPSG:4269 (NAD83) by NAD83 to WGS 84 (1), accurate to 4 m'); None on the same datum.
    Remembered per pair and area, as `require_accurate` is (a city is made anew after each change)."""
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)
    return _NOTES.get((source.srs, target.srs, None if area is None else tuple(np.round(area, 1))),
                      lambda: _note(source, target, area))


_NOTES = _Remembered()


def _note(source: CRS, target: CRS, area) -> str | None:
    way = shift(source, target, area)
    if way.accuracy_m == 0:
        return None
    accuracy = ("accuracy not stated (the file's own datum-shift parameters)" if way.accuracy_m is None
                else f"accurate to {way.accuracy_m:g} m")
    missing = f"; PROJ's grid {', '.join(way.missing_grids)} would do better, not installed" if way.missing_grids else ""
    return f"from {crs_label(source)} by {way.name}, {accuracy}{missing}"


def lonlat_bounds(crs, bounds) -> tuple[float, float, float, float] | None:
    """`bounds` in `crs` as (west, south, east, north) degrees on the CRS's own datum (no datum shift:
    for choosing a transform's area and a UTM zone); None where they are not on the Earth.

    Remembered per CRS definition and bounds, as `require_accurate` is: a layer's are worked out
    when it is read, in the loading thread, and again when it is added, in the GUI thread, where
    making the transformer took 45-60 ms (a million footprints opened in the window)."""
    crs = CRS.from_user_input(crs)
    if bounds is None or not np.all(np.isfinite(bounds)):
        return None
    return _LONLAT_BOUNDS.get((crs.srs, tuple(float(v) for v in bounds)), lambda: _lonlat_bounds(crs, bounds))


_LONLAT_BOUNDS = _Remembered()


def _lonlat_bounds(crs: CRS, bounds) -> tuple[float, float, float, float] | None:
    if crs.is_geographic or crs.geodetic_crs is None:
        box = tuple(float(v) for v in bounds)
    else:
        to_degrees = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        box = to_degrees.transform_bounds(*bounds, densify_pts=21)
    if not np.all(np.isfinite(box)) or abs(box[1]) > 90 or abs(box[3]) > 90:
        return None
    return (max(box[0], -180.0), box[1], min(box[2], 180.0), box[3])


def utm_crs_for(lon: float, lat: float, datum=None) -> CRS:
    """The UTM zone CRS containing a lon/lat point, on `datum` (a geographic CRS; default WGS 84):
    EPSG:32648 for Hanoi, EPSG:26918 for New York on NAD83."""
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise ValueError(f"not a longitude/latitude: ({lon}, {lat})")
    zone = min(int((lon + 180) // 6) + 1, 60)
    if datum is None or CRS.from_user_input(datum) == WGS84:
        return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
    return registered(ProjectedCRS(conversion=UTMConversion(zone, "S" if lat < 0 else "N"),
                                   geodetic_crs=CRS.from_user_input(datum)), ignore_axis_order=True)


def metric_form(crs) -> CRS:
    """`crs` itself if it is in metres; a projected CRS in feet (a State Plane zone in US survey
    feet) as the same projection in metres (EPSG:2263 -> EPSG:32118): areas are always m2."""
    crs = CRS.from_user_input(crs)
    if not crs.is_projected or {a.unit_name.lower() for a in crs.axis_info} <= {"metre", "meter"}:
        return crs
    metric = registered(ProjectedCRS(conversion=crs.coordinate_operation, geodetic_crs=crs.geodetic_crs),
                        ignore_axis_order=True)
    if metric.to_epsg() is None:
        metric = ProjectedCRS(conversion=crs.coordinate_operation, geodetic_crs=crs.geodetic_crs,
                              name=f"{crs.name} in metres")
    return metric


def parsed_crs(definition) -> CRS:
    """`CRS.from_user_input(definition)`, sooner for a PROJJSON definition of a registered CRS (a
    GeoParquet file's, as pyproj and GDAL write it, "id" at its top): PROJ parses PROJJSON in
    20-25 ms holding Python's lock, and the window's GUI thread waits meanwhile (opening a
    GeoParquet file: a 45-77 ms pause), while it makes the registered CRS from its code in 1-2 ms.
    That CRS is taken only where its own PROJJSON is the file's in every member but identifiers
    ("id", "$schema": what PROJ's versions write differently): the same definition, word for word
    and number for number. Else, or for anything other than such a dict, the definition is parsed."""
    code = definition.get("id") if isinstance(definition, dict) else None
    if isinstance(code, dict) and {"authority", "code"} <= code.keys():
        try:
            known = CRS.from_authority(str(code["authority"]), str(code["code"]))
        except CRSError:
            known = None
        if known is not None and _without_ids(known.to_json_dict()) == _without_ids(definition):
            return known
    return CRS.from_user_input(definition)


def _without_ids(value):
    """A PROJJSON value without its identifiers (every "id", "ids" and "$schema" member)."""
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key not in ("id", "ids", "$schema")}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    return value


def registered(crs: CRS, ignore_axis_order: bool = False) -> CRS:
    """The registry's (EPSG's) CRS that is `crs` (the same datum, projection, units, and axis order
    unless `ignore_axis_order`), else `crs` itself. A layer's CRS is kept so when it is read (a
    GeoParquet file's PROJJSON, a Shapefile's WKT): PROJ makes a transform from a code in 0.2 ms
    and from a written-out definition in 20 ms, and a GeoParquet layer's were made a dozen times
    (0.2-0.3 s of `planner measure`); the code also names it in the figures' CRS.

    Remembered per definition, as `lonlat_bounds` is: PROJ searches its registry for a CRS it does
    not know by code in about 0.1 s (a State Plane zone in feet, its twin in metres), and the
    working CRS is chosen again at each change of the layers (8 times in one `planner measure` of a
    State Plane city in feet: 0.9 s)."""
    return _REGISTERED.get((crs.srs, ignore_axis_order), lambda: _registered(crs, ignore_axis_order))


_REGISTERED = _Remembered()


def _registered(crs: CRS, ignore_axis_order: bool) -> CRS:
    for match in crs.list_authority(min_confidence=25):
        known = CRS.from_authority(match.auth_name, match.code)
        if known.equals(crs, ignore_axis_order=ignore_axis_order):
            return known
    return crs


def is_metric(crs) -> bool:
    try:
        require_metric(crs)
    except NotMetricCRSError:
        return False
    return True


def choose_working_crs(extents: list[tuple[CRS, tuple[float, float, float, float]]]) -> CRS:
    """The metric CRS to measure data in, from (CRS, bounds) of each of its layers, first layer first.

    The first CRS among the layers that is a local grid (a national grid, a State Plane zone, a UTM
    zone, Krovak, VN-2000 TM-3: the agency's own choice; not a world projection such as Mollweide),
    in metres; else, for VN-2000 lon/lat data, the VN-2000 TM-3 zone of its centre; else the UTM
    zone of the centre of all the data on the first layer's datum (Hanoi: EPSG:32648; New York on
    NAD83: EPSG:26918), or, where UTM would distort areas over the data by more than
    MAX_AREA_DISTORTION (near a pole), a stereographic projection centred on the data. The centre
    is found on each layer's own datum (no datum shift: a few metres do not move a zone).
    """
    extents = [(CRS.from_user_input(crs), bounds) for crs, bounds in extents if crs is not None]
    if not extents:
        raise NotMetricCRSError("no layer has a CRS, so no working CRS can be chosen")
    for crs, _ in extents:
        if crs.is_projected and is_local_grid(crs) and not is_web_mercator(crs):
            return metric_form(crs)
    # each place once: a layer of one point weighs as little in the centre as it covers
    lon, lat = np.unique(np.concatenate([_lonlat_samples(crs, bounds) for crs, bounds in extents], axis=1).round(6),
                         axis=1)
    if lon.size == 0:
        raise NotMetricCRSError("the layers' extents are not on the Earth, so no working CRS can be chosen")
    centre_lon, centre_lat = _centre(lon, lat)
    if any(_is_vn2000(crs) for crs, _ in extents):
        meridian = min(VN2000_TM3_ZONES, key=lambda m: abs(m - centre_lon))
        if abs(meridian - centre_lon) <= 1.5:
            return CRS.from_epsg(VN2000_TM3_ZONES[meridian])
    datum = extents[0][0].geodetic_crs or WGS84
    utm = utm_crs_for(centre_lon, centre_lat, datum.to_2d())
    if area_distortion(utm, lon, lat) <= MAX_AREA_DISTORTION:
        return utm
    return centred_stereographic(lon, lat, datum.to_2d())


def centred_stereographic(lon, lat, datum=WGS84) -> CRS:
    """A stereographic projection (conformal: circles stay circles) centred on these points, on
    `datum`, its scale set so that the areal scale is off by as little as it can be at both the
    centre and the farthest point (at 5 degrees from the centre, within 0.19 %)."""
    centre_lon, centre_lat = _centre(np.asarray(lon), np.asarray(lat))
    unscaled = ProjectedCRS(conversion=StereographicConversion(centre_lat, centre_lon), geodetic_crs=datum)
    scale = np.asarray(Proj(unscaled).get_factors(lon, lat, errcheck=False).areal_scale, dtype=float)
    k0 = float((np.nanmin(scale) * np.nanmax(scale)) ** -0.25) if np.isfinite(scale).any() else 1.0
    return ProjectedCRS(
        conversion=StereographicConversion(centre_lat, centre_lon, scale_factor_natural_origin=k0),
        geodetic_crs=datum, name=f"Stereographic centred on {centre_lat:.4f}, {centre_lon:.4f} ({datum.name})")


def area_distortion(crs, lon, lat) -> float:
    """The largest relative error of areas in `crs` at these lon/lat points on its datum (PROJ's
    areal scale factor; 0.0008 in a UTM zone's middle, infinite where the CRS cannot place them)."""
    lon, lat = np.atleast_1d(np.asarray(lon, dtype=float)), np.atleast_1d(np.asarray(lat, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scale = np.asarray(Proj(CRS.from_user_input(crs)).get_factors(lon, lat, errcheck=False).areal_scale,
                           dtype=float)
    error = np.abs(scale - 1.0)
    return float(np.max(np.where(np.isfinite(error), error, np.inf))) if error.size else 0.0


def distortion_over(crs, area: shapely.Geometry) -> tuple[float, np.ndarray, np.ndarray]:
    """(the largest areal error of `crs` over `area`, which is in `crs`; the lon/lat points sampled):
    its outline's vertices (a few hundred) and a grid of points inside."""
    crs = CRS.from_user_input(crs)
    x0, y0, x1, y1 = area.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, _SAMPLES), np.linspace(y0, y1, _SAMPLES))
    grid = shapely.points(xs.ravel(), ys.ravel())
    inside = shapely.get_coordinates(grid[shapely.intersects(area, grid)])
    edge = shapely.get_coordinates(shapely.boundary(area) if area.geom_type != "GeometryCollection" else area)
    edge = edge[:: max(1, len(edge) // 300)]
    x, y = np.concatenate([inside, edge, [[area.centroid.x, area.centroid.y]]]).T
    lon, lat = (np.asarray(v) for v in Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(x, y))
    placed = np.isfinite(lon) & np.isfinite(lat)
    error = area_distortion(crs, lon[placed], lat[placed]) if placed.all() else np.inf
    return error, lon[placed], lat[placed]


def require_true_areas(crs, area: shapely.Geometry, what: str = "the study area") -> None:
    """Raise NotMetricCRSError if `crs` distorts areas over `area` by more than MAX_AREA_DISTORTION,
    saying by how much and what would measure it (a stereographic CRS centred on it, or a smaller area)."""
    error, lon, lat = distortion_over(crs, area)
    if error <= MAX_AREA_DISTORTION:
        return
    how_much = "beyond what it can place" if not np.isfinite(error) else f"by up to {error:.1%}"
    better = centred_stereographic(lon, lat, CRS.from_user_input(crs).geodetic_crs.to_2d()) if lon.size else None
    if better is not None and area_distortion(better, lon, lat) <= MAX_AREA_DISTORTION:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a PROJ string is all a --crs flag needs here
            text = better.to_proj4()
        fix = f"set a working CRS made for it (--crs, or the working CRS in the status bar), e.g. '{text}'"
    else:
        fix = "no one planar CRS measures an area this large within that: measure its parts (a smaller study area)"
    raise NotMetricCRSError(f"the working CRS {crs_label(crs)} distorts areas over {what} {how_much}, more than "
                            f"{MAX_AREA_DISTORTION:.1%}, so its catchments and areas would be wrong; {fix}")


def _lonlat_samples(crs: CRS, bounds) -> np.ndarray:
    """A grid of points over `bounds` (in `crs`) as lon/lat on its datum, those on the Earth: (2, n)."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    xs, ys = np.meshgrid(np.linspace(x0, x1, _SAMPLES), np.linspace(y0, y1, _SAMPLES))
    if crs.is_geographic or crs.geodetic_crs is None:
        lon, lat = xs.ravel(), ys.ravel()
    else:
        lon, lat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(xs.ravel(), ys.ravel())
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return np.vstack([lon[ok], lat[ok]])


def _centre(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float]:
    """The middle of lon/lat points on the sphere (the mean of their unit vectors): a cap around a
    pole is centred on the pole, data across the antimeridian on it."""
    lam, phi = np.radians(lon), np.radians(lat)
    x, y, z = (np.mean(np.cos(phi) * np.cos(lam)), np.mean(np.cos(phi) * np.sin(lam)), np.mean(np.sin(phi)))
    return float(np.degrees(np.arctan2(y, x))), float(np.degrees(np.arctan2(z, np.hypot(x, y))))


def is_local_grid(crs: CRS) -> bool:
    """A conformal projection made for measuring a region (UTM, a national Transverse Mercator or
    Lambert grid, a State Plane zone, Krovak, a stereographic one): distances in it are right to a
    fraction of a per cent.

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
    how = transformer(gdf.crs, target, lonlat_bounds(gdf.crs, gdf.total_bounds))
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
