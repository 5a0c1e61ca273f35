"""Latest-wins background computation: the newest request is the only one whose result is shown.

`AnalysisRunner.request(fn)` asks for `fn(progress, cancelled) -> result` to run off the GUI
thread. Requests are debounced (150 ms by default): a burst of radius changes starts one job.
A new request at once sets the cancel flag of the job that is running (the model's functions
check it between chunks and raise `layers.coverage.Cancelled`), and at most one job runs at a
time; the newest pending request starts when the running one has ended. Whatever a job
returns, its result is emitted only if its request id is still the latest, so no stale figure
ever reaches the screen.

Like `planner_gui.jobs.loader`, each job has its own QThread (not the QThreadPool: pyproj's PROJ
context crashes in pooled threads), kept in `workers.running_threads` until it has finished
(so `wait_for_workers` at exit covers it); the set is pruned in the GUI thread, so a QThread's
Python wrapper is never freed in its own thread.

Jobs of all runners (coverage, overlap, scenario, timeline) run one at a time under one lock:
they share the CityData's caches (feature indexes, the population grid's per-zone totals),
which are not made for concurrent writers, and two jobs would only split the same two cores.
A cancelled job lets go within one chunk, so the newest request waits little.

Signals: `started(id)`, `progress(id, fraction)`, `finished(id, result)`, `failed(id, message)`,
`busy_changed(bool)`, and `slow(bool)` once a job has run longer than `slow_ms` (500 ms), for a
progress bar.
"""
from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6 import QtCore

from layers.analysis.progress import Cancelled
from planner_gui.jobs.loader import running_threads
from planner_gui.jobs.priority import in_background


_COMPUTE_LOCK = threading.Lock()  # one analysis job at a time, whichever runner asked


class _Signals(QtCore.QObject):
    progress = QtCore.Signal(int, float)
    done = QtCore.Signal(int, object, str)  # id, result, error ('' if none; 'cancelled')


class _Job(QtCore.QThread):
    def __init__(self, request_id: int, fn: Callable, signals: _Signals, lock):
        super().__init__()
        self.request_id = request_id
        self.fn = fn
        self.signals = signals
        self.lock = lock
        self.cancel_event = threading.Event()

    def run(self) -> None:
        in_background()
        result, error = None, ""
        try:
            with self.lock:
                if self.cancel_event.is_set():
                    raise Cancelled()
                result = self.fn(self._progress, self.cancel_event.is_set)
            if self.cancel_event.is_set():
                error = "cancelled"
        except Cancelled:
            error = "cancelled"
        except (ValueError, KeyError, OSError) as exc:  # the data cannot answer, the disk refuses a file
            error = str(exc.args[0] if exc.args else exc)
        except Exception as exc:  # a bug: reported in the dock, never a crash
            error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        self.signals.done.emit(self.request_id, result, error)

    def _progress(self, fraction: float) -> None:
        self.signals.progress.emit(self.request_id, float(fraction))


class AnalysisRunner(QtCore.QObject):
    started = QtCore.Signal(int)
    progress = QtCore.Signal(int, float)
    finished = QtCore.Signal(int, object)
    failed = QtCore.Signal(int, str)
    busy_changed = QtCore.Signal(bool)
    slow = QtCore.Signal(bool)

    def __init__(self, parent=None, debounce_ms: int = 150, slow_ms: int = 500, lock=_COMPUTE_LOCK):
        """`lock` serialises jobs across runners (default: the analysis lock); pass
        `contextlib.nullcontext()` for work that shares no state, such as raster window reads."""
        super().__init__(parent)
        self._lock = lock
        self.latest_id = 0
        self._pending: tuple[int, Callable] | None = None
        self._job: _Job | None = None
        self._signals = _Signals()
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._debounce = QtCore.QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(self._start_pending)
        self._slow_timer = QtCore.QTimer(self, singleShot=True, interval=slow_ms)
        self._slow_timer.timeout.connect(lambda: self.slow.emit(True))
        self._busy = False

    # -- asking ------------------------------------------------------------------------------------
    def request(self, fn: Callable, immediate: bool = False) -> int:
        """Queue `fn(progress, cancelled)`; cancels the running job; returns the request id."""
        self.latest_id += 1
        self._pending = (self.latest_id, fn)
        if self._job is not None:
            self._job.cancel_event.set()
        self._set_busy(True)
        if immediate:
            self._debounce.stop()
            self._start_pending()
        else:
            self._debounce.start()
        return self.latest_id

    def cancel(self) -> None:
        """Drop the pending request and cancel the running job (nothing more will be shown)."""
        self.latest_id += 1
        self._pending = None
        self._debounce.stop()
        if self._job is not None:
            self._job.cancel_event.set()
        else:
            self._set_busy(False)

    def busy(self) -> bool:
        return self._busy

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until the running job's thread has ended (shutdown, tests)."""
        job = self._job
        return job.wait(timeout_ms) if job is not None else True

    # -- running ----------------------------------------------------------------------------------
    def _start_pending(self) -> None:
        if self._job is not None or self._pending is None:
            return  # the running job is being cancelled; the pending one starts when it ends
        request_id, fn = self._pending
        self._pending = None
        job = _Job(request_id, fn, self._signals, self._lock)
        self._job = job
        running_threads.add(job)
        job.finished.connect(self._reap)  # a method of this QObject: runs in the GUI thread
        self._slow_timer.start()
        self.started.emit(request_id)
        job.start()

    def _reap(self) -> None:
        """Forget the threads that have ended (here, in the GUI thread, never in their own)."""
        for job in [j for j in running_threads if j.isFinished()]:
            job.wait()
            running_threads.discard(job)

    def _on_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self.latest_id:
            self.progress.emit(request_id, fraction)

    def _on_done(self, request_id: int, result, error: str) -> None:
        self._job = None
        self._slow_timer.stop()
        self.slow.emit(False)
        latest = request_id == self.latest_id
        if latest and not error:
            self.finished.emit(request_id, result)
        elif latest and error != "cancelled":
            self.failed.emit(request_id, error)
        if self._pending is not None:
            if not self._debounce.isActive():
                self._start_pending()
        else:
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
