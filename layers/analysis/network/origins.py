"""Where a walk starts from each feature: a station's point, or points along a line or an outline.

A station or a stop walks from its point. A bridge, a line or an area (a park, a digital zone)
can be entered anywhere along it: its outline is walked from points at most `spacing_m` apart
(the way a park has entrances along its edge), each snapped to its nearest street. Returns the
(x, y) of the origins and the feature each comes from.
"""
from __future__ import annotations

import numpy as np
import shapely

from layers.analysis.coverage.shapes import geometries

ORIGIN_SPACING_M = 25.0


def origin_points(features, spacing_m: float = ORIGIN_SPACING_M) -> tuple[np.ndarray, np.ndarray]:
    """(xy (k, 2), feature index (k,)) of the walks' starting points, in the features' CRS."""
    geoms = geometries(features)
    if not len(geoms):
        return np.zeros((0, 2)), np.zeros(0, dtype="int64")
    kind = shapely.get_type_id(geoms)
    areal = np.isin(kind, (3, 6))
    edges = geoms.copy()
    edges[areal] = shapely.boundary(geoms[areal])
    linear = ~np.isin(kind, (0, 4))
    edges[linear] = shapely.segmentize(edges[linear], spacing_m)
    xy, feature = shapely.get_coordinates(edges, return_index=True)
    return xy, feature.astype("int64")
