"""Qt exports: the map and a chart as PNG at the asked size (and not blank), the report as PDF and
HTML with the pictures inside; every file reads back, none is left half-written."""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtGui

from layers.project import SAMPLE_PROJECT, open_project
from layers.analysis.indicators import compare, evaluate
from layers.report import Figure, Report, report_from_results, value_text
from layers.analysis.scenario import Scenario
from planner_gui.export.render import chart_png, export_report, map_png_bytes, render_map_png, write_pdf
from tests.gui.helpers import shown_canvas

CRS = "EPSG:32648 (WGS 84 / UTM zone 48N)"


@pytest.fixture
def canvas(qtbot, hanoi_project):
    session, _ = open_project(hanoi_project)
    return shown_canvas(qtbot, session, (420, 300))


@pytest.fixture
def chart(qtbot):
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.resize(300, 200)
    plot.addItem(pg.BarGraphItem(x=[0, 1], height=[10.5, 16.7], width=0.6, brush="#4c78a8"))
    plot.setLabel("left", "people within 1 km of metro", units="%")
    return plot


def _colours(image: QtGui.QImage) -> int:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    return len(np.unique(pixels))


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def _no_temporary_files(folder) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_map_png_has_the_asked_size_and_shows_the_map(canvas, tmp_path):
    listeners = len(canvas.stack._listeners)
    before = canvas.view_bounds()
    for width, height, scale in ((1000, 560, 1.0), (640, 640, 2.0)):  # other aspect than the window, too
        path = render_map_png(canvas, tmp_path / f"map_{width}.png", width, height, scale=scale)
        image = QtGui.QImage(str(path))
        assert (image.width(), image.height()) == (width, height)
        assert _colours(image) > 50  # layers, labels, scale bar: not one flat background
    assert canvas.view_bounds() == before  # the map on screen did not move
    assert len(canvas.stack._listeners) == listeners  # the hidden twin canvas let go of the stack
    assert _no_temporary_files(tmp_path)


def test_map_png_rejects_a_silly_size_and_writes_nothing(canvas, tmp_path):
    with pytest.raises(ValueError):
        render_map_png(canvas, tmp_path / "map.png", 0, 300)
    assert not list(tmp_path.iterdir())


def test_chart_png_has_the_asked_size_and_the_chart_is_put_back(chart):
    geometry = chart.centralWidget.geometry()
    image = QtGui.QImage.fromData(chart_png(chart, 900, 450))
    assert (image.width(), image.height()) == (900, 450)
    assert _colours(image) > 10
    assert chart.centralWidget.geometry() == geometry


def test_pdf_and_html_hold_the_report_with_its_pictures(canvas, chart, tmp_path):
    map_png, chart_bytes = map_png_bytes(canvas, 700, 500), chart_png(chart, 700, 350)
    report = Report("Metro coverage", CRS, figures=[Figure("People near metro", "12.5 % of population")],
                    images={"Map": map_png, "Chart": chart_bytes}, data_sources=["© OpenStreetMap contributors (ODbL)"])
    html_path, pdf_path = export_report(report, tmp_path / "report.html", tmp_path / "report.pdf")

    images = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: images.append(dict(attrs)["src"]) if tag == "img" else None
    parser.feed(html_path.read_text(encoding="utf-8"))
    assert [base64.b64decode(src.split(",", 1)[1]) for src in images] == [map_png, chart_bytes]

    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert _pages(pdf) >= 1
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 2  # the map and the chart are in it
    assert _no_temporary_files(tmp_path)


def test_pdf_replaces_an_old_file_whole(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"old")
    write_pdf(Report("Short", CRS), path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert _no_temporary_files(tmp_path)


@pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="the bundled Hanoi sample is not installed")
def test_report_pdf_from_the_hanoi_sample(canvas, chart, tmp_path):
    city = open_project(SAMPLE_PROJECT)[0].city()
    pnt = evaluate("itdp-pnt", city, scenario=Scenario.existing(), zones=True)
    diff = compare("itdp-pnt", city, Scenario.existing(), Scenario.plan(2035), zones=True)
    report = report_from_results("Hà Nội: people near transit", [pnt], [diff],
                                 images={"Map": map_png_bytes(canvas), "Chart": chart_png(chart)})
    assert value_text(pnt) in report.to_html()
    pdf = write_pdf(report, tmp_path / "hanoi.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert _pages(pdf) >= 2  # figures and pictures, then the 126 wards
