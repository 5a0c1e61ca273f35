"""The PDF report never leaves a heading alone at a page's foot: whatever the length of the table
before it, a heading has the first lines of its section under it on its page."""
from __future__ import annotations

import pandas as pd
from PySide6 import QtGui

from layers.report import Figure, Report
from planner_gui.export.report_pdf import KEEP_LINES, report_document


def _report(rows: int) -> Report:
    """A report whose first table has `rows` rows: as they grow, the headings after it move down
    the page through every position, the foot included."""
    table = pd.DataFrame({"ward": [f"Phường {i}" for i in range(rows)], "people": [f"{i * 37:,}" for i in range(rows)]})
    zones = pd.DataFrame({"ward": [f"Xã {i}" for i in range(6)], "share": [f"{i:.1f} %" for i in range(6)]})
    return Report(title="Hà Nội", crs="EPSG:32648", figures=[Figure("share", "10.5 %", "within 1 km", "ITDP")],
                  tables={"Area and people reached": table, "Second table": zones},
                  data_sources=["© OpenStreetMap contributors"], notes=["a note"])


def _headings_room(doc: QtGui.QTextDocument) -> list[tuple[str, float]]:
    """Each heading followed by more text, with the room under it on its page (document units)."""
    page_h = doc.pageSize().height()
    layout = doc.documentLayout()
    found, block = [], doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() and block.next().isValid():
            rect = layout.blockBoundingRect(block)
            found.append((block.text(), (rect.top() // page_h + 1) * page_h - rect.bottom()))
        block = block.next()
    return found


def test_no_heading_is_left_alone_at_a_page_foot(qapp):
    line_px = QtGui.QFontMetricsF(report_document(_report(1)).defaultFont()).lineSpacing()
    checked = 0
    for rows in range(20, 75, 2):  # 2 rows (about 40 px) at a time: through the 60 px at the foot
        for heading, room in _headings_room(report_document(_report(rows))):
            assert room >= KEEP_LINES * line_px, (rows, heading, room)
            checked += 1
    assert checked > 50

