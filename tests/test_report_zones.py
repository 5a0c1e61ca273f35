"""The report's tables by ward: sorted by the figure, highest first, with the wards at zero said in
one line ('and 87 wards at 0 % of people reached') instead of 87 rows of zeros."""
from __future__ import annotations

import numpy as np
import pandas as pd

from layers.analysis.indicators import IndicatorResult
from layers.report import report_from_results
from layers.text import percent_text

CRS = "EPSG:32748 (WGS 84 / UTM zone 48S)"  # not Hanoi's: the table does not care where the city is


def _result(zones: pd.DataFrame, unit="share of population") -> IndicatorResult:
    return IndicatorResult(
        preset="itdp-pnt", title="ITDP People Near Transit", value=0.1, numerator=1.0, denominator=10.0,
        unit=unit, crs=CRS, method="Within 1000 m, straight line.", source="ITDP (2016)", radius_m=1000.0,
        scenario="existing", figures={"area_m2": 1.0, "area_share": 0.1, "population": 1.0, "population_share": 0.1},
        zones=zones)


def _wards(count: int, zeros: int, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total_area = rng.uniform(1e6, 9e6, count)
    total_people = rng.uniform(1_000, 90_000, count)
    share = rng.uniform(0.01, 1.0, count)
    share[rng.choice(count, zeros, replace=False)] = 0.0
    return pd.DataFrame({
        "zone": [f"Ward {i:03d}" for i in range(count)], "area_m2": share * total_area,
        "total_area_m2": total_area, "area_share": share, "population": share * total_people,
        "total_population": total_people, "population_share": share}).set_index("zone")


def _appendix(report) -> pd.DataFrame:
    (table,) = report.appendix.values()
    return table


def test_wards_are_sorted_by_share_of_people_and_the_zeros_are_one_line():
    wards = _wards(126, 87)
    table = _appendix(report_from_results("t", [_result(wards)]))
    reached = wards[wards["population_share"] > 0].sort_values("population_share", ascending=False)
    assert table["ward"].tolist() == [*reached.index, "and 87 wards at 0 % of people reached"]
    assert table["% of\npeople"].tolist()[:-1] == [percent_text(v) for v in reached["population_share"]]
    assert set(table.iloc[-1].tolist()[1:]) == {""}  # the line holds no figure of its own
    assert "0.0 %" not in table["% of\npeople"].tolist() and len(table) == 126 - 87 + 1


def test_a_few_wards_at_zero_are_named_and_none_means_no_extra_line():
    wards = _wards(10, 2, seed=9)
    names = wards.index[wards["population_share"] == 0].tolist()
    table = _appendix(report_from_results("t", [_result(wards)]))
    assert table["ward"].iloc[-1] == f"and {', '.join(names)} at 0 % of people reached"
    assert len(table) == 9
    table = _appendix(report_from_results("t", [_result(_wards(10, 0))]))
    assert len(table) == 10 and not table["ward"].str.startswith("and ").any()


def test_green_per_resident_sorts_by_square_metres_per_resident():
    wards = pd.DataFrame({"zone": ["A", "B", "C", "D", "E"], "green_m2": [0.0, 5e4, 2e5, 0.0, 1e4],
                          "population": [1e3, 2e4, 1e4, 5e3, np.nan]}).set_index("zone")
    wards["green_m2_per_resident"] = wards["green_m2"] / wards["population"]
    table = _appendix(report_from_results("t", [_result(wards, unit="m2 per resident")]))
    # C 20, B 2.5, then E (no population: no figure) last; A and D have none
    assert table["ward"].tolist() == ["C", "B", "E", "and A, D with no green space"]
