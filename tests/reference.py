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



def features_brute_force(geoms, region: shapely.Geometry) -> tuple[int, float]:
    """Reference: intersect every feature with the region (slow, exact)."""
    geoms = np.asarray(geoms, dtype=object)
    hit = shapely.intersects(geoms, region)
    return int(hit.sum()), float(shapely.area(shapely.intersection(geoms[hit], region)).sum())

