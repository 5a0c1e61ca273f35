"""Render the main window on the Hanoi sample to docs/main_window.png (offscreen, no display needed).

Run: python docs/screenshot_main_window.py [output.png]
It opens the bundled project exactly as `planner` does, zooms to urban Hanoi (the Red River,
West Lake and the metro lines), identifies Cát Linh station with the identify tool (its attributes in the Identify dock), and
grabs the window.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from shots import ROOT, close, figures_settled, grab, main_window, show_lonlat, until

CAT_LINH = (105.8280, 21.0282)


def main(out: str | os.PathLike = ROOT / "docs" / "main_window.png") -> Path:
    from layers.crs import transformer

    app, window = main_window()
    show_lonlat(window)
    window.canvas.legend.set_enabled(True)  # View > Legend: what the view shows, over the map
    lines = next((layer for layer in window.stack if layer.role == "metro_line"), None)
    if lines is not None:
        window.layer_panel.select(lines)
    window.set_tool("identify")
    x, y = transformer("EPSG:4326", window.session.working_crs).transform(*CAT_LINH)
    window.tools["identify"].click(x, y)
    window._show_coordinates(x, y)
    until(app, lambda: figures_settled(window))
    window.results_dock.raise_()  # what Identify found at Cát Linh
    path = grab(app, window, out)
    close(window)
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
