"""Small helpers shared by the GUI tests."""
from __future__ import annotations

import gc

from pyproj import Transformer

from layers.crs import HANOI_CRS

TO_UTM = Transformer.from_crs(4326, HANOI_CRS, always_xy=True)


def utm(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_UTM.transform(lon, lat)
    return float(x), float(y)


def load(qtbot, window, paths, timeout=20_000):
    """Open files in the window and wait for the background job to finish (no sleeping)."""
    with qtbot.waitSignal(window.loading_finished, timeout=timeout):
        job = window.open_files(paths)
    return job


def shown_canvas(qtbot, session, size=(500, 360)):
    """A MapCanvas of `session`, shown at `size` and zoomed to all its layers."""
    from planner_gui.map.canvas import MapCanvas

    view = MapCanvas(session)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    view.full_extent()
    return view


def collect_earlier_garbage() -> None:
    """Before a window is made: the garbage of earlier tests collected here, in the GUI thread (so that
    Python's collector never frees a Qt object from inside a worker thread), and what is still alive
    then (the modules imported, and what they keep) moved to the collector's permanent generation
    (gc.freeze, as layers.io.sliced does for a layer's geometries): every later collection walks this
    test's objects only, not again the millions of all the modules (about 0.1 s a collection, twice
    a window test). The window made after is not frozen: the collection after the test frees it."""
    gc.collect()
    gc.freeze()
