"""Overlaps: every combination of two to four catchments, each piece of the study area counted once."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from layers.analysis.coverage.population import PopulationGrid
from layers.analysis.coverage.shapes import as_area
from layers.analysis.progress import IsCancelled, Progress, check
from layers.crs import crs_label, require_metric
from layers.text import records

@dataclass
class OverlapResult:
    """Every combination of two to four catchments: each piece of the study area counted once."""

    crs: str
    names: list[str]
    table: pd.DataFrame  # one row per combination: in_<name> flags, label, area_m2, population, shares
    study_area_m2: float
    study_population: float | None

    def to_dict(self) -> dict:
        return {
            "crs": self.crs, "names": self.names, "study_area_m2": self.study_area_m2,
            "study_population": self.study_population, "combinations": records(self.table),
        }


def overlap_matrix(
    catchments: dict[str, shapely.Geometry],
    study_area: shapely.Geometry,
    crs,
    population: PopulationGrid | None = None,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> OverlapResult:
    """Area and people in every combination of 2-4 catchments (A only, A and B, all, none, ...).

    The pieces are disjoint and cover the study area, so they sum to the whole.
    """
    crs = require_metric(crs)
    names = list(catchments)
    if not 2 <= len(names) <= 4:
        raise ValueError(f"an overlap matrix needs two to four catchments, not {len(names)}")
    zones = [as_area(shapely.intersection(catchments[n], study_area)) for n in names]
    combos = list(itertools.product((True, False), repeat=len(names)))
    pieces = []
    for k, combo in enumerate(combos):  # at most 16 combinations, not features
        check(cancelled, progress, 0.5 * k / len(combos))
        inside = [z for z, flag in zip(zones, combo) if flag]
        outside = [z for z, flag in zip(zones, combo) if not flag]
        piece = shapely.intersection_all([study_area, *inside]) if inside else study_area
        if outside:
            piece = shapely.difference(piece, shapely.union_all(outside))
        pieces.append(as_area(piece))
    table = pd.DataFrame([dict(zip((f"in_{n}" for n in names), combo)) for combo in combos])
    table.insert(0, "combination", [
        " and ".join(n for n, f in zip(names, combo) if f) + (" only" if 0 < sum(combo) < len(names) else "")
        if any(combo) else "none"
        for combo in combos
    ])
    table["area_m2"] = shapely.area(np.asarray(pieces, dtype=object))
    total_area = float(shapely.area(study_area))
    table["area_share"] = table["area_m2"] / total_area if total_area else np.nan
    study_population = None
    if population is not None:
        people = population.population_in(np.asarray(pieces + [study_area], dtype=object), cancelled=cancelled)
        table["population"] = people[:-1]
        study_population = float(people[-1])
        table["population_share"] = table["population"] / study_population if study_population else np.nan
    check(cancelled, progress, 1.0)
    result = OverlapResult(crs_label(crs), names, table, total_area, study_population)
    result.pieces = pieces
    return result
