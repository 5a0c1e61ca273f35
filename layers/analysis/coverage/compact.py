"""A layer's geometries held as flat arrays: millions of footprints in a few hundred MB, not gigabytes.

A shapely geometry costs about 430 bytes (a Python object and a GEOS one); 4,000,000 building
footprints then take 1.9 GB before anything is measured. `FeatureSet` needs of each feature only
its bounding box, area, length and kind (NumPy arrays), and a GEOS geometry for the few that
cross a region's boundary (a few per thousand). So `CompactGeometries` keeps the coordinates as
one (n, 2) float array with three levels of offsets, the layout of GeoArrow's MultiPolygon for
every kind of geometry:

    feature f -> parts   geom_offsets[f] .. geom_offsets[f+1]   (a Polygon, a LineString or a Point
                                                                  is one part; a Multi... has several)
    part p    -> paths   part_offsets[p] .. part_offsets[p+1]   (a polygon's rings, exterior first; one
                                                                  path for a line or a point)
    path s    -> coords  path_offsets[s] .. path_offsets[s+1]

and the shapely type id of each feature (-1 for a missing geometry; an empty one has no parts).
A rectangle takes 80 bytes of coordinates and 25 of offsets and kind. It is made from shapely
geometries, a chunk at a time (`from_shapely`: a file is read batch by batch, each batch's
geometries checked, kept as arrays and dropped, see `layers.io.read_counted`), and it makes
shapely geometries again for the features asked for (`shapes`), exactly: the same coordinates
in the same order (x and y; a Z is dropped, the coverage figures are planar).

Bounds, areas and lengths (`measures`) are computed in NumPy and equal GEOS's to about 1e-15:
each ring's shoelace is summed with coordinates taken relative to the ring's first vertex (UTM
coordinates are about 1e6 m, a footprint 20 m: the plain products would lose seven digits), a
polygon's area is its exterior's less its holes' (as GEOS), a line's length the sum of its
segments' (hypot). `SharedGeometries` is the other store, for geometries that exist already (a
layer shown in the app): references, figures by GEOS, nothing copied.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from layers.heap import keep_heap
from layers.io.normalise import SUPPORTED_TYPE_IDS
from layers.io.sliced import collector_paused
from layers.ragged import children, offsets_of, ranks

POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon
LINEAR = (1, 2, 5)  # LineString, LinearRing, MultiLineString
MULTI = (4, 5, 6)  # MultiPoint, MultiLineString, MultiPolygon
CHUNK = 100_000  # features converted or measured at a time (bounds the temporary arrays)
_WINDOW_LEVELS = 4  # a feature of fewer than 2^5 coordinates: its box from two windows (`_boxes_into`)


@dataclass(frozen=True)
class Measures:
    """Per feature: bounding box (n x 4, NaN for a missing or empty geometry), shapely type id,
    GEOS area of the polygonal ones (0 for others), GEOS length of the linear ones (0 for others)."""

    bounds: np.ndarray
    types: np.ndarray
    areas: np.ndarray
    lengths: np.ndarray

    def kept(self, keep: np.ndarray) -> Measures:
        """The measures of the features `keep` (a mask or indices) only."""
        return Measures(self.bounds[keep], self.types[keep], self.areas[keep], self.lengths[keep])


@dataclass(eq=False)
class CompactGeometries:
    """Geometries as coordinates and offsets (the module docstring); one row per feature."""

    types: np.ndarray  # int8, shapely type id; -1: missing
    geom_offsets: np.ndarray  # int64, n + 1
    part_offsets: np.ndarray  # int64, parts + 1
    path_offsets: np.ndarray  # int64, paths + 1
    coords: np.ndarray  # float64, (coordinates, 2)
    # its `measures`, where they were worked out as it was read (`CompactBuilder(measured=True)`):
    # a store made from it (`take`, `with_coords`) works out its own
    measured: Measures | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.types)

    @property
    def coord_offsets(self) -> np.ndarray:
        """Where each feature's coordinates start (n + 1): feature i's are coords[coord_offsets[i]:
        coord_offsets[i + 1]], its parts' and paths' end to end."""
        return self.path_offsets[self.part_offsets[self.geom_offsets]]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.types, self.geom_offsets, self.part_offsets, self.path_offsets, self.coords))

    # -- making ----------------------------------------------------------------------------------
    @classmethod
    def from_shapely(cls, geoms, chunk: int = CHUNK) -> CompactGeometries:
        """From an array of shapely geometries (None for missing), `chunk` at a time: the parts and
        rings GEOS hands out as new objects exist for one chunk only. Raises ValueError for a
        GeometryCollection (`layers.io` reads one kind of collection as a multi-part geometry)."""
        geoms = np.asarray(geoms, dtype=object).ravel()
        if len(geoms) <= chunk:
            return _from_shapely_chunk(geoms)
        builder = CompactBuilder()
        with collector_paused():  # the parts GEOS hands out are objects the collector would walk
            for i in range(0, len(geoms), chunk):
                builder.append(_from_shapely_chunk(geoms[i:i + chunk]))
        return builder.build()

    # -- asking ----------------------------------------------------------------------------------
    def total_bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of every coordinate; NaN without any. From the features' boxes
        where they were worked out as it was read (a million footprints: 5 million coordinates
        walked 20 ms, a million boxes 5 ms), their NaN (empty features) passed over."""
        if self.measured is None or not len(self.coords):
            return column_bounds(self.coords, self.coords)
        b = self.measured.bounds
        return (float(np.fmin.reduce(b[:, 0])), float(np.fmin.reduce(b[:, 1])),
                float(np.fmax.reduce(b[:, 2])), float(np.fmax.reduce(b[:, 3])))

    def take(self, index) -> CompactGeometries:
        """The features `index` (in that order), as a store of their own."""
        index = np.asarray(index, dtype=np.int64)
        parts, geom_offsets = children(self.geom_offsets, index)
        paths, part_offsets = children(self.part_offsets, parts)
        coords, path_offsets = children(self.path_offsets, paths)
        return CompactGeometries(self.types[index], geom_offsets, part_offsets, path_offsets, np.take(self.coords, coords, axis=0))

    def replaced(self, index, other: CompactGeometries) -> CompactGeometries:
        """These features with the features `index` replaced by `other`'s, in order (a batch's
        repaired features put back in their places)."""
        index = np.asarray(index, dtype=np.int64)
        joined = CompactBuilder()
        joined.append(self)
        joined.append(other)
        order = np.arange(len(self))
        order[index] = len(self) + np.arange(len(index))
        return joined.build().take(order)

    def with_coords(self, coords: np.ndarray) -> CompactGeometries:
        """The same features with each vertex moved to `coords` (e.g. into another CRS)."""
        return CompactGeometries(self.types, self.geom_offsets, self.part_offsets, self.path_offsets, coords)

    def shapes(self, index) -> np.ndarray:
        """Shapely geometries of the features `index` (None where missing or empty)."""
        index = np.asarray(index, dtype=np.int64)
        out = np.full(len(index), None, dtype=object)
        sub = self.take(index)
        has = np.diff(sub.geom_offsets) > 0
        for kind in np.unique(sub.types[has]):
            which = np.flatnonzero(has & (sub.types == kind))
            out[which] = sub.take(which)._as_shapely(int(kind))
        return out

    def measures(self, chunk: int = CHUNK // 2) -> Measures:
        """Bounds, kinds, areas and lengths of every feature (`Measures`), `chunk` features at a time:
        a run of features is a run of parts, paths and coordinates (no copy), and the temporary
        arrays of a small run stay in the CPU's caches (a million footprints: 0.10 s of processor
        time here, with the heap kept, `layers/heap.py`; 0.17 s before the boxes by windows). In one thread: two threads over alternate runs were no faster on two cores (1M and
        4M footprints, `bench_coverage.py --engine`), the passes wait on memory, not on arithmetic."""
        if self.measured is not None:
            return self.measured
        keep_heap()  # each run's temporaries a few MB: reused, not mapped again
        n = len(self)
        bounds, areas, lengths = np.empty((n, 4)), np.zeros(n), np.zeros(n)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            g = self.geom_offsets[start:stop + 1]
            p = self.part_offsets[g[0]:g[-1] + 1]
            c = self.path_offsets[p[0]:p[-1] + 1]
            run = CompactGeometries(self.types[start:stop], g - g[0], p - p[0], c - c[0], self.coords[c[0]:c[-1]])
            run._measure_into(bounds[start:stop], areas[start:stop], lengths[start:stop])
        return Measures(bounds, self.types.copy(), areas, lengths)

    def bounds(self, chunk: int = CHUNK) -> np.ndarray:
        """Each feature's bounding box (n x 4: xmin, ymin, xmax, ymax; NaN for a missing or empty
        one), as `measures` gives it, without the areas and lengths (what a map culls with)."""
        if self.measured is not None:
            return self.measured.bounds
        keep_heap()  # each chunk's windows a few MB: reused, not mapped again
        n = len(self)
        bounds = np.empty((n, 4))
        offsets = self.coord_offsets
        coords_per_feature, first = np.diff(offsets), offsets[:-1]
        has = coords_per_feature > 0
        bounds[~has] = np.nan
        for start in range(0, n, chunk):  # NumPy lets go of Python's lock between chunks
            stop = min(n, start + chunk)
            end = first[stop] if stop < n else len(self.coords)
            _boxes_into(self.coords[first[start]:end], coords_per_feature[start:stop], has[start:stop],
                        bounds[start:stop])
        return bounds

    # -- the work --------------------------------------------------------------------------------
    def _measure_into(self, bounds: np.ndarray, areas: np.ndarray, lengths: np.ndarray) -> None:
        """`measures` of these features written into `bounds` (any values), `areas` and `lengths` (zeros)."""
        n = len(self)
        coords_per_feature = np.diff(self.coord_offsets)
        has = coords_per_feature > 0
        bounds[~has] = np.nan
        if not has.any():
            return
        _boxes_into(self.coords, coords_per_feature, has, bounds)
        # every path's coordinates relative to its first vertex, which is then (0, 0): a segment from
        # a path's last vertex to the next path's first adds nothing to a shoelace
        counts = np.diff(self.path_offsets)
        path = np.flatnonzero(counts > 0)
        origin = np.take(self.coords, self.path_offsets[path], axis=0)
        relative = self.coords - np.repeat(origin, counts[path], axis=0)
        x, y = relative[:, 0], relative[:, 1]
        # each feature one path (polygons without holes, lines, points: most layers): a path is a feature
        one_path = len(self.part_offsets) == len(self.path_offsets) == n + 1
        path_feature = path if one_path else np.repeat(
            np.repeat(np.arange(n), np.diff(self.geom_offsets)), np.diff(self.part_offsets))[path]
        kind = self.types[path_feature]
        polygonal = is_of(kind, POLYGONAL)
        if polygonal.any():
            cross = np.zeros(len(x))
            np.multiply(x[:-1], y[1:], out=cross[:-1])
            cross[:-1] -= x[1:] * y[:-1]
            ring = np.abs(np.add.reduceat(cross, self.path_offsets[path])) / 2
            if one_path:
                areas[path] = np.where(polygonal, ring, 0.0)
            else:  # as GEOS: the first ring of a part (its exterior) adds, the others (holes) take away
                first = np.zeros(len(counts), dtype=bool)
                first[self.part_offsets[:-1][np.diff(self.part_offsets) > 0]] = True
                areas[:] = np.bincount(path_feature, np.where(first[path], ring, -ring) * polygonal, n)
        linear = is_of(kind, LINEAR)
        if linear.any():
            segment = np.zeros(len(x))
            segment[:-1] = np.hypot(np.diff(x), np.diff(y))
            segment[self.path_offsets[path] + counts[path] - 1] = 0.0  # a path's last vertex to the next path
            lengths[:] = np.bincount(path_feature, np.add.reduceat(segment, self.path_offsets[path]) * linear, n)

    def _as_shapely(self, kind: int) -> np.ndarray:
        """Every feature as a geometry of shapely type id `kind` (all of that kind, none empty)."""
        t, c = shapely.GeometryType, self.coords
        if kind == 0:
            return shapely.points(c[self.coord_offsets[:-1]])
        if kind == 2:
            return shapely.linearrings(c, indices=np.repeat(np.arange(len(self)), np.diff(self.path_offsets)))
        if kind == 6:
            # each part a polygon, then the features of their parts: shapely 2.2's from_ragged_array
            # crashes the process (a segmentation fault) on a multi-polygon with an empty part,
            # MULTIPOLYGON (((...)), EMPTY), which its own to_ragged_array makes and GEOS reads
            parts = shapely.from_ragged_array(t.POLYGON, c, (self.path_offsets, self.part_offsets))
            return shapely.multipolygons(parts, indices=np.repeat(np.arange(len(self)), np.diff(self.geom_offsets)))
        geom_paths = self.part_offsets[self.geom_offsets]  # each feature's paths (one part, or parts of one path)
        geom_coords = self.path_offsets[geom_paths]
        offsets = {1: (self.path_offsets,), 3: (self.path_offsets, geom_paths), 4: (geom_coords,),
                   5: (self.path_offsets, geom_paths)}[kind]
        return shapely.from_ragged_array(t(kind), c, offsets)


@dataclass(frozen=True, eq=False)
class CompactFrame:
    """Features to count as a layer held as arrays gives them (`layers.compact_layer`): their
    fields (a frame, one row each, no geometry column) and their geometries."""

    fields: object
    geometries: CompactGeometries


@dataclass(eq=False)
class SharedGeometries:
    """Shapely geometries that exist already (a layer's frame shown in the app): kept by reference,
    measured by GEOS. The same questions as `CompactGeometries`."""

    objects: np.ndarray

    def __post_init__(self) -> None:
        self.objects = np.asarray(self.objects, dtype=object).ravel()

    def __len__(self) -> int:
        return len(self.objects)

    def take(self, index) -> SharedGeometries:
        return SharedGeometries(self.objects[index])

    def shapes(self, index) -> np.ndarray:
        return self.objects[index]

    def measures(self) -> Measures:
        types = shapely.get_type_id(self.objects)
        polygonal, linear = is_of(types, POLYGONAL), is_of(types, LINEAR)
        areas = np.where(polygonal, shapely.area(self.objects), 0.0)
        lengths = np.zeros(len(self.objects))
        if linear.any():
            lengths[linear] = shapely.length(self.objects[linear])
        return Measures(shapely.bounds(self.objects), types, areas, lengths)


class CompactBuilder:
    """Stores appended end to end (`append`) into one (`build`), the arrays grown in place.

    Joining a city's batches at the end would hold every batch and the whole at once (twice the
    footprints' memory), and the batches' freed memory would stay with the process. Here the
    arrays are reserved for the `expected` features the file declares, the paths and coordinates
    at the first store's number per feature: a reservation is only address space until written
    (the system gives pages on first touch), so the footprints are copied once, into place.
    Beyond it, or without a declared count, an array grows by an eighth when full: NumPy
    reallocates it, which for a large array the system does by moving its pages, not copying
    them (doubling into new arrays instead copies everything again at each step). Reserved: 1M
    footprints gathered in 0.04 s of processor time instead of 0.11 s (glibc's heap set as the
    engine keeps it, `heap.keep_heap`, under which arrays up to 32 MB are copied to grow).

    With `measured`, each store's `measures` are worked out as it is appended (a reader waiting
    for the next batch has the time) and the store built carries them (`CompactGeometries.measured`).
    Areas and lengths are reserved as zeros, which the system gives as pages only when written: a
    run of zeros (the lengths of footprints, the areas of lines) is not copied (4M footprints'
    lengths: 32 MB never held).

    With `like` (the geometries of a reading of the same source still held: a file opened again
    while the first reading is kept for undo), each store is compared with the same features of
    `like` and nothing is kept while they are equal: `build` gives `like` itself if every feature
    was equal and there were as many, so the same footprints are never held twice, not even while
    the second reading is read. At the first difference `like`'s features so far (equal to what was
    appended, compared coordinate for coordinate) are copied in and the builder goes on as without.
    """

    _GROWTH = 1.125
    _SPARE = 1.125  # the first store's paths and coordinates per feature may be below the file's
    _MEASURES = ("bounds", "areas", "lengths")  # with `measured`: per feature, as `Measures` has them
    _ZEROED = ("areas", "lengths")  # reserved as zeros: a run of zeros is not written

    def __init__(self, expected: int = 0, max_bytes: int = 1 << 30, measured: bool = False,
                 like: CompactGeometries | None = None) -> None:
        """`expected`: the features the file says it has, a hint: a file may say anything, so no
        array is reserved beyond `max_bytes` (what the read may hold)."""
        self._expected, self._max_bytes = expected, max_bytes
        self._like, self._alike = like, 0  # `like`, and how many of its first features were appended
        self._arrays = {"types": np.empty(1024, np.int8), "geom_offsets": np.zeros(1024, np.int64),
                        "part_offsets": np.zeros(1024, np.int64), "path_offsets": np.zeros(1024, np.int64),
                        "coords": np.empty((1024, 2))}
        if measured:
            self._arrays.update(bounds=np.empty((1024, 4)), areas=np.zeros(1024), lengths=np.zeros(1024))
        self._used = {name: int(name.endswith("_offsets")) for name in self._arrays}

    def ready(self, store: CompactGeometries) -> None:
        """Work out what `append` needs of `store` beyond copying it (its `measures`, where this
        builder keeps them: kept with the store): on another thread, while the one before is
        appended (`layers.io.counted_read`)."""
        if "bounds" in self._arrays and store.measured is None:
            store.measured = store.measures()

    def append(self, store: CompactGeometries) -> None:
        if self._like is not None:
            if self._like_next(store):
                self._alike += len(store)
                return
            self._unlike()
        if self._used["types"] == 0 and len(store) and self._expected > len(store):
            self._reserve(store)
        if "bounds" in self._arrays:
            measures = store.measures()
            for name in self._MEASURES:
                values = getattr(measures, name)
                self._put(name, values, written=name not in self._ZEROED or values.any())
        ends = {name: self._arrays[name][self._used[name] - 1] for name in ("geom_offsets", "part_offsets",
                                                                             "path_offsets")}
        self._put("types", store.types)
        for name, end in ends.items():
            self._put(name, getattr(store, name)[1:] + end)
        self._put("coords", store.coords)

    def build(self) -> CompactGeometries:
        """The store of everything appended (the builder is spent): `like` itself if it was all
        of it, feature for feature."""
        if self._like is not None:
            if self._alike == len(self._like):
                return self._like
            self._unlike()
        for name, array in self._arrays.items():
            array.resize((self._used[name], *array.shape[1:]), refcheck=False)
        arrays = dict(self._arrays)
        measures = [arrays.pop(name) for name in self._MEASURES if name in arrays]
        store = CompactGeometries(**arrays)
        if measures:
            bounds, areas, lengths = measures
            store.measured = Measures(bounds, store.types, areas, lengths)
        return store

    def _like_next(self, store: CompactGeometries) -> bool:
        """Whether `store` is `like`'s next features: kinds, offsets (from its first) and
        coordinates (NaN too) equal."""
        like, f, n = self._like, self._alike, len(store)
        if f + n > len(like):
            return False
        part, end_part = like.geom_offsets[f], like.geom_offsets[f + n]
        path, end_path = like.part_offsets[part], like.part_offsets[end_part]
        coord, end_coord = like.path_offsets[path], like.path_offsets[end_path]
        return (np.array_equal(store.types, like.types[f:f + n])
                and np.array_equal(store.geom_offsets, like.geom_offsets[f:f + n + 1] - part)
                and np.array_equal(store.part_offsets, like.part_offsets[part:end_part + 1] - path)
                and np.array_equal(store.path_offsets, like.path_offsets[path:end_path + 1] - coord)
                and np.array_equal(store.coords, like.coords[coord:end_coord], equal_nan=True))

    def _unlike(self) -> None:
        """No longer `like`: its features appended so far are copied in (they equal what was)."""
        like, f = self._like, self._alike
        self._like = None
        if f:
            parts = like.geom_offsets[f]
            paths = like.part_offsets[parts]
            self.append(CompactGeometries(like.types[:f], like.geom_offsets[:f + 1], like.part_offsets[:parts + 1],
                                          like.path_offsets[:paths + 1], like.coords[:like.path_offsets[paths]]))

    def _reserve(self, first: CompactGeometries) -> None:
        """Room for the expected features' parts, paths and coordinates (and measures), at `first`'s rate."""
        scale = self._expected / len(first) * self._SPARE
        per_feature = {"part_offsets": len(first.part_offsets) - 1, "path_offsets": len(first.path_offsets) - 1,
                       "coords": len(first.coords)}
        for name, array in self._arrays.items():
            count = per_feature.get(name, len(first))
            row_bytes = array.itemsize * int(np.prod(array.shape[1:]))
            make = np.zeros if name in self._ZEROED else np.empty
            reserved = make((min(int(count * scale), self._max_bytes // row_bytes) + 1, *array.shape[1:]), array.dtype)
            reserved[:self._used[name]] = array[:self._used[name]]
            self._arrays[name] = reserved

    def _put(self, name: str, values: np.ndarray, written: bool = True) -> None:
        """`values` after the array's last; not `written` where they are zeros the array holds
        already (reserved as zeros; NumPy's growing fills with zeros too)."""
        array, used = self._arrays[name], self._used[name]
        need = used + len(values)
        if need > len(array):
            array.resize((max(need, int(len(array) * self._GROWTH)), *array.shape[1:]), refcheck=False)
        if written:
            array[used:need] = values
        self._used[name] = need


def _from_shapely_chunk(geoms: np.ndarray) -> CompactGeometries:
    """One chunk: parts, paths and coordinates counted by GEOS, without making objects for the
    features that are one part of one path (a polygon without holes, a line, a point)."""
    types = shapely.get_type_id(geoms).astype(np.int8)
    if np.isin(types, SUPPORTED_TYPE_IDS + (-1,), invert=True).any():
        raise ValueError("a GeometryCollection cannot be counted; split it into points, lines and polygons")
    empty = shapely.is_empty(geoms) | (types < 0)
    multi = np.isin(types, MULTI) & ~empty
    single = ~multi & ~empty
    parts_per_feature = np.where(multi, shapely.get_num_geometries(geoms), single.astype(np.int64))
    geom_offsets = offsets_of(parts_per_feature)
    # every part as a geometry: the feature itself, or GEOS's copies of a multi-part one's parts
    parts = np.empty(geom_offsets[-1], dtype=object)
    parts[geom_offsets[:-1][single]] = geoms[single]
    if multi.any():
        pieces, owner = shapely.get_parts(geoms[multi], return_index=True)
        first = geom_offsets[:-1][multi]
        rank = np.arange(len(owner)) - np.r_[0, np.cumsum(np.bincount(owner, minlength=multi.sum()))][owner]
        parts[first[owner] + rank] = pieces
    part_types = shapely.get_type_id(parts)
    part_empty = shapely.is_empty(parts)
    polygon = (part_types == 3) & ~part_empty
    holes = np.where(polygon, shapely.get_num_interior_rings(parts), 0)
    paths_per_part = np.where(polygon, holes + 1, (~part_empty).astype(np.int64))
    part_offsets = offsets_of(paths_per_part)
    coords_per_path = np.zeros(part_offsets[-1], dtype=np.int64)
    plain = ~part_empty & (holes == 0)  # one path: its coordinates are the part's
    coords_per_path[part_offsets[:-1][plain]] = shapely.get_num_coordinates(parts[plain])
    with_holes = np.flatnonzero(holes > 0)
    if len(with_holes):
        rings = shapely.get_rings(parts[with_holes])
        coords_per_path[np.repeat(part_offsets[with_holes], holes[with_holes] + 1)
                        + ranks(holes[with_holes] + 1)] = shapely.get_num_coordinates(rings)
    path_offsets = offsets_of(coords_per_path)
    return CompactGeometries(types, geom_offsets, part_offsets, path_offsets, shapely.get_coordinates(geoms))


def _boxes_into(coords: np.ndarray, coords_per_feature: np.ndarray, has: np.ndarray, bounds: np.ndarray) -> None:
    """The boxes of features whose coordinates follow each other in `coords` (`coords_per_feature`
    each) written into the rows of `bounds` that `has` coordinates.

    A feature of few vertices (a footprint: 5 to 30) takes the least and greatest of two windows
    of its coordinates: a feature of c coordinates, 2^p <= c < 2^(p+1), is covered by the window of
    2^p from its first and the one of 2^p ending at its last. The windows' least and greatest are
    made for every coordinate at once, level by level (window 2^p from two of 2^(p-1)), each level
    two passes over the chunk's coordinates; ufunc.reduceat costs far more per feature (a million
    rectangles: 100 ms against 25 here). Longer features are reduced by reduceat. Rows are
    gathered with np.take (fancy indexing of an (n, 2) array is ten times slower)."""
    if not has.any():
        return
    counts = coords_per_feature[has]
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    level = np.log2(counts).astype(np.int64)  # exact for the small powers of two that matter here
    short = level <= _WINDOW_LEVELS
    out = bounds if len(counts) == len(bounds) else np.empty((len(counts), 4))
    low = high = coords
    for p in range(int(level[short].max(initial=-1)) + 1):
        if p:
            step = 1 << (p - 1)
            low, high = np.minimum(low[:-step], low[step:]), np.maximum(high[:-step], high[step:])
        at = np.flatnonzero(short & (level == p))
        first, last = starts[at], starts[at] + counts[at] - (1 << p)
        if len(at) == len(counts):  # every feature at this level (rectangles: all of five coordinates)
            np.minimum(np.take(low, first, axis=0), np.take(low, last, axis=0), out=out[:, :2])
            np.maximum(np.take(high, first, axis=0), np.take(high, last, axis=0), out=out[:, 2:])
        elif len(at):
            out[at] = np.column_stack([np.minimum(np.take(low, first, axis=0), np.take(low, last, axis=0)),
                                       np.maximum(np.take(high, first, axis=0), np.take(high, last, axis=0))])
    long = np.flatnonzero(~short)
    if len(long):
        # each long feature's coordinates, and between two of them the run of short ones (dropped)
        edges = np.column_stack([starts[long], starts[long] + counts[long]]).ravel()
        edges = edges[edges < len(coords)]
        for axis in (0, 1):  # column by column: NumPy reduces an (n, 2) array along axis 0 three times slower
            values = coords[:, axis]
            out[long, axis] = np.minimum.reduceat(values, edges)[::2]
            out[long, axis + 2] = np.maximum.reduceat(values, edges)[::2]
    if out is not bounds:
        bounds[has] = out


def is_of(types: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
    """True where a shapely type id is one of `ids`: a comparison each (np.isin of a million takes
    a hundred times longer)."""
    return np.logical_or.reduce([types == i for i in ids])


def column_bounds(low: np.ndarray, high: np.ndarray) -> tuple[float, float, float, float]:
    """(least x, least y, greatest x, greatest y): the least of `low`'s two columns, the greatest of
    `high`'s (n x 2 each); NaN where n is 0. Column by column: NumPy's min(axis=0) of an n x 2 array
    walks it thirty times slower (a quarter of a second for five million coordinates)."""
    if not len(low):
        return (np.nan,) * 4
    return (float(low[:, 0].min()), float(low[:, 1].min()), float(high[:, 0].max()), float(high[:, 1].max()))
