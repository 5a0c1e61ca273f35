"""The CityData the dashboard measures, rebuilt only when the LayerStack changes what it holds.

Building a CityData is cheap, but its population grid caches the people in the study area and
in every ward (the denominators), which costs most of a first measurement (about 0.9 s on the
Hanoi sample). So: the cache listens to the stack, marks itself stale on events that can change
a figure (a layer added, removed, shown or hidden, its data or feature filter changed), and on
the next `city()` builds a new CityData that keeps the previous population grid when the
population raster is the same array.

`city()` measures what the map shows (hidden network layers and filtered-out features do not
count); `everything()` is the same city without the feature filters, for scenario compare and
the timeline, whose scenarios choose the features themselves.
"""
from __future__ import annotations

import dataclasses

from pyproj import CRS

from layers.analysis.city import CityData
from layers.stack import LayerStack, StackEvent

# Events that cannot change a figure: drawing order, opacity, style.
_IRRELEVANT = ("moved", "opacity", "style")
# Roles CityData does not measure (results drawn by the dashboard itself are 'other').
_UNMEASURED = ("other", "water")


class CityCache:
    def __init__(self, stack: LayerStack, working_crs: CRS):
        self.stack = stack
        self.working_crs = working_crs
        self.study_area = None  # None: the boundary (as `planner measure`)
        self.listeners: list = []  # called with no argument when figures may have changed
        self._city: CityData | None = None
        self._everything: CityData | None = None
        self.builds = 0
        stack.subscribe(self._on_stack_event)

    def _on_stack_event(self, event: StackEvent) -> None:
        if event.kind in _IRRELEVANT or event.layer.role in _UNMEASURED:
            return
        self.invalidate(filters_only=event.kind == "filter")

    def invalidate(self, filters_only: bool = False) -> None:
        """Build anew on the next call; a feature filter change leaves `everything()` as it is."""
        if self._city is not None:
            self._keep = self._city.population
        self._city = None
        if not filters_only:
            self._everything = None
        for listener in list(self.listeners):
            listener()

    def set_study_area(self, geometry) -> None:
        self.study_area = geometry
        self.invalidate()

    def city(self) -> CityData:
        """What the map shows, in the working CRS (raises CityDataError if there is no city)."""
        if self._city is None:
            city = CityData.from_stack(self.stack, self.working_crs, self.study_area)
            old = getattr(self, "_keep", None)
            if (old is not None and city.population is not None and old.values is city.population.values
                    and old.transform == city.population.transform):
                city.population = old  # keeps its cached denominators
            self._city = city
            self.builds += 1
        return self._city

    def everything(self) -> CityData:
        """The same city without the feature filters (scenarios choose the features)."""
        if self._everything is None:
            self._everything = dataclasses.replace(self.city(), use_filters=False)
        return self._everything
