"""The session's sketch edits: the sketch (`layers.session.sketch`) as two input layers, each edit undoable.

A part of `Session` (mixed into it), kept apart because it is one idea: every edit replaces the
immutable Sketch through `set_sketch`, one command on the undo stack, and the session shows the
new sketch as its layers 'Sketch stations' (role metro_station) and 'Sketch lines' (role
metro_line), on the map while they have features. Clicks come in the working CRS and are kept
in the sketch's own (the working CRS it was begun in).
"""
from __future__ import annotations

import dataclasses

from pyproj import CRS

from layers.analysis.scenario import parse_scenario
from layers.crs import transformer
from layers.layer import Style, VectorLayer
from layers.session.sketch import LINES_LAYER, STATIONS_LAYER, Sketch

SKETCH_STYLES = {
    "metro_station": Style(stroke="#222222", fill="#ffffff", width=2.0, point_size=11.0, label_field="name",
                           colour_field="colour"),
    "metro_line": Style(stroke="#e6007e", width=4.0, category_field="status", colour_field="colour"),
}


class SketchEditing:
    """Methods of `Session` (which holds `sketch`, `_sketch_layers`, `layers`, `settings`)."""

    def set_sketch(self, sketch: Sketch, text: str = "Edit the sketch") -> None:
        """Replace the sketch (one undoable command named `text`) and show it as its two layers."""
        before = self.sketch
        if sketch == before:
            return
        self._apply_sketch(sketch)
        self._record(text, lambda: self._apply_sketch(before), lambda: self._apply_sketch(sketch))

    def _apply_sketch(self, sketch: Sketch) -> None:
        """The sketch's stations and lines as input layers: each in the stack while it has features."""
        self.sketch = sketch
        stations = sketch.stations_gdf()
        colours = {line.line: line.colour for line in sketch.lines}
        stations["colour"] = stations["line"].map(colours)
        for role, name, gdf in (("metro_station", STATIONS_LAYER, stations), ("metro_line", LINES_LAYER,
                                                                             sketch.lines_gdf())):
            layer = self._sketch_layers.get(role)
            if len(gdf) == 0:
                if layer is not None and layer in self.layers:
                    self.layers.remove(layer)
                continue
            if layer is None:
                layer = VectorLayer(name=name, source=None, role=role, style=dataclasses.replace(SKETCH_STYLES[role]),
                                    gdf=gdf)
                self._sketch_layers[role] = layer
            layer.gdf = gdf
            if layer in self.layers:
                self.layers.notify_data_changed(layer)
            else:
                self.layers.add(layer)
        self._changed(self.events.sketch)

    def sketch_layer(self, role: str) -> VectorLayer | None:
        """The sketch's 'metro_station' or 'metro_line' layer, if it is on the map."""
        layer = self._sketch_layers.get(role)
        return layer if layer is not None and layer in self.layers else None

    def sketch_year(self) -> int | None:
        """The opening year of new sketch lines: the year of the plan compared (Scenario compare's B)."""
        try:
            return parse_scenario(self.settings.compare_b).as_of_year
        except ValueError:
            return None

    def sketch_new_line(self) -> int:
        """Start a new sketch line (S1, S2, … a code the data does not use); returns its index."""
        crs = self.working_crs
        if crs is None:
            raise ValueError("open a city's layers before sketching: the sketch is drawn in its working CRS")
        taken = {str(v).strip().upper() for layer in self.layers if isinstance(layer, VectorLayer)
                 and layer not in self._sketch_layers.values() and "line" in layer.gdf.columns
                 for v in layer.gdf["line"].dropna().unique()}
        sketch = self.sketch.with_new_line(crs.to_string(), "planned", self.sketch_year(), taken)
        self.set_sketch(sketch, f"New sketch line {sketch.lines[-1].line}")
        return len(sketch.lines) - 1

    def sketch_add_station(self, x: float, y: float, line_index: int | None = None) -> tuple[int, int]:
        """A station at (x, y) (working CRS) at the end of a line (default: the last, or a new one)."""
        if line_index is None:
            line_index = len(self.sketch.lines) - 1 if self.sketch.lines else self.sketch_new_line()
        x, y = self._to_sketch_crs(x, y)
        line = self.sketch.lines[line_index]
        self.set_sketch(self.sketch.with_station(line_index, x, y), f"Add a station to {line.line}")
        return line_index, len(self.sketch.lines[line_index].stations) - 1

    def sketch_move_station(self, line_index: int, station_index: int, x: float, y: float) -> None:
        x, y = self._to_sketch_crs(x, y)
        station = self.sketch.lines[line_index].stations[station_index]
        self.set_sketch(self.sketch.with_station_moved(line_index, station_index, x, y), f"Move {station.name}")

    def sketch_remove_station(self, line_index: int, station_index: int) -> None:
        station = self.sketch.lines[line_index].stations[station_index]
        self.set_sketch(self.sketch.without_station(line_index, station_index), f"Delete {station.name}")

    def sketch_set_station(self, line_index: int, station_index: int, name: str, status: str,
                           opening_year: int | None, line: tuple[str, str, int | None] | None = None) -> None:
        """The station's name, status and opening year; with `line`, its line's (name, status,
        opening year) too, in the same undoable edit."""
        sketch = self.sketch.with_station_set(line_index, station_index, name, status, opening_year)
        if line is not None:
            sketch = sketch.with_line_set(line_index, *line)
        self.set_sketch(sketch, f"Edit {name}")

    def sketch_station_at(self, x: float, y: float, tolerance_m: float) -> tuple[int, int] | None:
        """The sketch station within `tolerance_m` of (x, y) in the working CRS, if any."""
        if self.sketch.is_empty:
            return None
        x, y = self._to_sketch_crs(x, y)
        return self.sketch.nearest_station(x, y, tolerance_m)

    def sketch_scenarios(self) -> tuple[str, str]:
        """(A, B): what the sketch adds is B (Scenario compare's B) against B without the sketch's lines,
        the two texts `planner measure --compare A B` takes."""
        b = self.settings.compare_b
        return f"{b} without line {','.join(self.sketch.line_codes())}", b

    def sketch_station_xy(self, line_index: int, station_index: int) -> tuple[float, float]:
        """Where a sketch station is, in the working CRS."""
        station = self.sketch.lines[line_index].stations[station_index]
        return self._sketch_transform(station.x, station.y, to_sketch=False)

    def _to_sketch_crs(self, x: float, y: float) -> tuple[float, float]:
        return self._sketch_transform(x, y, to_sketch=True)

    def _sketch_transform(self, x: float, y: float, to_sketch: bool) -> tuple[float, float]:
        """Between the working CRS (the map's clicks) and the sketch's own (the working CRS it was begun in)."""
        crs = self.working_crs
        if self.sketch.crs is None or crs is None or CRS.from_user_input(self.sketch.crs) == crs:
            return float(x), float(y)
        sketch_crs = CRS.from_user_input(self.sketch.crs)
        tx, ty = (transformer(crs, sketch_crs) if to_sketch else transformer(sketch_crs, crs)).transform(x, y)
        return float(tx), float(ty)
