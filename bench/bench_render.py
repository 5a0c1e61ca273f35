"""Benchmark: how fast the map window loads and draws a city of building footprints.

Makes synthetic cities of 200,000 and 1,000,000 footprints (small rectangles, 6-30 m, in
EPSG:32648, clustered like a city around a few centres), writes each to GeoParquet, then times:

- load: `layers.io.read_vector` of the GeoParquet file (what File > Open does, in the worker);
- prepare: the drawing arrays in the working CRS (`planner_gui.geometry.prepared`, also in the worker);
- first draw: adding the layer to a 1280 x 800 offscreen canvas at full extent and grabbing it;
- pan/zoom repaint, median of 24: move or zoom the view, then cull + simplify + paint
  (`canvas.set_view` refreshes synchronously, `canvas.grab()` forces the paint), at three zooms.

A large raster too (`--raster-side`, default 20000: a 20000 x 20000 uint8 GeoTIFF of 400 M
pixels, tiled, deflate, overviews 2-32), which loads display-only: open (header + overview),
first draw, and a zoomed-in redraw: the GUI thread's share (set_view returns) and the time until
the window read at screen resolution is on screen (median of 12 district-scale views).

Run: QT_QPA_PLATFORM=offscreen python bench/bench_render.py [--sizes 200000 1000000] [--raster-side 0]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

from layers.crs import HANOI_CRS  # noqa: E402
from layers.io import read_vector  # noqa: E402
from layers.session import Session  # noqa: E402

CENTRE = (585_000.0, 2_325_000.0)  # central Hanoi in EPSG:32648


def synthetic_city(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """n footprints: dense clusters (urban districts) plus a sparse scatter (villages)."""
    rng = np.random.default_rng(seed)
    n_clustered = int(n * 0.85)
    centres = rng.normal(CENTRE, 9_000, size=(40, 2))
    which = rng.integers(0, len(centres), n_clustered)
    clustered = centres[which] + rng.normal(0, 1_800, size=(n_clustered, 2))
    scattered = np.column_stack([
        rng.uniform(CENTRE[0] - 30_000, CENTRE[0] + 30_000, n - n_clustered),
        rng.uniform(CENTRE[1] - 30_000, CENTRE[1] + 30_000, n - n_clustered),
    ])
    xy = np.vstack([clustered, scattered])
    w, h = rng.uniform(6, 30, n), rng.uniform(6, 22, n)
    footprints = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + w, xy[:, 1] + h)
    return gpd.GeoDataFrame(
        {"height_m": rng.uniform(3, 60, n).round(1), "use": rng.choice(["home", "shop", "office"], n)},
        geometry=footprints, crs=HANOI_CRS,
    )


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def empty_canvas(canvas_cls, app):
    """A shown 1280 x 800 canvas over an empty session in UTM 48N, as a window would hold it."""
    session = Session()
    session.set_working_crs(HANOI_CRS)
    stack = session.layers
    canvas = canvas_cls(session)
    canvas.resize(1280, 800)
    canvas.show()
    app.processEvents()
    return stack, canvas


def bench(n: int, folder: Path, canvas_cls, app) -> dict:
    from planner_gui.map.geometry import prepared

    path = folder / f"city_{n}.parquet"
    synthetic_city(n).to_parquet(path)
    layer, t_load = timed(lambda: read_vector(path))
    _, t_prepare = timed(lambda: prepared(layer, HANOI_CRS))
    stack, canvas = empty_canvas(canvas_cls, app)

    def first_draw():
        stack.add(layer)  # the canvas zooms to the first layer's extent
        canvas.refresh()
        canvas.grab()

    _, t_first = timed(first_draw)
    results = {"n": n, "load_s": t_load, "prepare_s": t_prepare, "first_draw_s": t_first}
    rng = np.random.default_rng(1)
    for label, width_m in (("city 60 km", 60_000), ("district 8 km", 8_000), ("street 1 km", 1_000)):
        times = []
        x, y = CENTRE
        for i in range(24):
            if i % 3 == 2:  # a zoom step in or out
                w = width_m * (1.25 if i % 2 else 0.8)
            else:  # a pan of about a tenth of the view
                x += rng.normal(0, width_m / 10)
                y += rng.normal(0, width_m / 10)
                w = width_m
            h = w * 800 / 1280
            t0 = time.perf_counter()
            canvas.set_view((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
            canvas.grab()
            times.append(time.perf_counter() - t0)
        results[label] = statistics.median(times)
    canvas.close()
    canvas.deleteLater()
    app.processEvents()
    return results


def bench_raster(side: int, folder: Path, canvas_cls, app) -> dict:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from layers.io import read_raster

    path = folder / f"image_{side}.tif"
    cell = 5.0
    west, north = CENTRE[0] - side * cell / 2, CENTRE[1] + side * cell / 2

    def write():
        rng = np.random.default_rng(2)
        with rasterio.open(
            path, "w", driver="GTiff", width=side, height=side, count=1, dtype="uint8", crs=HANOI_CRS.to_wkt(),
            transform=from_origin(west, north, cell, cell), tiled=True, compress="deflate", nodata=0,
        ) as dst:
            ramp = (np.arange(side) // 37 % 250 + 1).astype("uint8")
            for r0 in range(0, side, 1024):
                h = min(1024, side - r0)
                block = np.broadcast_to(ramp, (h, side)) + rng.integers(0, 4, (1, side), dtype="uint8")
                dst.write(block, 1, window=Window(0, r0, side, h))
            dst.build_overviews([2, 4, 8, 16, 32], Resampling.average)

    _, t_write = timed(write)
    layer, t_open = timed(lambda: read_raster(path))
    stack, canvas = empty_canvas(canvas_cls, app)

    def first_draw():
        stack.add(layer)
        canvas.refresh()
        canvas.grab()

    _, t_first = timed(first_draw)
    graphic = canvas.graphic(layer)
    rng = np.random.default_rng(3)
    gui, shown = [], []
    for _ in range(12):
        x, y = CENTRE + rng.normal(0, side * cell / 8, 2)
        w = rng.uniform(4_000, 10_000)
        h = w * 800 / 1280
        t0 = time.perf_counter()
        canvas.set_view((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        gui.append(time.perf_counter() - t0)
        while graphic.window_bounds is None or graphic.reader.busy():
            app.processEvents()
            time.sleep(0.001)
        canvas.grab()
        shown.append(time.perf_counter() - t0)
    canvas.close()
    canvas.deleteLater()
    app.processEvents()
    return {"side": side, "write_s": t_write, "open_s": t_open, "first_draw_s": t_first,
            "gui_ms": statistics.median(gui) * 1000, "shown_ms": statistics.median(shown) * 1000,
            "overview": layer.array.shape}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--raster-side", type=int, default=20_000, help="large GeoTIFF side in pixels; 0 skips it")
    args = parser.parse_args(argv)
    from layers.io import LARGE_RASTER_PIXELS

    if args.raster_side and args.raster_side**2 <= LARGE_RASTER_PIXELS:
        parser.error(f"--raster-side must exceed {LARGE_RASTER_PIXELS ** 0.5:,.0f} pixels: only a raster "
                     "over the large-raster threshold is drawn from overviews and windows")
    from PySide6 import QtWidgets

    from planner_gui.map.canvas import MapCanvas

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rows.append(bench(n, Path(tmp), MapCanvas, app))
    views = ["city 60 km", "district 8 km", "street 1 km"]
    header = ["footprints", "load (GeoParquet)", "prepare", "first draw"] + [f"pan/zoom {v}" for v in views]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = [f"{r['n']:,}", f"{r['load_s']:.2f} s", f"{r['prepare_s']:.2f} s", f"{r['first_draw_s'] * 1000:.0f} ms"]
        cells += [f"{r[v] * 1000:.0f} ms" for v in views]
        print("| " + " | ".join(cells) + " |")
    print("\npan/zoom: median of 24 view changes, each culled, simplified and painted (1280 x 800, offscreen)")
    if args.raster_side:
        with tempfile.TemporaryDirectory() as tmp:
            r = bench_raster(args.raster_side, Path(tmp), MapCanvas, app)
        pixels = r["side"] ** 2
        print(f"\nlarge raster {r['side']:,} x {r['side']:,} ({pixels / 1e6:,.0f} M pixels, display-only, "
              f"overview {r['overview'][1]} x {r['overview'][0]}; written in {r['write_s']:.1f} s):")
        print(f"  open {r['open_s'] * 1000:.0f} ms, first draw {r['first_draw_s'] * 1000:.0f} ms, zoomed-in redraw: "
              f"GUI thread {r['gui_ms']:.0f} ms, window at screen resolution on screen {r['shown_ms']:.0f} ms "
              "(median of 12 views 4-10 km wide)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
