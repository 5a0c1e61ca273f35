"""Test-only: a reader process started with this folder on its PYTHONPATH sleeps 30 s before every
raster read, as a GDAL read that does not return (GeoTIFF has no file of its own that blocks), for
the tests of the time limit and Cancel (`tests.test_stoppable_rasters.hanging_rasters`).

Python imports `sitecustomize` from its path as it starts, before the reader's own code; the
planner's code has no hook of its own for this.
"""
import time

from layers.io import raster_read

HANG_S = 30.0


def _hanging(read):
    def read_after_a_while(*args, **kwargs):
        time.sleep(HANG_S)
        return read(*args, **kwargs)
    return read_after_a_while


raster_read.read_band = _hanging(raster_read.read_band)
raster_read.read_window = _hanging(raster_read.read_window)
