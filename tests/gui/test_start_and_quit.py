"""The window comes up at once with the city loading behind it, says "No city yet" only when no city
is coming, and Quit ends every worker: no "QThread: Destroyed while thread is still running", no abort."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT, SAMPLE_PROJECT
import pytest


def test_the_map_says_loading_not_no_city_while_the_city_loads(qtbot, window, synthetic_project):
    hint = window.canvas.empty_hint
    assert hint.isVisibleTo(window) and "No city yet" in hint.text()  # nothing open, nothing coming
    with qtbot.waitSignal(window.loading_finished, timeout=20_000):
        window.open_files([synthetic_project])
        assert window.loader.busy()
        assert "No city yet" not in hint.text() and "Loading hanoi.planner.json" in hint.text()
        assert window.progress.isVisibleTo(window)
    assert not hint.isVisibleTo(window)


def test_a_load_that_brings_nothing_says_no_city_again(qtbot, window, tmp_path):
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    with qtbot.waitSignal(window.loading_finished, timeout=20_000):
        window.open_files([broken])
    assert "No city yet" in window.canvas.empty_hint.text() and window.canvas.empty_hint.isVisibleTo(window)


def test_closing_with_workers_running_stops_them_all(qtbot, window, synthetic_project):
    from planner_gui.jobs.loader import running_threads

    window.open_files([synthetic_project])
    window.dashboard.coverage.runner.request(lambda progress, cancelled: [cancelled() or 1 for _ in range(10**5)],
                                             immediate=True)
    assert any(thread.isRunning() for thread in running_threads)
    window.close()
    assert not window.loader.jobs or all(job.cancelled for job in window.loader.jobs)
    qtbot.waitUntil(lambda: not any(thread.isRunning() for thread in running_threads), timeout=20_000)


@pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample")
def test_the_app_quit_while_loading_exits_cleanly(tmp_path):
    """The real app (offscreen), quit by its test hook while the sample still loads: exit code 0,
    no abort, and Qt never complains of a thread destroyed while running."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), PLANNER_SETTINGS_DIR=str(tmp_path),
               PLANNER_QUIT_AFTER_MS="150")
    done = subprocess.run([sys.executable, "-m", "planner_gui.app"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "QThread: Destroyed" not in done.stderr
    quit_line = re.search(r"quit by PLANNER_QUIT_AFTER_MS with (\d+) worker\(s\) running, loading: (\w+)", done.stderr)
    assert quit_line and quit_line.group(2) == "True", done.stderr[-3000:]  # it did quit mid-load
