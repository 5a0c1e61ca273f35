"""The default time limit of reading one file, in its own module so that `planner measure` can
name it in its --help before importing anything heavy: the app's setting (planner_gui.settings),
the CLI's `--timeout` and `layers.io.isolated.ReadLimits` all start from this one figure."""

READ_TIMEOUT_S = 60.0  # seconds one read (a layer, or a file's list of layers) may take before it is stopped
