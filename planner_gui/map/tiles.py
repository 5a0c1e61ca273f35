"""Basemap tiles: where they come from (an XYZ server such as OpenStreetMap's, or an MBTiles file),
which ones a view needs, and a disk cache. The only code of the app that uses the network, and it
runs in a worker thread (`planner_gui.map.layers.basemap`); no Qt here, tiles are PNG/JPEG bytes.

OpenStreetMap's tile usage policy (operations.osmfoundation.org/policies/tiles) is followed: a
User-Agent naming the app, tiles cached on disk as long as the server's Cache-Control / Expires say
(at least MIN_CACHE_S when they say nothing) and revalidated with If-None-Match / If-Modified-Since,
only the tiles of the view (at most MAX_TILES, one request at a time: no bulk download), and the
attribution shown wherever the map is. Without a network the first request fails fast, the source
says it is offline, and the map is drawn as without a basemap: no error, no wait.

Tiles are in Web Mercator (EPSG:3857); `tiles_for_view` gives each tile's corners in the map's
working CRS, where the canvas draws the tile as that quadrilateral (a projective map per tile: at
the zooms a city is looked at, a tile spans a few km and the two conformal projections differ by
far less than a pixel over it).
"""
from __future__ import annotations

import email.utils
import importlib.metadata
import json
import math
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import CRS, Transformer


def _user_agent() -> str:
    """'planner/0.1.0 (desktop GIS for city planners; Python-urllib)': the app and its version."""
    try:
        version = importlib.metadata.version("planner")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that is not installed
        version = "dev"
    return f"planner/{version} (desktop GIS for city planners; Python-urllib)"


USER_AGENT = _user_agent()
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
MIN_CACHE_S = 7 * 24 * 3600  # OSM's policy: keep tiles at least a week when the server says nothing
TIMEOUT_S = 4.0
MAX_TILES = 48  # tiles of one view, at most (a screen needs 20 to 40 at the zoom that matches it)
MAX_ZOOM = 19
TILE_PX = 256
WEB_MERCATOR_HALF_M = 20037508.342789244
EQUATOR_M_PER_PX_Z0 = 2 * WEB_MERCATOR_HALF_M / TILE_PX


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int  # XYZ (Google) row: 0 at the north


@dataclass
class PlacedTile:
    """A tile and its four corners (NW, NE, SE, SW) in the map's working CRS."""

    tile: Tile
    corners: tuple[tuple[float, float], ...]
    data: bytes | None = None


def zoom_for(pixel_m: float, lat: float) -> int:
    """The tile zoom whose pixels are as large as the screen's (`pixel_m` metres) at latitude `lat`."""
    ground = EQUATOR_M_PER_PX_Z0 * max(0.05, math.cos(math.radians(lat)))
    return int(min(MAX_ZOOM, max(0, round(math.log2(ground / max(pixel_m, 1e-6))))))


def _mercator_x(tile_x: float, z: int) -> float:
    return tile_x / 2 ** z * 2 * WEB_MERCATOR_HALF_M - WEB_MERCATOR_HALF_M


def _mercator_y(tile_y: float, z: int) -> float:
    return WEB_MERCATOR_HALF_M - tile_y / 2 ** z * 2 * WEB_MERCATOR_HALF_M


def tiles_for_view(view: tuple[float, float, float, float], pixel_m: float, crs: CRS,
                   max_zoom: int = MAX_ZOOM, min_zoom: int = 0) -> list[PlacedTile]:
    """The tiles covering `view` (working CRS metres) at the zoom matching `pixel_m`, each placed in
    the working CRS; fewer zooms in while they would be more than MAX_TILES."""
    to_merc = Transformer.from_crs(crs, 3857, always_xy=True)
    to_map = Transformer.from_crs(3857, crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
    xmin, ymin, xmax, ymax = view
    xs = [xmin, (xmin + xmax) / 2, xmax]
    ys = [ymin, (ymin + ymax) / 2, ymax]
    mx, my = to_merc.transform([x for x in xs for _ in ys], [y for _ in xs for y in ys])
    if not all(math.isfinite(v) for v in [*mx, *my]):
        return []
    _, lat = to_lonlat.transform((xmin + xmax) / 2, (ymin + ymax) / 2)
    z = min(max_zoom, max(min_zoom, zoom_for(pixel_m, lat)))
    while True:
        n = 2 ** z
        span = 2 * WEB_MERCATOR_HALF_M / n
        x0 = int(max(0, math.floor((min(mx) + WEB_MERCATOR_HALF_M) / span)))
        x1 = int(min(n - 1, math.floor((max(mx) + WEB_MERCATOR_HALF_M) / span)))
        y0 = int(max(0, math.floor((WEB_MERCATOR_HALF_M - max(my)) / span)))
        y1 = int(min(n - 1, math.floor((WEB_MERCATOR_HALF_M - min(my)) / span)))
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_TILES or z <= min_zoom:
            break
        z -= 1
    placed = []
    for tx in range(x0, x1 + 1):
        for ty in range(y0, y1 + 1):
            corner_x = [_mercator_x(tx, z), _mercator_x(tx + 1, z), _mercator_x(tx + 1, z), _mercator_x(tx, z)]
            corner_y = [_mercator_y(ty, z), _mercator_y(ty, z), _mercator_y(ty + 1, z), _mercator_y(ty + 1, z)]
            cx, cy = to_map.transform(corner_x, corner_y)
            if all(math.isfinite(v) for v in [*cx, *cy]):
                placed.append(PlacedTile(Tile(z, tx, ty), tuple(zip(cx, cy))))
    return placed


class TileSource:
    """Where tiles come from; `tile(t)` gives its bytes or None (missing, or the source is offline)."""

    name = ""
    attribution = ""
    max_zoom = MAX_ZOOM
    min_zoom = 0

    def tile(self, tile: Tile) -> bytes | None:
        raise NotImplementedError

    @property
    def offline(self) -> bool:
        return False


@dataclass
class XyzSource(TileSource):
    """An XYZ tile server ('{z}/{x}/{y}' in `url`), cached in `cache_dir` as its headers say."""

    url: str = OSM_URL
    cache_dir: Path | None = None
    name: str = "OpenStreetMap"
    attribution: str = OSM_ATTRIBUTION
    max_zoom: int = MAX_ZOOM
    user_agent: str = USER_AGENT
    _offline: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def offline(self) -> bool:
        return self._offline

    def _paths(self, tile: Tile) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        host = re.sub(r"[^A-Za-z0-9.-]+", "_", urllib.parse.urlsplit(self.url).netloc)
        folder = Path(self.cache_dir) / host / str(tile.z) / str(tile.x)
        return folder / f"{tile.y}.tile", folder / f"{tile.y}.json"

    def tile(self, tile: Tile) -> bytes | None:
        if self._offline:
            return None
        paths = self._paths(tile)
        cached, meta = None, {}
        if paths is not None and paths[0].exists() and paths[1].exists():
            try:
                cached = paths[0].read_bytes()
                meta = json.loads(paths[1].read_text(encoding="utf-8"))
            except (OSError, ValueError):
                cached, meta = None, {}
            if cached is not None and meta.get("expires", 0) > time.time():
                return cached  # fresh: the server is not asked
        request = urllib.request.Request(self.url.format(z=tile.z, x=tile.x, y=tile.y),
                                         headers={"User-Agent": self.user_agent})
        if cached is not None and meta.get("etag"):
            request.add_header("If-None-Match", meta["etag"])
        if cached is not None and meta.get("last_modified"):
            request.add_header("If-Modified-Since", meta["last_modified"])
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                data, headers = response.read(), response.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and cached is not None:  # still good: only its expiry moves
                self._store(paths, cached, exc.headers, meta)
                return cached
            return cached  # 404 off the map's edge, 429 too many: no tile, the map as without one
        except (urllib.error.URLError, OSError, ValueError):
            with self._lock:
                self._offline = True  # no network: stop asking for this session
            return cached
        self._store(paths, data, headers, {})
        return data

    def _store(self, paths, data: bytes, headers, meta: dict) -> None:
        if paths is None:
            return
        meta = {**meta, "expires": time.time() + _max_age_s(headers)}
        if headers.get("ETag"):
            meta["etag"] = headers["ETag"]
        if headers.get("Last-Modified"):
            meta["last_modified"] = headers["Last-Modified"]
        try:
            paths[0].parent.mkdir(parents=True, exist_ok=True)
            paths[0].write_bytes(data)
            paths[1].write_text(json.dumps(meta), encoding="utf-8")
        except OSError:
            pass  # a full or read-only disk: the tile is still drawn, just not kept


def _max_age_s(headers) -> float:
    """How long the server lets a tile be kept: Cache-Control max-age, else Expires, at least MIN_CACHE_S."""
    control = headers.get("Cache-Control", "") if headers is not None else ""
    found = re.search(r"max-age=(\d+)", control)
    if found:
        return max(MIN_CACHE_S, float(found.group(1)))
    expires = headers.get("Expires") if headers is not None else None
    if expires:
        try:
            return max(MIN_CACHE_S, email.utils.parsedate_to_datetime(expires).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    return float(MIN_CACHE_S)


class MbtilesSource(TileSource):
    """Tiles from an MBTiles file (SQLite: tiles(zoom_level, tile_column, tile_row, tile_data), rows
    counted from the south as in TMS), read-only, offline."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        meta = dict(self._query("SELECT name, value FROM metadata"))
        self.name = meta.get("name") or self.path.stem
        self.attribution = re.sub(r"<[^>]+>", "", meta.get("attribution") or "")  # some hold HTML links
        self.min_zoom = int(meta.get("minzoom", 0) or 0)
        self.max_zoom = int(meta.get("maxzoom", MAX_ZOOM) or MAX_ZOOM)

    def _query(self, sql: str, args: tuple = ()) -> list:
        try:
            with sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True) as db:
                return db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise ValueError(f"{self.path.name}: not an MBTiles file that can be read ({exc})") from None

    def tile(self, tile: Tile) -> bytes | None:
        tms_row = 2 ** tile.z - 1 - tile.y
        rows = self._query("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                           (tile.z, tile.x, tms_row))
        return bytes(rows[0][0]) if rows else None


def fetch(placed: list[PlacedTile], source: TileSource, cancelled=lambda: False) -> list[PlacedTile]:
    """The tiles' bytes, one after the other (worker thread); stops at a cancel or once offline."""
    for item in placed:
        if cancelled() or source.offline:
            break
        item.data = source.tile(item.tile)
    return [item for item in placed if item.data]
