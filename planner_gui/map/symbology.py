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
from PySide6 import QtGui

from layers.layer import Style
from planner_gui.map.remembered import Remembered


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
    """Split the rows of `gdf` into style classes; returns (class, row indices) pairs, the classes in
    (colour, fill, pattern, label) order and each one's rows ascending.

    Worked out on integer codes (`pd.factorize` of the fields, `np.unique` of the combined code):
    a category over a million footprints takes tens of milliseconds, where strings per feature
    took 400 ms, most of it holding Python's lock (the picture and legend workers do this while
    the GUI thread waits for that lock).
    """
    n = len(gdf)
    field = style.category_field if style.category_field in gdf.columns else None
    own_field = style.colour_field if style.colour_field and style.colour_field in gdf.columns else None
    if field is None and own_field is None:
        return [(StyleClass(style.stroke, style.fill, "solid", ""), np.arange(n, dtype=np.int64))]
    # each feature's category: a code into (colour, pattern, label) per value of the field
    if field is None:
        codes, table = np.zeros(n, np.int64), [(style.stroke, "solid", "")]
    else:
        codes, values = pd.factorize(gdf[field].astype("string").fillna(""))
        if field == "status":
            table = [(style.stroke, STATUS_PATTERNS.get(value, "solid"), value) for value in values]
        else:
            palette = {value: PALETTE[i % len(PALETTE)] for i, value in enumerate(sorted(values))}
            table = [(palette[value], "solid", value) for value in values]
    # and its own colour, if the colour field holds a '#rrggbb' (code 0: none)
    own = [None]
    if own_field is not None:
        own_codes, own_values = pd.factorize(gdf[own_field].astype("string"))
        own += [value.lower() if _HEX.match(value) else None for value in own_values]
        codes = codes * len(own) + (own_codes + 1)
    keys, inverse = np.unique(codes, return_inverse=True)
    order = np.argsort(inverse, kind="stable")  # rows grouped by key, ascending within each
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(keys)))])
    classes: dict[tuple[str, str, str, str], list[np.ndarray]] = {}
    for i, key in enumerate(keys.tolist()):
        colour, pattern, label = table[key // len(own)]
        colour = own[key % len(own)] or colour
        # a colour from the data or a category colours the fill too; otherwise the style's fill
        fill = (colour if colour != style.stroke else style.fill) if style.fill else ""
        classes.setdefault((colour, fill, pattern, label), []).append(order[bounds[i]:bounds[i + 1]])
    return [(StyleClass(c, f or None, p, l), np.sort(np.concatenate(rows)).astype(np.int64))
            for (c, f, p, l), rows in sorted(classes.items())]


_classes = Remembered()


def layer_style_classes(layer, style: Style | None = None) -> list[tuple[StyleClass, np.ndarray]]:
    """`feature_classes(layer.gdf, style)` (default: the layer's style), worked out once per
    features and style and kept with the layer (read only): the graphics, the legend and the
    picture workers ask again after every change of the timeline's year, which changes no class.
    Any thread."""
    style = layer.style if style is None else style

    def make():
        classes = feature_classes(layer.gdf, style)
        for _, rows in classes:
            rows.setflags(write=False)
        return classes
    return _classes.get(layer, (*layer.data_key, style.key()), make)


def rgba(colour: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    c = QtGui.QColor(colour)
    return c.red(), c.green(), c.blue(), int(round(alpha * 255))
