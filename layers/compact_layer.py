"""A layer of things to count (buildings, facilities) held as arrays: how `planner measure` reads one.

Four million building footprints as shapely geometries take 1.9 GB before anything is measured;
the command needs of them only what `FeatureSet` counts with. `CompactVectorLayer` holds the
fields in `gdf` (a GeoDataFrame with no geometry column: anything that asks it for geometries
fails loudly instead of counting nothing) and the geometries as `CompactGeometries` in the
layer's CRS (about 100 bytes a footprint). It answers what the session asks of every vector
layer (CRS, bounds, kind, fields, the timeline's feature filter), and `counted_in_crs` gives the
features to count without making a shapely geometry. Asked for a frame with geometries
(`in_crs`: a role guessed from the other layers' outlines, drawing), it makes one: right, but
with the memory the arrays saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
from pyproj import CRS

from layers.analysis.coverage.compact import CompactFrame, CompactGeometries
from layers.crs import lonlat_bounds, transformer
from layers.layer import VectorLayer, kind_of_type_ids


@dataclass(eq=False)
class CompactVectorLayer(VectorLayer):
    """A vector layer whose geometries are `geometries` (in `layer_crs`) and `gdf` its fields only."""

    geometries: CompactGeometries | None = None
    layer_crs: CRS | None = None
    _in: dict = field(default_factory=dict, init=False, repr=False)  # working CRS -> geometries there

    @property
    def crs(self) -> CRS | None:
        return self.layer_crs

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        x, y = self.geometries.coords[:, 0], self.geometries.coords[:, 1]  # by column: 30x faster than axis=0
        return (float(x.min()), float(y.min()), float(x.max()), float(y.max())) if len(x) else (np.nan,) * 4

    @cached_property
    def geometry_kind(self) -> str:
        return kind_of_type_ids(self.geometries.types)

    def geometries_in_crs(self, crs) -> CompactGeometries:
        """The geometries in `crs`: each vertex transformed (as `layers.crs.reproject` does a
        frame's, refusing ballpark transforms), once per CRS."""
        target = CRS.from_user_input(crs)
        if target == self.layer_crs:
            return self.geometries
        key = target.to_wkt()
        if key not in self._in:
            self._in.clear()
            how = transformer(self.layer_crs, target, lonlat_bounds(self.layer_crs, self.bounds))
            x, y = how.transform(self.geometries.coords[:, 0], self.geometries.coords[:, 1])
            self._in[key] = self.geometries.with_coords(np.column_stack([x, y]))
        return self._in[key]

    def counted_in_crs(self, crs, filtered: bool = True) -> CompactFrame:
        """The features to count in `crs` (less those the feature filter leaves out, if `filtered`)."""
        geometries, fields = self.geometries_in_crs(crs), self.gdf
        mask = self.feature_mask() if filtered else None
        if mask is not None:
            geometries, fields = geometries.take(np.flatnonzero(mask)), fields[mask]
        return CompactFrame(fields, geometries)

    def in_crs(self, crs) -> gpd.GeoDataFrame:
        """The features with shapely geometries, in `crs` (made on first demand and kept: this
        costs the memory the arrays save)."""
        target = CRS.from_user_input(crs)
        key = ("frame", target.to_wkt())
        if key not in self._projected:
            geometries = self.geometries_in_crs(target)
            self._projected[key] = gpd.GeoDataFrame(self.gdf, geometry=geometries.shapes(np.arange(len(geometries))),
                                                    crs=target)
        return self._projected[key]
