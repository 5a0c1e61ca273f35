"""Two stores of geometries as arrays (`CompactGeometries`, the parser's `GeometryArrays`) hold the
same features: every array equal, element for element."""
from __future__ import annotations

import numpy as np

GEOMETRY_ARRAYS = ("types", "geom_offsets", "part_offsets", "path_offsets", "coords")


def assert_same_geometry_arrays(store, reference) -> None:
    for name in GEOMETRY_ARRAYS:
        np.testing.assert_array_equal(getattr(store, name), getattr(reference, name), err_msg=name)
