"""A layer of things to count (buildings, facilities) held as arrays: how `planner measure` reads one.

Four million building footprints as shapely geometries take 1.9 GB before anything is measured;
the command needs of them only what `FeatureSet` counts with. `CompactVectorLayer` holds the
fields in `gdf` (a GeoDataFrame with no geometry column: anything that asks it for geometries
fails loudly instead of counting nothing) and the geometries as `CompactGeometries` in the
layer's CRS (about 100 bytes a footprint). It answers what the session asks of every vector
layer (CRS, bounds, kind, fields, the timeline's feature filter), and `counted_in_crs` gives the
features to count without making a shapely geometry. The map draws it from the arrays too
(`planner_gui.map.geometry`), and identify and search ask for the few features they show
(`features_near`, `shapes_in_crs`: a box test on `bounds_in_crs`, then shapely geometries of those
only). Asked for a frame with geometries (`in_crs`: a role guessed from the other layers'
outlines, a zone layer), it makes one: right, but with the memory the arrays saved.

The app holds a layer this way only when it is large (`whole` makes a small one an ordinary
`VectorLayer` again): every path of the app works with either, a large one without a shapely
geometry per feature. A large layer read again while the first reading is still held (the same
file opened again while the removed one is kept for undo) shares that reading's arrays, once they
are found equal (`held`): the same footprints are not held twice.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from layers.analysis.coverage.compact import CompactFrame, CompactGeometries
from layers.crs import lonlat_bounds, transformer
from layers.layer import VectorLayer, kind_of_type_ids

# A layer of more features than this is large: the app holds it as arrays and draws it as a picture
# painted in a worker (planner_gui.map.layers.large_vector); a smaller one it holds whole (`whole`).
LARGE_LAYER_FEATURES = 5_000


@dataclass(eq=False)
class CompactVectorLayer(VectorLayer):
    """A vector layer whose geometries are `geometries` (in `layer_crs`) and `gdf` its fields only."""

    geometries: CompactGeometries | None = None
    layer_crs: CRS | None = None
    _in: dict = field(default_factory=dict, init=False, repr=False)  # working CRS -> geometries, boxes there

    @property
    def crs(self) -> CRS | None:
        return self.layer_crs

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.geometries.total_bounds()

    @cached_property
    def geometry_kind(self) -> str:
        return kind_of_type_ids(self.geometries.types)

    def geometries_in_crs(self, crs) -> CompactGeometries:
        """The geometries in `crs`: each vertex transformed (as `layers.crs.reproject` does a
        frame's, refusing ballpark transforms), once per CRS."""
        target = CRS.from_user_input(crs)
        if target == self.layer_crs:
            return self.geometries
        key = target.srs  # its definition: a WKT may read differently in another thread (PROJ's context)
        if key not in self._in:
            self._in.clear()  # one other CRS at a time (its vertices and boxes)
            how = transformer(self.layer_crs, target, lonlat_bounds(self.layer_crs, self.bounds))
            x, y = how.transform(self.geometries.coords[:, 0], self.geometries.coords[:, 1])
            self._in[key] = self.geometries.with_coords(np.column_stack([x, y]))
        return self._in[key]

    def bounds_in_crs(self, crs) -> np.ndarray:
        """Each feature's box in `crs` (n x 4, NaN for an empty one), from its vertices there, once per CRS."""
        key = ("bounds", CRS.from_user_input(crs).srs)
        if key not in self._in:
            geometries = self.geometries_in_crs(crs)  # (clears the other CRS's boxes with its vertices)
            self._in[key] = geometries.bounds()
        return self._in[key]

    def extent_in_crs(self, crs) -> tuple[float, float, float, float]:
        """As `VectorLayer.extent_in_crs`, from the features' boxes there."""
        b = self.bounds_in_crs(crs)
        return tuple(float(v) for v in (*np.nanmin(b[:, :2], axis=0), *np.nanmax(b[:, 2:], axis=0)))

    def features_near(self, x: float, y: float, distance_m: float, crs) -> tuple[np.ndarray, np.ndarray]:
        """As `VectorLayer.features_near`, without a tree or a geometry per feature: the features
        whose box is within `distance_m` of the point, then shapely's distance for those few."""
        b = self.bounds_in_crs(crs)
        near = np.flatnonzero((b[:, 0] - distance_m <= x) & (x <= b[:, 2] + distance_m)
                              & (b[:, 1] - distance_m <= y) & (y <= b[:, 3] + distance_m))
        shapes = self.shapes_in_crs(near, crs)
        within = shapely.dwithin(shapes, shapely.Point(x, y), distance_m)
        return near[within], shapes[within]

    def shapes_in_crs(self, rows, crs) -> np.ndarray:
        """The geometries of features `rows` in `crs`, made for those only."""
        return self.geometries_in_crs(crs).shapes(np.asarray(rows, dtype=np.int64))

    def whole(self) -> VectorLayer:
        """This layer as an ordinary `VectorLayer` (a shapely geometry per feature), all else the same:
        what the app holds a small layer as."""
        gdf = gpd.GeoDataFrame(self.gdf, geometry=self.geometries.shapes(np.arange(len(self.geometries))),
                               crs=self.layer_crs)
        return VectorLayer(name=self.name, source=self.source, source_layer=self.source_layer, role=self.role,
                           style=self.style, visible=self.visible, opacity=self.opacity, warnings=self.warnings,
                           fields=self.fields, gdf=gdf, feature_filter=self.feature_filter)

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
        data, fields = self.keyed_frame()
        key = ("frame", target.srs, data)  # its fields as they are now (a field mapping's status)
        if key not in self._projected:
            self._projected.clear()  # one frame at a time: a million shapely geometries each
            geometries = self.geometries_in_crs(target)
            self._projected[key] = gpd.GeoDataFrame(fields, geometry=geometries.shapes(np.arange(len(geometries))),
                                                    crs=target)
        return self._projected[key]


def held(layer):
    """A layer as the app holds it: a large vector layer as arrays (a `CompactVectorLayer` of more
    than LARGE_LAYER_FEATURES features; sharing them with a large layer held already whose
    geometries are the same, `_shared`), a small one whole (`VectorLayer`, shapely geometries,
    which every view works with at no cost); any other layer as it is."""
    if not isinstance(layer, CompactVectorLayer):
        return layer
    if len(layer.gdf) <= LARGE_LAYER_FEATURES:
        return layer.whole()
    return _shared(layer)


_held_large: weakref.WeakSet = weakref.WeakSet()  # the large layers `held` gave, while anything holds them
_held_lock = threading.Lock()  # files are read in loader threads


def held_geometries(source, source_layer: str | None, crs: CRS) -> CompactGeometries | None:
    """The geometries of a large layer held now (`held`: in the session, or kept for undo) read
    from `source` (its layer `source_layer`) in `crs`: what a new reading of it is compared with
    as it is read (`CompactBuilder(like=...)`), so that the same footprints are not held twice
    while it is read."""
    return next((other.geometries for other in _held_readings(source, source_layer, crs)), None)


def _held_readings(source, source_layer: str | None, crs: CRS) -> list[CompactVectorLayer]:
    """The large layers held now that were read from `source` (its layer `source_layer`) in `crs`."""
    with _held_lock:
        others = list(_held_large)
    return [other for other in others
            if other.source == source and other.source_layer == source_layer and other.layer_crs == crs]


def _shared(layer: CompactVectorLayer) -> CompactVectorLayer:
    """`layer`, its geometries (and their boxes and vertices in other CRSs) those of a large layer
    still held (in the session, or kept for undo) that was read from the same source and has equal
    geometries, coordinate for coordinate; its own arrays are then let go. Its fields stay its own.
    (A layer read as arrays was compared as it was read, `held_geometries`, and has them already.)"""
    for other in _held_readings(layer.source, layer.source_layer, layer.layer_crs):
        if same_geometries(other.geometries, layer.geometries):
            layer.geometries, layer._in = other.geometries, other._in  # read-only alike: shared
            break
    with _held_lock:
        _held_large.add(layer)
    return layer


def same_geometries(a: CompactGeometries, b: CompactGeometries) -> bool:
    """True if `a` and `b` hold the same features: kinds, offsets and coordinates equal (NaN too)."""
    return a is b or (len(a) == len(b) and len(a.coords) == len(b.coords)
                      and all(np.array_equal(x, y) for x, y in ((a.types, b.types), (a.geom_offsets, b.geom_offsets),
                                                               (a.part_offsets, b.part_offsets),
                                                               (a.path_offsets, b.path_offsets)))
                      and np.array_equal(a.coords, b.coords, equal_nan=True))
