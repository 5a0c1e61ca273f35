"""Images cleared by NumPy (which lets other threads run) have the pixels QImage.fill gives."""
from __future__ import annotations

import pytest
from PySide6 import QtGui

from planner_gui.map.blank_image import blank_image

FORMATS = (QtGui.QImage.Format.Format_ARGB32, QtGui.QImage.Format.Format_RGB32,
           QtGui.QImage.Format.Format_ARGB32_Premultiplied)


@pytest.mark.parametrize("image_format", FORMATS)
@pytest.mark.parametrize("colour", ["#f4f2ec", QtGui.QColor(255, 255, 255, 215), QtGui.QColor(10, 200, 30, 128),
                                    QtGui.QColor(0, 0, 0, 0)])
def test_a_blank_image_is_a_filled_one(image_format, colour):
    filled = QtGui.QImage(13, 7, image_format)
    filled.fill(QtGui.QColor(colour))
    blank = blank_image(13, 7, colour, image_format)
    assert blank.format() == image_format and blank.size() == filled.size()
    assert bytes(blank.constBits()) == bytes(filled.constBits())


def test_only_one_word_a_pixel_formats_are_made():
    with pytest.raises(ValueError, match="32-bit"):
        blank_image(4, 4, "white", QtGui.QImage.Format.Format_RGB888)
