"""A layer's geometries kept out of the garbage collector's walks (`layers.io.sliced`), and given back.

A million geometries left to the collector are walked at every full collection, each walk holding
the GIL for 100 ms in whatever thread set it off. So a large load moves what is alive to the
collector's permanent generation; these tests check that it does (and only for large loads), that
a layer removed for good is still freed at once, and that `Session.clear` frees a reference cycle
the old work left among what was kept out.
"""
from __future__ import annotations

import gc
import threading
import weakref

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
import shapely

from layers.io import sliced
from layers.io import read_vector
from layers.session.project import SAMPLE_PROJECT, open_project


@pytest.fixture
def collector(monkeypatch):
    """Small slices and a small LASTING; whatever the test kept out is given back after it."""
    monkeypatch.setattr(sliced, "SLICE", 3)
    monkeypatch.setattr(sliced, "LASTING", 8)
    frozen_before = gc.get_freeze_count()
    yield
    if not frozen_before:
        gc.unfreeze()


def _walked(obj) -> bool:
    """Whether the collector still walks `obj` (the permanent generation is not among get_objects)."""
    return any(o is obj for o in gc.get_objects())


def _points_wkb(n: int):
    return pa.array(shapely.to_wkb(shapely.points(np.arange(float(n)), np.arange(float(n)))).tolist())


def test_a_large_load_keeps_its_geometries_out_of_the_collector(collector):
    gc.unfreeze()
    small = sliced.geometries_from_wkb(_points_wkb(7))  # under LASTING: left to the collector
    assert gc.get_freeze_count() == 0 and _walked(small[0])
    large = sliced.geometries_from_wkb(_points_wkb(9))
    assert gc.get_freeze_count() > 0 and not _walked(large[0])
    moved = sliced.in_slices(shapely.transform, small.repeat(2), lambda xy: xy + 1.0)  # 14: kept out too
    assert not _walked(moved[0])
    assert shapely.equals(large, shapely.points(np.arange(9.0), np.arange(9.0))).all()


def test_a_removed_layer_is_freed_without_the_collector(collector, tmp_path):
    """What a freeze holds back is only reference cycles: a layer and its frame are not in one."""
    session, _ = open_project(SAMPLE_PROJECT)
    path = tmp_path / "footprints.parquet"
    x = np.arange(40.0) * 50 + 585_000
    gpd.GeoDataFrame({"height_m": np.arange(40.0)}, geometry=shapely.box(x, 2_325_000, x + 20, 2_325_015),
                     crs="EPSG:32648").to_parquet(path)
    layer = read_vector(path)
    assert gc.get_freeze_count() > 0  # its geometries were kept out
    session.add_layer(layer)
    session.city()  # the figures' city holds its layers too
    layer_ref, frame_ref = weakref.ref(layer), weakref.ref(layer.gdf)
    session.remove_layer(layer)
    del layer
    gc.disable()
    try:
        session.history.clear()  # no undo can bring it back
        session.city()
        assert layer_ref() is None and frame_ref() is None
    finally:
        gc.enable()


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the collector frees it


def test_clearing_the_session_frees_the_old_works_cycles_and_keeps_the_rest_out(collector):
    session, _ = open_project(SAMPLE_PROJECT)
    node, living = _Node(), _Node()
    cycle = weakref.ref(node)
    sliced.keep_out_of_collector(sliced.LASTING)
    del node
    gc.collect()
    assert cycle() is not None  # kept out: the collector does not see it
    session.clear()
    assert cycle() is None
    assert gc.get_freeze_count() > 0 and not _walked(living)


def test_only_a_worker_lets_go_of_the_gil_between_slices(collector, monkeypatch):
    sleeps = []
    monkeypatch.setattr(sliced.time, "sleep", sleeps.append)
    sliced.in_slices(shapely.centroid, shapely.points(np.arange(7.0), np.arange(7.0)))
    assert sleeps == []  # the main thread (a script, the CLI) has nobody to wait for
    worker = threading.Thread(target=sliced.in_slices,
                              args=(shapely.centroid, shapely.points(np.arange(7.0), np.arange(7.0))))
    worker.start()
    worker.join()
    assert sleeps == [sliced.YIELD_S] * 3  # after each of the three slices


def test_clearing_the_session_walks_nothing_when_no_layer_was_kept_out(collector):
    """What the window froze as it started (its modules, classes, functions) holds no old work:
    New or Open project makes no full collection over it unless a large load was kept out since."""
    session, _ = open_project(SAMPLE_PROJECT)
    session.clear()  # whatever earlier tests kept out, collected
    gc.freeze()  # as `planner_gui.process` does once the window is built
    full = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(info)

    gc.callbacks.append(count)
    try:
        gc.disable()  # no collection of its own meanwhile
        session.clear()
        assert full == []
        sliced.keep_out_of_collector(sliced.LASTING)  # a large layer read
        session.clear()
        assert len(full) == 1
    finally:
        gc.enable()
        gc.callbacks.remove(count)
