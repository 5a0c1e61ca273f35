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

How, with no index to build (one catchment is asked once): the regions are cut over a coarse
grid by the quadtree of `population.decompose`, giving cells wholly inside each region and cells a
region's boundary crosses. Each feature's bounding box is a range of cells: if no boundary
crosses the range and every cell of it lies in the same regions (checked in O(1) per feature
with summed-area tables), the feature lies wholly in those regions and counts whole. Only the
few features near a boundary are tested exactly (prepared GEOS predicates) and, where they
cross it, intersected.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from affine import Affine

from layers.analysis.coverage.population import _cell_areas, decompose
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
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self.geoms = geoms[keep]
        self.values = {name: np.nan_to_num(np.asarray(v, dtype="float64").ravel()[keep], nan=0.0)
                       for name, v in self.values.items()}
        self.bounds = shapely.bounds(self.geoms)
        types = shapely.get_type_id(self.geoms)
        self.is_polygon = np.isin(types, (3, 6))
        self.is_line = np.isin(types, (1, 2, 5))
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
        regions = np.asarray(regions, dtype=object).ravel()
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
        full, partial = decompose(regions, t, rows, cols, cancelled)
        cells = _CellTable(full, partial, t, len(regions), rows, cols)
        check(cancelled)
        # each feature's range of cells
        b = b[near]
        c0 = np.clip(np.floor((b[:, 0] - t.c) / t.a - _EPS), 0, cols - 1).astype(np.int64)
        c1 = np.clip(np.floor((b[:, 2] - t.c) / t.a + _EPS), 0, cols - 1).astype(np.int64)
        r0 = np.clip(np.floor((b[:, 3] - t.f) / t.e - _EPS), 0, rows - 1).astype(np.int64)
        r1 = np.clip(np.floor((b[:, 1] - t.f) / t.e + _EPS), 0, rows - 1).astype(np.int64)
        pure = cells.uniform(r0, r1, c0, c1)
        signature = cells.signature[r0[pure], c0[pure]]
        inside = signature != 0
        self._add_whole(near[pure][inside], signature[inside], r0[pure][inside], c0[pure][inside], cells, sums)
        check(cancelled)
        local = _LocalPieces(partial, (r0[~pure], r1[~pure], c0[~pure], c1[~pure]), len(self.geoms), near[~pure])
        self._add_exact(near[~pure], regions, valid, local, sums, cancelled)

    def _add_whole(self, which, signature, r0, c0, cells: _CellTable, sums: _Sums) -> None:
        """Features wholly inside the regions of their cells' signature: counted whole, summed per signature."""
        if not len(which):
            return
        kinds, first, group = np.unique(signature, return_index=True, return_inverse=True)
        regions_of = cells.regions_at(r0[first], c0[first])  # (kind, region) pairs
        per_kind = {
            "count_intersecting": np.bincount(group, minlength=len(kinds)).astype(np.float64),
            "area_inside_m2": np.bincount(group, self.areas[which], len(kinds)),
            "length_inside_m": np.bincount(group, self.lengths[which], len(kinds)),
        }
        per_kind["count_by_centroid"] = per_kind["count_intersecting"]
        for name, v in self.values.items():
            per_kind[f"{name}_sum"] = per_kind[f"{name}_area_weighted"] = np.bincount(group, v[which], len(kinds))
        kind, region = regions_of
        for column, totals in per_kind.items():
            np.add.at(sums[column], region, totals[kind])

    def _add_exact(self, which, regions, valid, local: _LocalPieces, sums: _Sums, cancelled) -> None:
        """Features near a boundary: prepared GEOS predicates, and an exact intersection where they cross."""
        if not len(which):
            return
        labels = np.flatnonzero(valid)
        tree = shapely.STRtree(regions[labels])
        f, k = tree.query(self.geoms[which])
        f, k = which[f], labels[k]
        # prepared regions answer point-in-polygon and crossing questions from an index; in one
        # thread, since GEOS builds those indexes lazily on first use
        shapely.prepare(regions[labels])
        hit = shapely.intersects(regions[k], self.geoms[f])
        f, k = f[hit], k[hit]
        check(cancelled)
        whole = shapely.contains_properly(regions[k], self.geoms[f])
        share = np.ones(len(f))
        area, length = self.areas[f].copy(), self.lengths[f].copy()
        cross = np.flatnonzero(~whole)
        if len(cross):
            geoms = self.geoms[f[cross]]
            size = np.where(self.is_polygon[f[cross]], self.areas[f[cross]], self.lengths[f[cross]])
            bad = ~shapely.is_valid(geoms)
            if bad.any():  # a self-intersecting footprint: its repaired form is intersected and weighed
                geoms = geoms.copy()
                geoms[bad] = shapely.make_valid(geoms[bad])
                size[bad] = np.where(self.is_polygon[f[cross]][bad], shapely.area(geoms[bad]), size[bad])
            pieces = parallel(shapely.intersection, geoms, local.around(f[cross], k[cross], regions))
            area[cross] = np.where(self.is_polygon[f[cross]], shapely.area(pieces), 0.0)
            length[cross] = np.where(self.is_line[f[cross]], shapely.length(pieces), 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                share[cross] = np.where(size > 0, np.where(self.is_polygon[f[cross]], area[cross], length[cross]) / size, 1.0)
        check(cancelled)
        # asked of every feature here, not only those crossing: a U-shaped building wholly inside
        # can have its centroid in a notch of the region (the features counted whole above cannot:
        # their bounding box, which holds the centroid, lies wholly inside)
        xy = shapely.get_coordinates(shapely.centroid(self.geoms[f]))
        centroid_in = shapely.intersects_xy(regions[k], xy[:, 0], xy[:, 1])
        np.add.at(sums["count_intersecting"], k, 1.0)
        np.add.at(sums["count_by_centroid"], k, centroid_in.astype(np.float64))
        np.add.at(sums["area_inside_m2"], k, area)
        np.add.at(sums["length_inside_m"], k, length)
        for name, v in self.values.items():
            np.add.at(sums[f"{name}_sum"], k, v[f] * centroid_in)
            np.add.at(sums[f"{name}_area_weighted"], k, v[f] * share)


class _LocalPieces:
    """For a feature crossing a region's boundary: the smallest polygon whose intersection with the
    feature is feature ∩ region.

    A feature whose cells lie in one boundary block of the quadtree (LEAF_BLOCK x LEAF_BLOCK cells)
    meets the region only inside that block, so feature ∩ region = feature ∩ (region ∩ block), and
    the block's piece has a handful of vertices where a dissolved catchment has thousands: GEOS's
    overlay costs grow with the vertices of both operands. Other features keep the whole region.
    """

    def __init__(self, partial, ranges, n_features: int, which: np.ndarray):
        p_label, self.pieces, p_r0, p_c0, size = partial
        r0, r1, c0, c1 = ranges
        self.block = np.full(n_features, -1, dtype=np.int64)  # the feature's leaf block, if one
        one = (r0 // size == r1 // size) & (c0 // size == c1 // size)
        self.span = np.int64(max(int(r1.max(initial=0)), int(c1.max(initial=0)), 1) // size + 2)
        self.block[which[one]] = (r0[one] // size) * self.span + c0[one] // size
        key = (p_label.astype(np.int64) * self.span + p_r0 // size) * self.span + p_c0 // size
        self.order = np.argsort(key)
        self.keys = key[self.order]

    def around(self, f: np.ndarray, k: np.ndarray, regions: np.ndarray) -> np.ndarray:
        out = regions[k].copy()
        if not len(self.keys):
            return out
        block = self.block[f]
        key = k.astype(np.int64) * self.span * self.span + block
        j = np.clip(np.searchsorted(self.keys, key), 0, len(self.keys) - 1)
        found = (block >= 0) & (self.keys[j] == key)
        out[found] = self.pieces[self.order[j[found]]]
        return out


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


class _CellTable:
    """Which regions hold each grid cell wholly, and which cells a boundary crosses, as rasters.

    Blocks the quadtree found wholly inside a region, and the cells of its boundary blocks that
    lie wholly inside (their area inside cut exactly, `population._cell_areas`), hold the region.
    A cell's `signature` is the sum (mod 2^64) of a random 64-bit key of every region that holds
    it: two cells with the same signature lie in the same regions. `uniform` tells, with
    summed-area tables, whether a range of cells has no boundary cell and one signature.
    """

    def __init__(self, full, partial, t: Affine, n_regions: int, rows: int, cols: int):
        self.keys = np.random.default_rng(_SIGNATURE_SEED).integers(
            1, np.iinfo(np.int64).max, n_regions, dtype=np.int64).astype(np.uint64)
        label, r0, c0, size = full
        self.blocks = (label, r0, c0, np.broadcast_to(size, label.shape))
        self.signature = _paint(self.keys[label], r0, c0, size, rows, cols)
        crossed = np.zeros((rows, cols), dtype=bool)
        p_label, pieces, p_r0, p_c0, p_size = partial
        self.cells = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # (sorted cell key, region)
        if len(p_label):
            piece_of, rr, cc, inside = _cell_areas(pieces, t, p_r0, p_c0, p_size, rows, cols)
            whole = inside >= abs(t.a * t.e) * (1 - 1e-12)
            crossed[rr[~whole], cc[~whole]] = True
            np.add.at(self.signature, (rr[whole], cc[whole]), self.keys[p_label[piece_of[whole]]])
            key = rr[whole] * cols + cc[whole]
            order = np.argsort(key, kind="stable")
            self.cells = (key[order], p_label[piece_of[whole]][order])
        self.cols = cols
        self.crossed = _integral(crossed)
        self.h_change = _integral(self.signature[:, 1:] != self.signature[:, :-1])  # rows x (cols - 1)
        self.v_change = _integral(self.signature[1:, :] != self.signature[:-1, :])  # (rows - 1) x cols

    def uniform(self, r0, r1, c0, c1) -> np.ndarray:
        """True where cells r0..r1 x c0..c1 (inclusive) hold no boundary and one signature."""
        return ((_rect(self.crossed, r0, r1 + 1, c0, c1 + 1) == 0)
                & (_rect(self.h_change, r0, r1 + 1, c0, c1) == 0)
                & (_rect(self.v_change, r0, r1, c0, c1 + 1) == 0))

    def regions_at(self, rr, cc) -> tuple[np.ndarray, np.ndarray]:
        """(i, region) pairs: the regions that hold cell (rr[i], cc[i]) wholly (a few cells at a time)."""
        label, r0, c0, size = self.blocks
        i, j = np.nonzero((rr[:, None] >= r0) & (rr[:, None] < r0 + size) & (cc[:, None] >= c0) & (cc[:, None] < c0 + size))
        region = label[j]
        key, cell_region = self.cells
        lo = np.searchsorted(key, rr * self.cols + cc, side="left")
        hi = np.searchsorted(key, rr * self.cols + cc, side="right")
        n = hi - lo
        i = np.concatenate([i, np.repeat(np.arange(len(rr)), n)])
        region = np.concatenate([region, cell_region[np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)]])
        # a cell's signature is the sum of its regions' keys: a check that these are all of them
        found = np.zeros(len(rr), dtype=np.uint64)
        np.add.at(found, i, self.keys[region])
        if not np.array_equal(found, self.signature[rr, cc]):
            raise RuntimeError("features: a cell's signature disagrees with the regions that hold it (a bug)")
        return i, region


def _paint(values: np.ndarray, r0, c0, size, rows: int, cols: int) -> np.ndarray:
    """A rows x cols uint64 raster, each square block [r0, r0+size) x [c0, c0+size) adding its value
    (wrapping mod 2^64): corners of a difference array, then two running sums."""
    size = np.broadcast_to(np.asarray(size, dtype=np.int64), np.shape(r0))
    r1, c1 = np.minimum(r0 + size, rows), np.minimum(c0 + size, cols)
    diff = np.zeros((rows + 1, cols + 1), dtype=np.uint64)
    minus = np.zeros_like(values) - values  # -v mod 2^64
    np.add.at(diff, (r0, c0), values)
    np.add.at(diff, (r0, c1), minus)
    np.add.at(diff, (r1, c0), minus)
    np.add.at(diff, (r1, c1), values)
    np.cumsum(diff, axis=0, out=diff)
    np.cumsum(diff, axis=1, out=diff)
    return diff[:rows, :cols]


def _integral(mask: np.ndarray) -> np.ndarray:
    """Summed-area table with a zero first row and column."""
    out = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=out[1:, 1:])
    return out


def _rect(s: np.ndarray, r0, r1, c0, c1) -> np.ndarray:
    """Sum of the cells [r0, r1) x [c0, c1) from a summed-area table (0 for an empty range)."""
    r1, c1 = np.minimum(r1, s.shape[0] - 1), np.minimum(c1, s.shape[1] - 1)
    r1, c1 = np.maximum(r1, r0), np.maximum(c1, c0)
    return s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]
