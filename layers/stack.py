"""LayerStack: the ordered layers of one map, and who to tell when they change.

Index 0 is drawn first (bottom); the last layer is drawn on top. Each kind of change has its own
typed signal (`stack.events.inserted.connect(draw)`, `stack.events.visibility`, ...; psygnal,
the Qt-free signals napari's layer list uses), so a view connects to what it shows and nothing
sorts event names; the stack never knows who is listening.
"""
from __future__ import annotations

from collections.abc import Iterator

from psygnal import Signal, SignalGroup

from layers.layer import Layer, Style, VectorLayer
from layers.analysis.scenario import Scenario

# Layers the timeline never filters: they are the city, not a network that opens over time.
CONTEXT_ROLES = ("boundary", "ward", "population", "water")
# Where a layer opened from a file goes (`LayerStack.placement`), by what it draws, as ArcGIS Pro's
# automatic layer placement does: a raster opened after the vectors (a population grid) lies under
# them, points are never hidden under polygons; within a tier the newest is on top. A geometry kind
# not listed (mixed, none) goes with the polygons, which cover the most.
DRAWING_TIERS = {"raster": 0, "polygon": 1, "line": 2, "point": 3}


class StackEvents(SignalGroup):
    """What changed in a stack. Each signal is emitted after the change, with the layer."""

    inserted = Signal(object, int)  # layer, its index
    removed = Signal(object, int)  # layer, the index it had
    moved = Signal(object, int)  # layer, its new index
    visibility = Signal(object)
    opacity = Signal(object)
    style = Signal(object)
    data = Signal(object)  # its features changed
    role = Signal(object)
    filter = Signal(object)  # its feature filter (e.g. the timeline's year)


class LayerStack:
    def __init__(self) -> None:
        self._layers: list[Layer] = []
        self.events = StackEvents()
        self.as_of_year: int | None = None  # the timeline's year; None: every feature shown

    # -- reading -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Layer]:
        return iter(list(self._layers))

    def __len__(self) -> int:
        return len(self._layers)

    def __getitem__(self, index: int) -> Layer:
        return self._layers[index]

    def __contains__(self, layer: object) -> bool:
        return layer in self._layers

    def index(self, layer: Layer) -> int:
        return self._layers.index(layer)

    def names(self) -> list[str]:
        return [layer.name for layer in self._layers]

    def find(self, name: str) -> Layer | None:
        return next((layer for layer in self._layers if layer.name == name), None)

    def dated(self) -> list[Layer]:
        """The layers the timeline filters (`set_as_of_year`)."""
        return [layer for layer in self._layers if _dated(layer)]

    def by_role(self, role: str, visible_only: bool = False) -> list[Layer]:
        return [l for l in self._layers if l.role == role and (l.visible or not visible_only)]

    # -- changing ----------------------------------------------------------------------------
    def add(self, layer: Layer, index: int | None = None) -> Layer:
        """Add on top (or at `index`); a name already in the stack gets a ' (2)' suffix."""
        if layer in self._layers:
            raise ValueError(f"layer '{layer.name}' is already in the stack")
        layer.name = self._unique_name(layer.name)
        if self.as_of_year is not None and _dated(layer):
            layer.feature_filter = Scenario.as_of(self.as_of_year)
        self._layers.insert(len(self._layers) if index is None else index, layer)
        self.events.inserted.emit(layer, self._layers.index(layer))
        return layer

    def placement(self, layer: Layer) -> int:
        """The index a layer opened from a file takes (`DRAWING_TIERS`): just above the highest layer
        of its tier or a lower one, wherever the planner has moved the layers; 0 with none."""
        below = [i for i, other in enumerate(self._layers) if _tier(other) <= _tier(layer)]
        return below[-1] + 1 if below else 0

    def remove(self, layer: Layer) -> None:
        index = self._layers.index(layer)
        del self._layers[index]
        self.events.removed.emit(layer, index)

    def move(self, layer: Layer, new_index: int) -> None:
        """Move a layer to `new_index` in drawing order (0 = bottom)."""
        if not 0 <= new_index < len(self._layers):
            raise IndexError(f"index {new_index} out of range for {len(self._layers)} layers")
        self._layers.remove(layer)
        self._layers.insert(new_index, layer)
        self.events.moved.emit(layer, new_index)

    def set_visible(self, layer: Layer, visible: bool) -> None:
        if layer.visible != visible:
            layer.visible = visible
            self.events.visibility.emit(layer)

    def set_opacity(self, layer: Layer, opacity: float) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be between 0 and 1, not {opacity}")
        if layer.opacity != opacity:
            layer.opacity = opacity
            self.events.opacity.emit(layer)

    def set_style(self, layer: Layer, style: Style) -> None:
        layer.style = style
        self.events.style.emit(layer)

    def notify_role_changed(self, layer: Layer) -> None:
        """Tell listeners that a layer's role changed (the figures and the panel follow it)."""
        self.events.role.emit(layer)

    def notify_data_changed(self, layer: Layer) -> None:
        """Tell listeners that a layer's features changed (e.g. a filter was applied); what was worked
        out from them is out of date (`Layer.data_revision`)."""
        layer.data_revision += 1
        self.events.data.emit(layer)

    def set_feature_filter(self, layer: Layer, feature_filter) -> None:
        """Show (and count) only the features `feature_filter.mask(gdf)` keeps; None shows all."""
        if not isinstance(layer, VectorLayer):
            raise TypeError(f"layer '{layer.name}' has no features to filter")
        layer.feature_filter = feature_filter
        self.events.filter.emit(layer)

    def set_as_of_year(self, year: int | None) -> None:
        """The network as it stood or is planned in `year` (None: every feature).

        Every vector layer with a `status` or `opening_year` column, other than the city's
        context (boundary, wards, population, water), is filtered by `Scenario.as_of(year)`, the
        same rule the figures use, so the map and the numbers agree. Layers added later
        take the filter too.
        """
        self.as_of_year = None if year is None else int(year)
        for layer in self.dated():
            self.set_feature_filter(layer, None if year is None else Scenario.as_of(int(year)))

    def clear(self) -> None:
        for layer in list(reversed(self._layers)):
            self.remove(layer)

    def _unique_name(self, name: str) -> str:
        taken = set(self.names())
        if name not in taken:
            return name
        n = 2
        while f"{name} ({n})" in taken:
            n += 1
        return f"{name} ({n})"


def _dated(layer: Layer) -> bool:
    """Whether the timeline filters this layer: features with a status or opening year."""
    return (
        isinstance(layer, VectorLayer) and layer.role not in CONTEXT_ROLES
        and ("status" in layer.gdf.columns or "opening_year" in layer.gdf.columns)
    )


def _tier(layer: Layer) -> int:
    return DRAWING_TIERS.get(getattr(layer, "geometry_kind", None), DRAWING_TIERS["polygon"])
