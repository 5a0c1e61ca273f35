"""CityData: everything the coverage figures need, in one working metric CRS.

The GUI dashboard and the `planner measure` command build one CityData and pass it to
`layers.indicators.evaluate`, so both give identical figures from identical inputs.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.analysis.coverage import (
    QUAD_SEGS, FeatureSet, PopulationGrid, ZonePopulation, as_area, polygonal, zone_geometries,
)
from layers.crs import NotMetricCRSError, TransformError, crs_label, lonlat_bounds, require_metric, require_true_areas, transform_note
from layers.layer import Layer, RasterLayer, VectorLayer, field_columns
from layers.roles import COUNTED_ROLES

CONTEXT_ROLES = ("boundary", "ward", "population")
SLIVER_SHARE = 0.01
ZONE_PIECES = ("zone pieces",)  # `remember`'s key of each zone clipped to the study area
MEMO_SIZE = 16  # a zone with less of its area in the study area is a boundary sliver


class CityDataError(ValueError):
    """The inputs cannot make a city to measure (e.g. no study area); str() says why."""


@dataclass(eq=False)
class CityData:
    """Study area, population grid, zones and layers by role, all in the metric `crs`.

    `zones` is the zone layer's zones that meet the study area (a GeoDataFrame with a 'zone'
    name column, in `crs`); `zones_source` names the layer. `quad_segs` is the buffers' segments
    per quarter circle.
    """

    crs: CRS
    study_area: shapely.Geometry
    population: PopulationGrid | ZonePopulation | None = None
    layers: dict[str, list[VectorLayer]] = field(default_factory=dict)  # by role
    zones: gpd.GeoDataFrame | None = None
    zones_source: str | None = None
    quad_segs: int = QUAD_SEGS
    # Apply each layer's feature filter (the timeline's year): the figures measure what the map
    # shows. False measures every feature of the visible layers (scenarios then choose).
    use_filters: bool = True
    _counted: dict | None = field(default=None, init=False, repr=False)  # counted_features(), made once
    _memo: dict = field(default_factory=dict, init=False, repr=False)  # remember(): results kept for this city
    # SDG 11.2.1's frequent-service criterion: a station counts as frequent with a mean headway of
    # this many minutes or better in its feed's service window; None: the criterion is not applied.
    frequent_headway_min: float | None = None
    # Buffered catchments by walking distance along this network (a
    # layers.analysis.network.WalkingNetwork); None: straight-line distance.
    walking: object | None = None
    # How layers on another datum were brought into `crs`, with the shift's accuracy (`transform_note`)
    shifts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.crs = require_metric(self.crs)

    @property
    def crs_label(self) -> str:
        """The working CRS, and how any layer on another datum got into it, with its accuracy."""
        return "; ".join([crs_label(self.crs), *self.shifts])

    @classmethod
    def from_layers(
        cls, layers: list[Layer], crs: CRS | str | int, study_area: shapely.Geometry | None = None,
        zone_layer: str | None = None, zone_names=None, quad_segs: int = QUAD_SEGS,
    ) -> CityData:
        """From loaded layers: the study area is `study_area`, else the union of the 'boundary'
        layers (never silently anything else); the 'population' raster is the population grid;
        the zones are `zone_layer`'s (default: the first 'ward' layer, one named like 'ward' first).

        A hidden network layer (metro, bridge, green, digital zone, ...) does not count: the
        figures measure what the map shows. Context layers (boundary, ward, population) count
        whether drawn or not, since hiding the grid to see the lines must not empty the city.
        `zone_names(layer)` gives each zone's name (default: a 'name' field, else 1..n).
        """
        crs = require_metric(CRS.from_user_input(crs))
        by_role: dict[str, list[VectorLayer]] = {}
        people = [layer for layer in layers if isinstance(layer, RasterLayer) and layer.role == "population"]
        if people and people[0].display_only:
            raise CityDataError(_display_only_reason(people[0]))
        if people and people[0].not_population:  # a role set without the session's check (a project file)
            raise CityDataError(f"{people[0].name}: {people[0].not_population}")
        if people:
            try:
                population = PopulationGrid.from_raster(people[0], crs)
            except (ValueError, TransformError) as exc:
                raise CityDataError(f"{people[0].name}: {exc}") from None
        else:
            population = _zone_population(layers, crs)
        for layer in layers:
            if isinstance(layer, VectorLayer) and (layer.visible or layer.role in CONTEXT_ROLES):
                by_role.setdefault(layer.role, []).append(layer)
        if study_area is None:
            outline = [layer.in_crs(crs) for layer in by_role.get("boundary", [])]
            if not outline:
                raise CityDataError(
                    "no study area: give the city's outline the role 'boundary' (layer panel, or "
                    "--role FILE=boundary) or choose a study area"
                )
            geoms = np.concatenate([np.asarray(g.geometry.values, dtype=object) for g in outline])
            study_area = shapely.union_all(shapely.make_valid(geoms))
        study_area = as_area(study_area)
        if study_area.is_empty or study_area.area <= 0:
            raise CityDataError("the study area is empty")
        try:
            require_true_areas(crs, study_area)
        except NotMetricCRSError as exc:
            raise CityDataError(str(exc)) from None
        zones, source, pieces = _zones(by_role.get("ward", []), zone_layer, crs, study_area, zone_names)
        city = cls(crs=crs, study_area=study_area, population=population, layers=by_role, zones=zones,
                   zones_source=source, quad_segs=quad_segs, shifts=_shifts(layers, crs))
        if zones is not None:  # clipped already, to leave the slivers out
            city.remember(ZONE_PIECES, lambda: pieces)
        return city

    # -- asking ---------------------------------------------------------------------------------
    def zone_layer(self) -> gpd.GeoDataFrame | None:
        """The zones (in `crs`, with a 'zone' name column), or None without a zone layer."""
        return self.zones

    def features(self, role: str, scenario=None) -> gpd.GeoDataFrame:
        """All features of a role (every layer of it), in the working CRS, less those each layer's
        feature filter leaves out (if `use_filters`), filtered by `scenario`."""
        frames = [
            layer.shown_in_crs(self.crs) if self.use_filters else layer.in_crs(self.crs)
            for layer in self.layers.get(role, [])
        ]
        if not frames:
            return gpd.GeoDataFrame(geometry=[], crs=self.crs)
        gdf = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=self.crs)
        return scenario.select(gdf) if scenario is not None else gdf

    def feature_fields(self, role: str) -> pd.DataFrame:
        """The fields of the features `features(role)` gives, in the same order, without their
        geometries: what a scenario's mask reads (a layer held as arrays makes no geometry for it)."""
        frames = []
        for layer in self.layers.get(role, []):
            fields = layer.gdf[field_columns(layer.gdf)]
            mask = layer.feature_mask() if self.use_filters else None
            frames.append(fields if mask is None else fields[mask])
        if not frames:
            return pd.DataFrame()
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def remember(self, key, make):
        """`make()` once per `key` for this city (a compare's unchanged scenario measured once while a
        sketch is drawn); at most MEMO_SIZE results are kept, the oldest dropped first."""
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = make()
        return self._memo[key]

    def has(self, role: str) -> bool:
        return bool(self.layers.get(role))

    def zone_pieces(self):
        """Each zone clipped to the study area (`zone_geometries`), worked out once for this city
        (by `from_layers`, which leaves out the slivers by them): every measure by zone asked for
        them again (Hanoi's 126 wards: 22 ms a time)."""
        return self.remember(ZONE_PIECES, lambda: zone_geometries(self.zones, self.study_area))

    def counted_features(self) -> dict[str, FeatureSet]:
        """The features counted in a catchment (layers of role 'building' or 'facility'), by layer
        name, with the fields chosen to sum (the layer's `fields.sum_fields`); made once per city."""
        if self._counted is None:
            self._counted = self.counters(FeatureSet.from_frame)
        return self._counted

    def counters(self, make) -> dict:
        """Each counted layer's features (as the map shows them, in the working CRS) made into a
        counter by `make(frame, sum_fields)`: a FeatureSet here, partitions on a cluster elsewhere.
        The frame is a GeoDataFrame, or a `CompactFrame` for a layer held as arrays (`planner
        measure` reads buildings so with the local engine)."""
        counted = {}
        for role in COUNTED_ROLES:
            for layer in self.layers.get(role, []):
                frame = layer.counted_in_crs(self.crs, self.use_filters)
                try:
                    counted[layer.name] = make(frame, tuple(layer.fields.sum_fields))
                except ValueError as exc:
                    raise CityDataError(f"{layer.name}: {exc}") from None
        return counted

    def counting_with(self, counted: dict) -> CityData:
        """A copy of the city whose features are counted by `counted` (from `counters`)."""
        copy = dataclasses.replace(self)
        copy._counted = counted
        return copy


def _shifts(layers: list[Layer], crs: CRS) -> tuple[str, ...]:
    """'stations, wards: from EPSG:4269 (NAD83) by NAD83 to WGS 84 (1), accurate to 4 m' for each datum
    shift the layers measured need (none when they are on the working CRS's datum)."""
    by_note: dict[str, list[str]] = {}
    for layer in layers:
        if layer.crs is not None and (layer.role != "other" or isinstance(layer, RasterLayer)):
            note = transform_note(layer.crs, crs, lonlat_bounds(layer.crs, layer.bounds))
            if note is not None:
                by_note.setdefault(note, []).append(layer.name)
    return tuple(f"{', '.join(names)}: {note}" for note, names in by_note.items())


def _zones(layers: list[VectorLayer], name: str | None, crs, study_area, zone_names):
    """The chosen zone layer's zones that meet the study area, named, in `crs`, and each of them
    clipped to the study area (`zone_geometries`).

    Zones with less than SLIVER_SHARE of their own area inside the study area are left out:
    they are boundary slivers where two sources disagree (a 0.002 km² piece of a neighbouring
    ward would otherwise top a ward chart at 100 %).
    """
    if not layers:
        return None, None, None
    if name is None:
        layer = next((l for l in layers if "ward" in l.name.lower()), layers[0])
    else:
        layer = next((l for l in layers if l.name == name), None)
        if layer is None:
            raise CityDataError(f"no zone layer '{name}' (have: {', '.join(l.name for l in layers)})")
    gdf = layer.in_crs(crs)
    names = zone_names(layer) if zone_names is not None else (
        gdf["name"].astype(str).tolist() if "name" in gdf.columns else [str(i + 1) for i in range(len(gdf))])
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    inside = zone_geometries(gdf, study_area)
    keep = shapely.area(inside) >= SLIVER_SHARE * shapely.area(geoms)
    zones = gpd.GeoDataFrame({"zone": np.asarray(names, dtype=object)[keep]}, geometry=geoms[keep], crs=crs)
    return zones.reset_index(drop=True), layer.name, inside[keep]


def _zone_population(layers: list[Layer], crs) -> ZonePopulation | None:
    """With no population grid: a polygon layer of role 'population' (census zones) whose population
    field is set; else the first zone layer (role 'ward') whose population field is set."""
    census = [layer for layer in layers if isinstance(layer, VectorLayer) and layer.role == "population"]
    zones = [layer for layer in layers if isinstance(layer, VectorLayer) and layer.role == "ward"
             and layer.fields.population is not None]
    for layer in census or zones[:1]:
        column = layer.fields.population
        if column is None:
            raise CityDataError(f"{layer.name}: set the field that holds each zone's population "
                                f"(Layers dock > Fields, or --field {layer.name}.population=FIELD)")
        gdf = layer.in_crs(crs)
        people = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype="float64")
        try:
            return ZonePopulation(np.asarray(polygonal(gdf.geometry.values), dtype=object), people, crs, layer.name)
        except ValueError as exc:
            raise CityDataError(str(exc)) from None
    return None


def _display_only_reason(layer: RasterLayer) -> str:
    name = layer.source.name if layer.source is not None else layer.name
    rows, cols = layer.full_shape
    return (
        f"{name}: the population raster is too large to analyse ({cols:,} x {rows:,} = {rows * cols:,} "
        "pixels); it is only drawn from overviews. Clip or resample it to the study area (e.g. with "
        "gdalwarp) and load that"
    )
