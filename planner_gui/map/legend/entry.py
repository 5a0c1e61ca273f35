"""A legend's entries as plain data: a layer's swatches in groups, or its colour ramp.

`entries.legend_entries` makes them from the session; the legend on the map and a print page
paint them (`painter`). Kept apart from the making, which needs the layers' data (pandas,
geopandas, pyqtgraph for rasters), so that a print page's process unpickles and paints them
without importing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Swatch:
    """One row of the legend: a small drawing of the symbol and what it means."""

    label: str
    shape: str  # 'line', 'area' or 'point'
    stroke: str  # '#rrggbb'
    fill: str | None
    pattern: str  # 'solid', 'dashed' or 'dotted' (existing, under construction, planned)
    width: float = 1.0  # line width, screen pixels as on the map
    fill_alpha: float = 0.35
    size: float = 6.0  # point size, screen pixels


@dataclass
class Ramp:
    """A raster's colour ramp: `colours` (N x 4 RGBA, low to high) as the map draws them, and ticks."""

    colours: np.ndarray
    ticks: list[tuple[float, str]]  # (position 0..1 along the ramp, text)
    unit: str


@dataclass
class LegendEntry:
    """One layer in the legend: its name, then its symbols in groups ('' = no group heading)."""

    layer: str
    groups: list[tuple[str, list[Swatch]]] = field(default_factory=list)
    ramp: Ramp | None = None
    opacity: float = 1.0
    result: bool = False  # a computed layer (catchment, gained area, overlap), not an input

    def labels(self) -> list[str]:
        return [s.label for _, swatches in self.groups for s in swatches]
