"""The legend the QGIS way: each layer's classes under it in the Layers list; the legend over the map
off by default, foldable, movable, listing only the layers the view shows, a small share of the map,
and never under the attribution."""
from __future__ import annotations

from helpers import load
from PySide6 import QtCore
from pytestqt.qt_compat import qt_api


def _enabled_legend(qtbot, window, project):
    load(qtbot, window, [project])
    legend = window.canvas.legend
    legend.set_enabled(True)
    qtbot.waitUntil(lambda: legend.isVisible() and not legend.busy(), timeout=10_000)
    return legend


def test_the_legend_is_off_until_asked_for(qtbot, window, synthetic_project):
    load(qtbot, window, [synthetic_project])
    legend = window.canvas.legend
    qtbot.waitUntil(lambda: not legend.busy(), timeout=10_000)
    assert not legend.enabled and not legend.isVisible()
    action = next(a for a in window.menuBar().findChildren(qt_api.QtGui.QAction) if a.text() == "Le&gend")
    assert action.isCheckable() and not action.isChecked()
    action.trigger()
    qtbot.waitUntil(lambda: legend.isVisible() and bool(legend.entries), timeout=10_000)


def test_the_legend_lists_only_the_layers_in_the_view(qtbot, window, synthetic_project):
    """Zoomed into the far south-west corner (no station, no metro line there: checked with shapely
    in the working CRS), the legend lists neither; the full extent lists both again."""
    import shapely

    legend = _enabled_legend(qtbot, window, synthetic_project)
    session = window.session
    stations = next(layer for layer in session.layers if layer.role == "metro_station")
    lines = next(layer for layer in session.layers if layer.role == "metro_line")
    assert {stations.name, lines.name} <= {e.layer for e in legend.entries}
    districts = next(layer for layer in session.layers if layer.name == "districts")
    xmin, ymin, _, _ = districts.gdf.to_crs(session.working_crs).total_bounds
    view = (xmin + 200, ymin + 200, xmin + 1_200, ymin + 1_200)
    window.canvas.set_view(view)
    shown = window.canvas.view_bounds()
    for layer in (stations, lines):
        assert not layer.gdf.to_crs(session.working_crs).intersects(shapely.box(*shown)).any()
    qtbot.waitUntil(lambda: not legend.busy() and stations.name not in {e.layer for e in legend.entries},
                    timeout=10_000)
    assert lines.name not in {e.layer for e in legend.entries} and "districts" in {e.layer for e in legend.entries}
    window.canvas.full_extent()
    qtbot.waitUntil(lambda: not legend.busy() and stations.name in {e.layer for e in legend.entries}, timeout=10_000)


def test_the_legend_folds_and_moves_and_stays_small(qtbot, window, synthetic_project):
    legend = _enabled_legend(qtbot, window, synthetic_project)
    canvas = window.canvas
    assert legend.width() * legend.height() < 0.15 * canvas.width() * canvas.height()
    open_size = legend.size()
    qtbot.mouseClick(legend, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(20, 8))  # its heading
    assert legend.collapsed and legend.height() < open_size.height() and legend.isVisible()
    qtbot.mouseClick(legend, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(20, 8))
    assert not legend.collapsed and legend.size() == open_size
    before = legend.pos()
    legend.move_to(10, 10)  # what a drag to the top left ends with
    assert legend.pos() != before and legend.x() <= 12 and legend.y() <= 12
    window.resize(window.width() + 100, window.height() - 100)
    qtbot.waitUntil(lambda: canvas.rect().contains(legend.geometry()) and legend.x() <= 12, timeout=5_000)


def test_a_drag_moves_the_legend(qtbot, window, synthetic_project):
    from PySide6 import QtGui

    legend = _enabled_legend(qtbot, window, synthetic_project)
    start = legend.pos()
    press = QtCore.QPointF(legend.width() / 2, legend.height() / 2)
    global_press = QtCore.QPointF(legend.mapToGlobal(press.toPoint()))
    for kind, at in ((QtCore.QEvent.Type.MouseButtonPress, press),
                     (QtCore.QEvent.Type.MouseMove, press - QtCore.QPointF(150, 120)),
                     (QtCore.QEvent.Type.MouseButtonRelease, press - QtCore.QPointF(150, 120))):
        buttons = QtCore.Qt.MouseButton.NoButton if kind == QtCore.QEvent.Type.MouseButtonRelease \
            else QtCore.Qt.MouseButton.LeftButton
        event = QtGui.QMouseEvent(kind, at, global_press, QtCore.Qt.MouseButton.LeftButton, buttons,
                                  QtCore.Qt.KeyboardModifier.NoModifier)
        QtCore.QCoreApplication.sendEvent(legend, event)
    assert legend.x() < start.x() - 50 and legend.y() < start.y() - 50 and not legend.collapsed


def test_the_attribution_is_never_over_the_legend(qtbot, window, synthetic_project, tmp_path):
    """Dragged to the bottom left, where the credits are, the legend stays clear of them."""
    legend = _enabled_legend(qtbot, window, synthetic_project)
    credit = window.canvas.attribution
    credit.setText("Data: a long credit line of a data source that must be shown wherever the map is, " * 2)
    credit.setVisible(True)
    for corner in ((10, 10_000), (10_000, 10_000), (10, 10)):
        legend.move_to(*corner)
        credit.place()
        assert not credit.geometry().intersects(legend.geometry()), corner


def test_each_layer_lists_its_classes_under_it(qtbot, window, synthetic_project):
    """The metro lines are coloured by line and styled by status: the Layers list shows each under
    the layer, read from the data (the distinct lines and statuses), and the row grows to hold them."""
    from planner_gui.map.legend.classes import layer_classes

    load(qtbot, window, [synthetic_project])
    lines = next(layer for layer in window.stack if layer.role == "metro_line")
    qtbot.waitUntil(lambda: bool(layer_classes(lines)), timeout=10_000)  # worked out in a worker
    labels = [swatch.label for _, swatch in layer_classes(lines)]
    assert {"existing", "under construction", "planned"} == set(lines.gdf["status"].str.replace("_", " ")) & set(labels)
    assert len([label for label in labels if label.startswith("line")]) == lines.gdf["line"].nunique()
    view, model = window.layer_panel.view, window.layer_panel.model
    row = model.row_of(lines)
    one_line = view.fontMetrics().height()
    qtbot.waitUntil(lambda: view.visualRect(model.index(row)).height() > (1 + len(labels)) * one_line * 0.9)
    raster = next(layer for layer in window.stack if layer.role == "population")
    assert layer_classes(raster) == []


def test_no_label_is_placed_under_the_legend(qtbot, window, synthetic_project):
    """Station labels ran under the legend; now the legend's box is kept clear of them, wherever it is."""
    legend = _enabled_legend(qtbot, window, synthetic_project)
    canvas = window.canvas
    stations = next(layer for layer in window.stack if layer.role == "metro_station")
    x, y = stations.gdf.to_crs(window.session.working_crs).geometry.iloc[0].coords[0]
    point = canvas.map_to_screen(x, y)
    legend.move_to(point.x() - legend.width() // 2, point.y() - legend.height() // 2)  # over a station
    qtbot.waitUntil(lambda: legend.geometry().contains(canvas.map_to_screen(x, y)), timeout=5_000)
    (box,) = canvas._under_overlays()
    from planner_gui.map.labels import place_labels

    view, pixel_m = canvas.view_bounds(), canvas.pixel_size()
    candidates = []
    for layer in reversed(canvas._drawn_layers()):
        graphic = canvas.graphic(layer)
        if graphic is not None and layer.visible:
            xs, ys, texts = graphic.label_candidates(view)
            candidates += [(a, b, t, graphic.z) for a, b, t in zip(xs, ys, texts)]
    assert candidates
    kept = place_labels(candidates, pixel_m, 40, canvas.map_labels.font, keep_clear=[box])
    for label in kept:
        r = label.rect
        assert not (r[0] < box[2] and box[0] < r[2] and r[1] < box[3] and box[1] < r[3]), label.text
    assert set(canvas.labels()) == {label.text for label in kept}
    under = stations.gdf["name"].iloc[0]
    assert under in [text for _, _, text, _ in candidates] and under not in canvas.labels()


def test_a_legend_longer_than_its_box_is_cut_at_the_bottom_not_left_blank(qtbot, monkeypatch):
    """Over a laptop's map the legend scrolls: a layer that does not fit under the one before is drawn
    down to the box's foot (cut there), not sent to a second column the screen legend does not have,
    which had left the box blank below the first layer (Hanoi's metro lines at 1366 x 768)."""
    from planner_gui.map.legend import painter, widget
    from planner_gui.map.legend.entries import LegendEntry, Swatch

    def swatches(labels, shape):
        return [Swatch(label, shape, "#336699", None if shape == "line" else "#99ccff", pattern)
                for label, pattern in zip(labels, ["solid", "dashed", "dotted"] * 9)]

    entries = [LegendEntry("Tram stops", [("", swatches(["existing", "under construction", "planned"], "point"))]),
               LegendEntry("Tram lines", [("line", swatches([f"line T{i}" for i in range(1, 10)], "line")),
                                          ("status", swatches(["existing", "under construction", "planned"], "line"))])]
    drawn = []  # the layers whose rows the last painting drew
    real_row, real_painted = painter._legend_row, widget._painted

    def row(page, kind, item, *args):
        layer = item.layer if kind in ("layer", "ramp") else item[0].layer if kind == "swatch" else None
        if layer is not None and layer not in drawn:
            drawn.append(layer)
        return real_row(page, kind, item, *args)

    monkeypatch.setattr(painter, "_legend_row", row)
    monkeypatch.setattr(widget, "_painted", lambda *args: (drawn.clear(), real_painted(*args))[1])
    # a box the lines fit alone, but not under the stops
    height = next(h for h in range(100, 1000, 4) if widget.legend_image(entries[1:], (widget.WIDTH_PX, h), 1.0)[1])
    assert not widget.legend_image(entries, (widget.WIDTH_PX, height), 1.0)[1]
    image, fitted = widget.legend_image(entries, (widget.WIDTH_PX, height), 1.0)
    assert not fitted and drawn == ["Tram stops", "Tram lines"]
