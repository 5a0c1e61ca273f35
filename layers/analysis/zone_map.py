"""Coverage by zone as a map: each zone (ward) coloured by a figure of the latest result, in classes.

The figures are columns of a result's per-zone table (`IndicatorResult.zones`, the table the ward
chart plots), or made from them; each is a row of ZONE_FIGURES (title, unit, palette, how it is
made), so adding one is adding a row. The classes are `CLASSES` classes, quantile (as many zones
in each) or equal interval (as wide each), stated in the layer's name. No Qt: the map draws the
frame as any result layer (its `colour` field), and its legend names each colour by its `class`.

    frame = zone_map(zones_gdf, zone_names, result.zones, "population_share", method="quantile")
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

CLASSES = 5
METHODS = ("quantile", "equal interval")
# Sequential ColorBrewer palettes, light to dark: more of the figure is darker.
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
REDS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
GREENS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NO_DATA = "#d9d9d9"


@dataclass(frozen=True)
class ZoneFigure:
    title: str
    unit: str
    palette: tuple[str, ...]
    needs: tuple[str, ...]  # the zone table's columns it is made from
    values: Callable[[pd.DataFrame], pd.Series]
    decimals: int = 1


ZONE_FIGURES = {
    "population_share": ZoneFigure("Share of people reached", "%", BLUES, ("population_share",),
                                   lambda t: 100.0 * t["population_share"]),
    "people_not_reached_per_km2": ZoneFigure(
        "People not reached per km²", "people/km²", REDS, ("population", "total_population", "total_area_m2"),
        lambda t: (t["total_population"] - t["population"]) / (t["total_area_m2"] / 1e6).where(t["total_area_m2"] > 0),
        decimals=0),
    "area_share": ZoneFigure("Share of area reached", "%", BLUES, ("area_share",), lambda t: 100.0 * t["area_share"]),
    "green_m2_per_resident": ZoneFigure("Green space per resident", "m²", GREENS, ("green_m2_per_resident",),
                                        lambda t: t["green_m2_per_resident"]),
}


def figures_for(table: pd.DataFrame | None) -> list[str]:
    """The ZONE_FIGURES a result's zone table can give (the loaded layers decide: no population grid,
    no people; green per resident only for that measure)."""
    if table is None or not len(table):
        return []
    return [key for key, figure in ZONE_FIGURES.items() if all(c in table.columns for c in figure.needs)]


def class_edges(values: np.ndarray, method: str, classes: int = CLASSES) -> np.ndarray:
    """`classes` + 1 increasing edges over the finite `values`: quantiles, or equal steps from the
    lowest to the highest value. Equal edges (many zones at 0 %) are merged, so there may be fewer."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.array([])
    if method == "quantile":
        edges = np.quantile(finite, np.linspace(0.0, 1.0, classes + 1))
    elif method == "equal interval":
        edges = np.linspace(finite.min(), finite.max(), classes + 1)
    else:
        raise ValueError(f"class method must be one of {', '.join(METHODS)}, not {method!r}")
    return np.unique(edges)


def _classes_of(values: np.ndarray, method: str, classes: int) -> tuple[list[tuple[float, float]], np.ndarray]:
    """The classes as (low, high) and each value's class (-1: no figure). When many zones share the
    lowest value (wards the catchment misses, at 0 %), they are a class of their own and the others
    are split into the remaining classes, so the classes still tell the reached zones apart."""
    finite = np.isfinite(values)
    index = np.full(len(values), -1)
    if not finite.any():
        return [], index
    low = values[finite].min()
    at_low = finite & (values == low)
    rest = finite & ~at_low
    ranges: list[tuple[float, float]] = []
    if at_low.sum() > len(values) / classes and rest.any():
        ranges.append((low, low))
        index[at_low] = 0
        classes -= 1
        finite = rest
    edges = class_edges(values[finite], method, classes) if finite.any() else np.array([])
    if len(edges) == 1:
        ranges.append((edges[0], edges[0]))
        index[finite] = len(ranges) - 1
    elif len(edges) > 1:
        first = len(ranges)
        ranges += list(zip(edges[:-1], edges[1:]))
        index[finite] = first + np.clip(np.searchsorted(edges, values[finite], side="right") - 1, 0, len(edges) - 2)
    return ranges, index


def _number(v: float, decimals: int) -> str:
    return f"{v:,.{decimals}f}"


def zone_map(zones: gpd.GeoDataFrame, names: list[str], table: pd.DataFrame, figure: str,
             method: str = "quantile", classes: int = CLASSES) -> gpd.GeoDataFrame:
    """The zones with columns `zone`, `value`, the class label (named '<title> (<unit>)', the legend's
    heading) and `colour`; zones the table has no figure for are grey, 'no figure'."""
    spec = ZONE_FIGURES[figure]
    by_name = spec.values(table).astype(float)
    by_name = by_name[~by_name.index.duplicated()]
    values = np.array([by_name.get(name, np.nan) for name in names], dtype=float)
    ranges, index = _classes_of(values, method, classes)
    label_field = f"{spec.title} ({spec.unit})"
    labels = np.full(len(values), "no figure", dtype=object)
    colours = np.full(len(values), NO_DATA, dtype=object)
    palette = _palette(spec.palette, len(ranges))
    for i, (low, high) in enumerate(ranges):
        rows = index == i
        labels[rows] = _number(low, spec.decimals) if low == high else \
            f"{_number(low, spec.decimals)} – {_number(high, spec.decimals)}"
        colours[rows] = palette[i]
    return gpd.GeoDataFrame({"zone": names, "value": values, label_field: labels, "colour": colours},
                            geometry=zones.geometry.values, crs=zones.crs)


def _palette(palette: tuple[str, ...], n: int) -> list[str]:
    """n colours of the palette, light to dark, spread over it."""
    return [palette[round(i * (len(palette) - 1) / max(1, n - 1))] for i in range(n)]


def layer_name(figure: str, zones_layer: str, method: str, classes: int) -> str:
    """'Share of people reached by Wards (5 quantile classes, result)'."""
    return f"{ZONE_FIGURES[figure].title} by {zones_layer} ({classes} {method} classes, result)"
