"""How a layer's style becomes pens and brushes: style classes per feature, Qt-side.

A style class is one (colour, line pattern) pair. Every feature of a vector layer falls in
exactly one, and the canvas draws one batched item per class. The rules:

- `colour_field` (e.g. a metro line's '#rrggbb' `colour`) gives each feature its own colour;
- `category_field == 'status'` draws existing solid, under construction dashed, planned dotted;
- any other `category_field` gives each distinct value a colour from a fixed palette;
- otherwise every feature takes the style's stroke / fill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtGui

from layers.layer import Style

STATUS_PATTERNS = {"existing": "solid", "under_construction": "dashed", "planned": "dotted"}
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class StyleClass:
    colour: str
    fill: str | None  # None: outline only
    pattern: str  # 'solid', 'dashed' or 'dotted'
    label: str  # what the class is, for a legend or tooltip


def feature_classes(gdf: pd.DataFrame, style: Style) -> list[tuple[StyleClass, np.ndarray]]:
    """Split the rows of `gdf` into style classes; returns (class, row indices) pairs."""
    n = len(gdf)
    field = style.category_field if style.category_field in gdf.columns else None
    if field is None and not (style.colour_field and style.colour_field in gdf.columns):
        return [(StyleClass(style.stroke, style.fill, "solid", ""), np.arange(n, dtype=np.int64))]
    colours = pd.Series([style.stroke] * n, index=gdf.index, dtype=object)
    labels = pd.Series([""] * n, index=gdf.index, dtype=object)
    patterns = pd.Series(["solid"] * n, index=gdf.index, dtype=object)
    if field == "status":
        status = gdf["status"].astype("string")
        patterns = status.map(lambda s: STATUS_PATTERNS.get(s, "solid") if isinstance(s, str) else "solid").astype(object)
        labels = status.fillna("").astype(object)
    elif field is not None:
        values = gdf[field].astype("string").fillna("")
        categories = sorted(values.unique())
        lookup = {value: PALETTE[i % len(PALETTE)] for i, value in enumerate(categories)}
        colours = values.map(lookup).astype(object)
        labels = values.astype(object)
    if style.colour_field and style.colour_field in gdf.columns:
        own = gdf[style.colour_field].astype("string")
        valid = own.str.match(_HEX).fillna(False).astype(bool)
        colours = colours.where(~valid, own.str.lower()).astype(object)
    # A colour from the data or a category colours the fill too; otherwise the style's fill.
    fills = colours.where(colours != style.stroke, style.fill or "") if style.fill else pd.Series([""] * n, dtype=object)
    keys = pd.DataFrame({"c": colours.values, "f": fills.values, "p": patterns.values, "l": labels.values})
    groups = keys.groupby(["c", "f", "p", "l"], sort=True, dropna=False).indices
    return [
        (StyleClass(c, f or None, p, l), np.asarray(rows, dtype=np.int64)) for (c, f, p, l), rows in groups.items()
    ]


def pen(colour: str, width: float, pattern: str = "solid") -> QtGui.QPen:
    """A cosmetic pen (width in screen pixels, whatever the zoom)."""
    p = QtGui.QPen(QtGui.QColor(colour))
    p.setCosmetic(True)
    p.setWidthF(width)
    p.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
    if pattern == "dashed":
        p.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        p.setDashPattern([3.0, 1.6])
    elif pattern == "dotted":
        p.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        p.setDashPattern([0.05, 1.9])
    else:
        p.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    return p


def brush(colour: str | None, alpha: float, pattern: str = "solid") -> QtGui.QBrush:
    """A fill; planned areas are hatched and lighter, the way plans are drawn."""
    if not colour:
        return QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)
    c = QtGui.QColor(colour)
    if pattern == "dotted":
        c.setAlphaF(min(1.0, alpha * 1.6))
        return QtGui.QBrush(c, QtCore.Qt.BrushStyle.BDiagPattern)
    c.setAlphaF(alpha * (0.7 if pattern == "dashed" else 1.0))
    return QtGui.QBrush(c)


def rgba(colour: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    c = QtGui.QColor(colour)
    return c.red(), c.green(), c.blue(), int(round(alpha * 255))
