"""What the dashboard's worker threads compute: plain functions over the model, no Qt.

Each returns a small result object the docks draw. The figures come from
`layers.indicators.evaluate` / `compare` and `layers.coverage.overlap_matrix`, the same code as
`planner measure`, so the window and the command line agree to the last digit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.analysis.city import CityData
from layers.analysis.coverage import Within, as_area, catchment, measure_catchment, overlap_matrix
from layers.analysis.coverage.shapes import geometries
from layers.analysis.progress import check
from layers.analysis.indicators import (PRESETS, STRAIGHT, IndicatorResult, ScenarioDifference, compare, evaluate,
                                       features_note, preset_catchment)
from layers.analysis.scenario import Scenario
from layers.roles import COUNTED_ROLES

LAYER_PREFIX = "layer:"  # a measure named 'layer:<layer name>' is that layer's own catchment


@dataclass
class Coverage:
    """One dashboard figure set: the indicator result and the catchment drawn on the map."""

    result: IndicatorResult
    catchment: shapely.Geometry | None
    crs: object
    request: dict = field(default_factory=dict)  # what was asked (measure, radius_m, scenario)
    zones_source: str | None = None  # the layer the figures are broken down by (its zones)
    straight_line: shapely.Geometry | None = None  # by walking distance: the straight-line catchment beside it


def measure(city: CityData, what: str, radius_m: float | None, scenario: Scenario | None,
            progress=None, cancelled=None) -> Coverage:
    """A preset (`what` in PRESETS) or one layer's catchment ('layer:<name>') with zones by ward."""
    request = {"measure": what, "radius_m": radius_m, "scenario": scenario.name if scenario else None}
    if what.startswith(LAYER_PREFIX):
        return _layer_coverage(city, what[len(LAYER_PREFIX):], radius_m, scenario, progress, cancelled, request)
    preset = PRESETS[what]
    radius = None if not preset.radius_m else radius_m  # presets without a buffer ignore the slider
    result = evaluate(what, city, radius, scenario, zones=city.zones is not None, progress=progress,
                      cancelled=cancelled)
    check(cancelled)
    return Coverage(result, result.shapes.catchment, city.crs, request, city.zones_source, result.shapes.straight_line)


def _layer_coverage(city, name, radius_m, scenario, progress, cancelled, request) -> Coverage:
    layers = [layer for group in city.layers.values() for layer in group if layer.name == name]
    if not layers:
        raise ValueError(f"no visible layer '{name}' to measure")
    layer = layers[0]
    features = layer.shown_in_crs(city.crs) if city.use_filters else layer.in_crs(city.crs)
    if scenario is not None:
        features = scenario.select(features)
    radius = float(radius_m or 0.0)
    zone = catchment(features, radius, city.study_area, quad_segs=city.quad_segs, crs=city.crs)
    counted = city.counted_features()
    cov = measure_catchment(zone, city.study_area, city.crs, city.population, counted, zones=city.zones,
                            zone_name_field="zone", progress=progress, cancelled=cancelled,
                            within=Within.of(geometries(features), radius, city.quad_segs),
                            zone_pieces=city.zone_pieces() if city.zones is not None else None)
    people = city.population is not None
    num, den = (cov.population, cov.study_population) if people else (cov.area_m2, cov.study_area_m2)
    result = IndicatorResult(
        preset=LAYER_PREFIX + name, title=f"Within {radius:g} m of {name}", value=float(num) / den if den else np.nan,
        numerator=float(num), denominator=float(den), unit="share of population" if people else "share of area",
        crs=city.crs_label,
        method=f"Share of the study area's {'population' if people else 'area'} within {radius:g} m of the "
               f"features of '{name}', {STRAIGHT}; exact fractional population cells." + features_note(counted),
        source="planner: a layer's own catchment", radius_m=radius,
        scenario=scenario.name if scenario else "all features",
        figures={"area_m2": cov.area_m2, "study_area_m2": cov.study_area_m2, "area_share": cov.area_share,
                 "population": cov.population, "study_population": cov.study_population,
                 "population_share": cov.population_share},
        zones=cov.zones, features=cov.features,
    )
    return Coverage(result, zone, city.crs, request, city.zones_source)


def scenario_difference(city: CityData, preset: str, a: Scenario, b: Scenario, radius_m: float | None,
                        progress=None, cancelled=None) -> ScenarioDifference:
    """Scenario B against A (`layers.indicators.compare`, as `planner measure --compare A B --zones`)."""
    radius = radius_m if PRESETS[preset].radius_m else None
    return compare(preset, city, a, b, radius, zones=city.zones is not None,
                   progress=progress, cancelled=cancelled)


OVERLAP_PRESETS = {"metro": "itdp-pnt", "green": "green-access", "digital": "digital-coverage"}


def overlaps(city: CityData, scenario: Scenario | None, metro_radius_m: float | None = None,
             progress=None, cancelled=None):
    """The metro x green x digital overlap matrix; `.pieces_gdf` holds each combination's area."""
    zones = {}
    for name, preset in OVERLAP_PRESETS.items():
        if any(city.has(role) for role in PRESETS[preset].roles):
            radius = metro_radius_m if name == "metro" else None
            zones[name] = preset_catchment(preset, city, radius, scenario)
        check(cancelled)
    result = overlap_matrix(zones, city.study_area, city.crs, city.population, progress=progress,
                            cancelled=cancelled)
    keep = [i for i, label in enumerate(result.table["combination"]) if label != "none"]
    result.pieces_gdf = gpd.GeoDataFrame(
        {"combination": result.table["combination"].iloc[keep].to_numpy(),
         "area_m2": result.table["area_m2"].iloc[keep].to_numpy()},
        geometry=[result.pieces[i] for i in keep], crs=city.crs,
    )
    result.pieces_gdf = result.pieces_gdf[~result.pieces_gdf.geometry.is_empty].reset_index(drop=True)
    return result


@dataclass
class Timeline:
    """A figure year by year: the network as it stood or is planned in each year."""

    years: np.ndarray
    values: np.ndarray
    figure: str
    unit: str
    preset: str
    radius_m: float | None
    crs: str


def timeline(city: CityData, what: str, radius_m: float | None, figure: str = "value",
             years=range(2000, 2041), progress=None, cancelled=None) -> Timeline:
    """`what` measured with Scenario.as_of(year) for every year; years whose network is the same
    as an earlier one's (same features count) reuse its figure instead of measuring again."""
    years = np.asarray(list(years))
    roles = sorted(city.layers)
    fields = {role: city.feature_fields(role) for role in roles}  # the same every year (a million rows: read once)
    seen: dict[bytes, float] = {}
    values = np.full(len(years), np.nan)
    unit = ""
    for i, year in enumerate(years):
        check(cancelled, progress, i / len(years))
        scenario = Scenario.as_of(int(year))
        key = b"|".join(np.packbits(scenario.mask(fields[role])).tobytes() for role in roles)
        if key not in seen:
            cov = measure(city, what, radius_m, scenario, cancelled=cancelled)
            seen[key] = figure_value(cov.result, figure)
            unit = cov.result.unit
        values[i] = seen[key]
    return Timeline(years, values, figure, unit, what, radius_m, city.crs_label)


FIGURES = {  # what the chart and the curve can show: label, how to read it off a result
    "value": "indicator value",
    "population_share": "share of population",
    "population": "people reached",
    "area_share": "share of area",
    "features": "buildings / facilities (by centroid)",
    "features_area_m2": "building area inside",
}
# each figure's unit ('value': the result's own); shares are drawn as %
FIGURE_UNITS = {"population_share": "%", "population": "people", "area_share": "%", "features": "features",
                "features_area_m2": "m²"}
# what a figure needs loaded: a layer of one of these roles (none: always there)
FIGURE_NEEDS = {"population_share": ("population",), "population": ("population",),
                "features": COUNTED_ROLES, "features_area_m2": COUNTED_ROLES}
# the counted features' figures (of the first counted layer) a chart figure reads
FEATURE_FIGURES = {"features": "count_by_centroid", "features_area_m2": "area_inside_m2"}


def chart_figures(measure: str, roles) -> dict[str, str]:
    """The figures a chart can show for `measure` with layers of these `roles` loaded (key -> label):
    a figure whose layer is missing is not offered, and a preset that is not a share (green area
    per resident) offers its own figure alone, under its own name."""
    preset = PRESETS.get(measure)
    if preset is not None and not preset.unit.startswith("share"):
        return {"value": preset.title}
    roles = set(roles)
    return {key: label for key, label in FIGURES.items()
            if not FIGURE_NEEDS.get(key) or roles & set(FIGURE_NEEDS[key])}


def figure_unit(figure: str, result_unit: str) -> str:
    """The unit a chart of `figure` is drawn in: % for shares, else the figure's or the result's own."""
    if figure == "value":
        return "%" if result_unit.startswith("share") else result_unit.replace("m2", "m²")
    return FIGURE_UNITS[figure]


def figure_value(result: IndicatorResult, figure: str) -> float:
    if figure == "value":
        return float(result.value)
    if figure in FEATURE_FIGURES:
        counted = next(iter(result.features.values()), {})
        v = counted.get(FEATURE_FIGURES[figure])
    else:
        v = result.figures.get(figure)
    return float("nan") if v is None else float(v)


def zone_figures(result: IndicatorResult, figure: str) -> pd.Series:
    """The per-zone column a figure maps to (NaN-free, by zone name)."""
    if result is None or result.zones is None or not len(result.zones):
        return pd.Series(dtype=float)
    table = result.zones
    column = {"value": "population_share" if "population_share" in table else "area_share"}.get(figure, figure)
    if figure in FEATURE_FIGURES and result.features:
        column = f"{next(iter(result.features))}_{FEATURE_FIGURES[figure]}"
    if column not in table:
        column = next(c for c in ("green_m2_per_resident", "population_share", "area_share") if c in table)
    return table[column].astype(float).fillna(0.0)


def empty_geometry():
    return as_area(shapely.Polygon())
