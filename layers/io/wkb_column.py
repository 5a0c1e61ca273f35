"""An Arrow column of WKB seen through NumPy, without a copy: where each feature's bytes are, which
features are there, and the numbers in the bytes. The two readers of WKB share it: the size check
that runs before anything is parsed (`feature_size`) and the parser (`wkb_arrays`). NumPy and
pyarrow only: the reader process uses both.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa


class WkbColumn:
    """`offsets` (int64, n + 1: feature i's bytes are data[offsets[i]:offsets[i + 1]]), `data` (the
    bytes, uint8) and `present` (False where the feature is missing) of a column of WKB."""

    def __init__(self, wkb: pa.Array | pa.ChunkedArray) -> None:
        wkb = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
        self.n = n = len(wkb)
        large = pa.types.is_large_binary(wkb.type)
        buffers = wkb.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int64 if large else np.int32) if n else np.zeros(1, np.int32)
        self.offsets = offsets[wkb.offset:wkb.offset + n + 1].astype(np.int64)
        self.data = np.frombuffer(buffers[2], dtype=np.uint8) if n and buffers[2] is not None else np.zeros(0, np.uint8)
        self.present = np.ones(n, dtype=bool) if not wkb.null_count else wkb.is_valid().to_numpy(zero_copy_only=False)

    @classmethod
    def of(cls, wkb: WkbColumn | pa.Array | pa.ChunkedArray) -> WkbColumn:
        return wkb if isinstance(wkb, WkbColumn) else cls(wkb)

    def sizes(self) -> np.ndarray:
        """Each feature's bytes (0 for a missing one)."""
        return np.where(self.present, np.diff(self.offsets), 0)

    def u32(self, pos: np.ndarray, little: np.ndarray) -> np.ndarray:
        """The unsigned 32-bit integers at `pos` (int64), each in its geometry's byte order."""
        raw = self.windows(4)[pos]
        values = raw.view("<u4").astype(np.int64)
        big = ~little
        if big.any():
            values[big] = raw[big].view(">u4")
        return values

    def windows(self, size: int) -> np.ndarray:
        """The bytes as overlapping windows of `size` bytes, one starting at every byte (no copy):
        indexing it with positions gathers the values there, however they are aligned."""
        count = max(len(self.data) - size + 1, 0)
        return np.ndarray((count,), dtype=f"V{size}", buffer=self.data, strides=(1,))
