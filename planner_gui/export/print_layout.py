"""The printed map: one A4 or A3 page with title, subtitle, map, legend, scale bar, north arrow,
figures, sources and attribution, written as PDF or as a 300 dpi PNG.

Made in two halves like every export. `page_content` (GUI thread) sets up the map drawing for
the page's map frame at the page's own pixel size (a `render.MapDrawing`: a hidden twin canvas, so
lines and labels are drawn for print, not scaled up from the screen; drawn here and now by
`print_content`, or in steps by the Export menu) and gathers the rest as plain data: the legend
from `legend.legend_entries`, the figures the Coverage dock shows, the sources and licence
statements of the layers (`layers.attribution`), as a `print_page.PrintContent`. `write_page`
(any thread) has it painted (`print_page.paint_page`) onto a PDF page (in a process of its own,
`page_process`) or an image and writes it atomically, checked whole.

The page is laid out in millimetres from the paper alone (`print_page.page_frames`), so the map frame's
size is known before the map is drawn. Landscape: map on the left, legend and figures on the
right; portrait: map on top, legend and figures below. The scale is the map frame's width on
paper against the ground width it shows in the working CRS (a projected CRS in metres).

    spec = PageSpec("A3", landscape=True, scale_denominator=50_000)   # None: the current extent
    content = print_content(window, spec, "Metro coverage", "ITDP PNT · existing · 1,000 m")
    write_page(content, "map.pdf")                                      # or "map.png"
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from layers.analysis.progress import IsCancelled
from layers.io.atomic import atomic_path, whole_pdf, whole_png
from layers.attribution import data_files
from layers.crs import crs_label
from layers.layer import VectorLayer
from layers.text import difference_text, features_text, km2_text, percent_text, value_text
from planner_gui.export import page_process, render
from planner_gui.export.print_page import PageSpec, PrintContent, page_frames, page_image
from planner_gui.map.attribution import layers_attribution
from planner_gui.map.legend.entries import LegendEntry, layers_drawing_in, legend_entries
from planner_gui.map.page_painter import MM_PER_INCH, SCREEN_DPI

# -- the GUI half ------------------------------------------------------------------------------
def place_name(session) -> str:
    """The place the page is a map of, in the planner's words: the chosen study area's feature (a
    district), else the name the boundary layer's feature carries (Hà Nội), else the boundary
    layer's name."""
    area = session.study_area
    if area.layer is not None and area.feature is not None:
        return str(area.feature)
    boundaries = [layer for layer in session.layers if layer.role == "boundary" and isinstance(layer, VectorLayer)]
    for layer in boundaries:
        field_name = layer.fields.name or ("name" if "name" in layer.gdf.columns else None)
        if field_name and field_name in layer.gdf.columns:
            names = layer.gdf[field_name].dropna().astype(str).str.strip()
            names = names[names != ""].unique()
            if len(names) == 1:
                return names[0]
    return session.study_area_text()


def default_title(session) -> str:
    """What the page shows and where: the measure and the place ('ITDP People Near Transit: Hà Nội')."""
    coverage = session.latest.get("coverage")
    measure = coverage.result.title if coverage is not None else session.measure_title()
    return f"{measure}: {place_name(session)}"


def default_subtitle(session) -> str:
    """Scenario, distance, radius and year as the session has them."""
    parts = [f"scenario: {session.scenario().name}"]
    radius = session.radius_m()
    if radius:
        walking = session.settings.distance == "walking"
        parts.append(f"within {radius:,.0f} m" + (" on foot along the streets" if walking else " (straight line)"))
    year = session.settings.year
    parts.append(f"network of {year}" if year is not None else "all years")
    return " · ".join(parts)


def figure_lines(session) -> list[str]:
    """The session's latest figures (what the Coverage and Scenario compare docks show), said the
    way `layers.text` says them everywhere, with the distance, method and source they were made with."""
    coverage = session.latest.get("coverage")
    lines = []
    if coverage is not None:
        result = coverage.result
        lines.append(f"{result.title}: {value_text(result)}")
        figures = result.figures
        if "area_m2" in figures and "study_area_m2" in figures and result.unit != "share of area":
            lines.append(f"Area reached: {km2_text(figures['area_m2'])} of {km2_text(figures['study_area_m2'])}"
                         f" ({percent_text(figures.get('area_share'), 2)})")
        lines += [features_text(layer, values) for layer, values in result.features.items()]
        lines.append(f"Distance: {result.distance}")
        lines.append(f"Method: {result.method}")
        lines.append(f"Source: {result.source}")
    difference = session.latest.get("difference")
    if difference is not None:
        lines.append(f"{difference.scenario_b} against {difference.scenario_a}: {difference_text(difference)}")
    return lines


def distance_words(session) -> str:
    """How distances were measured for the figures shown: the latest result's own words."""
    coverage = session.latest.get("coverage")
    return f"distances: {coverage.result.distance}" if coverage is not None else "no distance measured yet"


def layers_bounds(canvas) -> tuple[float, float, float, float] | None:
    """The extent of every visible layer as the map draws it (working CRS), a little padded."""
    session = canvas.session
    extents = [canvas.graphic(layer).extent() for layer in [*session.layers, *session.results]
               if layer.visible and canvas.graphic(layer) is not None]
    e = np.array(extents, dtype=float).reshape(-1, 4)
    e = e[np.isfinite(e).all(axis=1)]
    if not len(e):
        return None
    xmin, ymin, xmax, ymax = e[:, 0].min(), e[:, 1].min(), e[:, 2].max(), e[:, 3].max()
    pad = max(xmax - xmin, ymax - ymin, 200.0) * 0.02
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def map_frame_bounds(canvas, spec: PageSpec) -> tuple[float, float, float, float]:
    """The ground the map frame shows: the canvas's view, every visible layer, or 1:N around the view's centre."""
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    if spec.scale_denominator is None:
        return (layers_bounds(canvas) or (xmin, ymin, xmax, ymax)) if spec.extent == "layers" else (xmin, ymin, xmax, ymax)
    frame = page_frames(spec).map
    half_w = frame.width() / 1000.0 * spec.scale_denominator / 2
    half_h = frame.height() / 1000.0 * spec.scale_denominator / 2
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def page_content(canvas, spec: PageSpec, title: str, subtitle: str) -> PrintContent:
    """What the page shows, its map not drawn yet: `content.map` is the MapDrawing for the page's map
    frame at the page's own pixel size (GUI thread)."""
    session = canvas.session
    if session.working_crs is None:
        raise ValueError("nothing to print: open a city's layers first")
    frame = page_frames(spec).map
    width_px = round(frame.width() / MM_PER_INCH * spec.dpi)
    height_px = round(frame.height() / MM_PER_INCH * spec.dpi)
    drawing = render.MapDrawing(canvas, width_px, height_px, spec.dpi / SCREEN_DPI, map_frame_bounds(canvas, spec),
                                overlays=False)
    xmin, ymin, xmax, ymax = drawing.bounds
    return PrintContent(spec, title, subtitle, drawing, crs_label(session.working_crs), legend=_legend_of(canvas, drawing.bounds),
                        figures=figure_lines(session), distance=distance_words(session),
                        sources=_sources(canvas),
                        north_degrees=_north_or_grid(session.working_crs, (xmin + xmax) / 2, (ymin + ymax) / 2))


def _sources(canvas) -> list[str]:
    """What the page credits, as `layers.attribution.sources_text` says it (the data files, then each
    licence statement), after the basemap's credit; the statements as the map on screen read them,
    once per layer's features (`planner_gui.map.attribution`), not read again from every feature's
    source field at each print."""
    layers = list(canvas.session.layers)
    files = data_files(layers)
    return _basemap_credit(canvas) + ([("Data: " + ", ".join(files))] if files else []) + layers_attribution(layers)


def _basemap_credit(canvas) -> list[str]:
    """The basemap's credit, when its tiles are on the map ('Basemap © OpenStreetMap contributors')."""
    credit = canvas.basemap.attribution()
    return [f"Basemap {credit}"] if credit else []


def _north_or_grid(crs: CRS, x: float, y: float) -> float:
    """`true_north_degrees`, worked out here: the page is painted in a worker, whose first use of
    PROJ opens its database (60 ms holding Python's lock), where this thread has it open already."""
    try:
        return true_north_degrees(crs, x, y)
    except Exception:  # a CRS PROJ cannot take to lon/lat: grid north is all there is
        return 0.0


def _legend_of(canvas, bounds) -> list[LegendEntry]:
    """The entries of the visible layers that draw something on the page (`bounds`, working CRS),
    as QGIS's print layout lists only what its map item shows."""
    return legend_entries(canvas.session, canvas, only=layers_drawing_in(canvas, bounds))


def print_content(canvas, spec: PageSpec, title: str, subtitle: str) -> PrintContent:
    """`page_content` with its map drawn here and now (GUI thread; scripts and tests)."""
    content = page_content(canvas, spec, title, subtitle)
    content.map.draw_now()
    return content


def true_north_degrees(crs: CRS, x: float, y: float) -> float:
    """The angle from grid north (up) to true north at (x, y), clockwise, in degrees."""
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    back = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    nx, ny = back.transform(lon, min(lat + 0.01, 89.99))
    return math.degrees(math.atan2(nx - x, ny - y))


def write_page(content: PrintContent, path: str | os.PathLike, cancelled: IsCancelled = None) -> Path:
    """Write the page as PDF or PNG (by the file's suffix), atomically and checked whole (any
    thread). A PDF is painted and written in a process of its own (`page_process`: Qt's PDF
    writer would hold Python's lock, the window waiting), stopped if `cancelled()`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        image = page_image(content)
        with atomic_path(path, whole_png) as tmp:
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"{path.name}: could not write the PNG")
        return path
    if suffix != ".pdf":
        raise ValueError(f"{path.name}: print to a .pdf or a .png file")
    with atomic_path(path, whole_pdf) as tmp:
        page_process.write_pdf(content, tmp, cancelled)
    return path
