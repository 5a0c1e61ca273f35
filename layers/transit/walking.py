"""Walking times for the router: from origins to stops, between stops, from stops to destinations.

A journey by transit is a walk to a stop, rides with at most one walk between two of them (a
transfer), and a walk from the last stop (`layers.transit.router`). Every walk is a table of
(from, to, seconds) pairs within a stated distance, as a SciPy sparse matrix (from x to):

* along the street network where one is loaded (`StreetGraph`): each point joins its nearest
  street at its snapped point (`layers.analysis.network.snap`), walks off-street to it in a straight
  line, then along the streets (Dijkstra from both ends of its edge, SciPy, with a distance limit);
* else in a straight line between the points (a k-d tree, SciPy).

Seconds = metres / the walking speed (4.8 km/h by default, 1.333 m/s, as r5 and Conveyal), rounded
up to the whole second so that the router works in integer seconds and a walk is never shortened.
A point's walk to itself (the same stop) takes 0 s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from layers.analysis.network.graph import StreetGraph
from layers.analysis.network.snap import snap_to_streets

DEFAULT_WALK_SPEED_KMH = 4.8
DEFAULT_MAX_TRANSFER_M = 1_000.0  # r5's transfer search radius
DEFAULT_MAX_ACCESS_MIN = 20.0  # walk to the first stop / from the last stop (Conveyal's default access time)
_DIJKSTRA_CHUNK = 32  # points per SciPy call: its dense (sources x nodes) answer stays small


@dataclass(frozen=True)
class WalkRule:
    """How people walk in a journey: speed, the longest transfer, the longest walk to and from stops,
    and the streets (None: straight lines)."""

    speed_kmh: float = DEFAULT_WALK_SPEED_KMH
    max_transfer_m: float = DEFAULT_MAX_TRANSFER_M
    max_access_min: float = DEFAULT_MAX_ACCESS_MIN
    graph: StreetGraph | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise ValueError(f"a walking speed is a positive number of km/h, not {self.speed_kmh}")
        if not (self.max_transfer_m >= 0 and self.max_access_min >= 0):
            raise ValueError("the longest transfer and access walk are distances and times >= 0")

    @property
    def speed_m_s(self) -> float:
        return self.speed_kmh / 3.6

    @property
    def max_access_m(self) -> float:
        return self.max_access_min * 60.0 * self.speed_m_s

    @property
    def text(self) -> str:
        where = f"along the street network ({self.graph.source.text()})" if self.graph is not None else \
            "in a straight line"
        return (f"walking {where} at {self.speed_kmh:g} km/h; transfers up to {self.max_transfer_m:,.0f} m; "
                f"to and from stops up to {self.max_access_min:g} min")

    def seconds(self, metres: np.ndarray) -> np.ndarray:
        return np.ceil(np.asarray(metres, dtype=np.float64) / self.speed_m_s - 1e-9).astype(np.int64)

    def walk_table(self, from_xy: np.ndarray, to_xy: np.ndarray, max_m: float) -> csr_matrix:
        """Walking seconds (from x to, int64) for every pair within `max_m` metres of walk; a pair
        at 0 m is stored (SciPy drops explicit zeros otherwise, so seconds are stored + 1)."""
        from_xy = np.asarray(from_xy, dtype=np.float64).reshape(-1, 2)
        to_xy = np.asarray(to_xy, dtype=np.float64).reshape(-1, 2)
        if self.graph is None:
            i, j, metres = _straight_pairs(from_xy, to_xy, max_m)
        elif len(from_xy) > len(to_xy):  # a walk is the same both ways: Dijkstra from the fewer points
            j, i, metres = _street_pairs(self.graph, to_xy, from_xy, max_m)
        else:
            i, j, metres = _street_pairs(self.graph, from_xy, to_xy, max_m)
        return coo_matrix((self.seconds(metres) + 1, (i, j)), shape=(len(from_xy), len(to_xy))).tocsr()


def table_pairs(table: csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from, to, seconds) of a walk table, sorted by from."""
    coo = table.tocoo()
    order = np.lexsort((coo.col, coo.row))
    return coo.row[order].astype(np.int64), coo.col[order].astype(np.int64), coo.data[order].astype(np.int64) - 1


def _straight_pairs(from_xy, to_xy, max_m):
    if not len(from_xy) or not len(to_xy):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    near = cKDTree(from_xy).sparse_distance_matrix(cKDTree(to_xy), max_m, output_type="ndarray")  # zeros kept
    return near["i"].astype(np.int64), near["j"].astype(np.int64), near["v"].astype(np.float64)


def _street_pairs(graph: StreetGraph, from_xy, to_xy, max_m):
    """Walks along the streets: off-street to the snapped point, then the network; a pair on the same
    edge may also walk along it directly."""
    if not len(from_xy) or not len(to_xy):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    a, b = snap_to_streets(graph, from_xy), snap_to_streets(graph, to_xy)
    length = graph.edge_length_m
    b_u, b_v = graph.edge_u[b.edge], graph.edge_v[b.edge]
    b_to_u, b_to_v = b.fraction * length[b.edge] + b.off_street_m, (1 - b.fraction) * length[b.edge] + b.off_street_m
    rows, cols, dist = [], [], []
    # Sources near each other go together, each group searched on the streets within max_m of its
    # bounding box only: a street further away (in a straight line) is further along the streets too.
    cell = np.floor(from_xy / max(max_m, 1.0)).astype(np.int64)
    order = np.lexsort((cell[:, 1], cell[:, 0]))
    node_xy = graph.node_xy
    for lo in range(0, len(from_xy), _DIJKSTRA_CHUNK):
        k = order[lo:lo + _DIJKSTRA_CHUNK]
        e = a.edge[k]
        start_u = a.fraction[k] * length[e] + a.off_street_m[k]
        start_v = (1 - a.fraction[k]) * length[e] + a.off_street_m[k]
        limit = max_m - min(start_u.min(), start_v.min())
        if limit < 0:
            continue
        ends = np.r_[graph.edge_u[e], graph.edge_v[e]]
        low = np.minimum(from_xy[k].min(axis=0), node_xy[ends].min(axis=0)) - max_m
        high = np.maximum(from_xy[k].max(axis=0), node_xy[ends].max(axis=0)) + max_m
        inside = np.flatnonzero(((node_xy >= low) & (node_xy <= high)).all(axis=1))
        local = np.full(graph.node_count + 1, -1, dtype=np.int64)  # the last: a node outside, never reached
        local[inside] = np.arange(len(inside))
        d = dijkstra(graph.matrix[inside][:, inside], directed=False, indices=local[ends], limit=limit)
        d = np.c_[d, np.full(len(d), np.inf)]  # column -1: outside the box
        node_d = np.minimum(d[: len(k)] + start_u[:, None], d[len(k):] + start_v[:, None])  # (k, local nodes)
        to_d = np.minimum(node_d[:, local[b_u]] + b_to_u[None, :], node_d[:, local[b_v]] + b_to_v[None, :])
        same_edge = e[:, None] == b.edge[None, :]
        along = np.abs(a.fraction[k][:, None] - b.fraction[None, :]) * length[e][:, None] \
            + a.off_street_m[k][:, None] + b.off_street_m[None, :]
        to_d = np.where(same_edge, np.minimum(to_d, along), to_d)
        i, j = np.nonzero(to_d <= max_m)
        rows.append(k[i])
        cols.append(j)
        dist.append(to_d[i, j])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64), np.concatenate(dist)
