"""Lines and polygons: one `FeaturesItem` per style class, culled to the view and simplified to the
zoom level (`planner_gui.map.geometry`), plus one image for features smaller than a pixel."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui, QtWidgets

from layers.layer import VectorLayer
from planner_gui.map import geometry as geo
from planner_gui.map.feature_painter import feature_rings, paint_features
from planner_gui.map.layers.base import LayerGraphic
from planner_gui.map.shown import shown_mask
from planner_gui.map.pens import brush, pen
from planner_gui.map.symbology import layer_style_classes, rgba


class FeaturesItem(QtWidgets.QGraphicsPathItem):
    """The features of one style class in view, painted one after the other (fill, then outline).

    Its path (all the features in one) gives Qt the item's bounds and shape; painting goes
    feature by feature (`planner_gui.map.feature_painter`), so overlapping polygons look as in
    QGIS: no fill-rule holes, and a later polygon's fill covers the outlines below it.

    The feature-by-feature painting is recorded into a QPicture when the features are set, and
    every paint replays it: one call from Python instead of two per feature. A view change paints
    the map twice (on screen, then its moving picture), and more when a large layer's picture
    arrives; and while a worker runs, each call from Python into Qt waits for the GIL (80-330 us
    measured, against 2 us), so the canvas sets these features before it starts any worker's
    picture. Replayed, the same pixels (checked on the Hanoi sample at three scales).

    Features whose order cannot show are not recorded one by one: outlines of one opaque solid
    pen with no fill (a city's wards, lines of one colour) cover the same pixels in any order, so
    the item paints its path whole, in one call (`one_path`). And features already held at the
    same level of detail are not set again (`shows`): a pan that keeps the same wards in view
    rebuilds nothing, the path and the recording lying in map units.

    The outline pen (`setPen`, `pen`) is the item's own: Qt's path item keeps none. With a pen, Qt
    works out the item's bounds and shape by stroking the whole path, after every new path (a few
    milliseconds of the GUI thread for a city's wards, and again in every hover test), padding by
    the pen's width in map units where a cosmetic pen's width is in pixels; without one they are
    the path's own rectangle, in a pass over its points.
    """

    def __init__(self, area: bool):
        super().__init__()
        super().setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self._outline = QtGui.QPen()
        self.area = area
        self._recording: QtGui.QPicture | None = None
        self._whole = False  # the path is painted whole (see `one_path`)
        self._shows: tuple | None = None  # (level of detail, features) of the path

    def setPen(self, outline: QtGui.QPen) -> None:
        """The outline the features are painted with (not handed to Qt's item, see above)."""
        self._outline = QtGui.QPen(outline)

    def pen(self) -> QtGui.QPen:
        return QtGui.QPen(self._outline)

    def shows(self, level, features: np.ndarray) -> bool:
        """True if the item holds `features` drawn from `level` (a LayerGeometry) already."""
        return self._shows is not None and self._shows[0] is level and np.array_equal(self._shows[1], features)

    def one_path(self) -> bool:
        """True if the features paint the same pixels in any order, so the path is painted whole:
        one solid opaque pen and nothing filled (lines, or areas with no fill or a transparent one)."""
        outline = self.pen()
        if outline.style() != QtCore.Qt.PenStyle.SolidLine or outline.color().alpha() != 255:
            return False
        fill = self.brush()
        return not self.area or fill.style() == QtCore.Qt.BrushStyle.NoBrush or fill.color().alpha() == 0

    def set_features(self, culled: geo.Culled, level=None) -> None:
        """The features to draw (in view, simplified from `level`, the LayerGeometry they were
        gathered from), painted now into the recording (pen and brush set) unless painted whole."""
        self._recording = None
        self._whole = False
        self._shows = (level, culled.features) if level is not None else None
        if not len(culled.x):
            self.setPath(QtGui.QPainterPath())
            return
        self.setPath(pg.arrayToQPath(culled.x, culled.y, connect=culled.connect, finiteCheck=False))
        if self.one_path():
            self._whole = True
            return
        rings = feature_rings(culled.x, culled.y, culled.connect == 0, culled.lengths)
        self._recording = QtGui.QPicture()
        recorder = QtGui.QPainter(self._recording)
        try:
            paint_features(recorder, rings, self.pen(), self.brush(), self.area)
        finally:
            recorder.end()

    def paint(self, painter, option, widget=None) -> None:
        if self._recording is not None:
            painter.drawPicture(0, 0, self._recording)
        elif self._whole:
            painter.setPen(self.pen())
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawPath(self.path())


class VectorGraphic(LayerGraphic):
    """Lines and polygons: one FeaturesItem per style class, plus a pixel image for tiny features."""

    def __init__(self, canvas, layer: VectorLayer):
        super().__init__(canvas, layer)
        self.geometry = geo.prepared(layer, canvas.working_crs)
        self.small_image = pg.ImageItem()
        self.small_image.setVisible(False)
        self.classes: list[tuple[FeaturesItem, np.ndarray]] = []
        self._classes_of = None  # the style classes `classes` were made from
        self._label_points: tuple | None = None  # (label field, x, y, text) of every feature
        self.restyle()

    def items(self):
        return [self.small_image] + [item for item, _ in self.classes]

    def restyle(self) -> None:
        """A new style, role or filter. The same classes (only the filter changed: a year on the
        timeline) keep their items, pens and brushes, and take the features now shown."""
        style = self.layer.style
        polygon = self.geometry.kind in ("polygon", "mixed")
        classes = layer_style_classes(self.layer, style)
        self._shown = shown_mask(self.layer)  # the layer's feature filter (timeline), None: all

        def shown(rows):
            return rows if self._shown is None else rows[self._shown[rows]]

        if self._classes_of is classes:
            self.classes = [(item, shown(rows)) for (item, _), (_, rows) in zip(self.classes, classes)]
            return
        old = [item for item, _ in self.classes]
        self.classes, self._classes_of = [], classes
        for cls, rows in classes:
            rows = shown(rows)
            item = FeaturesItem(polygon)
            item.setPen(pen(cls.colour, style.width, cls.pattern))
            item.setBrush(brush(cls.fill, style.fill_alpha, cls.pattern) if polygon else QtGui.QBrush())
            self.classes.append((item, rows))
        # Seen from afar a small shape is mostly its outline: draw its pixels in the stroke colour.
        self._small_colour = rgba(style.stroke, 1.0)
        self.canvas._replace_items(self, old)

    def refresh(self, view, pixel_m) -> None:
        small, drawn = [], []
        g = self.geometry
        for item, rows in self.classes:
            whole = len(self.classes) == 1 and self._shown is None
            features, small_rows = g.split(view, pixel_m, subset=None if whole else rows)
            level = g.at_resolution(pixel_m) if len(features) else g
            if not item.shows(level, features):
                item.set_features(g.culled(features, small_rows, pixel_m), level)
            small.append(small_rows)
            drawn.append(features)
        self._draw_small(np.concatenate(small) if small else np.empty(0, np.int64), view, pixel_m)
        # style classes are disjoint, and so are a class's paths and pixels: a sort, not a unique
        self.drawn = np.sort(np.concatenate(drawn + small)) if drawn else np.empty(0, np.int64)

    def _draw_small(self, small: np.ndarray, view, pixel_m: float) -> None:
        """Features under 4 px: their boxes burnt into an image of the screen's pixels, not paths;
        the image only as large as the pixels they cover need (a park or two at city scale is a
        few pixels, not a screen of them made, handed to pyqtgraph and drawn at every repaint)."""
        if not len(small):
            self.small_image.setVisible(False)
            return
        xmin, ymin, xmax, ymax = view
        shape = (max(1, int(math.ceil((ymax - ymin) / pixel_m))), max(1, int(math.ceil((xmax - xmin) / pixel_m))))
        hit = geo.rasterise_boxes(self.geometry.bounds[small], view, pixel_m, shape)
        rows, columns = np.flatnonzero(hit.any(axis=1)), np.flatnonzero(hit.any(axis=0))
        if not len(rows):
            self.small_image.setVisible(False)
            return
        (top, bottom), (left, right) = (rows[0], rows[-1] + 1), (columns[0], columns[-1] + 1)
        image = np.zeros((bottom - top, right - left, 4), np.uint8)
        image[hit[top:bottom, left:right]] = self._small_colour
        self.small_image.setImage(image, autoLevels=False, levels=None)
        # row 0 of `hit` lies at the view's bottom, as the image's first row at its rectangle's
        self.small_image.setRect(QtCore.QRectF(xmin + left * pixel_m, ymin + top * pixel_m,
                                               (right - left) * pixel_m, (bottom - top) * pixel_m))
        self.small_image.setVisible(True)

    def extent(self):
        return self.geometry.extent

    def shows_any(self, bounds) -> bool:
        return self.geometry.any_in_view(bounds, shown_mask(self.layer))

    def label_candidates(self, view):
        field = self.layer.style.label_field
        if not field or field not in self.layer.gdf.columns:
            return np.empty(0), np.empty(0), []
        if self._label_points is None or self._label_points[0] != field:
            anchor = shapely.point_on_surface(self.geometry.geoms)
            xy = shapely.get_coordinates(anchor)
            # every feature's text made once: labels are placed after every view or layer change
            texts = self.layer.gdf[field].astype("string").fillna("").to_numpy(dtype=object)
            self._label_points = (field, xy[:, 0], xy[:, 1], texts)
        _, x, y, texts = self._label_points
        xmin, ymin, xmax, ymax = view
        inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        if self._shown is not None:
            inside &= self._shown
        inside = np.flatnonzero(inside)
        return x[inside], y[inside], texts[inside].tolist()
