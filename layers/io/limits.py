"""Limits of reading, in a module of their own that imports nothing, so that `planner measure` can
name them in its --help before importing anything heavy, and the planner's side of the reader process
knows them without importing what the reader process reads with (rasterio's GDAL).

The default time limit of reading one file: the app's setting (planner_gui.settings), the CLI's
`--timeout` and `layers.io.isolated.ReadLimits` all start from this one figure."""

READ_TIMEOUT_S = 60.0  # seconds one read (a layer, or a file's list of layers) may take before it is stopped
OVERVIEW_MAX_SIDE = 2048  # the side, in pixels, of the overview a display-only raster is drawn from
