"""The C heap's policy (`layers.heap`): the window's threads share two heaps
(glibc's arenas), where each thread that allocated had one of its own, each keeping up to 64 MB
free. Counted by glibc itself (`malloc_info`), in a fresh process each time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layers.heap import glibc

ROOT = Path(__file__).resolve().parents[1]

_HEAPS_AFTER_THREADS = """
import ctypes, re, sys, tempfile, threading
import numpy as np
from layers.heap import glibc, share_heaps
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


_FAULTS_OF_PARSES = """
import resource, threading
import numpy as np, pyarrow as pa, shapely
from layers.io.arrays_stream import encode, stream_schema

rng = np.random.default_rng(0)
x, y = rng.uniform(0, 20_000, (2, 32_768))  # a batch of the reader's size of 8-30 m footprints
wkb = shapely.to_wkb(shapely.box(x, y, x + rng.uniform(8, 30, x.size), y + rng.uniform(8, 30, x.size)))
batch = pa.record_batch([pa.array(wkb, pa.binary())], names=["geometry"])
schema = stream_schema(batch.schema, "geometry")

def parse(times):
    for _ in range(times):
        encode(batch, "geometry", schema, 0)  # and dropped, as once the pipe has taken it

first = threading.Thread(target=parse, args=(2,))  # on a parser thread, as in the reader
first.start(); first.join()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
again = threading.Thread(target=parse, args=(10,))
again.start(); again.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults_of_parses(env: dict[str, str]) -> int:
    """Page faults of ten parses of one batch of footprints on a thread, after two: what the pages
    of the parser's arrays cost once the heap has held them."""
    run = subprocess.run([sys.executable, "-c", _FAULTS_OF_PARSES], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**env, "PYTHONPATH": str(ROOT)})
    return int(run.stdout.split()[-1])


@pytest.mark.skipif(glibc() is None, reason="glibc's allocator only")
def test_the_reader_parses_batch_after_batch_in_the_pages_its_heap_holds():
    from layers.heap import kept_heap_environment
    from layers.io.isolated import reader_environment

    env = reader_environment()
    assert kept_heap_environment().items() <= env.items()
    unkept = {name: value for name, value in env.items() if name not in kept_heap_environment()}
    # each parse's arrays (a few MB) on fresh pages, against pages used again (27k and 3.6k here)
    assert _faults_of_parses(env) * 3 < _faults_of_parses(unkept)
