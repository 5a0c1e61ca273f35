"""The docks fit a laptop (1366x768) and a desktop (1920x1080) screen, as the window first opens on
the Hanoi sample: no dock scrolls sideways, no control is cut, long messages wrap in place, the
Layers list keeps room for its layers when the Timeline or an attribute table opens, raising a tab
leaves the columns as they were, and what the sketch adds is in sight while sketching."""
from __future__ import annotations

import gc

import pytest
from PySide6 import QtCore, QtWidgets

from planner_gui.docks.layers import LAYER_LIST_ROWS
from planner_gui.docks.ward_chart import BAR_PX
from planner_gui.main_window import MainWindow
from tests.gui.conftest import SAMPLE_PROJECT
from tests.gui.helpers import collect_earlier_garbage, load

pytestmark = pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")

SCREENS = [(1366, 768), (1920, 1080)]
WIDTH_TOLERANCE_PX = 4  # a raised tab may move a column by a frame's width, not by a widget's
# a path has no space to break at: it must wrap all the same
MESSAGE = ("/home/planner/projects/hanoi_2035_metro_extension/street_networks/"
           "vietnam_north_geofabrik_extract_2026_11_30_clipped_to_the_city_boundary.osm.pbf has no street "
           "within walking distance of these stations: "
           + "Cát Linh, La Thành, Thái Hà, Láng, Thượng Đình, Vành Đai 3, Phùng Khoang, " * 6)[:500]


@pytest.fixture(params=SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def fitted(request, qtbot, tmp_path, sample_read_once):
    """The window as it first opens (no saved layout) at a screen's size, the sample loaded and measured."""
    collect_earlier_garbage()
    settings = QtCore.QSettings(str(tmp_path / "planner.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.resize(*request.param)
    window.show()
    qtbot.waitExposed(window)
    coverage = window.dashboard.coverage
    load(qtbot, window, [SAMPLE_PROJECT])
    qtbot.waitUntil(lambda: coverage.latest is not None and not coverage.busy(), timeout=20_000)
    yield window
    window.dashboard.shutdown()
    window.close()
    gc.collect()


def _on_screen(widget: QtWidgets.QWidget) -> bool:
    """Shown, and inside the window (a dock behind another tab is moved off it, yet 'visible')."""
    window = widget.window()
    where = QtCore.QRect(widget.mapTo(window, QtCore.QPoint(0, 0)), widget.size())
    return widget.isVisible() and window.rect().intersects(where)


def _inside_composite(widget: QtWidgets.QWidget) -> bool:
    """The parts Qt builds a combo box, spin box or scroll area of (its line edit, its scroll bars)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox)):
            return True
        if isinstance(parent, QtWidgets.QAbstractScrollArea) and widget is not parent.viewport() \
                and not parent.viewport().isAncestorOf(widget):
            return True  # its scroll bars, header corner
        parent = parent.parentWidget()
    return False


def _clipped(dock: QtWidgets.QDockWidget) -> list[str]:
    """Shown widgets of the dock smaller than their minimum size hint, or whose text is cut."""
    found = []
    for widget in dock.widget().findChildren(QtWidgets.QWidget):
        if not _on_screen(widget) or _inside_composite(widget):
            continue
        hint = widget.minimumSizeHint()
        text = widget.text() if isinstance(widget, QtWidgets.QAbstractButton) else ""
        if text:  # a button's text must fit whatever its size policy says
            need = widget.fontMetrics().horizontalAdvance(text.replace("&", "")) + 8
            if widget.width() < need:
                found.append(f"{type(widget).__name__} {text!r}: {widget.width()} px for {need} px of text")
        elif hint.isValid() and (hint.width() > widget.width() or hint.height() > widget.height()):
            label = widget.text()[:30] if isinstance(widget, QtWidgets.QLabel) else ""
            found.append(f"{type(widget).__name__} {label!r}: {widget.width()}x{widget.height()} "
                         f"under {hint.width()}x{hint.height()}")
    return found


def _scrolling_sideways(dock: QtWidgets.QDockWidget) -> list[str]:
    """Scroll areas that scroll sideways, or whose contents are wider than them (cut at the edge)."""
    areas = [area for area in dock.findChildren(QtWidgets.QAbstractScrollArea) if _on_screen(area)]
    return [type(area).__name__ for area in areas if area.horizontalScrollBar().isVisible()
            or isinstance(area, QtWidgets.QScrollArea) and area.widget().width() > area.viewport().width()]


def _right_tabs(window):
    return [window.results_dock, window.coverage_dock, window.overlap_dock, window.scenario_dock]


def test_each_tab_raised_fits_its_column_and_leaves_the_columns_as_they_were(qtbot, fitted):
    window = fitted
    overlap = window.dashboard.overlap
    qtbot.waitUntil(lambda: _on_screen(window.dashboard.coverage))
    widths = (window.layers_dock.width(), window.coverage_dock.width())
    assert window.canvas.width() >= window.width() * 0.5, (window.canvas.width(), widths)  # the map keeps half
    window.overlap_dock.raise_()
    overlap.recompute()  # its table filled, as the planner sees it
    qtbot.waitUntil(lambda: overlap.latest is not None and not overlap.runner.busy(), timeout=30_000)
    for tab in [*_right_tabs(window), window.coverage_dock]:
        tab.raise_()

        def fits(tab=tab):
            for dock in (window.layers_dock, tab):
                assert _on_screen(dock.widget()), dock.windowTitle()
                assert _scrolling_sideways(dock) == [], dock.windowTitle()
                assert _clipped(dock) == [], dock.windowTitle()
            assert abs(window.layers_dock.width() - widths[0]) <= WIDTH_TOLERANCE_PX, tab.windowTitle()
            assert abs(tab.width() - widths[1]) <= WIDTH_TOLERANCE_PX, (tab.windowTitle(), tab.width(), widths)

        qtbot.waitUntil(fits, timeout=5_000)
    # and the tabs' titles are written whole ('Ov…' names nothing)
    bars = [bar for bar in window.findChildren(QtWidgets.QTabBar) if _on_screen(bar)]
    assert bars
    for bar in bars:
        for i in range(bar.count()):
            assert bar.tabRect(i).width() >= bar.tabSizeHint(i).width(), bar.tabText(i)


def _rows_shown(view: QtWidgets.QListView) -> float:
    """How many lines of text (layer names) the list shows (a layer with style classes takes several)."""
    return view.viewport().height() / max(18, view.fontMetrics().height() + 4)


def test_the_timeline_and_a_table_leave_the_layers_list_and_the_ward_chart_their_room(qtbot, fitted):
    window = fitted
    panel, chart = window.layer_panel, window.dashboard.coverage.chart
    window.timeline_dock.show()
    layer = next(layer for layer in window.stack if layer.name.startswith("Wards"))
    window.open_attribute_table(layer)
    window.coverage_dock.raise_()
    qtbot.waitUntil(lambda: _on_screen(window.tables[id(layer)]))  # raised; the Timeline is the tab beside it

    def room():
        assert _rows_shown(panel.view) >= LAYER_LIST_ROWS
        assert chart.plot.getViewBox().height() >= 5 * BAR_PX, chart.height()  # five bars at least, on screen
        assert _on_screen(chart)
        # the bottom docks share one place as tabs, under the map, not beside each other
        bottom = [d for d in window.findChildren(QtWidgets.QDockWidget) if _on_screen(d)
                  and window.dockWidgetArea(d) == QtCore.Qt.DockWidgetArea.BottomDockWidgetArea]
        assert len(bottom) == 1, [d.windowTitle() for d in bottom]
        assert window.tabifiedDockWidgets(window.timeline_dock)

    qtbot.waitUntil(room, timeout=5_000)
    window.timeline_dock.raise_()  # under the map's width only: its controls fit there too

    def timeline_fits():
        assert _on_screen(window.dashboard.timeline)
        assert _scrolling_sideways(window.timeline_dock) == [] and _clipped(window.timeline_dock) == []

    qtbot.waitUntil(timeline_fits, timeout=5_000)


def test_a_long_message_wraps_without_widening_its_dock(qtbot, fitted):
    window = fitted
    docks = {window.coverage_dock: window.dashboard.coverage, window.overlap_dock: window.dashboard.overlap,
             window.scenario_dock: window.dashboard.scenarios}
    for dock, view in docks.items():
        dock.raise_()
        qtbot.waitUntil(lambda dock=dock: _on_screen(dock.widget()))
        width = dock.width()
        view.fail(MESSAGE)

        def wrapped(dock=dock, view=view, width=width):
            assert abs(dock.width() - width) <= WIDTH_TOLERANCE_PX, (dock.windowTitle(), width, dock.width())
            label = view.status
            assert label.wordWrap() and MESSAGE in label.text()
            assert label.height() >= 3 * label.fontMetrics().lineSpacing()  # several lines, not one wide one
            assert _scrolling_sideways(dock) == []

        qtbot.waitUntil(wrapped, timeout=5_000)


def test_what_the_sketch_adds_is_in_sight_while_sketching(qtbot, fitted):
    window = fitted
    gain = window.dashboard.sketch_gain
    window.overlap_dock.raise_()  # the planner was looking at another tab
    window.set_tool("plan_add")
    x, y = 590_000, 2_325_000  # east of Hoàn Kiếm, in the sample's UTM 48N
    with qtbot.waitSignal(gain.shown, timeout=20_000):
        window.session.sketch_add_station(x, y)
        window.session.sketch_add_station(x + 1500, y + 800)
    scroll = window.coverage_scroll

    def in_sight():
        assert _on_screen(gain)
        top = gain.mapTo(scroll.viewport(), QtCore.QPoint(0, 0)).y()
        assert top >= 0 and top + gain.height() <= scroll.viewport().height(), (top, gain.height(),
                                                                                scroll.viewport().height())

    qtbot.waitUntil(in_sight, timeout=5_000)
    # a gain measured again for another reason (the radius) leaves the tab the planner raised
    window.overlap_dock.raise_()
    with qtbot.waitSignal(gain.shown, timeout=20_000):
        window.dashboard.coverage.set_radius(800)
    qtbot.waitUntil(lambda: not gain.runner.busy(), timeout=20_000)
    QtWidgets.QApplication.processEvents()
    assert _on_screen(window.dashboard.overlap) and not _on_screen(gain)
