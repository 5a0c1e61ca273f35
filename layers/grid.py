"""A raster grid's extent, from its shape and affine transform (the corner pixels' outer edges).

The model needs only this of rasterio on the planner's side of the reader process (`layers.io.isolated`
reads rasters in a process of its own): computed here, the analysis and the `planner measure`
command do not import rasterio and its GDAL, a seventh of a second of every start.
"""
from __future__ import annotations

from affine import Affine


def grid_bounds(rows: int, cols: int, transform: Affine) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a grid of `rows` x `cols` cells placed by `transform`: the
    least and greatest x and y of its four corners, rotated or not."""
    corners = [transform * (col, row) for col, row in ((0, 0), (0, rows), (cols, rows), (cols, 0))]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)
