"""Coverage: catchments and what they reach, in area, in people and in features.

Definitions (the same in the GUI, the CLI and the benchmark, because it is this code):

* **Catchment** of a layer for a radius R: the union of the features buffered by R metres
  (straight-line distance), clipped to the study area. Buffers use `quad_segs=16` segments
  per quarter circle, so a buffered point is a regular 64-gon inscribed in the circle: its
  area is 64*sin(2*pi/64)/(2*pi) = 0.99839 of pi*R^2, i.e. **0.161 % below the true disk**
  (`disk_area_error(16)`); lines and polygons have the same error on their rounded ends and
  corners only. R = 0 keeps polygons as they are (e.g. digital-space zones).
* **Area** is planar area in the working metric CRS (square metres); the CRS label goes with
  every figure. Degrees and Web Mercator are refused (`NotMetricCRSError`).
* **Population covered** is exact fractional-cell weighting: every cell counts its people
  times the share of its area inside the catchment (a cell half inside counts half). Cells
  wholly inside count whole (summed in O(1) each from an integral image); only cells the
  boundary crosses get an exact polygon intersection. Nodata cells hold no people.
* **Features inside** (buildings, schools, ...): `count` = features that intersect the
  catchment (boundary included; a multi-part feature counts once), `area_inside_m2` = exact
  area of feature ∩ catchment, `length_inside_m` = the same for lines. Features wholly
  inside count whole; only features crossing the catchment boundary are intersected.
* Figures by zone (ward) are the same figures for catchment ∩ zone. A feature crossing a
  ward boundary counts in each ward it touches (counts by ward can sum to more than the
  total); areas and people always sum exactly.

Everything is vectorised shapely 2 (GEOS) and NumPy: no Python loop over features or cells.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from layers.crs import crs_label, require_metric

QUAD_SEGS = 16

Progress = Callable[[float], None] | None
IsCancelled = Callable[[], bool] | None


class Cancelled(Exception):
    """The caller asked to stop (its `cancelled()` callback returned True)."""


def check(cancelled: IsCancelled, progress: Progress = None, fraction: float | None = None) -> None:
    """Between steps: raise Cancelled if asked to stop, and report progress (0..1)."""
    if cancelled is not None and cancelled():
        raise Cancelled()
    if progress is not None and fraction is not None:
        progress(min(max(float(fraction), 0.0), 1.0))


def disk_area_error(quad_segs: int = QUAD_SEGS) -> float:
    """Relative area shortfall of a buffered point against pi*r^2 (0.00161 for quad_segs=16)."""
    n = 4 * quad_segs
    return 1.0 - n * math.sin(2 * math.pi / n) / (2 * math.pi)


# ---------------------------------------------------------------------------------------------
# geometry helpers
# ---------------------------------------------------------------------------------------------
def _geometries(features) -> np.ndarray:
    """A flat object array of non-empty shapely geometries from a GeoDataFrame/GeoSeries/array."""
    if isinstance(features, gpd.GeoDataFrame):
        values = features.geometry.values
    elif isinstance(features, gpd.GeoSeries):
        values = features.values
    elif isinstance(features, shapely.Geometry):
        values = [features]
    else:
        values = features
    geoms = np.asarray(values, dtype=object) if not hasattr(values, "to_numpy") else np.asarray(values.to_numpy(), dtype=object)
    geoms = geoms.ravel()
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return geoms[keep]


def _check_crs(features, crs) -> CRS | None:
    """The metric CRS of the inputs (raises NotMetricCRSError for degrees / Web Mercator)."""
    own = getattr(features, "crs", None)
    use = crs if crs is not None else own
    if use is None:
        return None
    return require_metric(use)


def _parallel(fn, *arrays, chunk: int = 4000):
    """Apply a vectorised shapely function, in two threads when large (GEOS releases the GIL)."""
    n = len(arrays[0])
    if n < chunk:
        return fn(*arrays)
    half = n // 2
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda sl: fn(*(a[sl] for a in arrays)), (slice(0, half), slice(half, n))))
    return np.concatenate(parts)


def _as_area(geom) -> shapely.Geometry:
    """Only the polygonal part of a geometry (lines and points have no area)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polys) if len(polys) else shapely.Polygon()


def catchment(
    features,
    radius_m: float,
    study_area: shapely.Geometry | None = None,
    quad_segs: int = QUAD_SEGS,
    crs: CRS | str | int | None = None,
) -> shapely.Geometry:
    """The dissolved zone within `radius_m` metres of the features, clipped to `study_area`.

    `features`: GeoDataFrame/GeoSeries (its CRS is checked: must be metric) or an array of
    shapely geometries already in a metric CRS. Points and lines with radius 0 reach nothing;
    polygons with radius 0 are their own catchment. Returns a (Multi)Polygon, possibly empty.
    """
    _check_crs(features, crs)
    if radius_m < 0 or not np.isfinite(radius_m):
        raise ValueError(f"radius must be a finite number of metres >= 0, not {radius_m}")
    geoms = _geometries(features)
    if radius_m > 0:
        geoms = shapely.buffer(geoms, radius_m, quad_segs=quad_segs)
    else:
        geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6, 7))]
    if len(geoms) == 0:
        return shapely.Polygon()
    zone = _as_area(shapely.union_all(shapely.make_valid(geoms) if radius_m == 0 else geoms))
    if study_area is not None:
        zone = _as_area(shapely.intersection(zone, study_area))
    return zone


# ---------------------------------------------------------------------------------------------
# population: exact fractional-cell weighting
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class PopulationGrid:
    """People per cell on a north-up grid: float64 values (NaN = nodata), affine transform, CRS."""

    values: np.ndarray
    transform: Affine
    crs: CRS
    _integral: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype="float64")
        t = self.transform
        if t.b != 0 or t.d != 0:
            raise ValueError("the population grid is rotated; only north-up grids are supported")
        self.crs = require_metric(self.crs, "population per cell")

    @classmethod
    def from_raster(cls, layer) -> PopulationGrid:
        """From a RasterLayer (layers.layer); refuses a display-only one (it holds an overview)."""
        if getattr(layer, "display_only", False):
            name = layer.source.name if getattr(layer, "source", None) is not None else layer.name
            raise ValueError(
                f"{name}: the raster is too large to analyse and holds only an overview for drawing"
            )
        return cls(layer.array, layer.transform, layer.crs)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def cell_area_m2(self) -> float:
        return abs(self.transform.a * self.transform.e)

    @property
    def integral(self) -> np.ndarray:
        """Summed-area table (rows+1, cols+1) of people, nodata as 0; built once."""
        if self._integral is None:
            people = np.nan_to_num(self.values, nan=0.0)
            integral = np.zeros((people.shape[0] + 1, people.shape[1] + 1))
            np.cumsum(np.cumsum(people, axis=0), axis=1, out=integral[1:, 1:])
            self._integral = integral
        return self._integral

    def total(self) -> float:
        return float(np.nansum(self.values))

    def _block_sums(self, r0, c0, size) -> np.ndarray:
        rows, cols = self.shape
        r1 = np.minimum(r0 + size, rows)
        c1 = np.minimum(c0 + size, cols)
        s = self.integral
        return s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]

    def population_in_cached(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        """population_in for regions asked about again and again (the study area, the wards)."""
        regions = np.asarray(regions, dtype=object).ravel()
        key = tuple(shapely.to_wkb(regions, hex=False)) if len(regions) else ()
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            cache[key] = self.population_in(regions, cancelled=cancelled)
        return cache[key].copy()

    def population_in(self, regions, crs: CRS | None = None, cancelled: IsCancelled = None) -> np.ndarray:
        """People inside each region (array of polygons), exact fractional-cell weighting.

        Regions in another CRS than the grid's are transformed to the grid's CRS first (the cells
        are the unit of weighting). Returns one float per region.
        """
        regions = np.asarray(regions, dtype=object).ravel()
        if crs is not None:
            crs = require_metric(crs)
            if CRS.from_user_input(crs) != self.crs:
                to_grid = Transformer.from_crs(crs, self.crs, always_xy=True)
                regions = shapely.transform(regions, lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1])))
        return _quadtree_sum(self, regions, cancelled)


def _quadtree_sum(grid: PopulationGrid, regions: np.ndarray, cancelled: IsCancelled) -> np.ndarray:
    """Sum of cell values weighted by the fraction of each cell inside each region.

    Blocks wholly inside add their block sum from the integral image; cells the boundary
    crosses add value * (area of the cell inside / cell area), cut exactly in NumPy.
    """
    rows, cols = grid.shape
    result = np.zeros(len(regions))
    full, partial = decompose(regions, grid.transform, rows, cols, cancelled)
    labels, r0, c0, size = full
    np.add.at(result, labels, grid._block_sums(r0, c0, size))
    labels, pieces, r0, c0, size = partial
    if len(labels):
        check(cancelled)
        values = np.nan_to_num(grid.values, nan=0.0)
        piece_of, rr, cc, inside_area = _cell_areas(pieces, grid.transform, r0, c0, size, rows, cols)
        np.add.at(result, labels[piece_of], values[rr, cc] * (inside_area / grid.cell_area_m2))
    return result


def decompose(regions: np.ndarray, t: Affine, rows: int, cols: int, cancelled: IsCancelled = None):
    """Split regions over a grid into blocks wholly inside and pieces of boundary blocks.

    A quadtree over the grid (padded to a power of two): each region is cut by the quadrant
    boxes level by level (one vectorised GEOS intersection per level for all regions); a
    quadrant wholly inside is kept as a block, one wholly outside is dropped; the descent stops
    at blocks of LEAF_BLOCK x LEAF_BLOCK cells. Returns
    full = (label, row0, col0, size) and partial = (label, piece, row0, col0, size), arrays.
    """
    regions = np.asarray(regions, dtype=object).ravel()
    empty = np.zeros(0, dtype=np.int64)
    if rows == 0 or cols == 0 or len(regions) == 0:
        return (empty, empty, empty, 1), (empty, np.zeros(0, dtype=object), empty, empty, 1)
    size = 1 << max(0, math.ceil(math.log2(max(rows, cols))))
    labels = np.flatnonzero(~(shapely.is_missing(regions) | shapely.is_empty(regions)))
    pieces = regions[labels]
    r0 = np.zeros(len(labels), dtype=np.int64)
    c0 = np.zeros(len(labels), dtype=np.int64)
    full = [[], [], [], []]
    while size > LEAF_BLOCK and len(labels):
        check(cancelled)
        size //= 2
        # the four children of every node
        labels = np.repeat(labels, 4)
        pieces = np.repeat(pieces, 4)
        r0 = np.repeat(r0, 4) + np.tile([0, 0, size, size], len(r0))
        c0 = np.repeat(c0, 4) + np.tile([0, size, 0, size], len(c0))
        on_grid = (r0 < rows) & (c0 < cols)
        xmin, ymin, xmax, ymax = _block_bounds(t, r0, c0, size)
        b = shapely.bounds(pieces)
        overlaps = on_grid & (b[:, 0] < xmax) & (b[:, 2] > xmin) & (b[:, 1] < ymax) & (b[:, 3] > ymin)
        labels, pieces, r0, c0 = labels[overlaps], pieces[overlaps], r0[overlaps], c0[overlaps]
        xmin, ymin, xmax, ymax = xmin[overlaps], ymin[overlaps], xmax[overlaps], ymax[overlaps]
        pieces = _parallel(shapely.intersection, pieces, shapely.box(xmin, ymin, xmax, ymax))
        area = shapely.area(pieces)
        is_full = area >= (xmax - xmin) * (ymax - ymin) * (1 - 1e-12)
        full[0].append(labels[is_full])
        full[1].append(r0[is_full])
        full[2].append(c0[is_full])
        full[3].append(np.full(int(is_full.sum()), size, dtype=np.int64))
        go_on = (~is_full) & (area > 0)
        labels, pieces, r0, c0 = labels[go_on], pieces[go_on], r0[go_on], c0[go_on]
    full_arrays = tuple(np.concatenate(f) if f else empty for f in full)
    return full_arrays, (labels, pieces, r0, c0, size)


LEAF_BLOCK = 4  # the quadtree stops at blocks of 4 x 4 cells; their cells are cut in NumPy


def _block_bounds(t: Affine, r0, c0, size):
    xa, xb = t.c + c0 * t.a, t.c + (c0 + size) * t.a
    ya, yb = t.f + r0 * t.e, t.f + (r0 + size) * t.e
    return np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb)


def polygon_edges(pieces: np.ndarray):
    """Directed edges of the polygonal parts (exterior counter-clockwise, holes clockwise).

    Returns (x0, y0, x1, y1, index of the piece each edge belongs to).
    """
    parts, part_piece = shapely.get_parts(pieces, return_index=True)
    is_polygon = shapely.get_type_id(parts) == 3
    parts, part_piece = shapely.orient_polygons(parts[is_polygon]), part_piece[is_polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[1:] == coord_ring[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    return start[:, 0], start[:, 1], end[:, 0], end[:, 1], part_piece[ring_part[coord_ring[:-1][same]]]


def clipped_area(x0, y0, x1, y1, width, height) -> np.ndarray:
    """Each directed edge's contribution to the area of (its polygon) ∩ [0, width] x [0, height].

    Exact clipping by Green's theorem: an edge is split where it crosses the four lines of the
    box, each piece is clamped onto the box (a piece outside lands on the box's border or a
    corner) and contributes (xa*yb - xb*ya) / 2. Summed over all edges of a closed polygon this
    is the area of the polygon inside the box (Sutherland-Hodgman; the pieces laid on the
    border add the box's edges where the polygon covers them). Coordinates must be relative to
    the box's lower-left corner, so that the products stay small and exact to ~1e-16.
    """
    dx, dy = x1 - x0, y1 - y0
    # A crossing parameter that overflows (an edge almost parallel to a box side) is infinite,
    # outside (0, 1), and dropped below like the divisions by zero.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ts = np.stack(
            [np.zeros_like(x0), np.ones_like(x0), -x0 / dx, (width - x0) / dx, -y0 / dy, (height - y0) / dy],
            axis=1,
        )
    ts[~((ts > 0) & (ts < 1))] = np.nan
    ts[:, 0], ts[:, 1] = 0.0, 1.0
    ts.sort(axis=1)  # NaN last
    width = np.broadcast_to(width, x0.shape)[:, None]
    height = np.broadcast_to(height, x0.shape)[:, None]
    px = np.clip(x0[:, None] + ts * dx[:, None], 0.0, width)
    py = np.clip(y0[:, None] + ts * dy[:, None], 0.0, height)
    term = px[:, :-1] * py[:, 1:] - px[:, 1:] * py[:, :-1]
    return 0.5 * np.nansum(term, axis=1)


def _cell_areas(pieces, t: Affine, r0, c0, size, rows, cols):
    """Area of each piece inside each cell of its size x size block (NumPy, exact clipping)."""
    x0, y0, x1, y1, edge_piece = polygon_edges(pieces)
    k = size * size
    dr, dc = np.divmod(np.arange(k), size)
    edge_cell = np.tile(np.arange(k), len(edge_piece))
    edge_piece = np.repeat(edge_piece, k)
    rr, cc = r0[edge_piece] + dr[edge_cell], c0[edge_piece] + dc[edge_cell]
    xmin, ymin, xmax, ymax = _block_bounds(t, rr, cc, 1)
    # a cell outside its piece's bounding box has nothing of it: skip those pairs
    pb = shapely.bounds(pieces)[edge_piece]
    on = (rr < rows) & (cc < cols) & (pb[:, 0] < xmax) & (pb[:, 2] > xmin) & (pb[:, 1] < ymax) & (pb[:, 3] > ymin)
    edge_piece, edge_cell, rr, cc = edge_piece[on], edge_cell[on], rr[on], cc[on]
    xmin, ymin, xmax, ymax = xmin[on], ymin[on], xmax[on], ymax[on]
    rep = np.flatnonzero(on) // k
    area = clipped_area(
        x0[rep] - xmin, y0[rep] - ymin, x1[rep] - xmin, y1[rep] - ymin, xmax - xmin, ymax - ymin
    )
    key = edge_piece.astype(np.int64) * k + edge_cell
    total = np.bincount(key, weights=area, minlength=len(pieces) * k)
    piece_of, cell = np.divmod(np.arange(len(pieces) * k), k)
    r, c = r0[piece_of] + dr[cell], c0[piece_of] + dc[cell]
    keep = (r < rows) & (c < cols) & (total != 0)
    return piece_of[keep], r[keep], c[keep], total[keep]


def population_brute_force(grid: PopulationGrid, region: shapely.Geometry) -> float:
    """Reference: intersect every cell in the region's bounding box with the region (slow, exact)."""
    rows, cols = grid.shape
    t = grid.transform
    inv = ~t
    xmin, ymin, xmax, ymax = region.bounds
    cs, rs = zip(*(inv * (x, y) for x, y in ((xmin, ymin), (xmax, ymax), (xmin, ymax), (xmax, ymin))))
    c_lo, c_hi = max(0, int(math.floor(min(cs)))), min(cols, int(math.ceil(max(cs))))
    r_lo, r_hi = max(0, int(math.floor(min(rs)))), min(rows, int(math.ceil(max(rs))))
    if c_lo >= c_hi or r_lo >= r_hi:
        return 0.0
    rr, cc = np.meshgrid(np.arange(r_lo, r_hi), np.arange(c_lo, c_hi), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    xa, xb = t.c + cc * t.a, t.c + (cc + 1) * t.a
    ya, yb = t.f + rr * t.e, t.f + (rr + 1) * t.e
    cells = shapely.box(np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb))
    frac = shapely.area(shapely.intersection(cells, region)) / grid.cell_area_m2
    return float(np.sum(np.nan_to_num(grid.values[rr, cc], nan=0.0) * frac))


# ---------------------------------------------------------------------------------------------
# features inside a region (buildings, schools, ...)
# ---------------------------------------------------------------------------------------------
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

    @classmethod
    def from_features(cls, features, crs=None) -> FeatureIndex:
        crs = _check_crs(features, crs)
        geoms = features.geometry.values if isinstance(features, gpd.GeoDataFrame) else features
        return cls(np.asarray(geoms, dtype=object), crs)

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
        pieces_x = _parallel(shapely.intersection, self.parts[cr_part], local)
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


def features_brute_force(geoms, region: shapely.Geometry) -> tuple[int, float]:
    """Reference: intersect every feature with the region (slow, exact)."""
    geoms = np.asarray(geoms, dtype=object)
    hit = shapely.intersects(geoms, region)
    return int(hit.sum()), float(shapely.area(shapely.intersection(geoms[hit], region)).sum())


# ---------------------------------------------------------------------------------------------
# measuring: figures for a catchment, by zone, and overlaps
# ---------------------------------------------------------------------------------------------
@dataclass
class CoverageResult:
    """What a catchment reaches. Areas in m2, people as float, shares 0..1, all in `crs`."""

    crs: str
    area_m2: float
    study_area_m2: float
    area_share: float
    population: float | None = None
    study_population: float | None = None
    population_share: float | None = None
    features: dict = field(default_factory=dict)  # name -> {count, area_inside_m2, length_inside_m}
    zones: pd.DataFrame | None = None

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["zones"] = None if self.zones is None else _records(self.zones)
        return data


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.reset_index().to_dict(orient="records")]


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _share(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def measure_regions(
    regions: Sequence,
    denominators: Sequence,
    crs,
    population: PopulationGrid | None = None,
    features: dict[str, FeatureIndex] | None = None,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> pd.DataFrame:
    """Area, people and features for each region, with shares of the matching denominator region.

    `regions[i]` is measured against `denominators[i]` (e.g. catchment ∩ ward against the ward
    ∩ study area). Returns one row per region.
    """
    regions = np.asarray(list(regions), dtype=object)
    denominators = np.asarray(list(denominators), dtype=object)
    n = len(regions)
    table = pd.DataFrame(index=pd.RangeIndex(n))
    table["area_m2"] = shapely.area(regions) if n else []
    table["total_area_m2"] = shapely.area(denominators) if n else []
    table["area_share"] = table["area_m2"] / table["total_area_m2"].where(table["total_area_m2"] > 0)
    check(cancelled, progress, 0.1)
    if population is not None:
        table["population"] = population.population_in(regions, cancelled=cancelled) if n else []
        table["total_population"] = population.population_in_cached(denominators, cancelled=cancelled) if n else []
        table["population_share"] = table["population"] / table["total_population"].where(table["total_population"] > 0)
    check(cancelled, progress, 0.6)
    for i, (name, index) in enumerate((features or {}).items()):
        figures = index.measure(regions, cancelled=cancelled)
        table[f"{name}_count"] = figures["count"].to_numpy()
        table[f"{name}_area_inside_m2"] = figures["area_inside_m2"].to_numpy()
        table[f"{name}_length_inside_m"] = figures["length_inside_m"].to_numpy()
        check(cancelled, progress, 0.6 + 0.4 * (i + 1) / len(features))
    return table


def zone_geometries(zones: gpd.GeoDataFrame, study_area: shapely.Geometry | None) -> np.ndarray:
    """Each zone clipped to the study area."""
    geoms = np.asarray(zones.geometry.values, dtype=object)
    if study_area is not None:
        geoms = shapely.intersection(geoms, study_area)
    return geoms


def measure_catchment(
    zone: shapely.Geometry,
    study_area: shapely.Geometry,
    crs,
    population: PopulationGrid | None = None,
    features: dict[str, FeatureIndex] | None = None,
    zones: gpd.GeoDataFrame | None = None,
    zone_name_field: str = "name",
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> CoverageResult:
    """Area, area share, people, people share and features inside of a catchment; optionally by zone.

    `zone` is the catchment (already clipped to the study area), `study_area` the whole
    (boundary or any polygon). With `zones` (e.g. wards), the result's `zones` table has the
    same figures for catchment ∩ zone against zone ∩ study area.
    """
    crs = require_metric(crs)
    check(cancelled, progress, 0.0)
    zone = _as_area(shapely.intersection(zone, study_area))
    regions, denominators = [zone], [study_area]
    zone_geoms = None
    if zones is not None and len(zones):
        zone_geoms = zone_geometries(zones, study_area)
        regions += list(shapely.intersection(zone_geoms, zone))
        denominators += list(zone_geoms)
    table = measure_regions(regions, denominators, crs, population, features, progress, cancelled)
    row = table.iloc[0]
    result = CoverageResult(
        crs=crs_label(crs),
        area_m2=float(row["area_m2"]),
        study_area_m2=float(row["total_area_m2"]),
        area_share=_share(row["area_m2"], row["total_area_m2"]),
    )
    if population is not None:
        result.population = float(row["population"])
        result.study_population = float(row["total_population"])
        result.population_share = _share(row["population"], row["total_population"])
    for name in features or {}:
        result.features[name] = {
            k: (int(row[f"{name}_{k}"]) if k == "count" else float(row[f"{name}_{k}"]))
            for k in ("count", "area_inside_m2", "length_inside_m")
            if f"{name}_{k}" in table
        }
    if zone_geoms is not None:
        by_zone = table.iloc[1:].reset_index(drop=True)
        names = zones[zone_name_field].astype(str).to_numpy() if zone_name_field in zones else np.arange(len(zones)).astype(str)
        by_zone.insert(0, "zone", names)
        result.zones = by_zone.set_index("zone")
    check(cancelled, progress, 1.0)
    return result


@dataclass
class OverlapResult:
    """Every combination of two to four catchments: each piece of the study area counted once."""

    crs: str
    names: list[str]
    table: pd.DataFrame  # one row per combination: in_<name> flags, label, area_m2, population, shares
    study_area_m2: float
    study_population: float | None

    def to_dict(self) -> dict:
        return {
            "crs": self.crs, "names": self.names, "study_area_m2": self.study_area_m2,
            "study_population": self.study_population, "combinations": _records(self.table),
        }


def overlap_matrix(
    catchments: dict[str, shapely.Geometry],
    study_area: shapely.Geometry,
    crs,
    population: PopulationGrid | None = None,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> OverlapResult:
    """Area and people in every combination of 2-4 catchments (A only, A and B, all, none, ...).

    The pieces are disjoint and cover the study area, so they sum to the whole.
    """
    crs = require_metric(crs)
    names = list(catchments)
    if not 2 <= len(names) <= 4:
        raise ValueError(f"an overlap matrix needs two to four catchments, not {len(names)}")
    zones = [_as_area(shapely.intersection(catchments[n], study_area)) for n in names]
    combos = list(itertools.product((True, False), repeat=len(names)))
    pieces = []
    for k, combo in enumerate(combos):  # at most 16 combinations, not features
        check(cancelled, progress, 0.5 * k / len(combos))
        inside = [z for z, flag in zip(zones, combo) if flag]
        outside = [z for z, flag in zip(zones, combo) if not flag]
        piece = shapely.intersection_all([study_area, *inside]) if inside else study_area
        if outside:
            piece = shapely.difference(piece, shapely.union_all(outside))
        pieces.append(_as_area(piece))
    table = pd.DataFrame([dict(zip((f"in_{n}" for n in names), combo)) for combo in combos])
    table.insert(0, "combination", [
        " and ".join(n for n, f in zip(names, combo) if f) + (" only" if 0 < sum(combo) < len(names) else "")
        if any(combo) else "none"
        for combo in combos
    ])
    table["area_m2"] = shapely.area(np.asarray(pieces, dtype=object))
    total_area = float(shapely.area(study_area))
    table["area_share"] = table["area_m2"] / total_area if total_area else np.nan
    study_population = None
    if population is not None:
        people = population.population_in(np.asarray(pieces + [study_area], dtype=object), cancelled=cancelled)
        table["population"] = people[:-1]
        study_population = float(people[-1])
        table["population_share"] = table["population"] / study_population if study_population else np.nan
    check(cancelled, progress, 1.0)
    result = OverlapResult(crs_label(crs), names, table, total_area, study_population)
    result.pieces = pieces
    return result
