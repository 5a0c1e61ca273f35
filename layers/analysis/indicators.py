"""Named indicator presets: the figures planners quote, each with its method and source.

One entry point for the GUI dashboard and the CLI:

    evaluate(preset_name, city, radius_m=None, scenario=None, zones=False,
             progress=None, cancelled=None) -> IndicatorResult

Distances are straight-line (Euclidean, in the working metric CRS), which overstates access
compared with walking along streets (the UN metadata for SDG 11.2.1 asks for the street
network), unless the city carries a walking network (`CityData.walking`): then every buffered
catchment is a walking catchment (`layers.analysis.network`) and the result also gives the
straight-line figures beside it. Every method text says which. Shares are 0..1 of the study
area's population (or area).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from layers.analysis.city import CityData, CityDataError
from layers.analysis.coverage import ZonePopulation, as_area, catchment, measure_catchment, polygonal, zone_geometries
from layers.analysis.progress import IsCancelled, Progress, check
from layers.text import records
from layers.analysis.scenario import Scenario

# How a straight-line catchment is measured, a clause of each preset's method (replaced by the
# walking network's own clause, `network.method_text`, for walking distance). No parentheses of
# its own: the method sentences keep to one level of them.
STRAIGHT = "by straight-line distance, not along streets, which overstates walking access"
STRAIGHT_DISTANCE = "straight line"


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    role: str  # the layer role whose features make the catchment
    radius_m: float
    method: str  # one sentence; {radius} is filled in
    source: str
    min_area_m2: float = 0.0  # features smaller than this do not count (green >= 0.5 ha)
    unit: str = "share of population"


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "sdg-11.2.1", "SDG 11.2.1 convenient access to public transport", "metro_station", 1000.0,
            "Share of the study area's population within {radius} m of a high-capacity station (metro/rail) "
            "or within 500 m of a low-capacity stop where a 'low_capacity_stop' layer is given, " + STRAIGHT
            + "; people weighted by the exact fraction of each population cell inside.",
            "UN SDG indicator metadata 11.2.1 (rev. Sept 2021), custodian UN-Habitat",
        ),
        Preset(
            "itdp-pnt", "ITDP People Near Transit", "metro_station", 1000.0,
            "Share of the study area's population within {radius} m of a rapid-transit (metro) station, "
            + STRAIGHT + "; people weighted by the exact fraction of each population cell inside.",
            "ITDP, People Near Transit (2016), itdp.org/pnt",
        ),
        Preset(
            "green-access", "Access to green space (WHO Europe / EU A4)", "green", 300.0,
            "Share of the study area's population within {radius} m of a green area of at least 0.5 ha "
            "(5,000 m2, each feature's own area), " + STRAIGHT + "; exact fractional population cells.",
            "WHO Regional Office for Europe, Urban green spaces and health (2016); European Common "
            "Indicators A4 (EC, 2000-2003)",
            min_area_m2=5000.0,
        ),
        Preset(
            "green-per-resident", "Green area per resident", "green", 0.0,
            "Square metres of green area inside the study area (planar, overlaps counted once) divided by "
            "the population of the study area, overall and by zone; the often-quoted 9 m2 per resident is a "
            "common benchmark, not a WHO figure.",
            "Common benchmark 9 m2/resident (traced to a 1968 Italian standard; not in any WHO document)",
            unit="m2 per resident",
        ),
        Preset(
            "digital-coverage", "Digital coverage (ITU U4SSC style)", "digital_zone", 0.0,
            "Share of the study area's population (and, in the figures, of its area) inside the digital-space "
            "zones (the zones themselves, no buffer); exact fractional population cells.",
            "ITU-T Y.4903 / U4SSC key performance indicators (A1.1.6 style)",
        ),
        Preset(
            "river-crossing", "River-crossing access", "bridge", 2000.0,
            "Share of the study area's population within {radius} m of a Red River bridge (every feature of "
            "the bridge layers), " + STRAIGHT + "; exact fractional population cells.",
            "planner definition (no international standard); radius is a parameter",
        ),
    )
}


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
    shapes: Shapes | None = field(default=None, repr=False, compare=False)  # what it measured, to draw (not saved)

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "shapes"}
        data["zones"] = None if self.zones is None else records(self.zones)
        return data


def preset_catchment(
    preset: str | Preset, city: CityData, radius_m: float | None = None, scenario: Scenario | None = None
) -> shapely.Geometry:
    """The catchment a preset measures, for a radius and scenario, clipped to the study area."""
    p = PRESETS[preset] if isinstance(preset, str) else preset
    radius = p.radius_m if radius_m is None else float(radius_m)
    if not city.has(p.role):
        raise CityDataError(f"{p.title} needs a layer with role '{p.role}', and there is none")
    features = city.features(p.role, scenario)
    if p.min_area_m2:
        features = features[features.geometry.area >= p.min_area_m2]
    zone = _reach(features, radius, city)
    if p.name == "sdg-11.2.1" and city.has("low_capacity_stop"):
        low = _reach(city.features("low_capacity_stop", scenario), 500.0, city)
        zone = as_area(shapely.union(zone, low))
    return zone


def _remembered_catchment(p: Preset, city: CityData, radius_m: float, scenario: Scenario) -> shapely.Geometry:
    """`preset_catchment`, made once per city for the same features (their geometry and filter)."""
    roles = [p.role] + (["low_capacity_stop"] if p.name == "sdg-11.2.1" else [])
    shapes = [shapely.to_wkb(shapely.geometrycollections(np.asarray(city.features(role, scenario).geometry.values,
                                                                    dtype=object))) for role in roles]
    key = ("catchment", p.name, radius_m, scenario, *shapes)
    return city.remember(key, lambda: preset_catchment(p, city, radius_m, scenario))


def _reach(features, radius_m: float, city: CityData) -> shapely.Geometry:
    """The catchment of features: by walking distance if the city has a network, else straight-line."""
    if city.walking is not None and radius_m > 0:
        return city.walking.catchment(features, radius_m, city.study_area).area
    return catchment(features, radius_m, city.study_area, quad_segs=city.quad_segs, crs=city.crs)


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
    if p.name == "green-per-resident":
        result = _green_per_resident(p, city, scenario, zone_gdf, method, progress, cancelled)
        result.shapes = Shapes(preset_catchment(p, city, 0.0, scenario))
        return result
    zone = preset_catchment(p, city, radius, scenario)
    shapes = Shapes(zone)
    check(cancelled, progress, 0.2)
    sub = None if progress is None else (lambda f: progress(0.2 + 0.8 * f))
    counted = city.counted_features()
    cov = measure_catchment(zone, city.study_area, city.crs, city.population, counted, zones=zone_gdf,
                            zone_name_field="zone", progress=sub, cancelled=cancelled)
    method += features_note(counted)
    figures = {
        "area_m2": cov.area_m2, "study_area_m2": cov.study_area_m2, "area_share": cov.area_share,
        "population": cov.population, "study_population": cov.study_population,
        "population_share": cov.population_share,
    }
    if walking:
        shapes.straight_line = preset_catchment(p, dataclasses.replace(city, walking=None), radius, scenario)
        figures.update(_straight_line_beside(shapes.straight_line, city, cov))
    if city.population is None:
        numerator, denominator, unit = cov.area_m2, cov.study_area_m2, "share of area"
        method += " (no population grid loaded: share of area instead)"
    else:
        numerator, denominator, unit = cov.population, cov.study_population, p.unit
    return IndicatorResult(
        preset=p.name, title=p.title, value=_ratio(numerator, denominator), numerator=float(numerator),
        denominator=float(denominator), unit=unit, crs=city.crs_label, method=method, source=p.source,
        radius_m=radius, scenario=scenario.name, figures=figures, zones=cov.zones, features=cov.features,
        distance=city.walking.distance_text if walking else STRAIGHT_DISTANCE, shapes=shapes,
    )


def features_note(counted: dict) -> str:
    """The method's words for the features counted in the catchment (none: nothing)."""
    if not counted:
        return ""
    return (f" Features of {', '.join(counted)} in the catchment: count intersecting it, count by centroid "
            "(GEOS centroid inside), exact area inside (m2); a field's sum is over the features counted by "
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


def _population_note(city: CityData) -> str:
    if isinstance(city.population, ZonePopulation):
        return (f" Population from the zones of '{city.population.name}': each zone's people spread evenly over "
                "its area (areal weighting), in place of grid cells.")
    return ""


def _ratio(num, den) -> float:
    return float(num) / float(den) if den else math.nan


def _green_per_resident(p, city, scenario, zone_gdf, method, progress, cancelled) -> IndicatorResult:
    if city.population is None:
        raise CityDataError("green area per resident needs a population grid")
    green = preset_catchment(p, city, 0.0, scenario)
    regions = [city.study_area]
    names = None
    if zone_gdf is not None:
        zgeoms = zone_geometries(zone_gdf, city.study_area)
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
                 "benchmark_m2_per_resident": 9.0, "benchmark_note": "common benchmark, not a WHO figure"},
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
    import geopandas as gpd

    p = PRESETS[preset_name]
    radius = p.radius_m if radius_m is None else float(radius_m)
    a = _remembered_catchment(p, city, radius, scenario_a)
    b = _remembered_catchment(p, city, radius, scenario_b)
    check(cancelled, progress, 0.3)
    gained = as_area(shapely.difference(b, a))
    lost = as_area(shapely.difference(a, b))
    zone_gdf = city.zones if zones else None
    zg = city.remember(("zone pieces",), lambda: zone_geometries(zone_gdf, city.study_area)) \
        if zone_gdf is not None else np.empty(0, dtype=object)
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
        gained=gained_gdf, zones=table,
    )
