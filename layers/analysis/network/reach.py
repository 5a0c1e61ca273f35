"""How far each origin reaches along the streets: multi-source Dijkstra with a distance limit.

Every origin joins the network at its snapped point (`snap.py`), which becomes a node of its
own splitting its edge; a node per origin is joined to it by the off-street distance. One run of
`scipy.sparse.csgraph.dijkstra(indices=origins, limit=R, min_only=True)` then gives every node
its distance to the nearest origin and which origin that is.

An edge whose ends are at distances da and db is reached from its first end up to R - da and
from its second end up to R - db; a point on it belongs to the origin it is nearest to, so the
edge is split where da + s = db + (L - s). Both ends may be reached (from the same origin or two
different ones) and the middle not: then two partial pieces. Pieces are straight (the edges
are), so each is cut exactly by linear interpolation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.analysis.network.graph import MIN_WEIGHT_M, StreetGraph
from layers.analysis.network.snap import Snapped
from layers.analysis.progress import IsCancelled, check


@dataclass
class Reach:
    """The streets walked within `radius_m` of the origins, as straight pieces.

    `pieces` is (m, 2, 2): start and end (x, y) of each piece; `piece_origin` the origin each
    piece is nearest to; `piece_edge` the edge it lies on (-1 for the walk from an origin to its
    street, `on_street` False). Base nodes have `node_distance_m` (inf: not reached) and
    `node_origin` (-1: not reached); `whole_edge` is True for the edges reached from end to end
    (not those origins joined mid-way).
    """

    radius_m: float
    snapped: Snapped
    pieces: np.ndarray
    piece_origin: np.ndarray
    piece_edge: np.ndarray
    on_street: np.ndarray
    node_distance_m: np.ndarray
    node_origin: np.ndarray
    whole_edge: np.ndarray

    @property
    def piece_length_m(self) -> np.ndarray:
        return np.hypot(*(self.pieces[:, 1] - self.pieces[:, 0]).T) if len(self.pieces) else np.zeros(0)

    @property
    def street_length_m(self) -> float:
        """Length of street within reach (each metre once, the walks to the street left out)."""
        return float(self.piece_length_m[self.on_street].sum())

    def street_length_by_origin(self) -> np.ndarray:
        """Length of street nearest to each origin and within reach (sums to `street_length_m`)."""
        k = len(self.snapped.edge)
        return np.bincount(self.piece_origin[self.on_street], weights=self.piece_length_m[self.on_street],
                           minlength=k)


def walk(graph: StreetGraph, snapped: Snapped, radius_m: float, cancelled: IsCancelled = None,
         budget_m: np.ndarray | None = None) -> Reach:
    """Everything within `radius_m` metres of the snapped origins along the streets; with `budget_m`
    (one per origin, at most `radius_m`; < 0: the origin reaches nothing), within each origin's own
    budget instead. An origin with a smaller budget starts `radius_m - budget` behind (its walk to
    the street made that much longer in the search), so one run with the limit `radius_m` reaches
    a point iff some origin reaches it within its budget (a travel-time band: each stop reached
    walks the minutes it has left)."""
    if not (np.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"a walking distance must be a finite number of metres >= 0, not {radius_m}")
    budget = np.full(len(snapped.edge), float(radius_m)) if budget_m is None else \
        np.minimum(np.asarray(budget_m, dtype=np.float64), radius_m)
    head_start = radius_m - np.maximum(budget, -1.0)  # > radius_m: never reached
    n = graph.node_count
    edge, t = snapped.edge, snapped.fraction
    u, v, length = graph.edge_u[edge], graph.edge_v[edge], graph.edge_length_m[edge]
    check(cancelled)
    dist, origin = _dijkstra(graph, u, v, t * length, (1 - t) * length, snapped.off_street_m + head_start, radius_m)
    check(cancelled)
    base_d, base_o = dist[:n], origin[:n]
    split = np.zeros(graph.edge_count, dtype=bool)
    split[edge] = True
    touched = np.flatnonzero(~split & (np.isfinite(base_d[graph.edge_u]) | np.isfinite(base_d[graph.edge_v])))
    a, b = graph.edge_u[touched], graph.edge_v[touched]
    pieces, owner, which, whole = _cut(graph.node_xy[a], graph.node_xy[b], graph.edge_length_m[touched],
                                       base_d[a], base_d[b], base_o[a], base_o[b], radius_m)
    whole_edge = np.zeros(graph.edge_count, dtype=bool)
    whole_edge[touched[whole]] = True
    split_pieces, split_owner, split_edge = _cut_split_edges(graph, snapped, base_d, base_o, radius_m, head_start)
    walk_in, walk_owner = _walks_to_street(snapped, np.maximum(budget, 0.0))
    return Reach(radius_m, snapped, np.concatenate([pieces, split_pieces, walk_in]),
                 np.concatenate([owner, split_owner, walk_owner]),
                 np.concatenate([touched[which], split_edge, np.full(len(walk_in), -1, dtype="int64")]),
                 np.r_[np.ones(len(pieces) + len(split_pieces), dtype=bool), np.zeros(len(walk_in), dtype=bool)],
                 base_d, base_o, whole_edge)


def _dijkstra(graph, u, v, to_u, to_v, off_street, radius_m):
    """Distances and nearest origins of the base nodes and of the snapped points.

    Node n + i is origin i's snapped point (edges to both ends of its street edge), node
    n + k + i the origin itself (an edge of its off-street distance to its snapped point). No
    base edge leads into a snapped point, so the base matrix is reused as it is with rows
    appended; the snapped points' own distances are completed in `_cut_split_edges`.
    """
    from scipy.sparse import csr_matrix  # here, not at the top: only a walk needs SciPy
    from scipy.sparse.csgraph import dijkstra

    n, k = graph.node_count, len(u)
    base = graph.matrix
    size = n + 2 * k
    indptr = np.concatenate([base.indptr, base.nnz + np.cumsum(np.r_[np.full(k, 2), np.ones(k, dtype="int64")])])
    indices = np.concatenate([base.indices, np.column_stack([u, v]).ravel(), n + np.arange(k)])
    data = np.concatenate([base.data, np.maximum(np.column_stack([to_u, to_v]).ravel(), MIN_WEIGHT_M),
                           np.maximum(off_street, MIN_WEIGHT_M)])
    matrix = csr_matrix((data, indices.astype(base.indices.dtype, copy=False), indptr), shape=(size, size))
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1)
    dist, _, sources = dijkstra(matrix, directed=True, indices=n + k + np.arange(k), limit=radius_m,
                                min_only=True, return_predecessors=True)
    origin = np.where(sources >= 0, sources - (n + k), -1)
    dist = np.where(origin >= 0, dist, np.inf)
    return dist, origin


def _cut(a_xy, b_xy, length, da, db, oa, ob, radius_m):
    """Pieces of edges a-b within reach: [0, min(R - da, s*)] of a's origin, [max(L - (R - db), s*), L]
    of b's, with s* where both origins are equally near.

    Returns the pieces, their origins, the index of the edge each lies on (into the inputs) and
    whether each edge is reached from end to end. A piece shorter than `MIN_WEIGHT_M` (rounding
    where a node is reached exactly at R, or through the edge's other end) is left out: the
    piece it adjoins already ends at that point."""
    with np.errstate(invalid="ignore"):
        ra = np.clip(radius_m - da, 0.0, length)
        rb = np.clip(radius_m - db, 0.0, length)
        middle = np.where(np.isinf(da) & np.isinf(db), 0.0, (db + length - da) / 2)
    middle = np.clip(middle, 0.0, length)
    a_end = np.minimum(ra, middle)
    b_start = np.maximum(length - rb, middle)
    step = (b_xy - a_xy) / np.where(length > 0, length, 1.0)[:, None]
    from_a = a_end > MIN_WEIGHT_M
    from_b = b_start < length - MIN_WEIGHT_M
    pieces = np.concatenate([
        np.stack([a_xy[from_a], a_xy[from_a] + step[from_a] * a_end[from_a, None]], axis=1),
        np.stack([a_xy[from_b] + step[from_b] * b_start[from_b, None], b_xy[from_b]], axis=1),
    ]).reshape(-1, 2, 2)
    which = np.concatenate([np.flatnonzero(from_a), np.flatnonzero(from_b)])
    whole = a_end + MIN_WEIGHT_M >= b_start
    return pieces, np.concatenate([oa[from_a], ob[from_b]]).astype("int64"), which, whole


def _cut_split_edges(graph, snapped: Snapped, base_d, base_o, radius_m, head_start):
    """The edges origins joined: each is a chain u - p1 - ... - pm - v of sub-edges, cut like the rest.

    A snapped point's distance is the least of: from u or v along the edge, and from any origin
    that joined the same edge (its off-street distance plus the way along the edge).
    """
    k = len(snapped.edge)
    if k == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    order = np.lexsort((snapped.fraction, snapped.edge))
    edges, t = snapped.edge[order], snapped.fraction[order]
    length = graph.edge_length_m[edges]
    u, v = graph.edge_u[edges], graph.edge_v[edges]
    pos = t * length
    # from u and from v
    cand = np.stack([base_d[u] + pos, base_d[v] + (length - pos)], axis=1)
    cand_o = np.stack([base_o[u], base_o[v]], axis=1)
    d = np.min(cand, axis=1)
    o = cand_o[np.arange(k), np.argmin(cand, axis=1)]
    # from the origins on the same edge (their own included)
    starts = np.flatnonzero(np.r_[True, edges[1:] != edges[:-1]])
    ends = np.r_[starts[1:], k]
    off = (snapped.off_street_m + head_start)[order]
    for s, e in zip(starts, ends):
        via = off[s:e][None, :] + np.abs(pos[s:e][:, None] - pos[s:e][None, :])
        best = np.argmin(via, axis=1)
        better = via[np.arange(e - s), best] < d[s:e]
        d[s:e] = np.where(better, via[np.arange(e - s), best], d[s:e])
        o[s:e] = np.where(better, order[s:e][best], o[s:e])
    d = np.where(d <= radius_m, d, np.inf)
    o = np.where(np.isfinite(d), o, -1)
    # the chains: node before each snapped point is u or the previous point, and the last point ends at v
    first = np.zeros(k, dtype=bool)
    first[starts] = True
    last = np.zeros(k, dtype=bool)
    last[ends - 1] = True
    xy = snapped.point_xy[order]
    prev_xy = np.where(first[:, None], graph.node_xy[u], np.roll(xy, 1, axis=0))
    prev_pos = np.where(first, 0.0, np.roll(pos, 1))
    prev_d = np.where(first, base_d[u], np.roll(d, 1))
    prev_o = np.where(first, base_o[u], np.roll(o, 1))
    a_xy = np.concatenate([prev_xy, xy[last]])
    b_xy = np.concatenate([xy, graph.node_xy[v[last]]])
    sub_len = np.concatenate([pos - prev_pos, length[last] - pos[last]])
    da = np.concatenate([prev_d, d[last]])
    db = np.concatenate([d, base_d[v[last]]])
    oa = np.concatenate([prev_o, o[last]])
    ob = np.concatenate([o, base_o[v[last]]])
    keep = sub_len > 0
    on_edge = np.concatenate([edges, edges[last]])[keep]
    pieces, owner, which, _ = _cut(a_xy[keep], b_xy[keep], sub_len[keep], da[keep], db[keep], oa[keep], ob[keep],
                                   radius_m)
    return pieces, owner, on_edge[which]


def _walks_to_street(snapped: Snapped, budget_m: np.ndarray):
    """Each origin's walk to its street, as far as its distance allows."""
    off = snapped.off_street_m
    go = (off > 0) & (budget_m > 0)
    reach = np.minimum(1.0, budget_m / np.where(go, off, 1.0))[go]
    start = snapped.origin_xy[go]
    end = start + (snapped.point_xy[go] - start) * reach[:, None]
    return np.stack([start, end], axis=1).reshape(-1, 2, 2), np.flatnonzero(go).astype("int64")
