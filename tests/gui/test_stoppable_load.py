"""The app's Cancel stops a load at any moment, also inside a read that would never end; the
layers loaded before stay on the map."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6 import QtCore

from layers.cli import _parser
from layers.io.limits import READ_TIMEOUT_S
from planner_gui.settings import READ_TIMEOUT_KEY, app_settings, read_timeout_s
from tests.test_stoppable_rasters import hanging_rasters, write_grid  # noqa: F401  (a fixture)
from tests.test_stoppable_reads import endless_geopackage


def _stations_gpkg(path):
    gpd.GeoDataFrame({"name": ["Grau", "Gamarra"]}, geometry=shapely.points([[279_000, 8_665_000],
                                                                            [280_500, 8_664_000]]),
                     crs="EPSG:32718").to_file(path)  # Lima, UTM 18S
    return path


def _cancel_the_second_file(qtbot, window, stations, stuck) -> None:
    """Open the stations and a file whose read does not end; press Cancel once the stations are in
    and the read of `stuck` is under way; the job ends cancelled and the stations stay."""
    job = window.open_files([stations, stuck])
    qtbot.waitUntil(lambda: len(window.stack) == 1 and stuck.name in window.progress.format(), timeout=20_000)
    with qtbot.waitSignal(job.signals.finished, timeout=10_000) as finished:  # the read alone would take 30-60 s
        job.cancel()
    assert finished.args == [True]
    qtbot.waitUntil(lambda: not window.loader.busy())
    assert [layer.name for layer in window.stack] == ["stations"]


def test_cancel_stops_a_read_that_would_never_end_and_keeps_what_was_loaded(qtbot, window, tmp_path):
    _cancel_the_second_file(qtbot, window, _stations_gpkg(tmp_path / "stations.gpkg"),
                            endless_geopackage(tmp_path / "endless.gpkg"))
    assert any("cancelled" in text for text in window.message_bar.texts())


@pytest.mark.usefixtures("hanging_rasters")
def test_cancel_stops_a_raster_read_that_hangs_and_keeps_what_was_loaded(qtbot, window, tmp_path):
    _cancel_the_second_file(qtbot, window, _stations_gpkg(tmp_path / "stations.gpkg"),
                            write_grid(tmp_path / "pop.tif", np.ones((20, 30), dtype="float32")))


@pytest.fixture
def one_second_time_limit():
    """The app's time limit of a read set to 1 s, and removed after: left in the settings every test
    shares, it stopped the next tests' feed reads on a loaded machine."""
    app_settings().setValue(READ_TIMEOUT_KEY, 1.0)
    yield
    app_settings().remove(READ_TIMEOUT_KEY)


@pytest.mark.usefixtures("hanging_rasters", "one_second_time_limit")
def test_the_apps_time_limit_stops_a_raster_read_that_hangs(qtbot, window, tmp_path):
    """The limit is the app's setting (1 s here; 60 s unless set)."""
    stations = _stations_gpkg(tmp_path / "stations.gpkg")
    grid = write_grid(tmp_path / "pop.tif", np.ones((20, 30), dtype="float32"))
    window.open_files([stations, grid])
    qtbot.waitUntil(lambda: not window.loader.busy(), timeout=20_000)
    assert [layer.name for layer in window.stack] == ["stations"]
    assert any("pop.tif: reading did not finish within 1 s (the time limit)" in text
               for text in window.message_bar.texts())


def test_the_time_limit_setting_defaults_to_the_clis(tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "planner.ini"), QtCore.QSettings.Format.IniFormat)
    assert read_timeout_s(settings) == READ_TIMEOUT_S == _parser().get_default("timeout") == 60.0
    settings.setValue(READ_TIMEOUT_KEY, "soon")
    assert read_timeout_s(settings) == READ_TIMEOUT_S
