"""The basemap: tiles from a tile server the test starts on 127.0.0.1 (checking the app's
User-Agent and its disk cache) and from an MBTiles file made here, drawn under the layers in the
working CRS; without a network, nothing changes and nobody waits."""
from __future__ import annotations

import http.server
import sqlite3
import threading

import numpy as np
import pytest
from helpers import load
from pyproj import Transformer

from planner_gui.map.tiles import MbtilesSource, Tile, XyzSource, tiles_for_view

TILE_COLOUR = (200, 30, 160)


def _png(colour=TILE_COLOUR) -> bytes:
    from PySide6 import QtGui

    from planner_gui.export.render import png_bytes

    image = QtGui.QImage(256, 256, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor(*colour))
    return png_bytes(image)


@pytest.fixture
def tile_server():
    """A tile server on 127.0.0.1: every tile one colour, cacheable for an hour, answering 304 to a
    matching If-None-Match; it records each request's path and User-Agent."""
    png = _png()
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append((self.path, self.headers.get("User-Agent", ""), self.headers.get("If-None-Match")))
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Cache-Control", "max-age=3600")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", seen, png
    server.shutdown()
    server.server_close()


def test_tiles_are_asked_with_the_apps_user_agent_and_kept_as_the_server_says(tile_server, tmp_path):
    import json

    url, seen, png = tile_server
    source = XyzSource(url=url, cache_dir=tmp_path)
    tile = Tile(12, 3258, 1808)
    assert source.tile(tile) == png
    assert seen[-1][0] == "/12/3258/1808.png" and seen[-1][1].startswith("planner/") and "planner" in seen[-1][1]
    assert source.tile(tile) == png and len(seen) == 1  # from the disk cache: the server is not asked
    meta = next(tmp_path.rglob("1808.json"))
    stored = json.loads(meta.read_text())
    meta.write_text(json.dumps({**stored, "expires": 0}))  # out of date: asked again, revalidated
    assert source.tile(tile) == png and len(seen) == 2 and seen[-1][2] == '"v1"'
    assert json.loads(meta.read_text())["expires"] > stored["expires"] - 1


def test_without_a_network_there_is_no_basemap_and_no_error(tmp_path):
    source = XyzSource(url="http://127.0.0.1:9/{z}/{x}/{y}.png", cache_dir=tmp_path)  # nothing listens there
    assert source.tile(Tile(10, 1, 1)) is None and source.offline
    assert source.tile(Tile(10, 1, 2)) is None  # not asked again


def test_tiles_of_a_view_are_placed_in_the_working_crs(tmp_path):
    """Each tile's corners are its Web Mercator corners taken to the working CRS (pyproj here), and a
    view of a city asks a few tiles of one zoom, not a bulk download."""
    from pyproj import CRS

    crs = CRS.from_epsg(32648)
    view = (575_000.0, 2_320_000.0, 595_000.0, 2_335_000.0)
    placed = tiles_for_view(view, 20.0, crs)
    assert 1 <= len(placed) <= 48 and len({p.tile.z for p in placed}) == 1
    to_map = Transformer.from_crs(3857, crs, always_xy=True)
    first = placed[0]
    z, x, y = first.tile.z, first.tile.x, first.tile.y
    half = 20037508.342789244
    nw = to_map.transform(x / 2 ** z * 2 * half - half, half - y / 2 ** z * 2 * half)
    assert np.allclose(first.corners[0], nw)
    covered_x = [c[0] for p in placed for c in p.corners]
    covered_y = [c[1] for p in placed for c in p.corners]
    assert min(covered_x) <= view[0] and max(covered_x) >= view[2]
    assert min(covered_y) <= view[1] and max(covered_y) >= view[3]


def _mbtiles(path, tiles: dict) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test tiles"), ("format", "png"),
                                                             ("attribution", "<a href='x'>© Test Maps</a>"),
                                                             ("minzoom", "0"), ("maxzoom", "14")])
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        for (z, x, y), data in tiles.items():
            db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2 ** z - 1 - y, data))  # TMS rows


def test_mbtiles_rows_are_counted_from_the_south(tmp_path):
    path = tmp_path / "city.mbtiles"
    _mbtiles(path, {(3, 6, 2): b"north", (3, 6, 5): b"south"})
    source = MbtilesSource(path)
    assert source.tile(Tile(3, 6, 2)) == b"north" and source.tile(Tile(3, 6, 5)) == b"south"
    assert source.tile(Tile(3, 6, 3)) is None
    assert source.attribution == "© Test Maps" and source.max_zoom == 14
    bad = tmp_path / "not.mbtiles"
    bad.write_bytes(b"not a database")
    with pytest.raises(ValueError, match="not.mbtiles"):
        MbtilesSource(bad)


def _pixel(canvas, x, y):
    from PySide6 import QtGui

    point = canvas.map_to_screen(x, y)
    image = canvas.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    colour = QtGui.QColor(image.pixel(point.x(), point.y()))
    return colour.red(), colour.green(), colour.blue()


def test_the_map_draws_the_servers_tiles_under_the_layers_and_credits_them(qtbot, window, synthetic_project,
                                                                          tile_server, tmp_path):
    from planner_gui.export.print_layout import print_content
    from planner_gui.export.print_page import PageSpec

    url, seen, _ = tile_server
    load(qtbot, window, [synthetic_project])
    canvas = window.canvas
    for layer in list(window.stack):  # the tiles alone, to read their colour
        window.stack.set_visible(layer, False)
    source = XyzSource(url=url, cache_dir=tmp_path, attribution="© Test Maps")
    canvas.basemap.set_source(source)
    canvas.refresh()
    qtbot.waitUntil(lambda: canvas.basemap.shown() and not canvas.basemap.busy(), timeout=15_000)
    assert seen and all(agent.startswith("planner/") for _, agent, _ in seen)
    assert len(seen) <= 48
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    assert _pixel(canvas, (xmin + xmax) / 2, (ymin + ymax) / 2) == TILE_COLOUR
    assert "© Test Maps" in canvas.attribution.text()
    page = print_content(canvas, PageSpec("A4", dpi=96), "t", "s")
    assert any("© Test Maps" in line for line in page.sources)
    canvas.basemap.set_source(None)
    assert not canvas.basemap.shown() and "© Test Maps" not in canvas.attribution.text()


def test_an_mbtiles_basemap_from_the_view_menu(qtbot, window, synthetic_project, tmp_path):
    """Every tile of the zooms a view of the city asks for, in one colour, in an MBTiles file."""
    load(qtbot, window, [synthetic_project])
    canvas = window.canvas
    placed = tiles_for_view(canvas.view_bounds(), canvas.pixel_size(), canvas.working_crs)
    png = _png((20, 180, 40))
    path = tmp_path / "city.mbtiles"
    _mbtiles(path, {(p.tile.z, p.tile.x, p.tile.y): png for p in placed})
    for layer in list(window.stack):
        window.stack.set_visible(layer, False)
    assert window.basemap_menu.choose(str(path))
    qtbot.waitUntil(lambda: canvas.basemap.shown() and not canvas.basemap.busy(), timeout=15_000)
    xmin, ymin, xmax, ymax = canvas.view_bounds()
    assert _pixel(canvas, (xmin + xmax) / 2, (ymin + ymax) / 2) == (20, 180, 40)
    assert not window.basemap_menu.choose(str(tmp_path / "missing.mbtiles"))  # said in the message bar
    assert canvas.basemap.source is not None and canvas.basemap.shown()


def test_the_basemap_is_off_in_tests_and_none_is_asked(window):
    assert window.canvas.basemap.source is None and window.basemap_menu.current == "none"
