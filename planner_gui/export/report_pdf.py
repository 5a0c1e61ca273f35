"""The report written as PDF (Qt's own writer, A4, numbered pages) and as HTML, from the same
`layers.report.Report`; with a print page (`print_layout.PrintContent`) first. Any thread.

    write_pdf(report, "report.pdf")
    export_report(report, "report.html", "report.pdf", map_page=content)
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from PySide6 import QtCore, QtGui

from layers.io.atomic import atomic_path, whole_pdf
from layers.report import Report
from planner_gui.export.print_page import page_image, paint_page
from planner_gui.export.render import png_bytes


def _page_layout(page_size: QtGui.QPageSize.PageSizeId) -> QtGui.QPageLayout:
    return QtGui.QPageLayout(QtGui.QPageSize(page_size), QtGui.QPageLayout.Orientation.Portrait,
                             QtCore.QMarginsF(15, 15, 15, 18), QtGui.QPageLayout.Unit.Millimeter)


def report_document(report: Report, page_size=QtGui.QPageSize.PageSizeId.A4) -> QtGui.QTextDocument:
    """The report as a QTextDocument laid out on pages of `page_size` (1 unit = 1/96 inch)."""
    text = _page_layout(page_size).paintRect(QtGui.QPageLayout.Unit.Inch)
    width, height = text.width() * 96, text.height() * 96
    doc = QtGui.QTextDocument()
    doc.setDocumentMargin(0)
    font = doc.defaultFont()
    font.setFamily("DejaVu Sans")  # has every Vietnamese letter; Qt falls back if it is missing
    font.setPointSizeF(9.5)
    doc.setDefaultFont(font)
    doc.setHtml(report.to_html(image_width=int(width)))
    doc.setPageSize(QtCore.QSizeF(width, height))
    keep_headings_with_text(doc)
    return doc


KEEP_LINES = 4  # a heading is followed on its page by at least this many lines of its section


def keep_headings_with_text(doc: QtGui.QTextDocument, lines: int = KEEP_LINES) -> None:
    """No heading alone at a page's foot: a heading with less than `lines` lines of room under it
    on its page starts the next page. (Qt's HTML has no break-after: avoid; its pages are laid
    out here, one heading at a time, since each move shifts what follows.)"""
    layout = doc.documentLayout()
    page_h = doc.pageSize().height()
    room_px = lines * QtGui.QFontMetricsF(doc.defaultFont()).lineSpacing()
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() and block.next().isValid():
            rect = layout.blockBoundingRect(block)
            page_end = (int(rect.top() // page_h) + 1) * page_h
            if page_end - rect.bottom() < room_px and rect.top() % page_h > room_px:
                form = QtGui.QTextBlockFormat()
                form.setPageBreakPolicy(QtGui.QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                QtGui.QTextCursor(block).mergeBlockFormat(form)
        block = block.next()


def write_pdf(report: Report, path: str | os.PathLike, page_size=QtGui.QPageSize.PageSizeId.A4,
              map_page=None) -> Path:
    """Write the report as PDF with Qt's own writer, atomically; safe in a worker thread.

    `map_page` (a `print_layout.PrintContent` on the same paper) is printed first, as its own
    page: the map with its legend, scale bar, north arrow and attribution, as File > Print makes
    it. The report's text follows on pages with margins, numbered.
    """
    path = Path(path)
    doc = report_document(report, page_size)
    layout = _page_layout(page_size)
    full = QtGui.QPageLayout(layout.pageSize(), layout.orientation(), QtCore.QMarginsF(0, 0, 0, 0))
    with atomic_path(path, whole_pdf) as tmp:
        writer = QtGui.QPdfWriter(str(tmp))
        writer.setPageLayout(full)  # margins are painted, so the map page can use the whole sheet
        writer.setResolution(300)
        writer.setTitle(report.title)
        writer.setCreator("planner")
        painter = QtGui.QPainter(writer)
        try:
            if map_page is not None:
                paint_page(painter, map_page, writer.resolution())
                writer.newPage()
            _paint_document(painter, doc, layout, writer.resolution(), writer.newPage, first=2 if map_page else 1)
        finally:
            painter.end()
        del writer  # the file is complete only once the writer is gone
    return path


def _paint_document(painter: QtGui.QPainter, doc: QtGui.QTextDocument, layout: QtGui.QPageLayout, dpi: float,
                    newpage, first: int = 1) -> None:
    """The document's pages (laid out by `report_document`) inside the page margins, numbered from `first`."""
    margins = layout.margins(QtGui.QPageLayout.Unit.Inch)
    scale = dpi / 96.0
    page_w, page_h = doc.pageSize().width(), doc.pageSize().height()
    pages = doc.pageCount()
    font = QtGui.QFont("DejaVu Sans")
    font.setPixelSize(round(7.5 / 72 * dpi))
    for i in range(pages):
        if i:
            newpage()
        painter.save()
        painter.translate(margins.left() * dpi, margins.top() * dpi)
        painter.scale(scale, scale)
        painter.translate(0, -i * page_h)
        doc.drawContents(painter, QtCore.QRectF(0, i * page_h, page_w, page_h))
        painter.restore()
        painter.setFont(font)
        painter.setPen(QtGui.QColor("#777777"))
        footer = QtCore.QRectF(margins.left() * dpi, (margins.top() * 96 + page_h) * scale + 0.04 * dpi,
                               page_w * scale, 0.3 * dpi)
        painter.drawText(footer, QtCore.Qt.AlignmentFlag.AlignRight, f"{first + i} / {first - 1 + pages}")


def export_report(report: Report, html_path: str | os.PathLike | None = None,
                  pdf_path: str | os.PathLike | None = None, map_page=None) -> list[Path]:
    """Write the report as HTML and/or PDF (the same content); returns the paths written.

    With `map_page` (a `print_layout.PrintContent`), the PDF opens with that page and the HTML
    shows it as its first picture, 'Map'.
    """
    written = []
    if html_path is not None:
        html_report = report
        if map_page is not None:
            html_report = dataclasses.replace(report, images={"Map": png_bytes(page_image(map_page)), **report.images})
        written.append(html_report.write_html(html_path))
    if pdf_path is not None:
        written.append(write_pdf(report, pdf_path, map_page=map_page))
    return written
