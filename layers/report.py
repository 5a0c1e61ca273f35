"""Reports out of the app: the results table as CSV and a self-contained HTML report.

A report is what a planner attaches to a plan, so it carries everything needed to check a
figure: the value with its unit, the CRS it was computed in, the method in one sentence and
its source, the data sources, and the pictures (chart, map) embedded so the HTML file stands
alone. The PDF is made from this same HTML by the GUI with Qt's own PDF writer.
"""
from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from layers.atomic import write_atomically


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

    def to_html(self) -> str:
        esc = html.escape
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(self.title)}</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .6em;"
            "text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}"
            "img{max-width:100%;border:1px solid #ccc}.small{color:#555;font-size:.9em}</style>",
            "</head><body>",
            f"<h1>{esc(self.title)}</h1>",
            f'<p class="small">Made on {self.made_on.isoformat()}. All areas and distances computed in '
            f"{esc(self.crs)}.</p>",
        ]
        if self.figures:
            parts.append("<h2>Figures</h2><table><tr><th>figure</th><th>value</th><th>CRS</th></tr>")
            for f in self.figures:
                parts.append(f"<tr><td>{esc(f.label)}</td><td>{esc(f.value)}</td><td>{esc(f.crs or self.crs)}</td></tr>")
            parts.append("</table>")
        for caption, png in self.images.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(f"<h2>{esc(caption)}</h2><img alt=\"{esc(caption)}\" src=\"data:image/png;base64,{data}\">")
        for caption, table in self.tables.items():
            parts.append(f"<h2>{esc(caption)}</h2>")
            parts.append(table.to_html(index=False, float_format=lambda v: f"{v:,.2f}", border=0, escape=True))
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
        parts.append("</body></html>")
        return "\n".join(parts)

    def write_html(self, path: str | os.PathLike) -> Path:
        return write_atomically(path, self.to_html())


def write_csv(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a results table as UTF-8 CSV (with BOM, so spreadsheet programs read Vietnamese names)."""
    return write_atomically(path, table.to_csv(index=False), encoding="utf-8-sig")
