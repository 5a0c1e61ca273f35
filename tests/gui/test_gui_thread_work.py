"""What a change asks of the GUI thread beyond what it shows: nothing laid out again that did not move.

The Coverage dock measures again after every year on the timeline; its progress bar, shown past
half a second of measuring and hidden when the measure ends or is cancelled, kept no room of its
own, so each time it came or went the zone chart below moved and was laid out again (a text
item per zone: 20-30 ms of the GUI thread).
"""
from __future__ import annotations

from PySide6 import QtWidgets

from planner_gui.docks.base import status_label
from planner_gui.docks.coverage_figures import CoverageFigures


def test_the_progress_bar_coming_and_going_moves_nothing_below_the_figures(qtbot):
    holder = QtWidgets.QWidget()
    figures = CoverageFigures(status_label())
    chart = QtWidgets.QLabel("the zone chart")
    layout = QtWidgets.QVBoxLayout(holder)
    layout.addWidget(figures)
    layout.addWidget(chart, 1)
    qtbot.addWidget(holder)
    holder.resize(360, 600)
    holder.show()
    qtbot.waitExposed(holder)
    where = (chart.y(), chart.height(), figures.height())
    for shown in (True, False, True):
        figures.progress.setVisible(shown)
        layout.activate()
        assert figures.progress.isVisible() == shown
        assert (chart.y(), chart.height(), figures.height()) == where
