"""Shared fixtures: small GIS files the tests make themselves, in a temporary folder."""
from __future__ import annotations

import gc
import os
import socket
import sys
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import settings
from rasterio.transform import from_origin

# The suite compiles what it runs once, whatever PYTHONDONTWRITEBYTECODE says (it is set on this
# project's machines): with it, each of the two workers rewrote and compiled every test module at
# every run (collection 17.5 s, against 6.4 s from the cache), and each process the tests start
# (the reader, `planner measure`, the page painter, the app under Xvfb) compiled the project's
# modules from source again (0.35 s for the app's). The bytecode goes where Python puts it, into
# __pycache__ folders git ignores. The whole suite here, run again: 252 -> 223 s (a fresh clone's
# first run, as the CI's, has nothing compiled yet: 253 s).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Hypothesis draws the same examples at every run of the suite (each test's own seed), so that the
# CI never goes red on an example no run before it tried, nor green again without a change: a
# property a change breaks fails at once, on the same examples every time. To look for what these
# examples miss, draw new ones: HYPOTHESIS_PROFILE=explore pytest tests/test_coverage.py
settings.register_profile("suite", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture(autouse=True, scope="session")
def _cache_of_its_own(tmp_path_factory):
    """The street networks the tests build are cached in the session's temporary folder, not in
    the user's ~/.cache/planner (a test run leaves nothing behind and finds nothing left there);
    within a run, a network built once is found by the tests after it."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture
def stations_gdf() -> gpd.GeoDataFrame:
    """Three metro stations near central Hanoi (lon/lat), with planning fields."""
    return gpd.GeoDataFrame(
        {
            "name": ["Cát Linh", "La Thành", "Thái Hà"],
            "status": ["existing", "Under construction", "planned"],
            "opening_year": [2021, 2027, 2035],
        },
        geometry=shapely.points([[105.8280, 21.0282], [105.8243, 21.0220], [105.8196, 21.0144]]),
        crs="EPSG:4326",
    )


@pytest.fixture
def wards_gdf() -> gpd.GeoDataFrame:
    """Two adjacent 1 km squares in EPSG:32648 (UTM 48N), near Hanoi."""
    x0, y0 = 585_000.0, 2_325_000.0
    return gpd.GeoDataFrame(
        {"name": ["West", "East"], "population": [1000, 2000]},
        geometry=[shapely.box(x0, y0, x0 + 1000, y0 + 1000), shapely.box(x0 + 1000, y0, x0 + 2000, y0 + 1000)],
        crs="EPSG:32648",
    )


@pytest.fixture
def population_tif(tmp_path):
    """A 4 x 5 grid of 100 m cells in EPSG:32648 holding 1..20 people, one nodata cell."""
    data = np.arange(1, 21, dtype="float32").reshape(4, 5)
    data[0, 0] = -1
    path = tmp_path / "population.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=5, height=4, count=1, dtype="float32",
        crs="EPSG:32648", transform=from_origin(585_000, 2_325_400, 100, 100), nodata=-1,
    ) as dst:
        dst.write(data, 1)
    return path


GUI_TESTS = Path(__file__).resolve().parent / "gui"


@pytest.fixture(autouse=True)
def _collector_as_usual(request):
    """A test outside tests/gui runs with nothing frozen out of the collector. The GUI tests' windows
    freeze what is alive before them (tests/gui/helpers.collect_earlier_garbage); left frozen, the
    collector, which counts only what it walks, would run full collections far more often during the
    tests after (measured: 7 % more time for a run of model tests). Unfrozen here once; the next full
    collection counts everything again. A test that freezes (test_collector) checks its own state.
    Not counted first: `gc.get_freeze_count` walks every frozen object (10-50 ms, at every test of
    the run), where `gc.unfreeze` joins two lists, nothing frozen or millions."""
    if not request.path.is_relative_to(GUI_TESTS):
        gc.unfreeze()


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1: (its port, the first bytes of every connection made to it), for
    the tests that check a file makes the reader reach nothing (tests/test_no_network.py,
    tests/test_hostile_files.py)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    connections: list[bytes] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                connections.append(conn.recv(1024))
            except OSError:
                connections.append(b"")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def reads(monkeypatch):
    """Every GIS file a project opening reads, in order (the readers are wrapped, not replaced): to
    check that a project naming files outside its folder reads none before the planner says yes."""
    import layers.session.project

    done = []
    for name in ("read_counted", "read_raster"):
        real = getattr(layers.session.project, name)
        monkeypatch.setattr(layers.session.project, name, lambda source, *a, real=real, **k: done.append(source) or real(source, *a, **k))
    return done
