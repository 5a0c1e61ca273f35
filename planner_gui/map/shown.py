"""The features a layer's filter (the timeline's year) lets through, worked out once per data and filter.

`Layer.feature_mask()` works the mask out from the fields each time it is asked (a million
footprints: tens of milliseconds of pandas). The map asks after every change of the timeline's
year, for every layer, from its graphics, its legend and the pictures' workers: here it is
worked out once per (features, filter) and kept with the layer (any thread may ask).

    shown_mask(layer)           # bool array, True for the features shown; None: the layer has no filter
    shown_mask(layer, scenario) # the same for another filter (a picture painted for the filter it was asked with)
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # layer -> (key, mask)
_lock = threading.Lock()


_CURRENT = object()


def shown_mask(layer, feature_filter=_CURRENT) -> np.ndarray | None:
    """The features of `layer` that `feature_filter` (default: the layer's own, as
    `layer.feature_mask()`) lets through, worked out once per features and filter (read only)."""
    if feature_filter is _CURRENT:
        feature_filter = layer.feature_filter
    if feature_filter is None:
        return None
    key = (id(layer.gdf), feature_filter)
    with _lock:
        known = _known.get(layer)
    if known is not None and known[0] == key:
        return known[1]
    mask = np.asarray(feature_filter.mask(layer.gdf), dtype=bool)
    mask.setflags(write=False)  # shared by every view of the layer
    with _lock:
        _known[layer] = (key, mask)
    return mask
