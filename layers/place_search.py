"""Place search: any feature of the loaded layers found by its name, to zoom the map to it.

Names are matched without case or accents, so 'van mieu' finds 'Văn Miếu - Quốc Tử Giám' and
'sao paulo' finds 'São Paulo' (Vietnamese đ is d). A name equal to the text comes first, then
names that start with it, then names that hold it; among equals, the topmost layer first.
The name is the layer's name field (Layers dock), else a field called 'name'.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from layers.layer import Layer, VectorLayer

LIMIT = 20


@dataclass(frozen=True)
class Place:
    name: str
    layer: VectorLayer
    row: int  # the feature's position in the layer's GeoDataFrame
    bounds: tuple[float, float, float, float]  # in the CRS asked for

    def label(self) -> str:
        return f"{self.name} — {self.layer.name}"


def fold(text: str) -> str:
    """Text without case or accents, spaces collapsed: what two spellings of one name share."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def name_column(layer: VectorLayer) -> str | None:
    column = layer.fields.name if layer.fields.name in layer.gdf.columns else None
    return column or ("name" if "name" in layer.gdf.columns else None)


def find_places(layers: list[Layer], text: str, crs, limit: int = LIMIT) -> list[Place]:
    """The features whose name holds `text` (folded), best first, at most `limit`, bounds in `crs`."""
    query = fold(text)
    if not query:
        return []
    found = []
    for depth, layer in enumerate(reversed(list(layers))):  # the topmost layer first
        if not isinstance(layer, VectorLayer) or (column := name_column(layer)) is None:
            continue
        folded = _folded_names(layer.gdf, column)
        for row in np.flatnonzero([query in f for f in folded]):
            rank = 0 if folded[row] == query else 1 if folded[row].startswith(query) else 2
            found.append((rank, depth, len(folded[row]), layer, int(row)))
    found.sort(key=lambda f: f[:3])
    places = []
    for _rank, _depth, _length, layer, row in found[:limit]:
        geometry = layer.in_crs(crs).geometry.iloc[row]
        if geometry is None or geometry.is_empty:
            continue
        places.append(Place(str(layer.gdf[name_column(layer)].iloc[row]), layer, row,
                            tuple(float(v) for v in geometry.bounds)))
    return places


_FOLDED: dict = {}  # (id(gdf), column) -> (gdf, folded names): folded once per layer, not per keystroke


def _folded_names(gdf, column: str) -> np.ndarray:
    key = (id(gdf), column)
    cached = _FOLDED.get(key)
    if cached is None or cached[0] is not gdf:
        if len(_FOLDED) >= 64:
            _FOLDED.clear()
        cached = _FOLDED[key] = (gdf, np.array([fold(v) if isinstance(v, str) else "" for v in gdf[column]],
                                               dtype=object))
    return cached[1]
