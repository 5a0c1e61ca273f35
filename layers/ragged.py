"""Counts and offsets of ragged arrays (features -> parts -> paths -> coordinates), NumPy only.

One place for the steps every layout of `CompactGeometries` walks with: the analysis engine and
the reader process's WKB parser (`layers.io.wkb_arrays`, which imports neither shapely nor pandas)
both use them.
"""
from __future__ import annotations

import numpy as np


def offsets_of(counts: np.ndarray) -> np.ndarray:
    """0, counts[0], counts[0] + counts[1], ...: where each run starts, and the end (int64)."""
    out = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, .., counts[0]-1, 0, 1, .., counts[1]-1, ...: each item's place in its run."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def children(offsets: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The children of rows `index` (row i's are offsets[i] .. offsets[i + 1]), in that order, and
    their offsets (each row's run among them)."""
    counts = offsets[index + 1] - offsets[index]
    return np.repeat(offsets[index], counts) + ranks(counts), offsets_of(counts)
