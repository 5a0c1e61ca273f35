"""Population covered: exact fractional-cell weighting of a population grid by regions.

Every cell counts its people times the share of its area inside a region (a cell half inside
counts half). Cells wholly inside count whole (summed in O(1) each from an integral image);
only cells the boundary crosses get an exact polygon intersection. Nodata cells hold no people.

People counts do not change under reprojection, so a grid in any CRS (lon/lat, Web Mercator,
another UTM zone) is weighted in its own CRS: regions are densified in their metric CRS and
transformed onto the grid, never the grid resampled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS

from layers.analysis.coverage.shapes import parallel
from layers.analysis.progress import IsCancelled, check
from layers.crs import DENSIFY_M, transformer


class _AskedAgain:
    """`population_in_cached`: for regions asked about again and again (the study area, the wards)."""

    def population_in_cached(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        regions = np.asarray(regions, dtype=object).ravel()
        key = tuple(shapely.to_wkb(regions, hex=False)) if len(regions) else ()
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            cache[key] = self.population_in(regions, cancelled=cancelled)
        return cache[key].copy()

    def same_source(self, other) -> bool:
        """True if `other` counts the same people the same way (so its cached answers hold)."""
        return type(other) is type(self) and self._source() == other._source()


@dataclass(eq=False)
class PopulationGrid(_AskedAgain):
    """People per cell on a north-up grid in its own CRS: float64 values (NaN = nodata), affine transform.

    `regions_crs` is the CRS the regions asked about are in (the working CRS; default: the
    grid's). Counts do not change under reprojection, so the grid stays as it is and each
    region is densified (every DENSIFY_M metres) and transformed onto it: a grid in lon/lat,
    Web Mercator or another zone is weighted exactly in its own cells.
    """

    values: np.ndarray
    transform: Affine
    crs: CRS
    regions_crs: CRS | None = None
    _integral: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype="float64")
        t = self.transform
        if t.b != 0 or t.d != 0:
            raise ValueError("the population grid is rotated; only north-up grids are supported")
        if self.crs is None:
            raise ValueError("the population grid has no CRS")
        self.crs = CRS.from_user_input(self.crs)
        self.regions_crs = self.crs if self.regions_crs is None else CRS.from_user_input(self.regions_crs)
        if self.regions_crs != self.crs:
            transformer(self.regions_crs, self.crs)  # refuses a transform without a datum shift now, not mid-figure

    @classmethod
    def from_raster(cls, layer, regions_crs: CRS | None = None) -> PopulationGrid:
        """From a RasterLayer (layers.layer); refuses a display-only one (it holds an overview)."""
        if getattr(layer, "display_only", False):
            name = layer.source.name if getattr(layer, "source", None) is not None else layer.name
            raise ValueError(
                f"{name}: the raster is too large to analyse and holds only an overview for drawing"
            )
        return cls(layer.array, layer.transform, layer.crs, regions_crs)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def cell_area(self) -> float:
        """The area of one cell in the grid's own units (square metres, or square degrees)."""
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

    def _source(self):
        return (id(self.values), self.transform, self.regions_crs)

    def population_in(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        """People inside each region (array of polygons in `regions_crs`), exact fractional-cell weighting.

        Returns one float per region.
        """
        regions = np.asarray(regions, dtype=object).ravel()
        if self.regions_crs != self.crs:
            to_grid = transformer(self.regions_crs, self.crs)
            regions = shapely.transform(
                shapely.segmentize(regions, DENSIFY_M),
                lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1])),
            )
        return _quadtree_sum(self, regions, cancelled)


@dataclass(eq=False)
class ZonePopulation(_AskedAgain):
    """People counted by zone (census blocks, wards with a population field), in the working CRS.

    A zone's people are spread evenly over its area: a region holds each zone's people times the
    share of the zone's area inside it (areal weighting, exact polygon intersections), the way a
    grid cell's people are weighted. Zones that overlap would count their people twice; census
    zones do not overlap.
    """

    geoms: np.ndarray  # polygons in `regions_crs`
    people: np.ndarray
    regions_crs: CRS
    name: str = "zones"

    def __post_init__(self) -> None:
        self.geoms = np.asarray(self.geoms, dtype=object)
        self.people = np.nan_to_num(np.asarray(self.people, dtype="float64"), nan=0.0)
        if (self.people < 0).any():
            raise ValueError(f"{self.name}: {int((self.people < 0).sum())} zone(s) have a negative population")
        self.areas = shapely.area(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

    def _source(self):
        return (id(self.geoms), id(self.people), self.regions_crs)

    def total(self) -> float:
        return float(self.people.sum())

    def population_in(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        regions = np.asarray(regions, dtype=object).ravel()
        result = np.zeros(len(regions))
        check(cancelled)
        which, zone = self.tree.query(regions, predicate="intersects")
        keep = self.areas[zone] > 0
        which, zone = which[keep], zone[keep]
        inside = shapely.area(parallel(shapely.intersection, regions[which], self.geoms[zone]))
        np.add.at(result, which, self.people[zone] * inside / self.areas[zone])
        return result


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
        np.add.at(result, labels[piece_of], values[rr, cc] * (inside_area / grid.cell_area))
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
        pieces = parallel(shapely.intersection, pieces, shapely.box(xmin, ymin, xmax, ymax))
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

