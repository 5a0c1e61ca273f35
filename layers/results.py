"""Result layers: what the dashboard computed, drawn on the map as ordinary layers of the stack.

Each result (the catchment, the overlap combinations, the scenario's gained area) is one
VectorLayer with `source=None` (project files skip source-less layers) and role 'other' (no
figure counts it). A new result replaces the features of the same layer (a 'data' event), so
results never pile up and the planner's visibility and opacity choices stay. A result layer the
planner removed comes back with the next result. It is placed under the network layers (lines,
stations, bridges) so it tints the map without hiding them.
"""
from __future__ import annotations

import geopandas as gpd

from layers.layer import Style, VectorLayer
from layers.stack import LayerStack

NETWORK_ROLES = ("metro_line", "metro_station", "bridge")


class ResultLayers:
    def __init__(self, stack: LayerStack):
        self.stack = stack
        self.layers: dict[str, VectorLayer] = {}

    def show(self, key: str, gdf: gpd.GeoDataFrame, name: str, style: Style) -> VectorLayer:
        layer = self.layers.get(key)
        if layer is not None and layer in self.stack:
            layer.gdf = gdf
            layer.style = style
            if layer.name != name and self.stack.find(name) is None:
                layer.name = name
            self.stack.notify_data_changed(layer)
            return layer
        layer = VectorLayer(name=name, source=None, role="other", style=style, gdf=gdf)
        index = next((i for i, l in enumerate(self.stack) if l.role in NETWORK_ROLES), None)
        self.layers[key] = self.stack.add(layer, index)
        return layer

    def get(self, key: str) -> VectorLayer | None:
        layer = self.layers.get(key)
        return layer if layer is not None and layer in self.stack else None

    def is_result(self, layer) -> bool:
        return any(layer is mine for mine in self.layers.values())
