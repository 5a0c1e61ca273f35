"""The legend painted: each layer's name and its symbols (or colour ramp), flowed top to bottom into
as few columns and as large a text as fit the box. One painter for the map's legend on screen and
for the printed page, so the two cannot disagree.

    paint_legend(painter, rect_px, entries)                    # e.g. over the map, at 96 dpi
    paint_legend_mm(page_painter, rect_mm, entries, big=True)   # on an A3 page
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from planner_gui.map.legend.entry import LegendEntry, Swatch
from planner_gui.map.page_painter import GREY, MM_PER_INCH, SCREEN_DPI, PagePainter
from planner_gui.map.pens import MAP_BACKGROUND, brush, pen

MIN_POINTS = 7.0  # the smallest legend text: legible on paper
SCREEN_POINTS = 8.0  # the legend's text over the map


def paint_legend(painter: QtGui.QPainter, rect: QtCore.QRectF, entries: list[LegendEntry], dpi: float = SCREEN_DPI,
                 heading: str = "Legend") -> bool:
    """The legend over the map: into `rect` (device pixels) in one column of SCREEN_POINTS text, cut
    at the bottom if it is longer (the widget scrolls it); True if every entry fitted."""
    page = PagePainter(painter, dpi)
    to_mm = MM_PER_INCH / dpi
    r = QtCore.QRectF(rect.x() * to_mm, rect.y() * to_mm, rect.width() * to_mm, rect.height() * to_mm)
    heading_h = page.text(r, heading, SCREEN_POINTS + 1, bold=True)
    body = QtCore.QRectF(r.x(), r.y() + heading_h + 1.0, r.width(), r.height() - heading_h - 1.0)
    return _flow_legend(page, body, entries, SCREEN_POINTS, 1, draw=True)


def paint_legend_mm(page: PagePainter, r: QtCore.QRectF, entries: list[LegendEntry], big: bool) -> None:
    """The printed legend in `r` (mm): the largest text (10 pt on A3, 8 pt on A4, down to
    MIN_POINTS) and fewest columns that fit; a legend that still does not fit is cut at the bottom,
    never printed smaller."""
    heading_h = page.text(r, "Legend", 10 if big else 9, bold=True)
    body = QtCore.QRectF(r.x(), r.y() + heading_h + 1.5, r.width(), r.height() - heading_h - 1.5)
    sizes = (10.0, 9.0, 8.0, 7.5, MIN_POINTS) if big else (8.0, 7.5, MIN_POINTS)
    for columns in (1, 2, 3):
        for points in sizes:
            if _flow_legend(page, body, entries, points, columns, draw=False):
                _flow_legend(page, body, entries, points, columns, draw=True)
                return
    _flow_legend(page, body, entries, MIN_POINTS, 3, draw=True)  # too many layers: what fits, legible


def _legend_blocks(entries: list[LegendEntry]) -> list[list[tuple[str, object]]]:
    """The legend as blocks of rows, one block per layer (kept in one column when it fits):
    ('section', title), ('layer', entry), ('group', title), ('swatch', (entry, Swatch)), ('ramp', entry)."""
    blocks: list[list[tuple[str, object]]] = []
    results_started = False
    for entry in entries:
        rows: list[tuple[str, object]] = []
        if entry.result and not results_started:
            rows.append(("section", "Results"))
            results_started = True
        if len(entry.groups) == 1 and entry.groups[0][0] == "" and len(entry.groups[0][1]) == 1:
            rows.append(("swatch", (entry, entry.groups[0][1][0])))  # one symbol: it is named by the layer
        else:
            rows.append(("layer", entry))
            for title, swatches in entry.groups:
                if title and len(entry.groups) > 1:
                    rows.append(("group", title))
                rows += [("swatch", (entry, s)) for s in swatches]
            if entry.ramp is not None:
                rows.append(("ramp", entry))
        blocks.append(rows)
    return blocks


def _flow_legend(page: PagePainter, r: QtCore.QRectF, entries, points: float, columns: int, draw: bool) -> bool:
    """Lay the layers out top to bottom, column after column; True if all of them fit."""
    gap = 3.0
    col_w = (r.width() - gap * (columns - 1)) / columns
    line = points * 0.3528 * 1.45  # mm per text line
    sw_w = max(7.0, points * 1.1)

    def height(kind, item) -> float:
        h = {"layer": line * 1.05, "section": line * 1.3}.get(kind, line)
        if kind == "ramp":  # bar, ticks and the unit, which may wrap: measured as drawn
            h = _ramp_parts(page, col_w, item, points)[2]
        if kind == "group":
            h = max(h, page.text(QtCore.QRectF(0, 0, col_w - 1, 100), item, _small(points), draw=False))
        if kind in ("layer", "swatch"):
            label = item.layer if kind == "layer" else item[1].label
            indent = 0.0 if kind == "layer" else sw_w + 1.5
            h = max(h, page.text(QtCore.QRectF(0, 0, col_w - indent, 100), label, points, bold=kind == "layer",
                                 draw=False))  # measured as drawn: a bold heading wraps sooner
        return h + (0.4 if kind == "swatch" else 0.8)

    col, y = 0, r.top()
    for block in _legend_blocks(entries):
        heights = [height(kind, item) for kind, item in block]
        if (col + 1 < columns and y > r.top() and y + sum(heights) > r.bottom() + 0.01
                and sum(heights) <= r.height()):
            col, y = col + 1, r.top()  # the whole layer in the next column, if there is one; else cut
        for (kind, item), h in zip(block, heights):
            keep_with_next = line if kind in ("layer", "group", "section") else 0.0  # no heading alone at a foot
            if y + h + keep_with_next > r.bottom() + 0.01:
                col, y = col + 1, r.top()
            if col >= columns:
                return False
            if draw:
                x = r.left() + col * (col_w + gap)
                _legend_row(page, kind, item, QtCore.QRectF(x, y, col_w, h), points, sw_w)
            y += h
    return True


def _legend_row(page: PagePainter, kind: str, item, r: QtCore.QRectF, points: float, sw_w: float) -> None:
    if kind == "section":
        page.text(QtCore.QRectF(r.x(), r.y() + 0.6, r.width(), r.height()), item, points + 0.5, bold=True)
    elif kind == "layer":
        page.text(r, item.layer, points, bold=True)
    elif kind == "group":
        page.text(QtCore.QRectF(r.x() + 1, r.y(), r.width() - 1, r.height()), item, _small(points), colour=GREY)
    elif kind == "swatch":
        entry, swatch = item
        box = QtCore.QRectF(r.x(), r.y() + 0.3, sw_w, min(r.height(), points * 0.3528 * 1.3) - 0.6)
        draw_swatch(page, box, swatch, entry.opacity)
        page.text(QtCore.QRectF(r.x() + sw_w + 1.5, r.y(), r.width() - sw_w - 1.5, r.height()), swatch.label, points)
    elif kind == "ramp":
        _draw_ramp(page, r, item, points)


def draw_swatch(page: PagePainter, box: QtCore.QRectF, s: Swatch, opacity: float) -> None:
    p = page.p
    k = page.swatch_scale()
    p.save()
    p.setOpacity(opacity)
    device = page.rect(box)
    if s.shape == "line":
        line_pen = pen(s.stroke, s.width * k, s.pattern)
        line_pen.setCosmetic(False)
        p.setPen(line_pen)
        y = device.center().y()
        p.drawLine(QtCore.QPointF(device.left(), y), QtCore.QPointF(device.right(), y))
    elif s.shape == "point":
        size = s.size * k * (0.8 if s.pattern == "dotted" else 1.0)
        face = {"solid": s.fill or s.stroke, "dashed": "#ffffff"}.get(s.pattern)
        outline = {"solid": 1.3, "dashed": 2.2, "dotted": 1.2}[s.pattern] * k
        p.setPen(QtGui.QPen(QtGui.QColor(s.stroke), outline))
        p.setBrush(QtGui.QColor(face) if face else QtGui.QColor(255, 255, 255, 160))
        p.drawEllipse(device.center(), size / 2, size / 2)
    else:
        area_pen = pen(s.stroke, max(s.width, 0.8) * k, s.pattern)
        area_pen.setCosmetic(False)
        p.setPen(area_pen)
        fill = brush(s.fill, s.fill_alpha, s.pattern)
        if fill.style() == QtCore.Qt.BrushStyle.BDiagPattern:
            fill.setTransform(QtGui.QTransform.fromScale(k, k))
        p.setBrush(fill)
        inset = page.mm(0.4)
        p.drawRect(device.adjusted(inset, inset, -inset, -inset))
    p.restore()


def _small(points: float) -> float:
    """The size of a group heading or a ramp's ticks: a little smaller, never under MIN_POINTS."""
    return max(MIN_POINTS, points - 0.5)


def _ramp_unit(entry: LegendEntry) -> str:
    unit = entry.ramp.unit
    return unit + " (fewer: fainter)" if "people" in unit else unit


def _ramp_parts(page: PagePainter, width: float, entry: LegendEntry, points: float) -> tuple[float, float, float]:
    """(bar height, tick row height, whole height) of a ramp `width` mm wide, in mm: the unit's
    line measured as drawn, so a unit that wraps pushes the next row down instead of under it."""
    line = (_small(points)) * 0.3528 * 1.3
    bar = points * 0.3528 * 1.1
    unit = page.text(QtCore.QRectF(0, 0, width - 6, 100), _ramp_unit(entry), _small(points), draw=False)
    return bar, line, 0.5 + bar + 0.3 + line + unit


def _draw_ramp(page: PagePainter, r: QtCore.QRectF, entry: LegendEntry, points: float) -> None:
    """The ramp as the map draws it (its transparency over the map's background), ticks under it."""
    ramp = entry.ramp
    p = page.p
    bar_h, tick_h, _ = _ramp_parts(page, r.width(), entry, points)
    bar = QtCore.QRectF(r.x() + 1, r.y() + 0.5, r.width() - 6, bar_h)
    colours = ramp.colours.astype(float)
    alpha = colours[:, 3:4] / 255.0 * entry.opacity
    background = np.array(QtGui.QColor(MAP_BACKGROUND).getRgb()[:3], dtype=float)
    rgb = (colours[:, :3] * alpha + background * (1 - alpha)).round().astype(np.uint8)
    strip = np.ascontiguousarray(np.concatenate([rgb, np.full((len(rgb), 1), 255, np.uint8)], axis=1)[np.newaxis])
    image = QtGui.QImage(strip.data, strip.shape[1], 1, strip.shape[1] * 4, QtGui.QImage.Format.Format_RGBA8888)
    p.drawImage(page.rect(bar), image.copy())
    p.setPen(QtGui.QPen(GREY, page.mm(0.15)))
    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    p.drawRect(page.rect(bar))
    for position, label in ramp.ticks:
        x = bar.left() + position * bar.width()
        align = (QtCore.Qt.AlignmentFlag.AlignLeft if position == 0 else QtCore.Qt.AlignmentFlag.AlignRight
                 if position == 1 else QtCore.Qt.AlignmentFlag.AlignHCenter)
        left = x if position == 0 else x - 20 if position == 1 else x - 10
        page.text(QtCore.QRectF(left, bar.bottom() + 0.3, 20, tick_h), label, _small(points), flags=align)
    page.text(QtCore.QRectF(bar.left(), bar.bottom() + 0.3 + tick_h, bar.width(), 100), _ramp_unit(entry),
              _small(points), colour=GREY)
