"""How large one feature may be, checked on its WKB before anything parses it.

In a module of its own that imports only NumPy and pyarrow (and `wkb_column`), so that the reader process
(`layers.io.reader_child`, which reads without pandas or GEOS) checks a batch before it parses
it, as the planner's side does for what it parses itself (`layers.io.normalise`).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from layers.io.wkb_column import WkbColumn

# The most one feature may have. A city's largest real features (a coastline, a river, a district
# of many islands) have tens of thousands of vertices; one MultiPoint of two million parts is not a
# feature but a way to run the analysis out of memory. GeoJSON, GeoPackage and Shapefile say
# nothing of a size, so the check is here: a feature's WKB larger than MAX_FEATURE_BYTES is refused
# before it is parsed, and parsed ones by their counts.
MAX_PARTS = 100_000
MAX_VERTICES = 5_000_000
MAX_FEATURE_BYTES = 256 << 20
# WKB's geometry codes whose header counts: a line's points (2), a Multi* or collection's parts (4-7)
_COUNTED_KIND = np.isin(np.arange(8), (2, 4, 5, 6, 7))


class FeatureTooLarge(ValueError):
    """A feature larger than a feature may be; str() names it and says its size."""


def refuse_oversized_wkb(wkb: WkbColumn | pa.Array | pa.ChunkedArray, first_feature: int = 0) -> None:
    """Raise FeatureTooLarge for the first geometry of more than MAX_FEATURE_BYTES of WKB, or whose
    WKB header counts more than MAX_PARTS parts (a Multi* geometry or a collection) or MAX_VERTICES
    points (a line), before anything parses it: parsing one MultiPoint of two million parts makes
    two million GEOS points. Feature numbers count from `first_feature` + 1."""
    column = WkbColumn.of(wkb)
    if not column.n:
        return
    sizes = column.sizes()
    if sizes.max() > MAX_FEATURE_BYTES:
        i = int(np.flatnonzero(sizes > MAX_FEATURE_BYTES)[0])
        raise FeatureTooLarge(f"feature {first_feature + i + 1} is {sizes[i] / (1 << 20):,.0f} MB of geometry, "
                              f"more than {MAX_FEATURE_BYTES >> 20} MB, the most one feature may have; split or "
                              "simplify it")
    rows = np.flatnonzero(sizes >= 9)  # byte order, type and a count
    starts = column.offsets[rows]
    little = column.data[starts] == 1
    code = column.u32(starts + 1, little)
    srid = code >> 29 & 1  # extended WKB: an SRID before the count
    kind = (code & 0x0FFFFFFF) % 1000  # ISO WKB: + 1000 for Z, 2000 for M, 3000 for both
    kind[(kind > 7) | (sizes[rows] < 9 + 4 * srid)] = 0
    counted = np.flatnonzero(_COUNTED_KIND[kind])  # lines count points, the rest parts
    if not len(counted):
        return
    count = column.u32(starts[counted] + 5 + 4 * srid[counted], little[counted])
    over = np.flatnonzero(np.where(kind[counted] == 2, count > MAX_VERTICES, count > MAX_PARTS))
    if len(over):
        first, row = over[0], counted[over[0]]
        what = "vertices" if kind[row] == 2 else "parts"
        raise FeatureTooLarge(too_many(first_feature + int(rows[row]) + 1, int(count[first]), what))


def too_many(feature: int, count: int, what: str) -> str:
    limit, advice = (MAX_PARTS, "split it into features") if what == "parts" else \
        (MAX_VERTICES, "simplify it or split it into features")
    return f"feature {feature} has {count:,} {what}, more than {limit:,}, the most one feature may have; {advice}"
