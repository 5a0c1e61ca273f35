"""Named indicator presets: the figures planners quote, each with its method and source.

One entry point for the GUI dashboard and the CLI:

    evaluate(preset_name, city, radius_m=None, scenario=None, zones=False,
             progress=None, cancelled=None) -> IndicatorResult

Distances are straight-line (Euclidean, in the working metric CRS), which overstates access
compared with walking along streets (the UN metadata for SDG 11.2.1 asks for the street
network), unless the city carries a walking network (`CityData.walking`): then every buffered
catchment is a walking catchment (`layers.analysis.network`) and the result also gives the
straight-line figures beside it, and the share of the study area's people (or area) beyond the
network's extent, which walking cannot reach whatever the streets (`NETWORK_OUTSIDE_WARN`). Every
method text says which. Shares are 0..1 of the study area's population (or area). What the
planner must know about a figure (origins far from or beside the network, a network that covers
part of the study area) is in the result's `warnings`, which the CLI and the dock show.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.analysis.city import CityData, CityDataError
from layers.analysis.coverage import (
    Within, ZonePopulation, as_area, catchment, measure_catchment, polygonal,
)
from layers.analysis.coverage.shapes import geometries
from layers.analysis.presets import PRESETS, STRAIGHT, Preset
from layers.analysis.progress import IsCancelled, Progress, check
from layers.roles import CAPACITY_FIELD, HEADWAY_FIELD, ROLE_CAPACITY
from layers.text import records
from layers.analysis.scenario import Scenario

STRAIGHT_DISTANCE = "straight line"
_FREQUENT_PREFIX = "frequent_"
NETWORK_OUTSIDE_WARN = 0.01  # a network leaving more than this share of the people (or area) outside is said


@dataclass
class Shapes:
    """What a result measured, to draw: the catchment, and by walking distance the straight-line one beside it."""

    catchment: shapely.Geometry | None = None
    straight_line: shapely.Geometry | None = None


@dataclass
class IndicatorResult:
    """One indicator: value = numerator / denominator, with CRS, method and source."""

    preset: str
    title: str
    value: float
    numerator: float
    denominator: float
    unit: str
    crs: str
    method: str
    source: str
    radius_m: float
    scenario: str
    figures: dict = field(default_factory=dict)  # area_m2, area_share, population, ...
    zones: pd.DataFrame | None = None
    # features counted in the catchment, by layer: count_intersecting, count_by_centroid,
    # area_inside_m2, length_inside_m, <field>_sum, <field>_area_weighted (`coverage/features.py`)
    features: dict = field(default_factory=dict)
    distance: str = STRAIGHT_DISTANCE  # or 'walking distance along the street network (<source, date>)'
    # Why there are no people figures and what to set, when there is no population (None: there is)
    population_missing: str | None = None
    shapes: Shapes | None = field(default=None, repr=False, compare=False)  # what it measured, to draw (not saved)
    warnings: list[str] = field(default_factory=list)  # what the planner must know about the figure

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "shapes"}
        data["zones"] = None if self.zones is None else records(self.zones)
        return data


def preset_catchment(
    preset: str | Preset, city: CityData, radius_m: float | None = None, scenario: Scenario | None = None,
    frequent_headway_min: float | None = None, warnings: list[str] | None = None,
) -> shapely.Geometry:
    """The catchment a preset measures, for a radius and scenario, clipped to the study area: the
    union of each capacity class's reach at its radius (SDG 11.2.1: high 1 km, low 500 m). With
    `frequent_headway_min`, only stations whose mean headway in their feed's service window is
    that or better count (stations without a timetable do not). What the planner must know about
    it (a walking catchment's origins off the network) is added to `warnings` if given."""
    return _preset_reach(preset, city, radius_m, scenario, frequent_headway_min, warnings)[0]


def _preset_reach(
    preset: str | Preset, city: CityData, radius_m: float | None, scenario: Scenario | None,
    frequent_headway_min: float | None = None, warnings: list[str] | None = None,
) -> tuple[shapely.Geometry, Within | None]:
    """`preset_catchment` and, for a straight-line one, its definition (`Within`: what features are
    counted by, each class at its radius)."""
    p = PRESETS[preset] if isinstance(preset, str) else preset
    radius = p.radius_m if radius_m is None else float(radius_m)
    if not any(city.has(role) for role in p.roles):
        raise CityDataError(f"{p.title} needs a layer with role {' or '.join(repr(r) for r in p.roles)}, and there is none")
    reaches = [(preset_features(p, city, scenario, klass, frequent_headway_min), reach_m)
               for klass, reach_m in p.reaches(radius)]
    kept = [reach for reach in reaches if not reach[0].empty] or reaches[:1]  # a class with no features adds nothing
    warnings = [] if warnings is None else warnings
    parts = [_reach(features, reach_m, city, warnings) for features, reach_m in kept]
    zone = functools.reduce(lambda a, b: as_area(shapely.union(a, b)), [part[0] for part in parts])
    definitions = [part[1] for part in parts]
    within = None if None in definitions else functools.reduce(lambda a, b: a | b, definitions)
    return zone, within


def preset_features(p: Preset, city: CityData, scenario: Scenario | None, klass: str | None = None,
                    frequent_headway_min: float | None = None):
    """The features of a preset's roles in a capacity class (None: all), with a headway no longer
    than `frequent_headway_min` if set, in the working CRS."""
    frames = []
    for role in p.roles:
        if not city.has(role):
            continue
        features = city.features(role, scenario)
        if klass is not None:
            fixed = ROLE_CAPACITY.get(role)
            if fixed is None:
                features = features[features[CAPACITY_FIELD] == klass] if CAPACITY_FIELD in features else features.iloc[:0]
            elif fixed != klass:
                continue
        if p.min_area_m2:
            features = features[features.geometry.area >= p.min_area_m2]
        if frequent_headway_min is not None:
            headway = pd.to_numeric(features[HEADWAY_FIELD], errors="coerce") if HEADWAY_FIELD in features else None
            features = features.iloc[:0] if headway is None else features[(headway <= frequent_headway_min).to_numpy(
                dtype=bool, na_value=False)]
        frames.append(features)
    if len(frames) == 1:
        return frames[0]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=city.crs)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=city.crs)


def _remembered_catchment(p: Preset, city: CityData, radius_m: float, scenario: Scenario
                          ) -> tuple[shapely.Geometry, list[str]]:
    """`preset_catchment` and its warnings, made once per city for the same features (their geometry and filter)."""
    shapes = [shapely.to_wkb(shapely.geometrycollections(np.asarray(city.features(role, scenario).geometry.values,
                                                                    dtype=object))) for role in p.roles]
    key = ("catchment", p.name, radius_m, scenario, *shapes)
    def made() -> tuple[shapely.Geometry, list[str]]:
        warnings: list[str] = []
        return preset_catchment(p, city, radius_m, scenario, warnings=warnings), warnings

    return city.remember(key, made)


def _remembered_measure(zone: shapely.Geometry, within: Within | None, city: CityData, counted: dict,
                        zone_gdf: gpd.GeoDataFrame | None, progress: Progress, cancelled: IsCancelled):
    """`measure_catchment` of a catchment, made once per city for the same catchment, definition, study
    area, zones and counted features: presets whose catchments coincide (SDG 11.2.1 and ITDP PNT at
    500 m over the same stations) measure the footprints once. Each caller gets its own copy."""
    key = ("measured", shapely.to_wkb(zone), _within_key(within), shapely.to_wkb(city.study_area),
           _zones_key(zone_gdf), tuple((name, id(counter)) for name, counter in counted.items()),
           id(city.population))

    def made():
        return measure_catchment(zone, city.study_area, city.crs, city.population, counted, zones=zone_gdf,
                                 zone_name_field="zone", progress=progress, cancelled=cancelled, within=within,
                                 zone_pieces=city.zone_pieces() if zone_gdf is not None else None)

    measured = city.remember(key, made)
    check(cancelled, progress, 1.0)
    return copy.deepcopy(measured)


def _within_key(within: Within | None):
    """A straight-line catchment's definition as a key: for each radius, its sources (whatever capacity
    class brought them), each once, and the segments of its circles. None for a walking catchment."""
    if within is None:
        return None
    by_radius: dict[float, set[bytes]] = {}
    for sources, radius_m in within.reaches:
        by_radius.setdefault(radius_m, set()).update(shapely.to_wkb(sources).tolist())
    return within.quad_segs, tuple(sorted((r, tuple(sorted(wkbs))) for r, wkbs in by_radius.items()))


def _zones_key(zone_gdf: gpd.GeoDataFrame | None):
    """The zones by name and geometry, as a key (None: no figures by zone)."""
    if zone_gdf is None:
        return None
    geoms = np.asarray(zone_gdf.geometry.values, dtype=object)
    return tuple(zone_gdf["zone"].astype(str)), shapely.to_wkb(shapely.geometrycollections(geoms))


def _reach(features, radius_m: float, city: CityData, warnings: list[str]) -> tuple[shapely.Geometry, Within | None]:
    """The catchment of features: by walking distance if the city has a network, else straight-line
    (with its definition, `Within`, by which features are counted in it)."""
    if city.walking is not None and radius_m > 0:
        walked = city.walking.catchment(features, radius_m, city.study_area)
        warnings.extend(w for w in walked.warnings if w not in warnings)
        return walked.area, None
    return (catchment(features, radius_m, city.study_area, quad_segs=city.quad_segs, crs=city.crs),
            Within.of(geometries(features), radius_m, city.quad_segs))


def evaluate(
    preset_name: str,
    city: CityData,
    radius_m: float | None = None,
    scenario: Scenario | None = None,
    zones: bool = False,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> IndicatorResult:
    """Compute a preset, with figures by zone (the city's zone layer) if `zones`; the result's
    `shapes` are the catchments it measured, to draw (computed once: a walking one is not cheap)."""
    if preset_name not in PRESETS:
        raise KeyError(f"unknown indicator '{preset_name}' (have: {', '.join(PRESETS)})")
    p = PRESETS[preset_name]
    scenario = scenario or Scenario.all()
    radius = p.radius_m if radius_m is None else float(radius_m)
    zone_gdf = city.zones if zones else None
    check(cancelled, progress, 0.0)
    method = p.method.format(radius=f"{radius:g}") + _population_note(city)
    walking = city.walking is not None and p.radius_m > 0
    if walking:
        method = method.replace(STRAIGHT, city.walking.method(radius))
    if p.measure == "area_per_resident":
        result = _green_per_resident(p, city, scenario, zone_gdf, method, progress, cancelled)
        result.shapes = Shapes(preset_catchment(p, city, 0.0, scenario))
        return result
    warnings: list[str] = []
    zone, within = _preset_reach(p, city, radius, scenario, warnings=warnings)
    shapes = Shapes(zone)
    check(cancelled, progress, 0.2)
    sub = None if progress is None else (lambda f: progress(0.2 + 0.8 * f))
    counted = city.counted_features()
    cov = _remembered_measure(zone, within, city, counted, zone_gdf, sub, cancelled)
    method += features_note(counted)
    figures = {
        "area_m2": cov.area_m2, "study_area_m2": cov.study_area_m2, "area_share": cov.area_share,
        "population": cov.population, "study_population": cov.study_population,
        "population_share": cov.population_share,
    }
    if walking:
        shapes.straight_line = preset_catchment(p, dataclasses.replace(city, walking=None), radius, scenario)
        figures.update(_straight_line_beside(shapes.straight_line, city, cov))
        outside = _outside_network(city, cov)
        figures.update(outside)
        if outside["outside_network_share"] > NETWORK_OUTSIDE_WARN:
            what = "the study area's people" if city.population is not None else "the study area"
            warnings.append(
                f"the street network ({city.walking.graph.source.name}) covers only "
                f"{1 - outside['outside_network_share']:.1%} of {what}: the other "
                f"{outside['outside_network_share']:.1%} lie beyond its streets (outside their convex hull) and "
                "count as not reached on foot, so the walking figure says how far the network reaches as much "
                "as how far people can walk; give a network that covers the study area")
    if p.frequent_service:
        frequent, note = _frequent_service(p, city, radius, scenario, cov, cancelled)
        figures.update(frequent)
        method += note
    if city.population is None:
        numerator, denominator, unit = cov.area_m2, cov.study_area_m2, "share of area"
        method += f" ({no_population(city)}: share of area instead)"
    else:
        numerator, denominator, unit = cov.population, cov.study_population, p.unit
    return IndicatorResult(
        preset=p.name, title=p.title, value=_ratio(numerator, denominator), numerator=float(numerator),
        denominator=float(denominator), unit=unit, crs=city.crs_label, method=method, source=p.source,
        radius_m=radius, scenario=scenario.name, figures=figures, zones=cov.zones, features=cov.features,
        distance=city.walking.distance_text if walking else STRAIGHT_DISTANCE, shapes=shapes, warnings=warnings,
        population_missing=no_population(city) if city.population is None else None,
    )


def features_note(counted: dict) -> str:
    """The method's words for the features counted in the catchment (none: nothing)."""
    if not counted:
        return ""
    return (f" Features of {', '.join(counted)} in the catchment: count intersecting it, count by centroid "
            "(GEOS centroid inside; in a straight-line catchment both by the exact distance to the features, not by "
            "the drawn circles' chords), area inside (m2, exact on the drawn catchment, within 1e-4 of the circles); a field's sum is over the features counted by "
            "centroid, its area-weighted sum weights each feature by its share of area inside.")


def _straight_line_beside(straight: shapely.Geometry, city: CityData, walking_cov) -> dict:
    """The straight-line catchment's area and people, and walking / straight-line: where the street
    grid makes the walk longer than the crow flies."""
    figures = {"straight_line_area_m2": float(straight.area),
               "walking_to_straight_line_area": _ratio(walking_cov.area_m2, straight.area)}
    if city.population is not None:
        people = float(city.population.population_in([straight])[0])
        figures["straight_line_population"] = people
        figures["walking_to_straight_line_population"] = _ratio(walking_cov.population, people)
    return figures


def no_population(city: CityData) -> str:
    """Why a city has no people to count, and what would give it some, in the planner's words."""
    zones = city.zones_source or "ZONES"
    return ("no population: set a population grid (a raster of people per cell, role 'population') or a zone "
            f"layer's population field (Layers dock > Fields, or --field {zones}.population=FIELD)")


def _frequent_service(p: Preset, city: CityData, radius_m: float, scenario: Scenario, cov,
                      cancelled: IsCancelled) -> tuple[dict, str]:
    """The figures with the indicator's frequent-service criterion beside those without it: the
    catchment of the stations whose mean headway in their feed's window is `city.frequent_headway_min`
    minutes or better. Nothing where no station has a timetable and no criterion is set."""
    timed = [city.features(role, scenario) for role in p.roles if city.has(role)]
    timed = [f for f in timed if HEADWAY_FIELD in f]
    windows = sorted({str(w) for f in timed if "service_window" in f for w in f["service_window"].dropna()})
    threshold = city.frequent_headway_min
    if threshold is None:
        if not timed:
            return {}, ""
        return {}, (" Frequent-service criterion not applied: set a headway (e.g. --frequent-headway 20) for the "
                    "figures with it.")
    counted = sum(len(f) for f in timed)
    untimed = sum(len(city.features(role, scenario)) for role in p.roles if city.has(role)) - counted
    zone = preset_catchment(p, city, radius_m, scenario, frequent_headway_min=threshold)
    area = float(shapely.area(zone))
    people = float(city.population.population_in([zone], cancelled=cancelled)[0]) if city.population is not None \
        else math.nan
    frequent = sum(int((pd.to_numeric(f[HEADWAY_FIELD], errors="coerce") <= threshold).sum()) for f in timed)
    figures = {"frequent_headway_min": float(threshold), "frequent_stations": frequent,
               "frequent_area_m2": area, "frequent_area_share": _ratio(area, cov.study_area_m2),
               "frequent_population": people, "frequent_population_share": _ratio(people, cov.study_population)}
    note = (f" With the frequent-service criterion (frequent_*): only stations with a mean headway of {threshold:g} "
            f"min or better (in their busier direction) in {', '.join(windows) or 'their service window'}: "
            f"{frequent:,} of {counted:,} stations with a timetable")
    note += f"; {untimed:,} station(s) without one (not from a feed) do not count as frequent." if untimed else "."
    return figures, note


def _outside_network(city: CityData, cov) -> dict:
    """The study area beyond the walking network's extent: its area, its people, and their share."""
    outside = city.walking.outside(city.study_area)
    figures = {"outside_network_area_m2": float(outside.area)}
    if city.population is not None:
        people = float(city.population.population_in([outside])[0])
        figures["outside_network_population"] = people
        figures["outside_network_share"] = _ratio(people, cov.study_population) if cov.study_population else 0.0
    else:
        figures["outside_network_share"] = _ratio(outside.area, cov.study_area_m2) if cov.study_area_m2 else 0.0
    return figures


def _population_note(city: CityData) -> str:
    if isinstance(city.population, ZonePopulation):
        return (f" Population from the zones of '{city.population.name}': each zone's people spread evenly over "
                "its area (areal weighting), in place of grid cells.")
    return ""


def _ratio(num, den) -> float:
    return float(num) / float(den) if den else math.nan


def _green_per_resident(p, city, scenario, zone_gdf, method, progress, cancelled) -> IndicatorResult:
    if city.population is None:
        raise CityDataError(f"green area per resident needs people: {no_population(city)}")
    green = preset_catchment(p, city, 0.0, scenario)
    regions = [city.study_area]
    names = None
    if zone_gdf is not None:
        zgeoms = city.zone_pieces()
        regions += list(zgeoms)
        names = zone_gdf["zone"].astype(str).to_numpy()
    regions = np.asarray(regions, dtype=object)
    green_m2 = shapely.area(shapely.intersection(regions, green))
    check(cancelled, progress, 0.4)
    people = city.population.population_in_cached(regions, cancelled=cancelled)
    check(cancelled, progress, 1.0)
    table = None
    if names is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(people[1:] > 0, green_m2[1:] / people[1:], np.nan)
        table = pd.DataFrame({"zone": names, "green_m2": green_m2[1:], "population": people[1:],
                              "green_m2_per_resident": per}).set_index("zone")
    return IndicatorResult(
        preset=p.name, title=p.title, value=_ratio(green_m2[0], people[0]), numerator=float(green_m2[0]),
        denominator=float(people[0]), unit=p.unit, crs=city.crs_label, method=method, source=p.source,
        radius_m=0.0, scenario=scenario.name,
        figures={"green_m2": float(green_m2[0]), "study_population": float(people[0]),
                 "benchmark_m2_per_resident": p.benchmark_value, "benchmark_note": p.benchmark},
        zones=table,
    )


@dataclass
class ScenarioDifference:
    """What scenario B adds to (and removes from) scenario A for one preset's catchment."""

    preset: str
    crs: str
    radius_m: float
    scenario_a: str
    scenario_b: str
    gained_area_m2: float
    lost_area_m2: float
    gained_population: float | None
    lost_population: float | None
    population_a: float | None
    population_b: float | None
    net_population: float | None  # population_b - population_a = gained - lost
    gained: object = None  # GeoDataFrame: the area B reaches and A does not
    zones: pd.DataFrame | None = None  # per zone: population_a, population_b, gained, lost, delta
    warnings: list[str] = field(default_factory=list)  # what the planner must know about the figures

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "gained"}
        data["zones"] = None if self.zones is None else records(self.zones)
        data["gained_geometry_wkt"] = None if self.gained is None else self.gained.geometry.iloc[0].wkt
        return data


def compare(
    preset_name: str,
    city: CityData,
    scenario_a: Scenario,
    scenario_b: Scenario,
    radius_m: float | None = None,
    zones: bool = False,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> ScenarioDifference:
    """Scenario B against scenario A: gained/lost area and people, per-zone deltas, gained geometry."""
    p = PRESETS[preset_name]
    radius = p.radius_m if radius_m is None else float(radius_m)
    a, warnings_a = _remembered_catchment(p, city, radius, scenario_a)
    b, warnings_b = _remembered_catchment(p, city, radius, scenario_b)
    check(cancelled, progress, 0.3)
    gained = as_area(shapely.difference(b, a))
    lost = as_area(shapely.difference(a, b))
    zone_gdf = city.zones if zones else None
    zg = city.zone_pieces() if zone_gdf is not None else np.empty(0, dtype=object)
    nz = len(zg)

    def people_in(region) -> np.ndarray | None:
        """People in `region` and in each zone's part of it (None without population)."""
        if city.population is None:
            return None
        pieces = [region] + (list(polygonal(shapely.intersection(zg, region))) if nz else [])
        return city.population.population_in(np.asarray(pieces, dtype=object), cancelled=cancelled)

    # B = (A less what B loses) + what B gains, the three disjoint, so B's people are A's less the
    # lost plus the gained: A's (the plan a sketch is drawn on) are counted once for this city.
    people_a = city.remember(("people", shapely.to_wkb(a), nz), lambda: people_in(a))
    people_gained, people_lost = people_in(gained), people_in(lost)
    people = None if people_a is None else (people_a, people_gained, people_lost,
                                            people_a - people_lost + people_gained)
    check(cancelled, progress, 0.9)
    table = None
    if zone_gdf is not None:
        names = zone_gdf["zone"].astype(str).to_numpy()
        area = [shapely.area(polygonal(shapely.intersection(zg, geom))) for geom in (gained, lost)]
        table = pd.DataFrame({"zone": names, "gained_area_m2": area[0], "lost_area_m2": area[1]})
        if people is not None:
            pa, pg, pl, pb = (values[1:] for values in people)
            table["population_a"], table["population_b"] = pa, pb
            table["gained_population"], table["lost_population"] = pg, pl
            table["delta_population"] = pb - pa
        table = table.set_index("zone")
    gained_gdf = gpd.GeoDataFrame(
        {"scenario_a": [scenario_a.name], "scenario_b": [scenario_b.name], "area_m2": [gained.area]},
        geometry=[gained], crs=city.crs,
    )
    check(cancelled, progress, 1.0)
    return ScenarioDifference(
        preset=p.name, crs=city.crs_label, radius_m=radius, scenario_a=scenario_a.name, scenario_b=scenario_b.name,
        gained_area_m2=float(gained.area), lost_area_m2=float(lost.area),
        gained_population=None if people is None else float(people[1][0]),
        lost_population=None if people is None else float(people[2][0]),
        population_a=None if people is None else float(people[0][0]),
        population_b=None if people is None else float(people[3][0]),
        net_population=None if people is None else float(people[3][0] - people[0][0]),
        gained=gained_gdf, zones=table, warnings=list(dict.fromkeys(warnings_a + warnings_b)),
    )
