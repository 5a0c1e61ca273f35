"""Slow, exact references the fast engine is checked against (tests and the coverage benchmark)."""
from __future__ import annotations

import math

import numpy as np
import shapely

from layers.analysis.coverage import PopulationGrid


def population_brute_force(grid: PopulationGrid, region: shapely.Geometry) -> float:
    """Reference: intersect every cell in the region's bounding box with the region (slow, exact)."""
    rows, cols = grid.shape
    t = grid.transform
    inv = ~t
    xmin, ymin, xmax, ymax = region.bounds
    cs, rs = zip(*(inv * (x, y) for x, y in ((xmin, ymin), (xmax, ymax), (xmin, ymax), (xmax, ymin))))
    c_lo, c_hi = max(0, int(math.floor(min(cs)))), min(cols, int(math.ceil(max(cs))))
    r_lo, r_hi = max(0, int(math.floor(min(rs)))), min(rows, int(math.ceil(max(rs))))
    if c_lo >= c_hi or r_lo >= r_hi:
        return 0.0
    rr, cc = np.meshgrid(np.arange(r_lo, r_hi), np.arange(c_lo, c_hi), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    xa, xb = t.c + cc * t.a, t.c + (cc + 1) * t.a
    ya, yb = t.f + rr * t.e, t.f + (rr + 1) * t.e
    cells = shapely.box(np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb))
    frac = shapely.area(shapely.intersection(cells, region)) / grid.cell_area
    return float(np.sum(np.nan_to_num(grid.values[rr, cc], nan=0.0) * frac))



def features_brute_force(geoms, region: shapely.Geometry, values: dict | None = None) -> dict:
    """Reference for `FeatureSet.measure`: every feature tested against and intersected with the
    region by GEOS, one by one in effect (slow, exact). `values`: field name -> one number each."""
    geoms = np.asarray(geoms, dtype=object)
    hit = shapely.intersects(geoms, region)
    centroid_in = shapely.intersects(shapely.centroid(geoms), region)
    polygon = np.isin(shapely.get_type_id(geoms), (3, 6))
    inside = np.zeros(len(geoms))
    inside[hit] = shapely.area(shapely.intersection(geoms[hit], region))
    whole = shapely.area(geoms)
    share = np.where(hit, 1.0, 0.0)
    measured = hit & polygon & (whole > 0)
    share[measured] = inside[measured] / whole[measured]
    out = {"count_intersecting": int(hit.sum()), "count_by_centroid": int(centroid_in.sum()),
           "area_inside_m2": float(inside[polygon].sum())}
    for name, v in (values or {}).items():
        v = np.nan_to_num(np.asarray(v, dtype=float), nan=0.0)
        out[f"{name}_sum"] = float(v[centroid_in].sum())
        out[f"{name}_area_weighted"] = float((v * share).sum())
    return out


def counts_within_brute_force(geoms, zone: shapely.Geometry, sources, radius_m: float, values: dict | None = None) -> dict:
    """Reference for the counts in a catchment by the exact distance: a feature counts if its part in
    `zone` (the study area or a ward) is within `radius_m` of a source, by centroid if its centroid
    lies in `zone` and within `radius_m` of a source (GEOS distances, feature by feature in effect)."""
    geoms = np.asarray(geoms, dtype=object)
    near = shapely.union_all(np.asarray(sources, dtype=object))
    repaired = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms))  # a bow-tie, as the engine
    piece = shapely.intersection(repaired, zone)
    hit = ~shapely.is_empty(piece) & (shapely.distance(piece, near) <= radius_m)
    centroid = shapely.centroid(geoms)
    centroid_in = shapely.intersects(zone, centroid) & (shapely.distance(centroid, near) <= radius_m)
    out = {"count_intersecting": int(hit.sum()), "count_by_centroid": int(centroid_in.sum())}
    for name, v in (values or {}).items():
        out[f"{name}_sum"] = float(np.nan_to_num(np.asarray(v, dtype=float), nan=0.0)[centroid_in].sum())
    return out
