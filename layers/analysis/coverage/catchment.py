"""Catchments: the zone within a straight-line distance of a layer's features.

Definitions (the same in the GUI, the CLI and the benchmark, because it is this code):

* **Catchment** of a layer for a radius R: every point within R metres (straight-line distance)
  of a feature, clipped to the study area. It is drawn and measured as the union of the features
  buffered by R with at least `MEASURE_QUAD_SEGS` (91) segments per quarter circle, chosen so
  that its area is within 1e-4 of the true circles' (`within.py`; the planner's segment setting,
  16 by default as drawn before, can only add segments); features are counted in it by the exact
  distance (`within.exact_counts`). R = 0 keeps polygons as they are (e.g. digital-space zones).
* **Area** is planar area in the working metric CRS (square metres); the CRS label goes with
  every figure. Degrees and Web Mercator are refused (`NotMetricCRSError`).
"""
from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from layers.analysis.coverage.shapes import as_area, check_crs, geometries, union_of_buffers
from layers.analysis.coverage.within import measure_quad_segs

QUAD_SEGS = 16  # the segment setting's default (figures use at least `MEASURE_QUAD_SEGS` whatever it is)


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
    `quad_segs` is the segment setting: buffers use it or `MEASURE_QUAD_SEGS`, whichever is more.
    """
    check_crs(features, crs)
    if radius_m < 0 or not np.isfinite(radius_m):
        raise ValueError(f"radius must be a finite number of metres >= 0, not {radius_m}")
    geoms = geometries(features)
    if radius_m == 0:
        geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6, 7))]
    if len(geoms) == 0:
        return shapely.Polygon()
    zone = as_area(union_of_buffers(geoms, radius_m, measure_quad_segs(quad_segs)) if radius_m > 0
                   else shapely.union_all(shapely.make_valid(geoms)))
    if study_area is not None:
        zone = as_area(shapely.intersection(zone, study_area))
    return zone


