"""A sketch: metro lines a planner draws in the app to ask "what if a line ran here?".

A sketch is a few lines, each a sequence of stations clicked on the map; the line runs through
its stations in order. Each station and line has a name, a status and an opening year, like
the features of a metro layer, so a sketch is measured by the same rules
(`layers.analysis.scenario`): the session shows it as two ordinary input layers, 'Sketch
stations' (role metro_station) and 'Sketch lines' (role metro_line), and every scenario counts
its features as it counts any other's.

Which scenario shows what a sketch adds: each sketch line has a line code 'S1', 'S2', ...
(the `line` field, the one `... without line 2` reads), new stations are 'planned' and open in
the year of the plan compared (Scenario compare's B, 'plan 2030' by default), and the gain is
B against "B without line S1, S2": exactly `planner measure --compare "plan 2030 without line
S1" "plan 2030"` on the saved project.

Values are immutable: every edit returns a new Sketch, so the undo stack keeps the old one as it
was and undoing gives back the very coordinates measured before. Coordinates are in the sketch's
own CRS (the working CRS when it was started). `to_dict` / `from_dict` are the project file's
form (checked: finite coordinates, known statuses, years in range, names as text).
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import shapely
from pyproj import CRS

from layers.roles import STATUSES

STATIONS_LAYER = "Sketch stations"
LINES_LAYER = "Sketch lines"
LINE_CODE = re.compile(r"^S[1-9][0-9]{0,3}$")  # the `line` value of a sketch line: S1, S2, ...
COLOURS = ("#e6007e", "#00a0b0", "#f28c00", "#6a3d9a", "#8c6d31", "#1f78b4")
YEARS = (1800, 2200)
MAX_STATIONS = 10_000
_COORDINATE = 1e10


class SketchError(ValueError):
    """A sketch (from a project file, or an edit) that cannot be right; str() says which value."""


@dataclass(frozen=True)
class SketchStation:
    name: str
    x: float
    y: float
    status: str = "planned"
    opening_year: int | None = None


@dataclass(frozen=True)
class SketchLine:
    line: str  # 'S1': the code scenarios leave out ('without line S1')
    name: str
    colour: str
    status: str = "planned"
    opening_year: int | None = None
    stations: tuple[SketchStation, ...] = ()


@dataclass(frozen=True)
class Sketch:
    crs: str | None = None  # the CRS of the coordinates (WKT or 'EPSG:n'); None: nothing drawn yet
    lines: tuple[SketchLine, ...] = ()

    # -- reading ------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return not any(line.stations for line in self.lines)

    def line_codes(self) -> list[str]:
        """The codes of the lines that have stations (what 'without line …' leaves out)."""
        return [line.line for line in self.lines if line.stations]

    def station_count(self) -> int:
        return sum(len(line.stations) for line in self.lines)

    def nearest_station(self, x: float, y: float, tolerance: float) -> tuple[int, int] | None:
        """(line index, station index) of the station nearest (x, y) within `tolerance`, else None."""
        best = None
        for i, line in enumerate(self.lines):
            for j, s in enumerate(line.stations):
                d = math.hypot(s.x - x, s.y - y)
                if d <= tolerance and (best is None or d < best[0]):
                    best = (d, i, j)
        return None if best is None else (best[1], best[2])

    def stations_gdf(self) -> gpd.GeoDataFrame:
        rows = [{"name": s.name, "line": line.line, "status": s.status, "opening_year": s.opening_year,
                 "order": j + 1} for line in self.lines for j, s in enumerate(line.stations)]
        points = [shapely.Point(s.x, s.y) for line in self.lines for s in line.stations]
        return _frame(rows, points, ("name", "line", "status", "opening_year", "order"), self.crs)

    def lines_gdf(self) -> gpd.GeoDataFrame:
        """One feature per line of two or more stations, through them in order."""
        drawn = [line for line in self.lines if len(line.stations) >= 2]
        rows = [{"name": line.name, "line": line.line, "status": line.status, "opening_year": line.opening_year,
                 "colour": line.colour} for line in drawn]
        geoms = [shapely.LineString([(s.x, s.y) for s in line.stations]) for line in drawn]
        return _frame(rows, geoms, ("name", "line", "status", "opening_year", "colour"), self.crs)

    # -- editing: each returns a new sketch ------------------------------------------------------
    def with_new_line(self, crs: str, status: str = "planned", opening_year: int | None = None,
                      taken: set[str] = frozenset()) -> Sketch:
        """A new, empty line S<n> (n not used by the sketch or in `taken`, the data's line codes)."""
        used = {line.line for line in self.lines} | set(taken)
        n = next(k for k in range(1, 10_000) if f"S{k}" not in used)
        line = SketchLine(f"S{n}", f"Sketch line S{n}", COLOURS[(n - 1) % len(COLOURS)], status, opening_year)
        return Sketch(self.crs or crs, self.lines + (line,))

    def with_station(self, line_index: int, x: float, y: float) -> Sketch:
        """A station at (x, y) added at the end of a line; it takes the line's status and year."""
        line = self.lines[line_index]
        _check_point(x, y, "station")
        if self.station_count() >= MAX_STATIONS:
            raise SketchError(f"a sketch holds at most {MAX_STATIONS:,} stations")
        names = {s.name for l in self.lines for s in l.stations}
        k = len(line.stations) + 1
        while f"{line.line} station {k}" in names:
            k += 1
        station = SketchStation(f"{line.line} station {k}", float(x), float(y), line.status, line.opening_year)
        return self._replace_line(line_index, dataclasses.replace(line, stations=line.stations + (station,)))

    def with_station_moved(self, line_index: int, station_index: int, x: float, y: float) -> Sketch:
        _check_point(x, y, "station")
        return self._edit_station(line_index, station_index, x=float(x), y=float(y))

    def with_station_set(self, line_index: int, station_index: int, name: str, status: str,
                         opening_year: int | None) -> Sketch:
        """The station's name, status ('existing', 'under_construction', 'planned') and opening year."""
        return self._edit_station(line_index, station_index, **_attributes(name, status, opening_year, "station"))

    def with_line_set(self, line_index: int, name: str, status: str, opening_year: int | None) -> Sketch:
        """The line's name, status and opening year (its stations keep their own)."""
        return self._replace_line(line_index, dataclasses.replace(
            self.lines[line_index], **_attributes(name, status, opening_year, "line")))

    def without_station(self, line_index: int, station_index: int) -> Sketch:
        line = self.lines[line_index]
        stations = line.stations[:station_index] + line.stations[station_index + 1:]
        return self._replace_line(line_index, dataclasses.replace(line, stations=stations))

    def _edit_station(self, line_index: int, station_index: int, **changes) -> Sketch:
        line = self.lines[line_index]
        stations = list(line.stations)
        stations[station_index] = dataclasses.replace(stations[station_index], **changes)
        return self._replace_line(line_index, dataclasses.replace(line, stations=tuple(stations)))

    def _replace_line(self, index: int, line: SketchLine) -> Sketch:
        return dataclasses.replace(self, lines=self.lines[:index] + (line,) + self.lines[index + 1:])

    # -- the project file ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"crs": self.crs, "lines": [
            {"line": l.line, "name": l.name, "colour": l.colour, "status": l.status, "opening_year": l.opening_year,
             "stations": [dataclasses.asdict(s) for s in l.stations]} for l in self.lines]}

    @classmethod
    def from_dict(cls, data) -> Sketch:
        """A sketch as a project file holds it; raises SketchError naming the value that is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
            raise SketchError("sketch must be an object with a list of lines")
        crs = data.get("crs")
        if crs is not None:
            try:
                CRS.from_user_input(crs if isinstance(crs, str) and len(crs) <= 20_000 else None)
            except Exception:  # pyproj's CRSError
                raise SketchError(f"sketch.crs is not a CRS: {str(crs)[:40]!r}") from None
        lines, codes, count = [], set(), 0
        for i, item in enumerate(data["lines"]):
            where = f"sketch.lines[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("stations"), list):
                raise SketchError(f"{where} must be an object with a list of stations")
            code = item.get("line")
            if not isinstance(code, str) or not LINE_CODE.match(code) or code in codes:
                raise SketchError(f"{where}.line must be a new code S1, S2, …, not {str(code)[:20]!r}")
            codes.add(code)
            colour = item.get("colour")
            if not isinstance(colour, str) or not re.match(r"^#[0-9a-fA-F]{6}$", colour):
                raise SketchError(f"{where}.colour must be a colour like #1a2b3c")
            stations = []
            for j, s in enumerate(item["stations"]):
                at = f"{where}.stations[{j}]"
                if not isinstance(s, dict):
                    raise SketchError(f"{at} must be an object")
                _check_point(s.get("x"), s.get("y"), at)
                stations.append(SketchStation(x=float(s["x"]), y=float(s["y"]), **_attributes(
                    s.get("name"), s.get("status"), s.get("opening_year"), at)))
            count += len(stations)
            if count > MAX_STATIONS:
                raise SketchError(f"a sketch holds at most {MAX_STATIONS:,} stations")
            lines.append(SketchLine(line=code, colour=colour, stations=tuple(stations), **_attributes(
                item.get("name"), item.get("status"), item.get("opening_year"), where)))
        if lines and crs is None:
            raise SketchError("sketch.crs must name the CRS of its coordinates")
        return cls(crs, tuple(lines))


def _attributes(name, status, opening_year, where: str) -> dict:
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise SketchError(f"{where}: the name must be text of 1 to 200 characters, not {str(name)[:40]!r}")
    if status not in STATUSES:
        raise SketchError(f"{where}: the status must be one of {', '.join(STATUSES)}, not {str(status)[:40]!r}")
    if opening_year is not None and not (isinstance(opening_year, int) and not isinstance(opening_year, bool)
                                         and YEARS[0] <= opening_year <= YEARS[1]):
        raise SketchError(f"{where}: the opening year must be a year from {YEARS[0]} to {YEARS[1]} or empty, "
                          f"not {str(opening_year)[:20]!r}")
    return {"name": name.strip(), "status": status, "opening_year": opening_year}


def _check_point(x, y, where: str) -> None:
    for value in (x, y):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or abs(value) > _COORDINATE:
            raise SketchError(f"{where}: coordinates must be finite numbers, not {str(value)[:30]!r}")


def _frame(rows: list[dict], geoms: list, columns: tuple[str, ...], crs) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(rows, columns=list(columns), geometry=geoms, crs=crs)
    gdf["opening_year"] = gdf["opening_year"].astype("Int64")
    return gdf
