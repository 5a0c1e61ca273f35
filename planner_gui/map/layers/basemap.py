"""The basemap under every layer: tiles of an XYZ server or an MBTiles file (`planner_gui.map.tiles`),
fetched in a worker for each view (latest wins) and drawn each as its quadrilateral in the working
CRS (a projective transform of the Web Mercator tile). Off (no source), offline, or before its tiles
arrive, the map is drawn exactly as without it. Not a session layer: a backdrop of the view, like the
scale bar, chosen in View > Basemap and kept in the app's settings.
"""
from __future__ import annotations

import contextlib

from PySide6 import QtCore, QtGui, QtWidgets

from planner_gui.jobs.runner import AnalysisRunner
from planner_gui.map.tiles import PlacedTile, TileSource, fetch, tiles_for_view

Z_BASEMAP = -1_000  # under every layer (layers are stacked from 0 up)


def placed_image(item: PlacedTile) -> tuple[QtGui.QImage, QtGui.QTransform] | None:
    """The tile decoded, and the transform taking its pixels onto its corners (any thread)."""
    image = QtGui.QImage.fromData(item.data)
    if image.isNull():
        return None
    quad = QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in item.corners])
    transform = QtGui.QTransform()
    if not QtGui.QTransform.quadToQuad(QtGui.QPolygonF(
            [QtCore.QPointF(0, 0), QtCore.QPointF(image.width(), 0), QtCore.QPointF(image.width(), image.height()),
             QtCore.QPointF(0, image.height())]), quad, transform):
        return None
    return image, transform


class BasemapItem(QtWidgets.QGraphicsItem):
    """The tiles of the latest view, each drawn through its transform (map coordinates)."""

    def __init__(self):
        super().__init__()
        self.tiles: list[tuple[QtGui.QImage, QtGui.QTransform]] = []
        self._bounds = QtCore.QRectF()
        self.setZValue(Z_BASEMAP)

    def set_tiles(self, tiles: list[tuple[QtGui.QImage, QtGui.QTransform]]) -> None:
        self.prepareGeometryChange()
        self.tiles = tiles
        bounds = QtCore.QRectF()
        for image, transform in tiles:
            bounds = bounds.united(transform.mapRect(QtCore.QRectF(image.rect())))
        self._bounds = bounds
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
        for image, transform in self.tiles:
            painter.save()
            painter.setTransform(transform, True)
            painter.drawImage(0, 0, image)
            painter.restore()


class Basemap(QtCore.QObject):
    """The canvas's basemap: `set_source(source or None)`, then `refresh(view, pixel_m)` per view."""

    changed = QtCore.Signal()  # tiles arrived or the source changed (the attribution follows)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.source: TileSource | None = None
        self.item = BasemapItem()
        self._runner = AnalysisRunner(self, debounce_ms=0, lock=contextlib.nullcontext())  # never waits for analysis
        self._runner.finished.connect(self._arrived)
        self._frozen = False  # a copy of another canvas's tiles (an export's twin): never fetches

    def set_source(self, source: TileSource | None) -> None:
        self.source = source
        self._runner.cancel()
        self.item.set_tiles([])
        if source is None:
            if self.item.scene() is not None:
                self.canvas.view_box.removeItem(self.item)
        elif self.item.scene() is None:
            self.canvas.view_box.addItem(self.item, ignoreBounds=True)
        self.changed.emit()

    def shown(self) -> bool:
        """True if tiles are drawn now (the map then credits their source)."""
        return self.source is not None and bool(self.item.tiles)

    def attribution(self) -> str:
        return self.source.attribution if self.shown() else ""

    def refresh(self, view, pixel_m: float) -> None:
        """Ask for the tiles of this view (in a worker; the ones shown stay until they arrive)."""
        source, crs = self.source, self.canvas.working_crs
        if source is None or source.offline or self._frozen or self.canvas.is_empty():
            return

        def tiles(_progress, cancelled):
            placed = tiles_for_view(view, pixel_m, crs, source.max_zoom, source.min_zoom)
            return [made for item in fetch(placed, source, cancelled) if (made := placed_image(item)) is not None]

        self._runner.request(tiles, immediate=True)

    def copy_from(self, other: Basemap) -> None:
        """Draw what `other` draws (an export's twin canvas: the page shows the screen's tiles)."""
        if other.source is not None:
            self.set_source(other.source)
            self._frozen = True
            self.item.set_tiles(list(other.item.tiles))

    def busy(self) -> bool:
        return self._runner.busy()

    def stop(self) -> None:
        self._runner.cancel()

    def _arrived(self, _request_id: int, tiles) -> None:
        if self.source is None:
            return
        if tiles or not self.item.tiles:
            self.item.set_tiles(tiles)
        self.canvas.moving_picture.stale()
        self.changed.emit()
