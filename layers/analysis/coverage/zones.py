"""Figures for a catchment: area, people and features inside, for the whole study area and by zone.

Figures by zone (ward) are the same figures for catchment ∩ zone against zone ∩ study area. A
feature crossing a ward boundary counts in each ward it touches (counts by ward can sum to more
than the total); areas and people always sum exactly.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.analysis.coverage.features import FeatureSet
from layers.heap import keep_heap
from layers.analysis.coverage.population import PopulationGrid
from layers.analysis.coverage.shapes import as_area, parallel, polygonal
from layers.analysis.coverage.threads import workers
from layers.analysis.coverage.within import Within, exact_counts
from layers.analysis.progress import IsCancelled, Progress, check
from layers.crs import crs_label, require_metric
from layers.io.sliced import collector_paused
from layers.text import records

@dataclass
class CoverageResult:
    """What a catchment reaches. Areas in m2, people as float, shares 0..1, all in `crs`."""

    crs: str
    area_m2: float
    study_area_m2: float
    area_share: float
    population: float | None = None
    study_population: float | None = None
    population_share: float | None = None
    features: dict = field(default_factory=dict)  # layer name -> {figure: value} (`features.py`'s figures)
    zones: pd.DataFrame | None = None

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["zones"] = None if self.zones is None else records(self.zones)
        return data




def _share(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def measure_regions(
    regions: Sequence,
    denominators: Sequence,
    crs,
    population: PopulationGrid | None = None,
    features: dict[str, FeatureSet] | None = None,
    progress: Progress = None,
    cancelled: IsCancelled = None,
    within: Within | None = None,
) -> pd.DataFrame:
    """Area, people and features for each region, with shares of the matching denominator region.

    `regions[i]` is measured against `denominators[i]` (e.g. catchment ∩ ward against the ward
    ∩ study area). With `within` (the catchment's definition: regions[i] is its polygon ∩
    denominators[i]), features are counted by the exact distance (`within.exact_counts`).
    Returns one row per region. The cyclic garbage collector is paused meanwhile: the thousands
    of geometries made near the boundaries hold no cycles, and each of its passes would walk every
    object of the process. The C heap is kept for the engine's arrays (`layers/heap.py`).
    """
    keep_heap()
    with collector_paused():
        return _measure_regions(regions, denominators, population, features, progress, cancelled, within)


def _measure_regions(regions, denominators, population, features, progress, cancelled, within) -> pd.DataFrame:
    regions = np.asarray(list(regions), dtype=object)
    denominators = np.asarray(list(denominators), dtype=object)
    n = len(regions)
    # the ring (GEOS, which lets go of the interpreter) made while the people are counted
    ring = workers().submit(within.ring, None) if within is not None and within.buffered and n and features else None
    table = _area_and_people(regions, denominators, population, progress, cancelled)
    ring = ring.result() if ring is not None else None
    for i, (name, index) in enumerate((features or {}).items()):
        if ring is None:
            figures = index.measure(regions, cancelled=cancelled)
        else:
            figures, near = index.measure_near(regions, ring, cancelled=cancelled)
            figures = exact_counts(figures, near, regions, denominators, within)
        for column in figures.columns:
            table[f"{name}_{column}"] = figures[column].to_numpy()
        check(cancelled, progress, 0.6 + 0.4 * (i + 1) / len(features))
    return table


def _area_and_people(regions, denominators, population, progress, cancelled) -> pd.DataFrame:
    """`measure_regions`' area and people columns."""
    n = len(regions)
    table = pd.DataFrame(index=pd.RangeIndex(n))
    table["area_m2"] = shapely.area(regions) if n else []
    table["total_area_m2"] = shapely.area(denominators) if n else []
    table["area_share"] = table["area_m2"] / table["total_area_m2"].where(table["total_area_m2"] > 0)
    check(cancelled, progress, 0.1)
    if population is not None:
        table["population"] = population.population_in(regions, cancelled=cancelled) if n else []
        table["total_population"] = population.population_in_cached(denominators, cancelled=cancelled) if n else []
        table["population_share"] = table["population"] / table["total_population"].where(table["total_population"] > 0)
    check(cancelled, progress, 0.6)
    return table


_THREADED_ZONES = 8  # zones whose pieces of the catchment are cut in two threads


def _pieces_by_zone(catchment: shapely.Geometry, zones: np.ndarray) -> np.ndarray:
    """catchment ∩ each zone. The catchment (thousands of vertices) is first cut to each zone's box
    by GEOS's rectangle clipping, one pass over its vertices, so that each overlay sees only its
    vertices near the zone (a zone lies in its box: the intersection is the same); where the clip
    leaves an invalid polygon, or a zone is empty, the whole catchment."""
    near = np.full(len(zones), catchment, dtype=object)
    box = shapely.bounds(zones)
    boxed = ~np.isnan(box).any(axis=1)
    if boxed.any():  # (each overlay and clip a pass over thousands of vertices: worth two threads)
        cut = parallel(shapely.lib.clip_by_rect, near[boxed], *box[boxed].T, chunk=_THREADED_ZONES)  # a box each
        valid = shapely.is_valid(cut)
        near[np.flatnonzero(boxed)[valid]] = cut[valid]
    return parallel(shapely.intersection, near, zones, chunk=_THREADED_ZONES)


def zone_geometries(zones: gpd.GeoDataFrame, study_area: shapely.Geometry | None) -> np.ndarray:
    """Each zone clipped to the study area."""
    geoms = np.asarray(zones.geometry.values, dtype=object)
    if study_area is not None:
        geoms = polygonal(shapely.intersection(geoms, study_area))
    return geoms


def measure_catchment(
    zone: shapely.Geometry,
    study_area: shapely.Geometry,
    crs,
    population: PopulationGrid | None = None,
    features: dict[str, FeatureSet] | None = None,
    zones: gpd.GeoDataFrame | None = None,
    zone_name_field: str = "name",
    progress: Progress = None,
    cancelled: IsCancelled = None,
    within: Within | None = None,
    zone_pieces: np.ndarray | None = None,
) -> CoverageResult:
    """Area, area share, people, people share and features inside of a catchment; optionally by zone.

    `zone` is the catchment (already clipped to the study area), `study_area` the whole
    (boundary or any polygon). With `zones` (e.g. wards), the result's `zones` table has the
    same figures for catchment ∩ zone against zone ∩ study area (`zone_pieces`: those zone ∩ study
    area, when the caller has them, `CityData.zone_pieces`). With `within` (what `zone` is the
    polygon of), features are counted by the exact distance.
    """
    crs = require_metric(crs)
    check(cancelled, progress, 0.0)
    zone = as_area(shapely.intersection(zone, study_area))
    regions, denominators = [zone], [study_area]
    zone_geoms = None
    if zones is not None and len(zones):
        zone_geoms = zone_geometries(zones, study_area) if zone_pieces is None else zone_pieces
        regions += list(polygonal(_pieces_by_zone(zone, zone_geoms)))
        denominators += list(zone_geoms)
    table = measure_regions(regions, denominators, crs, population, features, progress, cancelled, within)
    row = table.iloc[0]
    result = CoverageResult(
        crs=crs_label(crs),
        area_m2=float(row["area_m2"]),
        study_area_m2=float(row["total_area_m2"]),
        area_share=_share(row["area_m2"], row["total_area_m2"]),
    )
    if population is not None:
        result.population = float(row["population"])
        result.study_population = float(row["total_population"])
        result.population_share = _share(row["population"], row["total_population"])
    for name, index in (features or {}).items():
        result.features[name] = {
            k: (int(row[f"{name}_{k}"]) if k.startswith("count") else float(row[f"{name}_{k}"]))
            for k in index.columns()
        }
    if zone_geoms is not None:
        by_zone = table.iloc[1:].reset_index(drop=True)
        names = zones[zone_name_field].astype(str).to_numpy() if zone_name_field in zones else np.arange(len(zones)).astype(str)
        by_zone.insert(0, "zone", names)
        result.zones = by_zone.set_index("zone")
    check(cancelled, progress, 1.0)
    return result

