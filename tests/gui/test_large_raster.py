"""A display-only (large) raster on the map: the overview at full extent, a window read at screen
resolution in a worker thread after zooming in, newest view wins, the GUI never waits."""
from __future__ import annotations


import numpy as np
import pytest
import rasterio
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.windows import Window

import layers.io.raster_load as io
from layers.io import read_raster
from layers.session import Session
from planner_gui.map.canvas import MapCanvas
from planner_gui.map.layers.raster import RasterGraphic

WEST, NORTH, CELL, N = 570_000.0, 2_340_000.0, 5.0, 4000  # 20 km square of 5 m cells in EPSG:32648


@pytest.fixture
def big_tif(tmp_path, monkeypatch):
    """4000 x 4000 uint8, tiled, deflate, overviews; the threshold is lowered so it is 'large'."""
    monkeypatch.setattr(io, "LARGE_RASTER_PIXELS", 1_000_000)
    path = tmp_path / "big_image.tif"
    row = (np.arange(N) // 40 % 250 + 1).astype("uint8")
    with rasterio.open(
        path, "w", driver="GTiff", width=N, height=N, count=1, dtype="uint8", crs="EPSG:32648",
        transform=from_origin(WEST, NORTH, CELL, CELL), tiled=True, compress="deflate", nodata=0,
    ) as dst:
        dst.write(np.broadcast_to(row, (N, N)), 1, window=Window(0, 0, N, N))
        dst.build_overviews([2, 4, 8, 16], Resampling.nearest)
    return path


@pytest.fixture
def canvas(qtbot, big_tif):
    session = Session()
    view = MapCanvas(session)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    layer = read_raster(big_tif)
    assert layer.display_only
    session.add_layer(layer)
    graphic = view.graphic(layer)
    yield view, graphic
    if graphic.reader is not None:
        graphic.reader.cancel()
        qtbot.waitUntil(lambda: not graphic.reader.busy(), timeout=5000)


def _rect(graphic: RasterGraphic):
    r = graphic.image.mapRectToParent(graphic.image.boundingRect())
    return (r.left(), r.top(), r.right(), r.bottom())


def test_full_extent_draws_the_overview(qtbot, canvas):
    view, graphic = canvas
    assert isinstance(graphic, RasterGraphic)
    assert graphic.window_bounds is None  # the 2048 px overview is finer than the screen here
    assert graphic.image.image.shape[:2] == graphic.layer.array.shape
    assert _rect(graphic) == pytest.approx((WEST, NORTH - N * CELL, WEST + N * CELL, NORTH))


def test_zooming_in_reads_the_window_in_view_at_screen_resolution(qtbot, canvas):
    view, graphic = canvas
    overview_cell = (N * CELL) / graphic.layer.array.shape[1]
    # 6 x 4.5 km on 800 x 600 px: 7.5 m a screen pixel, between the file's 5 m and the overview's 9.8 m
    window = (WEST + 6_000, NORTH - 10_500, WEST + 12_000, NORTH - 6_000)
    view.set_view(window)
    assert graphic.reader.busy()  # the GUI does not wait for the read: it runs in its own thread
    qtbot.waitUntil(lambda: graphic.window_bounds is not None and not graphic.reader.busy(), timeout=5000)
    shown = view.view_bounds()
    pixel_m = view.pixel_size()
    # The window read is the view (snapped to the file's 5 m cells), and the image's rect is it.
    assert graphic.window_bounds == pytest.approx(shown, abs=CELL)
    assert _rect(graphic) == pytest.approx(graphic.window_bounds)
    rows, cols = graphic.image.image.shape[:2]
    cell = (graphic.window_bounds[2] - graphic.window_bounds[0]) / cols
    assert cell == pytest.approx(pixel_m, rel=0.05), "about one image pixel per screen pixel"
    assert CELL < cell < overview_cell
    # The data is the file's: value 1 + (column // 40) % 250 at the window's west edge.
    column = int(round((graphic.window_bounds[0] - WEST) / CELL))
    lut_value = graphic.image.image[rows // 2, 0]
    expected = graphic.lut[int(np.clip((1 + column // 40 % 250 - graphic.levels[0]) / (graphic.levels[1] - graphic.levels[0]), 0, 1) * 255)]
    assert tuple(lut_value) == pytest.approx(tuple(expected), abs=2)


def test_newest_view_wins_and_zooming_out_returns_to_the_overview(qtbot, canvas):
    view, graphic = canvas
    view.set_view((WEST + 1_000, NORTH - 3_000, WEST + 3_000, NORTH - 1_500))
    last = (WEST + 12_000, NORTH - 16_000, WEST + 14_000, NORTH - 14_500)
    view.set_view(last)
    qtbot.waitUntil(lambda: graphic.window_bounds is not None and not graphic.reader.busy(), timeout=5000)
    assert graphic.window_bounds == pytest.approx(view.view_bounds(), abs=CELL)
    view.full_extent()
    assert graphic.window_bounds is None
    assert graphic.image.image.shape[:2] == graphic.layer.array.shape
