"""`planner measure` starts its reader process before its imports; called again in the same process
(a script measuring in a loop, or the tests) it takes the idle reader left by the last call instead
of starting one more that is closed at once (Python's start waited for, half a second each call)."""
from __future__ import annotations

from pathlib import Path

from layers.io import isolated
from layers.io.isolated import ReadLimits


def test_a_prestart_with_an_idle_reader_of_its_limits_starts_none(monkeypatch):
    isolated.close_idle()
    started = []
    real_start = isolated.ReaderProcess._start
    monkeypatch.setattr(isolated.ReaderProcess, "_start", lambda self: started.append(self) or real_start(self))
    try:
        isolated.prestart(ReadLimits(memory_mb=3000))
        assert len(started) == 1 and isolated._idle == started
        isolated.prestart(ReadLimits(memory_mb=3000, timeout_s=5))  # the time limit is set per read
        assert len(started) == 1
        isolated.prestart(ReadLimits(memory_mb=4000))  # another memory cap is another process
        assert len(started) == 2 and isolated._idle == started
    finally:
        isolated.close_idle()


def test_a_reader_closed_is_ended_at_once(tmp_path):
    """Closing a reader kills its process and waits for it: it has nothing to finish, and an
    orderly end was time the command and the app's Quit waited for."""
    import geopandas as gpd
    import shapely

    path = tmp_path / "stations.gpkg"  # Lima, UTM 18S
    gpd.GeoDataFrame(geometry=[shapely.Point(279_000, 8_660_000)], crs="EPSG:32718").to_file(path, layer="stations")
    reader = isolated.ReaderProcess(ReadLimits())
    assert reader.layers(str(path)) == ["stations"]
    child = reader._proc
    reader.close()
    assert child.poll() is not None and reader._proc is None


def test_the_reader_loads_rasterio_only_once_it_has_read_a_layer(tmp_path):
    """The reader's first read (a city's footprints, sent ahead) is not shared with loading
    rasterio's libraries (30-40 MB at the read's peak): they are loaded on a thread once a layer is
    read, before the first raster is. Seen in the process's memory map (Linux)."""
    import time

    import geopandas as gpd
    import shapely

    path = tmp_path / "stations.gpkg"  # Lima, UTM 18S
    gpd.GeoDataFrame(geometry=[shapely.Point(279_000, 8_660_000)], crs="EPSG:32718").to_file(path, layer="stations")
    reader = isolated.ReaderProcess(ReadLimits())
    try:
        reader._start()
        maps = Path(f"/proc/{reader._proc.pid}/maps")

        def rasterio_loaded() -> bool:
            return "rasterio" in maps.read_text()

        assert reader.layers(str(path)) == ["stations"]
        settled = time.monotonic() + 1.0  # time enough for an import started with the reader (0.1 s)
        while time.monotonic() < settled:
            assert not rasterio_loaded()
            time.sleep(0.05)
        with reader.arrow(str(path), "stations") as (_meta, batches):
            assert sum(batch.num_rows for batch in batches) == 1
        deadline = time.monotonic() + 30
        while not rasterio_loaded() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rasterio_loaded()
    finally:
        reader.close()
