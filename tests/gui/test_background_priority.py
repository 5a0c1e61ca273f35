"""Worker threads stand aside for the GUI thread: each lowers its own scheduling priority as it
starts (`planner_gui.jobs.priority`), the GUI thread's is left alone, and what a worker starts
(a reader process, a pool's threads) inherits the lower priority."""
from __future__ import annotations

import os
import sys
import threading

import pytest

from planner_gui.jobs.loader import Loader
from planner_gui.jobs.priority import BACKGROUND_NICE
from planner_gui.jobs.runner import AnalysisRunner

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_an_analysis_job_runs_at_background_priority_and_the_gui_thread_does_not(qtbot):
    gui_before = _nice()
    runner = AnalysisRunner(debounce_ms=0)
    results = []
    runner.finished.connect(lambda _id, result: results.append(result))

    def job(_progress, _cancelled):
        started = []  # a thread the job starts inherits its priority (the coverage pool's are so)
        child = threading.Thread(target=lambda: started.append(_nice()))
        child.start()
        child.join()
        return _nice(), started[0]

    runner.request(job, immediate=True)
    qtbot.waitUntil(lambda: bool(results))
    runner.wait()
    assert results[0] == (max(gui_before, BACKGROUND_NICE), max(gui_before, BACKGROUND_NICE))
    assert _nice() == gui_before


def test_a_load_job_runs_at_background_priority(qtbot, monkeypatch):
    seen = []

    def run(self):  # the job's own work replaced: only the thread it runs in is looked at
        seen.append(_nice())
        self.signals.finished.emit(False)

    monkeypatch.setattr("planner_gui.jobs.loader.LoadJob.run", run)
    gui_before = _nice()
    loader = Loader()
    loader.start([], None)
    qtbot.waitUntil(lambda: not loader.busy() and bool(seen))
    assert seen == [max(gui_before, BACKGROUND_NICE)]
    assert _nice() == gui_before
