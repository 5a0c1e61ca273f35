"""While the view pans or zooms the map shows the picture taken when it last stood still, moved
with the view (one image a frame, whatever the layers cost); once it stops, the layers redrawn
exactly for the new view take the picture's place (`planner_gui.map.moving_picture`)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import load


@pytest.fixture
def synthetic_window(qtbot, window, synthetic_project):
    load(qtbot, window, [synthetic_project])
    return window


def _pixels(image) -> np.ndarray:
    from PySide6 import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3].astype(int)


def _agree(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels of the same colour (to a few levels) in a and b."""
    return float((np.abs(a - b).max(axis=2) <= 8).mean())


def test_a_moving_map_is_its_still_picture_moved_then_the_exact_map(qtbot, synthetic_window, tmp_path):
    canvas = synthetic_window.canvas
    picture = canvas.moving_picture
    qtbot.waitUntil(lambda: picture.fresh, timeout=15_000)
    still = _pixels(canvas.grab().toImage())
    if os.environ.get("PLANNER_TEST_SHOTS"):
        canvas.grab().save(f"{os.environ['PLANNER_TEST_SHOTS']}/still.png")
    shift = 60  # screen pixels: the view moves east, the map on screen west
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    dx = shift * (xmax - xmin) / canvas.view_box.width()
    canvas.view_box.setRange(xRange=(xmin + dx, xmax + dx), yRange=(ymin, ymax), padding=0)
    assert picture.moving  # the layers' items are hidden, the picture is drawn
    assert not canvas.view_box.childGroup.isVisible()
    moving = _pixels(canvas.grab().toImage())
    if os.environ.get("PLANNER_TEST_SHOTS"):
        canvas.grab().save(f"{os.environ['PLANNER_TEST_SHOTS']}/moving.png")
    height, width = still.shape[:2]
    # the map's body, above the legend, scale bar and credits laid over its lower part
    rows, cols = slice(int(height * 0.3), int(height * 0.5)), slice(0, width - shift)
    moved = (slice(rows.start, rows.stop), slice(cols.start + shift, cols.stop + shift))
    assert _agree(moving[rows, cols], still[moved]) > 0.97  # the still picture, moved by the pan
    assert _agree(moving[rows, cols], still[rows, cols]) < 0.9  # and it did move: the map is not uniform here
    qtbot.waitUntil(lambda: not picture.moving and not canvas.busy(), timeout=15_000)
    assert canvas.view_box.childGroup.isVisible() and not picture.item.isVisible()
    exact = _pixels(canvas.grab().toImage())
    # the layers redrawn for the new view show what the moved picture showed (labels may be placed anew)
    assert _agree(exact[rows, cols], moving[rows, cols]) > 0.95
    if os.environ.get("PLANNER_TEST_SHOTS"):
        for name, image in (("still", still), ("moving", moving), ("exact", exact)):
            from PySide6 import QtGui
            rgb = np.ascontiguousarray(image.astype(np.uint8))
            QtGui.QImage(rgb.data, width, height, width * 3, QtGui.QImage.Format.Format_BGR888).save(
                f"{os.environ['PLANNER_TEST_SHOTS']}/{name}.png")


def test_a_change_while_the_map_stands_still_drops_the_picture(qtbot, synthetic_window):
    canvas = synthetic_window.canvas
    picture = canvas.moving_picture
    qtbot.waitUntil(lambda: picture.fresh, timeout=15_000)
    layer = list(synthetic_window.session.layers)[-1]
    synthetic_window.session.layers.set_visible(layer, False)
    assert not picture.fresh  # the old picture still shows the hidden layer: never drawn again
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    canvas.view_box.setRange(xRange=(xmin + 50, xmax + 50), yRange=(ymin, ymax), padding=0)
    assert not picture.moving  # so the move paints the layers themselves
    qtbot.waitUntil(lambda: picture.fresh, timeout=15_000)  # and a new picture is taken once it stands still
