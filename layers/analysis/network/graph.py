"""The street graph: streets as nodes and straight segments, in SciPy sparse form, in metres.

A walking network is read once (from an OpenStreetMap extract or a line layer of role
'street'), transformed into the working metric CRS and cut into its straight segments: every
vertex of a street is a node, every segment between two consecutive vertices an edge whose
weight is its length in metres. Streets connect where they share a vertex (to the millimetre),
as OpenStreetMap ways do at a junction; a street layer is first noded at its crossings, level by
level (`crossings.py`), so that a centre-line file's crossing streets join and a bridge does not
join the street below it.

Not every street serves the city: an extract holds bits joined to nothing (a 40 m platform
footway, a car park's aisles). The network that serves the city (`serving_edge`) is its largest
connected part by street length and any other part at least `SERVING_SHARE` as long (an island
joined by a ferry, a district the extract joins only outside its bounds); origins are snapped to
it (`snap.py`), and its extent (`extent`, the convex hull of its nodes) is what the figures
check the study area against.

Straight edges make the walk exact and simple: a point part-way along an edge is a linear
interpolation of its two ends, so a catchment can be cut where the distance runs out.

The graph is held as flat NumPy arrays (node coordinates, edge ends, edge lengths) that are
saved to and loaded from a cache (`layers.analysis.network.cache`) with the city blocks the
streets enclose (`blocks.py`); the CSR matrix, the segments and their spatial index are derived
from them on first use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS
from layers.analysis.coverage.shapes import geometries
from layers.analysis.network.blocks import StreetBlocks, street_blocks
from layers.crs import crs_label, require_metric

if TYPE_CHECKING:  # SciPy is imported when a walk is measured, not when the package is (planner measure starts fast)
    from scipy.sparse import csr_matrix

NODE_TOLERANCE_M = 0.001  # vertices closer than this (after rounding to it) are the same node
MIN_WEIGHT_M = 1e-6  # SciPy's graphs need positive weights: a zero length is this many metres
SERVING_SHARE = 0.1  # a connected part at least this share of the largest one's length serves the city too


@dataclass(frozen=True)
class NetworkSource:
    """Where a street network comes from, in words a figure can quote."""

    name: str  # e.g. 'OpenStreetMap extract Helsinki.osm.pbf' or "layer 'streets' (city.gpkg)"
    date: str  # e.g. '2020-06-09 (newest edit in the extract)'; '' if unknown
    licence: str = ""  # e.g. '© OpenStreetMap contributors, ODbL'

    def text(self) -> str:
        parts = [self.name] + [p for p in (self.date, self.licence) if p]
        return ", ".join(parts)


@dataclass(eq=False)
class StreetGraph:
    """Nodes (x, y in `crs`, metres) and undirected straight edges (u, v, length_m)."""

    node_xy: np.ndarray  # (n, 2) float64
    edge_u: np.ndarray  # (e,) int64, u < v
    edge_v: np.ndarray  # (e,) int64
    edge_length_m: np.ndarray  # (e,) float64, > 0
    crs: CRS
    source: NetworkSource = field(default_factory=lambda: NetworkSource("street network", ""))

    def __post_init__(self) -> None:
        self.crs = require_metric(CRS.from_user_input(self.crs), "walking distances")
        self.node_xy = np.ascontiguousarray(self.node_xy, dtype="float64").reshape(-1, 2)
        self.edge_u = np.asarray(self.edge_u, dtype="int64")
        self.edge_v = np.asarray(self.edge_v, dtype="int64")
        self.edge_length_m = np.asarray(self.edge_length_m, dtype="float64")
        n, e = len(self.node_xy), len(self.edge_u)
        if not (len(self.edge_v) == e == len(self.edge_length_m)):
            raise ValueError("a street graph needs as many edge ends and lengths as edges")
        if e and (self.edge_u.min() < 0 or max(self.edge_u.max(), self.edge_v.max()) >= n):
            raise ValueError("a street graph's edges name nodes it does not have")
        if not (np.isfinite(self.node_xy).all() and np.isfinite(self.edge_length_m).all()
                and (self.edge_length_m > 0).all()):
            raise ValueError("a street graph needs finite coordinates and positive edge lengths")

    @property
    def node_count(self) -> int:
        return len(self.node_xy)

    @property
    def edge_count(self) -> int:
        return len(self.edge_u)

    @property
    def total_length_m(self) -> float:
        return float(self.edge_length_m.sum())

    @property
    def crs_label(self) -> str:
        return crs_label(self.crs)

    @classmethod
    def from_lines(cls, lines, crs, source: NetworkSource | None = None) -> StreetGraph:
        """From street lines (GeoDataFrame, GeoSeries or array of (Multi)LineStrings) already in `crs`."""
        geoms = geometries(lines)
        parts = shapely.get_parts(geoms)
        parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # LineString, LinearRing
        coords, which = shapely.get_coordinates(parts, return_index=True)
        if len(coords) and not np.isfinite(coords).all():
            raise ValueError("the street lines have coordinates that are not finite numbers")
        key = np.round(coords / NODE_TOLERANCE_M).astype("int64")
        _, first, node_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
        node_of = node_of.ravel()
        node_xy = coords[first]
        same_line = which[1:] == which[:-1]
        u, v = node_of[:-1][same_line], node_of[1:][same_line]
        keep = u != v
        u, v = u[keep], v[keep]
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        length = np.hypot(*(node_xy[hi] - node_xy[lo]).T)
        # one edge per pair of nodes (two ways over the same segment count once)
        order = np.lexsort((length, hi, lo))
        lo, hi, length = lo[order], hi[order], length[order]
        first_of_pair = np.ones(len(lo), dtype=bool)
        first_of_pair[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        return cls(node_xy, lo[first_of_pair], hi[first_of_pair], length[first_of_pair], crs,
                   source or NetworkSource("street lines", ""))

    # -- derived once, on first use -----------------------------------------------------------------
    @cached_property
    def matrix(self) -> csr_matrix:
        """The directed adjacency matrix (both directions of every edge), weights in metres."""
        from scipy.sparse import csr_matrix

        n = self.node_count
        rows = np.concatenate([self.edge_u, self.edge_v])
        cols = np.concatenate([self.edge_v, self.edge_u])
        weights = np.maximum(np.concatenate([self.edge_length_m, self.edge_length_m]), MIN_WEIGHT_M)
        return csr_matrix((weights, (rows, cols)), shape=(n, n))

    @cached_property
    def segments(self) -> np.ndarray:
        """Each edge as a two-point LineString (for snapping and drawing)."""
        ends = np.stack([self.node_xy[self.edge_u], self.node_xy[self.edge_v]], axis=1)
        return shapely.linestrings(ends) if len(ends) else np.zeros(0, dtype=object)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the segments: nearest street edge of a point."""
        return shapely.STRtree(self.segments)

    @cached_property
    def blocks(self) -> StreetBlocks:
        """The city blocks the streets enclose (`blocks.py`); saved with the cache, else found on first use."""
        return street_blocks(self.node_xy, self.edge_u, self.edge_v, self.segments, self.tree)

    @cached_property
    def edge_part(self) -> np.ndarray:
        """The connected part (0..) each edge belongs to."""
        from scipy.sparse.csgraph import connected_components

        _, node_part = connected_components(self.matrix, directed=False)
        return node_part[self.edge_u] if self.edge_count else np.zeros(0, dtype="int64")

    @cached_property
    def part_length_m(self) -> np.ndarray:
        """The street length of each connected part."""
        return np.bincount(self.edge_part, weights=self.edge_length_m) if self.edge_count else np.zeros(0)

    @cached_property
    def serving_edge(self) -> np.ndarray:
        """True for the edges of the network that serves the city (the module docstring)."""
        lengths = self.part_length_m
        if not len(lengths):
            return np.zeros(0, dtype=bool)
        return (lengths >= SERVING_SHARE * lengths.max())[self.edge_part]

    @cached_property
    def serving_tree(self) -> tuple[np.ndarray, shapely.STRtree]:
        """The serving edges (indices) and a spatial index of their segments."""
        which = np.flatnonzero(self.serving_edge)
        return which, shapely.STRtree(self.segments[which])

    @cached_property
    def extent(self) -> shapely.Geometry:
        """Where the network that serves the city lies: the convex hull of its nodes."""
        serving = self.serving_edge
        ends = np.unique(np.concatenate([self.edge_u[serving], self.edge_v[serving]]))
        return shapely.convex_hull(shapely.multipoints(self.node_xy[ends])) if len(ends) else shapely.Polygon()

    def arrays(self) -> dict[str, np.ndarray]:
        """The graph as plain arrays (what the cache stores)."""
        return {"node_xy": self.node_xy, "edge_u": self.edge_u, "edge_v": self.edge_v,
                "edge_length_m": self.edge_length_m}
