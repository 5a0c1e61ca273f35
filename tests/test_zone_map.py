"""Coverage by zone as a map (`layers.analysis.zone_map`): each zone's figure from the result's zone
table, its class (quantile or equal interval) and colour; checked against numbers worked out here."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.analysis.zone_map import ZONE_FIGURES, class_edges, figures_for, zone_map


def _zones(n: int, crs="EPSG:32631"):
    """n square zones of 1 km² (UTM 31N, metres) and their names."""
    geoms = [shapely.box(500_000 + 1_000 * i, 5_000_000, 501_000 + 1_000 * i, 5_001_000) for i in range(n)]
    names = [f"zone {i}" for i in range(n)]
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=crs), names


def _table(names, reached, total):
    zones = gpd.GeoSeries([shapely.box(0, 0, 1_000, 1_000)] * len(names))
    return pd.DataFrame({"area_m2": 0.5 * zones.area.to_numpy(), "total_area_m2": zones.area.to_numpy(),
                         "area_share": 0.5, "population": reached, "total_population": total,
                         "population_share": np.asarray(reached) / np.asarray(total)}, index=pd.Index(names, name="zone"))


def test_each_zone_is_in_the_quantile_class_holding_its_share():
    gdf, names = _zones(10)
    reached = np.arange(1, 11) * 100.0
    frame = zone_map(gdf, names, _table(names, reached, np.full(10, 1_000.0)), "population_share")
    shares = reached / 1_000.0 * 100  # 10 % ... 100 %
    assert np.allclose(frame["value"], shares)
    edges = np.quantile(shares, np.linspace(0, 1, 6))
    label = frame["Share of people reached (%)"]
    assert label.nunique() == 5 and frame["colour"].nunique() == 5
    for value, text in zip(shares, label):
        low, high = (float(v) for v in text.split(" – "))
        assert low - 0.05 <= value <= high + 0.05
    assert label.iloc[0] == f"{edges[0]:.1f} – {edges[1]:.1f}"
    # darker for more: the palette's order follows the values
    assert frame["colour"].iloc[-1] == ZONE_FIGURES["population_share"].palette[-1]


def test_people_not_reached_per_km2_and_equal_intervals():
    gdf, names = _zones(4)
    reached, total = np.array([0.0, 500.0, 900.0, 1_000.0]), np.array([1_000.0, 1_000.0, 2_000.0, 1_000.0])
    frame = zone_map(gdf, names, _table(names, reached, total), "people_not_reached_per_km2", method="equal interval")
    assert np.allclose(frame["value"], (total - reached) / 1.0)  # 1 km² zones
    edges = class_edges(frame["value"].to_numpy(), "equal interval")
    assert np.allclose(edges, np.linspace(0, 1_100, 6))


def test_zones_the_catchment_misses_are_a_class_of_their_own():
    gdf, names = _zones(10)
    reached = np.array([0, 0, 0, 0, 0, 0, 100, 200, 300, 400], dtype=float)
    frame = zone_map(gdf, names, _table(names, reached, np.full(10, 1_000.0)), "population_share")
    label = frame["Share of people reached (%)"]
    assert set(label.iloc[:6]) == {"0.0"}
    assert label.iloc[6:].nunique() == 4 and "0.0" not in set(label.iloc[6:])


def test_a_zone_without_a_figure_is_grey_and_says_so():
    gdf, names = _zones(3)
    frame = zone_map(gdf, names, _table(names[:2], [1.0, 2.0], [10.0, 10.0]), "population_share")
    assert frame["Share of people reached (%)"].iloc[2] == "no figure" and frame["colour"].iloc[2] == "#d9d9d9"


def test_only_the_figures_the_table_can_give_are_offered():
    names = ["a", "b"]
    assert figures_for(_table(names, [1.0, 2.0], [10.0, 10.0])) == ["population_share", "people_not_reached_per_km2",
                                                                    "area_share"]
    no_people = pd.DataFrame({"area_m2": [1.0], "total_area_m2": [2.0], "area_share": [0.5]}, index=["a"])
    assert figures_for(no_people) == ["area_share"]
    assert figures_for(None) == []
    with pytest.raises(ValueError, match="class method"):
        class_edges(np.array([1.0, 2.0]), "natural breaks")
