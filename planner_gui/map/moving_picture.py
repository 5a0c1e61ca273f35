"""What the map shows while it moves: a picture of it taken when it last stood still.

Painting every layer on every frame of a drag costs what the layers cost: at city scale the Hanoi
sample's wards, corridors and grid alone take 20-30 ms a frame, more than a 60 Hz frame allows.
So, as QGIS's canvas does, once the map has stood still for IDLE_MS (every layer's exact
picture in, labels placed) the canvas is painted once into an image. While the view then pans
or zooms, the layers' items are hidden and that one image is drawn, moved and scaled with the
view: a frame costs one image blit whatever the map holds. When the view stops, the canvas
redraws its layers exactly for the new view (`MapCanvas.refresh`), and they take the picture's
place. What the old picture did not cover (an edge uncovered by a pan) stays blank until then.

The picture stands for the map only while nothing has changed since it was taken: every change
of what is drawn (`stale`) drops it, and a drag that starts before a new one is taken is painted
layer by layer as before. A canvas that is never shown (an export's twin) takes no pictures.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui

from planner_gui.map.layers.large_vector import PictureItem

IDLE_MS = 30  # the map stands still this long before its picture is taken


class MovingPicture:
    """The picture of one MapCanvas, and whether the canvas is moving on it."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.item = PictureItem()
        self.item.setParentItem(canvas.view_box)  # outside the map's item group, which hides while moving
        self.item.setVisible(False)
        self.moving = False
        self.fresh = False
        self._timer = QtCore.QTimer(canvas, singleShot=True, interval=IDLE_MS)
        self._timer.timeout.connect(self._take)
        canvas.view_box.sigTransformChanged.connect(self._follow_view)

    def stale(self) -> None:
        """What the map draws changed: the picture no longer stands for it; a new one when idle."""
        self.fresh = False
        if not self.moving:
            self._timer.start()

    def start(self) -> bool:
        """The view began to move: show the picture instead of the layers, if it is fresh."""
        if self.moving:
            return True
        if not self.fresh:
            return False
        self.moving = True
        self._timer.stop()
        self._follow_view()
        self.canvas.view_box.childGroup.setVisible(False)
        self.item.setVisible(True)
        return True

    def stop(self) -> None:
        """The view stopped: the layers, redrawn for it, take the picture's place."""
        if not self.moving:
            return
        self.moving = False
        self.canvas.view_box.childGroup.setVisible(True)
        self.item.setVisible(False)
        self.stale()

    def _follow_view(self) -> None:
        # the picture lies in map coordinates, as the layers do: it moves with the map's transform
        self.item.setTransform(self.canvas.view_box.childGroup.transform())

    def _take(self) -> None:
        canvas = self.canvas
        if self.moving or not canvas.isVisible() or canvas.testAttribute(
                QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen):
            return
        if canvas.busy():  # a layer's exact picture is still on its way: wait for it
            self._timer.start()
            return
        box = canvas.view_box
        source = canvas.mapFromScene(box.sceneBoundingRect()).boundingRect()
        if source.isEmpty():
            return
        ratio = canvas.devicePixelRatioF()
        image = QtGui.QImage(int(source.width() * ratio), int(source.height() * ratio),
                             QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QtGui.QPainter(image)
        try:
            canvas.render(painter, QtCore.QRectF(image.rect()), source)
        finally:
            painter.end()
        # the map rectangle those whole pixels show (not viewRect(): the view box lies on fractions of a pixel)
        rect = box.mapSceneToView(canvas.mapToScene(source)).boundingRect()
        # PictureItem's images have their first row at the rectangle's bottom (south); a screen's, at its top
        self.item.set_picture(image.transformed(QtGui.QTransform.fromScale(1, -1)), rect)
        self.fresh = True
