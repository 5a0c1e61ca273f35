"""The session: a planner's work in one object, observable, with no Qt.

It holds the input layers (a `LayerStack`) with each layer's role and field mapping; the
working CRS (the project's, one the planner chose, or one chosen from the data); the study area
and the zone layer; the analysis settings (measure, radius, buffer segments, scenario, year,
the scenarios compared); the sketch (`layers.session.sketch`: lines drawn in the app, shown as two input
layers); and the latest results, in a stack of their own apart from the inputs (the canvas
draws both). Every edit of the planner's work (a layer added, removed, moved, restyled or given
another role; a sketch edit) is a command on the undo stack `history` (`layers.session.undo`), and
`modified` says whether there is work the project file does not have yet. The project file is the session written down (`layers.session.project`), the
CLI builds one from files and flags, and every dock of the app is a view of it: a dock shows
session state and writes the planner's changes back with the setters here, which validate
them and emit one typed signal per field (`session.events.study_area`, `session.settings.events.radius_m`,
`session.layers.events.inserted`; psygnal, as napari's models), the way glue's viewer `State`
objects drive its widgets: a view connects to exactly what it shows.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from psygnal import Signal, SignalGroup
from pyproj import CRS

from layers.analysis.city import CityData, CityDataError
from layers.analysis.indicators import PRESETS
from layers.analysis.jobs import LAYER_PREFIX
from layers.analysis.network import GET_NETWORK_HINT, WalkingNetwork
from layers.analysis.scenario import Scenario, check_scenario, parse_scenario
from layers.crs import choose_working_crs, crs_label, lonlat_bounds, metric_form, require_accurate, require_metric
from layers.layer import Layer, RasterLayer, Style, VectorLayer, default_style
from layers.roles import MEASURED_ROLES, ROLES, FieldMapping, apply_fields, outline_role
from layers.session.settings import (  # noqa: F401 (the settings' schema, also read from here)
    BAND_RANGE_M, DISTANCES, HEADWAY_RANGE_MIN, MAP_SCENARIO, RADIUS_RANGE_M, SCENARIO_SETTINGS, SEGMENTS_RANGE,
    WALKING_SETTINGS,
    YEAR_RANGE, AnalysisSettings, Settings, check_settings,
)
from layers.session.sketch_editing import SketchEditing
from layers.session.sketch import Sketch
from layers.io.sliced import collect_kept_out
from layers.stack import LayerStack
from layers.session.undo import Command, UndoStack

LAYER_RADIUS_M = 500.0  # a layer's own catchment until a radius is set
# Layers whose features no figure counts: a change of them moves no figure.
_UNMEASURED_ROLES = ("other", "water")
# Results are drawn under these input layers, so a catchment tints the map without hiding the network.
NETWORK_ROLES = ("metro_line", "metro_station", "transit_line", "transit_stop", "bridge")


@dataclass(frozen=True)
class StudyArea:
    """Which polygon the figures divide by: a layer (all its features) or one feature of it by name.

    `layer=None` is the boundary layer (role 'boundary'); there is no silent fallback to the
    union of everything: with no boundary the figures say what is missing.
    """

    layer: str | None = None
    feature: str | None = None


class SessionEvents(SignalGroup):
    """One signal per part of the session (its settings have their own: `Settings.events`)."""

    crs = Signal()  # the working CRS changed
    study_area = Signal(object)  # the new StudyArea
    zone_layer = Signal(object)  # the zone layer's name (None: the first zone layer)
    roles = Signal()  # a layer's role or field mapping changed
    city = Signal()  # what the figures measure changed (a layer, a filter, the study area, ...)
    sketch = Signal()  # the sketch was edited
    results = Signal(str)  # a latest result was set or failed: its key ('coverage', 'difference', ...)
    modified = Signal(bool)  # the `modified` flag changed


@dataclass(eq=False)
class Session(SketchEditing):
    layers: LayerStack = field(default_factory=LayerStack)
    results: LayerStack = field(default_factory=LayerStack)
    settings: Settings = field(default_factory=Settings)
    study_area: StudyArea = field(default_factory=StudyArea)
    zone_layer: str | None = None  # None: the first layer of role 'ward' (one named like 'ward' first)
    latest: dict = field(default_factory=dict)  # 'coverage', 'difference', 'overlap', 'timeline' -> result
    errors: dict = field(default_factory=dict)  # the same keys -> why the last attempt failed
    sketch: Sketch = field(default_factory=Sketch)
    history: UndoStack = field(default_factory=UndoStack)
    modified: bool = False  # work the project file does not have yet (New / Close ask before dropping it)
    _sketch_layers: dict = field(default_factory=dict, repr=False)  # role -> the sketch's VectorLayer
    _crs: CRS | None = field(default=None, repr=False)  # set by the project or the planner
    events: SessionEvents = field(default_factory=SessionEvents, repr=False)
    _city: tuple | None = field(default=None, repr=False)  # (version, CityData)
    _everything: tuple | None = field(default=None, repr=False)  # (version, CityData)
    _population_kept: object = field(default=None, repr=False)
    _result_layers: dict = field(default_factory=dict, repr=False)
    _walking: tuple | None = field(default=None, repr=False)  # (what it was built from, WalkingNetwork)
    # city() and everything() are built in worker threads, one at a time; each is kept with the
    # version it was built for, and a change of the session (in the GUI thread) moves the version on
    _city_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _versions: list = field(default_factory=lambda: [0, 0], repr=False)  # [filtered city, everything]
    _filtering_year: bool = field(default=False, repr=False)
    _sketch_edits: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        events = self.layers.events
        for signal in (events.moved, events.opacity, events.style):  # how the map looks: no figure moves
            signal.connect(self._on_layer_looks)
        events.inserted.connect(self._on_layer_shown)
        events.visibility.connect(self._on_layer_shown)
        events.removed.connect(self._on_layer_removed)
        events.role.connect(self._on_layer_role)
        events.data.connect(self._on_layer_data)
        events.filter.connect(self._on_layer_filter)

    # -- observing ------------------------------------------------------------------------------
    def _changed(self, signal, *args) -> None:
        """A change of the planner's work: not in the project file yet, then told."""
        self._set_modified(True)
        signal.emit(*args)

    def _set_modified(self, modified: bool) -> None:
        if modified != self.modified:
            self.modified = modified
            self.events.modified.emit(modified)

    def mark_saved(self) -> None:
        """The work is now what the project file holds (saved, opened, or new)."""
        self._set_modified(False)

    # -- undo and redo --------------------------------------------------------------------------
    def undo(self) -> str | None:
        """Undo the last edit (what it was, or None if there was none)."""
        return self.history.undo()

    def redo(self) -> str | None:
        return self.history.redo()

    def _record(self, text: str, undo, redo) -> None:
        self.history.push(Command(text, undo, redo))

    # -- the working CRS ------------------------------------------------------------------------
    @property
    def working_crs(self) -> CRS | None:
        """The project's or planner's CRS if set, else the one chosen from the data (None: no data)."""
        if self._crs is not None:
            return self._crs
        extents = [(layer.crs, layer.bounds) for layer in self.layers
                   if layer.crs is not None and np.all(np.isfinite(layer.bounds))]
        return choose_working_crs(extents) if extents else None

    @property
    def crs_chosen(self) -> bool:
        """True if the working CRS is set (project or planner), False if it follows the data."""
        return self._crs is not None

    def crs_text(self) -> str:
        crs = self.working_crs
        if crs is None:
            return "working CRS: chosen when data is loaded"
        return f"{crs_label(crs)}" + ("" if self.crs_chosen else " (from the data)")

    def set_working_crs(self, crs) -> None:
        """Measure in `crs` (a metric CRS every layer can be transformed to); None: choose from the data.

        A CRS in feet (a State Plane zone in US survey feet) is taken in its metric form, the same
        projection in metres (EPSG:2263 -> EPSG:32118): areas are always m2."""
        before = self.working_crs
        if crs is not None:
            crs = require_metric(metric_form(CRS.from_user_input(crs)), "the working CRS")
            for layer in self.layers:
                if layer.crs is not None:
                    require_accurate(layer.crs, crs, lonlat_bounds(layer.crs, layer.bounds))  # raises naming both
        self._crs = crs
        if self.working_crs != before:
            self._invalidate()
            self._changed(self.events.crs)

    # -- layers ---------------------------------------------------------------------------------
    def add_layer(self, layer: Layer, index: int | None = None) -> Layer:
        """Add an input layer; refuses one that cannot be brought into the working CRS accurately."""
        crs = self.working_crs
        if crs is not None and layer.crs is not None:
            require_accurate(layer.crs, crs, lonlat_bounds(layer.crs, layer.bounds))
        before = crs
        self.layers.add(layer, index)
        if self.working_crs != before:
            self._invalidate()
            self._changed(self.events.crs)
        at = self.layers.index(layer)
        self._record(f"Add layer '{layer.name}'", lambda: self.remove_layer(layer), lambda: self.add_layer(layer, at))
        return layer

    def remove_layer(self, layer: Layer) -> None:
        """Remove an input layer (a sketch layer: the whole sketch, which undo brings back)."""
        if layer in self._sketch_layers.values():
            self.set_sketch(Sketch(), "Delete the sketch")
            return
        before, at = self.working_crs, self.layers.index(layer)
        study_area, zone_layer = self.study_area, self.zone_layer
        self.layers.remove(layer)
        if self.working_crs != before:
            self._changed(self.events.crs)

        def undo() -> None:
            self.add_layer(layer, at)
            self.set_study_area(study_area)
            self.set_zone_layer(zone_layer)
        self._record(f"Remove layer '{layer.name}'", undo, lambda: self.remove_layer(layer))

    def move_layer(self, layer: Layer, index: int) -> None:
        """Move a layer to `index` in drawing order (0 = bottom)."""
        at = self.layers.index(layer)
        if index == at:
            return
        self.layers.move(layer, index)
        self._record(f"Move layer '{layer.name}'", lambda: self.move_layer(layer, at),
                     lambda: self.move_layer(layer, index))

    def set_style(self, layer: Layer, style: Style) -> None:
        before = layer.style
        if style == before:
            return
        self.layers.set_style(layer, style)
        self._record(f"Style of '{layer.name}'", lambda: self.set_style(layer, before),
                     lambda: self.set_style(layer, style))

    def clear(self) -> None:
        """An empty session: no layers, results, or settings of the previous work."""
        self.layers.clear()
        for key in list(self._result_layers):
            self.clear_result(key)
        self.latest.clear()
        self.errors.clear()
        self.study_area, self.zone_layer, self._crs = StudyArea(), None, None
        self.layers.set_as_of_year(None)
        self.sketch, self._sketch_layers = Sketch(), {}
        self._invalidate()
        self.settings.replace(AnalysisSettings())
        for signal, args in ((self.events.crs, ()), (self.events.study_area, (self.study_area,)),
                             (self.events.zone_layer, (None,)), (self.events.sketch, ())):
            self._changed(signal, *args)
        self.history.clear()
        self.mark_saved()
        collect_kept_out()  # the old work's reference cycles, which loads kept out of the collector (layers.io.sliced)

    def set_role(self, layer: Layer, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
        if isinstance(layer, RasterLayer) and role not in ("population", "other"):
            raise ValueError(f"{layer.name}: a raster can be 'population' or 'other', not '{role}'")
        if isinstance(layer, RasterLayer) and role == "population" and layer.not_population:
            raise ValueError(f"{layer.name}: {layer.not_population}")
        if layer.role != role:
            before, style, zone_layer = layer.role, layer.style, self.zone_layer
            if layer.style == default_style(layer.role):
                layer.style = default_style(role)
            layer.role = role
            if role != "ward" and self.zone_layer == layer.name:
                self.zone_layer = None  # no longer zones: back to the first zone layer
                self._changed(self.events.zone_layer, self.zone_layer)
            self.layers.notify_role_changed(layer)
            self._changed(self.events.roles)

            def undo() -> None:
                self.set_role(layer, before)
                self.layers.set_style(layer, style)
                self.set_zone_layer(zone_layer)
            self._record(f"Role of '{layer.name}'", undo, lambda: self.set_role(layer, role))

    def set_fields(self, layer: VectorLayer, mapping: FieldMapping | dict) -> None:
        """Set which field means what; the canonical status / opening year are derived anew."""
        if isinstance(mapping, FieldMapping):
            mapping = mapping.to_dict()
        layer.fields = FieldMapping.from_dict(mapping, list(layer.gdf.columns))
        layer.warnings += apply_fields(layer)
        self.layers.notify_data_changed(layer)
        self._changed(self.events.roles)

    def guess_roles(self, layers: list[Layer]) -> None:
        """The guesses that need the other layers, for `layers` just loaded.

        With no population layer, the one raster of non-negative counts whose name said nothing
        is the population; with no boundary, a one-polygon layer (of role 'other', 'ward' or 'population':
        an outline with the city's total) whose
        outline covers the other vector layers is the boundary (a population grid reaches past
        the city, so it does not count).
        """
        everything = list(self.layers)
        if not any(layer.role == "population" for layer in everything):
            rasters = [layer for layer in layers if isinstance(layer, RasterLayer) and layer.role == "other"
                       and not layer.display_only]
            if len(rasters) == 1 and not rasters[0].not_population and np.nanmin(rasters[0].array, initial=0.0) >= 0:
                self.set_role(rasters[0], "population")
        crs = self.working_crs
        if crs is None or any(layer.role == "boundary" for layer in everything):
            return
        for layer in layers:
            if (isinstance(layer, VectorLayer) and layer.role in ("other", "ward", "population") and len(layer.gdf) == 1
                    and layer.geometry_kind == "polygon"):
                others = [shapely.box(*other.extent_in_crs(crs)) for other in everything
                          if isinstance(other, VectorLayer) and other is not layer
                          and other.role not in ("ward", "boundary")]
                if outline_role(layer.in_crs(crs).geometry.iloc[0], others):
                    self.set_role(layer, "boundary")
                    return

    def zone_layers(self) -> list[VectorLayer]:
        return [layer for layer in self.layers if isinstance(layer, VectorLayer) and layer.role == "ward"]

    # -- study area and zones --------------------------------------------------------------------
    def set_study_area(self, study_area: StudyArea) -> None:
        if study_area.layer is not None:
            layer = self.layers.find(study_area.layer)
            if not isinstance(layer, VectorLayer):
                names = ", ".join(l.name for l in self.layers if isinstance(l, VectorLayer)) or "none"
                raise ValueError(f"no vector layer '{study_area.layer}' for the study area (have: {names})")
            if study_area.feature is not None:
                self._feature_row(layer, study_area.feature)
        if study_area != self.study_area:
            self.study_area = study_area
            self._invalidate()
            self._changed(self.events.study_area, self.study_area)

    def study_area_text(self) -> str:
        """What the study area is, in words: 'city_boundary', 'NE (wards)', or what is missing."""
        layer, feature = self.study_area.layer, self.study_area.feature
        if layer is not None:
            return f"{feature} ({layer})" if feature is not None else layer
        names = [layer.name for layer in self.layers if layer.role == "boundary"]
        return ", ".join(names) if names else "none (no layer has the role 'boundary')"

    def set_zone_layer(self, name: str | None) -> None:
        if name is not None and name not in [l.name for l in self.zone_layers()]:
            have = ", ".join(l.name for l in self.zone_layers()) or "none (set a layer's role to 'ward')"
            raise ValueError(f"no zone layer '{name}' (zone layers: {have})")
        if name != self.zone_layer:
            self.zone_layer = name
            self._invalidate()
            self._changed(self.events.zone_layer, self.zone_layer)

    def study_area_geometry(self) -> shapely.Geometry | None:
        """The chosen study area in the working CRS; None: the boundary layer(s) (CityData's rule)."""
        if self.study_area.layer is None:
            return None
        layer = self.layers.find(self.study_area.layer)
        if not isinstance(layer, VectorLayer):
            raise CityDataError(f"the study area layer '{self.study_area.layer}' is not loaded")
        gdf = layer.in_crs(self.working_crs)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        if self.study_area.feature is not None:
            geoms = geoms[[self._feature_row(layer, self.study_area.feature)]]
        return shapely.union_all(shapely.make_valid(geoms))

    def zone_names(self, layer: VectorLayer) -> list[str]:
        column = layer.fields.zone_name or layer.fields.name
        if column is None or column not in layer.gdf.columns:
            return [str(i + 1) for i in range(len(layer.gdf))]
        return layer.gdf[column].astype(str).tolist()

    def _feature_row(self, layer: VectorLayer, name: str) -> int:
        names = self.zone_names(layer)
        if name not in names:
            sample = ", ".join(sorted(names)[:8]) + (" …" if len(names) > 8 else "")
            raise ValueError(f"no feature '{name}' in '{layer.name}' (it has: {sample})")
        return names.index(name)

    # -- analysis settings ------------------------------------------------------------------------
    def measures(self) -> list[str]:
        """What can be measured with the layers loaded: presets whose role is present, and layers."""
        roles = {layer.role for layer in self.layers}
        found = [name for name, preset in PRESETS.items() if preset.applies_to(roles)]
        found += [LAYER_PREFIX + layer.name for layer in self.layers
                  if isinstance(layer, VectorLayer) and layer.role in MEASURED_ROLES]
        return found

    def update(self, **changes) -> None:
        """Change analysis settings; each is checked and refused with a message listing what exists.
        Each setting that changed emits its own signal (`settings.events.<name>`), once, after all."""
        settings = dataclasses.replace(self.settings.value, **changes)
        self._check(settings, set(changes))
        if "year" in changes and settings.year != self.settings.year:
            # one city change for the year, not one per dated layer (the docks redraw on each)
            self._filtering_year = True
            try:
                self.layers.set_as_of_year(settings.year)
            finally:
                self._filtering_year = False
            self._invalidate(filters_only=True)
        if settings != self.settings.value:
            walk_changed = any(getattr(settings, k) != getattr(self.settings, k) for k in WALKING_SETTINGS)
            self._set_modified(True)
            old, self.settings.value = self.settings.value, settings
            if walk_changed:
                self._invalidate()  # city() is built anew with them
            self.settings.emit_changes(old)

    def _check(self, s: AnalysisSettings, changed: set) -> None:
        check_settings(s, changed)
        for key in SCENARIO_SETTINGS:
            if key in changed:
                self.check_scenario(getattr(s, key))

    def check_scenario(self, text: str) -> Scenario:
        """`parse_scenario(text)`, checked against the data: a field or value left out must exist."""
        scenario = parse_scenario(text)
        check_scenario(scenario, [layer.gdf for layer in self.layers if isinstance(layer, VectorLayer)])
        return scenario

    def radius_m(self) -> float | None:
        """The radius the figures use: the setting or the preset's own; None for a preset with no buffer."""
        measure = self.settings.measure
        if measure in PRESETS:
            return self.radius_for(measure)
        return float(self.settings.radius_m) if self.settings.radius_m is not None else LAYER_RADIUS_M

    def radius_for(self, preset: str) -> float | None:
        """The radius a preset is measured with: the set radius if it is the chosen measure, else
        the preset's own; None for a preset without a buffer (the CLI's rule as well)."""
        if not PRESETS[preset].radius_m:
            return None
        if preset == self.settings.measure and self.settings.radius_m is not None:
            return float(self.settings.radius_m)
        return PRESETS[preset].radius_m

    def measure_title(self, what: str | None = None) -> str:
        """A measure in words: the preset's title or 'Layer: <name>'."""
        what = self.settings.measure if what is None else what
        return PRESETS[what].title if what in PRESETS else f"Layer: {what[len(LAYER_PREFIX):]}"

    def scenario(self) -> Scenario:
        """The scenario the Coverage figures use; 'as drawn on the map' names the year the map shows."""
        scenario = parse_scenario(self.settings.scenario)
        if self.settings.scenario == MAP_SCENARIO:
            year = self.settings.year
            return dataclasses.replace(scenario, name="as drawn on the map" + (f" ({year})" if year is not None
                                                                               else " (all years)"))
        return scenario

    # -- the city the figures measure ---------------------------------------------------------------
    def city(self) -> CityData:
        """What the map shows, in the working CRS (raises CityDataError naming what is missing).

        Built on first use after a change, which can take seconds (a street network, a boundary
        of a million polygons): the docks ask for it in their worker threads, never the GUI's.
        """
        with self._city_lock:
            version = self._versions[0]
            if self._city is not None and self._city[0] == version:
                return self._city[1]
            crs = self.working_crs
            if crs is None:
                raise CityDataError("nothing to measure: open a city's layers first")
            city = CityData.from_layers(list(self.layers), crs, self.study_area_geometry(),
                                        zone_layer=self.zone_layer, zone_names=self.zone_names,
                                        quad_segs=self.settings.segments)
            city.frequent_headway_min = self.settings.frequent_headway_min
            if self.settings.distance == "walking":
                city.walking = self.walking_network()
            old = self._population_kept
            if old is not None and city.population is not None and old.same_source(city.population):
                city.population = old  # keeps its cached denominators (people in the study area, per ward)
            self._city = (version, city)  # not used if the session has changed meanwhile
            return city

    def city_version(self, filtered: bool = True) -> tuple[int, int]:
        """Moves on whenever city() (filtered) or everything() would be built anew, or what they
        measure changed in place (a sketch edit: the city reads the sketch's layers live)."""
        return self._versions[0 if filtered else 1], self._sketch_edits

    def walking_network(self) -> WalkingNetwork:
        """The street network walking distances are measured on, built once (then cached beside its
        file) in the working CRS: `settings.network` (an OSM extract or a layer of role 'street'),
        else the first layer of role 'street'. Raises CityDataError saying how to get one."""
        from layers.analysis.network import graph_from_layer, graph_from_osm, is_osm_extract
        from layers.io import LayerLoadError

        crs, reference = self.working_crs, self.settings.network
        if crs is None:
            raise CityDataError("nothing to measure: open a city's layers first")
        if is_osm_extract(reference):
            what = ("file", reference)
        else:
            streets = [layer for layer in self.layers if isinstance(layer, VectorLayer) and layer.role == "street"
                       and (reference is None or layer.name == reference)]
            if not streets:
                missing = f"there is no street layer '{reference}'" if reference else "there is no street network"
                raise CityDataError(f"{missing}: {GET_NETWORK_HINT}")
            what = ("layer", streets[0])
        # a layer by itself (held: an id is another's once its layer is gone) and by its data as it is now
        key = (what[0], what[1] if what[0] == "file" else (what[1], what[1].data_key), crs.srs)
        if self._walking is None or self._walking[0] != key:
            try:
                graph, _ = graph_from_osm(what[1], crs) if what[0] == "file" else graph_from_layer(what[1], crs)
            except LayerLoadError as exc:
                raise CityDataError(str(exc)) from None
            if graph.edge_count == 0:
                raise CityDataError(f"{graph.source.name}: the street network has no streets")
            self._walking = (key, graph)
        return WalkingNetwork(self._walking[1], band_m=float(self.settings.walking_band_m))

    def measured_city(self) -> CityData:
        """The city the Coverage and Overlap figures measure. With the scenario 'as drawn on the
        map', the map's (`city()`: the timeline's year filters it); with any other, every feature
        (`everything()`), which that scenario chooses whatever year the map shows, as the timeline
        says under its slider. (The filtered city made 'existing' count only what was existing
        and open in the map's year: the sample's 10.47 % fell to 0 % at 2012, its text unchanged.)"""
        return self.city() if self.settings.scenario == MAP_SCENARIO else self.everything()

    def everything(self) -> CityData:
        """The same city without the timeline's filter: scenario compare and the timeline choose features."""
        with self._city_lock:
            version = self._versions[1]
            if self._everything is not None and self._everything[0] == version:
                return self._everything[1]
            everything = dataclasses.replace(self.city(), use_filters=False)
            self._everything = (version, everything)  # not used if the session has changed meanwhile
            return everything

    def _invalidate(self, filters_only: bool = False) -> None:
        if self._city is not None:
            self._population_kept = self._city[1].population
        self._versions[0] += 1
        if not filters_only:
            self._versions[1] += 1
        self.events.city.emit()

    # -- the input layers' events: what they change of the work and of the figures ------------------
    def _on_layer_looks(self, _layer: Layer, *_index) -> None:
        self._set_modified(True)  # moved, restyled, more opaque: in the project file, no figure moves

    def _on_layer_shown(self, layer: Layer, *_index) -> None:
        self._set_modified(True)  # added, shown or hidden
        if layer.role not in _UNMEASURED_ROLES:
            self._invalidate()

    def _on_layer_removed(self, layer: Layer, _index: int) -> None:
        self._set_modified(True)
        self._forget_layer(layer)
        self._invalidate()

    def _on_layer_role(self, _layer: Layer) -> None:
        self._set_modified(True)
        self._invalidate()

    def _on_layer_data(self, layer: Layer) -> None:
        if layer in self._sketch_layers.values():
            self._sketch_edits += 1  # new sketch features: the city reads them live; its caches stay
            self.events.city.emit()
        elif layer.role not in _UNMEASURED_ROLES:
            self._invalidate()

    def _on_layer_filter(self, layer: Layer) -> None:
        if not self._filtering_year and layer.role not in _UNMEASURED_ROLES:  # the year: one change, by update()
            self._invalidate(filters_only=True)

    def _forget_layer(self, layer: Layer) -> None:
        """A removed layer is no longer the study area or the zone layer."""
        if self.study_area.layer == layer.name:
            self.study_area = StudyArea()
            self._changed(self.events.study_area, self.study_area)
        if self.zone_layer == layer.name:
            self.zone_layer = None
            self._changed(self.events.zone_layer, self.zone_layer)

    # -- results ------------------------------------------------------------------------------------
    def set_latest(self, key: str, result) -> None:
        """The latest result of a kind ('coverage', 'difference', ...); None with `error` clears it."""
        self.latest[key] = result
        self.errors.pop(key, None)
        self.events.results.emit(key)

    def set_failed(self, key: str, message: str) -> None:
        """A result could not be computed: the old one is dropped, never shown as if current."""
        self.latest[key] = None
        self.errors[key] = message
        self.events.results.emit(key)

    def show_result(self, key: str, gdf, name: str, style: Style) -> VectorLayer:
        """Draw a result layer (a catchment, the gained area, overlaps); replaces the previous one of `key`.

        The same features again (a result computed anew after a change that moved nothing, such as
        showing a layer that is not measured) change nothing: no event, nothing redrawn."""
        layer = self._result_layers.get(key)
        if layer is not None and layer in self.results:
            if style == layer.style and name == layer.name and _same_features(layer.gdf, gdf):
                return layer
            layer.gdf, layer.style = gdf, style
            if layer.name != name and self.results.find(name) is None:
                layer.name = name
            self.results.notify_data_changed(layer)
            return layer
        layer = VectorLayer(name=name, source=None, role="other", style=style, gdf=gdf)
        self._result_layers[key] = self.results.add(layer)
        return layer

    def result_layer(self, key: str) -> VectorLayer | None:
        layer = self._result_layers.get(key)
        return layer if layer is not None and layer in self.results else None

    def clear_result(self, key: str) -> None:
        layer = self._result_layers.pop(key, None)
        if layer is not None and layer in self.results:
            self.results.remove(layer)


def _same_features(a, b) -> bool:
    """Whether two frames hold the same features: fields, geometries (coordinate for coordinate:
    `shapely.equals_identical`, not geopandas' topological `equals`) and CRS."""
    if len(a) != len(b) or list(a.columns) != list(b.columns) or a.crs != b.crs:
        return False
    if not a.drop(columns=a.geometry.name).equals(b.drop(columns=b.geometry.name)):
        return False
    ga, gb = np.asarray(a.geometry.values), np.asarray(b.geometry.values)
    return bool((shapely.equals_identical(ga, gb) | (shapely.is_missing(ga) & shapely.is_missing(gb))).all())
