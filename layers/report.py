"""Reports out of the app: the results table as CSV and a self-contained HTML report.

A report is what a planner attaches to a plan, so it carries everything needed to check a
figure: the value with its unit, the CRS it was computed in, the method in one sentence and
its source, the data sources, and the pictures (chart, map) embedded so the HTML file stands
alone. The PDF is made from this same HTML by the GUI with Qt's own PDF writer.
"""
from __future__ import annotations

import base64
import html
import math
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from layers.io.atomic import write_atomically
from layers.text import difference_text, km2_text, missing, people_text, percent_text, result_label, value_text


@dataclass
class Figure:
    """One reported number: '12.3 %' of what, computed how, from what."""

    label: str
    value: str  # already formatted with its unit, as shown in the app
    method: str = ""
    source: str = ""
    crs: str = ""


@dataclass
class Report:
    title: str
    crs: str  # e.g. 'EPSG:32648 (WGS 84 / UTM zone 48N)'
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # caption -> table
    images: dict[str, bytes] = field(default_factory=dict)  # caption -> PNG bytes
    data_sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    made_on: date = field(default_factory=date.today)
    appendix: dict[str, pd.DataFrame] = field(default_factory=dict)  # long tables (by ward), after the sources

    def to_html(self, image_width: int | None = None) -> str:
        """The whole report as one HTML page, pictures embedded.

        Order: figures, pictures, tables, methods and sources, data sources, notes, appendix.
        `image_width` (pixels) is for renderers of a fixed width without CSS max-width (Qt's
        QTextDocument, which makes the PDF): pictures get that width and the body no margin (the
        page has its own). Tables carry align attributes for the same reason.
        """
        esc = html.escape
        size = f' width="{int(image_width)}"' if image_width else ""
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(self.title)}</title>",
            "<style>body{font-family:sans-serif;color:#222;"
            + ("margin:0}" if image_width else "max-width:60em;margin:2em auto}")
            + "table{border-collapse:collapse;margin:.5em 0 1em 0}td,th{border:1px solid #bbb;padding:.25em .6em;"
            "text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}"
            "img{max-width:100%;border:1px solid #ccc}.small{color:#555;font-size:.9em}"
            # a heading stays with the first lines of its section (browsers; Qt's PDF: export/report_pdf)
            "h1,h2{margin-top:1.2em;break-after:avoid;page-break-after:avoid}</style>",
            "</head><body>",
            f"<h1>{esc(self.title)}</h1>",
            f'<p class="small">Made on {self.made_on.isoformat()}. All areas and distances computed in '
            f"{esc(self.crs)}.</p>",
        ]
        if self.figures:
            other_crs = any(f.crs and f.crs != self.crs for f in self.figures)
            rows = [[f.label, f.value] + ([f.crs or self.crs] if other_crs else []) for f in self.figures]
            parts.append("<h2>Figures</h2>")
            parts.append(_table_html(["figure", "value"] + (["CRS"] if other_crs else []), rows, nowrap_rest=False))
        for caption, png in self.images.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(f"<p><img alt=\"{esc(caption)}\"{size} src=\"data:image/png;base64,{data}\"><br>"
                         f"<b>{esc(caption)}</b></p>")
        for caption, table in self.tables.items():
            parts.append(f"<h2>{esc(caption)}</h2>")
            parts.append(_frame_html(table))
        methods = [f for f in self.figures if f.method or f.source]
        if methods:
            parts.append("<h2>Methods and sources</h2><dl>")
            for f in methods:
                parts.append(f"<dt><b>{esc(f.label)}</b></dt><dd>{esc(f.method)}<br>"
                             f'<span class="small">Source: {esc(f.source)}</span></dd>')
            parts.append("</dl>")
        if self.data_sources:
            parts.append("<h2>Data sources</h2><ul>")
            parts += [f"<li>{esc(s)}</li>" for s in self.data_sources]
            parts.append("</ul>")
        if self.notes:
            parts.append("<h2>Notes</h2><ul>")
            parts += [f"<li>{esc(n)}</li>" for n in self.notes]
            parts.append("</ul>")
        for caption, table in self.appendix.items():
            parts.append(f"<h2>{esc(caption)}</h2>")
            parts.append(_frame_html(table, nowrap_first=True))
        parts.append("</body></html>")
        return "\n".join(parts)

    def write_html(self, path: str | os.PathLike) -> Path:
        return write_atomically(path, self.to_html())


def _cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "" if math.isnan(v) else f"{v:,.2f}"
    return str(v)


def _table_html(columns, rows, nowrap_first: bool = False, nowrap_rest: bool = True) -> str:
    """A table with the first column left-aligned and the rest right-aligned, as attributes
    (Qt's HTML renderer has no :first-child), the header in <thead> (repeated on each PDF page),
    numbers kept on one line."""
    esc = html.escape
    nowrap = ' style="white-space:nowrap"'  # a number is never broken across lines
    first = nowrap if nowrap_first else ""  # short names (wards): one line each, so rows stay whole
    head = "".join(f'<th align="{"left" if i == 0 else "right"}"{nowrap}>{esc(str(c)).replace(chr(10), "<br>")}</th>'
                   for i, c in enumerate(columns))  # a header breaks only where it has a newline
    rest = nowrap if nowrap_rest else ""
    body = "".join(
        "<tr>" + "".join(f'<td align="{"left" if i == 0 else "right"}"{first if i == 0 else rest}>{esc(_cell(v))}</td>'
                         for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    # border="1" and border-color as attributes: Qt's renderer (the PDF) draws every cell's border only so
    return ('<table width="100%" border="1" cellspacing="0" cellpadding="3" '
            'style="border-collapse:collapse;border-color:#bbbbbb;border-style:solid">'
            f'<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _frame_html(table: pd.DataFrame, nowrap_first: bool = False) -> str:
    return _table_html(list(table.columns), table.itertuples(index=False, name=None), nowrap_first)


def write_csv(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a results table as UTF-8 CSV (with BOM, so spreadsheet programs read Vietnamese names)."""
    return write_atomically(path, table.to_csv(index=False), encoding="utf-8-sig")


# ---------------------------------------------------------------------------------------------
# reports from the engine's results
# ---------------------------------------------------------------------------------------------
SAMPLE_DATA_SOURCES: tuple[str, ...] = (
    "© OpenStreetMap contributors (ODbL)",
    "Boundaries: Government of Viet Nam / OCHA ROAP via geoBoundaries (CC BY 3.0 IGO)",
    "Made with Natural Earth",
    "Hanoi sample: approximate, see sample_data/README.md",
)
"""The attribution lines of the bundled Hanoi sample (sample_data/README.md)."""


# The figure a result's zones are sorted by (the first of these in its table) and how a zone at
# zero is said in the one line that stands for all of them.
ZONE_ORDER = (("population_share", "at 0 % of people reached"), ("green_m2_per_resident", "with no green space"),
              ("area_share", "at 0 % of area reached"))


ZEROS_NAMED = 3  # up to this many zones at zero are named in their line, more are counted


def zones_by_figure(zones: pd.DataFrame) -> tuple[pd.DataFrame, list[str], str]:
    """The zones sorted by their figure, highest first (zones without one last), without the zones
    whose figure is zero; with those zones' names and how they are said ('at 0 % of people reached')."""
    column, said = next((c, said) for c, said in ZONE_ORDER if c in zones)
    zero = zones[column].fillna(-1.0).eq(0.0)
    kept = zones[~zero].sort_values(column, ascending=False, na_position="last", kind="stable")
    return kept, [str(name) for name in zones.index[zero]], said


def _zone_table(zones: pd.DataFrame) -> pd.DataFrame:
    """An IndicatorResult's per-zone table, formatted for reading (units in the headers), sorted by
    its figure with the zones at zero said in one last line ('and 87 wards at 0 % of people reached')."""
    zones, zeros, said = zones_by_figure(zones)
    z = zones.reset_index()
    first = z.columns[0]
    out = pd.DataFrame({"ward": z[first].astype(str)})
    if "green_m2_per_resident" in z:  # green-per-resident
        out["green\n(m²)"] = z["green_m2"].map(lambda v: "-" if missing(v) else f"{v:,.0f}")
        out["people"] = z["population"].map(people_text)
        out["m² per\nresident"] = z["green_m2_per_resident"].map(lambda v: "-" if missing(v) else f"{v:,.1f}")
        return _with_zeros(out, zeros, said)
    out["km²\nreached"] = z["area_m2"].map(lambda v: f"{v / 1e6:,.2f}")
    out["km²\nin ward"] = z["total_area_m2"].map(lambda v: f"{v / 1e6:,.2f}")
    out["% of\narea"] = z["area_share"].map(percent_text)
    if "population" in z:
        out["people\nreached"] = z["population"].map(people_text)
        out["people\nin ward"] = z["total_population"].map(people_text)
        out["% of\npeople"] = z["population_share"].map(percent_text)
    return _with_zeros(out, zeros, said)


def _with_zeros(table: pd.DataFrame, zeros: list[str], said: str) -> pd.DataFrame:
    """The table with one last line for the zones at zero left out of it: named when they are few
    ('and Xã Bát Tràng at 0 % ...'), else counted ('and 87 wards at 0 % of people reached')."""
    if not zeros:
        return table
    line = {column: "" for column in table.columns}
    line[table.columns[0]] = (f"and {', '.join(zeros)} {said}" if len(zeros) <= ZEROS_NAMED
                              else f"and {len(zeros):,} wards {said}")
    return pd.concat([table, pd.DataFrame([line])], ignore_index=True)


def _difference_zone_table(zones: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    z = zones.reset_index()
    out = pd.DataFrame({"ward": z[z.columns[0]].astype(str)})
    out["km²\ngained"] = z["gained_area_m2"].map(lambda v: f"{v / 1e6:,.2f}")
    out["km²\nlost"] = z["lost_area_m2"].map(lambda v: f"{v / 1e6:,.2f}")
    if "population_a" in z:
        out[f"people reached\n{a}"] = z["population_a"].map(people_text)
        out[f"people reached\n{b}"] = z["population_b"].map(people_text)
        out["change"] = z["delta_population"].map(lambda v: f"{v:+,.0f}")
    return out


def overlap_table(overlap) -> pd.DataFrame:
    """An OverlapResult's pieces, formatted for reading: combination, area, people and shares."""
    t = overlap.table
    out = pd.DataFrame({"combination": t["combination"].astype(str)})
    out["area (km²)"] = t["area_m2"].map(lambda v: f"{v / 1e6:,.2f}")
    out["share of area"] = t["area_share"].map(percent_text)
    if "population" in t:
        out["people"] = t["population"].map(people_text)
        out["share of people"] = t["population_share"].map(percent_text)
    return out


def report_from_results(
    title: str,
    results: list = (),
    differences: list = (),
    overlap=None,
    images: dict[str, bytes] | None = None,
    data_sources: list[str] | tuple[str, ...] = SAMPLE_DATA_SOURCES,
    notes: list[str] | None = None,
    zone_tables: bool = True,
) -> Report:
    """A Report built from the engine's results; every number in it comes from those objects.

    `results`: IndicatorResults (one figure each: value with unit, method, source, CRS; and the
    per-ward table when evaluated with zones). `differences`: ScenarioDifferences from `compare`
    (one figure each, and the per-ward gains). `overlap`: an OverlapResult (its table).
    `images`: caption -> PNG bytes (map, chart), embedded in the page. `data_sources`: the
    attribution lines; the default is the bundled Hanoi sample's - pass your own for other data.
    """
    from layers.analysis.indicators import PRESETS

    results, differences = list(results), list(differences)
    crs_names = list(dict.fromkeys(
        [r.crs for r in results] + [d.crs for d in differences] + ([overlap.crs] if overlap is not None else [])
    ))
    report = Report(title=title, crs="; ".join(crs_names) or "unknown CRS", images=dict(images or {}),
                    data_sources=list(data_sources), notes=list(notes or []))
    summary = []
    for r in results:
        label = result_label(r)
        report.figures.append(Figure(label, value_text(r), method=r.method, source=r.source, crs=r.crs))
        if r.figures.get("area_m2") is not None and r.unit != "m2 per resident":
            summary.append({"figure": label, "area reached": km2_text(r.figures["area_m2"]),
                            "share of area": percent_text(r.figures.get("area_share")),
                            "people reached": people_text(r.figures.get("population")),
                            "share of people": percent_text(r.figures.get("population_share"))})
    for d in differences:
        preset = PRESETS.get(d.preset)
        name = preset.title if preset else d.preset
        method = (preset.method.format(radius=f"{d.radius_m:g}") if preset else "")
        report.figures.append(Figure(
            f"{name}: {d.scenario_b} against {d.scenario_a} ({d.radius_m:g} m)", difference_text(d),
            method=("Gained: the area the catchment of scenario B reaches and that of A does not (lost: the "
                    "reverse), and the people in it. " + method).strip(),
            source=preset.source if preset else "", crs=d.crs,
        ))
    if summary:
        report.tables["Area and people reached"] = pd.DataFrame(summary)
    if overlap is not None:
        report.tables[f"Overlap of {', '.join(overlap.names)} (each piece of the study area counted once)"] = (
            overlap_table(overlap))
    if zone_tables:
        for r in results:
            if r.zones is not None and len(r.zones):
                report.appendix[f"By ward: {result_label(r)}"] = _zone_table(r.zones)
        for d in differences:
            if d.zones is not None and len(d.zones):
                changed = d.zones[(d.zones["gained_area_m2"] > 0) | (d.zones["lost_area_m2"] > 0)]
                by = "delta_population" if "delta_population" in changed else "gained_area_m2"
                changed = changed.sort_values(by, ascending=False, kind="stable")  # the biggest gain first
                name = PRESETS[d.preset].title if d.preset in PRESETS else d.preset
                report.appendix[f"By ward: {name}, {d.scenario_b} against {d.scenario_a} "
                              f"(the {len(changed)} of {len(d.zones)} wards that change)"] = (
                    _difference_zone_table(changed, d.scenario_a, d.scenario_b))
    return report


def results_table(results: list) -> pd.DataFrame:
    """One row per IndicatorResult, plain numbers for CSV: preset, title, scenario, radius_m, value,
    numerator, denominator, unit, crs (value is a 0..1 share or m² per resident, as `unit` says)."""
    columns = ["preset", "title", "scenario", "radius_m", "value", "numerator", "denominator", "unit", "crs"]
    return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in results], columns=columns)


def write_geopackage(
    path: str | os.PathLike,
    catchments: dict | None = None,
    overlap=None,
    differences: list = (),
    crs=None,
) -> Path:
    """Write the geometries behind a report to one GeoPackage, one layer each, atomically.

    Layers (each only when given): `catchments` (name -> shapely geometry in `crs`, one feature
    each with name and area_m2), `overlap_pieces` (the OverlapResult's pieces with its table's
    columns), `gained_areas` (each ScenarioDifference's gained area). `crs` is the working CRS
    (e.g. CityData.crs); without it, the first ScenarioDifference's or the overlap's CRS is used.
    The whole file is built under a temporary name and moved into place, so an existing file is
    either replaced whole or left untouched.
    """
    import geopandas as gpd
    import shapely

    from layers.io import write_vectors

    differences = [d for d in differences if d.gained is not None]
    if crs is None:
        if differences:
            crs = differences[0].gained.crs
        elif overlap is not None:
            crs = overlap.crs.split(" ")[0]  # 'EPSG:32648 (WGS 84 / UTM zone 48N)'
    if (catchments or overlap is not None) and crs is None:
        raise ValueError("write_geopackage needs the CRS of the catchments (crs=city.crs)")
    frames: dict[str, gpd.GeoDataFrame] = {}
    if catchments:
        geoms = list(catchments.values())
        frames["catchments"] = gpd.GeoDataFrame(
            {"name": list(catchments), "area_m2": shapely.area(np.asarray(geoms, dtype=object))},
            geometry=geoms, crs=crs)
    if overlap is not None:
        pieces = getattr(overlap, "pieces", None)
        if pieces is None:
            raise ValueError("this OverlapResult has no pieces (make it with coverage.overlap_matrix)")
        frames["overlap_pieces"] = gpd.GeoDataFrame(overlap.table.copy(), geometry=list(pieces), crs=crs)
    if differences:
        gained = pd.concat([d.gained.to_crs(differences[0].gained.crs) for d in differences], ignore_index=True)
        gained.insert(0, "preset", [d.preset for d in differences])
        gained["radius_m"] = [d.radius_m for d in differences]
        frames["gained_areas"] = gpd.GeoDataFrame(gained, geometry="geometry", crs=differences[0].gained.crs)
    if not frames:
        raise ValueError("nothing to write: give catchments, an overlap or differences")
    return write_vectors(frames, path, new_file=True)
