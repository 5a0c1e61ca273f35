"""The print page's PDF is painted and written in a process of its own (`page_process`): Qt's PDF
writer holds Python's lock through each call (an A4 map's compression, the fonts, the file) and the
window's GUI thread waited for it. The document is the one this process would have written: the
same drawing, the same images, the same fonts. A cancel stops the child and leaves the previous
file; a child that cannot paint the page says why, the previous file kept; the Export menu's
worker writes it so. Read back with pypdf."""
from __future__ import annotations

import dataclasses

import pypdf
import pytest
from PySide6 import QtGui

from layers.analysis.progress import Cancelled
from layers.io.atomic import AtomicWriteError
from layers.session.project import SAMPLE_PROJECT, open_project
from planner_gui.export import menu
from planner_gui.export.print_layout import print_content, write_page
from planner_gui.export.print_page import PageSpec, paint_page, pdf_writer
from tests.gui.helpers import shown_canvas

needs_sample = pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")


@pytest.fixture
def content(qtbot, sample_read_once):
    session, _ = open_project(SAMPLE_PROJECT)
    canvas = shown_canvas(qtbot, session)
    return print_content(canvas, PageSpec("A4", landscape=True, dpi=150), "Hà Nội: người gần metro", "plan")


def _painted_here(content, path) -> None:
    """The page as this process would write it (what `write_page` did before the child)."""
    writer = pdf_writer(str(path), content.spec, content.title)
    painter = QtGui.QPainter(writer)
    paint_page(painter, content, writer.resolution())
    painter.end()
    del writer


def _document(path) -> dict:
    """What a reader of the PDF gets: pages, sizes, text, the page's drawing, its images and fonts."""
    reader = pypdf.PdfReader(str(path))
    page = reader.pages[0]
    resources = page["/Resources"]
    images = [(name, o["/Width"], o["/Height"], o["/Filter"], o.get_data()) for name, o in
              ((name, ref.get_object()) for name, ref in sorted(resources["/XObject"].items()))]
    fonts = sorted(str(ref.get_object()["/BaseFont"]) for ref in resources["/Font"].values())
    return {"pages": len(reader.pages), "size": (float(page.mediabox.width), float(page.mediabox.height)),
            "title": reader.metadata.title, "text": " ".join(page.extract_text().split()),
            "drawing": page.get_contents().get_data(), "images": images, "fonts": fonts}


@needs_sample
def test_the_pdf_is_written_in_a_process_of_its_own_and_is_the_same_document(content, tmp_path, monkeypatch):
    """No PDF writer is made in this process (none of Qt's PDF work holds its lock), and the file
    is the page this process would have written, drawing for drawing, image for image."""
    _painted_here(content, tmp_path / "here.pdf")
    made_here = []
    real_writer = QtGui.QPdfWriter
    monkeypatch.setattr(QtGui, "QPdfWriter", lambda *args: (made_here.append(args), real_writer(*args))[1])
    path = write_page(content, tmp_path / "map.pdf")
    assert made_here == []
    elsewhere, here = _document(path), _document(tmp_path / "here.pdf")
    assert elsewhere == here
    assert here["title"] == "Hà Nội: người gần metro" and "Legend" in here["text"] and "Hà Nội" in here["text"]
    width, height = content.map_image.width(), content.map_image.height()
    assert sum(h for _, w, h, _, _ in here["images"] if w == width) > height  # the map at full resolution
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # written atomically


@needs_sample
def test_a_cancel_stops_the_child_and_keeps_the_previous_file(content, tmp_path):
    path = tmp_path / "map.pdf"
    path.write_bytes(b"the planner's previous page")
    with pytest.raises(Cancelled):
        write_page(content, path, cancelled=lambda: True)
    assert path.read_bytes() == b"the planner's previous page"
    assert [p.name for p in tmp_path.iterdir()] == ["map.pdf"]


@needs_sample
def test_a_page_the_child_cannot_paint_says_why_and_keeps_the_previous_file(content, tmp_path):
    path = tmp_path / "map.pdf"
    path.write_bytes(b"the planner's previous page")
    broken = dataclasses.replace(content, figures=[None])  # the child joins the figures' lines: TypeError
    with pytest.raises(AtomicWriteError, match=r"^map\.pdf: could not be saved \(the page could not be painted \(TypeError"):
        write_page(broken, path)
    assert path.read_bytes() == b"the planner's previous page"
    assert [p.name for p in tmp_path.iterdir()] == ["map.pdf"]


@needs_sample
def test_the_export_menu_writes_the_pdf_page_through_its_worker(qtbot, sample_window, tmp_path):
    window = sample_window
    export_menu = window.export_menu
    path = tmp_path / "map.pdf"
    spec = PageSpec("A4", landscape=True, dpi=100, extent="layers")
    assert export_menu.start(lambda p: menu.print_export(window, p, spec, "Hà Nội", "s"), str(path))
    qtbot.waitUntil(lambda: not export_menu.busy() and path.exists(), timeout=60_000)
    document = _document(path)
    assert document["title"] == "Hà Nội" and "Legend" in document["text"] and "Figures" in document["text"]
    assert any(str(path) in text for text in window.message_bar.texts())  # "Exported", said in the window


def test_the_page_child_paints_without_the_layers_libraries():
    """The child imported the window's layer code with the painting (pandas, geopandas, pyqtgraph,
    rasterio: 0.6-1.1 s of each PDF export): it imports Qt and the page's painting alone, and the
    content it is sent unpickles without them."""
    import pickle
    import subprocess
    import sys
    from datetime import date

    from planner_gui.map.legend.entry import LegendEntry, Swatch

    content = pickle.dumps((PageSpec("A3"), [LegendEntry("Metro", [("", [Swatch("line 2", "line", "#f28c00", None,
                                                                                  "dashed")])])], date.today()))
    heavy = ("pandas", "geopandas", "shapely", "pyqtgraph", "rasterio", "pyproj")
    script = ("import pickle, sys; import planner_gui.export.page_child; "
              "from planner_gui.export.print_page import paint_page, pdf_writer; pickle.loads(sys.stdin.buffer.read()); "
              f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], input=content, capture_output=True, check=True)
    assert done.stdout.decode().strip() == "[]"
