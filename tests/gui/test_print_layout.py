"""The print layout: page size and orientation, a legend of every visible layer, the attribution from
the layers' own sources, the scale, true north, the PNG at 300 dpi, and the report PDF that opens
with the same map page and keeps its charts inside the page. Read back with pypdf, independently
of Qt's layout."""
from __future__ import annotations

import numpy as np
import pypdf
import pytest
from pyproj import CRS, Proj
from PySide6 import QtCore, QtGui

from layers.io.atomic import whole_png
from layers.io import read_layers
from layers.session.project import SAMPLE_PROJECT, open_project
from layers.session import Session
from planner_gui.export import menu
from planner_gui.export.print_layout import print_content, true_north_degrees, write_page
from planner_gui.export.print_page import PageSpec
from tests.cities import CITIES, write_city
from tests.gui.helpers import shown_canvas

POINTS_PER_MM = 72 / 25.4
needs_sample = pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")


def _text(path) -> str:
    """The page's text, words joined by single spaces (Qt's PDF separates words with tabs)."""
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(path)).pages)


@pytest.fixture
def sample(qtbot, sample_read_once):
    session, _ = open_project(SAMPLE_PROJECT)
    return session, shown_canvas(qtbot, session)


@needs_sample
@pytest.mark.parametrize("paper, landscape, size_mm", [("A4", False, (210, 297)), ("A3", True, (420, 297))])
def test_pdf_page_has_the_paper_size_and_orientation(sample, tmp_path, paper, landscape, size_mm):
    session, canvas = sample
    content = print_content(canvas, PageSpec(paper, landscape=landscape, dpi=100), "Title", "Subtitle")
    path = write_page(content, tmp_path / "map.pdf")
    box = pypdf.PdfReader(str(path)).pages[0].mediabox
    assert float(box.width) == pytest.approx(size_mm[0] * POINTS_PER_MM, abs=1.0)
    assert float(box.height) == pytest.approx(size_mm[1] * POINTS_PER_MM, abs=1.0)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # written atomically


@needs_sample
def test_legend_lists_every_visible_layer_and_its_categories(sample, tmp_path):
    session, canvas = sample
    hidden = session.layers.find("Water")
    session.layers.set_visible(hidden, False)
    content = print_content(canvas, PageSpec("A3", landscape=True, dpi=100), "Hà Nội", "plan")
    text = _text(write_page(content, tmp_path / "map.pdf"))
    visible = [layer.name for layer in session.layers if layer.visible]
    assert len(visible) >= 6
    assert [e.layer for e in content.legend] == list(reversed(visible))  # top of the map first
    for name in visible:
        assert name in text
    assert "Water" not in [e.layer for e in content.legend]
    lines = session.layers.find("Metro lines").gdf
    for line in lines["line"].unique():  # every metro line by its colour, named by its `line`
        assert f"line {line}" in text
    for status in ("existing", "under construction", "planned"):
        assert status in text
    # the population ramp's numbers: the map's stretch (2nd and 99th percentile of log(1 + people))
    population = next(layer for layer in session.layers if layer.role == "population")
    people = population.array[np.isfinite(population.array) & (population.array > 0)]
    low, high = np.expm1(np.percentile(np.log1p(people), [2, 99]))
    ramp = next(e.ramp for e in content.legend if e.layer == population.name)
    assert [label for _, label in ramp.ticks][::2] == [f"{low:,.1f}".rstrip("0").rstrip("."), f"{high:,.0f}"]
    for _, label in ramp.ticks:
        assert label in text


@needs_sample
def test_a_line_not_open_in_the_timeline_year_is_not_in_the_legend(sample):
    session, canvas = sample
    session.update(year=2025)
    content = print_content(canvas, PageSpec("A4", dpi=100), "t", "s")
    labels = next(e for e in content.legend if e.layer == "Metro lines").labels()
    assert "line 2A" in labels and "line 3" in labels
    assert "line 5" not in labels and "planned" not in labels  # line 5 opens in 2030


@needs_sample
def test_the_printed_legend_lists_only_what_the_page_shows(sample):
    """As QGIS's print layout: a page of the city's far west at 1:5,000 shows no metro station, so
    its legend lists none; the whole city's page lists them. Checked against the features' own
    positions (shapely, in the working CRS), not the legend's code."""
    import shapely

    session, canvas = sample
    stations = next(layer for layer in session.layers if layer.role == "metro_station")
    boundary = next(layer for layer in session.layers if layer.role == "boundary")
    xmin, ymin, xmax, ymax = boundary.gdf.to_crs(session.working_crs).total_bounds
    corner = (xmin + 1_000, (ymin + ymax) / 2)
    canvas.set_view((corner[0] - 2_000, corner[1] - 2_000, corner[0] + 2_000, corner[1] + 2_000))
    content = print_content(canvas, PageSpec("A4", dpi=100, scale_denominator=5_000), "t", "s")
    page = shapely.box(*content.map_bounds)
    assert not stations.gdf.to_crs(session.working_crs).intersects(page).any()  # none on this page
    listed = [e.layer for e in content.legend]
    assert stations.name not in listed and boundary.name in listed
    canvas.full_extent()
    whole = print_content(canvas, PageSpec("A4", dpi=100), "t", "s")
    assert stations.name in [e.layer for e in whole.legend]


@needs_sample
@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_printed_legend_is_legible_and_never_overprints(sample, monkeypatch, paper):
    """Every text of the page's legend is at least 7 pt and no two overlap (the A4 legend printed the
    population ramp's unit, wrapped, under the "Results" heading)."""
    from planner_gui.map import page_painter

    session, canvas = sample
    canvas.full_extent()
    content = print_content(canvas, PageSpec(paper, dpi=150), "t", "s")
    drawn = []
    real_text = page_painter.PagePainter.text

    def recorded(self, r, text, points, bold=False, colour=None, flags=None, draw=True):
        flags = flags if flags is not None else QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop
        height = real_text(self, r, text, points, bold, colour or page_painter.INK, flags, draw)
        if draw and text:  # the ink's box, as the painter lays the text out (in device pixels)
            used = self.p.boundingRect(self.rect(r), flags | QtCore.Qt.TextFlag.TextWordWrap, text)
            drawn.append((text, points, QtCore.QRectF(used)))
        return height

    monkeypatch.setattr(page_painter.PagePainter, "text", recorded)
    from planner_gui.map.legend.painter import paint_legend_mm
    from planner_gui.export.print_page import page_frames

    image = QtGui.QImage(3000, 3000, QtGui.QImage.Format.Format_RGB32)
    painter = QtGui.QPainter(image)
    paint_legend_mm(page_painter.PagePainter(painter, 150), page_frames(content.spec).legend, content.legend,
                    paper == "A3")
    painter.end()
    assert len(drawn) > 20
    assert min(points for _, points, _ in drawn) >= 7.0
    for i, (text_a, _, a) in enumerate(drawn):
        for text_b, _, b in drawn[i + 1:]:
            overlap = a.intersected(b)
            assert overlap.height() < 2 or overlap.width() < 2, f"{text_a!r} over {text_b!r}"  # pixels


@needs_sample
def test_attribution_of_the_sample_is_on_the_page(sample, tmp_path):
    _, canvas = sample
    text = _text(write_page(print_content(canvas, PageSpec("A4", dpi=100), "t", "s"), tmp_path / "map.pdf"))
    assert "© OpenStreetMap contributors, ODbL" in text
    assert "CC BY 3.0 IGO" in text and "Natural Earth" in text
    assert "hanoi.gpkg" in text


def test_attribution_comes_from_the_layers_not_from_hanoi(qtbot, tmp_path):
    """Paris in lon/lat: its own licence statement is printed, none of the Hanoi sample's."""
    city = next(c for c in CITIES if c.name == "paris")
    gpkg, population = write_city(city, tmp_path / "paris")
    session = Session()
    for layer in read_layers(gpkg) + read_layers(population):
        if layer.name == "wards":
            layer.gdf["source"] = "IRIS contours; © IGN - Paris Data, Licence Ouverte / ODbL; simplified"
        session.add_layer(layer)
    canvas = shown_canvas(qtbot, session)
    content = print_content(canvas, PageSpec("A4", landscape=True, dpi=100), "Paris", "s")
    text = _text(write_page(content, tmp_path / "paris.pdf"))
    assert "© IGN - Paris Data, Licence Ouverte / ODbL" in text
    assert "OpenStreetMap" not in text and "geoBoundaries" not in text
    assert "paris.gpkg" in text and "EPSG:32631" in text  # the working CRS is Paris's UTM zone


@needs_sample
def test_a_chosen_scale_is_the_scale_on_paper_and_png_is_300_dpi(sample, tmp_path):
    _, canvas = sample
    spec = PageSpec("A4", landscape=False, scale_denominator=50_000)
    content = print_content(canvas, spec, "t", "s")
    assert content.scale_denominator() == pytest.approx(50_000, rel=1e-3)
    path = write_page(content, tmp_path / "map.png")
    assert whole_png(path) is None
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == (round(210 / 25.4 * 300), round(297 / 25.4 * 300))
    assert image.dotsPerMeterX() == round(300 / 0.0254)


@needs_sample
def test_the_page_points_to_true_north_at_the_centre_of_its_map(sample):
    session, canvas = sample
    content = print_content(canvas, PageSpec("A4", dpi=100), "t", "s")
    xmin, ymin, xmax, ymax = content.map_bounds
    at_centre = true_north_degrees(session.working_crs, (xmin + xmax) / 2, (ymin + ymax) / 2)
    assert content.north_degrees == pytest.approx(at_centre, abs=1e-3) and abs(at_centre) > 0.1  # Hanoi: east of 105 E


@pytest.mark.parametrize("lon", [103.0, 105.0, 107.5])
def test_north_arrow_points_to_true_north(lon):
    """Grid north and true north differ by the meridian convergence (pyproj's own figure)."""
    crs = CRS.from_epsg(32648)
    proj = Proj(crs)
    x, y = proj(lon, 21.0)
    assert true_north_degrees(crs, x, y) == pytest.approx(-proj.get_factors(lon, 21.0).meridian_convergence,
                                                           abs=0.01)


def _images_on_pages(path) -> list[list[tuple[float, float, float, float]]]:
    """Per page, where each image is drawn (x0, y0, x1, y1 in points), from the content stream's matrices."""
    reader = pypdf.PdfReader(str(path))
    placed = []
    for page in reader.pages:
        stack, ctm, rects = [], np.eye(3), []
        for operands, op in pypdf.generic.ContentStream(page.get_contents(), reader).operations:
            if op == b"q":
                stack.append(ctm)
            elif op == b"Q":
                ctm = stack.pop()
            elif op == b"cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                ctm = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ ctm
            elif op == b"Do":
                corners = np.array([[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]) @ ctm
                rects.append((corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max()))
        placed.append(rects)
    return placed


def test_report_pdf_opens_with_the_map_page_and_keeps_its_charts_inside_the_page(qtbot, sample_window, tmp_path):
    window = sample_window
    dash = window.dashboard
    shown = []
    dash.coverage.figures_shown.connect(shown.append)
    dash.coverage.recompute()
    qtbot.waitUntil(lambda: bool(shown) and not dash.coverage.busy(), timeout=20_000)
    window.show()  # the curve is measured while the Timeline is on screen
    window.timeline_dock.show()
    qtbot.waitUntil(lambda: dash.timeline.timeline is not None and not dash.timeline.runner.busy(), timeout=30_000)
    path = menu.report_export(dash, window.canvas, pdf_path=tmp_path / "report.pdf").run()
    reader = pypdf.PdfReader(str(path))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Legend" in first and "Figures" in first and "ODbL" in first  # the print layout's page
    assert shown[-1].result.title in first
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    left, right = 15 * POINTS_PER_MM, width - 15 * POINTS_PER_MM  # the report's text margins
    charts = [rect for rects in _images_on_pages(path)[1:] for rect in rects]
    assert len(charts) >= 2  # by ward, coverage over time
    for x0, y0, x1, y1 in charts:
        assert left - 0.5 <= x0 and x1 <= right + 0.5 and 0 <= y0 and y1 <= height


def test_a_chart_with_a_title_wider_than_asked_is_drawn_whole(qtbot):
    """A title longer than the chart is wide used to push the plot past the image's right edge."""
    import pyqtgraph as pg

    from planner_gui.export.render import chart_image

    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.resize(900, 300)
    plot.plot([2000, 2040], [0, 16], pen=pg.mkPen("#0b6fa4", width=2))
    plot.setTitle("A figure by year: " + "a very long explanation of what is counted " * 3)
    image = chart_image(plot, 700, 300, scale=1.0)
    item = plot.centralWidget
    item.setGeometry(0, 0, 700, 300)
    wanted = item.geometry().width()
    assert wanted > 700  # the title makes the chart wider than the image: it must be shrunk, not cut
    pixels = np.frombuffer(image.convertToFormat(QtGui.QImage.Format.Format_Grayscale8).constBits(),
                           np.uint8).reshape(image.height(), -1)[:, :image.width()]
    drawn_height = 300 * 700 / wanted  # the whole chart, shrunk to the image's width, aspect kept
    assert (pixels[int(drawn_height) + 2:] > 250).all()  # below it: nothing (cut, it would fill the height)
    assert (pixels[:int(drawn_height)] < 200).any(axis=0)[-40:].any()  # and it reaches the right side


def test_print_from_the_export_menu_writes_in_the_worker(qtbot, sample_window, tmp_path):
    window = sample_window
    export_menu = window.export_menu
    assert export_menu.print_action.shortcut() == QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Print)
    path = tmp_path / "map.png"
    spec = PageSpec("A4", landscape=True, dpi=100, extent="layers")
    assert export_menu.start(lambda p: menu.print_export(window, p, spec, "Hà Nội", "s"), str(path))
    qtbot.waitUntil(lambda: not export_menu.busy() and path.exists(), timeout=30_000)
    assert whole_png(path) is None
    assert not export_menu.start(lambda p: menu.print_export(window, p, spec, "t", "s"), str(tmp_path / "map.txt"))


@needs_sample
def test_the_map_shows_the_legend_of_every_visible_layer(qtbot, sample):
    """The legend over the map lists what the print page lists, follows a hidden layer, and is
    drawn (swatches in their colours); View > Legend hides it."""
    from planner_gui.map.legend.entries import legend_entries

    from planner_gui.map.legend.entries import layers_drawing_in

    session, canvas = sample
    legend = canvas.legend
    assert not legend.enabled and not legend.isVisible()  # off until the planner asks (View > Legend)
    legend.set_enabled(True)
    qtbot.waitUntil(lambda: legend.isVisible() and bool(legend.entries), timeout=5_000)
    in_view = layers_drawing_in(canvas, canvas.view_bounds())
    assert [e.layer for e in legend.entries] == [e.layer for e in legend_entries(session, canvas, only=in_view)]
    assert {layer.name for layer in session.layers if layer.visible} <= {e.layer for e in legend.entries}
    wards = next(layer for layer in session.layers if layer.role == "ward" and layer.visible)
    session.layers.set_visible(wards, False)
    qtbot.waitUntil(lambda: wards.name not in [e.layer for e in legend.entries], timeout=5_000)
    pixels = np.frombuffer(legend.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(),
                           np.uint32)
    assert len(np.unique(pixels)) > 20  # swatches in their colours and text, not a blank box
    assert legend.width() * legend.height() < 0.15 * canvas.width() * canvas.height()
    legend.set_enabled(False)
    qtbot.waitUntil(lambda: not legend.isVisible(), timeout=5_000)


def test_the_map_credits_the_data_it_shows(qtbot, sample, tmp_path):
    """The licence statements of the visible layers (the same the print page prints) are on the map
    and in a map PNG; a hidden layer's credit goes with it."""
    from layers.attribution import attribution_lines
    from planner_gui.export.render import render_map_image

    session, canvas = sample
    credit = canvas.attribution
    expected = " · ".join(attribution_lines([layer for layer in session.layers if layer.visible]))
    # each layer's statements read in a worker (map.worked_out_ahead), then shown
    qtbot.waitUntil(lambda: credit.isVisible() and credit.text() == expected, timeout=5_000)
    assert "© OpenStreetMap contributors, ODbL" in credit.text()
    image = render_map_image(canvas, 800, 600)
    assert not image.isNull()
    for layer in list(session.layers):
        session.layers.set_visible(layer, False)
    qtbot.waitUntil(lambda: not credit.isVisible(), timeout=5_000)


def _walking_result(session):
    """A coverage result as the Coverage dock leaves it in the session, measured by walking distance."""
    from layers.analysis.indicators import IndicatorResult
    from layers.analysis.jobs import Coverage

    walking = "walking distance along the street network (OpenStreetMap, 2026-01-01)"
    result = IndicatorResult(
        preset="itdp-pnt", title="ITDP People Near Transit", value=0.25, numerator=2_000_000.0,
        denominator=8_000_000.0, unit="share of population", crs="EPSG:32648", method="a method",
        source="a source", radius_m=1000.0, scenario="existing", distance=walking,
        figures={"area_m2": 4.0e7, "study_area_m2": 3.3e9, "area_share": 4.0e7 / 3.3e9})
    session.set_latest("coverage", Coverage(result, None, session.working_crs))
    return walking


@needs_sample
def test_the_page_reads_the_figures_and_their_distance_from_the_session(sample, tmp_path):
    """No Coverage dock here at all: the page takes the session's latest result, and says the
    distance it was measured with (it printed 'straight-line distances' even for walking)."""
    session, canvas = sample
    walking = _walking_result(session)
    content = print_content(canvas, PageSpec("A4", dpi=100), "t", "s")
    assert "ITDP People Near Transit: 25.0 % of population (2,000,000 of 8,000,000 people)" in content.figures
    assert f"Distance: {walking}" in content.figures
    text = _text(write_page(content, tmp_path / "map.pdf"))
    assert "walking distance along the street network" in text and "straight-line distances" not in text


@needs_sample
def test_the_title_names_the_measure_and_the_city_not_a_layer(sample):
    """The boundary layer's feature is called Hà Nội (read from its data here); the title was the
    layer's name, 'Hà Nội boundary'."""
    from planner_gui.export.print_layout import default_title

    session, _ = sample
    boundary = next(layer for layer in session.layers if layer.role == "boundary")
    city = boundary.gdf[boundary.fields.name or "name"].dropna().unique()
    assert len(city) == 1
    assert default_title(session) == f"{session.measure_title()}: {city[0]}"
    assert boundary.name not in default_title(session)
    _walking_result(session)
    assert default_title(session).startswith("ITDP People Near Transit: ")


@needs_sample
def test_the_map_is_copied_onto_the_page_pixel_for_pixel(sample, tmp_path):
    """The map drawn at its frame's size in the page's pixels lands in the frame unscaled, painted
    a strip of rows at a time: between the scale bar (bottom left) and the north arrow (top right),
    inside the frame's outline, every pixel of the page is the map image's own, the rows where
    two strips join included."""
    from planner_gui.export.print_page import MAP_STRIP_ROWS, page_frames

    _, canvas = sample
    spec = PageSpec("A4", landscape=True, dpi=150)
    content = print_content(canvas, spec, "t", "s")
    content.map.draw_now()
    path = write_page(content, tmp_path / "map.png")
    page = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    frame = page_frames(spec).map
    left, top = round(frame.x() / 25.4 * 150), round(frame.y() / 25.4 * 150)
    drawn = content.map_image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    assert drawn.height() > MAP_STRIP_ROWS  # more than one strip

    def pixels(image):
        return np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), image.bytesPerLine() // 4)

    inside = slice(drawn.height() // 6, drawn.height() * 5 // 6), slice(8, drawn.width() - 8)
    assert inside[0].start < MAP_STRIP_ROWS < inside[0].stop  # a join between two strips is compared
    on_page = pixels(page)[top:top + drawn.height(), left:left + drawn.width()]
    assert np.array_equal(on_page[inside], pixels(drawn)[:, :drawn.width()][inside])


@needs_sample
def test_the_pdf_takes_the_map_a_short_strip_at_a_time_with_no_gap(sample, tmp_path):
    """Qt compresses an image as it draws it into a PDF, holding Python's lock (the GUI thread waits
    for it): the map goes in strips of at most MAP_PDF_STRIP_PIXELS pixels, plus the row the next
    strip lies over. Together they are the map image's rows, each once, and on the page they tile
    the map's place from top to bottom, each strip overlapping the next by one pixel (no paper
    between them, whatever a viewer does at an image's edge)."""
    from planner_gui.export.print_page import MAP_PDF_STRIP_PIXELS

    _, canvas = sample
    dpi = 150
    content = print_content(canvas, PageSpec("A4", landscape=True, dpi=dpi), "t", "s")
    path = write_page(content, tmp_path / "map.pdf")
    width, height = content.map_image.width(), content.map_image.height()
    images = [o.get_object() for o in pypdf.PdfReader(str(path)).pages[0]["/Resources"]["/XObject"].values()]
    strips = [o for o in images if o["/Subtype"] == "/Image" and o["/Width"] == width]
    assert len(strips) > 2
    assert all(o["/Height"] * width <= MAP_PDF_STRIP_PIXELS + width for o in strips)
    assert sum(o["/Height"] for o in strips) - (len(strips) - 1) == height
    pixel_pt = 72 / dpi
    placed = sorted((rect for rect in _images_on_pages(path)[0] if abs((rect[2] - rect[0]) - width * pixel_pt) < 0.01),
                    key=lambda rect: -rect[3])  # top first (PDF's y runs up)
    assert len(placed) == len(strips)
    for upper, lower in zip(placed, placed[1:]):
        assert lower[3] - upper[1] == pytest.approx(pixel_pt, abs=0.01)  # the lower one's top row under the upper's last
        assert lower[0] == pytest.approx(upper[0])
    assert placed[0][3] - placed[-1][1] == pytest.approx(height * pixel_pt, abs=0.01)


def test_the_page_credits_what_sources_text_says_reading_each_layers_sources_once(sample, monkeypatch):
    """The page's sources are `layers.attribution.sources_text`'s lines (after the basemap's credit),
    the licence statements read once per layer's features, as the map on screen reads them: a
    second print reads no source field again."""
    from layers import attribution
    from layers.attribution import sources_text
    from planner_gui.export.print_layout import page_content

    session, canvas = sample
    spec = PageSpec("A4", landscape=True, dpi=100)
    expected = sources_text(session.layers)
    assert any("ODbL" in line for line in expected)
    assert page_content(canvas, spec, "t", "s").sources == expected
    read = []
    real = attribution.attribution_lines
    monkeypatch.setattr(attribution, "attribution_lines", lambda layers: (read.append(1), real(layers))[1])
    from planner_gui.map import attribution as map_attribution
    monkeypatch.setattr(map_attribution, "attribution_lines", attribution.attribution_lines)
    assert page_content(canvas, spec, "t", "s").sources == expected
    assert read == []
