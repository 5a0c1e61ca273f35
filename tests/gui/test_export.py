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

from layers.session.project import SAMPLE_PROJECT, open_project
from layers.analysis.indicators import compare, evaluate
from layers.report import Figure, Report, report_from_results, value_text
from layers.analysis.scenario import Scenario
from planner_gui.export.render import chart_png, map_png_bytes, render_map_png
from planner_gui.export.report_pdf import export_report, write_pdf
from tests.gui.helpers import shown_canvas

CRS = "EPSG:32648 (WGS 84 / UTM zone 48N)"


@pytest.fixture
def canvas(qtbot, hanoi_project, sample_read_once):
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
    listeners = len(canvas.stack.events.inserted)  # the callbacks connected to it
    before = canvas.view_bounds()
    for width, height, scale in ((1000, 560, 1.0), (640, 640, 2.0)):  # other aspect than the window, too
        path = render_map_png(canvas, tmp_path / f"map_{width}.png", width, height, scale=scale)
        image = QtGui.QImage(str(path))
        assert (image.width(), image.height()) == (width, height)
        assert _colours(image) > 50  # layers, labels, scale bar: not one flat background
    assert canvas.view_bounds() == before  # the map on screen did not move
    assert len(canvas.stack.events.inserted) == listeners  # the hidden twin canvas let go of the stack
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


def test_pdf_replaces_an_old_file_whole(qapp, tmp_path):  # Qt lays out the text: an application first
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


def _pixels(image: QtGui.QImage) -> np.ndarray:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3].astype(int)


def _drawn_in_steps(qtbot, drawing, turns: list[int] | None = None) -> list[int]:
    """Start `drawing` and wait for it; the event-loop turns counted at each strip (in `turns[0]`,
    which the caller may read meanwhile)."""
    from PySide6 import QtCore

    turns, at_strip = turns if turns is not None else [0], []
    ticker = QtCore.QTimer(interval=0)
    ticker.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    drawing.progress.connect(lambda _fraction: at_strip.append(turns[0]))
    ticker.start()
    try:
        with qtbot.waitSignal(drawing.finished, timeout=30_000) as finished:
            drawing.start()
    finally:
        ticker.stop()
    assert finished.args == [True]
    return at_strip


def test_a_map_drawn_in_steps_is_the_map_drawn_at_once(qtbot, canvas, monkeypatch):
    """The Export menu draws the map a strip per turn of the event loop (the window stays live
    between strips); the picture is the one drawn in one go, but for dashes at strip edges."""
    from planner_gui.export.render import MapDrawing

    monkeypatch.setattr(MapDrawing, "STRIP_PIXELS", 60_000)
    before = canvas.view_bounds()
    at_once = MapDrawing(canvas, 800, 600, 2.0, before, overlays=True)
    at_once.draw_now()
    stepped = MapDrawing(canvas, 800, 600, 2.0, before, overlays=True)
    at_strip = _drawn_in_steps(qtbot, stepped)
    assert len(at_strip) >= 600 // (60_000 // 800) - 1  # many strips...
    assert all(b > a for a, b in zip(at_strip, at_strip[1:]))  # ...with the event loop running between them
    assert stepped.shown == at_once.shown and stepped.image.size() == at_once.image.size()
    same = (np.abs(_pixels(stepped.image) - _pixels(at_once.image)).max(axis=2) <= 8).mean()
    assert same > 0.999
    assert _colours(stepped.image) > 20 and canvas.view_bounds() == before


def test_an_exported_large_layer_is_painted_in_a_worker_when_drawn_in_steps(qtbot, canvas, monkeypatch):
    """A large layer's picture for an export drawn in steps comes from its worker, as on screen;
    drawn at once, it is painted in the calling thread."""
    import threading

    from planner_gui.export.render import MapDrawing
    from planner_gui.map import canvas as canvas_module
    from planner_gui.map.layers import large_vector as layer_picture

    on_gui_thread = []
    real = layer_picture.paint_picture

    def noted(*args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(layer_picture, "paint_picture", noted)
    monkeypatch.setattr(canvas_module, "LARGE_LAYER_FEATURES", 3)  # the twin draws the wards as a large layer
    _drawn_in_steps(qtbot, MapDrawing(canvas, 600, 400, 1.0, canvas.view_bounds(), overlays=False))
    assert on_gui_thread and not any(on_gui_thread)
    on_gui_thread.clear()
    MapDrawing(canvas, 600, 400, 1.0, canvas.view_bounds(), overlays=False).draw_now()
    assert on_gui_thread and all(on_gui_thread)


def test_a_cancelled_map_drawing_ends_without_a_picture(qtbot, canvas):
    from planner_gui.export.render import MapDrawing

    drawing = MapDrawing(canvas, 800, 600, 1.0, canvas.view_bounds(), overlays=True)
    with qtbot.waitSignal(drawing.finished, timeout=5_000) as finished:
        drawing.start()
        assert drawing.drawing()
        drawing.cancel()
    assert finished.args == [False] and drawing.image is None and not drawing.drawing() and not drawing.error


def test_a_change_while_the_strips_are_drawn_does_not_split_the_picture(qtbot, canvas, monkeypatch):
    """The strips show the map as it was when they began: a layer hidden after the first strip is
    still in the last one."""
    from planner_gui.export.render import MapDrawing

    monkeypatch.setattr(MapDrawing, "STRIP_PIXELS", 60_000)
    at_once = MapDrawing(canvas, 800, 600, 1.0, canvas.view_bounds(), overlays=False)
    at_once.draw_now()
    stack = canvas.session.layers
    drawing = MapDrawing(canvas, 800, 600, 1.0, canvas.view_bounds(), overlays=False)
    drawing.progress.connect(lambda _f: [stack.set_visible(layer, False) for layer in stack if layer.visible])
    _drawn_in_steps(qtbot, drawing)
    assert not any(layer.visible for layer in stack)
    same = (np.abs(_pixels(drawing.image) - _pixels(at_once.image)).max(axis=2) <= 8).mean()
    assert same > 0.999


def test_an_exports_twin_draws_its_layers_only_for_the_view_it_is_shown(qtbot, canvas, monkeypatch):
    """A twin canvas made for an export makes and draws nothing at its default view (every layer drawn
    twice, a large layer's picture of a view nobody asked for); its layers are drawn once, for its view."""
    from planner_gui.map import canvas as canvas_module
    from planner_gui.map.canvas import MapCanvas
    from planner_gui.map.layers.vector import VectorGraphic

    monkeypatch.setattr(canvas_module, "LARGE_LAYER_FEATURES", 50)  # the wards: a large layer, painted in a worker
    refreshed = []
    real = VectorGraphic.refresh
    monkeypatch.setattr(VectorGraphic, "refresh", lambda self, *a: (refreshed.append(self.layer.name), real(self, *a)))
    twin = MapCanvas(canvas.session, view_later=True)
    qtbot.addWidget(twin)
    twin.resize(400, 300)
    assert twin.graphics == {} and refreshed == []
    twin.set_view(canvas.view_bounds())
    assert set(twin.graphics) == {id(layer) for layer in twin._drawn_layers()}
    large = [g for g in twin.graphics.values() if hasattr(g, "painter")]
    assert large
    shown = [layer.name for layer in twin._drawn_layers() if layer.visible
             and type(twin.graphic(layer)) is VectorGraphic]
    assert sorted(refreshed) == sorted(shown) and shown
    assert all(g.painter.latest_id == 1 for g in large if g.layer.visible)
    qtbot.waitUntil(lambda: not twin.busy(), timeout=10_000)
    twin.stop_observing()


def test_a_map_drawn_in_steps_draws_its_layers_a_turn_of_the_event_loop_apart(qtbot, canvas, monkeypatch):
    """The Export menu's twin makes its layers' graphics and shows them its view a layer at a time,
    the window live in between."""
    from planner_gui.export.render import MapDrawing
    from planner_gui.map.canvas import MapCanvas
    from planner_gui.map.layers.vector import VectorGraphic

    turns, at_layer, at_making = [0], [], []
    real = VectorGraphic.refresh
    monkeypatch.setattr(VectorGraphic, "refresh", lambda self, *a: (at_layer.append(turns[0]), real(self, *a)))
    make = MapCanvas._make
    monkeypatch.setattr(MapCanvas, "_make", lambda self, layer: (at_making.append(turns[0]), make(self, layer))[1])
    _drawn_in_steps(qtbot, MapDrawing(canvas, 600, 400, 1.0, canvas.view_bounds(), overlays=False), turns)
    assert len(at_layer) >= 3 and len(at_making) >= len(at_layer)
    steps = at_making + at_layer  # made, then drawn
    assert all(b > a for a, b in zip(steps, steps[1:]))
