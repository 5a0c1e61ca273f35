"""Layer panel styling, the attribute table, labels and the `planner measure` dispatch."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from helpers import load
from PySide6 import QtCore

from planner_gui.main_window import MainWindow
from planner_gui.map.canvas import LABEL_CAP


@pytest.fixture
def window(qtbot, hanoi_project, sample_read_once):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitExposed(w)
    load(qtbot, w, [hanoi_project])
    return w


def _role(window, role):
    return next(layer for layer in window.stack if layer.role == role)


def test_metro_lines_draw_in_their_line_colours_with_status_patterns(window):
    lines = _role(window, "metro_line")
    items = window.canvas.graphic(lines).items()[1:]  # path items, one per style class
    colours = {item.pen().color().name() for item in items}
    assert set(lines.gdf["colour"].str.lower()) <= colours
    dashes = {tuple(item.pen().dashPattern()) for item in items}
    assert len(dashes) >= 2  # existing solid, the others dashed or dotted


def test_panel_colour_category_and_opacity_go_through_the_stack(window):
    panel, canvas = window.layer_panel, window.canvas
    water = _role(window, "water")
    panel.select(water)
    panel.set_colour(water, "#ff00ff")
    assert water.style.stroke == "#ff00ff"
    assert canvas.graphic(water).items()[1].pen().color().name() == "#ff00ff"
    wards = _role(window, "ward")
    panel.set_category_field(wards, "name")
    assert len(canvas.graphic(wards).classes) == min(len(set(wards.gdf["name"])), len(wards.gdf))
    panel.opacity.setValue(40)
    assert water.opacity == pytest.approx(0.4)
    assert all(item.opacity() == pytest.approx(0.4) for item in canvas.items_for(water))


def test_remove_from_the_panel_removes_from_the_map(window):
    panel, canvas = window.layer_panel, window.canvas
    bridges = _role(window, "bridge")
    items = canvas.graphic(bridges).items()
    panel.select(bridges)
    panel._remove()
    assert bridges not in window.stack
    assert not set(items) & set(canvas.scene().items())


def test_station_labels_are_capped_and_only_for_features_in_view(window):
    canvas = window.canvas
    canvas.full_extent()
    labels = canvas.labels()
    assert 0 < len(labels) <= LABEL_CAP
    stations = _role(window, "metro_station")
    window.stack.set_visible(stations, False)
    assert not set(canvas.labels()) & set(stations.gdf["name"])
    canvas.set_view((0, 0, 1000, 1000))  # nowhere near Hanoi
    assert canvas.labels() == []


def test_attribute_table_sorts_filters_and_highlights_on_the_map(qtbot, window):
    stations = _role(window, "metro_station")
    table = window.open_attribute_table(stations)
    assert table.model.rowCount() == len(stations.gdf)
    assert "geometry" not in table.model.columns
    name_col = table.model.columns.index("name")
    with qtbot.waitSignal(table.rows_shown):
        table.table.sortByColumn(name_col, QtCore.Qt.SortOrder.AscendingOrder)
    shown = [table.model.index(r, name_col).data() for r in range(table.model.rowCount())]
    assert shown == sorted(shown)
    with qtbot.waitSignal(table.rows_shown):
        table.filter.setText("cát linh")  # any column, any case
    assert 1 <= table.model.rowCount() < len(stations.gdf)
    row = next(r for r in range(table.model.rowCount()) if table.model.index(r, name_col).data() == "Cát Linh")
    with qtbot.waitSignal(table.rows_selected) as blocker:
        table.table.selectRow(row)
    layer, rows = blocker.args
    assert layer is stations and stations.gdf["name"].iloc[rows[0]] == "Cát Linh"
    assert window.canvas._highlight_points.data.size == 1


def test_planner_measure_dispatches_to_the_cli_without_importing_qt(tmp_path):
    fake = tmp_path / "fake"
    (fake / "layers").mkdir(parents=True)
    script = textwrap.dedent(
        """
        import sys, types
        import layers
        cli = types.ModuleType("layers.cli")
        cli.main = lambda argv: print("cli got", argv) or 7
        sys.modules["layers.cli"] = cli
        from planner_gui.app import main
        code = main(["measure", "--radius-m", "500"])
        qt = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")]
        print("exit", code, "qt", qt)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "cli got ['--radius-m', '500']" in out
    assert "exit 7 qt []" in out


def test_the_attribute_table_opens_wide_beside_the_timeline(qtbot, window):
    """Before: it opened as a 190 px column next to the Timeline."""
    stations = _role(window, "metro_station")
    window.timeline_dock.show()
    dock = window.open_attribute_table(stations).parentWidget()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.width() > 0, timeout=5_000)
    assert dock.width() >= window.centralWidget().width()  # the width of the map, at least


def test_labels_placed_again_in_the_same_place_ask_nothing_of_qt(window, monkeypatch):
    """A view change places mostly the same labels again: those keep their items untouched."""
    from planner_gui.map.label_items import MapLabels

    canvas = window.canvas
    canvas.full_extent()
    shown = canvas.labels()
    assert shown
    set_again = []
    real = MapLabels._set
    monkeypatch.setattr(MapLabels, "_set", lambda self, *args: (set_again.append(args[1:]), real(self, *args)))
    canvas.refresh_labels()
    assert canvas.labels() == shown and set_again == []
    x0, y0, x1, y1 = canvas.view_bounds()
    canvas.set_view((x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3, x1, y1))  # closer: some labels change
    assert set_again and len(set_again) <= len(canvas.labels())
