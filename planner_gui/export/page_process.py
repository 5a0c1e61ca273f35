"""The print page written as PDF in a process of its own, so that the window's process never waits for it.

Qt compresses every image it draws into a PDF, and writes the page, its fonts and the file, inside
calls that PySide makes holding Python's lock: an A4 page's map at 300 dpi is about 150 ms of
them (the map's JPEG encoding, in strips of ~8 ms), and on a busy machine a call is put off the
core while it holds the lock (a strip of 8 ms of work took 20-90 ms). The window's GUI thread
needs that lock at every callback into Python and waited for it: 87-153 ms in one export of three,
while itself busy 1-12 ms (`bench/bench_render.py`, 1M footprints). A thread cannot paint without
the lock, so the page is painted and written here, by the same `print_page.paint_page`, in a
child process: the window's worker only sends it the page's content and waits for it to end,
which holds no lock. The price is the child's start (Python, Qt and `print_page`: about half a second
on this machine) per PDF, paid after the map is drawn, not during it: a child started ahead, as
the map was drawn, took a core from the map's drawing (a worker holding the lock), and the GUI
thread waited more (the A4 export twelve times at load 3.5-4: two waits over 50 ms, up to 71 ms,
against none with the child started by the writing worker, at its lower priority).

    write_pdf(content, "page.pdf")     # content: a print_page.PrintContent, its map drawn

The child is `planner_gui.export.page_child`: it reads from its input HEADER (two lengths), a
pickled header (the PDF's path, the content, its map image's shape) and the map image's bytes,
writes the PDF to that path (the caller's temporary file: `print_layout.write_page` renames it once
checked whole) and exits 0, or says what went wrong on its error output and exits 1.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from layers.analysis.progress import Cancelled, IsCancelled
from layers.process_environment import child_environment

POLL_S = 0.05  # how often the waiting worker looks at the caller's Cancel
TIMEOUT_S = 600.0  # a page that takes longer is not coming (an A3 page at 600 dpi takes a few seconds)
HEADER = struct.Struct("<QQ")  # the lengths of the pickled header and of the map's pixels


def write_pdf(content, path: str | os.PathLike, cancelled: IsCancelled = None) -> Path:
    """Write `content` (a `print_page.PrintContent`, its map drawn) as a one-page PDF at `path`,
    in a child process; the calling thread waits without Python's lock. Raises OSError with the
    child's reason if it fails, `Cancelled` (the child stopped, `path` removed) if `cancelled()`."""
    path = Path(path)
    image = content.map_image
    header = pickle.dumps((str(path), dataclasses.replace(content, map=None), content.map_bounds, image.width(),
                           image.height(), image.bytesPerLine(), image.format().value), pickle.HIGHEST_PROTOCOL)
    env = child_environment(QT_QPA_PLATFORM="offscreen")  # no window of its own
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: the child never blocks on what it says
        # started from the worker, the child has its lower priority (`planner_gui.jobs.priority`)
        child = subprocess.Popen([sys.executable, "-m", "planner_gui.export.page_child"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=errors, env=env)
        try:
            with child.stdin as to_child:
                to_child.write(HEADER.pack(len(header), image.sizeInBytes()) + header)
                to_child.write(image.constBits())  # the map's pixels, unpickled: no copy
            _wait(child, cancelled)
        except BrokenPipeError:
            child.wait()  # it ended before reading everything: what it said tells why
        except BaseException:
            child.kill()
            child.wait()
            path.unlink(missing_ok=True)
            raise
        if child.returncode != 0:
            errors.seek(0)
            said = [line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
            # the caller names the file
            raise OSError(f"the page could not be painted ({said[-1] if said else f'exit {child.returncode}'})")
    return path


def _wait(child: subprocess.Popen, cancelled: IsCancelled) -> None:
    """Until `child` ends (the caller's Cancel looked at every POLL_S), at most TIMEOUT_S."""
    started = time.monotonic()
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled()
        try:
            child.wait(POLL_S)
            return
        except subprocess.TimeoutExpired:
            if time.monotonic() - started > TIMEOUT_S:
                raise OSError(f"the page was not written in {TIMEOUT_S:.0f} s") from None
