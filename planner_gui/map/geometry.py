"""Drawing geometry: a vector layer's features as flat coordinate arrays, culled and simplified per view.

No Qt here (plain NumPy + shapely), so it can be prepared in a worker thread and tested alone.

A layer's rings (polygons) or parts (lines) are stored back to back in two float64 arrays `x`, `y`
in the working CRS (metres), with `ring_end[i]` True where vertex i closes a ring/part. Feature f
owns the vertex slice `start[f]:stop[f]`. Drawing a subset of features is then a vectorised gather
(no Python loop per feature) followed by one `pyqtgraph.arrayToQPath(x, y, connect=...)`, where
the connect array is "not ring_end": the equivalent of NaN separators with connect='finite', without
storing the NaNs.

A layer held as arrays (`layers.compact_layer.CompactVectorLayer`, a large one) is drawn from its
own arrays (`LayerGeometry.from_compact`): its coordinates as they are (no copy, no shapely
geometry per feature), the per-feature slices from its offsets. Such a geometry has no `geoms`;
it is thinned to the pixel where it is drawn instead (`thinned`).

Per zoom level, `LayerGeometry.at_resolution(pixel_m)` returns a copy simplified with a tolerance of
about one screen pixel (`shapely.simplify`), computed once per power-of-two bucket and cached.
Features smaller than `small_px` (4) pixels are not worth a path: `cull` returns them separately so
the canvas can burn their bounding boxes into one screen-sized image (`rasterise_boxes`), which is
how a 1,000,000-footprint layer stays fast at city and district scale. A box of at most 4 pixels
looks the same as the rectangle it stands for.
"""
from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS

from layers.compact_layer import CompactVectorLayer
from layers.io.sliced import in_slices
from layers.ragged import ranks

# Simplify only layers whose features carry many vertices on average (a rectangle has 5).
_SIMPLIFY_MIN_MEAN_VERTICES = 12.0


@dataclass
class Culled:
    """What one view needs from a layer: paths for features large on screen, centres for tiny ones."""

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray  # int32, 1 where vertex i connects to vertex i+1
    features: np.ndarray  # indices of the features drawn as paths
    small: np.ndarray  # indices of the features too small for a path (drawn as pixels)
    lengths: np.ndarray  # int64 per feature drawn as a path: its vertices in x, y (in order)


@dataclass
class LayerGeometry:
    """Flat coordinate arrays of one vector layer in one CRS (see module docstring)."""

    kind: str  # 'point', 'line', 'polygon' or 'mixed'
    x: np.ndarray
    y: np.ndarray
    ring_end: np.ndarray  # bool per vertex
    start: np.ndarray  # int64 per feature
    stop: np.ndarray  # int64 per feature
    bounds: np.ndarray  # (n, 4) xmin, ymin, xmax, ymax per feature (NaN for empty)
    geoms: np.ndarray | None = field(repr=False)  # shapely geometries in the working CRS; None: held as arrays
    _simplified: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def n_features(self) -> int:
        return len(self.start)

    @property
    def size(self) -> np.ndarray:
        """Largest side of each feature's bounding box, in map units."""
        size = self.__dict__.get("_size")
        if size is None or len(size) != len(self.bounds):
            size = self.__dict__["_size"] = np.fmax(
                self.bounds[:, 2] - self.bounds[:, 0], self.bounds[:, 3] - self.bounds[:, 1]
            )
        return size

    @property
    def centre_x(self) -> np.ndarray:
        return (self.bounds[:, 0] + self.bounds[:, 2]) / 2

    @property
    def centre_y(self) -> np.ndarray:
        return (self.bounds[:, 1] + self.bounds[:, 3]) / 2

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """The layer's bounds; NaN for a layer with no features (it has no place on the map).

        Computed once: zooming to a million-feature layer must not scan its bounds again."""
        extent = self.__dict__.get("_extent")
        if extent is None:
            b = self.bounds
            if len(b) == 0 or np.isnan(b).all():
                extent = (np.nan, np.nan, np.nan, np.nan)
            else:
                extent = (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])),
                          float(np.nanmax(b[:, 2])), float(np.nanmax(b[:, 3])))
            self.__dict__["_extent"] = extent
        return extent

    @classmethod
    def from_geometries(cls, geoms: np.ndarray, kind: str) -> LayerGeometry:
        geoms = np.asarray(geoms, dtype=object)
        bounds = shapely.bounds(geoms)
        coords = in_slices(shapely.get_coordinates, geoms)  # in slices: it holds the GIL (layers.io.sliced)
        counts = shapely.get_num_coordinates(geoms).astype(np.int64)
        stop = np.cumsum(counts).astype(np.int64)
        start = stop - counts
        if kind == "point":
            ring_end = np.ones(len(coords), bool)
        else:
            # Simple features (a Polygon without holes, a LineString) are one ring: it ends where
            # the feature ends. Only multi-part features and holes need their rings counted.
            ring_end = np.zeros(len(coords), bool)
            ring_end[stop[counts > 0] - 1] = True
            types = shapely.get_type_id(geoms)
            complex_ = (types >= 4) | ((types == 3) & (shapely.get_num_interior_rings(geoms) > 0))
            if complex_.any():
                index = _gather_index(start, stop, np.flatnonzero(complex_))
                ends = np.cumsum(_ring_lengths(geoms[complex_])) - 1
                ring_end[index[ends]] = True
        return cls(
            kind=kind,
            x=np.ascontiguousarray(coords[:, 0], dtype=np.float64),
            y=np.ascontiguousarray(coords[:, 1], dtype=np.float64),
            ring_end=ring_end,
            start=start,
            stop=stop,
            bounds=bounds,
            geoms=geoms,
        )

    @classmethod
    def from_compact(cls, geometries, kind: str, bounds: np.ndarray) -> LayerGeometry:
        """From a layer's `CompactGeometries` in the working CRS and its features' `bounds` there:
        the coordinates are viewed, not copied; a feature's vertices run from its first path's
        first coordinate to its last path's end, and each non-empty path ends a ring."""
        g = geometries
        feature_coords = g.path_offsets[g.part_offsets[g.geom_offsets]]
        ring_end = np.zeros(len(g.coords), bool)
        ring_end[g.path_offsets[1:][np.diff(g.path_offsets) > 0] - 1] = True
        return cls(kind=kind, x=g.coords[:, 0], y=g.coords[:, 1], ring_end=ring_end,
                   start=feature_coords[:-1], stop=feature_coords[1:], bounds=bounds, geoms=None)

    # -- level of detail ---------------------------------------------------------------------------
    @staticmethod
    def bucket(pixel_m: float) -> float:
        """The simplification tolerance for a pixel size: the power of two at or below it (metres)."""
        if not pixel_m > 0 or not math.isfinite(pixel_m):
            return 0.0
        return 2.0 ** math.floor(math.log2(pixel_m))

    def needs_simplifying(self) -> bool:
        return self.geoms is not None and self.kind in ("line", "polygon", "mixed") and len(self.x) > _SIMPLIFY_MIN_MEAN_VERTICES * max(self.n_features, 1)

    def at_resolution(self, pixel_m: float) -> LayerGeometry:
        """This geometry simplified to about one pixel of `pixel_m` metres (cached per bucket)."""
        tolerance = self.bucket(pixel_m)
        if tolerance < 0.5 or not self.needs_simplifying():
            return self
        with self._lock:
            cached = self._simplified.get(tolerance)
            if cached is None:
                simple = in_slices(shapely.simplify, self.geoms, tolerance, preserve_topology=True)
                cached = LayerGeometry.from_geometries(simple, self.kind)
                cached.bounds = self.bounds  # cull on the true extent
                self._simplified[tolerance] = cached
        return cached

    def ready_for_every_view(self) -> None:
        """Work out now, in the caller's thread (the loader's), what any view will ask of this
        geometry: the layer's extent (zoom to layer reads it on the GUI thread: scanning a million
        footprints' bounds there took 8 ms of its turn), each feature's size (every picture of a
        large layer) and every zoom level's simplification (`at_every_resolution`)."""
        _ = self.extent, self.size
        self.at_every_resolution()

    def at_every_resolution(self, largest_m: float = 512.0) -> None:
        """Make `at_resolution`'s simplification of every zoom level from 1 m to `largest_m` a pixel
        now: the loader does it in its thread, so that a zoom to a new level does not simplify on
        the GUI thread (a city's wards: 20-40 ms a level on an idle machine)."""
        if self.needs_simplifying():
            for k in range(int(math.log2(largest_m)) + 1):
                self.at_resolution(2.0 ** k)

    # -- culling -----------------------------------------------------------------------------------
    def in_view(self, view: tuple[float, float, float, float]) -> np.ndarray:
        """Boolean mask of features whose bounding box meets the view rectangle."""
        xmin, ymin, xmax, ymax = view
        b = self.bounds
        return (b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)

    def any_in_view(self, view: tuple[float, float, float, float], shown: np.ndarray | None = None) -> bool:
        """True if a feature (among `shown`, a boolean mask; None: all) has its bounding box in the view."""
        inside = self.in_view(view)
        return bool((inside & shown).any() if shown is not None else inside.any())

    def cull(
        self,
        view: tuple[float, float, float, float],
        pixel_m: float,
        subset: np.ndarray | None = None,
        small_px: float = 4.0,
    ) -> Culled:
        """The features of `subset` (indices; default all) that the view shows, split by screen size."""
        features, small = self.split(view, pixel_m, subset, small_px)
        return self.culled(features, small, pixel_m)

    def split(
        self,
        view: tuple[float, float, float, float],
        pixel_m: float,
        subset: np.ndarray | None = None,
        small_px: float = 4.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(features drawn as paths, features too small for a path: drawn as pixels), indices of the
        features of `subset` (default all) that the view shows."""
        mask = self.in_view(view)
        if subset is not None:
            keep = np.zeros(self.n_features, bool)
            keep[subset] = True
            mask &= keep
        if self.kind != "point" and pixel_m > 0:
            small = mask & (self.size < small_px * pixel_m)
            big = mask & ~small
        else:
            small = np.zeros_like(mask)
            big = mask
        return np.flatnonzero(big), np.flatnonzero(small)

    def culled(self, features: np.ndarray, small: np.ndarray, pixel_m: float) -> Culled:
        """What drawing `features` as paths at `pixel_m` needs (`small` passed along)."""
        geometry = self.at_resolution(pixel_m) if len(features) else self
        x, y, connect = geometry.gather(features)
        lengths = geometry.stop[features] - geometry.start[features]
        return Culled(x, y, connect, features, small, lengths)

    def gather(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vertices of `features` back to back, and the connect array for arrayToQPath."""
        if len(features) == self.n_features:
            index = slice(None)
        else:
            index = _gather_index(self.start, self.stop, features)
            if len(index) == 0:
                empty = np.empty(0)
                return empty, empty, np.empty(0, np.int32)
        connect = (~self.ring_end[index]).astype(np.int32)
        return self.x[index], self.y[index], connect


def thinned(x: np.ndarray, y: np.ndarray, ring_end: np.ndarray, lengths: np.ndarray):
    """Features' vertices in pixels (`lengths` per feature, back to back) less each vertex in the
    same pixel as the one before it in its ring (a ring's first and last vertices kept): the
    picture is the same to a pixel, with fewer vertices where a ring has many per pixel (a large
    layer's simplification per zoom, done on the vertices drawn). (x, y, ring_end, lengths)."""
    if not len(x):
        return x, y, ring_end, lengths
    px, py = np.floor(x), np.floor(y)
    keep = np.empty(len(x), bool)
    keep[0] = True
    np.not_equal(px[1:], px[:-1], out=keep[1:])
    keep[1:] |= py[1:] != py[:-1]
    keep |= ring_end
    keep[1:] |= ring_end[:-1]  # a ring's first vertex
    feature = np.repeat(np.arange(len(lengths)), lengths)
    return x[keep], y[keep], ring_end[keep], np.bincount(feature[keep], minlength=len(lengths)).astype(np.int64)


def paint_levels(bounds: np.ndarray, view: tuple[float, float, float, float], pixel_m: float,
                 shape: tuple[int, int], margin_px: int, max_pairs: int = 4_000_000,
                 max_levels: int = 64) -> np.ndarray | None:
    """A level for each of features to be painted one after another in this order (their boxes,
    n x 4, map units) on a picture of `shape` pixels over `view`: no two features of one level
    share a pixel, and of two that may share one the later has the higher level. Painting level
    after level, a level's features in any order (together), then gives the picture of painting
    them one after another.

    Two features may share a pixel when their boxes, in pixels and widened by `margin_px` (a pen's
    reach), meet: the pairs that do are found by sweeping the boxes sorted by their left edge (no
    loop per feature), and each feature's level is the longest run of such pairs before it,
    worked out a level at a time. None when that is no saving (more than `max_pairs` pairs to
    look at, as when large polygons cover the view, or more than `max_levels` levels): then paint
    one after another."""
    n = len(bounds)
    x0, y0, x1, y1 = _pixel_boxes(bounds, view, pixel_m, shape, margin_px)
    by_left = np.argsort(x0, kind="stable")
    # each box against the boxes after it in that order whose left edge is within its width
    after = np.maximum(np.searchsorted(x0[by_left], x1[by_left], side="right") - np.arange(1, n + 1), 0)
    if after.sum() > max_pairs:
        return None
    a = by_left[np.repeat(np.arange(n), after)]
    b = by_left[np.repeat(np.arange(1, n + 1), after) + ranks(after)]
    meet = (y0[a] <= y1[b]) & (y0[b] <= y1[a])
    a, b = a[meet], b[meet]
    earlier, later = np.minimum(a, b), np.maximum(a, b)
    level = np.zeros(n, np.int64)
    for _ in range(max_levels):
        higher = level.copy()
        np.maximum.at(higher, later, level[earlier] + 1)
        if np.array_equal(higher, level):
            return level
        level = higher
    return None


def rasterise_boxes(
    bounds: np.ndarray, view: tuple[float, float, float, float], pixel_m: float, shape: tuple[int, int]
) -> np.ndarray:
    """Boolean (rows, columns) mask, row 0 at the view's bottom, of the pixels `bounds` boxes cover."""
    height, width = shape
    mask = np.zeros(height * width, bool)
    if not len(bounds):
        return mask.reshape(shape)
    x0, y0, x1, y1 = _pixel_boxes(bounds, view, pixel_m, shape)
    corner = y0 * width + x0
    mask[corner] = True  # every box's first pixel: at city scale most boxes have no other
    wide, tall = x1 - x0, y1 - y0
    more = np.flatnonzero((wide > 0) | (tall > 0))
    corner, wide, tall = corner[more], wide[more], tall[more]
    for dx in range(int(wide.max(initial=0)) + 1):
        cols = np.flatnonzero(wide >= dx)
        for dy in range(int(tall[cols].max(initial=0)) + 1):
            sel = cols[tall[cols] >= dy]
            mask[corner[sel] + (dy * width + dx)] = True
    return mask.reshape(shape)


def _pixel_boxes(bounds: np.ndarray, view, pixel_m: float, shape: tuple[int, int], margin_px: int = 0):
    """Boxes (map units) as the pixels they cover on a picture of `shape` over `view`, widened by
    `margin_px` and clipped to the picture: (x0, y0, x1, y1), inclusive, int64."""
    height, width = shape

    def cells(values, origin, limit, widen):
        c = (values - origin) / pixel_m
        np.floor(c, out=c)
        c += widen
        np.clip(c, 0, limit - 1, out=c)
        return c.astype(np.int64)

    return (cells(bounds[:, 0], view[0], width, -margin_px), cells(bounds[:, 1], view[1], height, -margin_px),
            cells(bounds[:, 2], view[0], width, margin_px), cells(bounds[:, 3], view[1], height, margin_px))


def _gather_index(start: np.ndarray, stop: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Vertex indices of `features`, back to back (vectorised: no loop per feature)."""
    starts, lengths = start[features], stop[features] - start[features]
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)


def _ring_lengths(geoms: np.ndarray) -> np.ndarray:
    """Vertex count of every ring / part of `geoms`, in the order get_coordinates walks them."""
    parts, _ = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    part_ids = np.arange(len(parts))
    rings, ring_part = shapely.get_rings(parts[polygon], return_index=True)
    keys = np.concatenate([part_ids[polygon][ring_part], part_ids[~polygon]])
    lengths = np.concatenate([shapely.get_num_coordinates(rings), shapely.get_num_coordinates(parts[~polygon])])
    return lengths[np.argsort(keys, kind="stable")]


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def prepared(layer, crs: CRS) -> LayerGeometry:
    """The drawing geometry of a VectorLayer in `crs`, built once per (data, CRS) and cached.

    Safe to call from a loading worker to do the work off the GUI thread; the canvas then finds
    it ready. Replacing the layer's GeoDataFrame makes a new one (`VectorLayer.frame_id`; a change
    of its fields in place does not: the drawing is of its geometries). Kept under the CRS's definition
    (`srs`, as `layers.crs` keeps its answers), not its WKT: the same CRS may write its WKT
    differently in another thread (PROJ's context there), and the canvas then made a million
    footprints' arrays again on the GUI thread.
    """
    key = (CRS.from_user_input(crs).srs, layer.frame_id)
    with _cache_lock:
        entry = _cache.get(layer)
        if entry is not None and entry[0] == key:
            return entry[1]
    if isinstance(layer, CompactVectorLayer):
        geometry = LayerGeometry.from_compact(layer.geometries_in_crs(crs), layer.geometry_kind,
                                              layer.bounds_in_crs(crs))
    else:
        gdf = layer.in_crs(crs)
        geometry = LayerGeometry.from_geometries(np.asarray(gdf.geometry.array), layer.geometry_kind)
    with _cache_lock:
        _cache[layer] = (key, geometry)
    return geometry
