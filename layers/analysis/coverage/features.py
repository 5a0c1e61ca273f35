"""Features inside a region (buildings, schools, clinics, jobs): how many, how much of them, their fields' sums.

Definitions, for each region (a catchment, or catchment ∩ zone), planar in the working metric CRS:

* `count_intersecting`: features that intersect the region (its boundary included; a multi-part
  feature counts once). A feature crossing a zone boundary counts in each zone it touches, so
  counts by zone can sum to more than the total.
* `count_by_centroid`: features whose centroid lies in the region (boundary included). The
  centroid is GEOS's (as PostGIS ST_Centroid and QGIS): area-weighted for polygons, the point
  itself for points. Each feature has one centroid, so counts by zone sum to the total.
* `area_inside_m2`: the exact area of feature ∩ region, summed; `length_inside_m` the same for lines.
* `<field>_sum`: the sum of a numeric field over the features counted by centroid (a building's
  floor area, a school's pupils counted once, in the zone that holds its centroid).
* `<field>_area_weighted`: the sum of field x (share of the feature inside): area share for
  polygons, length share for lines, 1 for a point that intersects (a building half inside counts
  half its floor area). Missing values count as 0.

A centroid exactly on a boundary shared by two zones counts in both. A self-intersecting polygon
(invalid, e.g. a bow-tie) is repaired with GEOS make_valid where it crosses a region's boundary;
wholly inside one, it counts with GEOS's area of the ring as given (check such data with QGIS's
"Check validity").

How, with no index to build (one catchment is asked once): the regions' boundaries are cut along
a coarse grid's lines (`cells.cut`, NumPy), which tells, per region, the cells its boundary
crosses and the cells wholly inside. Each feature's bounding box is a range of cells:
1. no boundary crosses the range (one look-up for a feature in one cell, a summed-area table
   otherwise): the feature lies wholly in the regions holding those cells and counts whole,
   summed by kind of cell (a kind per set of regions);
2. else, region by region: a region whose boundary crosses none of its cells holds it wholly
   or not at all; one whose boundary crosses them but meets not its box (a segment-box test
   against the boundary's pieces in those cells) holds it or not as a corner of the box says;
3. only the rest, a few per thousand, are tested by GEOS (prepared predicates) and, where they
   cross the boundary, the region clipped to a block of cells round them is cut by the
   footprint: by its sides in NumPy for a convex one (`convex.py`), else by a GEOS overlay.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from affine import Affine

from layers.analysis.coverage.cells import cut, valid_regions
from layers.analysis.coverage.convex import area_inside_convex, convex
from layers.analysis.coverage.shapes import parallel
from layers.analysis.progress import IsCancelled, check

MAX_GRID_CELLS = 1024  # grid cells along the regions' longer side, at most
_EPS = 1e-9  # a feature's box is widened by this fraction of a cell: one touching a cell edge reaches it
_SIGNATURE_SEED = 20240612


@dataclass(eq=False)
class FeatureSet:
    """A layer's features as arrays, ready to be counted in any region: no index, cheap to make.

    `geoms` are shapely geometries in the working CRS (missing and empty ones are dropped);
    `values` maps a field name to one number per feature (the fields to sum).
    """

    geoms: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        geoms = np.asarray(self.geoms, dtype=object).ravel()
        self.bounds = shapely.bounds(geoms)
        keep = ~np.isnan(self.bounds[:, 0])  # missing and empty geometries have no bounds
        values = {name: np.nan_to_num(np.asarray(v, dtype="float64").ravel(), nan=0.0) for name, v in self.values.items()}
        if not keep.all():
            geoms, self.bounds = geoms[keep], self.bounds[keep]
            values = {name: v[keep] for name, v in values.items()}
        self.geoms, self.values = geoms, values
        types = shapely.get_type_id(self.geoms)
        self.is_polygon = (types == 3) | (types == 6)
        self.is_line = (types == 1) | (types == 2) | (types == 5)
        self.areas = np.where(self.is_polygon, shapely.area(self.geoms), 0.0)
        self.lengths = np.zeros(len(self.geoms))
        if self.is_line.any():
            self.lengths[self.is_line] = shapely.length(self.geoms[self.is_line])

    @classmethod
    def from_frame(cls, gdf, sum_fields=()) -> FeatureSet:
        """From a GeoDataFrame in the working CRS; `sum_fields` must be numeric columns of it."""
        values = {}
        for name in sum_fields:
            if name not in gdf.columns:
                raise ValueError(f"no field '{name}' to sum (the layer has: {', '.join(map(str, gdf.columns))})")
            column = gdf[name]
            if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
                raise ValueError(f"the field '{name}' is not numeric ({column.dtype}); only numbers can be summed")
            values[name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return cls(np.asarray(gdf.geometry.values, dtype=object), values)

    def __len__(self) -> int:
        return len(self.geoms)

    def columns(self) -> list[str]:
        """The figures that mean something for these features: no area for points, no length
        without lines, and no area-weighted sums for points only (they equal the sums)."""
        measured = self.is_polygon.any() or self.is_line.any()
        out = ["count_intersecting", "count_by_centroid"]
        out += ["area_inside_m2"] if self.is_polygon.any() else []
        out += ["length_inside_m"] if self.is_line.any() else []
        for name in self.values:
            out += [f"{name}_sum"] + ([f"{name}_area_weighted"] if measured else [])
        return out

    def measure(self, regions, cancelled: IsCancelled = None) -> pd.DataFrame:
        """The figures of the module docstring for each region (polygons in the same CRS), one row each.

        Regions may overlap (a catchment and its pieces by zone are asked together).
        """
        regions = valid_regions(regions)
        sums = _Sums(len(regions), list(self.values))
        valid = ~(shapely.is_missing(regions) | shapely.is_empty(regions))
        if valid.any() and len(self.geoms):
            self._measure(regions, valid, sums, cancelled)
        return sums.frame()[self.columns()]

    # -- the work --------------------------------------------------------------------------------
    def _grid(self, regions: np.ndarray, near: np.ndarray) -> tuple[Affine, int, int]:
        """A grid over the regions with a one-cell margin: cells about twice a typical feature's
        size (so most features sit in one or two cells), at most MAX_GRID_CELLS a side."""
        xmin, ymin, xmax, ymax = shapely.total_bounds(regions)
        extent = max(xmax - xmin, ymax - ymin)
        b = self.bounds[near[:: max(1, len(near) // 20_000)]]
        typical = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))) if len(b) else 0.0
        cell = max(extent / MAX_GRID_CELLS, 2.0 * typical, extent * 1e-9, 1e-9)
        cols = int(math.ceil((xmax - xmin) / cell)) + 2
        rows = int(math.ceil((ymax - ymin) / cell)) + 2
        return Affine(cell, 0.0, xmin - cell, 0.0, -cell, ymax + cell), rows, cols

    def _measure(self, regions, valid, sums: _Sums, cancelled) -> None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(regions[valid])
        b = self.bounds
        near = np.flatnonzero((b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax))
        if not len(near):
            return
        t, rows, cols = self._grid(regions[valid], near)
        check(cancelled)
        cells = _CellTable(cut(regions, t, rows, cols), len(regions), rows, cols)
        check(cancelled)
        # each feature's range of cells (its bounding box, widened a hair: a feature touching a cell edge reaches it)
        everything = len(near) == len(b)
        b = b if everything else b[near]
        u0, u1 = (b[:, 0] - t.c) / t.a, (b[:, 2] - t.c) / t.a  # the grid's t.a > 0, t.e < 0
        v0, v1 = (b[:, 3] - t.f) / t.e, (b[:, 1] - t.f) / t.e
        c0, c1 = _cell_of(u0, -_EPS, cols), _cell_of(u1, _EPS, cols)
        r0, r1 = _cell_of(v0, -_EPS, rows), _cell_of(v1, _EPS, rows)
        pure = cells.uniform(r0, r1, c0, c1)
        kind = np.where(pure, cells.kind[r0, c0], 0)
        self._add_whole_by_kind(None if everything else near, kind, cells, sums)
        check(cancelled)
        # the others, region by region: a region whose boundary crosses none of the feature's cells
        # holds it wholly or not at all
        mixed = np.flatnonzero(~pure)
        i, k, state = cells.pairs(r0[mixed], r1[mixed], c0[mixed], c1[mixed])
        i = mixed[i]
        whole = state == _INSIDE
        self._add_whole(near[i[whole]], k[whole], sums)
        check(cancelled)
        # where it crosses one: if it meets no piece of the boundary, the feature's box lies wholly
        # inside or outside, and a corner tells which
        crossed = state == _CROSSED
        i, k = i[crossed], k[crossed]
        meets = cells.boundary_meets(k, r0[i], r1[i], c0[i], c1[i], np.column_stack([u0[i], v0[i], u1[i], v1[i]]))
        shapely.prepare(regions[np.unique(k)])
        clear = np.flatnonzero(~meets)
        corner_in = shapely.intersects_xy(regions[k[clear]], b[i[clear], 0], b[i[clear], 1])
        self._add_whole(near[i[clear[corner_in]]], k[clear[corner_in]], sums)
        check(cancelled)
        i, k = i[meets], k[meets]
        self._add_exact(near[i], k, _local_boxes(t, r0[i], r1[i], c0[i], c1[i]), regions, sums, cancelled)

    def _add_whole_by_kind(self, which, kind, cells: _CellTable, sums: _Sums) -> None:
        """Features `which` (None: all) lying wholly in cells of one kind (1..: the same regions hold
        them wholly; 0: none, or not decided here): counted whole in those regions, summed per kind."""
        per_kind = self._whole_figures(which, kind, cells.n_kinds + 1)
        kind, region = cells.regions_of_kinds()  # (kind, region) pairs
        for column, totals in per_kind.items():
            sums[column] += np.bincount(region, totals[kind], len(sums[column]))

    def _add_whole(self, which, region, sums: _Sums) -> None:
        """(feature, region) pairs, each feature wholly inside its region."""
        for column, totals in self._whole_figures(which, region, len(sums["count_intersecting"])).items():
            sums[column] += totals

    def _whole_figures(self, which, group, n: int) -> dict[str, np.ndarray]:
        """Figures of features `which` (None: all) counted whole, summed by group."""
        def of(v):
            return v if which is None else v[which]

        out = {
            "count_intersecting": np.bincount(group, minlength=n).astype(np.float64),
            "area_inside_m2": np.bincount(group, of(self.areas), n),
            "length_inside_m": np.bincount(group, of(self.lengths), n) if self.is_line.any() else np.zeros(n),
        }
        out["count_by_centroid"] = out["count_intersecting"]
        for name, v in self.values.items():
            out[f"{name}_sum"] = out[f"{name}_area_weighted"] = np.bincount(group, of(v), n)
        return out

    def _add_exact(self, f, k, boxes, regions, sums: _Sums, cancelled) -> None:
        """(feature, region) pairs where the region's boundary passes near the feature: prepared
        GEOS predicates, and an exact intersection where they cross."""
        if not len(f):
            return
        # the regions are prepared (`_measure`): GEOS answers point-in-polygon and crossing
        # questions from an index it builds on first use, so in one thread
        hit = shapely.intersects(regions[k], self.geoms[f])
        f, k, boxes = f[hit], k[hit], boxes[hit]
        check(cancelled)
        whole = shapely.contains_properly(regions[k], self.geoms[f])
        share = np.ones(len(f))
        area, length = self.areas[f].copy(), self.lengths[f].copy()
        cross = np.flatnonzero(~whole)
        if len(cross):
            fc = f[cross]
            geoms = self.geoms[fc]
            size = np.where(self.is_polygon[fc], self.areas[fc], self.lengths[fc])
            once, back = np.unique(fc, return_inverse=True)  # a feature astride two zones: checked once
            bad = ~shapely.is_valid(self.geoms[once])[back.ravel()]
            if bad.any():  # a self-intersecting footprint: its repaired form is intersected and weighed
                geoms = geoms.copy()
                geoms[bad] = shapely.make_valid(geoms[bad])
                size[bad] = np.where(self.is_polygon[fc][bad], shapely.area(geoms[bad]), size[bad])
            local = _local_pieces(regions, k[cross], boxes[cross])
            # a convex footprint (most are): the piece clipped by its sides, in NumPy; others by GEOS
            quick = convex(self.geoms[fc], ~bad)
            area[cross[quick]] = area_inside_convex(local[quick], geoms[quick])
            slow = np.flatnonzero(~quick)
            pieces = parallel(shapely.intersection, geoms[slow], local[slow])
            area[cross[slow]] = np.where(self.is_polygon[fc[slow]], shapely.area(pieces), 0.0)
            length[cross[slow]] = np.where(self.is_line[fc[slow]], shapely.length(pieces), 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                share[cross] = np.where(size > 0, np.where(self.is_polygon[fc], area[cross], length[cross]) / size, 1.0)
        check(cancelled)
        # asked of every feature here, not only those crossing: a U-shaped building wholly inside
        # can have its centroid in a notch of the region (the features counted whole above cannot:
        # their bounding box, which holds the centroid, lies in cells wholly inside)
        once, back = np.unique(f, return_inverse=True)
        xy = shapely.get_coordinates(shapely.centroid(self.geoms[once]))[back.ravel()]
        centroid_in = shapely.intersects_xy(regions[k], xy[:, 0], xy[:, 1])
        n = len(sums["count_intersecting"])
        sums["count_intersecting"] += np.bincount(k, minlength=n)
        sums["count_by_centroid"] += np.bincount(k, centroid_in.astype(np.float64), n)
        sums["area_inside_m2"] += np.bincount(k, area, n)
        sums["length_inside_m"] += np.bincount(k, length, n)
        for name, v in self.values.items():
            sums[f"{name}_sum"] += np.bincount(k, v[f] * centroid_in, n)
            sums[f"{name}_area_weighted"] += np.bincount(k, v[f] * share, n)


def _local_boxes(t: Affine, r0, r1, c0, c1) -> np.ndarray:
    """For features in cells r0..r1 x c0..c1 (inclusive), a box of whole cells that holds them, in
    world coordinates (xmin, ymin, xmax, ymax): their block of _TILE x _TILE cells if they lie in
    one (features in one block share its piece of a region), else their own cells."""
    one = (r0 // _TILE == r1 // _TILE) & (c0 // _TILE == c1 // _TILE)
    r0, c0 = np.where(one, r0 // _TILE * _TILE, r0), np.where(one, c0 // _TILE * _TILE, c0)
    r1, c1 = np.where(one, r0 + _TILE - 1, r1), np.where(one, c0 + _TILE - 1, c1)
    xa, xb = t.c + c0 * t.a, t.c + (c1 + 1) * t.a
    ya, yb = t.f + r0 * t.e, t.f + (r1 + 1) * t.e
    return np.column_stack([np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb)])


_TILE = 4


def _local_pieces(regions, k, boxes) -> np.ndarray:
    """For each pair, a polygon whose intersection with a feature inside the box is feature ∩ region[k].

    A region of many vertices (a dissolved catchment has thousands) is cut to the box, each
    (region, box) once, by GEOS's rectangle clipping: GEOS's overlay costs grow with the vertices
    of both operands, and the piece has a handful. A piece the clipping leaves invalid is cut
    again by the full overlay. A small region is used as it is.
    """
    out = regions[k]
    big = np.flatnonzero(shapely.get_num_coordinates(out) > _SMALL_REGION)
    if not len(big):
        return out
    key = np.column_stack([k[big].astype(np.float64), boxes[big]])
    unique, back = np.unique(key, axis=0, return_inverse=True)
    # shapely's compiled ufunc: its Python wrapper takes one box at a time
    pieces = parallel(shapely.lib.clip_by_rect, regions[unique[:, 0].astype(np.int64)], *unique[:, 1:].T)
    bad = ~shapely.is_valid(pieces)
    if bad.any():
        pieces[bad] = shapely.intersection(regions[unique[bad, 0].astype(np.int64)], shapely.box(*unique[bad, 1:].T))
    out[big] = pieces[back.ravel()]
    return out


_SMALL_REGION = 64  # vertices: a region with fewer is intersected whole


class _Sums(dict):
    """One float column per figure, one row per region."""

    def __init__(self, n: int, fields: list[str]):
        super().__init__()
        for column in ("count_intersecting", "count_by_centroid", "area_inside_m2", "length_inside_m"):
            self[column] = np.zeros(n)
        for name in fields:
            self[f"{name}_sum"] = np.zeros(n)
            self[f"{name}_area_weighted"] = np.zeros(n)

    def frame(self) -> pd.DataFrame:
        table = pd.DataFrame(dict(self))
        for column in ("count_intersecting", "count_by_centroid"):
            table[column] = np.rint(table[column]).astype(np.int64)
        return table


_OUTSIDE, _INSIDE, _CROSSED = 0, 1, 2
_MAX_RANGE = 16  # cells: a feature over more is tested exactly against every region near it


class _CellTable:
    """Which regions hold each grid cell wholly, and which cells their boundaries cross, as rasters.

    From the regions' boundaries cut along the grid (`cells.cut`): a cell holding a piece of a
    region's boundary is crossed by it; any other cell of the region's box is wholly inside it
    or wholly outside (the running sum of the pieces' du above it, down its column, is 1 or 0).
    Per region, over its box of cells: a summed-area table of its crossed cells, a raster of the
    cells wholly inside, and its boundary's pieces by cell. Over the grid: the cells any boundary
    crosses (and their summed-area table), and a cell's `signature`, the sum (mod 2^64) of a
    random 64-bit key of every region that holds it wholly: two cells with the same signature
    lie in the same regions (numbered as `kind`s).
    """

    def __init__(self, pieces, n_regions: int, rows: int, cols: int):
        self.keys = np.random.default_rng(_SIGNATURE_SEED).integers(
            1, np.iinfo(np.int64).max, n_regions, dtype=np.int64).astype(np.uint64)
        self.signature = np.zeros((rows, cols), dtype=np.uint64)
        crossed = np.zeros((rows, cols), dtype=bool)
        on = (pieces.row >= 0) & (pieces.row < rows)  # the grid has a margin round the regions: all are
        region, row, col, du = pieces.region[on], pieces.row[on], pieces.col[on], pieces.du[on]
        crossed[row, col] = True
        order = np.argsort(region, kind="stable")
        region, row, col, du = region[order], row[order], col[order], du[order]
        bounds = np.searchsorted(region, np.arange(n_regions + 1))
        self.box = np.zeros((n_regions, 4), dtype=np.int64)  # r0, r1, c0, c1 inclusive; r1 < r0: none
        self.box[:, 1] = -1
        self.crossed_at = np.zeros(n_regions + 1, dtype=np.int64)  # offsets into the flat tables
        self.inside_at = np.zeros(n_regions + 1, dtype=np.int64)
        crossed_tables, inside_tables = [], []
        for k in range(n_regions):
            lo, hi = bounds[k], bounds[k + 1]
            if lo == hi:
                self.crossed_at[k + 1], self.inside_at[k + 1] = self.crossed_at[k], self.inside_at[k]
                continue
            rr, cc = row[lo:hi], col[lo:hi]
            r0, c0 = rr.min(), cc.min()
            h, w = rr.max() - r0 + 1, cc.max() - c0 + 1
            self.box[k] = r0, r0 + h - 1, c0, c0 + w - 1
            rr, cc = rr - r0, cc - c0
            # share of each cell inside, less the crossed cells' own terms: 1 or 0 where not crossed
            below = np.bincount((rr + 1) * w + cc, du[lo:hi], (h + 1) * w).reshape(h + 1, w)
            own_crossed = np.zeros((h, w), dtype=bool)
            own_crossed[rr, cc] = True
            inside = (np.cumsum(below[:h], axis=0) > 0.5) & ~own_crossed
            self.signature[r0:r0 + h, c0:c0 + w] += inside.astype(np.uint64) * self.keys[k]
            crossed_tables.append(_integral(own_crossed).ravel())
            inside_tables.append(inside.ravel())
            self.crossed_at[k + 1] = self.crossed_at[k] + (h + 1) * (w + 1)
            self.inside_at[k + 1] = self.inside_at[k] + h * w
        self.crossed_flat = np.concatenate(crossed_tables) if crossed_tables else np.zeros(0, dtype=np.int32)
        self.inside_flat = np.concatenate(inside_tables) if inside_tables else np.zeros(0, dtype=bool)
        self.crossed_cell = crossed
        self.rows, self.cols = rows, cols
        # the pieces by region and cell, for `boundary_meets`
        self.piece_key = (region * rows + row) * cols + col
        by_cell = np.argsort(self.piece_key, kind="stable")
        self.piece_key, self.piece_ends = self.piece_key[by_cell], pieces.ends[on][order][by_cell]
        self.crossed = _integral(crossed)
        # a number per signature of the cells no boundary crosses (0: held by no region, or crossed)
        held = np.flatnonzero((self.signature.ravel() != 0) & ~crossed.ravel())
        _, first, inverse = np.unique(self.signature.ravel()[held], return_index=True, return_inverse=True)
        self.kind = np.zeros((rows, cols), dtype=np.int32)
        self.kind.ravel()[held] = inverse.ravel() + 1
        self.n_kinds = len(first)
        self.kind_cells = np.divmod(held[first], cols)  # one cell of each kind: rows, columns

    def uniform(self, r0, r1, c0, c1) -> np.ndarray:
        """True where no boundary crosses the cells r0..r1 x c0..c1 (inclusive): then they all have
        one signature. (Two neighbouring cells no boundary crosses lie in the same regions: a
        boundary between them would run along their shared side, and a piece on a cell's side
        is in one of the two cells.)"""
        # most features lie in one cell: one look-up; a summed-area table for the others
        out = ~self.crossed_cell[r0, c0]
        many = np.flatnonzero((r0 != r1) | (c0 != c1))
        out[many] = _rect(self.crossed, r0[many], r1[many] + 1, c0[many], c1[many] + 1) == 0
        return out

    def _in_box(self, k, r0, r1, c0, c1):
        """The part of ranges r0..r1 x c0..c1 inside region k's box, relative to it (empty: a0 > a1)."""
        box = self.box[k]
        a0, a1 = np.maximum(r0, box[:, 0]) - box[:, 0], np.minimum(r1, box[:, 1]) - box[:, 0]
        b0, b1 = np.maximum(c0, box[:, 2]) - box[:, 2], np.minimum(c1, box[:, 3]) - box[:, 2]
        return a0, a1, b0, b1, box[:, 3] - box[:, 2] + 1

    def pairs(self, r0, r1, c0, c1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(range, region, state) for every range of cells and region whose box it meets: state is
        _CROSSED where the region's boundary crosses a cell of the range, else _INSIDE or _OUTSIDE."""
        f, k = [], []
        for region in np.flatnonzero(self.box[:, 1] >= self.box[:, 0]):
            br0, br1, bc0, bc1 = self.box[region]
            meet = np.flatnonzero((r0 <= br1) & (r1 >= br0) & (c0 <= bc1) & (c1 >= bc0))
            f.append(meet)
            k.append(np.full(len(meet), region, dtype=np.int64))
        f = np.concatenate(f) if f else np.zeros(0, dtype=np.int64)
        k = np.concatenate(k) if k else np.zeros(0, dtype=np.int64)
        a0, a1, b0, b1, w = self._in_box(k, r0[f], r1[f], c0[f], c1[f])
        at, s = self.crossed_at[k], self.crossed_flat
        crossings = (s[at + (a1 + 1) * (w + 1) + b1 + 1] - s[at + a0 * (w + 1) + b1 + 1]
                     - s[at + (a1 + 1) * (w + 1) + b0] + s[at + a0 * (w + 1) + b0])
        inside = self.inside_flat[self.inside_at[k] + a0 * w + b0]
        state = np.where(crossings > 0, _CROSSED, np.where(inside, _INSIDE, _OUTSIDE))
        return f, k, state

    def boundary_meets(self, k, r0, r1, c0, c1, box_uv) -> np.ndarray:
        """For (region, range of cells, box) triples: does a piece of the region's boundary in those
        cells meet the box (u0, v0, u1, v1 in grid units, widened by _EPS)? True, to be safe, for
        ranges of more than _MAX_RANGE cells."""
        n = (r1 - r0 + 1) * (c1 - c0 + 1)
        meets = n > _MAX_RANGE
        small = np.flatnonzero(~meets)
        # every (triple, cell) of the small ranges, then every piece of the region in that cell
        width = (c1 - c0 + 1)[small]
        rep = np.repeat(small, n[small])
        j = np.arange(len(rep)) - np.repeat(np.cumsum(n[small]) - n[small], n[small])
        w = np.repeat(width, n[small])
        key = (k[rep] * self.rows + r0[rep] + j // w) * self.cols + c0[rep] + j % w
        lo, hi = np.searchsorted(self.piece_key, key, "left"), np.searchsorted(self.piece_key, key, "right")
        m = hi - lo
        rep = np.repeat(rep, m)
        piece = np.repeat(lo, m) + np.arange(len(rep)) - np.repeat(np.cumsum(m) - m, m)
        hit = _segment_meets_box(self.piece_ends[piece], box_uv[rep], _EPS)
        meets[rep[hit]] = True
        return meets

    def regions_of_kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """(kind, region) pairs: the regions that hold the cells of each kind wholly."""
        i, region = self._regions_at(*self.kind_cells)
        return i + 1, region

    def _regions_at(self, rr, cc) -> tuple[np.ndarray, np.ndarray]:
        """(i, region) pairs: the regions that hold cell (rr[i], cc[i]) wholly (a few cells at a time)."""
        i, region = [], []
        for k in np.flatnonzero(self.box[:, 1] >= self.box[:, 0]):
            n = len(rr)
            a0, a1, b0, b1, w = self._in_box(np.full(n, k), rr, rr, cc, cc)
            there = (a0 <= a1) & (b0 <= b1)
            there[there] = self.inside_flat[self.inside_at[k] + a0[there] * w[there] + b0[there]]
            i.append(np.flatnonzero(there))
            region.append(np.full(int(there.sum()), k, dtype=np.int64))
        i = np.concatenate(i) if i else np.zeros(0, dtype=np.int64)
        region = np.concatenate(region) if region else np.zeros(0, dtype=np.int64)
        # a cell's signature is the sum of its regions' keys: a check that these are all of them
        found = np.zeros(len(rr), dtype=np.uint64)
        np.add.at(found, i, self.keys[region])
        if not np.array_equal(found, self.signature[rr, cc]):
            raise RuntimeError("features: a cell's signature disagrees with the regions that hold it (a bug)")
        return i, region

def _integral(mask: np.ndarray) -> np.ndarray:
    """Summed-area table with a zero first row and column."""
    out = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=out[1:, 1:])
    return out


def _cell_of(coordinate: np.ndarray, nudge: float, n: int) -> np.ndarray:
    """The cell (0..n-1) holding each grid coordinate moved by `nudge`: in place, few passes over a million."""
    out = coordinate + nudge
    np.floor(out, out=out)
    np.clip(out, 0, n - 1, out=out)
    return out.astype(np.int32)


def _segment_meets_box(seg: np.ndarray, box: np.ndarray, eps: float) -> np.ndarray:
    """Does each segment (u0, v0, u1, v1) meet its closed box (u0, v0, u1, v1) widened by eps?
    (Liang-Barsky: the parameter interval inside the box's slab in u and in v overlap within [0, 1].)"""
    lo, hi = np.zeros(len(seg)), np.ones(len(seg))
    for axis in (0, 1):
        a, d = seg[:, axis], seg[:, axis + 2] - seg[:, axis]
        low, high = box[:, axis] - eps, box[:, axis + 2] + eps
        with np.errstate(divide="ignore", invalid="ignore"):
            s1, s2 = (low - a) / d, (high - a) / d
        flat = d == 0
        inside_slab = (a >= low) & (a <= high)
        lo = np.maximum(lo, np.where(flat, np.where(inside_slab, 0.0, 2.0), np.minimum(s1, s2)))
        hi = np.minimum(hi, np.where(flat, np.where(inside_slab, 1.0, -1.0), np.maximum(s1, s2)))
    return lo <= hi


def _rect(s: np.ndarray, r0, r1, c0, c1) -> np.ndarray:
    """Sum of the cells [r0, r1) x [c0, c1) from a summed-area table (0 for an empty range)."""
    r1, c1 = np.minimum(r1, s.shape[0] - 1), np.minimum(c1, s.shape[1] - 1)
    r1, c1 = np.maximum(r1, r0), np.maximum(c1, c0)
    return s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]
