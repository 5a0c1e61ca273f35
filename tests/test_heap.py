"""The C heap's policy (`layers.analysis.coverage.heap`): the window's threads share two heaps
(glibc's arenas), where each thread that allocated had one of its own, each keeping up to 64 MB
free. Counted by glibc itself (`malloc_info`), in a fresh process each time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layers.analysis.coverage.heap import glibc

ROOT = Path(__file__).resolve().parents[1]

_HEAPS_AFTER_THREADS = """
import ctypes, re, sys, tempfile, threading
import numpy as np
from layers.analysis.coverage.heap import glibc, share_heaps
if sys.argv[1] == "shared":
    share_heaps(2)

def work():
    for _ in range(20):
        block = np.ones(1 << 18)  # 2 MB, from the thread's heap
        del block

threads = [threading.Thread(target=work) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = glibc()
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile() as report:
    out = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(out))
    libc.fclose(ctypes.c_void_p(out))
    print(len(re.findall(rb'<heap nr="', open(report.name, "rb").read())))
"""


def _heaps(mode: str) -> int:
    run = subprocess.run([sys.executable, "-c", _HEAPS_AFTER_THREADS, mode], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return int(run.stdout.split()[-1])


@pytest.mark.skipif(glibc() is None, reason="glibc's allocator only")
def test_threads_share_two_heaps_where_each_had_its_own():
    assert _heaps("own") > 2  # six threads that allocated: heaps of their own
    assert _heaps("shared") == 2


def test_the_window_shares_its_heaps(monkeypatch):
    import planner_gui.process as process

    shared = []
    monkeypatch.setattr(process, "share_heaps", shared.append)
    monkeypatch.setattr(process, "_tuned", False)
    monkeypatch.setattr(process.gc, "freeze", lambda: None)  # (the test process left as it was)
    monkeypatch.setattr(process.sys, "setswitchinterval", lambda seconds: None)
    process.tune_for_window()
    assert shared == [process.WINDOW_HEAPS] == [2]
