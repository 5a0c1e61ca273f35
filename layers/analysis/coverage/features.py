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
   against the boundary's pieces in those cells) holds it or not as a corner of the box says
   (ray casting up its column of cells, `CellTable.holds`);
3. only the rest, a few per thousand, are tested by GEOS (prepared predicates) and, where they
   cross the boundary, the region's piece in their cells (`pieces.py`: cut down a quadtree of
   the grid) is cut by the footprint: by its sides in NumPy for a convex one (`convex.py`), else
   by a GEOS overlay.
Features are taken a run at a time; over more than a run, by two threads, every other run each
(each with the regions as objects of its own: GEOS's prepared geometries are not for two threads
at once), their sums added in a fixed order: the same figures, to the last bit, every time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from affine import Affine

from layers.analysis.coverage.cell_table import CROSSED, EPS, INSIDE, CellTable, cell_values
from layers.analysis.coverage.cells import cut, valid_regions
from layers.analysis.coverage.compact import (
    LINEAR,
    POLYGONAL,
    CompactFrame,
    CompactGeometries,
    SharedGeometries,
    column_bounds,
    is_of,
)
from layers.analysis.coverage.convex import area_inside_convex, convex
from layers.analysis.coverage.pieces import local_pieces
from layers.analysis.coverage.shapes import parallel
from layers.analysis.coverage.threads import in_halves
from layers.analysis.progress import IsCancelled, check
from layers.io.sliced import collector_paused
from layers.lookup import lookup
from layers.ragged import ranks

MAX_GRID_CELLS = 1024  # grid cells along the regions' longer side, at most
_RUN = 1 << 16  # features whose cells are looked up at a time (and the share a thread takes at a time)


class Near(NamedTuple):
    """The features whose bounding box meets a region that is listed, not summed (`measure_near`):
    their shapely geometries and fields to sum, and how the engine counted them in the other regions:
    (feature, region, centroid inside) for every pair it counted, `feature` an index into `shapes`
    (None: not known, e.g. from partitions measured apart)."""

    shapes: np.ndarray
    values: dict[str, np.ndarray]
    counted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass(eq=False)
class FeatureSet:
    """A layer's features as arrays, ready to be counted in any region: no index, cheap to make.

    `geoms` are the geometries in the working CRS: shapely geometries (kept by reference) or a
    `CompactGeometries` (coordinates and offsets: a few hundred MB for millions of footprints);
    missing and empty ones are dropped. `values` maps a field name to one number per feature (the
    fields to sum). Only the features near a region's boundary are ever made shapely geometries.
    """

    geoms: np.ndarray | CompactGeometries | SharedGeometries
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        store = self.geoms
        if not isinstance(store, (CompactGeometries, SharedGeometries)):
            store = SharedGeometries(store)
        measures = store.measures()
        keep = ~np.isnan(measures.bounds[:, 0])  # missing and empty geometries have no bounds
        values = {name: np.nan_to_num(np.asarray(v, dtype="float64").ravel(), nan=0.0) for name, v in self.values.items()}
        if not keep.all():
            store = store.take(np.flatnonzero(keep))
            measures = measures.kept(keep)
            values = {name: v[keep] for name, v in values.items()}
        self.geoms, self.values = store, values
        self.bounds = measures.bounds
        self.is_polygon = is_of(measures.types, POLYGONAL)
        self.is_line = is_of(measures.types, LINEAR)
        self.has_lines = bool(self.is_line.any())
        self.areas, self.lengths = measures.areas, measures.lengths

    @classmethod
    def from_frame(cls, frame, sum_fields=()) -> FeatureSet:
        """From a GeoDataFrame in the working CRS, or a `CompactFrame` (fields and geometries held
        as arrays); `sum_fields` must be numeric fields of it."""
        fields, geoms = ((frame.fields, frame.geometries) if isinstance(frame, CompactFrame)
                         else (frame, np.asarray(frame.geometry.values, dtype=object)))
        values = {}
        for name in sum_fields:
            if name not in fields.columns:
                raise ValueError(f"no field '{name}' to sum (the layer has: {', '.join(map(str, fields.columns))})")
            column = fields[name]
            if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
                raise ValueError(f"the field '{name}' is not numeric ({column.dtype}); only numbers can be summed")
            values[name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return cls(geoms, values)

    def __len__(self) -> int:
        return len(self.geoms)

    def total_bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of all the features; NaN without any."""
        return column_bounds(self.bounds[:, :2], self.bounds[:, 2:])

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
        return self.measure_near(regions, None, cancelled)[0]

    def measure_near(self, regions, near: shapely.Geometry | None, cancelled: IsCancelled = None
                     ) -> tuple[pd.DataFrame, Near]:
        """`measure(regions)`, and the features whose bounding box meets `near` (`Near`: shapely
        geometries, fields to sum, and the pairs of them and regions the figures counted): what
        `within.exact_counts` decides by the exact distance. Found in the same pass as the figures,
        `near` one region more whose features are listed, not summed (each feature's box in place
        of the feature: it holds the feature and its centroid; a box within 1e-9 of a grid cell of
        `near`'s boundary counts as meeting it, a few more listed than needed, never fewer)."""
        regions = valid_regions(regions)
        n = len(regions)
        listed = near is not None and not (shapely.is_missing(near) or shapely.is_empty(near))
        if listed:
            regions = np.concatenate([regions, valid_regions([near])])
        sums = _Sums(len(regions), list(self.values), listed_region=n if listed else None)
        valid = ~(shapely.is_missing(regions) | shapely.is_empty(regions))
        if valid.any() and len(self.geoms):
            with collector_paused():  # the arrays of geometries made here hold no cycles to collect
                self._measure(regions, valid, sums, cancelled)
        which = np.unique(np.concatenate(sums.listed)) if sums.listed else np.zeros(0, dtype=np.int64)
        figures = sums.frame()[self.columns()].iloc[:n].reset_index(drop=True)
        return figures, Near(sums.shapes(self.geoms, which), {name: v[which] for name, v in self.values.items()},
                             sums.counted_of(which) if listed else None)

    # -- the work --------------------------------------------------------------------------------
    def _grid(self, regions: np.ndarray, near: np.ndarray) -> tuple[Affine, int, int]:
        """A grid over the regions with a one-cell margin: cells about twice a typical feature's
        size (so most features sit in one or two cells), at most MAX_GRID_CELLS a side. `near`:
        which features are near the regions (a mask)."""
        xmin, ymin, xmax, ymax = shapely.total_bounds(regions)
        extent = max(xmax - xmin, ymax - ymin)
        near = np.flatnonzero(near)
        b = self.bounds[near[:: max(1, len(near) // 20_000)]]
        typical = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))) if len(b) else 0.0
        cell = max(extent / MAX_GRID_CELLS, 2.0 * typical, extent * 1e-9, 1e-9)
        cols = int(math.ceil((xmax - xmin) / cell)) + 2
        rows = int(math.ceil((ymax - ymin) / cell)) + 2
        return Affine(cell, 0.0, xmin - cell, 0.0, -cell, ymax + cell), rows, cols

    def _measure(self, regions, valid, sums: _Sums, cancelled) -> None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(regions[valid])
        b = self.bounds
        near = (b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)
        if not near.any():
            return
        t, rows, cols = self._grid(regions[valid], near)
        check(cancelled)
        cells = CellTable(cut(regions, t, rows, cols), len(regions), rows, cols)
        check(cancelled)
        if len(near) <= _RUN:
            self._measure_runs(_runs(near, 0, 1), t, cells, regions, sums, cancelled)
            return
        # two threads take every other run of features, each with sums and regions of its own (GEOS's
        # prepared geometries are not for two threads at once, libgeos#825): the runs' own work holds
        # Python's lock in part, so one thread left a core idle. Which thread sums which features is
        # fixed, so the figures are the same to the last bit from run to run
        def half(taken) -> _Sums:
            own_regions, first = taken
            part = sums.empty_like()
            self._measure_runs(_runs(near, first, 2), t, cells, own_regions, part, cancelled)
            return part

        copy = shapely.transform(regions, lambda xy: xy)  # new objects, the same coordinates
        for part in in_halves(half, (regions, 0), (copy, 1)):
            sums.add(part)

    def _measure_runs(self, runs, t: Affine, cells: CellTable, regions, sums: _Sums, cancelled) -> None:
        """The features of `runs` (arrays of indices), counted in `regions` (this thread's own
        objects) into `sums`."""
        # the features whose cells lie in one kind counted whole; the others' indices, boxes (in grid
        # units) and cells kept, a run of features at a time (no temporary the size of all of them)
        mixed = [self._add_pure(which, t, cells, sums) for which in runs]
        if not mixed:
            return
        f, u0, v0, u1, v1, r0, r1, c0, c1 = (np.concatenate(part) for part in zip(*mixed))
        check(cancelled)
        # the others, region by region: a region whose boundary crosses none of the feature's cells
        # holds it wholly or not at all
        i, k, state = cells.pairs(r0, r1, c0, c1)
        whole = state == INSIDE
        self._add_whole(f[i[whole]], k[whole], sums)
        check(cancelled)
        # where it crosses one: if it meets no piece of the boundary, the feature's box lies wholly
        # inside or outside, and a corner tells which (xmin, ymin: u0, v1 in grid units)
        crossed = state == CROSSED
        i, k = i[crossed], k[crossed]
        meets, signature = cells.boundary_meets(k, r0[i], r1[i], c0[i], c1[i], np.column_stack([u0[i], v0[i], u1[i], v1[i]]))
        clear = np.flatnonzero(~meets)
        corner_in = cells.holds(k[clear], u0[i[clear]], v1[i[clear]])
        self._add_whole(f[i[clear[corner_in]]], k[clear[corner_in]], sums)
        check(cancelled)
        i, k = i[meets], k[meets]
        shapely.prepare(regions[np.unique(k)])
        self._add_exact(f[i], k, (t, r0[i], r1[i], c0[i], c1[i]), signature[meets], regions, sums, cancelled)

    def _add_pure(self, which, t: Affine, cells: CellTable, sums: _Sums):
        """Features `which` whose range of cells (their bounding box, widened a hair: a feature
        touching a cell edge reaches it) no boundary crosses: counted whole in the regions that
        hold those cells. Returns the others: their indices, boxes in grid units u0, v0, u1, v1
        and ranges of cells r0, r1, c0, c1."""
        b = np.take(self.bounds, which, axis=0)  # (rows of an (n, 4) array: np.take, ten times faster than b[which])
        u0, u1 = (b[:, 0] - t.c) / t.a, (b[:, 2] - t.c) / t.a  # the grid's t.a > 0, t.e < 0
        v0, v1 = (b[:, 3] - t.f) / t.e, (b[:, 1] - t.f) / t.e
        c0, c1 = _cell_of(u0, -EPS, cells.cols), _cell_of(u1, EPS, cells.cols)
        r0, r1 = _cell_of(v0, -EPS, cells.rows), _cell_of(v1, EPS, cells.rows)
        pure = cells.uniform(r0, r1, c0, c1)
        self._add_whole_by_kind(which, np.where(pure, cell_values(cells.kind, r0, c0), 0), cells, sums)
        m = np.flatnonzero(~pure)
        return which[m], u0[m], v0[m], u1[m], v1[m], r0[m], r1[m], c0[m], c1[m]

    def _add_whole_by_kind(self, which, kind, cells: CellTable, sums: _Sums) -> None:
        """Features `which` lying wholly in cells of one kind (1..: the same regions hold them wholly;
        0: none, or not decided here): counted whole in those regions, summed per kind."""
        per_kind = self._whole_figures(which, kind, cells.n_kinds + 1)
        kind_of, region = cells.regions_of_kinds  # (kind, region) pairs
        if sums.listed_region is not None:  # the features of the kinds the listed region holds
            held = np.zeros(cells.n_kinds + 1, dtype=bool)
            held[kind_of[region == sums.listed_region]] = True
            found = np.flatnonzero(held[kind])
            sums.listed.append(which[found])
            # and counted whole in every region of their kind
            order = np.argsort(kind_of, kind="stable")
            lo, hi = np.searchsorted(kind_of[order], kind[found]), np.searchsorted(kind_of[order], kind[found], "right")
            pairs = np.repeat(lo, hi - lo) + ranks(hi - lo)
            sums.count(np.repeat(which[found], hi - lo), region[order][pairs], np.ones(len(pairs), dtype=bool))
        for column, totals in per_kind.items():
            sums[column] += np.bincount(region, totals[kind_of], len(sums[column]))

    def _add_whole(self, which, region, sums: _Sums) -> None:
        """(feature, region) pairs, each feature wholly inside its region."""
        if sums.listed_region is not None:
            sums.listed.append(which[region == sums.listed_region])
            sums.count(which, region, np.ones(len(which), dtype=bool))
        for column, totals in self._whole_figures(which, region, len(sums["count_intersecting"])).items():
            sums[column] += totals

    def _whole_figures(self, which, group, n: int) -> dict[str, np.ndarray]:
        """Figures of features `which` counted whole, summed by group."""
        out = {
            "count_intersecting": np.bincount(group, minlength=n).astype(np.float64),
            "area_inside_m2": np.bincount(group, self.areas[which], n),
            "length_inside_m": np.bincount(group, self.lengths[which], n) if self.has_lines else np.zeros(n),
        }
        out["count_by_centroid"] = out["count_intersecting"]
        for name, v in self.values.items():
            out[f"{name}_sum"] = out[f"{name}_area_weighted"] = np.bincount(group, v[which], n)
        return out

    def _add_exact(self, f, k, cells, signature, regions, sums: _Sums, cancelled) -> None:
        """(feature, region) pairs where the region's boundary passes near the feature (`cells`: the
        grid's transform, and each pair's range of cells r0, r1, c0, c1; `signature`: of the region's
        boundary in those cells, `CellTable.boundary_meets`): prepared GEOS predicates, and an exact
        intersection where they cross."""
        t, *ranges = cells
        if sums.listed_region is not None:  # listed where the feature's box meets the region, not summed
            listed = k == sums.listed_region
            # a box found to meet a piece of the region's boundary (to within EPS of a cell) meets the
            # region; only those over more cells than `boundary_meets` tests are asked of GEOS
            fl, sure = f[listed], CellTable.tested(*(a[listed] for a in ranges))
            asked = fl[~sure]
            sums.listed += [fl[sure], asked[shapely.intersects(regions[sums.listed_region],
                                                               shapely.box(*np.take(self.bounds, asked, axis=0).T))]]
            f, k, signature, ranges = f[~listed], k[~listed], signature[~listed], [a[~listed] for a in ranges]
        if not len(f):
            return
        # regions with the same boundary in a feature's cells are the same there (a catchment, and its
        # piece in the ward that holds the feature): the feature's figures in them are worked out once
        key = np.column_stack([f, signature.view(np.int64), np.where(signature == 0, k, -1)])
        _, first, again = np.unique(key, axis=0, return_index=True, return_inverse=True)
        hit, area, length, share, centroid_in = (figure[again.ravel()] for figure in self._exact_figures(
            f[first], k[first], t, [a[first] for a in ranges], regions, sums, cancelled))
        f, k, area, length, share, centroid_in = f[hit], k[hit], area[hit], length[hit], share[hit], centroid_in[hit]
        sums.count(f, k, centroid_in)
        n = len(sums["count_intersecting"])
        sums["count_intersecting"] += np.bincount(k, minlength=n)
        sums["count_by_centroid"] += np.bincount(k, centroid_in.astype(np.float64), n)
        sums["area_inside_m2"] += np.bincount(k, area, n)
        sums["length_inside_m"] += np.bincount(k, length, n)
        for name, v in self.values.items():
            sums[f"{name}_sum"] += np.bincount(k, v[f] * centroid_in, n)
            sums[f"{name}_area_weighted"] += np.bincount(k, v[f] * share, n)

    def _exact_figures(self, f, k, t, ranges, regions, sums: _Sums, cancelled):
        """For (feature, region) pairs (`ranges`: their cells in the grid of transform `t`): whether
        they intersect, and where they do, the feature's area and length inside, its share inside
        (area, or length for a line) and whether its centroid is inside."""
        n_pairs = len(f)
        # shapely geometries for these features only (a few per thousand), each made once
        once, back = np.unique(f, return_inverse=True)
        shapes = sums.shapes(self.geoms, once)[back.ravel()]
        # the regions are prepared (`_measure`): GEOS answers point-in-polygon and crossing
        # questions from an index it builds on first use, so in one thread
        hit = shapely.intersects(regions[k], shapes)
        pairs = np.flatnonzero(hit)
        f, k, shapes, ranges = f[hit], k[hit], shapes[hit], [a[hit] for a in ranges]
        check(cancelled)
        # a valid convex footprint (most are) is clipped by its sides in NumPy whether it crosses the
        # boundary or lies wholly inside (then its area inside is its own, to the last bits): as
        # cheap as asking GEOS which; the others are asked, and only those crossing are cut
        _, first, again = np.unique(f, return_index=True, return_inverse=True)  # astride two zones: checked once
        valid = shapely.is_valid(shapes[first])[again.ravel()]
        quick = convex(shapes, valid)
        whole = np.zeros(len(f), dtype=bool)
        slow = np.flatnonzero(~quick)
        whole[slow] = shapely.contains_properly(regions[k[slow]], shapes[slow])
        share = np.ones(len(f))
        area, length = self.areas[f].copy(), self.lengths[f].copy()
        cross = np.flatnonzero(~whole)
        if len(cross):
            fc = f[cross]
            given = shapes[cross]
            size = np.where(self.is_polygon[fc], self.areas[fc], self.lengths[fc])
            bad = ~valid[cross]
            geoms = given
            if bad.any():  # a self-intersecting footprint: its repaired form is intersected and weighed
                geoms = given.copy()
                geoms[bad] = shapely.make_valid(geoms[bad])
                size[bad] = np.where(self.is_polygon[fc][bad], shapely.area(geoms[bad]), size[bad])
            local, which = local_pieces(regions, k[cross], t, *(a[cross] for a in ranges))
            # a convex footprint: the piece clipped by its sides, in NumPy; others by GEOS
            quick = quick[cross]
            area[cross[quick]] = area_inside_convex(local, geoms[quick], which[quick])
            slow = np.flatnonzero(~quick)
            pieces = parallel(shapely.intersection, geoms[slow], local[which[slow]])
            area[cross[slow]] = np.where(self.is_polygon[fc[slow]], shapely.area(pieces), 0.0)
            length[cross[slow]] = np.where(self.is_line[fc[slow]], shapely.length(pieces), 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                share[cross] = np.where(size > 0, np.where(self.is_polygon[fc], area[cross], length[cross]) / size, 1.0)
        check(cancelled)
        # asked of every feature here, not only those crossing: a U-shaped building wholly inside
        # can have its centroid in a notch of the region (the features counted whole above cannot:
        # their bounding box, which holds the centroid, lies in cells wholly inside)
        xy = shapely.get_coordinates(shapely.centroid(shapes[first]))[again.ravel()]
        centroid_in = shapely.intersects_xy(regions[k], xy[:, 0], xy[:, 1])
        def of_every_pair(values: np.ndarray) -> np.ndarray:
            out = np.zeros(n_pairs, dtype=values.dtype)
            out[pairs] = values
            return out

        return hit, of_every_pair(area), of_every_pair(length), of_every_pair(share), of_every_pair(centroid_in)


def _runs(near: np.ndarray, first: int, every: int):
    """The features near the regions (a mask) as runs of their indices, _RUN features of the mask a
    run: run `first`, then every `every`-th."""
    for start in range(first * _RUN, len(near), every * _RUN):
        yield start + np.flatnonzero(near[start:start + _RUN])


class _Sums(dict):
    """One float column per figure, one row per region; the features of `listed_region` (if any)
    whose box meets it, found as arrays in `listed`, and the (feature, region, centroid inside)
    pairs counted meanwhile (`count`); and the shapely geometries made so far."""

    def __init__(self, n: int, fields: list[str], listed_region: int | None = None):
        super().__init__()
        self.fields, self.listed_region, self.listed, self._counted = fields, listed_region, [], []
        self._made, self._shapes = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        for column in ("count_intersecting", "count_by_centroid", "area_inside_m2", "length_inside_m"):
            self[column] = np.zeros(n)
        for name in fields:
            self[f"{name}_sum"] = np.zeros(n)
            self[f"{name}_area_weighted"] = np.zeros(n)

    def empty_like(self) -> _Sums:
        """Sums of the same figures and regions, all zero: a thread's share, `add`ed in after."""
        return _Sums(len(self["count_intersecting"]), self.fields, self.listed_region)

    def add(self, other: _Sums) -> None:
        """`other`'s figures added in, its features listed and counted, and its shapes kept (the
        features of `other` are not those of this one)."""
        for column, values in other.items():
            self[column] += values
        self.listed += other.listed
        self._counted += other._counted
        self._made, order = np.unique(np.concatenate([self._made, other._made]), return_index=True)
        self._shapes = np.concatenate([self._shapes, other._shapes])[order]

    def shapes(self, geoms, which: np.ndarray) -> np.ndarray:
        """Shapely geometries of features `which` (sorted, distinct) of `geoms`, each made once per
        measure (those crossing the catchment's edge are measured exactly, then listed near it)."""
        at, have = lookup(self._made, which)
        out = np.empty(len(which), dtype=object)
        out[have] = self._shapes[at[have]]
        out[~have] = geoms.shapes(which[~have])
        self._made, order = np.unique(np.concatenate([self._made, which]), return_index=True)
        self._shapes = np.concatenate([self._shapes, out])[order]
        return out

    def count(self, which: np.ndarray, region: np.ndarray, centroid_in: np.ndarray) -> None:
        """Features `which` counted in regions `region` (pairs), their centroid inside or not: kept
        while a region is listed, for `counted_of`."""
        if self.listed_region is not None:
            self._counted.append((which, region, centroid_in))

    def counted_of(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs counted (`count`) of features `which` (sorted, distinct) and the regions other
        than the listed one: (index into `which`, region, centroid inside)."""
        if not self._counted or not len(which):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        f, k, centroid_in = (np.concatenate(a) for a in zip(*self._counted))
        at, found = lookup(which, f)
        keep = found & (k != self.listed_region)
        return at[keep], k[keep], centroid_in[keep]

    def frame(self) -> pd.DataFrame:
        table = pd.DataFrame(dict(self))
        for column in ("count_intersecting", "count_by_centroid"):
            table[column] = np.rint(table[column]).astype(np.int64)
        return table


def _cell_of(coordinate: np.ndarray, nudge: float, n: int) -> np.ndarray:
    """The cell (0..n-1) holding each grid coordinate moved by `nudge`: in place, few passes over a million."""
    out = coordinate + nudge
    np.floor(out, out=out)
    np.clip(out, 0, n - 1, out=out)
    return out.astype(np.int32)
