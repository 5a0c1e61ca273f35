"""Sources and attribution of a map, read from its layers, for the print layout and the report.

Open data licences (ODbL, CC BY) require their attribution wherever the data is shown, so it
must come from the data itself, not from a text that fits one city: each input layer's file
name, and the licence statements in its features' source field (a column named `source`,
`attribution`, `licence` / `license` or `copyright`). A statement is the part of a source text,
between semicolons, that names a licence or a copyright holder, cut after the licence:

    'OpenStreetMap relation 1903516 (Nominatim export), © OpenStreetMap contributors, ODbL; simplified 25 m'
        -> '© OpenStreetMap contributors, ODbL'

    attribution_lines(session.layers)   # ['© OpenStreetMap contributors, ODbL', ...]
    data_files(session.layers)          # ['hanoi.gpkg', 'hanoi_population_250m.tif']
"""
from __future__ import annotations

import re
from collections.abc import Iterable

SOURCE_FIELDS = ("source", "attribution", "licence", "license", "copyright")
# A licence or a copyright mark; the version of a Creative Commons licence belongs to it.
LICENCE = re.compile(
    r"©|\(c\)|copyright|\bODbL\b|\bOGL\b|open government licen[cs]e|public domain|\bCC0\b"
    r"|\bCC[ -]BY(?:[ -](?:SA|NC|ND))*(?: \d\.\d)?(?: IGO)?|licen[cs]ed? under [^,;]+",
    re.IGNORECASE,
)
MAX_SOURCES_PER_LAYER = 2000  # distinct source texts read per layer (a huge layer has few licences)


def licence_statement(text: str) -> str | None:
    """The licence statement in one clause of a source text, or None if it names no licence."""
    matches = list(LICENCE.finditer(text))
    if not matches:
        return None
    end = matches[-1].end()
    if text.count("(", 0, end) > text.count(")", 0, end):  # '(public domain)': keep the bracket whole
        close = text.find(")", end)
        end = close + 1 if close >= 0 else len(text)
    statement = text[:end]
    copyright_at = statement.find("©")
    if copyright_at > 0:
        statement = statement[copyright_at:]  # '© OpenStreetMap contributors, ODbL' is the attribution
    statement = re.sub(r"^\s*[\w ]{1,20}:\s+", "", statement)  # 'boundary: geoBoundaries …'
    return statement.strip(" ,.") or None


def attribution_lines(layers: Iterable) -> list[str]:
    """Every distinct licence statement in the layers' source fields, in layer order."""
    found: dict[str, None] = {}
    for layer in layers:
        gdf = getattr(layer, "gdf", None)
        if gdf is None:
            continue
        columns = [c for c in gdf.columns if str(c).lower() in SOURCE_FIELDS]
        for column in columns:
            texts = gdf[column].dropna().astype(str).unique()[:MAX_SOURCES_PER_LAYER]
            for text in texts:
                clauses = [c.strip() for c in text.split(";")]
                for i, clause in enumerate(clauses):
                    statement = licence_statement(clause)
                    if statement and LICENCE.fullmatch(statement) and i > 0 and clauses[i - 1]:
                        statement = f"{clauses[i - 1]}, {statement}"  # 'SPTrans GTFS; CC BY 4.0': whose licence
                    if statement:
                        found.setdefault(statement, None)
    return list(found)


def data_files(layers: Iterable) -> list[str]:
    """The file names the layers were read from, each once, in layer order."""
    names: dict[str, None] = {}
    for layer in layers:
        if layer.source is not None:
            names.setdefault(layer.source.name, None)
    return list(names)


def sources_text(layers: Iterable) -> list[str]:
    """The lines a map or report prints: the data files, then each licence statement."""
    layers = list(layers)
    files = data_files(layers)
    lines = [("Data: " + ", ".join(files))] if files else []
    return lines + attribution_lines(layers)
