"""The one set of number formatters: the app, the report and the CLI show figures the same way.

Shares are 0..1 in the engine and shown as percentages; people are fractional in the engine
(exact cell weighting) and shown rounded; areas are square metres shown as km² (or m² when small).
A figure that could not be computed (None or NaN) shows as '-'.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from typing import TYPE_CHECKING


if TYPE_CHECKING:  # the tables it writes out are pandas' (imported by whoever made them, not here)
    import pandas as pd


def missing(v) -> bool:
    """None or NaN: a figure that could not be computed (shown as '-')."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def people_text(v) -> str:
    """'1,087,867' (people are fractional in the engine; shown rounded)."""
    return "-" if missing(v) else f"{v:,.0f}"


def km2_text(square_metres) -> str:
    """Square metres shown as '68.37 km²'."""
    return "-" if missing(square_metres) else f"{square_metres / 1e6:,.2f} km²"


def percent_text(share, decimals: int = 1) -> str:
    """A 0..1 share shown as '23.4 %' (or with more `decimals`: '23.45 %')."""
    return "-" if missing(share) else f"{100 * share:.{decimals}f} %"


def value_text(result) -> str:
    """An IndicatorResult's value with its unit and what it is a share of, as the app shows it.

    '23.4 % of population (1,087,867 of 4,650,000 people)', '2.0 % of area (68.37 of 3,351.52 km²)',
    '4.2 m² per resident (33,870,000 m² of green for 8,056,097 people)'.
    """
    if missing(result.value):
        return f"- ({result.unit}: nothing to divide by)"
    if result.unit == "share of population":
        return (f"{percent_text(result.value)} of population ({people_text(result.numerator)} of "
                f"{people_text(result.denominator)} people)")
    if result.unit == "share of area":
        return (f"{percent_text(result.value)} of area ({result.numerator / 1e6:,.2f} of "
                f"{km2_text(result.denominator)})")
    if result.unit == "m2 per resident":
        return (f"{result.value:,.1f} m² per resident ({result.numerator:,.0f} m² of green for "
                f"{people_text(result.denominator)} people)")
    return f"{result.value:,.4g} {result.unit} ({result.numerator:,.4g} of {result.denominator:,.4g})"


def result_label(result) -> str:
    """'ITDP People Near Transit (existing, 1000 m)'."""
    radius = f", {result.radius_m:g} m" if result.radius_m else ""
    return f"{result.title} ({result.scenario}{radius})"


def difference_text(diff) -> str:
    """A ScenarioDifference in one line: net people, then gained/lost people and area."""
    area = f"{km2_text(diff.gained_area_m2)} gained, {km2_text(diff.lost_area_m2)} lost"
    if diff.net_population is None:
        return f"{area} (no population grid)"
    return (f"{diff.net_population:+,.0f} people net ({people_text(diff.gained_population)} gained, "
            f"{people_text(diff.lost_population)} lost; {area})")


def headline_text(result) -> str:
    """An IndicatorResult's value in a few words, for the dashboard's big number: '10.46 % of population'."""
    if result.unit.startswith("share"):
        return f"{share_text(result.value)} {result.unit[len('share '):]}"
    return "-" if missing(result.value) else f"{result.value:,.1f} {result.unit.replace('m2', 'm²')}"


def signed_text(v) -> str:
    """A change in people: '+258,841'."""
    return "-" if missing(v) else f"{v:+,.0f}"


def length_text(metres: float) -> str:
    return f"{metres / 1000:,.3f} km" if metres >= 1000 else f"{metres:,.1f} m"


def area_text(square_metres: float) -> str:
    return f"{square_metres / 1e6:,.3f} km²" if square_metres >= 1e5 else f"{square_metres:,.0f} m²"


def features_text(layer: str, figures: dict) -> str:
    """One counted layer's figures in a line: 'buildings: 1,204 intersecting, 1,150 by centroid,
    area inside 0.312 km²; floor_area 48,210 (by centroid), 50,112 (area-weighted)'."""
    parts = [f"{figures['count_intersecting']:,} intersecting", f"{figures['count_by_centroid']:,} by centroid"]
    if "area_inside_m2" in figures:
        parts.append(f"area inside {area_text(figures['area_inside_m2'])}")
    if "length_inside_m" in figures:
        parts.append(f"length inside {length_text(figures['length_inside_m'])}")
    sums = [f"{key[:-4]} {figures[key]:,.0f} (by centroid)"
            + (f", {figures[key[:-4] + '_area_weighted']:,.0f} (area-weighted)"
               if key[:-4] + "_area_weighted" in figures else "")
            for key in figures if key.endswith("_sum")]
    return f"{layer}: " + ", ".join(parts) + ("; " + "; ".join(sums) if sums else "")


SHARE_DECIMALS = 2  # a share to 2 decimals of a per cent ('10.46 %'), as the app's headline shows it


def share_text(share) -> str:
    """A 0..1 share as the headline and the CLI show it: '10.46 %'."""
    return percent_text(share, SHARE_DECIMALS)


def _number_text(v) -> str:
    return f"{v:,}" if isinstance(v, numbers.Integral) else f"{v:,.3f}"


# How a figure is shown, by its name (the engine's keys and zone-table columns): the first rule
# whose pattern the name matches. Ratios of walking to straight-line reach are shares too.
_FIGURE_RULES: tuple[tuple[re.Pattern, Callable], ...] = (
    (re.compile(r"share$|^walking_to_straight_line_"), share_text),
    (re.compile(r"^(net|delta)_population$"), signed_text),
    (re.compile(r"population"), people_text),
)


def figure_text(v, key: str = "") -> str:
    """A figure named `key` as a table of record shows it (`planner measure`): shares as per cent
    like the headline ('10.46 %', never a fraction), people as whole numbers ('842,686'), a change
    in people signed ('+258,841'), counts whole, anything else to 3 decimals ('43,948,715.220')."""
    if missing(v):
        return "-"
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return str(v)
    for pattern, shown in _FIGURE_RULES:
        if pattern.search(key):
            return shown(v)
    return _number_text(v)


def plain(v):
    """A NumPy or NaN value as plain JSON-able Python (NaN -> None). (NumPy's numbers are
    `numbers`' kinds: this module needs no NumPy, and `planner measure` imports it first.)"""
    if isinstance(v, numbers.Integral) and not isinstance(v, int):
        return int(v)
    if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        return None if math.isnan(v) else float(v)
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """A table as a list of plain dicts (its index as a column), for JSON."""
    return [{k: plain(v) for k, v in row.items()} for row in df.reset_index().to_dict(orient="records")]


def text_table(index_name: str, index: list[str], columns: dict[str, list[str]]) -> str:
    """Texts in columns as pandas' `DataFrame.to_string()` lays them out (the index, then each
    column right-aligned under its name, a space before every value), without pandas' formatter:
    126 wards took it 25 ms."""
    index_width = max(map(len, [index_name, *index]))
    widths = [max(len(name), *(len(value) + 1 for value in values)) for name, values in columns.items()]
    names = [name.rjust(width) for name, width in zip(columns, widths)]
    lines = [" ".join([" " * index_width, *names]), index_name.ljust(index_width + sum(widths) + len(widths))]
    for i, name in enumerate(index):
        lines.append(" ".join([name.ljust(index_width),
                               *((" " + values[i]).rjust(width) for values, width in zip(columns.values(), widths))]))
    return "\n".join(lines)
