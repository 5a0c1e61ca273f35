"""The map: a pyqtgraph view in the session's working metric CRS that draws its two stacks.

The canvas observes the session's input layers and its results (`stack.events`, one handler per signal; the
results are drawn under the network layers, so a catchment tints the map without hiding the
lines) and the session's working CRS (a new CRS redraws everything in it). It keeps, per layer, a
few batched graphics items: for lines and polygons one FeaturesItem per style class, painting its
features one after the other as QGIS does (`planner_gui.map.feature_painter`), one ScatterPlotItem
for points, one ImageItem for a raster, one ImageItem for features smaller than a pixel, and a small
pool of plain Qt label items (`label_items`). After every pan or zoom (debounced) each vector
layer is culled to the view and simplified to the zoom level (see `planner_gui.map.geometry`). A
layer of more than LARGE_LAYER_FEATURES features, or held as arrays, is drawn as a picture painted in a worker
instead (`planner_gui.map.layers.large_vector`), so a million-footprint layer never holds up the GUI
thread. Each drawn kind is one module of `planner_gui.map.layers`, over `base.LayerGraphic`.

The stacks are the truth: hiding a layer takes its items out of the scene, moving it restacks
the z-values (index * 10), and nothing here is saved anywhere but in the session.
"""
from __future__ import annotations

import contextlib
import html

import numpy as np
import pyqtgraph as pg
from pyproj import CRS
from PySide6 import QtCore, QtGui, QtWidgets

from layers.compact_layer import LARGE_LAYER_FEATURES, CompactVectorLayer
from layers.layer import Layer, RasterLayer
from layers.session import NETWORK_ROLES, Session
from planner_gui.map.attribution import MapAttribution
from planner_gui.map.layers.basemap import Basemap
from planner_gui.map.label_items import MapLabels
from planner_gui.map.labels import place_labels
from planner_gui.map.layers.base import LayerGraphic
from planner_gui.map.layers.large_vector import LargeVectorGraphic
from planner_gui.map.layers.points import PointGraphic
from planner_gui.map.layers.raster import RasterGraphic
from planner_gui.map.layers.vector import VectorGraphic
from planner_gui.map.legend.widget import MapLegend
from planner_gui.map.moving_picture import MovingPicture
from planner_gui.map.scale_bar import ScaleBar
from planner_gui.map.pens import MAP_BACKGROUND, pen
from planner_gui.map.worked_out_ahead import WorkedOutAhead

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

LABEL_CAP = 40  # labels drawn at once, at most
Z_STEP = 10
REDRAW_AFTER_MS = 100  # a pan or zoom ends when the view has rested this long
Z_HIGHLIGHT = 1_000_000
Z_LABELS = 1_000_100
EMPTY_HINT = ("<p style='font-size:15pt; color:#555'>No city yet</p><p style='color:#666'>Open a project or "
              "GIS files with <b>File &gt; Open</b> (Ctrl+O), or drop them here.</p>")
LOADING_HINT = "<p style='font-size:15pt; color:#555'>Loading {what}…</p><p style='color:#666'>The progress is in the " \
               "status bar, below; Cancel stops it.</p>"
EMPTY_CRS = CRS.from_epsg(3857)  # an empty map has no working CRS yet; nothing is measured in this one


class MapCanvas(pg.GraphicsView):
    """The map view. Signals carry map coordinates in the working CRS (metres)."""

    mouse_moved = QtCore.Signal(float, float)
    clicked = QtCore.Signal(float, float, object)  # x, y, the pyqtgraph MouseClickEvent
    view_changed = QtCore.Signal()

    def __init__(self, session: Session, parent=None, paints_at_once: bool = False, view_later: bool = False):
        """`paints_at_once`: a large layer's picture is painted in the calling thread, not a worker
        (an export's twin canvas drawn here and now, `planner_gui.export.render.MapDrawing`).
        `view_later`: the layers' graphics are made and drawn first when a view is set (`set_view`,
        `showing`, a layer a step), not at the default view (an export's twin, shown its view once
        laid out: drawing every layer twice, and a large layer's picture of a view nobody asked
        for, were work for nothing, and making every layer's graphics at once a long turn of
        the GUI thread)."""
        super().__init__(parent, background=MAP_BACKGROUND)
        self.session = session
        self.stack = session.layers
        self.working_crs = session.working_crs or EMPTY_CRS
        self.paints_at_once = paints_at_once
        self._view_later = view_later
        self.view_box = pg.ViewBox(lockAspect=1.0, enableMenu=False, defaultPadding=0.02)
        self.view_box.setMouseMode(pg.ViewBox.PanMode)
        self.setCentralItem(self.view_box)
        self.setAcceptDrops(False)  # let file drops reach the main window
        self.graphics: dict[int, LayerGraphic] = {}
        self._loading: str | None = None
        self._labelled: set[int] = set()  # ids of the layers that had a label field when labels were placed
        self._highlight = QtWidgets.QGraphicsPathItem()
        self._highlight.setPen(pen("#ffd400", 4.0))
        self._highlight.setBrush(QtGui.QBrush(QtGui.QColor(255, 212, 0, 90)))
        self._highlight.setZValue(Z_HIGHLIGHT)
        self._highlight_points = pg.ScatterPlotItem(pxMode=True, size=16, pen=pg.mkPen("#ffb000", width=3), brush=None)
        self._highlight_points.setZValue(Z_HIGHLIGHT + 1)
        self.view_box.addItem(self._highlight, ignoreBounds=True)
        self.view_box.addItem(self._highlight_points, ignoreBounds=True)
        self.map_labels = MapLabels(self.view_box, Z_LABELS)
        self.moving_picture = MovingPicture(self)
        self.ahead = WorkedOutAhead(session, self)  # what the timeline, legend and Layers list read of layers, early
        # the exact redraw once the view has rested this long; until then it moves on its picture
        self._timer = QtCore.QTimer(self, singleShot=True, interval=REDRAW_AFTER_MS)
        self._timer.timeout.connect(self._refresh_in_steps)
        # a view a planner jumps to (zoom to a layer): drawn exactly at the next turn of the event loop
        self._soon = QtCore.QTimer(self, singleShot=True, interval=0)
        self._soon.timeout.connect(self._refresh_in_steps)
        # the exact redraw of a view that rested: a layer a turn of the event loop (`_refresh_in_steps`)
        self._steps = None
        self._step_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._step_timer.timeout.connect(self._next_step)
        self.view_box.sigRangeChanged.connect(self._schedule_refresh)
        self.view_box.sigResized.connect(self._schedule_refresh)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.scale_bar = ScaleBar(self)
        self.basemap = Basemap(self)  # off until a source is set (View > Basemap)
        self.legend = MapLegend(self)
        self.attribution = MapAttribution(self, worked_out_only=not (paints_at_once or view_later))
        self.legend.changed.connect(self.attribution.refresh)  # both follow the layers shown
        self.basemap.changed.connect(self.attribution.refresh)  # and the basemap's tiles
        self.ahead.ready.connect(self.attribution.refresh)  # and the layers' statements, once read
        self.legend.changed.connect(self.refresh_labels)  # no label under the legend, wherever it is
        self.view_changed.connect(self.legend.refresh)  # it lists what the view shows
        self.empty_hint = QtWidgets.QLabel(EMPTY_HINT, self)  # what to do first, on an empty map
        self.empty_hint.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._show_empty_state()
        self._connections = [(getattr(stack.events, name), handler) for stack in (session.layers, session.results)
                             for name, handler in self._stack_handlers().items()]
        self._connections += [(session.events.crs, self._follow_crs),
                              (session.settings.events.year, self._year_changed)]
        for signal, handler in self._connections:
            signal.connect(handler)
        self._observing = True
        if not view_later:
            for layer in self._drawn_layers():
                self._add(layer)
            self._restack()
            if len(self.stack):  # a map made over layers already there
                self.ahead.request()
        self.legend.refresh()

    def _drawn_layers(self) -> list[Layer]:
        """Inputs and results bottom to top: the results just under the first network layer."""
        inputs, results = list(self.session.layers), list(self.session.results)
        at = next((i for i, layer in enumerate(inputs) if layer.role in NETWORK_ROLES), len(inputs))
        return inputs[:at] + results + inputs[at:]

    def stop_observing(self) -> None:
        """Stop following the session, and drop the pictures still being made (a throw-away twin
        canvas, e.g. for an export). Once is enough; again does nothing."""
        if not self._observing:
            return
        self._observing = False
        for signal, handler in self._connections:
            signal.disconnect(handler)
        self.stop_workers()

    def stop_workers(self) -> None:
        """Drop the pictures and legend being made off the GUI thread (the window is closing)."""
        self._timer.stop()
        self._soon.stop()
        self._drop_steps()
        for graphic in self.graphics.values():
            graphic.stop()
        self.legend.stop()
        self.basemap.stop()
        self.ahead.stop()

    def _year_changed(self, year) -> None:
        self.legend.refresh()  # the timeline's year changes what the legend lists

    def _follow_crs(self) -> bool:
        """Redraw everything in the session's working CRS if it changed; True if it did.

        Called before drawing an added layer too: the first layer of an empty map sets the CRS,
        and drawing it first in the old one would be wasted work (a million features' worth).
        """
        crs = self.session.working_crs or EMPTY_CRS
        if crs == self.working_crs:
            return False
        self.working_crs = crs
        for graphic in self.graphics.values():
            self._detach(graphic.items())
        self.graphics.clear()
        if self._view_later:  # made later: `showing` makes every layer's graphics in this CRS
            return True
        for layer in self._drawn_layers():
            self._add(layer)
        self._restack()
        self.full_extent()
        return True

    # -- the stack drives everything --------------------------------------------------------------
    def _stack_handlers(self) -> dict:
        """Each signal of a layer stack (inputs and results) and what the map does about it."""
        return {"inserted": self._layer_inserted, "removed": self._layer_removed, "moved": self._layer_moved,
                "visibility": self._layer_visibility, "opacity": self._layer_opacity, "style": self._layer_restyled,
                "role": self._layer_role_changed, "filter": self._layer_restyled, "data": self._layer_data}

    def _stack_changed(self) -> None:
        """After any change of a stack: the moving picture, the legend and the empty hint follow."""
        self.moving_picture.stale()
        self.legend.refresh()
        self._show_empty_state()

    def is_empty(self) -> bool:
        return len(self.session.layers) == 0

    def set_loading(self, what: str | None) -> None:
        """Files are being loaded (`what` names them) or not (None): an empty map says which, so
        "No city yet" is only said when there is none and none coming."""
        self._loading = what
        self._show_empty_state()

    def _show_empty_state(self) -> None:
        """The hint on an empty map; no scale bar or legend there (there is nothing to scale)."""
        empty = self.is_empty()
        loading = getattr(self, "_loading", None)
        self.empty_hint.setText(LOADING_HINT.format(what=html.escape(loading)) if loading else EMPTY_HINT)
        self.empty_hint.setVisible(empty)
        self.empty_hint.setGeometry(0, 0, self.width(), self.height())
        self.scale_bar.setVisible(not empty)

    @contextlib.contextmanager
    def made_at_the_next_view(self):
        """Layers added meanwhile (a project's, all at once) are not made here but when a view is
        next set, a layer per turn of the event loop (`jump_to`, `_refreshing`), as an export's twin
        makes its own (`view_later`). Making and drawing the Hanoi sample's ten layers as they
        came was one turn of the GUI thread of 145-207 ms on a slow machine; a layer's graphic is
        2-25 ms. What is asked of a layer meanwhile (`graphic`, `zoom_to_layer`, ...) makes it then."""
        self._view_later = True
        try:
            yield
        finally:
            self._soon.start()  # made at the next turn if no view is set before (the caller failed)

    def _layer_inserted(self, layer: Layer, _index: int) -> None:
        first = not self.graphics and not self._view_later  # (a twin not shown its view yet makes it then)
        if self._view_later:
            self._follow_crs()
        elif not self._follow_crs():  # else every layer, this one included, was drawn anew in the new CRS
            self._add(layer)
            self._restack()
            if first:
                self.full_extent()
        self._stack_changed()

    def _layer_removed(self, layer: Layer, _index: int) -> None:
        graphic = self.graphics.pop(id(layer), None)
        if graphic:
            self._detach(graphic.items())
        self._restack()
        self.refresh_labels()
        self._stack_changed()

    def _layer_moved(self, _layer: Layer, _index: int) -> None:
        self._restack()
        self._stack_changed()

    def _layer_visibility(self, layer: Layer) -> None:
        graphic = self.graphics.get(id(layer))
        if graphic:
            if layer.visible:
                self._attach(graphic)
                graphic.refresh(*self._view_and_pixel())
            else:
                self._detach(graphic.items())
        self.refresh_labels()
        self._stack_changed()

    def _layer_opacity(self, layer: Layer) -> None:
        if graphic := self.graphics.get(id(layer)):
            graphic.set_opacity(layer.opacity)
        self._stack_changed()

    def _layer_restyled(self, layer: Layer) -> None:
        """A new style or feature filter: the same graphic, drawn anew, in the same place of the stack
        (items a new style makes take the graphic's z as they are attached). The labels are placed
        again only if the layer has or had some: a year on the timeline filters a handful of layers
        in a row, and placing every layer's labels and restacking every layer for each of them was
        most of what the year cost the GUI thread."""
        if graphic := self.graphics.get(id(layer)):
            graphic.restyle()
            graphic.refresh(*self._view_and_pixel())
        if layer.style.label_field or id(layer) in self._labelled:
            self.refresh_labels()
        self._stack_changed()

    def _layer_role_changed(self, layer: Layer) -> None:
        """A new role: drawn anew, and the stack's order may change with it (the results lie under
        the first network layer)."""
        if graphic := self.graphics.get(id(layer)):
            graphic.restyle()
            self._restack()
            graphic.refresh(*self._view_and_pixel())
        self.refresh_labels()
        self._stack_changed()

    def _layer_data(self, layer: Layer) -> None:
        """New features: a new graphic in place of the old one."""
        if graphic := self.graphics.get(id(layer)):
            self._detach(graphic.items())
            self.graphics[id(layer)] = self._make(layer)
            if layer.visible:
                self._attach(self.graphics[id(layer)])
            self._restack()
            self.graphics[id(layer)].refresh(*self._view_and_pixel())
        self.refresh_labels()
        self._stack_changed()

    def _make(self, layer: Layer) -> LayerGraphic:
        if isinstance(layer, RasterLayer):
            return RasterGraphic(self, layer)
        if layer.geometry_kind == "point":
            return PointGraphic(self, layer)
        if len(layer.gdf) > LARGE_LAYER_FEATURES or isinstance(layer, CompactVectorLayer):  # drawn from its arrays
            return LargeVectorGraphic(self, layer)
        return VectorGraphic(self, layer)

    def _add(self, layer: Layer) -> None:
        graphic = self._make(layer)
        self.graphics[id(layer)] = graphic
        if layer.visible:
            self._attach(graphic)
        graphic.set_opacity(layer.opacity)
        if not self._view_later:
            graphic.refresh(*self._view_and_pixel())

    def _attach(self, graphic: LayerGraphic) -> None:
        for item in graphic.items():
            if item.scene() is None:
                self.view_box.addItem(item, ignoreBounds=True)
        graphic.set_z(graphic.z)
        graphic.set_opacity(graphic.layer.opacity)

    def _detach(self, items) -> None:
        for item in items:
            if item.scene() is not None:
                self.view_box.removeItem(item)

    def _replace_items(self, graphic: LayerGraphic, old: list) -> None:
        """A graphic rebuilt its items (new style): swap them in the scene."""
        self._detach(old)
        if id(graphic.layer) in self.graphics and graphic.layer.visible:
            self._attach(graphic)

    def _restack(self) -> None:
        for index, layer in enumerate(self._drawn_layers()):
            if graphic := self.graphics.get(id(layer)):
                graphic.set_z(index * Z_STEP)

    # -- what the canvas shows ---------------------------------------------------------------------
    def items_for(self, layer: Layer) -> list[QtWidgets.QGraphicsItem]:
        """The graphics items of `layer` that are in the scene now (empty if hidden)."""
        graphic = self.graphic(layer)
        return [item for item in graphic.items() if item.scene() is self.scene()] if graphic else []

    def drawn_features(self, layer: Layer) -> np.ndarray:
        """Row positions of `layer`'s features drawn in the current view (empty if hidden)."""
        graphic = self.graphic(layer)
        if graphic is None or not layer.visible:
            return np.empty(0, np.int64)
        return np.asarray(getattr(graphic, "drawn", np.empty(0, np.int64)))

    def graphic(self, layer: Layer) -> LayerGraphic | None:
        """`layer`'s graphic; one waiting for the next view (`made_at_the_next_view`) made now."""
        if self._view_later and id(layer) not in self.graphics and any(l is layer for l in self._drawn_layers()):
            self._add(layer)
            self._restack()
        return self.graphics.get(id(layer))

    def busy(self) -> bool:
        """True while a redraw is pending or a layer's picture of this view is still being made."""
        return self._timer.isActive() or self._soon.isActive() or self._steps is not None or self.basemap.busy() or any(
            g.busy() for g in self.graphics.values() if g.layer.visible)

    def view_bounds(self) -> tuple[float, float, float, float]:
        rect = self.view_box.viewRect()
        return (rect.left(), rect.top(), rect.right(), rect.bottom())

    def pixel_size(self) -> float:
        """Metres per screen pixel at the current zoom."""
        px, py = self.view_box.viewPixelSize()
        return float(max(px, py)) if px > 0 else 1.0

    def _view_and_pixel(self):
        return self.view_bounds(), self.pixel_size()

    def set_view(self, bounds: tuple[float, float, float, float]) -> None:
        for _ in self.showing(bounds):
            pass

    def showing(self, bounds: tuple[float, float, float, float]):
        """`set_view` a layer at a time: a generator that yields after each layer is drawn for the
        view, so a caller in no hurry (an export's twin, `MapDrawing.start`) can hand the GUI thread
        back to the event loop in between."""
        xmin, ymin, xmax, ymax = bounds
        self.view_box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        yield from self._refreshing()

    def zoom_to_layer(self, layer: Layer) -> None:
        if graphic := self.graphic(layer):
            xmin, ymin, xmax, ymax = graphic.extent()
            if not np.all(np.isfinite((xmin, ymin, xmax, ymax))):
                return  # an empty layer (e.g. a catchment that reaches nothing) has no extent
            pad = max(xmax - xmin, ymax - ymin, 200.0) * 0.03
            self.jump_to((xmin - pad, ymin - pad, xmax + pad, ymax + pad))

    def jump_to(self, bounds: tuple[float, float, float, float]) -> None:
        """`set_view` for a view a planner jumps to (zoom to a layer): the view moves at once, on
        the map's moving picture, and the layers are drawn for it at the next turn of the event
        loop. Culling every layer and Qt's painting of the result were one turn of the GUI thread
        (30 ms of its own at city scale, 60-100 ms while workers ran); now two shorter ones."""
        xmin, ymin, xmax, ymax = bounds
        self.view_box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self._timer.stop()
        self._soon.start()

    def full_extent(self) -> None:
        for layer in self._drawn_layers():  # (their extents: those waiting for a view made now)
            self.graphic(layer)
        extents = [g.extent() for g in self.graphics.values() if g.layer.visible] or [
            g.extent() for g in self.graphics.values()
        ]
        e = np.array(extents, dtype=float).reshape(-1, 4)
        e = e[np.isfinite(e).all(axis=1)]  # empty layers have no extent
        if not len(e):
            return
        xmin, ymin = np.nanmin(e[:, 0]), np.nanmin(e[:, 1])
        xmax, ymax = np.nanmax(e[:, 2]), np.nanmax(e[:, 3])
        pad = max(xmax - xmin, ymax - ymin, 200.0) * 0.03
        self.set_view((xmin - pad, ymin - pad, xmax + pad, ymax + pad))

    def set_pan_mode(self) -> None:
        self.view_box.setMouseMode(pg.ViewBox.PanMode)

    def set_zoom_box_mode(self) -> None:
        self.view_box.setMouseMode(pg.ViewBox.RectMode)

    def map_to_screen(self, x: float, y: float) -> QtCore.QPoint:
        """Widget pixel of a map coordinate (for tests and tools)."""
        scene = self.view_box.mapViewToScene(QtCore.QPointF(x, y))
        return self.mapFromScene(scene)

    # -- redraw -------------------------------------------------------------------------------------
    def _schedule_refresh(self, *args) -> None:
        self._drop_steps()  # drawn for a view that is no longer the map's
        self.moving_picture.start()
        self.scale_bar.update()
        self._timer.start()

    def refresh(self) -> None:
        """Cull and simplify every visible layer to the current view, here and now."""
        for _ in self._refreshing():
            pass

    def _refresh_in_steps(self) -> None:
        """The exact redraw once a pan or zoom has rested: `refresh` a layer per turn of the event
        loop, the moving picture standing in for the map until the last is drawn (so no turn shows
        some layers drawn for the new view and others not). Drawing every layer and Qt's painting
        of the result were one turn of the GUI thread (20-30 ms of its own at city scale, twice
        that while workers ran): now each layer is a turn, and the painting another."""
        self._drop_steps()
        self._steps = self._refreshing(picture_until_drawn=True)
        self._next_step()

    def _next_step(self) -> None:
        if self._steps is None:
            return
        try:
            next(self._steps)
        except StopIteration:
            self._steps = None
            return
        self._step_timer.start()

    def _drop_steps(self) -> None:
        self._steps = None
        self._step_timer.stop()

    def _refreshing(self, picture_until_drawn: bool = False):
        """`refresh`, yielding after each layer (see `showing`); with `picture_until_drawn` the
        moving picture (if the map moves on one) stays until every layer is drawn."""
        self._timer.stop()
        self._soon.stop()
        if not picture_until_drawn:
            self._drop_steps()
            self.moving_picture.stop()
        if self._view_later:  # the graphics not made yet (an export's twin, a project): a layer a step
            while layer := next((l for l in self._drawn_layers() if id(l) not in self.graphics), None):
                self._add(layer)  # (the layers looked at again each step: one may come or go meanwhile)
                yield
            self._restack()
            self._view_later = False
        view, pixel_m = self._view_and_pixel()
        shown = [g for layer in self._drawn_layers() if layer.visible and (g := self.graphics.get(id(layer)))]
        # the layers drawn here first, then the pictures painted in workers: while a worker runs, every
        # call from this thread into Qt waits for the GIL
        for graphic in sorted(shown, key=lambda g: isinstance(g, LargeVectorGraphic)):
            graphic.refresh(view, pixel_m)
            yield
        self.moving_picture.stop()
        self.basemap.refresh(view, pixel_m)
        self.refresh_labels()
        self.scale_bar.update()
        self.view_changed.emit()

    def refresh_labels(self) -> None:
        """Label the features in view, top layer first, at most LABEL_CAP, never overlapping (`labels.py`)."""
        view, pixel_m = self._view_and_pixel()
        candidates = []
        self._labelled = set()  # the layers with a label field now: a change of theirs moves labels
        for layer in reversed(self._drawn_layers()):
            graphic = self.graphics.get(id(layer))
            if layer.style.label_field:
                self._labelled.add(id(layer))
            if graphic and layer.visible:
                xs, ys, texts = graphic.label_candidates(view)
                candidates += [(x, y, text, graphic.z) for x, y, text in zip(xs, ys, texts)]
        self.map_labels.show(place_labels(candidates, pixel_m, LABEL_CAP, self.map_labels.font,
                                          keep_clear=self._under_overlays()))
        self.moving_picture.stale()

    def _under_overlays(self) -> list[tuple[float, float, float, float]]:
        """The map area under the legend (map units), where a label would be hidden."""
        if not self.legend.isVisible():
            return []
        scene = self.mapToScene(self.legend.geometry())
        box = self.view_box.mapSceneToView(scene).boundingRect()
        return [(box.left(), box.top(), box.right(), box.bottom())]

    def labels(self) -> list[str]:
        """The label texts on the map now."""
        return self.map_labels.texts()

    def set_highlight(self, layer: Layer | None, rows=()) -> None:
        """Outline features `rows` of `layer` (positions in its GeoDataFrame); None clears."""
        graphic = self.graphic(layer) if layer is not None else None
        rows = np.asarray(list(rows), dtype=np.int64)
        self.moving_picture.stale()
        if not isinstance(graphic, (VectorGraphic, LargeVectorGraphic)) or not len(rows):
            self._highlight.setPath(QtGui.QPainterPath())
            self._highlight_points.setData([], [])
            return
        g = graphic.geometry
        if g.kind == "point":
            self._highlight.setPath(QtGui.QPainterPath())
            self._highlight_points.setData(x=g.centre_x[rows], y=g.centre_y[rows])
        else:
            x, y, connect = g.gather(rows)
            self._highlight.setPath(pg.arrayToQPath(x, y, connect=connect, finiteCheck=False))
            self._highlight_points.setData([], [])

    # -- mouse --------------------------------------------------------------------------------------
    def _on_mouse_moved(self, pos) -> None:
        point = self.view_box.mapSceneToView(pos)
        self.mouse_moved.emit(point.x(), point.y())

    def _on_mouse_clicked(self, event) -> None:
        point = self.view_box.mapSceneToView(event.scenePos())
        self.clicked.emit(point.x(), point.y(), event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "legend"):
            self.scale_bar.place()
            self.legend.place()
            self.attribution.place()
            self.empty_hint.setGeometry(0, 0, self.width(), self.height())
