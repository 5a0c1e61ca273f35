"""A new QImage of one colour, cleared without holding Python's lock.

PySide keeps the GIL through `QImage.fill`: clearing the 70 megapixels of a 600 dpi A3 page in a
worker stops every other Python thread, the GUI thread included, for 70-90 ms. NumPy's fill of the
same pixels lets go of it (and takes 13 ms). So every image painted off the GUI thread, or large
enough to matter, starts here.
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtGui

_FORMATS = (  # 32-bit formats: a pixel is one word, rows have no padding
    QtGui.QImage.Format.Format_ARGB32,
    QtGui.QImage.Format.Format_RGB32,
    QtGui.QImage.Format.Format_ARGB32_Premultiplied,
)


def blank_image(width: int, height: int, colour=QtGui.QColor(0, 0, 0, 0),
                image_format=QtGui.QImage.Format.Format_ARGB32_Premultiplied) -> QtGui.QImage:
    """A width x height image of `colour` (anything QColor takes; transparent by default), the
    pixels those of `QImage.fill`.

    Raises MemoryError when there is no memory for the pixels (Qt gives a null image then).
    """
    image = QtGui.QImage(width, height, image_format)
    if image.isNull():
        raise MemoryError(f"no memory for an image of {width} x {height} pixels")
    np.frombuffer(image.bits(), np.uint32)[:] = colour_word(colour, image_format)
    return image


def colour_word(colour, image_format) -> np.uint32:
    """The pixel `QImage.fill(colour)` writes into an image of `image_format` (32-bit)."""
    if image_format not in _FORMATS:
        raise ValueError(f"only 32-bit images have one word a pixel, not {image_format}")
    pixel = QtGui.QImage(1, 1, image_format)
    pixel.fill(QtGui.QColor(colour))  # Qt's own word for the colour in this format
    return np.frombuffer(pixel.constBits(), np.uint32)[0]
