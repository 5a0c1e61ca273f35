"""The Coverage dock's figures are never clipped, even when the Timeline dock takes half the window."""
from __future__ import annotations

import gc

import pytest
from PySide6 import QtCore, QtWidgets

from planner_gui.main_window import MainWindow
from tests.gui.conftest import SAMPLE_PROJECT
from tests.gui.helpers import collect_earlier_garbage, load

pytestmark = pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")


@pytest.fixture
def window(qtbot, sample_read_once):
    collect_earlier_garbage()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    shown = []
    window.dashboard.coverage.figures_shown.connect(shown.append)
    load(qtbot, window, [SAMPLE_PROJECT])
    qtbot.waitUntil(lambda: bool(shown) and not window.dashboard.coverage.busy(), timeout=20_000)
    yield window
    window.dashboard.shutdown()
    window.close()
    gc.collect()


@pytest.mark.parametrize("dock_width", [520, 330])
def test_figures_are_not_clipped_when_the_timeline_takes_half_the_height(qtbot, window, dock_width):
    panel = window.dashboard.coverage
    window.resizeDocks([window.coverage_dock], [dock_width], QtCore.Qt.Orientation.Horizontal)
    window.timeline_dock.show()
    window.resizeDocks([window.timeline_dock], [500], QtCore.Qt.Orientation.Vertical)
    window.coverage_dock.raise_()

    def nothing_clipped():  # checked again as Qt lays the docks out, until it holds (or times out)
        labels = [w for w in panel.figures_box.findChildren(QtWidgets.QLabel) if w.isVisible() and w.text()]
        assert panel.title_label in labels and panel.crs_label in labels
        for label in labels:
            need = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
            assert label.height() >= need, (label.text(), label.width(), label.height(), need)
            # and the label lies inside the box, not cut off by its frame
            bottom = label.mapTo(panel.figures_box, QtCore.QPoint(0, label.height())).y()
            assert bottom <= panel.figures_box.contentsRect().bottom() + 1, label.text()

    qtbot.waitUntil(nothing_clipped, timeout=5_000)


def test_a_tall_dock_needs_no_scroll_bar_and_the_chart_takes_the_room(qtbot, window):
    panel = window.dashboard.coverage
    window.timeline_dock.hide()
    window.resizeDocks([window.coverage_dock], [520], QtCore.Qt.Orientation.Horizontal)
    window.coverage_dock.raise_()
    scroll = window.coverage_scroll

    def laid_out():  # checked again as Qt lays the docks out, until it holds (or times out)
        assert scroll.viewport().height() > 700
        assert scroll.verticalScrollBar().maximum() == 0  # it all fits: nothing to scroll
        assert panel.height() == scroll.viewport().height()
        assert panel.chart.height() > 300  # the chart stretches into what is left

    qtbot.waitUntil(laid_out, timeout=5_000)


def test_a_long_ward_name_is_written_whole_on_the_chart(qtbot):
    import pandas as pd

    from planner_gui.docks.ward_chart import WardChart

    chart = WardChart()
    qtbot.addWidget(chart)
    chart.set_values(pd.Series({"Phường Văn Miếu - Quốc Tử Giám": 12.5, "Phường Láng": 3.0}), "share (%)")
    axis = chart.plot.getAxis("left")
    ticks = [label for _, label in axis._tickLevels[0]]
    assert "Phường Văn Miếu - Quốc Tử Giám" in ticks
    # and the axis is wide enough for it (pyqtgraph leaves out a label that does not fit)
    from PySide6 import QtGui

    assert axis.minimumWidth() >= QtGui.QFontMetrics(axis.font()).horizontalAdvance("Phường Văn Miếu - Quốc Tử Giám")


def test_the_same_figures_again_redraw_nothing_and_new_ones_redraw(qtbot, monkeypatch):
    import pandas as pd

    from planner_gui.docks.ward_chart import WardChart

    chart = WardChart()
    qtbot.addWidget(chart)
    values = pd.Series({"Phường Láng": 3.0, "Phường Cầu Giấy": 12.5})
    notes = pd.Series({"Phường Láng": "0.2 km²", "Phường Cầu Giấy": "1.1 km²"})
    chart.set_values(values, "share (%)", 100.0, notes)
    redraws = []
    real = chart._redraw
    monkeypatch.setattr(chart, "_redraw", lambda *a, **k: (redraws.append(1), real(*a, **k)))
    chart.set_values(values.copy(), "share (%)", 100.0, notes.copy())
    assert redraws == []
    chart.set_values(values, "share (%)", 100.0, notes.replace("1.1 km²", "1.2 km²"))
    assert len(redraws) == 1 and chart.note_texts()["Phường Cầu Giấy"] == "1.2 km²"
    chart.set_values(values.rename({"Phường Láng": "Phường Láng Thượng"}), "share (%)", 100.0)
    assert len(redraws) == 2 and "Phường Láng Thượng" in chart.order
    chart.set_values(values.rename({"Phường Láng": "Phường Láng Thượng"}), "share (%)", 1.0)
    assert len(redraws) == 3 and chart.scale == 1.0
