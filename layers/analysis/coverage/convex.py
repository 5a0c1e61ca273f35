"""The area of a polygon inside a convex polygon, for many pairs at once, in NumPy.

Most building footprints are convex (rectangles, quadrilaterals). Where one crosses a region's
boundary, the area of the region inside it is the area of the region's local piece clipped by
the footprint's sides in turn (Sutherland-Hodgman): each ring of the piece (exterior counter-
clockwise, holes clockwise) is cut by one half-plane after the other, and the signed shoelace
areas of what is left sum to the area of piece ∩ footprint (where the clipping lays a ring
along a side of the footprint, those edges cancel in pairs and add no area). A GEOS overlay
builds a topology graph for each pair; this needs only arithmetic, every pair at once. Points
are taken relative to the footprint's first vertex, so the products stay small and exact to
about 1e-16 of the footprint's size.
"""
from __future__ import annotations

import numpy as np
import shapely

from layers.ragged import ranks

_RUN = 1 << 12  # clips at a time (a run: ~12 MB at most)


def convex(geoms: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """True for each valid Polygon without holes whose exterior turns one way only (collinear
    vertices allowed): a simple ring that never turns back is convex (a pentagram turns one way
    too, but is not valid). `valid`: GEOS is_valid of each, if already known."""
    out = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    which = np.flatnonzero(out)
    x, y, ring = _open_rings(geoms[which])  # polygons without holes: their coordinates are their exterior's
    prev, nxt = _neighbours(ring)
    turn = (x - x[prev]) * (y[nxt] - y) - (y - y[prev]) * (x[nxt] - x)  # at each vertex
    left = np.bincount(ring, turn > 0, len(which)) > 0
    right = np.bincount(ring, turn < 0, len(which)) > 0
    out[which] = ~(left & right)
    out &= shapely.is_valid(geoms) if valid is None else valid
    return out


def area_inside_convex(pieces: np.ndarray, clips: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
    """Area of pieces[which[i]] ∩ clips[i] (`which` None: pieces[i]): `pieces` any polygonal
    geometries, `clips` convex Polygons (`convex`). One float per clip. A piece many clips share
    is oriented and taken apart once."""
    if which is None:
        which = np.arange(len(clips))
    if len(clips) > _RUN:  # a run of clips at a time: each pass makes a score of arrays a vertex long
        return np.concatenate([area_inside_convex(pieces, clips[i:i + _RUN], which[i:i + _RUN])
                               for i in range(0, len(clips), _RUN)])
    n = len(clips)
    clips = shapely.orient_polygons(clips)  # counter-clockwise: inside is to the left of each side
    cxy, cidx = shapely.get_coordinates(clips, return_index=True)  # no holes: the exterior's, in its order
    ccount = np.bincount(cidx, minlength=n)
    cstart = np.cumsum(ccount) - ccount
    cx, cy = np.ascontiguousarray(cxy[:, 0]), np.ascontiguousarray(cxy[:, 1])
    ox, oy = cx[cstart], cy[cstart]
    x, y, ring, ring_pair = _rings_of(pieces, which)
    x, y = x - ox[ring_pair[ring]], y - oy[ring_pair[ring]]
    for e in range(int(ccount.max(initial=0)) - 1):  # the e-th side of every clip at once
        if not len(ring):
            break
        # the side a -> b of each clip (relative to its origin), then taken to its piece's vertices
        has = e < ccount - 1
        a = cstart + np.minimum(e, ccount - 2)
        ax, ay = cx[a] - ox, cy[a] - oy
        dx, dy = (cx[a + 1] - ox) - ax, (cy[a + 1] - oy) - ay
        pair = ring_pair[ring]
        side = dx[pair] * (y - ay[pair]) - dy[pair] * (x - ax[pair])  # > 0: left of the side, inside
        inside = (side >= 0) | ~has[pair]
        prev, _ = _neighbours(ring)
        cross = inside != inside[prev]
        # each vertex q after its previous p gives: the crossing of p-q (if one end is outside),
        # then q (if inside)
        count = cross.astype(np.int64) + inside
        pos = np.cumsum(count) - count
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(cross, side[prev] / (side[prev] - side), 0.0)
        px, py = x[prev], y[prev]
        nx, ny = np.empty(int(count.sum())), np.empty(int(count.sum()))
        nring = np.empty(len(nx), dtype=np.int64)
        c = np.flatnonzero(cross)
        nx[pos[c]], ny[pos[c]], nring[pos[c]] = px[c] + t[c] * (x[c] - px[c]), py[c] + t[c] * (y[c] - py[c]), ring[c]
        q = np.flatnonzero(inside)
        at = pos[q] + cross[q]
        nx[at], ny[at], nring[at] = x[q], y[q], ring[q]
        x, y, ring = nx, ny, nring
    if not len(ring):
        return np.zeros(n)
    _, nxt = _neighbours(ring)
    return np.bincount(ring_pair[ring], 0.5 * (x * y[nxt] - x[nxt] * y), n)


def _rings_of(pieces: np.ndarray, which: np.ndarray):
    """The rings of pieces[which[i]] for each i, without closing vertices: x, y, ring number of each
    vertex, and the i of each ring (consecutive). Each piece used is oriented and taken apart once."""
    used, back = np.unique(which, return_inverse=True)
    back = back.ravel()
    parts, part_of = shapely.get_parts(shapely.orient_polygons(pieces[used]), return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    rings, ring_part = shapely.get_rings(parts[polygons], return_index=True)
    x, y, vertex_ring = _open_rings(rings)
    # per used piece: its rings (consecutive) and their vertices (consecutive)
    ring_piece = part_of[polygons][ring_part]
    rings_per = np.bincount(ring_piece, minlength=len(used))
    ring_start = np.cumsum(rings_per) - rings_per
    vertices_per = np.bincount(ring_piece[vertex_ring], minlength=len(used))
    vertex_start = np.cumsum(vertices_per) - vertices_per
    # each i gets a copy of its piece's vertices, its rings numbered after those of the i before it
    count = vertices_per[back]
    take = np.repeat(vertex_start[back], count) + ranks(count)
    first_ring = np.cumsum(rings_per[back]) - rings_per[back]
    ring = np.repeat(first_ring - ring_start[back], count) + vertex_ring[take]
    ring_pair = np.repeat(np.arange(len(which)), rings_per[back])
    return x[take], y[take], ring, ring_pair


def _open_rings(rings: np.ndarray):
    """x, y and ring number of the rings' vertices, each ring without its closing vertex. `rings`:
    rings, or polygons without holes (each its exterior ring: not made a geometry of its own, which
    GEOS copies, 8 ms for 30,000 footprints)."""
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    last = np.cumsum(np.bincount(ring, minlength=len(rings))) - 1
    keep = np.ones(len(ring), dtype=bool)
    keep[last[last >= 0]] = False
    return xy[keep, 0], xy[keep, 1], ring[keep]


def _neighbours(ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the previous and of the next vertex of each, round its ring (a ring's vertices
    are consecutive)."""
    if not len(ring):
        return ring.copy(), ring.copy()
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    end = np.r_[start[1:], len(ring)] - 1
    prev, nxt = np.arange(len(ring)) - 1, np.arange(len(ring)) + 1
    prev[start], nxt[end] = end, start
    return prev, nxt
