"""The legend over the map is painted in a worker, as the GUI thread would paint it, and painted
again at its new size when the map is resized (`planner_gui.map.legend`)."""
from __future__ import annotations

import numpy as np
from helpers import load


def _pixels(image) -> np.ndarray:
    from PySide6 import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].copy()


def test_the_legend_painted_in_a_worker_is_the_one_painted_here(qtbot, window, synthetic_project):
    import threading

    from planner_gui.map.legend import widget as legend_module

    painted_in = []
    real = legend_module.legend_image

    def noted(*args):
        painted_in.append(threading.current_thread() is threading.main_thread())
        return real(*args)

    legend = window.canvas.legend
    legend.set_enabled(True)
    legend_module.legend_image = noted
    try:
        load(qtbot, window, [synthetic_project])
        qtbot.waitUntil(lambda: bool(legend.entries) and not legend.busy(), timeout=15_000)
        shown = _pixels(legend.grab().toImage())
        assert painted_in and not any(painted_in)  # in the worker only
        size, ratio = (legend.width(), legend.height()), legend.devicePixelRatioF()
        here, _ = real(legend.entries, size, ratio)
        assert np.array_equal(_pixels(here), _pixels(legend._picture[1]))
        assert shown.shape == _pixels(here).shape

        window.resize(window.width() - 300, window.height() - 200)  # a smaller map: a legend of its own size
        qtbot.waitUntil(lambda: (legend.width(), legend.height()) != size, timeout=5_000)
        legend.grab()
        assert painted_in[-1]  # painted again, here, at the new size
        assert legend._picture[1].width() == round(legend.width() * ratio)
    finally:
        legend_module.legend_image = real


def test_an_export_paints_the_legend_at_its_own_pixel_ratio(qtbot, window, synthetic_project, monkeypatch):
    """A map exported at twice the screen's pixels gets a legend painted at twice the pixels, not
    the screen's legend enlarged (blurred)."""
    import pytest

    from planner_gui.export.render import render_map_image
    from planner_gui.map.legend import widget as legend_module

    load(qtbot, window, [synthetic_project])
    legend = window.canvas.legend
    legend.set_enabled(True)
    qtbot.waitUntil(lambda: bool(legend.entries) and not legend.busy(), timeout=15_000)
    ratios = []
    real = legend_module.legend_image

    def noted(entries, size, ratio, first=0):
        ratios.append(ratio)
        return real(entries, size, ratio, first)

    monkeypatch.setattr(legend_module, "legend_image", noted)
    canvas = window.canvas
    render_map_image(canvas, canvas.width() * 2, canvas.height() * 2, scale=2.0)
    assert ratios and all(r == pytest.approx(2.0, rel=0.01) for r in ratios)
