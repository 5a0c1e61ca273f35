"""Small helpers shared by the GUI tests."""
from __future__ import annotations

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
