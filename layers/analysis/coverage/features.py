"""Features inside a region (buildings, schools, ...): how many, and how much of their area and length.

`count` = features that intersect the region (boundary included; a multi-part feature counts
once), `area_inside_m2` = exact area of feature ∩ region, `length_inside_m` = the same for lines.
Features wholly inside count whole; only features crossing the region's boundary are intersected.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS

from layers.analysis.coverage.population import _cell_areas, decompose
from layers.analysis.coverage.shapes import parallel
from layers.analysis.progress import IsCancelled, check

def _morton(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Z-order code of cells: an aligned 2^k block is one contiguous range of codes."""
    def spread(v):
        v = v.astype(np.uint64) & np.uint64(0xFFFFFFFF)
        for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                            (2, 0x3333333333333333), (1, 0x5555555555555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        return v
    return (spread(r) << np.uint64(1)) | spread(c)


@dataclass(eq=False)
class FeatureIndex:
    """A layer's features prepared for repeated 'how many / how much inside' questions.

    Built once per layer (a real app builds it at load time). Single-part features are keyed
    by one point on their surface, sorted along a Z-order curve over a grid, with running
    sums of their areas and lengths: the features of a block wholly inside a region are one
    contiguous range, counted and summed in O(1). Features crossing a region's boundary (found
    with an STRtree over the parts, queried with the boundary's segments) and multi-part
    features are intersected exactly.
    """

    geoms: np.ndarray
    crs: CRS | None = None
    cell_m: float | None = None

    def __post_init__(self) -> None:
        geoms = np.asarray(self.geoms, dtype=object).ravel()
        valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self.n_features = len(geoms)
        parts, owner = shapely.get_parts(geoms[valid], return_index=True)
        owner = np.flatnonzero(valid)[owner]
        self.parts, self.owner = parts, owner
        self.tree = shapely.STRtree(parts)
        self.areas = shapely.area(parts)
        self.lengths = np.where(np.isin(shapely.get_type_id(parts), (1, 2)), shapely.length(parts), 0.0)
        n_parts = np.bincount(owner, minlength=max(self.n_features, 1))
        self.is_multi = n_parts[owner] > 1
        self.multi = np.flatnonzero(self.is_multi)
        self.multi_tree = shapely.STRtree(parts[self.multi])
        # the Z-order index of single-part features
        single = np.flatnonzero(~self.is_multi)
        xy = shapely.get_coordinates(shapely.point_on_surface(parts[single])) if len(single) else np.zeros((0, 2))
        if len(xy):
            xmin, ymin = xy.min(axis=0) - 1.0
            xmax, ymax = xy.max(axis=0) + 1.0
        else:
            xmin = ymin = 0.0
            xmax = ymax = 1.0
        cell = self.cell_m or max(25.0, max(xmax - xmin, ymax - ymin) / 1024)
        self.transform = Affine(cell, 0, xmin, 0, -cell, ymax)
        self.rows = int(math.ceil((ymax - ymin) / cell))
        self.cols = int(math.ceil((xmax - xmin) / cell))
        col = np.floor((xy[:, 0] - xmin) / cell).astype(np.int64)
        row = np.floor((ymax - xy[:, 1]) / cell).astype(np.int64)
        code = _morton(row, col)
        order = np.argsort(code, kind="stable")
        self.code = code[order]
        self.single = single[order]
        self.x, self.y = xy[order, 0], xy[order, 1]
        self.cum_area = np.concatenate([[0.0], np.cumsum(self.areas[self.single])])
        self.cum_length = np.concatenate([[0.0], np.cumsum(self.lengths[self.single])])
        # where each single part sits in the sorted order
        self.position = np.full(len(parts), -1, dtype=np.int64)
        self.position[self.single] = np.arange(len(self.single))

    def _ranges(self, labels, start, stop, n, count, area, length):
        i0 = np.searchsorted(self.code, start, side="left")
        i1 = np.searchsorted(self.code, stop, side="left")
        np.add.at(count, labels, i1 - i0)
        np.add.at(area, labels, self.cum_area[i1] - self.cum_area[i0])
        np.add.at(length, labels, self.cum_length[i1] - self.cum_length[i0])

    def _local_regions(self, labels, parts, regions, leaves) -> np.ndarray:
        """For each (region, crossing part): the smallest polygon whose intersection with the part
        equals region ∩ part.

        A part lying within one leaf block of the quadtree meets the region only inside that
        block, so region ∩ part = (region ∩ block) ∩ part, and the leaf piece has a handful of
        vertices where the whole region (a dissolved catchment, a ward) has thousands. GEOS's
        overlay cost grows with the vertices of both operands, so this makes the exact
        intersections of crossing features several times cheaper. Parts spanning blocks keep
        the whole region.
        """
        local = regions[labels].copy()
        leaf_label, leaf_piece, leaf_r0, leaf_c0, size = leaves
        if not len(labels) or not len(leaf_label):
            return local
        t = self.transform
        b = shapely.bounds(self.parts[parts])
        c_lo = np.floor((b[:, 0] - t.c) / t.a).astype(np.int64) // size
        c_hi = np.floor((b[:, 2] - t.c) / t.a).astype(np.int64) // size
        r_lo = np.floor((b[:, 3] - t.f) / t.e).astype(np.int64) // size
        r_hi = np.floor((b[:, 1] - t.f) / t.e).astype(np.int64) // size
        one_block = (c_lo == c_hi) & (r_lo == r_hi) & (c_lo >= 0) & (r_lo >= 0)
        span = np.int64(max(self.rows, self.cols) // size + 2)
        leaf_key = (leaf_label.astype(np.int64) * span + leaf_r0 // size) * span + leaf_c0 // size
        order = np.argsort(leaf_key)
        leaf_key = leaf_key[order]
        key = (labels.astype(np.int64) * span + r_lo) * span + c_lo
        j = np.clip(np.searchsorted(leaf_key, key), 0, len(leaf_key) - 1)
        found = one_block & (leaf_key[j] == key)
        local[found] = leaf_piece[order[j[found]]]
        return local

    def measure(self, regions, cancelled: IsCancelled = None) -> pd.DataFrame:
        """For each region: count of features intersecting it, exact area and length inside.

        Returns a DataFrame indexed like `regions` with columns count, area_inside_m2,
        length_inside_m.
        """
        regions = np.asarray(regions, dtype=object).ravel()
        n = len(regions)
        count = np.zeros(n, dtype=np.int64)
        area = np.zeros(n)
        length = np.zeros(n)
        valid = ~(shapely.is_missing(regions) | shapely.is_empty(regions))
        if valid.any() and len(self.parts):
            self._measure(regions, valid, count, area, length, cancelled)
        return pd.DataFrame({"count": count, "area_inside_m2": area, "length_inside_m": length})

    def _measure(self, regions, valid, count, area, length, cancelled) -> None:
        n_parts = len(self.parts)
        # 1. single parts crossing a region's boundary: the tree queried with the boundary's segments
        rings, ring_label = shapely.get_parts(shapely.boundary(regions[valid]), return_index=True)
        ring_label = np.flatnonzero(valid)[ring_label]
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[1:] == ring_of[:-1]
        seg_label = ring_label[ring_of[:-1][same]]
        segments = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
        seg_idx, part_idx = self.tree.query(segments, predicate="intersects")
        keep = ~self.is_multi[part_idx]
        cross = np.unique(seg_label[seg_idx[keep]].astype(np.int64) * n_parts + part_idx[keep])
        cr_label, cr_part = np.divmod(cross, n_parts)
        check(cancelled)
        # 2. single parts by their surface point: whole blocks and whole cells are code ranges
        (f_label, f_r0, f_c0, f_size), (p_label, pieces, p_r0, p_c0, p_size) = decompose(
            regions, self.transform, self.rows, self.cols, cancelled
        )
        starts = [_morton(f_r0, f_c0)]
        stops = [starts[0] + (f_size * f_size).astype(np.uint64)]
        labels = [f_label]
        piece_of, rr, cc, cell_area_in = _cell_areas(pieces, self.transform, p_r0, p_c0, p_size, self.rows, self.cols)
        cell_area = self.transform.a * -self.transform.e
        whole = cell_area_in >= cell_area * (1 - 1e-12)
        m = _morton(rr[whole], cc[whole])
        starts.append(m)
        stops.append(m + np.uint64(1))
        labels.append(p_label[piece_of[whole]])
        starts, stops, labels = np.concatenate(starts), np.concatenate(stops), np.concatenate(labels)
        self._ranges(labels, starts, stops, len(count), count, area, length)
        check(cancelled)
        # cells the boundary crosses: test each point exactly against the region's local piece
        cut = (~whole) & (cell_area_in > 0)
        m = _morton(rr[cut], cc[cut])
        i0 = np.searchsorted(self.code, m, side="left")
        i1 = np.searchsorted(self.code, m + np.uint64(1), side="left")
        k = i1 - i0
        which = np.repeat(np.arange(len(m)), k)
        pos = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k) + np.repeat(i0, k)
        piece_idx = piece_of[cut][which]
        hit = shapely.intersects_xy(pieces[piece_idx], self.x[pos], self.y[pos])
        hit_label, hit_pos = p_label[piece_idx][hit], pos[hit]
        # crossing parts are measured exactly below: leave them out of the point counts
        key = hit_label.astype(np.int64) * n_parts + self.single[hit_pos]
        keep = ~np.isin(key, cross, assume_unique=False)
        hit_label, hit_pos = hit_label[keep], hit_pos[keep]
        np.add.at(count, hit_label, 1)
        np.add.at(area, hit_label, self.areas[self.single[hit_pos]])
        np.add.at(length, hit_label, self.lengths[self.single[hit_pos]])
        # crossing parts whose point fell in a whole block or cell were counted there: take them out
        cr_pos = self.position[cr_part]
        cr_code = self.code[cr_pos]
        order = np.lexsort((starts, labels))
        s_label, s_start, s_stop = labels[order], starts[order], stops[order]
        big = np.uint64(1) << np.uint64(44)
        skey = s_label.astype(np.uint64) * big + s_start
        qkey = cr_label.astype(np.uint64) * big + cr_code
        j = np.searchsorted(skey, qkey, side="right") - 1
        counted = np.zeros(len(cr_part), dtype=bool)
        if len(skey):
            jj = np.clip(j, 0, None)
            counted = (j >= 0) & (s_label[jj] == cr_label) & (cr_code < s_stop[jj]) & (cr_code >= s_start[jj])
        np.add.at(count, cr_label[counted], -1)
        np.add.at(area, cr_label[counted], -self.areas[cr_part[counted]])
        np.add.at(length, cr_label[counted], -self.lengths[cr_part[counted]])
        check(cancelled)
        # 3. exact intersection for the crossing parts, and for every multi-part feature near a region
        local = self._local_regions(cr_label, cr_part, regions, (p_label, pieces, p_r0, p_c0, p_size))
        pieces_x = parallel(shapely.intersection, self.parts[cr_part], local)
        np.add.at(count, cr_label, 1)
        np.add.at(area, cr_label, shapely.area(pieces_x))
        is_line = self.lengths[cr_part] > 0
        np.add.at(length, cr_label[is_line], shapely.length(pieces_x[is_line]))
        if len(self.multi):
            q, mp = self.multi_tree.query(regions[valid], predicate="intersects")
            q = np.flatnonzero(valid)[q]
            mp = self.multi[mp]
            inter = shapely.intersection(self.parts[mp], regions[q])
            np.add.at(area, q, shapely.area(inter))
            line = self.lengths[mp] > 0
            np.add.at(length, q[line], shapely.length(inter[line]))
            pairs = np.unique(q.astype(np.int64) * max(self.n_features, 1) + self.owner[mp])
            np.add.at(count, pairs // max(self.n_features, 1), 1)

