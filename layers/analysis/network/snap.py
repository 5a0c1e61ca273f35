"""Snapping origins (stations, stops, entrances) onto the street network.

Each origin walks to the nearest point of the nearest street EDGE (not the nearest node: a
station beside a long street is on that street, not at its far junction), found with shapely's
STRtree; the straight walk from the origin to that point, the off-street distance, is added to
every distance walked from it.

Origins join the network that serves the city (`StreetGraph.serving_edge`), never a fragment
joined to nothing: a station whose nearest street is a 40 m platform footway would otherwise
reach 40 m of street. Such an origin is joined to the nearest serving street instead, and
`fragment_length_m` says how long the fragment it passed over is (so the catchment can say so).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.analysis.network.graph import StreetGraph


@dataclass(frozen=True)
class Snapped:
    """Where each origin joins the network: edge index, fraction along it from `edge_u`, the
    joining point (x, y) and the off-street distance in metres."""

    origin_xy: np.ndarray  # (k, 2)
    edge: np.ndarray  # (k,) int64
    fraction: np.ndarray  # (k,) 0..1 from edge_u to edge_v
    point_xy: np.ndarray  # (k, 2)
    off_street_m: np.ndarray  # (k,)
    fragment_length_m: np.ndarray  # (k,) street length of a nearer fragment passed over (0: none)


def snap_to_streets(graph: StreetGraph, origin_xy: np.ndarray) -> Snapped:
    """The nearest street edge of each origin point (x, y in the graph's CRS) and the point on it."""
    origin_xy = np.asarray(origin_xy, dtype="float64").reshape(-1, 2)
    if graph.edge_count == 0:
        raise ValueError("the street network has no streets")
    if not np.isfinite(origin_xy).all():
        raise ValueError("an origin has coordinates that are not finite numbers")
    if not len(origin_xy):
        empty = np.zeros(0)
        return Snapped(origin_xy, empty.astype("int64"), empty, origin_xy.copy(), empty, empty)
    points = shapely.points(origin_xy)
    serving, tree = graph.serving_tree
    (which, nearest), _ = tree.query_nearest(points, all_matches=False, return_distance=True)
    edge = np.empty(len(origin_xy), dtype="int64")
    edge[which] = serving[nearest]
    (which, nearest), _ = graph.tree.query_nearest(points, all_matches=False, return_distance=True)
    any_edge = np.empty(len(origin_xy), dtype="int64")
    any_edge[which] = nearest
    on_fragment = ~graph.serving_edge[any_edge] & (
        shapely.distance(graph.segments[any_edge], points) < shapely.distance(graph.segments[edge], points))
    fragment = np.where(on_fragment, graph.part_length_m[graph.edge_part[any_edge]], 0.0)
    a = graph.node_xy[graph.edge_u[edge]]
    b = graph.node_xy[graph.edge_v[edge]]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", origin_xy - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    point = a + t[:, None] * ab
    return Snapped(origin_xy, edge.astype("int64"), t, point, np.hypot(*(origin_xy - point).T), fragment)
