"""A print page painted from its content: the paper and its frames, what the page shows as plain
data (`PrintContent`), and the painting of it onto a QPainter, a page image or a PDF writer.

The content is gathered from the window by `print_layout` (GUI thread); the painting needs only Qt
and the content, so a PDF's own process (`page_child`) imports this and not what the window's
layers need (pandas, geopandas, pyqtgraph, rasterio: about 0.6 s of each PDF export).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui

from planner_gui.map.blank_image import blank_image
from planner_gui.map.legend.entry import LegendEntry
from planner_gui.map.legend.painter import paint_legend_mm
from planner_gui.map.page_painter import GREY, INK, MM_PER_INCH, SCREEN_DPI, PagePainter
from planner_gui.map.scale_bar import length_text, nice_length

if TYPE_CHECKING:
    from planner_gui.export.render import MapDrawing

PAPERS = {"A4": QtGui.QPageSize.PageSizeId.A4, "A3": QtGui.QPageSize.PageSizeId.A3}
MARGIN_MM = 10.0


@dataclass(frozen=True)
class PageSpec:
    """The paper and the map's scale: `scale_denominator` N for 1:N, None for the current extent."""

    paper: str = "A4"
    landscape: bool = True
    dpi: int = 300
    scale_denominator: float | None = None
    extent: str = "view"  # without a scale: 'view' (the map as shown) or 'layers' (every visible layer)

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        if not SCREEN_DPI <= self.dpi <= 600:  # below screen resolution the map would be drawn shrunk
            raise ValueError(f"resolution must be 96..600 dpi, not {self.dpi}")
        if self.extent not in ("view", "layers"):
            raise ValueError(f"extent must be 'view' or 'layers', not {self.extent!r}")
        if self.scale_denominator is not None and not (
                math.isfinite(self.scale_denominator) and 100 <= self.scale_denominator <= 50_000_000):
            raise ValueError(f"scale 1:{self.scale_denominator} is not a map scale from 1:100 to 1:50,000,000")

    def page_size_mm(self) -> tuple[float, float]:
        size = QtGui.QPageSize(PAPERS[self.paper]).size(QtGui.QPageSize.Unit.Millimeter)
        w, h = sorted((size.width(), size.height()))
        return (h, w) if self.landscape else (w, h)

    def page_layout(self) -> QtGui.QPageLayout:
        orientation = (QtGui.QPageLayout.Orientation.Landscape if self.landscape
                       else QtGui.QPageLayout.Orientation.Portrait)
        return QtGui.QPageLayout(QtGui.QPageSize(PAPERS[self.paper]), orientation, QtCore.QMarginsF(0, 0, 0, 0),
                                 QtGui.QPageLayout.Unit.Millimeter)

    def name(self) -> str:
        return f"{self.paper} {'landscape' if self.landscape else 'portrait'}"


@dataclass(frozen=True)
class Frames:
    """Where each part goes on the page, in millimetres from its top-left corner."""

    page: QtCore.QRectF
    title: QtCore.QRectF
    map: QtCore.QRectF
    legend: QtCore.QRectF
    figures: QtCore.QRectF
    footer: QtCore.QRectF


def page_frames(spec: PageSpec) -> Frames:
    w, h = spec.page_size_mm()
    m = MARGIN_MM
    title_h = 18.0 if spec.paper == "A4" else 22.0
    footer_h = 17.0 if spec.paper == "A4" else 19.0
    top, bottom = m + title_h, h - m - footer_h
    gap = 5.0
    if spec.landscape:
        panel_w = (w - 2 * m) * (0.30 if spec.paper == "A4" else 0.26)
        map_rect = QtCore.QRectF(m, top, w - 2 * m - panel_w - gap, bottom - top)
        px = map_rect.right() + gap
        figures_h = (bottom - top) * 0.30
        figures = QtCore.QRectF(px, bottom - figures_h, panel_w, figures_h)
        legend = QtCore.QRectF(px, top, panel_w, figures.top() - top - gap)
    else:
        inner_w = w - 2 * m
        map_rect = QtCore.QRectF(m, top, inner_w, (bottom - top) * 0.66)
        below = map_rect.bottom() + gap
        legend = QtCore.QRectF(m, below, inner_w * 0.58, bottom - below)
        figures = QtCore.QRectF(legend.right() + gap, below, inner_w - legend.width() - gap, bottom - below)
    return Frames(QtCore.QRectF(0, 0, w, h), QtCore.QRectF(m, m, w - 2 * m, title_h - 3), map_rect, legend,
                  figures, QtCore.QRectF(m, bottom + 2.5, w - 2 * m, footer_h - 2.5))


@dataclass
class PrintContent:
    """Everything the page shows, as plain data and one map drawing; paintable in any thread once
    the map is drawn (`map.draw_now()` or `map.start()`, GUI thread)."""

    spec: PageSpec
    title: str
    subtitle: str
    map: MapDrawing
    crs_text: str  # the working CRS, as the figures name it ('EPSG:32648 (WGS 84 / UTM zone 48N)')
    legend: list[LegendEntry] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    distance: str = "no distance measured yet"  # how the figures' distances were measured
    sources: list[str] = field(default_factory=list)
    made_on: date = field(default_factory=date.today)
    north_degrees: float = 0.0  # true north from grid north at the map's centre, clockwise

    @property
    def map_image(self) -> QtGui.QImage:
        if self.map.image is None:
            raise ValueError("the page's map is not drawn yet")
        return self.map.image

    @property
    def map_bounds(self) -> tuple[float, float, float, float]:
        """What the map frame shows, working CRS metres."""
        if self.map.shown is None:
            raise ValueError("the page's map is not drawn yet")
        return self.map.shown

    def scale_denominator(self) -> float:
        """N of 1:N: the ground width shown over the map frame's width on paper."""
        frame_m = page_frames(self.spec).map.width() / 1000.0
        return (self.map_bounds[2] - self.map_bounds[0]) / frame_m


def paint_page(painter: QtGui.QPainter, content: PrintContent, dpi: float) -> None:
    """The whole page onto `painter` (device of `dpi` dots per inch, origin at the page's corner)."""
    page = PagePainter(painter, dpi)
    frames = page_frames(content.spec)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    big = content.spec.paper == "A3"
    _title(page, frames.title, content, big)
    _map(page, frames.map, content, big)
    paint_legend_mm(page, frames.legend, content.legend, big)
    _figures(page, frames.figures, content, big)
    _footer(page, frames.footer, content, big)


MAP_STRIP_ROWS = 512  # rows of the map image drawn onto a page image in one call
MAP_PDF_STRIP_PIXELS = 1 << 18  # pixels of the map image drawn into a PDF in one call (its compression: ~8 ms)


def _map_image(p: QtGui.QPainter, device: QtCore.QRectF, image: QtGui.QImage) -> None:
    """The map image in its frame. It was drawn at the frame's size in the page's pixels (to the
    pixel): laid at the nearest whole pixel, unscaled, it is copied instead of resampled (an A3
    page at 600 dpi: 0.05 s against 0.65 s), a strip of rows at a time: PySide holds Python's lock
    through each Qt call, the GUI thread waiting for the longest. Onto a page image a strip is
    MAP_STRIP_ROWS rows; into a PDF, where Qt compresses each image as it is drawn (an A4 page's
    map at 300 dpi: 140 ms in one call; the print page's PDF is painted in a process of its own,
    `page_process`, but the report's map page in the window's worker), at most
    MAP_PDF_STRIP_PIXELS pixels, each strip one row taller than its place so that the next one
    lies over its last row: a viewer that smooths an image's edges shows the map under a join,
    never a hairline of paper. An image of another size is scaled into the frame."""
    if abs(image.width() - device.width()) > 1 or abs(image.height() - device.height()) > 1:
        p.drawImage(device, image)
        return
    left, top = round(device.x()), round(device.y())
    onto_image = isinstance(p.device(), QtGui.QImage)
    rows = MAP_STRIP_ROWS if onto_image else max(1, MAP_PDF_STRIP_PIXELS // max(image.width(), 1))
    overlap = 0 if onto_image else 1
    for first in range(0, image.height(), rows):
        height = min(rows + overlap, image.height() - first)
        p.drawImage(QtCore.QPoint(left, top + first), image, QtCore.QRect(0, first, image.width(), height))


def _title(page: PagePainter, r: QtCore.QRectF, content: PrintContent, big: bool) -> None:
    h = page.text(r, content.title, 20 if big else 16, bold=True)
    below = QtCore.QRectF(r.x(), r.y() + h + 0.8, r.width(), max(1.0, r.height() - h))
    page.text(below, content.subtitle, 11 if big else 9.5, colour=GREY)


def _map(page: PagePainter, r: QtCore.QRectF, content: PrintContent, big: bool) -> None:
    p = page.p
    device = page.rect(r)
    _map_image(p, device, content.map_image)
    p.setPen(QtGui.QPen(INK, page.mm(0.3)))
    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    p.drawRect(device)
    _scale_bar(page, r, content, big)
    _north_arrow(page, r, content)


def _scale_bar(page: PagePainter, r: QtCore.QRectF, content: PrintContent, big: bool) -> None:
    """A bar of a round length (1, 2 or 5 x 10^n m) up to a quarter of the frame, and the scale 1:N."""
    p = page.p
    xmin, _, xmax, _ = content.map_bounds
    metres_per_mm = (xmax - xmin) / r.width()
    length_m = nice_length(metres_per_mm * r.width() * 0.25)
    bar_mm = length_m / metres_per_mm
    pad = 2.5
    plate = QtCore.QRectF(r.left() + 3, r.bottom() - 16, bar_mm + 2 * pad + 12, 13)
    p.fillRect(page.rect(plate), QtGui.QColor(255, 255, 255, 225))
    x0, y = plate.left() + pad, plate.top() + 7.5
    quarter = bar_mm / 4
    for i in range(4):
        cell = QtCore.QRectF(x0 + i * quarter, y, quarter, 1.6)
        p.fillRect(page.rect(cell), INK if i % 2 == 0 else QtGui.QColor("white"))
    p.setPen(QtGui.QPen(INK, page.mm(0.2)))
    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    p.drawRect(page.rect(QtCore.QRectF(x0, y, bar_mm, 1.6)))
    points = 7.5 if big else 6.5
    for at, label in ((0.0, "0"), (bar_mm / 2, length_text(length_m / 2)), (bar_mm, length_text(length_m))):
        page.text(QtCore.QRectF(x0 + at - 10, y - 4.6, 20, 4), label, points,
                  flags=QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop)
    page.text(QtCore.QRectF(x0, y + 2.2, plate.width(), 4), f"Scale 1:{_round_scale(content.scale_denominator())}"
              f" on {content.spec.paper}", points)


def _round_scale(n: float) -> str:
    digits = max(0, int(math.floor(math.log10(n))) - 2)
    return f"{round(n, -digits):,.0f}"


def _north_arrow(page: PagePainter, r: QtCore.QRectF, content: PrintContent) -> None:
    p = page.p
    angle = content.north_degrees
    size = 11.0
    centre = QtCore.QPointF(page.mm(r.right() - 4 - size / 2), page.mm(r.top() + 4 + size / 2 + 2))
    p.save()
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor(255, 255, 255, 225))
    p.drawEllipse(centre, page.mm(size / 2 + 1.5), page.mm(size / 2 + 1.5))
    p.translate(centre)
    p.rotate(angle)
    s = page.mm(size / 2)
    left = QtGui.QPolygonF([QtCore.QPointF(0, -s * 0.75), QtCore.QPointF(-s * 0.35, s * 0.55), QtCore.QPointF(0, s * 0.3)])
    right = QtGui.QPolygonF([QtCore.QPointF(0, -s * 0.75), QtCore.QPointF(s * 0.35, s * 0.55), QtCore.QPointF(0, s * 0.3)])
    p.setPen(QtGui.QPen(INK, page.mm(0.2)))
    p.setBrush(INK)
    p.drawPolygon(left)
    p.setBrush(QtGui.QColor("white"))
    p.drawPolygon(right)
    p.restore()
    page.text(QtCore.QRectF(r.right() - 4 - size, r.top() + 1.2, size, 4), "N", 7.5, bold=True,
              flags=QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop)


# -- figures and footer -------------------------------------------------------------------------
def _figures(page: PagePainter, r: QtCore.QRectF, content: PrintContent, big: bool) -> None:
    p = page.p
    p.setPen(QtGui.QPen(QtGui.QColor("#999999"), page.mm(0.2)))
    p.setBrush(QtGui.QColor("#f7f7f4"))
    p.drawRect(page.rect(r))
    inner = r.adjusted(2.5, 2, -2.5, -2)
    heading = page.text(inner, "Figures", 10 if big else 9, bold=True)
    body = QtCore.QRectF(inner.x(), inner.y() + heading + 1, inner.width(), inner.height() - heading - 1)
    lines = content.figures or ["No figures computed yet (Coverage dock)."]
    lines = lines + [f"CRS {content.crs_text}; planar areas; {content.distance}"]
    text = "\n".join(lines)
    for points in ((9.0,) if big else ()) + (8.0, 7.0, 6.5, 6.0, 5.5, 5.0):
        if page.text(body, text, points, draw=False) <= body.height():
            break
    p.save()
    p.setClipRect(page.rect(body))
    page.text(body, text, points)
    p.restore()


def _footer(page: PagePainter, r: QtCore.QRectF, content: PrintContent, big: bool) -> None:
    made = f"Made with planner on {content.made_on.isoformat()} · {content.spec.name()}"
    lines = ["Sources and attribution: " + "; ".join(content.sources or ["(the layers name no source)"]), made]
    text = "\n".join(lines)
    for points in (7.5 if big else 6.5, 6.0, 5.5, 5.0, 4.5):
        if page.text(r, text, points, colour=GREY, draw=False) <= r.height():
            break
    page.text(r, text, points, colour=GREY)


# -- writing --------------------------------------------------------------------------------------
def page_image(content: PrintContent) -> QtGui.QImage:
    """The page as an image at the spec's dpi (any thread)."""
    w_mm, h_mm = content.spec.page_size_mm()
    dpi = content.spec.dpi
    image = blank_image(round(w_mm / MM_PER_INCH * dpi), round(h_mm / MM_PER_INCH * dpi), "white",
                        QtGui.QImage.Format.Format_RGB32)
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    painter = QtGui.QPainter(image)
    try:
        paint_page(painter, content, dpi)
    finally:
        painter.end()
    return image


def pdf_writer(path: str | os.PathLike, spec: PageSpec, title: str) -> QtGui.QPdfWriter:
    writer = QtGui.QPdfWriter(str(path))
    writer.setPageLayout(spec.page_layout())
    writer.setResolution(spec.dpi)
    writer.setTitle(title)
    writer.setCreator("planner")
    return writer


