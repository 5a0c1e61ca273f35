"""Benchmark: how long the map window blocks its GUI thread with a large vector layer, and how fast it draws.

The layer is a file you give (`--file city.gpkg`, any vector format the app opens; its first layer is
measured) or a synthetic city of building footprints (`--size`, default 1,000,000 of 6-30 m in
EPSG:32648, clustered around a few centres and overlapping like real footprints), written first as
GeoPackage and as GeoParquet (`--format`, default both: each measured in a process of its own, so
each has its own peak memory). `--shapes real` (the default) makes them shaped like real ones:
turned any way, 4 to 24 corners, a few with a courtyard (a hole) and a few of two parts;
`--shapes boxes` makes plain rectangles. It is opened in the full main window (layer panel, docks, timeline) over the Hanoi
sample (`--no-sample` for the file alone), the way File > Open does, and then:

- the sample's opening (File > Open of its project, in the empty window): the LONGEST GUI-thread
  block until the map has settled and the docks' first figures are shown, and that time;
- add / hide / show / zoom to layer / restyle it by a category field (its first text field of at
  most 50 values) and back: the LONGEST GUI-thread block from the action until the map has
  settled (the loader and every map render idle), and the time until it has; for the add, also
  the time from File > Open until the layer's first picture is on the map; the add is done twice
  more, the layer removed in between (and kept in memory for undo), and those are given too;
- pan/zoom at city (the layer's extent), district (3 km) and street (300 m) scale: 24 frames of a drag
  (a tenth of the view, or a 1.25x zoom step), each a view change plus a synchronous repaint of the
  map widget (`viewport().repaint()`): median and worst frame, the longest GUI-thread block while the
  drag goes on (the redraw that follows a view change included), and the time until the exact picture
  of the last view is on screen;
- the timeline: moving the year slider one year at a time (2019 -> 2026): median time until the map
  has settled, and the longest GUI-thread block;
- exports from the Export menu over the layer's extent: the map as PNG at twice the window's map,
  an A4 page at 300 dpi as PDF and an A3 page at 600 dpi as PNG: the longest GUI-thread block and
  the time until the file is written;
- the LONGEST GUI-thread block seen over the whole run, and before the exports, and the peak memory
  (max RSS of the window's process: the sample, the layer opened three times with the two removed
  ones kept for undo (a reading equal to one still held shares its arrays, `layers.compact_layer.held`),
  the docks' measures and the exports), and beside it the peak of the reader process the files were
  read in (`layers.io.isolated`, `reader_peaks_mb`); the load average at the start and the end
  (figures taken on a loaded machine are slower than the code);
- the garbage collections of the older generations over 5 ms after the sample is open (each holds
  the GIL, the GUI thread waiting), and the longest.

GUI-thread blocks are measured with a heartbeat: a 1 ms QTimer on the GUI thread; a block is the longest
gap between two of its ticks (so the figure includes up to 1 ms of timer slack), and "GUI thread busy"
beside it the GUI thread's own CPU time in that gap, and (on Linux) "waiting for a core" the time it
was ready to run but had no processor (its run-queue delay, /proc's schedstat: other threads and
programs had both cores); the rest it slept, waiting for Python's lock held by a worker (or for
another lock, or for the disk).

`--png DIR` saves the main window at the three scales (city.png, district.png, street.png) to look at.

Run: QT_QPA_PLATFORM=offscreen python bench/bench_render.py [--size 1000000 [--shapes real|boxes]
[--format gpkg|parquet|both] | --file path.gpkg] [--png DIR]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gui_window import close_window  # first: the environment before Qt

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from bench_coverage import _memory_mb  # noqa: E402
from layers.crs import HANOI_CRS  # noqa: E402
from layers.layer import field_columns  # noqa: E402

CENTRE = (585_000.0, 2_325_000.0)  # central Hanoi in EPSG:32648
SCALES = (("city", None), ("district 3 km", 3_000.0), ("street 300 m", 300.0))


def synthetic_city(n: int, seed: int = 0, shapes: str = "real") -> gpd.GeoDataFrame:
    """n footprints: dense clusters (urban districts) plus a sparse scatter (villages); rectangles
    (`shapes="boxes"`) or shaped like real ones (`real_footprints`)."""
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
    if shapes == "boxes":
        footprints = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + w, xy[:, 1] + h)
    else:
        footprints = real_footprints(xy, w, h, rng)
    return gpd.GeoDataFrame(
        {"height_m": rng.uniform(3, 60, n).round(1), "use": rng.choice(["home", "shop", "office"], n)},
        geometry=footprints, crs=HANOI_CRS,
    )


def real_footprints(xy: np.ndarray, w: np.ndarray, h: np.ndarray, rng) -> np.ndarray:
    """Footprints shaped like surveyed ones, made in one vectorised pass: each a ring of 4 to 24
    corners round an ellipse of w x h m (corners a little in or out), turned any way; one in
    twenty-five has a courtyard (a hole, a third of its size), one in fifty a second part beside it."""
    n = len(xy)
    corners = rng.choice([4, 5, 6, 8, 12, 16, 24], n, p=[0.3, 0.1, 0.2, 0.15, 0.12, 0.08, 0.05])
    two_parts = rng.random(n) < 0.02
    courtyard = ~two_parts & (rng.random(n) < 0.04)
    rings_per_feature = 1 + two_parts + courtyard
    ring_feature = np.repeat(np.arange(n), rings_per_feature)
    rank = np.arange(len(ring_feature)) - np.repeat(np.cumsum(rings_per_feature) - rings_per_feature, rings_per_feature)
    k = corners[ring_feature]
    vertex_ring = np.repeat(np.arange(len(k)), k + 1)  # each ring closed: its first corner again
    step = np.arange(len(vertex_ring)) - np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
    f = ring_feature[vertex_ring]
    kk = k[vertex_ring]
    angle = 2 * np.pi * (step % kk) / kk + np.pi / kk
    reach = 1 + rng.uniform(-0.12, 0.12, len(k))[vertex_ring]  # per ring: not wobbling between corners
    reach = np.where(step % kk == 0, reach, reach * (1 + rng.uniform(-0.08, 0.08, len(step)) * (kk > 4)))
    inner = rank[vertex_ring] == 1
    hole = inner & courtyard[f]
    size = np.where(hole, 1 / 3, np.where(inner, 0.6, 1.0))  # a courtyard, or the second part (smaller)
    if_hole_reversed = np.where(hole, -1.0, 1.0)  # a hole runs the other way round
    u = np.cos(angle * if_hole_reversed) * w[f] / 2 * reach * size
    v = np.sin(angle * if_hole_reversed) * h[f] / 2 * reach * size
    shift = np.where(inner & two_parts[f], 1.0, 0.0) * (w[f] * 1.0)  # the second part beside the first
    turn = rng.uniform(0, np.pi, n)[f]
    x = xy[f, 0] + (u + shift) * np.cos(turn) - v * np.sin(turn)
    y = xy[f, 1] + (u + shift) * np.sin(turn) + v * np.cos(turn)
    coords = np.column_stack([x, y])
    ring_offsets = np.r_[0, np.cumsum(k + 1)]
    # every part a polygon: a two-part footprint's parts are two polygons, a courtyard is its polygon's second ring
    part_of_ring = np.cumsum(np.r_[True, ~(courtyard[ring_feature[1:]] & (rank[1:] == 1))]) - 1
    polygon_offsets = np.r_[np.flatnonzero(np.r_[True, np.diff(part_of_ring) > 0]), len(k)]
    parts_per_feature = 1 + two_parts
    feature_offsets = np.r_[0, np.cumsum(parts_per_feature)]
    polygons = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                         (ring_offsets, polygon_offsets, feature_offsets))
    single = ~two_parts
    polygons[single] = shapely.get_geometry(polygons[single], 0)  # one part: a Polygon, as files hold them
    return polygons


class Collections:
    """Python's garbage collections of the older generations that took over SLOW_S, and the longest.

    Each holds the GIL in whatever thread set it off, the GUI thread waiting: a million geometries
    left to the collector cost 100 ms a full collection (`layers.io.sliced` keeps them out).
    """

    SLOW_S = 0.005

    def __init__(self):
        import gc

        self.slow, self.longest, self._start = 0, 0.0, 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        elif info["generation"] >= 1:
            took = time.perf_counter() - self._start
            self.slow += took > self.SLOW_S
            self.longest = max(self.longest, took)


class Heartbeat:
    """The longest gap between ticks of a 1 ms timer on the GUI thread since `reset()`, and where it was.

    A watchdog thread looks at the GUI thread's Python stack every 5 ms while the timer is late by
    more than BLAME_AFTER_S, and the block is blamed on the innermost frame of the app's own code
    (planner_gui/ or layers/) seen most often: which module keeps the GUI thread busy. Beside it,
    how much of the block the GUI thread itself was running (its CPU time, Qt's painting included)
    and how long it waited for a core (on a loaded machine; Linux only): the rest it waited for
    Python's lock (held by a worker), another lock or the disk.
    """

    BLAME_AFTER_S = 0.03
    LET_GO_AFTER_S = 0.05  # a look takes well under a millisecond

    def __init__(self):
        import collections
        import threading

        from PySide6 import QtCore

        self.timer = QtCore.QTimer(interval=1)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.overall, self.overall_where = 0.0, ""
        self._samples = collections.Counter()
        self._seen = collections.deque()  # frames the watchdog looked at, let go of on the GUI thread
        self._looked_at = 0.0
        self._gui_thread = threading.get_ident()
        try:  # the GUI thread's own scheduler figures: its second field is the time it waited for a core
            self._schedstat = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:
            self._schedstat = None
        self.reset()
        self.timer.start()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(0.005)
            if time.perf_counter() - self.last > self.BLAME_AFTER_S:
                self._look()

    def _look(self) -> None:
        """Blame the GUI thread's innermost frame of the app's code. Every frame object this
        thread touches is kept in `_seen` and let go of by the GUI thread (`_tick`, once no look
        has been made for LET_GO_AFTER_S): a frame the GUI thread has left since would otherwise
        end here, its locals with it, and a Qt object deleted off its thread deadlocks PySide (this
        thread holding Qt's connection lock and waiting for Python's, the GUI thread the other way
        round). Let go of soon, not kept: the frames of every thread are kept, and a worker's
        finished frame holds its arrays (hundreds of MB kept alive, counted in the peak memory)."""
        frames = sys._current_frames()
        walked = [frames]
        frame = frames.get(self._gui_thread)
        while frame is not None:
            walked.append(frame)
            name = frame.f_code.co_filename
            if ("/planner_gui/" in name or "/layers/" in name) and "bench" not in name:
                where = f"{name.split('/')[-2]}/{name.split('/')[-1]}:{frame.f_code.co_name}"
                self._samples[where] += 1
                break
            frame = frame.f_back
        self._seen.append(walked)
        self._looked_at = time.perf_counter()

    def _tick(self) -> None:
        now, cpu, ready = time.perf_counter(), time.thread_time(), self._ready_s()
        if self._seen and now - self._looked_at > self.LET_GO_AFTER_S:  # no look under way
            self._seen.clear()
        gap = now - self.last
        where = self._samples.most_common(1)[0][0] if self._samples else "Qt / event loop"
        waited = "" if ready is None else f", waiting for a core {(ready - self._ready) * 1000:.0f} ms"
        where += f" (GUI thread busy {(cpu - self._cpu) * 1000:.0f} ms{waited})"
        self._samples.clear()
        self._cpu, self._ready = cpu, ready
        if gap > self.longest:
            self.longest, self.where = gap, where
        if gap > self.overall:
            self.overall, self.overall_where = gap, where
        self.last = now

    def _ready_s(self) -> float | None:
        """The seconds the GUI thread has spent ready to run without a core (None: not known here)."""
        if self._schedstat is None:
            return None
        return int(os.pread(self._schedstat, 100, 0).split()[1]) / 1e9

    def reset(self) -> None:
        self.last, self._cpu, self._ready = time.perf_counter(), time.thread_time(), self._ready_s()
        self.longest, self.where = 0.0, ""
        self._samples.clear()


class Bench:
    def __init__(self, window, app):
        self.window, self.app = window, app
        self.canvas = window.canvas
        self.beat = Heartbeat()

    def run_loop(self, seconds: float) -> None:
        """Let the event loop run for `seconds` (the heartbeat sees every block)."""
        from PySide6 import QtCore

        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def settled(self) -> bool:
        canvas = self.canvas
        busy = getattr(canvas, "busy", None)
        return (not self.window.loader.busy() and not canvas._timer.isActive()
                and not (busy() if busy else False))

    def wait_settled(self, timeout: float = 120.0, seen=None) -> float:
        """Run the event loop until the map has settled; the time that took. `seen`: a list of
        (condition, times) whose times get the moment their condition was first true (5 ms steps)."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            self.run_loop(0.005)
            for condition, times in seen or ():
                if not times and condition():
                    times.append(time.perf_counter())
            if self.settled():
                return time.perf_counter() - t0
        raise TimeoutError("the map did not settle")

    def action(self, fn, quiet: float = 0.3, first=None) -> tuple:
        """Run `fn` from the event loop; (longest GUI block, time until settled, where the block
        was, time until `first()` was first true (None without `first`)) in seconds."""
        from PySide6 import QtCore

        self.run_loop(0.05)
        self.beat.reset()
        seen = [] if first is None else [(first, [])]
        t0 = time.perf_counter()
        QtCore.QTimer.singleShot(0, fn)
        self.run_loop(0.001)
        self.wait_settled(seen=seen)
        t_settled = time.perf_counter() - t0
        t_first = seen[0][1][0] - t0 if seen and seen[0][1] else None
        self.run_loop(quiet)  # late handlers (debounced docks) count as blocks too
        return self.beat.longest, t_settled, self.beat.where, t_first

    def pictured(self, before: set[int]) -> bool:
        """True once a layer not in `before` (ids) is in the stack and its picture is on the map: a
        large layer's first picture from its worker, any other layer's items (drawn when added)."""
        layer = next((layer for layer in self.window.stack if id(layer) not in before), None)
        graphic = self.canvas.graphic(layer) if layer is not None else None
        if graphic is None:
            return False
        item = getattr(graphic, "item", None)
        return item is None or not hasattr(item, "image") or item.image() is not None

    def export(self, make_export, path: Path, timeout: float = 300.0) -> tuple[float, float, str]:
        """Start an export as the Export menu does; (longest GUI block, time until written, where)."""
        from PySide6 import QtCore

        menu = self.window.export_menu
        started = []
        self.run_loop(0.05)
        self.beat.reset()
        t0 = time.perf_counter()
        QtCore.QTimer.singleShot(0, lambda: started.append(menu.start(make_export, str(path))))
        while not started or menu.busy():
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError("the export did not end")
            self.run_loop(0.005)
        took = time.perf_counter() - t0
        if not started[0] or not menu._export.done:
            raise RuntimeError(f"the export of {path.name} failed: {self.window.message_bar.texts()[-1:]}")
        self.run_loop(0.1)
        return self.beat.longest, took, self.beat.where

    def frames(self, centre, width_m: float, seed: int, png: Path | None = None) -> dict:
        """A drag of 24 view changes around `centre` at `width_m`, each repainted at once."""
        canvas, vb = self.canvas, self.canvas.view_box
        aspect = vb.height() / max(vb.width(), 1)
        x, y = centre
        canvas.set_view((x - width_m / 2, y - width_m * aspect / 2, x + width_m / 2, y + width_m * aspect / 2))
        self.wait_settled()
        self.run_loop(0.1)
        if png is not None:  # the window as the planner sees it at this scale, settled
            png.parent.mkdir(parents=True, exist_ok=True)
            self.window.grab().save(str(png))
        rng = np.random.default_rng(seed)
        times = []
        self.beat.reset()
        for i in range(24):
            w = width_m * (1.25 if i % 6 == 2 else 0.8 if i % 6 == 5 else 1.0)
            x += rng.normal(0, width_m / 10)
            y += rng.normal(0, width_m / 10)
            h = w * aspect
            t0 = time.perf_counter()
            vb.setRange(xRange=(x - w / 2, x + w / 2), yRange=(y - h / 2, y + h / 2), padding=0)
            canvas.viewport().repaint()
            times.append(time.perf_counter() - t0)
            self.run_loop(0.03)  # the user's next mouse move comes ~30 ms later
        frame_block = max(times)
        t0 = time.perf_counter()
        self.wait_settled()
        exact = time.perf_counter() - t0
        self.run_loop(0.1)
        where = self.beat.where if self.beat.longest >= frame_block else "a frame (view change + repaint)"
        return {"median_ms": statistics.median(times) * 1000, "worst_ms": max(times) * 1000,
                "block_ms": max(self.beat.longest, frame_block) * 1000, "exact_ms": exact * 1000, "where": where}


def reader_peaks_mb() -> list[float]:
    """The peak resident set (VmHWM) of each reader process the window read its files in
    (`layers.io.isolated`: GDAL and the WKB parsing run there, not in the window's process) that is
    alive now, the idle ones waiting for the next read included, as `bench_file_to_figure.py` reads
    the CLI's; a reader closed earlier (none is, while a run opens one file at a time) is not seen."""
    from layers.io import isolated

    readers = [r for r in isolated._idle if r._proc is not None]
    readers += [r._full_reader for r in readers if r._full_reader is not None and r._full_reader._proc is not None]
    peaks = []
    for reader in readers:
        with open(f"/proc/{reader._proc.pid}/status") as status:
            peaks.append(next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024)
    return peaks


def exports(window):
    """(label, make_export) for the Export menu: a map PNG at twice the window's map, print pages."""
    from planner_gui.export import menu
    from planner_gui.export.print_page import PageSpec

    size = window.canvas.size()
    width, height = size.width() * 2, size.height() * 2
    return [(f"map PNG {width} x {height} px", lambda p: menu.map_png_export(window.canvas, p + ".png", width, height))] + [
        (f"print {paper} {dpi} dpi {suffix[1:].upper()}",
         lambda p, paper=paper, dpi=dpi, suffix=suffix: menu.print_export(
             window, p + suffix, PageSpec(paper, landscape=True, dpi=dpi), "Bench", "print"))
        for paper, dpi, suffix in (("A4", 300, ".pdf"), ("A3", 600, ".png"))]


def category_field(layer) -> str | None:
    """The layer's first text field of a few values (at most 50), to restyle it by; None if it has none."""
    gdf = getattr(layer, "gdf", None)
    if gdf is None:
        return None
    for name in field_columns(gdf):
        column = gdf[name]
        if not pd.api.types.is_numeric_dtype(column) and column.nunique() <= 50:
            return name
    return None


def layer_centre(bounds: np.ndarray) -> tuple[float, float]:
    """Where the features are densest: the median of their centres (`bounds` in the working CRS)."""
    b = bounds
    return float(np.nanmedian((b[:, 0] + b[:, 2]) / 2)), float(np.nanmedian((b[:, 1] + b[:, 3]) / 2))


FORMATS = {"gpkg": ".gpkg", "parquet": ".parquet"}


def write_city(folder: Path, size: int, shapes: str, formats) -> list[Path]:
    """The synthetic city written in each of `formats` (before any window exists: its million
    objects are gone when one opens). A neutral file name: "city" would guess the role boundary."""
    t0 = time.perf_counter()
    city = synthetic_city(size, shapes=shapes)
    paths = []
    for name in formats:
        path = folder / f"footprints_{size}{FORMATS[name]}"
        if name == "gpkg":
            city.to_file(path, layer="footprints", driver="GPKG", engine="pyogrio")
        else:
            city.to_parquet(path)
        paths.append(path)
    print(f"synthetic city of {size:,} footprints ({shapes} shapes) written as "
          f"{', '.join(p.suffix[1:] for p in paths)} in {time.perf_counter() - t0:.1f} s", flush=True)
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="a vector file to measure (its first layer); default: a synthetic city")
    parser.add_argument("--size", type=int, default=1_000_000, help="footprints in the synthetic city")
    parser.add_argument("--shapes", choices=("real", "boxes"), default="real", help="the synthetic footprints' shapes")
    parser.add_argument("--format", choices=(*FORMATS, "both"), default="both",
                        help="the synthetic city's file format (both: one run each; each run in a process of its own)")
    parser.add_argument("--no-sample", action="store_true", help="do not open the Hanoi sample first")
    parser.add_argument("--png", type=Path, help="save the window at the three scales in this folder")
    args = parser.parse_args(argv)
    if args.file is not None:
        return measure(args.file, args)
    with tempfile.TemporaryDirectory() as tmp:
        formats = list(FORMATS) if args.format == "both" else [args.format]
        paths = write_city(Path(tmp), args.size, args.shapes, formats)
        failed = 0
        # a process each, one format too: each format's own peak memory, without the million
        # objects this process made to write the city (its peak resident set keeps them: 2.6 GB
        # against the window's own 1.4 GB)
        for path in paths:
            print(f"\n## {path.name}", flush=True)
            command = [sys.executable, __file__, "--file", str(path)] + ["--no-sample"] * args.no_sample
            if args.png:
                command += ["--png", str(args.png / path.suffix[1:])]
            failed |= subprocess.run(command).returncode
        return failed


def measure(path: Path, args) -> int:
    """The bench on the file `path` (the window, the actions, the table)."""
    from PySide6 import QtCore, QtWidgets

    from planner_gui.app import sample_project
    from planner_gui.main_window import MainWindow
    from planner_gui.process import tune_for_window

    with tempfile.TemporaryDirectory() as tmp:
        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner-bench"])
        window = MainWindow()
        tune_for_window()  # as `planner` does once its window is built
        window.resize(1700, 1000)
        window.show()
        bench = Bench(window, app)
        rows: list[tuple[str, str, str]] = []
        load_at_start = os.getloadavg()[0]
        bench.run_loop(0.5)  # the window's own first layout and paint
        bench.beat.overall, bench.beat.overall_where = 0.0, ""  # from here on: the sample's opening, the layer's actions
        if not args.no_sample:
            block, settled, where, _ = bench.action(lambda: window.open_files([sample_project()]), quiet=1.0)
            rows.append(("open the Hanoi sample (File > Open)", f"{block * 1000:.0f} ms", where,
                         f"{settled:.2f} s until the map settled (read, its layers a turn each, the docks' figures)"))
        collections = Collections()
        before = set(map(id, window.stack))
        adds = []  # opened three times, removed in between
        for attempt in range(3):
            if attempt:
                bench.action(lambda: window.session.remove_layer(layer))
            adds.append(bench.action(lambda: window.open_files([path]), quiet=1.0,
                                     first=lambda: bench.pictured(before)))
            layer = next(layer for layer in reversed(list(window.stack)) if id(layer) not in before)
        block, settled, where, first = adds[0]
        n = len(layer.gdf) if hasattr(layer, "gdf") else 0
        size = window.canvas.size()
        print(f"{layer.name}: {n:,} features; map {size.width()} x {size.height()} px; "
              f"working CRS {window.session.working_crs.to_string()}", flush=True)
        rows.append(("add the layer (File > Open)", f"{block * 1000:.0f} ms", where,
                     f"first picture {first:.2f} s; settled {settled:.2f} s (read + prepare + draw, the docks' measures)"))
        rows.append(("add it again, twice (the removed one kept for undo)",
                     " / ".join(f"{a[0] * 1000:.0f} ms" for a in adds[1:]), ", ".join(a[2] for a in adds[1:]),
                     " / ".join(f"first picture {a[3]:.2f} s, settled {a[1]:.2f} s" for a in adds[1:])))
        panel = window.layer_panel

        def tick(checked: bool):  # the user clicks the layer's check box in the Layers dock
            state = QtCore.Qt.CheckState.Checked if checked else QtCore.Qt.CheckState.Unchecked
            index = panel.model.index(panel.model.row_of(layer))
            panel.model.setData(index, state.value, QtCore.Qt.ItemDataRole.CheckStateRole)

        for label, fn in (("hide", lambda: tick(False)), ("show", lambda: tick(True)),
                          ("zoom to layer", lambda: panel.zoom_requested.emit(layer))):
            block, settled, where, _ = bench.action(fn)
            rows.append((label, f"{block * 1000:.0f} ms", where, f"{settled * 1000:.0f} ms"))
        field = category_field(layer)
        if field is not None:  # a colour per value, as the Layers dock's style editor sets it
            plain = layer.style
            for label, style in ((f"restyle by category '{field}'", dataclasses.replace(plain, category_field=field)),
                                 ("restyle back", plain)):
                block, settled, where, _ = bench.action(lambda style=style: window.stack.set_style(layer, style))
                rows.append((label, f"{block * 1000:.0f} ms", where, f"{settled * 1000:.0f} ms until the map settled"))
        graphic = window.canvas.graphic(layer)
        bounds = graphic.geometry.bounds if hasattr(graphic, "geometry") else shapely.bounds(
            np.asarray(layer.in_crs(window.canvas.working_crs).geometry.array))
        centre = layer_centre(bounds)  # the bench's own work on the GUI thread: not counted below
        extent = graphic.extent()
        overall = (bench.beat.overall, bench.beat.overall_where)
        bench.beat.reset()
        bench.beat.overall, bench.beat.overall_where = overall
        for i, (label, width) in enumerate(SCALES):
            if width is None:
                width = (extent[2] - extent[0]) * 1.06
                frame_centre = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
            else:
                frame_centre = centre
            png = args.png / f"{label.split()[0]}.png" if args.png else None
            f = bench.frames(frame_centre, width, seed=i, png=png)
            rows.append((f"pan/zoom, {label} (frame median / worst)", f"{f['block_ms']:.0f} ms", f["where"],
                         f"frame {f['median_ms']:.1f} / {f['worst_ms']:.1f} ms; exact picture {f['exact_ms']:.0f} ms later"))
        timeline = window.dashboard.timeline
        window.canvas.set_view(((extent[0] + extent[2]) / 2 - 4_000, centre[1] - 2_500,
                                (extent[0] + extent[2]) / 2 + 4_000, centre[1] + 2_500))
        bench.wait_settled()
        coverage = window.dashboard.coverage
        # what a year move tells the Coverage dock: the city's filter changed
        coverage_follows = [(window.session.events.city, coverage.inputs_changed),
                            (window.session.events.city, coverage._fill)]
        for label, listening in (("timeline, one year", True), ("timeline, Coverage dock not listening", False)):
            if not listening:  # what the year move costs without the Coverage dock's redraws
                for signal, handler in coverage_follows:
                    signal.disconnect(handler)
            moves, blocks = [], []
            for year in range(2019, 2027):
                block, settled, where, _ = bench.action(lambda year=year: timeline.slider.setValue(year), quiet=0.2)
                moves.append(settled)
                blocks.append((block, where))
            block, where = max(blocks)
            rows.append((f"{label} (2019 -> 2026)", f"{block * 1000:.0f} ms", where,
                         f"{statistics.median(moves) * 1000:.0f} / {max(moves) * 1000:.0f} ms (median / worst) "
                         "until the map settled"))
            block, settled, where, _ = bench.action(lambda: timeline.set_year(None))
            rows.append((f"timeline back to all years ({label.split(', ')[1] if ', ' in label else 'dock listening'})",
                         f"{block * 1000:.0f} ms", where, f"{settled * 1000:.0f} ms until the map settled"))
        for signal, handler in coverage_follows:
            signal.connect(handler)
        window.canvas.set_view(extent)
        bench.wait_settled()
        map_overall = (bench.beat.overall, bench.beat.overall_where)
        # VmHWM, which starts afresh at exec: getrusage's ru_maxrss keeps the peak of the process
        # this one was forked from (the bench that wrote the synthetic city, 2.6 GB)
        rss_before_exports_gb = _memory_mb("VmHWM") / 1024
        for label, make in exports(window):
            block, took, where = bench.export(make, Path(tmp) / label.split()[0])
            rows.append((f"export: {label}", f"{block * 1000:.0f} ms", where, f"{took:.2f} s until written"))
    rss_gb = _memory_mb("VmHWM") / 1024
    reader_mb = reader_peaks_mb()
    print()
    print("| action | longest GUI-thread block | spent in | time |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |", flush=True)
    print(f"\nLONGEST GUI-thread block over the whole run: {bench.beat.overall * 1000:.0f} ms "
          f"(in {bench.beat.overall_where}); before the exports: {map_overall[0] * 1000:.0f} ms "
          f"(in {map_overall[1]}); peak memory {rss_gb:.2f} GB, {rss_before_exports_gb:.2f} GB before the exports "
          "(the window's process: the sample, the layer opened three times with the two removed kept for undo, "
          "the docks' measures, the exports' images; not the reader process a file is read in)")
    print(f"reader process (files read and parsed there): peak {max(reader_mb, default=float('nan')) / 1024:.2f} GB "
          f"({len(reader_mb)} alive at the end, peaks {', '.join(f'{mb:,.0f}' for mb in reader_mb)} MB); "
          f"the window's and its reader's peaks together at most {rss_gb + sum(reader_mb) / 1024:.2f} GB "
          "(a sum of peaks: they need not come at the same moment)")
    print("load average (1 min) at the start and the end of the run: "
          f"{load_at_start:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"garbage collections (generations 1-2) over {Collections.SLOW_S * 1000:.0f} ms: {collections.slow} "
          f"(longest {collections.longest * 1000:.0f} ms)")
    window.loader.cancel_all()
    close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
