"""What a legend lists: every visible layer and its categories, read from the styles the map draws with.

The entries are plain data (no widget), computed from the session's layers and results with the
map's own symbology (`feature_classes`, the raster stretch and colour table), so the legend cannot
drift from the map: a metro line layer coloured by its `colour` field lists each colour with the
line it belongs to, a layer styled by `status` lists solid / dashed / dotted for the statuses it
shows, a category field (the overlap's combinations) lists each value in its palette colour, and
a population grid lists its colour ramp with the people per cell at the ends and middle of the
stretch. Only what is shown counts: a hidden layer, or a line the timeline's year has not opened
yet, is not in the legend.

    entries = legend_entries(session, canvas)      # canvas: use the stretch it draws with (optional)
    [e.layer for e in entries]                     # top of the map first, results last
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from pyproj import CRS

from layers.layer import Layer, RasterLayer, VectorLayer
from planner_gui.map.shown import shown_mask
from planner_gui.map.remembered import Remembered
from planner_gui.map.raster_display import colour_lut, colourise, in_working_crs, stretch_levels
from planner_gui.map.legend.entry import LegendEntry, Ramp, Swatch
from planner_gui.map.symbology import layer_style_classes

STATUS_LABELS = {"existing": "existing", "under_construction": "under construction", "planned": "planned"}
PATTERN_STATUS = {"solid": "existing", "dashed": "under_construction", "dotted": "planned"}
RAMP_STEPS = 64
_NOT_NAMES = {"geometry", "status", "source", "opening_year", "accuracy", "role"}


def legend_entries(session, canvas=None, only: set[int] | None = None) -> list[LegendEntry]:
    """The legend of what the map shows: visible input layers top first, then visible results;
    with `only` (ids of layers, from `layers_drawing_in`), just those: what a view or a page shows."""
    def listed(layer) -> bool:
        return layer.visible and (only is None or id(layer) in only)

    entries = [_entry(layer, session, canvas) for layer in reversed(list(session.layers)) if listed(layer)]
    entries += [_entry(layer, session, canvas, result=True) for layer in reversed(list(session.results))
                if listed(layer)]
    return [e for e in entries if e is not None]


def layers_drawing_in(canvas, bounds: tuple[float, float, float, float]) -> set[int]:
    """Ids of the visible layers that draw something inside `bounds` (working CRS): a feature whose
    bounding box meets them (the timeline's filter applied), a raster whose extent does. GUI thread."""
    session = canvas.session
    return {id(layer) for layer in [*session.layers, *session.results]
            if layer.visible and (graphic := canvas.graphic(layer)) is not None and graphic.shows_any(bounds)}


def _entry(layer: Layer, session, canvas, result: bool = False) -> LegendEntry | None:
    if isinstance(layer, RasterLayer):
        ramp = _ramp(layer, session, canvas)
        return LegendEntry(layer.name, ramp=ramp, opacity=layer.opacity, result=result) if ramp else None
    if not isinstance(layer, VectorLayer) or layer.gdf.empty:
        return None
    groups = vector_groups(layer)
    if not groups:
        return None  # nothing of it is shown (e.g. every feature opens after the timeline's year)
    return LegendEntry(layer.name, groups=groups, opacity=layer.opacity, result=result)


def _shape(layer: VectorLayer) -> str:
    kind = layer.geometry_kind
    return {"point": "point", "line": "line"}.get(kind, "area")


def vector_groups(layer: VectorLayer) -> list[tuple[str, list[Swatch]]]:
    """The layer's style classes among the features shown, as legend groups: worked out again only
    when its data, style or feature filter changed (the legend is asked after every layer event,
    and splitting a large layer into classes takes tens of milliseconds of the GUI thread)."""
    return _groups.get(layer, _groups_key(layer), lambda: _worked_out_groups(layer))


def _groups_key(layer: VectorLayer) -> tuple:
    return *layer.data_key, layer.name, layer.style.key(), layer.feature_filter


# the map's legend asks in a worker, an export's in the GUI thread
_groups = Remembered()
_names = Remembered()  # what each colour stands for


def groups_known(layer: VectorLayer) -> bool:
    """True if the layer's classes for its current data, style and filter are worked out already."""
    return _groups.has(layer, _groups_key(layer))


def _worked_out_groups(layer: VectorLayer) -> list[tuple[str, list[Swatch]]]:
    style, gdf = layer.style, layer.gdf
    mask = shown_mask(layer)
    shown, every_colour = [], {}  # (class, rows shown); (colour, fill) -> rows of every feature
    for cls, rows in layer_style_classes(layer, style):  # on all features: the palette is assigned as the map does
        every_colour.setdefault((cls.colour, cls.fill), []).append(rows)
        if mask is not None:
            rows = rows[mask[rows]]
        if len(rows):
            shown.append((cls, rows))
    if not shown:
        return []
    shape = _shape(layer)

    def swatch(label, stroke, fill, pattern):
        return Swatch(label, shape, stroke, fill, pattern, style.width, style.fill_alpha, style.point_size)

    by_status = style.category_field == "status"
    coloured = bool(style.colour_field and style.colour_field in gdf.columns) or (
        style.category_field not in (None, "status") and style.category_field in gdf.columns)
    groups = []
    if coloured:
        colours: dict[tuple[str, str | None], list[np.ndarray]] = {}
        for cls, rows in shown:
            colours.setdefault((cls.colour, cls.fill), []).append(rows)
        if by_status or not style.category_field:  # colour from a field: name each colour by what it is
            # named on every feature, so a colour keeps its name whatever the timeline's year: worked
            # out once per features and style, not again for each year
            heading, names = _names.get(
                layer, (*layer.data_key, style.key()),
                lambda: _colour_names(gdf, {key: np.concatenate(rows) for key, rows in every_colour.items()}))
        else:  # a category field: each value has its palette colour and is its own label
            heading = style.category_field
            names = {(cls.colour, cls.fill): cls.label or "(none)" for cls, _ in shown}
        items = [swatch(names[key], key[0], key[1], "solid") for key in colours]
        groups.append((heading, sorted(items, key=lambda s: _natural(s.label))))
    if by_status:
        patterns = sorted({cls.pattern for cls, _ in shown}, key=list(PATTERN_STATUS).index)
        colour = "#555555" if coloured else style.stroke
        fill = ("#bbbbbb" if coloured else style.fill) if style.fill else None
        groups.append(("status", [swatch(STATUS_LABELS[PATTERN_STATUS[p]], colour, fill, p) for p in patterns]))
    if not groups:
        cls = shown[0][0]
        groups.append(("", [swatch(layer.name, cls.colour, cls.fill, cls.pattern)]))
    return groups


def _colour_names(gdf: pd.DataFrame, rows_by_colour: dict) -> tuple[str, dict]:
    """What each colour stands for: the first field with one value per colour and a different value
    for each colour (a metro layer's `line`); else the features' names. Returns (field, names)."""
    keys = list(rows_by_colour)
    candidates = [c for c in gdf.columns if c.lower() not in _NOT_NAMES and gdf[c].dtype.kind in "OUiu"
                  and not str(gdf[c].dtype).startswith("geometry")]
    if len(keys) > 1:
        for column in candidates:
            values = []
            for key in keys:
                found = gdf[column].iloc[rows_by_colour[key]].dropna().astype(str).unique()
                if len(found) != 1:
                    break
                values.append(found[0])
            else:
                if len(set(values)) == len(values) and all(v.strip() for v in values):
                    short = all(len(v) <= 4 for v in values)
                    return column, {k: (f"{column} {v}" if short else v) for k, v in zip(keys, values)}
    name = next((c for c in ("name", *candidates) if c in gdf.columns), None)
    names = {}
    for key in keys:
        found = gdf[name].iloc[rows_by_colour[key]].dropna().astype(str).unique() if name else []
        text = ", ".join(sorted(found, key=_natural))
        names[key] = text if len(text) <= 40 else text[:39] + "…"
        names[key] = names[key] or key[0]
    return name or "colour", names


def _natural(text: str) -> list:
    """'2' before '2A' before '10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text))]


def _ramp(layer: RasterLayer, session, canvas) -> Ramp | None:
    graphic = canvas.graphic(layer) if canvas is not None else None
    if graphic is not None and hasattr(graphic, "levels") and hasattr(graphic, "lut"):
        levels, lut = graphic.levels, graphic.lut  # exactly what the map draws with
    else:
        crs = session.working_crs or layer.crs
        values, _ = in_working_crs(layer, crs) if crs is not None else (layer.array, layer.bounds)
        levels, lut = stretch_levels(layer, values), colour_lut(layer)
    low, high = levels
    population = layer.role == "population"
    position = np.linspace(0.0, 1.0, RAMP_STEPS)
    scaled = low + position * (high - low)
    values = np.expm1(scaled) if population else scaled  # the stretch is on log(1 + people) for population
    colours = colourise(layer, values[np.newaxis, :], levels, lut)[0]
    if not (colours[:, 3] > 0).any():
        return None
    ticks = [(p, _number(np.expm1(low + p * (high - low)) if population else low + p * (high - low)))
             for p in (0.0, 0.5, 1.0)]
    return Ramp(colours, ticks, _raster_unit(layer))


def _number(v: float) -> str:
    if not math.isfinite(v):
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.2g}" if abs(v) < 1 else f"{v:,.1f}".rstrip("0").rstrip(".")


def _raster_unit(layer: RasterLayer) -> str:
    if layer.role != "population":
        return "value"
    crs = CRS.from_user_input(layer.crs) if layer.crs is not None else None
    cell = abs((layer.full_transform or layer.transform).a)
    if crs is not None and crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return f"people per {cell:,.0f} m cell"
    return "people per grid cell"
