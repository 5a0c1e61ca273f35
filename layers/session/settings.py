"""The analysis settings: one schema of what a planner asks (ranges, kinds, defaults), and one
typed event per setting.

`AnalysisSettings` is the value (immutable: the project file, the CLI and the worker threads read
one whole value, never half of an update). `Settings` is the session's holder of the current
value: read a setting as an attribute (`session.settings.radius_m`), follow one with its own
signal (`session.settings.events.radius_m.connect(show_radius)`), or any with
`session.settings.events.all`. Only `Session.update` changes it (it checks the value against the
data first); each setting that changed emits its signal once, with its new value, after the
whole change is in place, so a view connected to the radius is not told about a new scenario
(psygnal, the Qt-free signals napari's models use).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from psygnal import Signal, SignalGroup

from layers.analysis.coverage import QUAD_SEGS
from layers.analysis.indicators import PRESETS
from layers.analysis.jobs import FIGURES, LAYER_PREFIX
from layers.analysis.network import DEFAULT_BAND_M

MAP_SCENARIO = "all"  # "as drawn on the map": every feature the map shows (the timeline's year)
RADIUS_RANGE_M = (1.0, 50_000.0)
SEGMENTS_RANGE = (1, 64)
YEAR_RANGE = (1800, 2200)
DISTANCES = ("straight", "walking")
BAND_RANGE_M = (0.0, 500.0)
HEADWAY_RANGE_MIN = (0.0, 1440.0)
TEXT_SETTINGS = ("measure", "scenario", "compare_a", "compare_b", "chart_figure")
SCENARIO_SETTINGS = ("scenario", "compare_a", "compare_b")  # checked against the data by the session
# settings the city is built with: a change builds it anew (a street network to walk on, the frequent service)
WALKING_SETTINGS = ("distance", "network", "walking_band_m", "frequent_headway_min")


@dataclass(frozen=True)
class AnalysisSettings:
    """What the planner asks: the measure and how, plus the dashboard's figure and compared scenarios."""

    measure: str = "itdp-pnt"  # a preset name or 'layer:<name>'
    radius_m: float | None = None  # None: the preset's own radius
    segments: int = QUAD_SEGS  # buffer segments per quarter circle
    scenario: str = "existing"  # anything parse_scenario reads; 'all' = as drawn on the map
    year: int | None = None  # the timeline's year (the map shows the network of that year); None: all
    chart_figure: str = "population_share"
    compare_a: str = "existing"
    compare_b: str = "plan 2030"
    distance: str = "straight"  # 'straight' (line) or 'walking' (along the street network)
    network: str | None = None  # an OpenStreetMap extract (*.pbf path) or a layer of role 'street'; None: the first
    walking_band_m: float = DEFAULT_BAND_M  # the band either side of the streets reached on foot
    # SDG 11.2.1's frequent service: a station whose mean headway (minutes) in its feed's service
    # window is this or better; None: the figures without the criterion only
    frequent_headway_min: float | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


NAMES = tuple(f.name for f in dataclasses.fields(AnalysisSettings))


class SettingsEvents(SignalGroup):
    """One signal per setting, emitted with its new value."""

    measure = Signal(str)
    radius_m = Signal(object)  # float | None
    segments = Signal(int)
    scenario = Signal(str)
    year = Signal(object)  # int | None
    chart_figure = Signal(str)
    compare_a = Signal(str)
    compare_b = Signal(str)
    distance = Signal(str)
    network = Signal(object)  # str | None
    walking_band_m = Signal(float)
    frequent_headway_min = Signal(object)  # float | None


class Settings:
    """The session's current settings (read-only attributes) and their events; see the module."""

    def __init__(self, value: AnalysisSettings | None = None) -> None:
        self.value = value or AnalysisSettings()
        self.events = SettingsEvents()

    def to_dict(self) -> dict:
        return self.value.to_dict()

    def __eq__(self, other) -> bool:  # the same settings, whoever follows them
        return isinstance(other, Settings) and other.value == self.value

    __hash__ = None

    def __repr__(self) -> str:
        return f"Settings({self.value!r})"

    def replace(self, value: AnalysisSettings) -> list[str]:
        """Put `value` in place, then emit one signal per setting that changed; returns their names.
        The session's to call, once it has checked `value`."""
        old, self.value = self.value, value
        return self.emit_changes(old)

    def emit_changes(self, old: AnalysisSettings) -> list[str]:
        """Emit the signal of each setting that differs from `old`, in the schema's order."""
        changed = [name for name in NAMES if getattr(old, name) != getattr(self.value, name)]
        for name in changed:
            getattr(self.events, name).emit(getattr(self.value, name))
        return changed


for _name in NAMES:  # read-only attributes: settings.radius_m is settings.value.radius_m
    setattr(Settings, _name, property(lambda self, _n=_name: getattr(self.value, _n)))


def check_settings(s: AnalysisSettings, changed: set) -> None:
    """Refuse a value no data could make right (a range, a kind, a name that does not exist), with
    a message listing what would be. The scenarios are checked against the data by the session."""
    for key in TEXT_SETTINGS:
        if not isinstance(getattr(s, key), str):
            raise ValueError(f"{key} must be text, not {getattr(s, key)!r}")
    if "measure" in changed and s.measure not in PRESETS and not s.measure.startswith(LAYER_PREFIX):
        raise ValueError(f"unknown measure '{s.measure}' (presets: {', '.join(PRESETS)}; or layer:<name>)")
    if s.chart_figure not in FIGURES:
        raise ValueError(f"unknown chart figure '{s.chart_figure}' (have: {', '.join(FIGURES)})")
    if s.radius_m is not None:
        low, high = RADIUS_RANGE_M
        if not (_number(s.radius_m) and low <= s.radius_m <= high):
            raise ValueError(f"radius {s.radius_m!r} m is not a distance from {low:g} to {high:,.0f} m")
    if not (_whole(s.segments) and SEGMENTS_RANGE[0] <= s.segments <= SEGMENTS_RANGE[1]):
        raise ValueError(f"buffer segments {s.segments!r} per quarter circle must be a whole number from "
                         f"{SEGMENTS_RANGE[0]} to {SEGMENTS_RANGE[1]} (QGIS and PostGIS use 8, planner 16)")
    if s.distance not in DISTANCES:
        raise ValueError(f"distance {s.distance!r} is not one of {', '.join(DISTANCES)}")
    if s.network is not None and (not isinstance(s.network, str) or not s.network.strip()):
        raise ValueError(f"network {s.network!r} must name an OpenStreetMap extract (.pbf) or a street layer")
    if not (_number(s.walking_band_m) and BAND_RANGE_M[0] <= s.walking_band_m <= BAND_RANGE_M[1]):
        raise ValueError(f"walking band {s.walking_band_m!r} m is not a distance from {BAND_RANGE_M[0]:g} to "
                         f"{BAND_RANGE_M[1]:g} m")
    if s.frequent_headway_min is not None and not (
            _number(s.frequent_headway_min) and HEADWAY_RANGE_MIN[0] < s.frequent_headway_min <= HEADWAY_RANGE_MIN[1]):
        raise ValueError(f"frequent-service headway {s.frequent_headway_min!r} min is not a time of more than "
                         f"{HEADWAY_RANGE_MIN[0]:g} and at most {HEADWAY_RANGE_MIN[1]:g} minutes")
    if s.year is not None and not (_whole(s.year) and YEAR_RANGE[0] <= s.year <= YEAR_RANGE[1]):
        raise ValueError(f"year {s.year!r} is not a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
