"""WKB, as GDAL's Arrow stream and GeoParquet hand it over, straight into `CompactGeometries`' arrays.

A million footprints parsed by shapely take three passes that each touch every feature with the
GIL held: `from_wkb` makes a GEOS and a Python object per feature (0.22 s), `is_valid` asks GEOS
(0.65 s), and `CompactGeometries.from_shapely` takes the objects apart again into coordinates and
offsets (0.29 s). The arrays are all the analysis needs, and WKB is little more than those arrays
with headers: `wkb_to_arrays` reads the headers of every feature at once (NumPy, a loop only over
the parts of multi-part features and the rings of polygons, not over features) and gathers the
coordinates in one indexing.

It reads what GEOS would make of the same bytes, or says it cannot (None): every Point,
LineString, Polygon and their Multi* kinds, in either byte order, ISO or extended (PostGIS) WKB,
with Z and M (dropped: the figures are planar) and an SRID (skipped). Anything else (a
GeometryCollection, a curve, a truncated or malformed feature, a line of one point or a ring that
is not closed, which GEOS refuses, a ring of fewer than four points, which it reads as invalid, or
more than MAX_LOOPED parts or rings in one feature) is left to the shapely path, so that what is made and what is refused stays as shapely
says: the fast path changes the speed, not the answer. The layout is `CompactGeometries`' (see
there), with its empties: a missing geometry is type -1 with no parts, an empty one has no parts,
an empty part of a multi-part one no paths.

`certainly_valid` then answers which features GEOS's `is_valid` would certainly call valid:
points; lines of two distinct points or more; polygons whose rings are simple (every
pair of segments that do not follow each other is apart, every pair that does shares only its
vertex) and, with holes, whose rings are apart from one another, each hole inside the shell and
outside the other holes (a vertex's side of a ring by the crossings of a ray), decided by
floating-point orientation tests trusted only where their error bound (Shewchuk's) says the sign
is certain; a convex ring is known simple from its turns alone, asked of every ring at once
whatever its size; a feature of several polygons, each certainly valid, whose boxes are strictly
apart (a building in two). Everything else (parts that touch or whose boxes meet, rings that touch,
rings of more than MAX_RING_TESTED vertices that are not convex, more than MAX_RINGS_TESTED rings
or MAX_PARTS_TESTED parts, near-degenerate cases) is asked of GEOS by the caller:
a city's footprints are nearly all simple rings of a few vertices, some with a courtyard, so GEOS
sees few.

Both run in the reader process (`layers.io.reader_child`, on the other core while the planner's side
works on the batch before): the module imports only NumPy and pyarrow, as that process does.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from layers.io.wkb_column import WkbColumn
from layers.ragged import children, offsets_of, ranks

MAX_LOOPED = 256  # parts of a multi-part feature, or rings of a polygon, read here (more: by shapely)
MAX_RING_TESTED = 64  # distinct vertices of a ring that is not convex tested pair by pair (a footprint has a few dozen at most)
MAX_RINGS_TESTED = 8  # rings of a polygon with holes tested here (a block of more courtyards: by GEOS)
MAX_PARTS_TESTED = 8  # polygons of a multi-part feature tested here (more: by GEOS)
_PAIRS_AT_ONCE = 1 << 20  # segment pairs tested in one step (bounds the temporary arrays)
_MIN_RING = 4  # GEOS's ring of fewest points: a triangle, closed
_EPS = np.finfo(np.float64).eps / 2  # the unit roundoff
_ORIENT_ERROR = (3.0 + 16.0 * _EPS) * _EPS  # Shewchuk's ccwerrboundA
_DOT_ERROR = 8.0 * _EPS  # a dot product of two differences, generously
_SHAPELY_TYPE = np.array([-1, 0, 1, 3, 4, 5, 6], dtype=np.int8)  # WKB's code 1..6 -> shapely's type id


class GeometryArrays(NamedTuple):
    """A batch's geometries in `CompactGeometries`' layout (its five arrays) without its methods:
    what the reader process, which has no GEOS, makes of a batch and sends (`layers.io.arrays_stream`)."""

    types: np.ndarray
    geom_offsets: np.ndarray
    part_offsets: np.ndarray
    path_offsets: np.ndarray
    coords: np.ndarray


class _Unreadable(Exception):
    """A feature the fast path leaves to shapely."""


def wkb_to_arrays(wkb: WkbColumn | pa.Array | pa.ChunkedArray) -> GeometryArrays | None:
    """The geometries of an Arrow column of WKB as arrays, or None if a feature is one the fast
    path leaves to shapely (the module docstring)."""
    try:
        return _Reader(WkbColumn.of(wkb)).compact()
    except _Unreadable:
        return None


_NONE = np.zeros(0, np.int64)


class _Reader:
    """One column's WKB, read in steps: the features' headers; their simple geometries (a Point,
    LineString or Polygon feature is one, a multi-part feature's parts are each one); the paths
    of those (a point's, a line's, each ring of a polygon); the coordinates; the offsets."""

    def __init__(self, column: WkbColumn) -> None:
        self.column = column
        self.n, self.offsets, self.data, self.present = column.n, column.offsets, column.data, column.present

    def compact(self) -> GeometryArrays:
        features = np.flatnonzero(self.present)
        ends = self.offsets[features + 1]
        kind, width, little, pos = self._header(self.offsets[features], ends)
        types = np.full(self.n, -1, dtype=np.int8)
        types[features] = _SHAPELY_TYPE[kind]
        footprints = self._footprints(types, kind, width, little, pos, ends)
        if footprints is not None:
            return footprints
        parts_declared = np.zeros(self.n, dtype=np.int64)
        simple = kind <= 3
        items = [self._simple(features[simple], np.zeros(int(simple.sum()), np.int64), kind[simple], width[simple],
                              little[simple], pos[simple], ends[simple])[0]]
        multi = ~simple
        if multi.any():
            owner, end, part_kind, at = features[multi], ends[multi], kind[multi] - 3, pos[multi]
            self._need(at + 4, end)
            count = self.column.u32(at, little[multi])
            if count.max() > MAX_LOOPED:
                raise _Unreadable
            parts_declared[owner] = count
            at = at + 4
            for k in range(int(count.max())):
                on = count > k
                p_kind, p_width, p_little, p_pos = self._header(at[on], end[on])
                if (p_kind != part_kind[on]).any():
                    raise _Unreadable  # a MultiPolygon's part that is not a Polygon, ...
                made, at[on] = self._simple(owner[on], np.full(int(on.sum()), k), p_kind, p_width, p_little, p_pos,
                                            end[on])
                items.append(made)
        return self._assembled(types, parts_declared, *(np.concatenate(c) for c in zip(*items)))

    def _footprints(self, types, kind, width, little, pos, ends) -> GeometryArrays | None:
        """A batch of what a layer of footprints nearly always is (every feature there, a polygon of
        one ring, or a multipolygon of one such part, in x and y, little-endian) read without the
        general steps' bookkeeping; None for any other batch."""
        if len(pos) != self.n or not (little.all() and (width == 16).all() and np.isin(kind, (3, 6)).all()):
            return None
        body = pos.copy()
        multi = kind == 6
        if multi.any():  # one part, itself a polygon in x and y, little-endian: its body follows
            self._need(pos[multi] + 9, ends[multi])
            part = self.column.windows(5)[pos[multi] + 4].view(np.uint8).reshape(-1, 5)
            one = self.column.u32(pos[multi], little[multi]) == 1
            if not (one.all() and (part[:, 0] == 1).all() and (part[:, 1] == 3).all() and not part[:, 2:].any()):
                return None
            body[multi] += 9
        self._need(body + 8, ends)
        rings, points = self.column.u32(body, little), self.column.u32(body + 4, little)
        if (rings != 1).any() or (points < _MIN_RING).any():
            return None
        self._need(body + 8 + points * 16, ends)
        coords = self._coordinates(body + 8, points, width, little)
        path_offsets = offsets_of(points)
        _refuse_open_rings(coords, path_offsets[:-1], points)
        one_each = np.arange(self.n + 1, dtype=np.int64)
        return GeometryArrays(types, one_each, one_each.copy(), path_offsets, coords)

    # -- reading ---------------------------------------------------------------------------------
    def _need(self, stop: np.ndarray, end: np.ndarray) -> None:
        if (stop > end).any():
            raise _Unreadable  # cut off

    def _header(self, pos: np.ndarray, end: np.ndarray):
        """(kind 1..6, coordinate width in bytes, little-endian, position after the header) of the
        geometries that start at `pos`."""
        self._need(pos + 5, end)
        order = self.data[pos]
        if (order > 1).any():
            raise _Unreadable
        little = order == 1
        code = self.column.u32(pos + 1, little)
        flags = code >> 28  # extended WKB: Z 8, M 4, an SRID follows 2
        code = code & 0x0FFFFFFF
        iso, kind = code // 1000, code % 1000  # ISO WKB: + 1000 for Z, 2000 for M, 3000 for both
        dims = 2 + (flags >> 3 & 1) + (flags >> 2 & 1) + (iso > 0) + (iso == 3)
        if ((iso > 3) | (kind < 1) | (kind > 6) | (dims > 4) | (flags & 1 == 1)).any():
            raise _Unreadable
        pos = pos + 5 + 4 * (flags >> 1 & 1)
        self._need(pos, end)
        return kind, dims * 8, little, pos

    def _simple(self, feature, part, kind, width, little, pos, end):
        """The paths of simple geometries (kind 1 point, 2 line, 3 polygon) whose bodies start at
        `pos`: ((feature, part number, ring number, coordinates' position, points, width, byte
        order) of each path, a point's and a line's numbered 0), and where each body ends."""
        n = len(pos)
        count = np.ones(n, np.int64)  # a point's one coordinate
        counted = kind >= 2
        self._need(pos[counted] + 4, end[counted])
        count[counted] = self.column.u32(pos[counted], little[counted])
        body_end = pos + width  # a point's
        line = kind == 2
        if (count[line] == 1).any():
            raise _Unreadable  # GEOS makes no line of one point
        body_end[line] = pos[line] + 4 + count[line] * width[line]
        one_path = np.flatnonzero(~counted | line)  # points and lines
        paths = [(one_path, np.zeros(len(one_path), np.int64), np.where(line, pos + 4, pos)[one_path], count[one_path])]
        polygon = np.flatnonzero(kind == 3)
        rings = count[polygon]
        if rings.max(initial=0) > MAX_LOOPED:
            raise _Unreadable
        at = pos[polygon] + 4
        for r in range(int(rings.max(initial=0))):
            on = rings > r
            self._need(at[on] + 4, end[polygon[on]])
            points = self.column.u32(at[on], little[polygon[on]])
            if ((points > 0) & (points < _MIN_RING)).any():
                raise _Unreadable  # a ring of fewer than four points: as GEOS reads it (or not)
            paths.append((polygon[on], np.full(int(on.sum()), r), at[on] + 4, points))
            at[on] += 4 + points * width[polygon[on]]
        body_end[polygon] = at
        self._need(body_end, end)
        item, ring, start, points = (np.concatenate(c) for c in zip(*paths))
        return (feature[item], part[item], ring, start, points, width[item], little[item], kind[item]), body_end

    # -- assembling ------------------------------------------------------------------------------
    def _assembled(self, types, parts_declared, feature, part, ring, start, points, width, little, kind):
        order = np.lexsort((ring, part, feature))  # the paths in the arrays' order
        feature, part, ring, start, points, width, little, kind = (
            a[order] for a in (feature, part, ring, start, points, width, little, kind))
        coords = self._coordinates(start, points, width, little)
        first = offsets_of(points)[:-1]  # each path's first coordinate
        point, line, polygon = kind == 1, kind == 2, kind == 3
        closed = polygon & (points > 0)
        _refuse_open_rings(coords, first[closed], points[closed])
        # empties, as GEOS reads them: a point of NaN, NaN; a line of no points; a polygon whose
        # rings have none (a shell of none with holes of some GEOS refuses)
        simple = np.cumsum(np.r_[True, (feature[1:] != feature[:-1]) | (part[1:] != part[:-1])]) - 1
        polygon_points = np.bincount(simple, weights=points)[simple]
        if (polygon & (ring == 0) & (points == 0) & (polygon_points > 0)).any():
            raise _Unreadable
        keep = (line & (points > 0)) | (polygon & (polygon_points > 0))
        keep[point] = ~np.isnan(coords[first[point]]).all(axis=1)
        if not keep.all():
            coords = coords[np.repeat(keep, points)]
            feature, part, points = feature[keep], part[keep], points[keep]
        # parts: a simple feature has one if it has a path; a multi-part one all it declares if any has
        parts = np.where(parts_declared > 0, parts_declared, 1) * (np.bincount(feature, minlength=self.n) > 0)
        geom_offsets = offsets_of(parts)
        paths_per_part = np.bincount(geom_offsets[feature] + part, minlength=int(geom_offsets[-1]))
        return GeometryArrays(types, geom_offsets, offsets_of(paths_per_part), offsets_of(points), coords)

    def _coordinates(self, start, points, width, little) -> np.ndarray:
        """x and y of every point of the paths, in order."""
        total = int(points.sum())
        if not total:
            return np.empty((0, 2))
        first = offsets_of(points)[:-1]
        # the point i of a path (first, start, width) is at start + (i - first) * width
        steps = np.arange(total) * width[0] if (width == width[0]).all() else np.arange(total) * np.repeat(width, points)
        at = np.repeat(start - first * width, points) + steps
        raw = self.column.windows(16)[at]
        xy = raw.view("<f8").reshape(total, 2).astype(np.float64, copy=False)
        big = ~np.repeat(little, points) if not little.all() else None
        if big is not None and big.any():
            xy[big] = raw[big].view(">f8").reshape(-1, 2)
        return xy


def _refuse_open_rings(coords: np.ndarray, first: np.ndarray, points: np.ndarray) -> None:
    """Raise _Unreadable if a ring (`points` coordinates from `first`, none empty) is not closed:
    GEOS makes no such ring."""
    if (np.take(coords, first, axis=0) != np.take(coords, first + points - 1, axis=0)).any():
        raise _Unreadable


# -- validity --------------------------------------------------------------------------------------

def certainly_valid(store: GeometryArrays) -> np.ndarray:
    """Per feature: True where GEOS's `is_valid` would certainly say valid (the module docstring);
    False where it may not, and for missing and empty features (they are not asked)."""
    n = len(store.types)
    parts = np.diff(store.geom_offsets)
    paths = np.diff(store.part_offsets)
    points = np.diff(store.path_offsets)
    has = np.zeros(n, bool)
    feature_of_path = np.repeat(np.repeat(np.arange(n), parts), paths)
    has[feature_of_path[points > 0]] = True
    out = has & np.isin(store.types, (0, 4))
    lines = has & np.isin(store.types, (1, 5))
    if lines.any():
        out |= lines & (np.bincount(feature_of_path, weights=~_distinct_points(store), minlength=n) == 0)
    # the parts of polygons: their rings each asked whether simple where they lie (every path's
    # coordinates follow the one before's: no copy of them), and a part with holes (a courtyard)
    # whether they lie apart inside its shell
    polygonal = has & np.isin(store.types, (3, 6))
    simple = _simple_paths(store.coords, store.path_offsets, polygonal[feature_of_path])
    part_certain = np.zeros(len(paths), bool)
    part = np.flatnonzero(np.repeat(polygonal, parts))
    one_ring = part[paths[part] == 1]
    part_certain[one_ring] = simple[store.part_offsets[one_ring]]
    holed = part[paths[part] > 1]
    if len(holed):
        part_certain[holed] = _holed_parts(store, holed, simple)
    single = polygonal & (parts == 1)
    out[single] = part_certain[store.geom_offsets[:-1][single]]
    # of several parts (a building in two): each part certain, their boxes apart
    several = np.flatnonzero(polygonal & (parts > 1) & (parts <= MAX_PARTS_TESTED))
    if len(several):
        out[several] = _parts_apart(store, several, part_certain)
    return out


def _parts_apart(store: GeometryArrays, features: np.ndarray, part_certain: np.ndarray) -> np.ndarray:
    """Per feature of several polygons (`features`): certainly valid, as GEOS would find it if every
    part is (`part_certain`) and no two meet: here, if the boxes of their shells are strictly apart
    (parts whose boxes touch or overlap, a ring inside another's hole, are left to GEOS)."""
    part, of_feature = children(store.geom_offsets, features)
    counts, first = np.diff(of_feature), of_feature[:-1]
    ok = np.logical_and.reduceat(part_certain[part], first)
    # each part's box, from its shell (a valid part's holes lie inside it; an empty part, which has
    # no shell and is not certain, an empty run)
    last_path = len(store.path_offsets) - 1
    shell = np.minimum(store.part_offsets[part], last_path)
    start = store.path_offsets[shell]
    end = np.where(np.diff(store.part_offsets)[part] > 0, store.path_offsets[np.minimum(shell + 1, last_path)], start)
    box = _ring_boxes(store.coords, start, end)

    def apart(a, b):
        pa, pb = box[a], box[b]
        return (pa[:, 2] < pb[:, 0]) | (pb[:, 2] < pa[:, 0]) | (pa[:, 3] < pb[:, 1]) | (pb[:, 3] < pa[:, 1])

    return _every_pair(ok, counts, first, apart)


def _ring_boxes(coords: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(n, 4): xmin, ymin, xmax, ymax of each closed ring's coordinates start .. end - 1 (a ring
    that ends the coordinates is reduced without its last point, its first again; an empty run
    gives any values)."""
    edges = np.minimum(np.column_stack([start, end]).ravel(), len(coords) - 1)
    box = np.empty((len(start), 4))
    for axis in (0, 1):
        values = coords[:, axis]
        box[:, axis] = np.minimum.reduceat(values, edges)[::2]
        box[:, axis + 2] = np.maximum.reduceat(values, edges)[::2]
    return box


def _every_pair(ok: np.ndarray, counts: np.ndarray, first: np.ndarray, apart) -> np.ndarray:
    """`ok` (per group of `counts` members from `first`) where also every two members a < b of the
    group are `apart(a, b)` (asked of the groups still ok, a pair of index arrays at a time)."""
    most = int(counts.max(initial=0))
    for a in range(most):
        for b in range(a + 1, most):
            on = np.flatnonzero(ok & (counts > b))
            ok[on] = apart(first[on] + a, first[on] + b)
    return ok


def _holed_parts(store: GeometryArrays, parts: np.ndarray, simple: np.ndarray) -> np.ndarray:
    """Per polygon with holes (`parts`: indices of parts): certainly valid, as GEOS would find it if
    every ring is simple (`simple`, per path), no two rings meet anywhere, and every hole lies
    inside the shell and outside the other holes. Rings that touch (valid or not) and polygons of
    more than MAX_RINGS_TESTED rings are left to GEOS."""
    out = np.zeros(len(parts), bool)
    counts = np.diff(store.part_offsets)[parts]
    tested = np.flatnonzero(counts <= MAX_RINGS_TESTED)
    if not len(tested):
        return out
    path, of_polygon = children(store.part_offsets, parts[tested])  # each polygon's rings, its shell first
    counts, first = np.diff(of_polygon), of_polygon[:-1]
    start, points = store.path_offsets[path], np.diff(store.path_offsets)[path]
    coords = store.coords
    # (rings of more points, repeated ones included, are left to GEOS: the pairs of two rings' segments
    # are made at once)
    ok = np.logical_and.reduceat(simple[path] & (points <= MAX_RING_TESTED + 1), first)
    ok = _every_pair(ok, counts, first, lambda a, b: _rings_apart(coords, start[a], points[a], start[b], points[b]))
    most = int(counts.max())
    for a in range(1, most):  # a hole: inside the shell, outside every other hole
        on = np.flatnonzero(ok & (counts > a))
        vertex = np.take(coords, start[first[on] + a], axis=0)
        ok[on] = _side(coords, start[first[on]], points[first[on]], vertex) == 1
        for b in range(1, most):
            if b == a:
                continue
            on = np.flatnonzero(ok & (counts > max(a, b)))
            vertex = np.take(coords, start[first[on] + a], axis=0)
            ok[on] = _side(coords, start[first[on] + b], points[first[on] + b], vertex) == -1
    out[tested] = ok
    return out


def _rings_apart(coords: np.ndarray, start_a, points_a, start_b, points_b) -> np.ndarray:
    """Per pair of closed rings (`points` coordinates from `start`): no segment of one meets any
    segment of the other, certainly. Only the segments of each that meet the other's box are
    paired (one apart from that box is apart from every segment inside it: most of a shell's sides
    are from its courtyard's)."""
    near_a, of_a = _segments_near(coords, start_a, points_a, start_b, points_b)
    near_b, of_b = _segments_near(coords, start_b, points_b, start_a, points_a)
    count_a, count_b = np.diff(of_a), np.diff(of_b)
    pairs = count_a * count_b
    out = np.ones(len(pairs), bool)  # no segment of one near the other's box: apart
    paired = np.flatnonzero(pairs)
    step = max(1, _PAIRS_AT_ONCE // max(1, int(pairs.max(initial=1))))
    for lo in range(0, len(paired), step):
        rows = paired[lo:lo + step]
        k = ranks(pairs[rows])
        across = np.repeat(count_b[rows], pairs[rows])
        i = near_a[np.repeat(of_a[rows], pairs[rows]) + k // across]
        j = near_b[np.repeat(of_b[rows], pairs[rows]) + k % across]
        p, q, r, s = (np.take(coords, at, axis=0) for at in (i, i + 1, j, j + 1))
        apart = _apart(p[:, 0], p[:, 1], q[:, 0], q[:, 1], r[:, 0], r[:, 1], s[:, 0], s[:, 1])
        out[rows] = np.logical_and.reduceat(apart, offsets_of(pairs[rows])[:-1])
    return out


def _segments_near(coords: np.ndarray, start, points, other_start, other_points) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of closed rings (this one: `points` coordinates from `start`; the other): the
    segments of this one (each by its first vertex) whose box meets the other ring's box, and their
    offsets per pair (exact comparisons: a segment left out is certainly apart from the other ring)."""
    segments = points - 1
    i = np.repeat(start, segments) + ranks(segments)
    p, q = np.take(coords, i, axis=0), np.take(coords, i + 1, axis=0)
    other = np.repeat(_ring_boxes(coords, other_start, other_start + other_points), segments, axis=0)
    near = ((np.minimum(p, q) <= other[:, 2:]) & (np.maximum(p, q) >= other[:, :2])).all(axis=1)
    return i[near], offsets_of(np.add.reduceat(near, offsets_of(segments)[:-1], dtype=np.int64))


def _side(coords: np.ndarray, start: np.ndarray, points: np.ndarray, vertex: np.ndarray) -> np.ndarray:
    """Per closed ring (`points` coordinates from `start`) and point (`vertex`, one a ring): 1
    certainly inside, -1 certainly outside, 0 not certain (on the ring, or too near a side). The
    crossings of a ray to +x: a side crosses it if its ends are on either side of the point's y
    (exact comparisons) and the point is on the side's left going up, on its right going down
    (an orientation, trusted only beyond its error bound)."""
    if not len(start):
        return np.zeros(0, np.int8)
    segments = points - 1
    first = offsets_of(segments)[:-1]
    i = np.repeat(start, segments) + ranks(segments)
    p, q = np.take(coords, i, axis=0), np.take(coords, i + 1, axis=0)
    x, y = np.repeat(vertex[:, 0], segments), np.repeat(vertex[:, 1], segments)
    straddle = (p[:, 1] > y) != (q[:, 1] > y)
    turn = np.zeros(len(i), np.int8)
    turn[straddle] = _orientation(p[straddle, 0], p[straddle, 1], q[straddle, 0], q[straddle, 1], x[straddle],
                                  y[straddle])
    up = q[:, 1] > p[:, 1]
    crossing = straddle & ((up & (turn == 1)) | (~up & (turn == -1)))
    unsure = np.logical_or.reduceat(straddle & (turn == 0), first)
    inside = np.add.reduceat(crossing.astype(np.int64), first) % 2 == 1
    return np.where(unsure, 0, np.where(inside, 1, -1)).astype(np.int8)


def _distinct_points(store: GeometryArrays) -> np.ndarray:
    """Per path: it has no points, or two distinct ones or more (a line GEOS calls valid)."""
    points = np.diff(store.path_offsets)
    if not len(store.coords):
        return np.ones(len(points), bool)
    differs = (store.coords != np.repeat(np.take(store.coords, store.path_offsets[:-1][points > 0], axis=0),
                                         points[points > 0], axis=0)).any(axis=1)
    out = points == 0
    out[points > 0] = np.logical_or.reduceat(differs, store.path_offsets[:-1][points > 0])
    return out


def _simple_paths(coords: np.ndarray, path_offsets: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Per path (its coordinates coords[path_offsets[i]:path_offsets[i + 1]], every path's after
    the one before's): for the paths `asked`, certainly a simple closed ring of three distinct
    vertices or more; False for the others."""
    points = np.diff(path_offsets)
    out = np.zeros(len(points), bool)
    if not asked.any():
        return out
    # repeated points dropped (GEOS ignores them)
    xy, first = coords[:path_offsets[-1]], path_offsets[:-1]
    repeated = np.zeros(len(xy), bool)
    repeated[1:] = (xy[1:, 0] == xy[:-1, 0]) & (xy[1:, 1] == xy[:-1, 1])
    repeated[first[points > 0]] = False
    if repeated.any():
        xy = xy[~repeated]
        distinct = np.bincount(np.repeat(np.arange(len(points)), points)[~repeated], minlength=len(points))
        first = offsets_of(distinct)[:-1]
    else:
        distinct = points
    rings = asked & (distinct >= _MIN_RING)
    out[rings] = _convex(xy, first[rings], distinct[rings] - 1)
    rest = rings & ~out & (distinct <= MAX_RING_TESTED + 1)
    for size in np.unique(distinct[rest]):
        which = np.flatnonzero(rest & (distinct == size))
        step = max(1, _PAIRS_AT_ONCE // (size * size))
        for i in range(0, len(which), step):
            rows = which[i:i + step]
            out[rows] = _rings_simple(xy, first[rows], int(size) - 1)
    return out


def _convex(xy: np.ndarray, first: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Per ring of `segments` segments, three or more (its closed vertices from `first` in `xy`,
    each ring after the one before, no point repeated): it turns the same way, certainly, at every vertex
    and winds once, so it is convex, hence simple (a rectangle, most footprints).

    Worked out over every vertex of every ring at once, whatever their sizes: each segment's
    direction, and the turn from each to the next (1 left, -1 right, 0 unsure); a ring's turns are
    a run of these, summed (the turns between two rings' runs, over to the next path or in paths
    not asked about, are made to count nothing), and its last segment to its first is one more
    turn: a ring turns one way at every vertex where its sum is as large as its number of turns.
    Turning one way, it winds once if its direction passes from one half of the circle to the
    other (exact: a difference of two doubles has the sign of the true one) twice. A sum and a
    count per ring, where two of each (left, right) and a mask of each ring's own turns made
    twice the passes over the vertices (a batch of real-shaped footprints: 18.4 -> 13.3 ms)."""
    if not len(first):
        return np.zeros(0, bool)
    x, y = xy[:, 0], xy[:, 1]
    dx, dy = x[1:] - x[:-1], y[1:] - y[:-1]  # segment k from vertex k to k + 1
    turn = _orientation_of(dx[:-1], dy[:-1], dx[1:], dy[1:])  # from segment k to k + 1
    upper = (dy > 0) | ((dy == 0) & (dx > 0))
    passes = upper[1:] != upper[:-1]  # from segment k to k + 1, to the other half
    last = first + segments - 1  # each ring's last segment; the closing turn, from it to its first
    ends = np.r_[first[1:], len(turn)]  # where the run of each ring's turns ends
    if (ends - last <= 2).all():  # each ring follows the one before: two turns between (or none, at the end)
        between = np.r_[last, last + 1]
        between = between[between < np.r_[ends, ends]]
    else:  # every turn from a ring's last segment to the next ring's first
        between = np.cumsum(np.bincount(last, minlength=len(turn) + 1)[:-1]
                            - np.bincount(ends, minlength=len(turn) + 1)[:-1]) > 0
    turn[between] = 0
    passes[between] = False
    turns = np.add.reduceat(turn, first, dtype=np.int64) + _orientation_of(dx[last], dy[last], dx[first], dy[first])
    halves = np.add.reduceat(passes, first, dtype=np.int64) + (upper[last] != upper[first])
    return (np.abs(turns) == segments) & (halves == 2)


def _rings_simple(xy: np.ndarray, first: np.ndarray, segments: int) -> np.ndarray:
    """Rings of `segments` segments each (their closed vertices from `first` in `xy`), none of
    them convex (`_convex`): simple if each segment and the next share only their vertex (they
    turn, or go on ahead) and every two segments that do not follow each other are apart. Arrays
    are (vertex or segment, ring): a question asked of every segment of a ring is then a few
    operations on whole rows."""
    at = first[None, :] + np.r_[np.arange(segments + 1), 1][:, None]  # the first segment again at the end
    corners = np.take(xy, at, axis=0)  # (np.take: NumPy's fancy indexing of rows is several times slower)
    x, y = corners[..., 0], corners[..., 1]
    dx, dy = x[1:] - x[:-1], y[1:] - y[:-1]  # each segment's direction, then the first's again
    turn = _orientation_of(dx[:-1], dy[:-1], dx[1:], dy[1:])
    along = dx[:-1] * dx[1:] + dy[:-1] * dy[1:]
    ahead = along > _DOT_ERROR * (np.abs(dx[:-1] * dx[1:]) + np.abs(dy[:-1] * dy[1:]))
    simple = np.logical_and.reduce((turn != 0) | ahead)
    simple[~_segments_apart(x[:segments + 1], y[:segments + 1])] = False
    return simple


def _segments_apart(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per ring (a column of `x`, `y`: its vertices in order, closed, segment k from row k to
    k + 1): every two of its segments that do not follow each other certainly share no point (as
    `_apart`). The pairs are taken a distance d apart at a time, segments k and k + d of every
    ring: their boxes compared as two slices of the segments' boxes (no gathering per pair), and
    the coordinates gathered only for the pairs whose boxes meet."""
    segments = len(x) - 1
    lo_x, hi_x = np.minimum(x[:-1], x[1:]), np.maximum(x[:-1], x[1:])
    lo_y, hi_y = np.minimum(y[:-1], y[1:]), np.maximum(y[:-1], y[1:])
    out = np.ones(x.shape[1], bool)
    for d in range(2, segments - 1):  # (the first and the last segment follow each other)
        a, b = slice(0, segments - d), slice(d, segments)
        apart = (hi_x[a] < lo_x[b]) | (hi_x[b] < lo_x[a]) | (hi_y[a] < lo_y[b]) | (hi_y[b] < lo_y[a])
        k, ring = np.nonzero(~apart)
        if len(k):
            sides = _sides_apart(x[k, ring], y[k, ring], x[k + 1, ring], y[k + 1, ring],
                                 x[k + d, ring], y[k + d, ring], x[k + d + 1, ring], y[k + d + 1, ring])
            out[ring[~sides]] = False
    return out


def _orientation(ax, ay, bx, by, cx, cy) -> np.ndarray:
    """The sign of the turn a -> b -> c (1 left, -1 right), 0 where floating point cannot be sure."""
    return _orientation_of(bx - ax, by - ay, cx - ax, cy - ay)


def _orientation_of(ux, uy, vx, vy) -> np.ndarray:
    """The sign of the cross product u x v of two differences of coordinates (as `_orientation`),
    as int8, made in place (a third of the time of np.where over np.sign)."""
    left, right = ux * vy, uy * vx
    det = left - right
    np.abs(left, out=left)
    np.abs(right, out=right)
    left += right
    left *= _ORIENT_ERROR  # the error bound
    sign = (det > left).astype(np.int8)
    sign -= det < -left
    return sign


def _apart(px, py, qx, qy, rx, ry, sx, sy) -> np.ndarray:
    """Segments p-q and r-s certainly share no point: their boxes are apart, or one lies wholly on
    one side of the other's line."""
    boxes = ((np.maximum(px, qx) < np.minimum(rx, sx)) | (np.maximum(rx, sx) < np.minimum(px, qx))
             | (np.maximum(py, qy) < np.minimum(ry, sy)) | (np.maximum(ry, sy) < np.minimum(py, qy)))
    near = ~boxes
    if not near.any():
        return boxes
    # the orientations only of the pairs whose boxes meet (of a footprint's, most do not)
    boxes[near] = _sides_apart(*(v[near] for v in (px, py, qx, qy, rx, ry, sx, sy)))
    return boxes


def _sides_apart(px, py, qx, qy, rx, ry, sx, sy) -> np.ndarray:
    """Segments p-q and r-s certainly share no point by their sides: r and s lie strictly on one
    side of p-q's line, or p and q on one side of r-s's."""
    s1, s2 = _orientation(px, py, qx, qy, rx, ry), _orientation(px, py, qx, qy, sx, sy)
    s3, s4 = _orientation(rx, ry, sx, sy, px, py), _orientation(rx, ry, sx, sy, qx, qy)
    return ((s1 != 0) & (s1 == s2)) | ((s3 != 0) & (s3 == s4))
