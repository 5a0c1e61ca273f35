"""Finding keys in a sorted array, all at once: the engine's (feature, region) pairs, a cell
table's cells, a network's nodes and edges by key. NumPy only."""
from __future__ import annotations

import numpy as np


def lookup(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where, found): for each of `wanted`, its position in `sorted_keys` (ascending) and whether
    it is there. Where it is not, the position is only somewhere in the array (0 if it is empty),
    safe to index with and to be masked by `found`."""
    wanted = np.asarray(wanted)
    if not len(sorted_keys):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return where, sorted_keys[where] == wanted
