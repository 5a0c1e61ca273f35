"""Reports: the HTML parses and holds every figure, method, source, picture and the CRS; CSV reads back."""
from __future__ import annotations

import base64
from html.parser import HTMLParser

import pandas as pd

from layers.report import Figure, Report, write_csv

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.images, self.cells = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_holds_figures_methods_sources_and_pictures(tmp_path):
    report = Report(
        title="Metro coverage <Hà Nội>",
        crs="EPSG:32648 (WGS 84 / UTM zone 48N)",
        figures=[Figure("People within 1 km of metro", "12.5 %", method="Straight-line 1 km buffers.", source="ITDP PNT (2016)")],
        tables={"By ward": pd.DataFrame({"ward": ["Phường Hoàn Kiếm"], "population": [1234.5]})},
        images={"Map": PNG_1PX},
        data_sources=["© OpenStreetMap contributors (ODbL)"],
    )
    path = report.write_html(tmp_path / "report.html")
    parser = _Collector()
    parser.feed(path.read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    for expected in ("Metro coverage <Hà Nội>", "12.5 %", "Straight-line 1 km buffers.", "ITDP PNT (2016)",
                     "EPSG:32648 (WGS 84 / UTM zone 48N)", "Phường Hoàn Kiếm", "1,234.50", "OpenStreetMap"):
        assert expected in text
    assert len(parser.images) == 1
    assert base64.b64decode(parser.images[0].split(",", 1)[1]) == PNG_1PX


def test_csv_reads_back_with_vietnamese_names(tmp_path):
    table = pd.DataFrame({"ward": ["Phường Ba Đình", "Xã Bát Tràng"], "share": [0.5, 0.25]})
    path = write_csv(table, tmp_path / "results.csv")
    pd.testing.assert_frame_equal(pd.read_csv(path, encoding="utf-8-sig"), table)
