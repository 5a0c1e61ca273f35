"""The layout checks find what they say (`planner_gui.layout_check`), and the main window keeps the
place search in reach on a narrow screen."""
from __future__ import annotations

from PySide6 import QtWidgets

from planner_gui.layout_check import clipped_widgets, docks_scrolling_sideways, layout_report, reachable


def test_clipped_widgets_are_found_and_fitting_ones_are_not(qtbot):
    top = QtWidgets.QWidget()
    qtbot.addWidget(top)
    top.resize(300, 200)
    fits = QtWidgets.QPushButton("fits", top)
    fits.setGeometry(10, 10, 120, 40)
    outside = QtWidgets.QPushButton("outside", top)
    outside.setGeometry(250, 10, 120, 40)  # its right part is not drawn
    squeezed = QtWidgets.QComboBox(top)
    squeezed.addItem("a long choice that needs room to be read")
    squeezed.setGeometry(10, 100, 40, 30)  # under its minimum size hint
    scroll = QtWidgets.QScrollArea(top)
    scroll.setGeometry(10, 140, 100, 50)
    scroll.setWidget(QtWidgets.QLabel("scrolled contents, far wider than the area showing them"))
    top.show()
    qtbot.waitExposed(top)
    found = {c["widget"].split(" ")[0] + ":" + c["why"].split(" ")[0] for c in clipped_widgets(top)}
    assert any(item.startswith("QPushButton:reaches") for item in found)
    assert any(item.startswith("QComboBox:") for item in found)
    assert len([c for c in clipped_widgets(top) if "'fits'" in c["widget"]]) == 0
    assert not any("scrolled contents" in c["widget"] for c in clipped_widgets(top))  # scroll bars: checked apart


def test_a_dock_scrolling_sideways_is_found(qtbot):
    from PySide6 import QtCore

    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QtWidgets.QLabel("map"))
    scroll = QtWidgets.QScrollArea()
    scroll.setWidget(QtWidgets.QLabel("a very long line " * 20))
    dock = QtWidgets.QDockWidget("Wide", window)
    dock.setWidget(scroll)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resize(600, 300)
    window.show()
    qtbot.waitExposed(window)
    assert docks_scrolling_sideways(window) == ["Wide"]


def test_the_place_search_stays_in_reach_on_a_narrow_window(qtbot, window):
    """At the end of the tools it went behind the toolbar's overflow button when the window was
    narrower than the tools (1366 px and less with docks)."""
    window.resize(900, 700)
    qtbot.waitUntil(lambda: window.width() <= 1000)
    assert reachable(window.place_search, window)
    report = layout_report(window)
    assert report["place_search_reachable"] and not report["legend_shown"]
