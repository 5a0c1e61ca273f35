"""Render the main window on the Hanoi sample to docs/main_window.png (offscreen, no display needed).

Run: python docs/screenshot_main_window.py [output.png]
It opens the bundled project exactly as `planner` does, zooms to urban Hanoi (the Red River,
West Lake and the metro lines), identifies Cát Linh station with the identify tool, and grabs
the window.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyproj import Transformer  # noqa: E402

from layers.crs import HANOI_CRS  # noqa: E402

URBAN_HANOI = (105.70, 20.93, 105.97, 21.12)  # lon/lat: the core districts, both river banks
CAT_LINH = (105.8280, 21.0282)


def main(out: str | os.PathLike = ROOT / "docs" / "main_window.png") -> Path:
    from PySide6 import QtCore, QtWidgets

    from planner_gui.app import open_window

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = open_window([])
    window.resize(1600, 1000)
    window.show()
    loop = QtCore.QEventLoop()
    window.loading_finished.connect(loop.quit)
    QtCore.QTimer.singleShot(60_000, loop.quit)
    if window.loader.busy():
        loop.exec()
    to_utm = Transformer.from_crs(4326, HANOI_CRS, always_xy=True)
    xmin, ymin = to_utm.transform(*URBAN_HANOI[:2])
    xmax, ymax = to_utm.transform(*URBAN_HANOI[2:])
    window.canvas.set_view((xmin, ymin, xmax, ymax))
    lines = next((layer for layer in window.stack if layer.role == "metro_line"), None)
    if lines is not None:
        window.layer_panel.select(lines)
    window.set_tool("identify")
    x, y = to_utm.transform(*CAT_LINH)
    window.tools["identify"].click(x, y)
    window._show_coordinates(x, y)
    app.processEvents()
    out = Path(out)
    window.grab().save(str(out))
    window.close()
    return out


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
