"""What the map works out once from a layer (its style classes, legend groups, colour names,
attribution), kept with the layer while it lives and worked out again when its key changes.

The map asks after every layer event, every timeline year and every repaint, from the GUI thread
and its workers; a large layer's answer takes tens of milliseconds of pandas. Each kind of answer
is a `Remembered`; its key names what the answer depends on, and `Layer.data_key` the layer's
data (which frame it holds, and the changes made to it in place).
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any


class Remembered:
    """One kind of answer per layer (weakly held), by key; any thread."""

    def __init__(self) -> None:
        self._known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # layer -> (key, answer)
        self._lock = threading.Lock()

    def get(self, layer, key, make: Callable[[], Any]):
        """The answer for `layer` under `key`: the one kept, or `make()` kept now."""
        with self._lock:
            known = self._known.get(layer)
        if known is None or known[0] != key:
            known = (key, make())
            with self._lock:
                self._known[layer] = known
        return known[1]

    def has(self, layer, key) -> bool:
        """True if an answer for `layer` under `key` is kept."""
        with self._lock:
            known = self._known.get(layer)
        return known is not None and known[0] == key
