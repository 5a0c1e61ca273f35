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
