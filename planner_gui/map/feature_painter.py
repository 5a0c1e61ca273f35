"""Painting features the way QGIS does: one after the other, each filled and then outlined.

All the polygons of a style class in one QPainterPath, filled and then stroked, is fast but wrong
where polygons overlap: the path's fill rule leaves holes in the overlaps (odd-even) and every
outline lies over every fill. Overlapping zones, catchments and building footprints are common in
real data, so here each feature is its own polygon: its fill is painted over the features below
it (in the layer's order), then its outline, and the next feature covers both.

The vertices of the features to paint are copied once into one QPolygonF (a NumPy view over its
memory, no Python loop per vertex); a feature with one ring (most of them) is then a `mid` slice
of it, a few microseconds per feature. A feature with holes or several parts becomes a small
QPainterPath of its rings (odd-even within the feature: holes stay holes).

Features known to share no pixel (a level of `planner_gui.map.geometry.paint_levels`: a large
layer's picture is painted level after level, each feature above every earlier one it may share a
pixel with) can be painted in any order, so they are painted together (`paint_apart`): one
QPainterPath of a few thousand features at a time, filled and stroked in one call each, where one
call per feature costs about 10 us of Qt and Python. The picture is the same pixel for pixel
(aliased painting: a pixel is the last feature's that covers it, and no other feature of the level
covers it). Each call is bounded in size because PySide holds Python's lock through a Qt call: the
GUI thread waits for the worker's longest call.

Plain QPainter on any paint device, so the same code paints on screen (the canvas's items) and
into a QImage in a worker thread (a large layer's picture; QImage painting is allowed off the
GUI thread, QPixmap is not).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from layers.analysis.progress import Cancelled

CHECK_EVERY = 4096  # features painted between two looks at the cancel flag
APART_VERTICES = 16_384  # vertices in one path of features painted together (a few ms of Qt a path)


@dataclass
class FeatureRings:
    """The vertices of some features, ready to paint: one QPolygonF and where each feature lies in it."""

    polygon: QtGui.QPolygonF
    start: list[int]  # per feature: its first vertex in `polygon`
    stop: list[int]  # per feature: one past its last vertex
    simple: list[bool]  # per feature: one ring (a slice of `polygon`), else holes or parts
    ring_end: np.ndarray  # bool per vertex: True where a ring / part ends

    def __len__(self) -> int:
        return len(self.start)


def feature_rings(x: np.ndarray, y: np.ndarray, ring_end: np.ndarray, lengths: np.ndarray) -> FeatureRings:
    """Features' vertices gathered back to back (`lengths` per feature) as one QPolygonF."""
    polygon = pg.functions.create_qpolygonf(len(x))
    if len(x):
        buffer = pg.functions.ndarray_from_qpolygonf(polygon)
        buffer[:, 0] = x
        buffer[:, 1] = y
    ring_end = np.asarray(ring_end, bool)
    stop = np.cumsum(lengths, dtype=np.int64)
    start = stop - lengths
    ends_before = np.concatenate([[0], np.cumsum(ring_end, dtype=np.int64)])
    simple = (ends_before[stop] - ends_before[start]) == 1
    # plain lists: the paint loop indexes them once per feature, on every repaint
    return FeatureRings(polygon, start.tolist(), stop.tolist(), simple.tolist(), ring_end)


def paint_features(
    painter: QtGui.QPainter,
    rings: FeatureRings,
    pen: QtGui.QPen,
    brush: QtGui.QBrush,
    area: bool,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Paint every feature of `rings` in order: fill then outline for areas, a polyline for lines."""
    painter.setPen(pen)
    painter.setBrush(brush if area else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
    polygon, start, stop, simple = rings.polygon, rings.start, rings.stop, rings.simple
    for i in range(len(start)):
        if cancelled is not None and i % CHECK_EVERY == CHECK_EVERY - 1 and cancelled():
            raise Cancelled()
        s, e = start[i], stop[i]
        if e - s < 2:
            continue
        if simple[i]:
            part = polygon.mid(s, e - s)
            if area:
                painter.drawPolygon(part)
            else:
                painter.drawPolyline(part)
            continue
        cuts = (np.flatnonzero(rings.ring_end[s:e]) + 1 + s).tolist()
        if area:
            path = QtGui.QPainterPath()
            path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
            begin = s
            for end in cuts:
                path.addPolygon(polygon.mid(begin, end - begin))
                path.closeSubpath()
                begin = end
            painter.drawPath(path)
        else:
            begin = s
            for end in cuts:
                painter.drawPolyline(polygon.mid(begin, end - begin))
                begin = end


def paint_apart(
    painter: QtGui.QPainter,
    x: np.ndarray,
    y: np.ndarray,
    ring_end: np.ndarray,
    lengths: np.ndarray,
    pen: QtGui.QPen,
    brush: QtGui.QBrush,
    area: bool,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Paint features that touch no pixel of each other (`lengths` vertices each, back to back in
    x, y with `ring_end`): a path of about APART_VERTICES vertices at a time, every ring a subpath
    (odd-even: a hole stays a hole), filled then outlined for areas, outlined for lines."""
    painter.setPen(pen)
    painter.setBrush(brush if area else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
    ends = np.cumsum(lengths, dtype=np.int64)
    connect = (~np.asarray(ring_end, bool)).astype(np.int32)
    begin = 0
    while begin < len(x):
        # the last feature that ends within APART_VERTICES of `begin` (at least one feature)
        cut = int(np.searchsorted(ends, begin + APART_VERTICES, side="right"))
        end = int(ends[max(cut - 1, int(np.searchsorted(ends, begin, side="right")))])
        if cancelled is not None and cancelled():
            raise Cancelled()
        path = pg.functions.arrayToQPath(x[begin:end], y[begin:end], connect=connect[begin:end], finiteCheck=False)
        path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
        painter.drawPath(path)
        begin = end
