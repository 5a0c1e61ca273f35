"""The environment a planner process starts with: read by NumPy and its OpenBLAS when NumPy is
imported, so set before that (`set_up_process`, by the `planner` script and `python -m
layers.cli`; the reader process is started with it, `layers.io.isolated`). What a user has set
in the environment wins.

- **Pages of the usual size.** NumPy asks the system for huge pages (2 MB) for every array over
  4 MB. On a virtual machine whose host gives the guest its memory as it is first touched (cloud
  machines, virtual desktops, this project's machines), a huge page's first touch costs the host's
  faults for each of its 512 small pages: 0.43-0.46 GB/s here against 1.9 GB/s for small pages
  (a fresh 540 MB array, `NUMPY_MADVISE_HUGEPAGE=1` against `0`, five runs each). The planner
  fills most of its large arrays once (a city's footprints as read, the engine's temporaries),
  so it pays that per array: `planner measure --zones` on 4M footprints from a GeoPackage took
  4.44 s with huge pages and 3.54 s without, 1M 1.80 s and 1.64 s (medians; load 1.0-1.5). On a
  machine of its own a huge page is filled with one fault instead of 512, so small pages cost a
  little more there (not measured: this project has no such machine); that is bounded by the
  small pages' 1.9 GB/s, against a loss of seconds on a virtual one.
- **One OpenBLAS thread.** NumPy's OpenBLAS starts a thread per core at import, which spins
  about 50 ms of a core before it sleeps; the planner multiplies no large matrices, and on a
  two-core machine reading a city those 50 ms are taken from the reader.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parents[1])  # where `layers` and `planner_gui` are
PROCESS_ENVIRONMENT = {"NUMPY_MADVISE_HUGEPAGE": "0", "OPENBLAS_NUM_THREADS": "1"}


def set_up_process() -> None:
    """This process's environment as the module docstring says, unless the user set it: called
    before NumPy is imported (later it changes only the processes this one starts)."""
    for name, value in PROCESS_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def child_environment(**forced: str) -> dict[str, str]:
    """The environment of a planner process this one starts (the reader, a print page's painter):
    this module's settings unless the user set them, the user's environment, then `forced`; the
    project first on the module path, so that `python -m layers...` finds this copy of it."""
    env = {**PROCESS_ENVIRONMENT, **os.environ, **forced}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    return env
