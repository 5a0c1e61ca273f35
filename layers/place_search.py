"""Place search: any feature of the loaded layers found by its name, to zoom the map to it.

Names are matched without case or accents, so 'van mieu' finds 'Văn Miếu - Quốc Tử Giám' and
'sao paulo' finds 'São Paulo' (Vietnamese đ is d). A name equal to the text comes first, then
names that start with it, then names that hold it; among equals, the topmost layer first.
The name is the layer's name field (Layers dock), else a field called 'name'.

Each place is listed once, with its layer beside its name: the features of one layer that share a
name and lie within SAME_PLACE_M of each other (an interchange's two platforms, a line drawn in
pieces) are one place, zoomed to and highlighted together. One name in two layers is two places
('Cầu Giấy — Metro stations', 'Cầu Giấy — Districts'); one name far apart in one layer is
numbered ('… (1 of 2)').
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import shapely

from layers.layer import Layer, VectorLayer

LIMIT = 20
SAME_PLACE_M = 500.0  # features of one name and layer closer than this are one place


@dataclass(frozen=True)
class Place:
    name: str
    layer: VectorLayer
    rows: tuple[int, ...]  # the features' positions in the layer's GeoDataFrame
    bounds: tuple[float, float, float, float]  # of all of them, in the CRS asked for
    part: str = ""  # '(1 of 2)' when the same name and layer are elsewhere too

    def label(self) -> str:
        return f"{self.name} — {self.layer.name}" + (f" {self.part}" if self.part else "")


def fold(text: str) -> str:
    """Text without case or accents, spaces collapsed: what two spellings of one name share."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def name_column(layer: VectorLayer) -> str | None:
    column = layer.fields.name if layer.fields.name in layer.gdf.columns else None
    return column or ("name" if "name" in layer.gdf.columns else None)


def find_places(layers: list[Layer], text: str, crs, limit: int = LIMIT) -> list[Place]:
    """The places whose name holds `text` (folded), best first, at most `limit`, bounds in `crs`
    (a metric CRS: SAME_PLACE_M is measured in it)."""
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
            found.append((rank, depth, len(folded[row]), folded[row], layer, int(row)))
    found.sort(key=lambda f: f[:4])  # one layer's features of one name next to each other
    places: list[tuple[Place, object]] = []  # each with the union of its features' geometries
    current: tuple | None = None  # (layer, folded name) of the features being gathered
    for _rank, _depth, _length, key, layer, row in found:
        if (id(layer), key) != current:
            if len(places) >= limit:
                break
            current, start = (id(layer), key), len(places)
        geometry = layer.shapes_in_crs([row], crs)[0]
        if geometry is None or geometry.is_empty:
            continue
        near = next((i for i in range(start, len(places))
                     if shapely.distance(places[i][1], geometry) <= SAME_PLACE_M), None)
        if near is None:
            name = str(layer.gdf[name_column(layer)].iloc[row])
            places.append((Place(name, layer, (row,), _bounds(geometry)), geometry))
        else:
            place, union = places[near]
            union = shapely.union(union, geometry)
            places[near] = (replace(place, rows=(*place.rows, row), bounds=_bounds(union)), union)
    return _numbered([place for place, _ in places[:limit]])


def _bounds(geometry) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in geometry.bounds)


def _numbered(places: list[Place]) -> list[Place]:
    """Places whose labels would be the same numbered '(1 of 2)', '(2 of 2)' in the list's order."""
    counts, seen = Counter(place.label() for place in places), Counter()
    numbered = []
    for place in places:
        label = place.label()
        if counts[label] > 1:
            seen[label] += 1
            place = replace(place, part=f"({seen[label]} of {counts[label]})")
        numbered.append(place)
    return numbered


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
