"""A region cut to the cells round a feature: GEOS rectangle clips down a quadtree of the grid.

Where a feature crosses a region's boundary, its area inside is the area of feature ∩ region,
and a small polygon that agrees with the region over the feature's cells gives the same. GEOS's
overlay costs grow with the vertices of both operands (a dissolved catchment has tens of
thousands); rectangle clipping costs GEOS one pass over the region's vertices, so cutting a
whole region to each of thousands of small boxes costs thousands of such passes. Here each
region is cut to the tiles of a quadtree over the grid, level by level, each tile's piece cut
from its parent tile's (a quarter of the parent's vertices, about), down to single cells; a
feature takes the piece of the smallest tile that holds its cells, cut once more to its own
cells if it lies across a tile line. A piece of few vertices is not cut further.

The pieces' vertices are the region's where they lie in the tile; where the region's boundary
crosses a tile's side, GEOS puts a vertex on the side (rounded to the coordinates' precision, as
one clip to the feature's box would).
"""
from __future__ import annotations

import numpy as np
import shapely
from affine import Affine

from layers.analysis.coverage.shapes import parallel

SMALL_PIECE = 24  # vertices: a piece with no more is used as it is, not cut further
_THREADED = 64  # clips at a time worth two threads (each a pass over a piece of tens to thousands of vertices)


def local_pieces(regions: np.ndarray, k: np.ndarray, t: Affine, r0, r1, c0, c1
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For (region, range of cells) pairs (region `regions[k[i]]`, cells r0..r1 x c0..c1 inclusive of
    the grid with transform `t`, whose t.a > 0 and t.e < 0): `pieces`, polygons, and `which`, such
    that `pieces[which[i]]` has within those cells exactly what the region has (its intersection with
    anything inside them is that thing's with the region). Pairs in the same cells of the same
    region share a piece."""
    store = _Store(np.asarray(regions, dtype=object))
    at = np.asarray(k, dtype=np.int64).copy()  # each pair's piece so far: its region
    r0, r1, c0, c1 = (np.asarray(a, dtype=np.int64) for a in (r0, r1, c0, c1))
    top = max(int(r1.max(initial=0)), int(c1.max(initial=0))).bit_length()  # tiles of 2^top cells hold them all
    for level in range(top - 1, -1, -1):  # the top level's one tile holds every cell: nothing to cut
        rr, cc = r0 >> level, c0 >> level
        going = (rr == r1 >> level) & (cc == c1 >> level) & (store.size[at] > SMALL_PIECE)
        if going.any():
            at[going] = store.cut(at[going], t, rr[going] << level, cc[going] << level,
                                  (rr[going] + 1 << level) - 1, (cc[going] + 1 << level) - 1)
    across = (store.size[at] > SMALL_PIECE) & ((r0 != r1) | (c0 != c1))  # across a tile line: to its own cells
    if across.any():
        at[across] = store.cut(at[across], t, r0[across], c0[across], r1[across], c1[across])
    return store.pieces, at


class _Store:
    """The pieces made so far (the regions first), and their vertex counts."""

    def __init__(self, regions: np.ndarray):
        self.pieces, self.size = regions, shapely.get_num_coordinates(regions)

    def cut(self, at: np.ndarray, t: Affine, r0, c0, r1, c1) -> np.ndarray:
        """Cut pieces `at` to cells r0..r1 x c0..c1, each distinct (piece, cells) once; the new
        pieces are added to the store; returns their indices."""
        m = int(max(r1.max(), c1.max())) + 1  # cells r0, c0, r1, c1 and the piece as one number
        key = (((at * m + r0) * m + c0) * m + r1) * m + c1
        _, first, back = np.unique(key, return_index=True, return_inverse=True)
        parent = self.pieces[at[first]]
        r0, c0, r1, c1 = r0[first], c0[first], r1[first], c1[first]
        xa, xb = t.c + c0 * t.a, t.c + (c1 + 1) * t.a
        ya, yb = t.f + (r1 + 1) * t.e, t.f + r0 * t.e
        cut, valid = parallel(_clip, parent, xa, ya, xb, yb, chunk=_THREADED)
        bad = ~valid  # GEOS's clip can leave a ring touching itself: the full overlay then
        if bad.any():
            cut[bad] = shapely.intersection(parent[bad], shapely.box(xa[bad], ya[bad], xb[bad], yb[bad]))
        made = len(self.pieces)
        self.pieces = np.concatenate([self.pieces, cut])
        self.size = np.concatenate([self.size, shapely.get_num_coordinates(cut)])
        return made + back.ravel()


def _clip(geoms, xa, ya, xb, yb) -> tuple[np.ndarray, np.ndarray]:
    """GEOS's rectangle clip of each geometry (shapely's compiled ufunc: its Python wrapper takes one
    box at a time), and whether each result is valid."""
    cut = shapely.lib.clip_by_rect(geoms, xa, ya, xb, yb)
    return cut, shapely.is_valid(cut)
