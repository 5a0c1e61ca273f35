"""Capacity classes of public transport, from a route's GTFS `route_type`.

SDG 11.2.1 reaches low-capacity stops at 500 m and high-capacity ones at 1 km. A feed says what
each route is by its `route_type`: the basic types 0-12 of the GTFS reference, or the extended
types (100-1700) of Google's "Extended GTFS Route Types" (the HVT vehicle types of TPEG), which
many European feeds use. This table gives each type (or range) its mode in words and its class;
types that are not public transport for the indicator (air, taxi) get no class and their stops
are not counted. Bus routes the planner marks as BRT are high capacity (`BRT`), as ITDP counts
qualifying BRT as rapid transit; the UN metadata itself gives BRT as an example of low capacity,
so leave BRT unmarked for the UN's reading.
"""
from __future__ import annotations

import numpy as np

HIGH, LOW = "high", "low"
SOURCE = ("classes: UN SDG indicator metadata 11.2.1 (rev. Sept 2021): low capacity e.g. bus, BRT; high capacity "
          "e.g. rail, metro, ferry. Route types: GTFS Schedule reference (routes.txt route_type 0-12) and "
          "Google's Extended GTFS Route Types (100-1702)")
BRT = "bus rapid transit (marked by the planner)"

# (first type, last type, mode in words, class or None: not public transport for the indicator)
ROUTE_TYPES: tuple[tuple[int, int, str, str | None], ...] = (
    (0, 0, "tram, streetcar or light rail", LOW),
    (1, 1, "metro or subway", HIGH),
    (2, 2, "rail", HIGH),
    (3, 3, "bus", LOW),
    (4, 4, "ferry", HIGH),
    (5, 5, "cable tram", LOW),
    (6, 6, "aerial lift or cable car", LOW),
    (7, 7, "funicular", LOW),
    (11, 11, "trolleybus", LOW),
    (12, 12, "monorail", HIGH),
    (100, 199, "railway", HIGH),
    (200, 299, "coach", LOW),
    (300, 399, "suburban railway", HIGH),
    (400, 499, "urban railway (metro, underground, monorail)", HIGH),
    (500, 599, "metro", HIGH),
    (600, 699, "underground", HIGH),
    (700, 799, "bus", LOW),
    (800, 899, "trolleybus", LOW),
    (900, 999, "tram", LOW),
    (1000, 1099, "water transport", HIGH),
    (1100, 1199, "air service", None),
    (1200, 1299, "ferry", HIGH),
    (1300, 1399, "aerial lift", LOW),
    (1400, 1499, "funicular", LOW),
    (1500, 1599, "taxi", None),
    (1700, 1799, "miscellaneous service", LOW),
)
_BUS_MODES = {"bus", "coach", "trolleybus"}


def route_modes(route_types: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each route type's mode, class ('' for none) and whether the type is known, as arrays."""
    types = np.asarray(route_types, dtype=np.int64)
    mode = np.full(len(types), "", dtype=object)
    capacity = np.full(len(types), "", dtype=object)
    known = np.zeros(len(types), dtype=bool)
    for first, last, words, klass in ROUTE_TYPES:
        inside = (types >= first) & (types <= last)
        mode[inside], capacity[inside], known[inside] = words, klass or "", True
    return mode, capacity, known


def is_bus(mode: np.ndarray) -> np.ndarray:
    """Routes a planner may mark as BRT (bus, coach, trolleybus)."""
    return np.isin(np.asarray(mode, dtype=object), list(_BUS_MODES))
