"""Which features are under a map point: the identify tool's question, without Qt.

Layers are searched from the top of the stack down, visible ones only. Points and lines are hit
within a tolerance (a few screen pixels, passed in metres); polygons when they contain the point
(or lie within the tolerance of it); rasters report the cell value under the point.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS

from layers.crs import transformer
from layers.layer import Layer, RasterLayer, VectorLayer, field_columns
from layers.stack import LayerStack


@dataclass
class Hit:
    """One feature (or raster cell) under the point."""

    layer: Layer
    row: int | None  # position in layer.gdf; None for a raster
    distance_m: float
    attributes: dict = field(default_factory=dict)
    geometry: object = None  # the feature's shapely geometry in the CRS asked in; None for a raster

    @property
    def title(self) -> str:
        """The feature's name (the layer's mapped name field first), else a code or line, else its number."""
        for key in (self.layer.fields.name, "name", "code", "line"):
            value = self.attributes.get(key)
            if value not in (None, ""):
                return str(value)
        return f"feature {self.row}" if self.row is not None else self.layer.name


def identify_layer(layer: Layer, x: float, y: float, tolerance_m: float, crs: CRS) -> list[Hit]:
    """Hits in one layer, nearest first."""
    if isinstance(layer, RasterLayer):
        return _identify_raster(layer, x, y, crs)
    if not isinstance(layer, VectorLayer):
        return []
    rows, geoms = layer.features_near(x, y, tolerance_m, crs)
    if not len(rows):
        return []
    distances = shapely.distance(geoms, shapely.Point(x, y))
    order = np.lexsort((rows, distances))  # nearest first; of two as near, the first in the layer
    gdf = layer.gdf
    columns = field_columns(gdf)
    hits = []
    for i in order:
        row = int(rows[i])
        values = gdf.iloc[row][columns]
        attributes = {c: (None if _missing(v) else v) for c, v in values.items()}
        hits.append(Hit(layer, row, float(distances[i]), attributes, geoms[i]))
    return hits


def identify(stack: LayerStack, x: float, y: float, tolerance_m: float, crs: CRS) -> list[Hit]:
    """Every hit under (x, y) in `crs`, topmost visible layer first, nearest first within a layer."""
    hits: list[Hit] = []
    for layer in reversed(list(stack)):
        if layer.visible:
            hits += identify_layer(layer, x, y, tolerance_m, crs)
    return hits


def _identify_raster(layer: RasterLayer, x: float, y: float, crs: CRS) -> list[Hit]:
    if layer.crs is not None and CRS.from_user_input(layer.crs) != CRS.from_user_input(crs):
        x, y = transformer(crs, layer.crs).transform(x, y)
    col, row = ~layer.transform * (x, y)
    row, col = int(np.floor(row)), int(np.floor(col))
    height, width = layer.array.shape
    if not (0 <= row < height and 0 <= col < width):
        return []
    value = float(layer.array[row, col])
    if not np.isfinite(value):
        return []
    return [Hit(layer, None, 0.0, {"value": value, "row": row, "column": col})]


def _missing(value) -> bool:
    try:
        return bool(value is None or (np.isscalar(value) and np.isnan(value)) or value is getattr(__import__("pandas"), "NA"))
    except TypeError:
        return False
