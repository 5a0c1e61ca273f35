"""Distances and areas as the measure tool reports them: planar in the working CRS and ellipsoidal.

Planar figures are what the analysis uses (the working CRS is metric, see `layers.crs`);
ellipsoidal figures (pyproj.Geod on the working CRS's own ellipsoid, reached without a datum
shift: exact whatever the datum) are the true lengths on the Earth. At city scale in the right
UTM zone they agree to about 0.1 %. Every text names its CRS, as QGIS's measure tool does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from layers.text import area_text, length_text
from layers.crs import crs_label, require_metric


@dataclass(frozen=True)
class Measurement:
    kind: str  # 'distance' or 'area'
    planar: float  # metres or square metres in the working CRS
    ellipsoidal: float  # metres or square metres on the working CRS's ellipsoid
    crs_name: str
    ellipsoid: str = "WGS 84"

    def text(self) -> str:
        fmt = length_text if self.kind == "distance" else area_text
        return (
            f"{'Distance' if self.kind == 'distance' else 'Area'}: {fmt(self.planar)} planar in {self.crs_name}; "
            f"{fmt(self.ellipsoidal)} ellipsoidal ({self.ellipsoid})"
        )


def _on_ellipsoid(crs: CRS) -> tuple[Transformer, Geod, str]:
    """The CRS's own lon/lat (its projection undone: exact), its ellipsoid's Geod and that ellipsoid's name."""
    ellipsoid = crs.ellipsoid
    return (Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True), crs.get_geod(),
            ellipsoid.name if ellipsoid is not None else "its ellipsoid")


def measure_distance(xs, ys, crs: CRS) -> Measurement:
    """Length of the polyline through the points (xs, ys) given in the metric `crs`."""
    crs = require_metric(crs, "distances")
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    planar = float(np.hypot(np.diff(xs), np.diff(ys)).sum()) if len(xs) > 1 else 0.0
    to_lonlat, geod, ellipsoid = _on_ellipsoid(crs)
    lon, lat = to_lonlat.transform(xs, ys)
    ellipsoidal = float(geod.line_length(lon, lat)) if len(xs) > 1 else 0.0
    return Measurement("distance", planar, ellipsoidal, crs_label(crs), ellipsoid)


def measure_area(polygon, crs: CRS) -> Measurement:
    """Area of a (multi)polygon given in the metric `crs`."""
    crs = require_metric(crs, "areas")
    to_lonlat, geod, ellipsoid = _on_ellipsoid(crs)
    lonlat = shapely.transform(polygon, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    ellipsoidal = abs(geod.geometry_area_perimeter(lonlat)[0])
    return Measurement("area", float(polygon.area), float(ellipsoidal), crs_label(crs), ellipsoid)


def measure_geometry(geom, crs: CRS) -> Measurement | None:
    """Length of a line or area of a polygon feature; None for points."""
    kind = shapely.get_type_id(geom)
    if kind in (3, 6):
        return measure_area(geom, crs)
    if kind in (1, 2, 5):
        parts = shapely.get_parts(geom)
        results = [measure_distance(*shapely.get_coordinates(p).T, crs) for p in parts]
        return Measurement(
            "distance", sum(r.planar for r in results), sum(r.ellipsoidal for r in results), results[0].crs_name,
            results[0].ellipsoid)
    return None
