"""`planner measure` starts its reader process before its imports; called again in the same process
(a script measuring in a loop, or the tests) it takes the idle reader left by the last call instead
of starting one more that is closed at once (Python's start waited for, half a second each call)."""
from __future__ import annotations

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
