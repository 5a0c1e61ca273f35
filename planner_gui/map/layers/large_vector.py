"""A large vector layer (building footprints, parcels) drawn as a picture made off the GUI thread.

A layer of more than LARGE_LAYER_FEATURES features (`layers.compact_layer`) is not handed to Qt as paths: painting a
million polygons takes far longer than a frame. Instead, after every view change a worker paints
the view into a QImage (screen-sized, one pixel per screen pixel; QImage with QPainter is allowed
off the GUI thread, QPixmap is not), with `planner_gui.map.feature_painter` (each feature filled
then outlined, in the layer's order, as QGIS draws them), and the GUI thread only swaps the
picture in. Until the new picture arrives the last one stays on the map where it was, scaled and
moved with the view, so a pan or zoom frame costs one image blit, whatever the layer's size.

The worker draws only what the view shows (a vectorised bounding-box test), simplified to about a
pixel (`LayerGeometry.at_resolution`, cached per zoom level, for a layer of shapely geometries;
the vertices drawn thinned to the pixel, `geometry.thinned`, for every layer: a layer held as
arrays is drawn from its arrays, never a shapely geometry per feature), paints the features
in levels of features that share no pixel (`geometry.paint_levels`: a feature after every one
below it that may share a pixel with it), a level's features together, a few thousand a Qt call
(`feature_painter.paint_apart`), and burns features smaller than
SMALL_PX pixels into the picture as their bounding boxes in the outline colour (a box of a few
pixels looks the same as the shape it stands for). Style classes and the timeline's feature
filter are worked out in the worker too, once per style: restyling or filtering a million-feature
layer costs the GUI thread nothing. Hiding and showing rebuild nothing (the picture is kept).

Requests are latest-wins (`AnalysisRunner`): a pan cancels the picture of the view before it.
An export's twin canvas drawn here and now (`paints_at_once`, see
`planner_gui.export.render.MapDrawing`) paints at once instead, in its own thread.
"""
from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from layers.analysis.progress import Cancelled
from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map import geometry as geo
from planner_gui.map.blank_image import blank_image
from planner_gui.map.feature_painter import feature_rings, paint_apart, paint_features
from planner_gui.map.layers.base import LayerGraphic
from planner_gui.map.shown import shown_mask
from planner_gui.map.pens import brush, pen
from planner_gui.map.symbology import layer_style_classes, rgba

SMALL_PX = 4.0  # features smaller than this many pixels are burnt in as their boxes


class PictureItem(QtWidgets.QGraphicsItem):
    """A QImage laid over a rectangle of the map (in map units, row 0 at the rectangle's bottom)."""

    def __init__(self):
        super().__init__()
        self._image: QtGui.QImage | None = None
        self._rect = QtCore.QRectF()

    def set_picture(self, image: QtGui.QImage | None, rect: QtCore.QRectF) -> None:
        self.prepareGeometryChange()
        self._image, self._rect = image, QtCore.QRectF(rect)
        self.update()

    def image(self) -> QtGui.QImage | None:
        return self._image

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        if self._image is not None:
            painter.drawImage(self._rect, self._image)


class PaintPlan:
    """How one style of a layer is painted: its style classes and the features its filter shows.

    Made on the GUI thread at no cost; its parts are worked out by the first picture that needs
    them, in the worker, and kept for the next pictures of the same style.
    """

    def __init__(self, layer, geometry: geo.LayerGeometry):
        self.layer, self.geometry = layer, geometry
        self.style = layer.style
        self.feature_filter = layer.feature_filter
        self.area = geometry.kind in ("polygon", "mixed")
        self._lock = threading.Lock()
        self._worked_out = None

    def classes_and_shown(self):
        """([(StyleClass, rows)], shown mask or None), computed once."""
        with self._lock:
            if self._worked_out is None:
                self._worked_out = (layer_style_classes(self.layer, self.style), shown_mask(self.layer, self.feature_filter))
            return self._worked_out


@dataclass
class Picture:
    image: QtGui.QImage
    view: tuple[float, float, float, float]  # what the picture covers (map units)
    drawn: np.ndarray  # the features in it, sorted


def paint_picture(plan: PaintPlan, view, pixel_m: float, cancelled=lambda: False) -> Picture:
    """Paint the features of `plan` that `view` shows into an image of one pixel per `pixel_m`."""
    xmin, ymin, xmax, ymax = view
    width = max(1, math.ceil((xmax - xmin) / pixel_m))
    height = max(1, math.ceil((ymax - ymin) / pixel_m))
    image = blank_image(width, height)
    g = plan.geometry
    classes, shown = plan.classes_and_shown()
    in_view = g.in_view(view)
    if shown is not None:
        in_view &= shown
    small = in_view & (g.size < SMALL_PX * pixel_m) if g.kind != "point" else np.zeros_like(in_view)
    big = in_view & ~small
    small_rows = np.flatnonzero(small)
    if len(small_rows):
        hit = geo.rasterise_boxes(g.bounds[small_rows], view, pixel_m, (height, width))
        r, gr, b, a = rgba(plan.style.stroke)
        pixels = np.frombuffer(image.bits(), np.uint32).reshape(height, image.bytesPerLine() // 4)[:, :width]
        pixels[hit] = np.uint32((a << 24) | (r << 16) | (gr << 8) | b)  # opaque: premultiplied = plain
    if cancelled():
        raise Cancelled()
    drawn = small.copy()
    # the features painted as shapes, class after class, each class's in the layer's order
    parts = [(cls, rows[big[rows]]) for cls, rows in classes]
    parts = [(cls, features) for cls, features in parts if len(features)]
    sequence = np.concatenate([features for _, features in parts]) if parts else np.empty(0, np.int64)
    drawn[sequence] = True
    detail = g.at_resolution(pixel_m) if len(sequence) else g
    levels = geo.paint_levels(g.bounds[sequence], view, pixel_m, (height, width), math.ceil(plan.style.width / 2) + 1)
    painter = QtGui.QPainter(image)
    try:
        if levels is None:  # one after another
            for cls, features in parts:
                _paint(painter, plan, cls, detail, features, (xmin, ymin, pixel_m), cancelled, together=False)
        elif len(sequence):  # level after level; in a level, a class's features together
            which = np.repeat(np.arange(len(parts)), [len(features) for _, features in parts])
            key = levels * len(parts) + which
            order = np.argsort(key, kind="stable")
            cuts = np.flatnonzero(np.diff(key[order])) + 1
            for group in np.split(order, cuts):
                cls = parts[which[group[0]]][0]
                _paint(painter, plan, cls, detail, sequence[group], (xmin, ymin, pixel_m), cancelled, together=True)
    finally:
        painter.end()
    return Picture(image, tuple(float(v) for v in view), np.flatnonzero(drawn))


def _paint(painter, plan: PaintPlan, cls, g: geo.LayerGeometry, features: np.ndarray, place, cancelled,
           together: bool) -> None:
    """Paint `features` of style class `cls`: together (`paint_apart`: they share no pixel) or one
    after another. A dashed outline is always drawn feature by feature: in one path its dashes
    would run on from one feature to the next."""
    xmin, ymin, pixel_m = place
    outline = pen(cls.colour, plan.style.width, cls.pattern)
    fill = brush(cls.fill, plan.style.fill_alpha, cls.pattern)
    x, y, ring_end, lengths = _in_pixels(g, features, xmin, ymin, pixel_m)
    if together and cls.pattern == "solid":
        paint_apart(painter, x, y, ring_end, lengths, outline, fill, plan.area, cancelled)
    else:
        paint_features(painter, feature_rings(x, y, ring_end, lengths), outline, fill, plan.area, cancelled)


def _in_pixels(g: geo.LayerGeometry, features: np.ndarray, xmin: float, ymin: float, pixel_m: float):
    """The vertices of `features` in the picture's pixels, thinned to the pixel (`geometry.thinned`):
    (x, y, ring_end, vertices per feature)."""
    x, y, connect = g.gather(features)
    return geo.thinned((x - xmin) / pixel_m, (y - ymin) / pixel_m, connect == 0, g.stop[features] - g.start[features])


class LargeVectorGraphic(LayerGraphic):
    """Lines and polygons of a large layer: one PictureItem, its picture painted in a worker."""

    def __init__(self, canvas, layer):
        super().__init__(canvas, layer)
        self.geometry = geo.prepared(layer, canvas.working_crs)
        self.item = PictureItem()
        self.drawn = np.empty(0, np.int64)
        self._shown_key = None  # (view, pixel_m, plan) of the picture on the map
        self._asked = None  # the same, of the picture being painted
        self.painter = AnalysisRunner(debounce_ms=0, lock=contextlib.nullcontext())
        self.painter.finished.connect(self._picture_arrived)
        self.restyle()

    def items(self):
        return [self.item]

    def restyle(self) -> None:
        self.plan = PaintPlan(self.layer, self.geometry)

    def busy(self) -> bool:
        return self.painter.busy()

    def refresh(self, view, pixel_m) -> None:
        key = (tuple(float(v) for v in view), float(pixel_m), self.plan)
        if key in (self._shown_key, self._asked) or not pixel_m > 0:
            return
        self._asked = key
        plan = self.plan
        if self.canvas.paints_at_once:
            self.painter.cancel()
            self._show(key, paint_picture(plan, view, pixel_m))
            return
        request = self.painter.request(lambda _progress, cancelled: paint_picture(plan, view, pixel_m, cancelled),
                                       immediate=True)
        self._request = (request, key)

    def stop(self) -> None:
        self.painter.cancel()

    def _picture_arrived(self, request_id: int, picture: Picture) -> None:
        request, key = self._request
        if request_id == request:
            self._show(key, picture)

    def _show(self, key, picture: Picture) -> None:
        xmin, ymin, xmax, ymax = picture.view
        pixel_m = key[1]
        rect = QtCore.QRectF(xmin, ymin, picture.image.width() * pixel_m, picture.image.height() * pixel_m)
        self.item.set_picture(picture.image, rect)
        self.canvas.moving_picture.stale()
        self.drawn = picture.drawn
        self._shown_key = key
        self._asked = None

    def extent(self):
        return self.geometry.extent

    def shows_any(self, bounds) -> bool:
        return self.geometry.any_in_view(bounds, shown_mask(self.layer))

    def label_candidates(self, view):
        """Labels of the features in the picture (its view, its filter), anchored at their box centres."""
        field = self.layer.style.label_field
        if not field or field not in self.layer.gdf.columns or not len(self.drawn):
            return np.empty(0), np.empty(0), []
        rows = self.drawn
        b = self.geometry.bounds[rows]
        x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        xmin, ymin, xmax, ymax = view
        inside = np.flatnonzero((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
        texts = self.layer.gdf[field].iloc[rows[inside]].astype("string").fillna("").tolist()
        return x[inside], y[inside], texts
