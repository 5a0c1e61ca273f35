"""Regions cut along a grid's lines: how much of each cell each region covers, exactly, in NumPy.

Each region's boundary (rings oriented: exterior counter-clockwise, holes clockwise) is split
where it crosses the grid's column and row lines, so that every piece of it lies in one cell.
In cell units (u = column, v = row coordinate, a cell is 1 x 1), Green's theorem gives the
area of region ∩ cell (r, c) as

    sum over the pieces in cell (r, c) of du * (r + 1 - v_mid)
  + sum over the pieces in column c in rows above r of du

where du is a piece's signed extent along u, signed so that the region's inside is positive
(`Pieces.du`). So a cell that no piece crosses lies wholly inside a region (the second sum is 1)
or wholly outside (0), and a sum of cell values weighted by the share of each cell inside needs
the pieces only: each adds value[r, c] times its first term, plus du times the sum of the
column's values below its row (a running sum down each column, made once per grid). Cells wholly
inside are never visited. This is the method of exactextract (D. Baston, 2022), here vectorised
over all regions at once.

Regions must be valid polygons (overlay results are; `valid_regions` repairs others), so that
no point lies in two parts of one region.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely
from affine import Affine

from layers.analysis.coverage.threads import halfway, in_halves


_THREADED_VERTICES = 1 << 14  # regions' vertices worth cutting in two threads


class Pieces(NamedTuple):
    """The boundary pieces of regions over a grid, one row per piece.

    `row` is -1 for a piece above the grid (it covers whole columns below it) and `rows` for one
    below; pieces left or right of the grid are dropped. `own` is the piece's first term above
    (its own cell's area under it, in cell units); `du` its second.
    """

    region: np.ndarray
    row: np.ndarray
    col: np.ndarray
    du: np.ndarray
    own: np.ndarray
    ends: np.ndarray  # (u0, v0, u1, v1) of each piece, in grid units, one row each


def valid_regions(regions) -> np.ndarray:
    """The regions as a flat object array of their polygonal parts (a region cut by another it
    touches along a line is a polygon and a line: the line has no area and holds nothing), each
    invalid one repaired by GEOS make_valid."""
    regions = np.asarray(regions, dtype=object).ravel()
    missing = shapely.is_missing(regions)
    bad = ~(missing | shapely.is_valid(regions))
    other = ~(missing | np.isin(shapely.get_type_id(regions), (3, 6)))
    if bad.any() or other.any():
        from layers.analysis.coverage.shapes import polygonal  # noqa: PLC0415 (shapes imports geopandas)

        regions = regions.copy()
        regions[bad] = shapely.make_valid(regions[bad])
        regions[bad | other] = polygonal(regions[bad | other])
    return regions


def polygon_edges(regions: np.ndarray):
    """Directed edges of the regions' polygonal parts (exterior counter-clockwise, holes clockwise).

    Returns (x0, y0, x1, y1, index of the region each edge belongs to).
    """
    parts, part_region = shapely.get_parts(regions, return_index=True)
    is_polygon = shapely.get_type_id(parts) == 3
    parts, part_region = shapely.orient_polygons(parts[is_polygon]), part_region[is_polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[1:] == coord_ring[:-1]
    start, end = np.compress(same, coords[:-1], axis=0), np.compress(same, coords[1:], axis=0)  # (faster than [same])
    return start[:, 0], start[:, 1], end[:, 0], end[:, 1], part_region[ring_part[coord_ring[:-1][same]]]


def _crossings(a, b, lo: int, hi: int):
    """For each segment a -> b along one axis, the grid lines k (lo <= k <= hi) it crosses strictly
    between its ends: (index of the segment, k), one row per crossing."""
    first = np.maximum(np.floor(np.minimum(a, b)) + 1, lo)
    last = np.minimum(np.ceil(np.maximum(a, b)) - 1, hi)
    n = np.maximum(last - first + 1, 0).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), n)
    k = first[seg] + (np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n))
    return seg, k


def cut(regions: np.ndarray, t: Affine, rows: int, cols: int) -> Pieces:
    """Split the regions' boundaries along the lines of a rows x cols grid with transform `t`.

    In two threads, each cutting regions of about half the vertices (NumPy's passes let go of
    Python's lock): each region's pieces as one thread makes them, in the same order."""
    regions = np.asarray(regions, dtype=object)
    vertices = shapely.get_num_coordinates(regions)
    if vertices.sum() < _THREADED_VERTICES:
        return _cut(regions, t, rows, cols)
    half = halfway(vertices)
    first, second = in_halves(lambda part: _cut(part, t, rows, cols), regions[:half], regions[half:])
    second = second._replace(region=second.region + half)
    return Pieces(*(np.concatenate(pair) for pair in zip(first, second)))


def _cut(regions: np.ndarray, t: Affine, rows: int, cols: int) -> Pieces:
    x0, y0, x1, y1, region = polygon_edges(regions)
    # grid coordinates: u along columns, v along rows; cell (r, c) is [c, c+1] x [r, r+1]
    inv = ~t
    u0, v0 = inv.a * x0 + inv.b * y0 + inv.c, inv.d * x0 + inv.e * y0 + inv.f
    u1, v1 = inv.a * x1 + inv.b * y1 + inv.c, inv.d * x1 + inv.e * y1 + inv.f
    du, dv = u1 - u0, v1 - v0
    # every point where an edge crosses a line, with its parameter s along the edge; the line's
    # own coordinate is set exactly, the other interpolated
    su, ku = _crossings(u0, u1, 0, cols)
    sv, kv = _crossings(v0, v1, 0, rows)
    n = len(u0)
    seg = np.concatenate([np.arange(n), np.arange(n), su, sv])
    with np.errstate(divide="ignore", invalid="ignore"):
        s_u = (ku - u0[su]) / du[su]
        s_v = (kv - v0[sv]) / dv[sv]
    s = np.concatenate([np.zeros(n), np.ones(n), s_u, s_v])
    pu = np.concatenate([u0, u1, ku, u0[sv] + s_v * du[sv]])
    pv = np.concatenate([v0, v1, v0[su] + s_u * dv[su], kv])
    order = np.lexsort((s, seg))
    seg, pu, pv = seg[order], pu[order], pv[order]
    same = seg[1:] == seg[:-1]
    ua, ub, va, vb = pu[:-1][same], pu[1:][same], pv[:-1][same], pv[1:][same]
    seg = seg[:-1][same]
    um, vm = 0.5 * (ua + ub), 0.5 * (va + vb)
    col = np.floor(um)
    row = np.clip(np.floor(vm), -1, rows)
    on = (col >= 0) & (col < cols)
    # orientation: counter-clockwise in x, y stays so in u, v unless the transform flips an axis
    sign = 1.0 if t.a * t.e > 0 else -1.0
    piece_du = sign * (ub - ua)[on]
    row, vm = row[on], vm[on]
    own = np.where((row >= 0) & (row < rows), piece_du * (row + 1 - vm), 0.0)
    ends = np.column_stack([ua[on], va[on], ub[on], vb[on]])
    return Pieces(region[seg[on]], row.astype(np.int64), col[on].astype(np.int64), piece_du, own, ends)


def column_sums_below(values: np.ndarray) -> np.ndarray:
    """(rows + 1) x cols: entry [i, c] is the sum of values[i:, c] (the last row is 0)."""
    rows, cols = values.shape
    out = np.zeros((rows + 1, cols))
    np.cumsum(values[::-1], axis=0, out=out[:rows][::-1])
    return out


def weighted_sums(pieces: Pieces, values: np.ndarray, below: np.ndarray, n_regions: int) -> np.ndarray:
    """Per region, the sum of values[r, c] x (share of cell (r, c) inside the region).

    `values` has no NaN; `below` is `column_sums_below(values)`.
    """
    rows = values.shape[0]
    inside_grid = (pieces.row >= 0) & (pieces.row < rows)
    own_value = np.zeros(len(pieces.row))
    own_value[inside_grid] = values[pieces.row[inside_grid], pieces.col[inside_grid]]
    terms = pieces.own * own_value + pieces.du * below[np.clip(pieces.row + 1, 0, rows), pieces.col]
    return np.bincount(pieces.region, weights=terms, minlength=n_regions)
