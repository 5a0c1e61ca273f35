"""Loading off the GUI thread: one QThread worker per load job, results back by signal.

A `LoadJob` reads each file in turn (a `.planner.json` project or any GIS file layers.io reads;
a vector file's layers as arrays, `layers.io.read_counted`, the small ones then made whole: a
million footprints never become a million shapely geometries), prepares its drawing geometry in the working CRS (the slow part for big layers), and emits one
signal per result. `cancel()` sets a flag checked between files and between layers, and stops a
read under way at once: the files are read in a reader process (`layers.io.isolated`) that is
killed when the flag is set, so a file that never ends cannot hold the job. A cancelled job emits
nothing more but `finished`; the layers it loaded before stay. A file that cannot be read emits
`failed` with '<file>: <reason>' and the job goes on with the next file. A project that names
files outside its own folder emits `outside_files` with their list, having read none of them
(unless the job was started with `allow_outside`, after the planner said yes). A file that loads
only if the planner accepts repairs that change polygons' areas emits `repair_asked` (the window
asks, and reads it again with `repair`).

Why a QThread per job and not the QThreadPool: pyproj keeps its PROJ context in a native
per-thread slot but frees it with the Python thread state. A pooled Qt thread gets a fresh
Python thread state each time it runs Python, so its second job finds a freed context and
crashes inside PROJ (seen with pyproj 3.7 / PySide6 6.12). A QThread runs `run()` once, in one
Python thread state, and ends.

Lifetimes: threads are kept in a module-level set until they have finished (so closing the
window never destroys a running QThread); the signals object is created in the GUI thread and
dropped there.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pyproj import CRS
from PySide6 import QtCore

from layers.crs import choose_working_crs, lonlat_bounds, require_accurate
from layers.analysis.progress import Cancelled
from layers.compact_layer import held
from layers.io import LayerLoadError, RepairChangesArea, is_raster, list_vector_layers, read_layers
from layers.io.isolated import ReadLimits, reading
from layers.io.limits import READ_TIMEOUT_S
from layers.layer import RasterLayer, VectorLayer
from layers.session.project import SUFFIX as PROJECT_SUFFIX
from layers.session.project import OutsideFilesError, ProjectError, load_project
from planner_gui.jobs.priority import in_background
from planner_gui.map.geometry import prepared
from planner_gui.map.raster_display import in_working_crs
from planner_gui.settings import app_settings, read_timeout_s


def is_project(path: str | Path) -> bool:
    return str(path).lower().endswith(PROJECT_SUFFIX)


def prepare_for_drawing(layer, crs: CRS) -> None:
    """Do the expensive per-layer drawing work (reprojection, flat arrays, the extent, each zoom
    level's simplification) now, in this thread,
    and the check that the session makes when the layer is added (its answer is remembered)."""
    if layer.crs is not None:
        require_accurate(layer.crs, crs, lonlat_bounds(layer.crs, layer.bounds))
    if isinstance(layer, VectorLayer):
        prepared(layer, crs).ready_for_every_view()
    elif isinstance(layer, RasterLayer):
        in_working_crs(layer, crs)


class LoadSignals(QtCore.QObject):
    progress = QtCore.Signal(int, int, str)  # files done, files in all, what is being read
    layers_loaded = QtCore.Signal(object, str)  # the layers of one file (list), the file
    project_loaded = QtCore.Signal(object)  # layers.session.project.Project
    outside_files = QtCore.Signal(str, object)  # a project, the files it names outside its folder (list of Path)
    failed = QtCore.Signal(str)  # '<file>: <reason>'
    repair_asked = QtCore.Signal(str, str)  # the file, what repairing it would change (read it again with repair)
    finished = QtCore.Signal(bool)  # True if cancelled


class LoadJob:
    """Reads `paths` in order when `run()` is called (by the pool, in a worker thread)."""

    def __init__(self, paths, working_crs: CRS | None, signals: LoadSignals, allow_outside: bool = False,
                 repair: bool = False, timeout_s: float = READ_TIMEOUT_S):
        self.paths = [Path(p) for p in paths]
        self.working_crs = working_crs
        self.signals = signals
        self.allow_outside = allow_outside  # read the files projects name outside their folders
        self.repair = repair  # accept repairs that change polygons' areas (the planner said so)
        self.timeout_s = timeout_s  # one read's time limit (the app's setting)
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        # one reader process for the job, killed on cancel or when a read outlasts the time limit
        with reading(ReadLimits(timeout_s=self.timeout_s), cancelled=lambda: self.cancelled):
            self._run()

    def _run(self) -> None:
        try:
            total = len(self.paths)
            for done, path in enumerate(self.paths):
                if self.cancelled:
                    break
                self.signals.progress.emit(done, total, path.name)
                try:
                    self._load(path)
                except Cancelled:
                    break
                except OutsideFilesError as exc:
                    self.signals.outside_files.emit(str(path), exc.files)
                except RepairChangesArea as exc:  # the planner decides, on the GUI thread
                    self.signals.repair_asked.emit(str(path), str(exc))
                except (LayerLoadError, ProjectError) as exc:
                    self.signals.failed.emit(str(exc))
                except Exception as exc:  # a bug or a GDAL surprise: report it, keep going
                    self.signals.failed.emit(f"{path.name}: {type(exc).__name__}: {exc}")
            if not self.cancelled:
                self.signals.progress.emit(total, total, "")
        finally:
            self.signals.finished.emit(self.cancelled)

    def _load(self, path: Path) -> None:
        if is_project(path):
            project = load_project(path, self.allow_outside, self.repair)
            crs = project.working_crs or _chosen_crs(project.layers)
            for layer in project.layers:
                if self.cancelled:
                    return
                if crs is not None:
                    prepare_for_drawing(layer, crs)
            if not self.cancelled:
                self.signals.project_loaded.emit(project)
            return
        layers = [held(layer) for layer in read_layers(
            path, cancelled=lambda: self.cancelled, repair=self.repair, to_count=_vector_layers(path))]
        crs = self.working_crs or _chosen_crs(layers)
        for layer in layers:
            if self.cancelled:
                return
            if crs is not None:
                prepare_for_drawing(layer, crs)
        self.signals.layers_loaded.emit(layers, str(path))


def _vector_layers(path: Path) -> list[str]:
    """The vector layers of a GIS file, all read as arrays (`held` makes the small ones
    whole again); none for a raster (read_layers says what is wrong with a file)."""
    if is_raster(path):
        return []
    try:
        return list_vector_layers(path)
    except LayerLoadError:
        return []


def _chosen_crs(layers) -> CRS | None:
    """The working CRS these layers would get in an empty session (to prepare drawing in it now)."""
    try:
        return choose_working_crs([(layer.crs, layer.bounds) for layer in layers])
    except ValueError:
        return None


class _LoadThread(QtCore.QThread):
    def __init__(self, job: LoadJob):
        super().__init__()
        self.job = job

    def run(self) -> None:
        in_background()
        self.job.run()


running_threads: set[QtCore.QThread] = set()  # every worker thread, alive until finished


class Loader(QtCore.QObject):
    """Starts load jobs, each in its own worker thread; `busy()` while any is unfinished."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs: list[LoadJob] = []

    def start(self, paths, working_crs: CRS | None, connect: Callable[[LoadSignals], None] | None = None,
              allow_outside: bool = False, repair: bool = False) -> LoadJob:
        """Start a job reading `paths`; `connect(signals)` connects the caller's handlers first.
        `allow_outside`: read the files a project names outside its folder (the planner said yes).
        `repair`: accept repairs that change polygons' areas (asked of the planner first).

        Before the thread starts, not after `start` returns: a file refused at once (not a
        GeoPackage, say) is read, refused and reported in microseconds, and its `failed` and
        `finished` went to nobody when the worker got there first (a test waited in vain for
        the end of such a load, about once in ten runs).
        """
        job = LoadJob(paths, working_crs, LoadSignals(), allow_outside, repair, read_timeout_s(app_settings()))
        self.jobs.append(job)
        # Connected first, so it runs before the caller's own finished-handlers: they already
        # see busy() False when the last job ends.
        job.signals.finished.connect(lambda _cancelled, job=job: self._forget(job))
        if connect is not None:
            connect(job.signals)
        thread = _LoadThread(job)
        running_threads.add(thread)
        thread.finished.connect(lambda thread=thread: (thread.wait(), running_threads.discard(thread)))
        thread.start()
        return job

    def _forget(self, job: LoadJob) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    def cancel_all(self) -> None:
        for job in list(self.jobs):
            job.cancel()

    def busy(self) -> bool:
        return bool(self.jobs)


def wait_for_workers(timeout_ms: int = 5000) -> bool:
    """Block until every worker thread has ended, `timeout_ms` for all of them together (at exit,
    after cancelling); True if all did."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000.0
    for thread in list(running_threads):
        left_ms = max(0, round((deadline - time.monotonic()) * 1000))
        if not thread.wait(left_ms):
            return False
    return True
