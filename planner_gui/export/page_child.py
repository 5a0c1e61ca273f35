"""The child process that paints and writes a print page's PDF (`page_process.write_pdf` starts it).

    python -m planner_gui.export.page_child      # input: page_process.HEADER, the header, the pixels

It reads its whole input first, then imports what painting needs (Qt and `print_page`, about
0.3 s, not the layers' libraries: the parent, its data sent, waits looking at the export's
Cancel, not on a full pipe), paints the page with
`print_page.paint_page` as the window would, writes it to the path the header names and exits
0; or it says what went wrong on its error output and exits 1.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import sys

from planner_gui.export.page_process import HEADER


@dataclasses.dataclass(frozen=True)
class DrawnMap:
    """A page's map as the child gets it: its image (over `pixels`) and the bounds it shows, as
    `print_page.PrintContent` reads a drawn `render.MapDrawing`."""

    image: object  # QtGui.QImage over `pixels`
    shown: tuple[float, float, float, float]
    pixels: bytes = b""


def paint_from_input() -> None:
    """The page read from the input, painted and written."""
    source = sys.stdin.buffer
    header_bytes, pixel_bytes = HEADER.unpack(source.read(HEADER.size))
    header, pixels = source.read(header_bytes), source.read(pixel_bytes)
    from PySide6 import QtGui

    from planner_gui.export.print_page import paint_page, pdf_writer

    path, content, shown, width, height, stride, image_format = pickle.loads(header)
    _app = QtGui.QGuiApplication(["planner page"])  # fonts and text layout need one
    image = QtGui.QImage(pixels, width, height, stride, QtGui.QImage.Format(image_format))
    content = dataclasses.replace(content, map=DrawnMap(image, shown, pixels))
    writer = pdf_writer(path, content.spec, content.title)
    painter = QtGui.QPainter(writer)
    try:
        paint_page(painter, content, writer.resolution())
    finally:
        painter.end()
    del writer  # the file is complete only once the writer is gone


if __name__ == "__main__":
    try:
        paint_from_input()
    except Exception as exc:  # said to the parent, which names the file
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        os._exit(1)
    os._exit(0)  # the file is written and closed: the interpreter's teardown (Qt, pandas: 0.3 s) is not waited for
