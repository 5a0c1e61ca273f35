"""The app's Cancel stops a load at any moment, also inside a read that would never end; the
layers loaded before stay on the map."""
from __future__ import annotations

import geopandas as gpd
import shapely

from tests.test_stoppable_reads import endless_geopackage


def test_cancel_stops_a_read_that_would_never_end_and_keeps_what_was_loaded(qtbot, window, tmp_path):
    stations = tmp_path / "stations.gpkg"  # Lima, UTM 18S
    gpd.GeoDataFrame({"name": ["Grau", "Gamarra"]}, geometry=shapely.points([[279_000, 8_665_000],
                                                                            [280_500, 8_664_000]]),
                     crs="EPSG:32718").to_file(stations)
    endless = endless_geopackage(tmp_path / "endless.gpkg")
    job = window.open_files([stations, endless])
    qtbot.waitUntil(lambda: len(window.stack) == 1 and "endless.gpkg" in window.progress.format(), timeout=20_000)
    with qtbot.waitSignal(job.signals.finished, timeout=10_000) as finished:  # the read alone would take 60 s
        job.cancel()
    assert finished.args == [True]
    qtbot.waitUntil(lambda: not window.loader.busy())
    assert [layer.name for layer in window.stack] == ["stations"]
    assert any("cancelled" in text for text in window.message_bar.texts())
