"""A load's geometries are kept out of the garbage collector's full walks (a million of them held
the GIL 50-100 ms a walk), and given back when the session is emptied (`planner_gui.jobs.collector`)."""
from __future__ import annotations

import gc

from helpers import load


def _walked(obj) -> bool:
    """True if the collector's generations (not its permanent one) hold `obj`."""
    return any(o is obj for o in gc.get_objects())


def test_a_load_is_frozen_out_of_collections_and_given_back_by_new(qtbot, window, synthetic_project):
    gc.unfreeze()
    load(qtbot, window, [synthetic_project])
    layer = next(layer for layer in window.session.layers if hasattr(layer, "gdf"))
    geometry = layer.gdf.geometry.iloc[0]
    assert gc.is_tracked(geometry)
    assert gc.get_freeze_count() > 0
    assert not _walked(geometry)  # frozen: no collection walks it
    window.new_project()
    assert gc.get_freeze_count() == 0  # all given back to the collector
    assert _walked(geometry)  # (still alive here, held by this test)
