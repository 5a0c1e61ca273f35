"""Reading the walking streets of an OpenStreetMap extract (`.osm.pbf`) with pyrosm, offline.

The walking network is pyrosm's `network_type='walking'` (OSMnx's 'walk'): footways, paths,
steps, pedestrian and residential streets, service roads, and trunk and primary roads; not
motorways (and their links), cycle ways or ways closed to pedestrians (`foot=no`,
`access=private`), and not a street whose sidewalks are drawn as separate ways (they are
counted instead). Trunk roads are walked on purpose: they often have sidewalks (a city's
arterials are tagged trunk in many countries), OSMnx's walk filter excludes only motorways,
and r5 lets pedestrians use a trunk road unless it is tagged `foot=no`, which is honoured here
too.

An extract is untrusted like every file: it must be a regular, readable, non-empty file whose
first bytes are an OSM PBF header block ('OSMHeader'), before pyrosm sees it; pyrosm reads it
in memory (it writes no temporary cache and reaches no network); every failure is a
`LayerLoadError` naming the file. Where to get one: a Geofabrik or BBBike extract of the city
(`GET_NETWORK_HINT`).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.analysis.network.graph import NetworkSource
from layers.io import LayerLoadError

OSM_LICENCE = "© OpenStreetMap contributors, ODbL"
MAX_BLOB_HEADER = 64 * 1024  # the PBF format caps a BlobHeader at 64 KiB
GET_NETWORK_HINT = (
    "walking distance needs a street network: give an OpenStreetMap extract of the city "
    "(--network CITY.osm.pbf; e.g. from https://download.geofabrik.de or https://extract.bbbike.org; "
    "for Hanoi: https://download.geofabrik.de/asia/vietnam.html or BBBike's Hanoi extract, "
    "https://download.bbbike.org/osm/bbbike/Hanoi/) or a line layer of role 'street'"
)


def looks_like_osm_pbf(head: bytes) -> bool:
    """True if `head` (a file's first 16 bytes or more) starts an OSM PBF: a 4-byte big-endian
    BlobHeader length, then the BlobHeader's field 1 (type), the 9 characters 'OSMHeader'."""
    if len(head) < 15:
        return False
    size = int.from_bytes(head[:4], "big")
    return 0 < size <= MAX_BLOB_HEADER and head[4:6] == b"\x0a\x09" and head[6:15] == b"OSMHeader"


def check_pbf(path: str | os.PathLike) -> Path:
    """`path` if it is a regular, readable OSM PBF file; else LayerLoadError saying why."""
    path = Path(path)
    try:
        if not path.exists():
            raise LayerLoadError(path, "file not found")
        if not path.is_file():
            raise LayerLoadError(path, "is not a regular file (a folder, a device or a pipe)")
        with open(path, "rb") as f:
            head = f.read(16)
    except LayerLoadError:
        raise
    except (OSError, RuntimeError) as exc:
        raise LayerLoadError(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if not head:
        raise LayerLoadError(path, "the file is empty (0 bytes)")
    if not looks_like_osm_pbf(head):
        raise LayerLoadError(path, "is not an OpenStreetMap PBF extract (its first bytes are not an "
                                   "'OSMHeader' block); give a .osm.pbf file from Geofabrik or BBBike")
    return path


def read_walking_streets(path: str | os.PathLike) -> tuple[gpd.GeoDataFrame, NetworkSource]:
    """The walking ways of an OSM extract as lon/lat LineStrings, and where and when they come from."""
    path = check_pbf(path)
    try:
        import pyrosm

        osm = pyrosm.OSM(str(path), engine="in_memory", progress=False)
        ways = osm.get_network(network_type="walking")
        header_date = _replication_date(path)
    except LayerLoadError:
        raise
    except Exception as exc:  # pyrosm's and protobuf's errors vary; the reason is what matters
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LayerLoadError(path, f"the OpenStreetMap extract cannot be read ({text})") from None
    if ways is None or len(ways) == 0:
        raise LayerLoadError(path, "the OpenStreetMap extract holds no walkable ways")
    ways = gpd.GeoDataFrame(ways, geometry="geometry", crs=ways.crs or "EPSG:4326")
    return ways, NetworkSource(f"OpenStreetMap extract {path.name}", header_date or _newest_edit(ways),
                               OSM_LICENCE)


def _replication_date(path: Path) -> str:
    """The extract's replication date from its header ('' if it does not say)."""
    from pyrosm.pbf_export import read_header_block

    header = read_header_block(str(path))
    if header.HasField("osmosis_replication_timestamp") and header.osmosis_replication_timestamp > 0:
        when = dt.datetime.fromtimestamp(header.osmosis_replication_timestamp, tz=dt.timezone.utc)
        return f"data as of {when:%Y-%m-%d}"
    return ""


def _newest_edit(ways: gpd.GeoDataFrame) -> str:
    """'newest edit YYYY-MM-DD' from the ways' own timestamps (an extract's header may not date it)."""
    if "timestamp" not in ways.columns:
        return ""
    stamps = pd.to_numeric(ways["timestamp"], errors="coerce").to_numpy(dtype="float64")
    stamps = stamps[np.isfinite(stamps) & (stamps > 0)]
    if not len(stamps):
        return ""
    when = dt.datetime.fromtimestamp(float(stamps.max()), tz=dt.timezone.utc)
    return f"newest edit {when:%Y-%m-%d}"
