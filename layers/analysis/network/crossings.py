"""Street files as agencies publish them: lines joined where they cross, level by level.

A municipal centre-line file often draws two streets that cross as two lines with no vertex in
common; walked as drawn, a station would reach only its own street. So a street layer is
noded at its crossings (GEOS noding, `shapely.node`): every crossing and every end that
touches another line mid-way becomes a shared vertex, and the graph joins the streets there.

Noding every line with every other would join a bridge to the street it passes over. So the
lines are noded level by level, the level being what the data says (`LEVEL_FIELDS`: OSM's
`bridge`, `tunnel` and `layer` tags, as most centre-line files carry them): a street at ground
level, a bridge and a tunnel, each at its `layer`. Lines of two levels join only where they
share a vertex (a bridge's end on the street it comes down to), as OpenStreetMap ways do. A
layer with none of these fields is one level.

OpenStreetMap extracts are not noded: in OSM, ways join only at shared nodes by definition, and
a crossing without one is a bridge, a tunnel or a mapping error (OSMnx builds its graphs the
same way).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# what each part of a level is read from (the first field present, names in any case)
LEVEL_FIELDS = {"bridge": ("bridge", "is_bridge"), "tunnel": ("tunnel", "is_tunnel"), "layer": ("layer",)}
NOT_SET = frozenset({"", "no", "false", "0", "n", "f", "none", "nan", "null"})  # 'bridge=no' and the like


def street_levels(streets: gpd.GeoDataFrame) -> np.ndarray:
    """The level of each street as text ('ground 0', 'bridge 1', 'tunnel -1', ...) from its attributes."""
    n = len(streets)
    columns = {str(c).lower(): c for c in streets.columns}

    def column(kind: str):
        name = next((columns[f] for f in LEVEL_FIELDS[kind] if f in columns), None)
        return None if name is None else streets[name]

    def is_set(values) -> np.ndarray:
        if values is None:
            return np.zeros(n, dtype=bool)
        text = values.astype("string").fillna("").str.strip().str.lower()
        return ~text.isin(NOT_SET).to_numpy(dtype=bool)

    structure = np.where(is_set(column("tunnel")), "tunnel", "ground").astype(object)
    structure[is_set(column("bridge"))] = "bridge"
    layer = column("layer")
    layer = np.zeros(n, dtype="int64") if layer is None else \
        pd.to_numeric(layer, errors="coerce").fillna(0).round().to_numpy(dtype="int64")
    return structure + " " + layer.astype(str)


def node_crossings(streets) -> np.ndarray:
    """The street lines split at every crossing of two lines of one level (`street_levels`).

    `streets`: a GeoDataFrame (its level fields are read) or an array of lines (one level).
    Returns LineStrings in the same CRS; the graph then joins them at their shared vertices."""
    if isinstance(streets, gpd.GeoDataFrame):
        geoms = np.asarray(streets.geometry.values, dtype=object)
        levels = street_levels(streets)
    else:
        geoms = np.asarray(streets.values if isinstance(streets, gpd.GeoSeries) else streets, dtype=object).ravel()
        levels = np.zeros(len(geoms), dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keep[keep] = np.isin(shapely.get_type_id(geoms[keep]), (1, 2, 5))  # LineString, LinearRing, MultiLineString
    geoms, levels = geoms[keep], levels[keep]
    pieces = []
    for level in pd.unique(levels):
        lines = shapely.get_parts(geoms[levels == level])
        noded = shapely.node(shapely.multilinestrings(lines))
        pieces.append(shapely.get_parts(noded))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=object)
