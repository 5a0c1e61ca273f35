"""Points (stations): one ScatterPlotItem per layer, its symbol per feature from the style classes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from layers.layer import VectorLayer
from planner_gui.map import geometry as geo
from planner_gui.map.layers.vector import VectorGraphic
from planner_gui.map.shown import shown_mask
from planner_gui.map.symbology import layer_style_classes


class PointGraphic(VectorGraphic):
    """Points: ONE ScatterPlotItem per layer; status changes the symbol, not the item."""

    def __init__(self, canvas, layer: VectorLayer):
        self.scatter = pg.ScatterPlotItem(pxMode=True, symbol="o")
        super().__init__(canvas, layer)

    def items(self):
        return [self.scatter]

    def restyle(self) -> None:
        style = self.layer.style
        n = self.geometry.n_features
        self._brushes = np.empty(n, dtype=object)
        self._pens = np.empty(n, dtype=object)
        self._sizes = np.full(n, style.point_size, dtype=float)
        self._shown = shown_mask(self.layer)
        fill = style.fill or style.stroke
        for cls, rows in layer_style_classes(self.layer, style):
            face = cls.colour if cls.colour != style.stroke else fill
            if cls.pattern == "solid":
                b, p = pg.mkBrush(face), pg.mkPen(cls.colour if face != cls.colour else "#222222", width=1.3)
            elif cls.pattern == "dashed":  # under construction: a ring with a dot
                b, p = pg.mkBrush("#ffffff"), pg.mkPen(cls.colour, width=2.2)
            else:  # planned: a hollow, thin, smaller ring
                b, p = pg.mkBrush(255, 255, 255, 160), pg.mkPen(cls.colour, width=1.2)
                self._sizes[rows] = style.point_size * 0.8
            self._brushes[rows] = b
            self._pens[rows] = p
        self._few = n <= 5000  # small layers: set once; large ones: cull per view
        self._dirty = True

    def refresh(self, view, pixel_m) -> None:
        g = self.geometry
        if self._few:
            index = np.arange(g.n_features)
            if not self._dirty:
                return
        else:
            index = np.flatnonzero(g.in_view(view))
        if self._shown is not None:
            index = index[self._shown[index]]
        # A multipoint's parts take its style; stations are single points.
        vertex_owner = np.repeat(np.arange(g.n_features), g.stop - g.start)
        vertices = geo._gather_index(g.start, g.stop, index)
        owner = vertex_owner[vertices]
        self.scatter.setData(
            x=g.x[vertices], y=g.y[vertices], brush=self._brushes[owner].tolist(),
            pen=self._pens[owner].tolist(), size=self._sizes[owner], data=owner,
        )
        self.drawn = index  # sorted and unique already (a range or flatnonzero)
        self._dirty = False
