"""Catchments: the zone within a straight-line distance of a layer's features.

Definitions (the same in the GUI, the CLI and the benchmark, because it is this code):

* **Catchment** of a layer for a radius R: the union of the features buffered by R metres
  (straight-line distance), clipped to the study area. Buffers use `quad_segs=16` segments
  per quarter circle, so a buffered point is a regular 64-gon inscribed in the circle: its
  area is 64*sin(2*pi/64)/(2*pi) = 0.99839 of pi*R^2, i.e. **0.161 % below the true disk**
  (`disk_area_error(16)`); lines and polygons have the same error on their rounded ends and
  corners only. R = 0 keeps polygons as they are (e.g. digital-space zones).
* **Area** is planar area in the working metric CRS (square metres); the CRS label goes with
  every figure. Degrees and Web Mercator are refused (`NotMetricCRSError`).
"""
from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import CRS

from layers.analysis.coverage.shapes import as_area, check_crs, geometries

QUAD_SEGS = 16


def disk_area_error(quad_segs: int = QUAD_SEGS) -> float:
    """Relative area shortfall of a buffered point against pi*r^2 (0.00161 for quad_segs=16)."""
    n = 4 * quad_segs
    return 1.0 - n * math.sin(2 * math.pi / n) / (2 * math.pi)



def catchment(
    features,
    radius_m: float,
    study_area: shapely.Geometry | None = None,
    quad_segs: int = QUAD_SEGS,
    crs: CRS | str | int | None = None,
) -> shapely.Geometry:
    """The dissolved zone within `radius_m` metres of the features, clipped to `study_area`.

    `features`: GeoDataFrame/GeoSeries (its CRS is checked: must be metric) or an array of
    shapely geometries already in a metric CRS. Points and lines with radius 0 reach nothing;
    polygons with radius 0 are their own catchment. Returns a (Multi)Polygon, possibly empty.
    """
    check_crs(features, crs)
    if radius_m < 0 or not np.isfinite(radius_m):
        raise ValueError(f"radius must be a finite number of metres >= 0, not {radius_m}")
    geoms = geometries(features)
    if radius_m > 0:
        geoms = shapely.buffer(geoms, radius_m, quad_segs=quad_segs)
    else:
        geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6, 7))]
    if len(geoms) == 0:
        return shapely.Polygon()
    zone = as_area(shapely.union_all(shapely.make_valid(geoms) if radius_m == 0 else geoms))
    if study_area is not None:
        zone = as_area(shapely.intersection(zone, study_area))
    return zone


