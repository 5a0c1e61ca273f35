"""What a project file may hold, checked before anything in it is used.

Project files come by mail and USB stick: every value is checked for its type, range and size
(finite numbers, colours that are colours, at most MAX_LAYERS layers, a file of at most
MAX_BYTES, JSON no deeper than Python can read, a sketch's coordinates finite and its statuses
known: `layers.session.sketch.Sketch.from_dict`) and a wrong one is refused with a
`ProjectError` that names the file and the field, e.g. `layers[3].opacity must be a number
from 0 to 1, not 'abc'`. Nothing else in the app ever sees an unchecked value. Analysis settings
are checked by the session when they are applied (a value the data does not allow is reported
and left at its default).
"""
from __future__ import annotations

import json
import math
import re

from layers.session.sketch import Sketch, SketchError

MAX_BYTES = 20_000_000
MAX_LAYERS = 5_000
MAX_TEXT = 4_096
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_COORDINATE = 1e10  # metres: more than any projected CRS spans
# Style fields: (check, what it must be)
_STYLE = {
    "stroke": ("colour", None), "fill": ("colour or null", None), "fill_alpha": ("number", (0.0, 1.0)),
    "width": ("number", (0.0, 100.0)), "point_size": ("number", (0.0, 200.0)),
    "category_field": ("text or null", None), "colour_field": ("text or null", None),
    "label_field": ("text or null", None), "colormap": ("text", None),
}


class SchemaError(ValueError):
    """A value is not what a project file may hold; str() names the field."""


def parse(text: str) -> dict:
    """The document in `text`, checked (raises SchemaError or ValueError for JSON that is not)."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise SchemaError("the file is nested too deeply to be a project") from None
    check(document)
    return document


def check(document) -> None:
    if not isinstance(document, dict):
        raise SchemaError("the file holds no project object")
    version = document.get("version", 1)
    if not _is_int(version) or version < 1:
        raise SchemaError(f"version must be a whole number from 1, not {_show(version)}")
    _optional_text(document, "working_crs", "working_crs")
    view = document.get("view")
    if view is not None:
        if not isinstance(view, dict) or set(view) != {"xmin", "ymin", "xmax", "ymax"}:
            raise SchemaError("view must be an object with xmin, ymin, xmax and ymax")
        for key in ("xmin", "ymin", "xmax", "ymax"):
            _number(view[key], f"view.{key}", (-_COORDINATE, _COORDINATE))
        if not (view["xmin"] < view["xmax"] and view["ymin"] < view["ymax"]):
            raise SchemaError("view must have xmin < xmax and ymin < ymax")
    layers = document.get("layers", [])
    if not isinstance(layers, list):
        raise SchemaError("layers must be a list of layers")
    if len(layers) > MAX_LAYERS:
        raise SchemaError(f"layers holds {len(layers):,} entries, more than the {MAX_LAYERS:,} a project may have")
    for i, entry in enumerate(layers):
        _check_entry(entry, f"layers[{i}]")
    analysis = document.get("analysis")
    if isinstance(analysis, dict):
        _check_walking(analysis)
    if document.get("sketch") is not None:
        try:
            Sketch.from_dict(document["sketch"])
        except SketchError as exc:
            raise SchemaError(str(exc)) from None


def _check_walking(analysis: dict) -> None:
    """The walking-distance settings: which distance, the network's file or layer, the band."""
    if "distance" in analysis and analysis["distance"] not in ("straight", "walking"):
        raise SchemaError(f"analysis.distance must be 'straight' or 'walking', not {_show(analysis['distance'])}")
    _optional_text(analysis, "network", "analysis.network")
    if "walking_band_m" in analysis:
        _number(analysis["walking_band_m"], "analysis.walking_band_m", (0.0, 500.0))
    if analysis.get("frequent_headway_min") is not None:
        _number(analysis["frequent_headway_min"], "analysis.frequent_headway_min", (0.0, 1440.0))


def _check_entry(entry, where: str) -> None:
    if not isinstance(entry, dict):
        raise SchemaError(f"{where} must be an object, not {_show(entry)}")
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        raise SchemaError(f"{where}.source must name a file, not {_show(entry.get('source'))}")
    for key in ("source", "layer", "name", "role"):
        _optional_text(entry, key, f"{where}.{key}")
    if "visible" in entry and not isinstance(entry["visible"], bool):
        raise SchemaError(f"{where}.visible must be true or false, not {_show(entry['visible'])}")
    if "opacity" in entry:
        _number(entry["opacity"], f"{where}.opacity", (0.0, 1.0))
    fields = entry.get("fields")
    if fields is not None:
        if not isinstance(fields, dict):
            raise SchemaError(f"{where}.fields must be an object, not {_show(fields)}")
        for key in fields:
            if key == "sum_fields":
                if not (isinstance(fields[key], list) and all(isinstance(v, str) for v in fields[key])):
                    raise SchemaError(f"{where}.fields.sum_fields must be a list of field names, not {_show(fields[key])}")
                continue
            _optional_text(fields, key, f"{where}.fields.{key}")
    style = entry.get("style")
    if style is not None:
        if not isinstance(style, dict):
            raise SchemaError(f"{where}.style must be an object, not {_show(style)}")
        for key, value in style.items():
            kind, limits = _STYLE.get(key, ("unknown", None))
            name = f"{where}.style.{key}"
            if kind == "unknown":
                continue  # a style field of a newer version: ignored
            if kind == "number":
                _number(value, name, limits)
            elif kind.startswith("colour"):
                if not (value is None and kind.endswith("null")) and not (isinstance(value, str) and _COLOUR.match(value)):
                    raise SchemaError(f"{name} must be a colour like #1a2b3c, not {_show(value)}")
            else:
                _optional_text(style, key, name, nullable=kind.endswith("null"))


def _number(value, name: str, limits: tuple[float, float]) -> None:
    low, high = limits
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value) or not low <= value <= high:
        raise SchemaError(f"{name} must be a number from {low:g} to {high:g}, not {_show(value)}")


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _optional_text(holder: dict, key: str, name: str, nullable: bool = True) -> None:
    value = holder.get(key)
    if value is None and nullable:
        return
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise SchemaError(f"{name} must be text{' or null' if nullable else ''}, not {_show(value)}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"
