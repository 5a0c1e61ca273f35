"""The features a layer's filter (the timeline's year) lets through, worked out once per data and filter.

`Layer.feature_mask()` works the mask out from the fields each time it is asked (a million
footprints: tens of milliseconds of pandas). The map asks after every change of the timeline's
year, for every layer, from its graphics, its legend and the pictures' workers: here the
layer's status and opening year are read once per data (`dated_fields`, what pandas costs), each
filter's mask is worked out from them (a comparison of arrays) and kept with the layer, the last
KEPT_FILTERS of them (a planner moves the timeline back and forth over a few years; any thread
may ask).

    shown_mask(layer)           # bool array, True for the features shown; None: the layer has no filter
    shown_mask(layer, scenario) # the same for another filter (a picture painted for the filter it was asked with)
    dated_fields(layer)         # the fields a scenario reads, parsed once per data (`worked_out_ahead` asks early)
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from layers.analysis.scenario import DatedFields, Scenario
from planner_gui.map.remembered import Remembered

KEPT_FILTERS = 16
# layer -> (its data (`Layer.data_key`), OrderedDict filter -> mask)
_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_fields = Remembered()  # layer -> its DatedFields, by its data


_CURRENT = object()


def shown_mask(layer, feature_filter=_CURRENT) -> np.ndarray | None:
    """The features of `layer` that `feature_filter` (default: the layer's own, as
    `layer.feature_mask()`) lets through, worked out once per features and filter (read only)."""
    if feature_filter is _CURRENT:
        feature_filter = layer.feature_filter
    if feature_filter is None:
        return None
    key, gdf = layer.keyed_frame()
    with _lock:
        known_key, known = _known.get(layer, (None, None))
        if known_key != key:  # new or changed features
            known = OrderedDict()
            _known[layer] = (key, known)
        if feature_filter in known:
            known.move_to_end(feature_filter)
            return known[feature_filter]
    if isinstance(feature_filter, Scenario):
        mask = np.asarray(feature_filter.mask(gdf, _dated(layer, gdf, key)), dtype=bool)
    else:  # any object with `.mask(gdf)`
        mask = np.asarray(feature_filter.mask(gdf), dtype=bool)
    mask.setflags(write=False)  # shared by every view of the layer
    with _lock:
        known[feature_filter] = mask
        while len(known) > KEPT_FILTERS:
            known.popitem(last=False)
    return mask


def dated_fields(layer) -> DatedFields:
    """`layer`'s status and opening year as a scenario reads them, parsed once per features."""
    key, gdf = layer.keyed_frame()
    return _dated(layer, gdf, key)


def _dated(layer, gdf, key: tuple) -> DatedFields:
    """The fields of `gdf`, whose data key is `key` (what the caller took of the layer, together)."""
    return _fields.get(layer, key, lambda: DatedFields.of(gdf))
