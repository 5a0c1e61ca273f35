"""Walking distance along the street network: the street graph, its cache, and walking catchments.

* `osm.py`: the walking ways of an OpenStreetMap extract (pyrosm, offline, checked first).
* `graph.py`: `StreetGraph`, nodes and straight edges in the working metric CRS, SciPy sparse.
* `cache.py`: the graph built once and cached beside its source.
* `snap.py`: origins joined to their nearest street edge, with the off-street distance.
* `reach.py`: multi-source Dijkstra with a distance limit; edges cut where the distance runs out.
* `blocks.py`: the city blocks the streets enclose (faces of the graph), found once and cached.
* `catchment.py`: the reached streets widened by a walking band, holes filled; per-origin shares.
* `origins.py`: where a walk starts from a station, a line or an area.
* `network.py`: `WalkingNetwork`, the network a session measures with (where from, built how).
"""
from layers.analysis.network.catchment import (
    DEFAULT_BAND_M, DEFAULT_FILL_HOLES_M2, WalkingCatchment, walking_catchment, walking_catchment_of,
)
from layers.analysis.network.graph import NetworkSource, StreetGraph
from layers.analysis.network.network import WalkingNetwork, graph_from_layer, graph_from_osm, is_osm_extract
from layers.analysis.network.osm import GET_NETWORK_HINT, read_walking_streets

__all__ = [
    "DEFAULT_BAND_M", "DEFAULT_FILL_HOLES_M2", "WalkingCatchment", "walking_catchment", "walking_catchment_of",
    "NetworkSource", "StreetGraph", "GET_NETWORK_HINT", "read_walking_streets", "WalkingNetwork",
    "graph_from_layer", "graph_from_osm", "is_osm_extract",
]
