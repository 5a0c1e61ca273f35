"""The planner's processes start with small pages for NumPy's arrays and one OpenBLAS thread
(`layers.process_environment`); what the user set in the environment wins."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from layers.io import isolated
from layers.io.isolated import ReadLimits

ROOT = Path(__file__).resolve().parents[1]
_HUGE_PAGES_ASKED = ("from layers.process_environment import set_up_process; set_up_process(); import numpy; "
                     "print(numpy._core.multiarray._get_madvise_hugepage())")


def _numpy_asks_for_huge_pages(**environment: str) -> bool:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMPY_MADVISE_HUGEPAGE", "OPENBLAS_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", _HUGE_PAGES_ASKED], capture_output=True, text=True, check=True,
                          env={**env, "PYTHONPATH": str(ROOT), **environment})
    return done.stdout.strip() == "True"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="huge pages are asked for on Linux only")
def test_a_planner_process_asks_numpy_for_small_pages_unless_the_user_set_it():
    assert not _numpy_asks_for_huge_pages()
    assert _numpy_asks_for_huge_pages(NUMPY_MADVISE_HUGEPAGE="1")


def _reader_environment() -> dict[str, str]:
    reader = isolated.ReaderProcess(ReadLimits())
    try:
        reader.layers(str(ROOT / "sample_data" / "hanoi.gpkg"))  # started and answering
        raw = Path(f"/proc/{reader._proc.pid}/environ").read_bytes()
    finally:
        reader.close()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="a process's environment is read from /proc")
def test_the_reader_starts_with_the_planners_environment(monkeypatch):
    from layers.process_environment import PROCESS_ENVIRONMENT

    for name in PROCESS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    environment = _reader_environment()
    assert {name: environment.get(name) for name in PROCESS_ENVIRONMENT} == PROCESS_ENVIRONMENT
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")  # the user's setting
    assert _reader_environment()["OPENBLAS_NUM_THREADS"] == "3"


def test_the_planner_script_sets_up_its_process(tmp_path):
    """The `planner` script (here with no display: it says so and exits 2) has set the environment
    by the time its process ends; a headless command's too (`python -m layers.cli` calls the same)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "NUMPY_MADVISE_HUGEPAGE", "OPENBLAS_NUM_THREADS")}
    code = ("import atexit, os, sys; sys.argv = ['planner']; "
            "atexit.register(lambda: print(os.environ.get('NUMPY_MADVISE_HUGEPAGE'), os.environ.get('OPENBLAS_NUM_THREADS'))); "
            "from planner_gui.app import entry; entry()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT), "PLANNER_SETTINGS_DIR": str(tmp_path)})
    assert done.returncode == 2 and done.stdout.split() == ["0", "1"], done.stderr[-2000:]
