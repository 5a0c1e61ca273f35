"""The city blocks of a street graph: the faces its streets enclose, found once per network.

A walking catchment is every point within the walking band of a reached street. Dissolving a
band around each of a city's hundreds of thousands of reached street pieces is slow (seconds at
300,000 edges); most of the catchment, though, is whole blocks. A block (a face of the planar
street graph) whose every side is reached is covered except for its core, the points further
than the band from its sides (`Polygon.buffer(-band)`): any straight line from a point of the
block to a street outside it crosses one of the block's own sides, which is nearer. So the
catchment is made of whole blocks with their cores cut out, plus the band around the pieces
that are not inside those blocks (`catchment.widen`), exact to the same arc approximation as a
band drawn around every piece.

The blocks come from `shapely.polygonize` of the edges that meet others only at shared nodes:
an edge that crosses, overlaps or touches another one mid-way (a footbridge over a road drawn
without a shared vertex) belongs to no block; its reached pieces get their band drawn one by one.
Each block knows its sides (edge indices); the blocks and their sides are saved with the graph's
cache (`cache.py`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.lookup import lookup

COLLINEAR_SINE = 1e-9  # two edges from one node whose directions differ by less than this overlap


@dataclass(eq=False)
class StreetBlocks:
    """The faces of a street graph (`polygons`) and, as pairs, which edges are their sides."""

    polygons: np.ndarray  # (f,) shapely Polygons in the graph's CRS
    side_block: np.ndarray  # (s,) int64: block index of each (block, edge) side
    side_edge: np.ndarray  # (s,) int64: edge index of each side

    def __post_init__(self) -> None:
        self.polygons = np.asarray(self.polygons, dtype=object).reshape(-1)
        self.side_block = np.asarray(self.side_block, dtype="int64")
        self.side_edge = np.asarray(self.side_edge, dtype="int64")
        if len(self.side_block) != len(self.side_edge):
            raise ValueError("street blocks need as many side blocks as side edges")
        if len(self.side_block) and (self.side_block.min() < 0 or self.side_block.max() >= len(self.polygons)):
            raise ValueError("street block sides name blocks that do not exist")
        if len(self.polygons) and not (shapely.get_type_id(self.polygons) == 3).all():
            raise ValueError("street blocks must be polygons")

    def enclosed(self, whole_edge: np.ndarray) -> np.ndarray:
        """Boolean per block: every side is an edge in `whole_edge` (reached from end to end)."""
        open_sides = np.bincount(self.side_block, weights=~whole_edge[self.side_edge], minlength=len(self.polygons))
        return open_sides == 0

    def sides_in(self, blocks: np.ndarray, edge_count: int) -> np.ndarray:
        """For each edge, how many of the chosen blocks (boolean per block) it is a side of."""
        return np.bincount(self.side_edge[blocks[self.side_block]], minlength=edge_count)


    def arrays(self) -> dict[str, np.ndarray]:
        """The blocks as plain arrays (what the cache stores: no Python objects)."""
        if len(self.polygons):
            _, coords, (ring_offsets, polygon_offsets) = shapely.to_ragged_array(self.polygons)
        else:  # a network that encloses nothing (a single street, a tree of paths)
            coords, ring_offsets, polygon_offsets = np.zeros((0, 2)), np.zeros(1, "int64"), np.zeros(1, "int64")
        return {"block_xy": coords, "block_ring_offsets": ring_offsets, "block_offsets": polygon_offsets,
                "side_block": self.side_block, "side_edge": self.side_edge}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], edge_count: int) -> StreetBlocks:
        """From `arrays()` (read from a cache, so checked: finite, in range)."""
        xy = np.asarray(arrays["block_xy"], dtype="float64")
        if not np.isfinite(xy).all():
            raise ValueError("street blocks with coordinates that are not finite")
        offsets = (np.asarray(arrays["block_ring_offsets"], dtype="int64").ravel(),
                   np.asarray(arrays["block_offsets"], dtype="int64").ravel())
        # GEOS is handed these offsets: anything but closed rings of 4+ points, 1+ rings a block, is refused
        rings, blocks = offsets
        if not (len(rings) and len(blocks) and rings[0] == 0 == blocks[0] and rings[-1] == len(xy)
                and blocks[-1] == len(rings) - 1 and (np.diff(rings) >= 4).all() and (np.diff(blocks) >= 1).all()):
            raise ValueError("street blocks with broken ring offsets")
        polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, offsets) if len(offsets[1]) > 1 \
            else np.zeros(0, dtype=object)
        blocks = cls(polygons, arrays["side_block"], arrays["side_edge"])
        if len(blocks.side_edge) and (blocks.side_edge.min() < 0 or blocks.side_edge.max() >= edge_count):
            raise ValueError("street block sides name edges that do not exist")
        return blocks


def street_blocks(node_xy: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, segments: np.ndarray,
                  tree: shapely.STRtree) -> StreetBlocks:
    """The blocks enclosed by the edges that meet others only at shared nodes."""
    noded = ~_meeting_mid_way(node_xy, edge_u, edge_v, segments, tree)
    try:
        polygons = shapely.get_parts(shapely.polygonize(segments[noded])) if noded.any() else np.zeros(0, dtype=object)
    except shapely.errors.GEOSException:  # no blocks: every piece gets its own band (the same area, slower)
        polygons = np.zeros(0, dtype=object)
    polygons = polygons[shapely.get_type_id(polygons) == 3] if len(polygons) else polygons
    if not len(polygons):
        return StreetBlocks(polygons, np.zeros(0, "int64"), np.zeros(0, "int64"))
    # each ring segment of a block is an edge: find it by its end nodes (polygonize keeps the coordinates)
    rings, ring_block = shapely.get_rings(polygons, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    node = _node_at(node_xy, xy)
    same_ring = ring[1:] == ring[:-1]
    a, b, block = node[:-1][same_ring], node[1:][same_ring], ring_block[ring[:-1][same_ring]]
    edge = _edge_between(edge_u, edge_v, len(node_xy), a, b)
    # a block with a side that is not an edge (cannot happen with noded edges) is left out: never guessed
    bad = np.unique(block[(edge < 0) | (a < 0) | (b < 0)])
    keep = np.ones(len(polygons), dtype=bool)
    keep[bad] = False
    new_index = np.cumsum(keep) - 1
    ok = keep[block]
    return StreetBlocks(polygons[keep], new_index[block[ok]], edge[ok])


def _meeting_mid_way(node_xy, edge_u, edge_v, segments, tree) -> np.ndarray:
    """Boolean per edge: it crosses, overlaps or touches another edge elsewhere than at a shared node."""
    i, j = tree.query(segments)  # boxes that overlap; most such pairs meet at a node
    pair = i < j
    i, j = i[pair], j[pair]
    ui, vi, uj, vj = edge_u[i], edge_v[i], edge_u[j], edge_v[j]
    common = np.where((ui == uj) | (ui == vj), ui, np.where((vi == uj) | (vi == vj), vi, -1))
    bad = common < 0
    bad[bad] = shapely.intersects(segments[i[bad]], segments[j[bad]])
    # two edges from one node overlap if they leave it in the same direction
    share = np.flatnonzero(~bad)
    c = common[share]
    di = node_xy[np.where(ui[share] == c, vi[share], ui[share])] - node_xy[c]
    dj = node_xy[np.where(uj[share] == c, vj[share], uj[share])] - node_xy[c]
    cross = di[:, 0] * dj[:, 1] - di[:, 1] * dj[:, 0]
    dot = np.einsum("ij,ij->i", di, dj)
    norms = np.hypot(*di.T) * np.hypot(*dj.T)
    bad[share[(np.abs(cross) <= COLLINEAR_SINE * norms) & (dot > 0)]] = True
    flagged = np.zeros(len(edge_u), dtype=bool)
    flagged[i[bad]] = True
    flagged[j[bad]] = True
    return flagged


def _node_at(node_xy: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Index of the node at each exact coordinate (-1 where there is none)."""
    key = node_xy[:, 0] + 1j * node_xy[:, 1]  # complex numbers sort by x, then y
    order = np.argsort(key)
    at, found = lookup(key[order], xy[:, 0] + 1j * xy[:, 1])
    return np.where(found, order[at], -1)


def _edge_between(edge_u, edge_v, node_count, a, b) -> np.ndarray:
    """Index of the edge joining nodes a and b (-1 where there is none)."""
    key = np.minimum(edge_u, edge_v) * node_count + np.maximum(edge_u, edge_v)
    order = np.argsort(key)
    at, found = lookup(key[order], np.minimum(a, b) * node_count + np.maximum(a, b))
    return np.where(found & (a >= 0) & (b >= 0), order[at], -1)
