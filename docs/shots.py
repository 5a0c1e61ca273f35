"""What the screenshot scripts in docs/ share: the app offscreen with throw-away settings, the main
window with files opened, waiting on a signal or a condition, and a grab of the window.

Imported first by each script (`python docs/screenshot_….py` puts this folder on the path), so
the environment is set before Qt is loaded.

The README's pictures are taken from a real window on an X display at 1920x1080 (Debian: xvfb):

    xvfb-run -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb python docs/screenshot_main_window.py
    xvfb-run -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb python docs/screenshot_main_window.py \
        docs/main_window_1366.png
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLANNER_BASEMAP", "none")  # pictures of the data, the same offline
os.environ.setdefault("PLANNER_SETTINGS_DIR", tempfile.mkdtemp(prefix="planner-shot-"))  # never the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6 import QtCore, QtWidgets  # noqa: E402  (after the environment above)

WAIT_MS = 60_000
URBAN_HANOI = (105.70, 20.93, 105.97, 21.12)  # lon/lat: the core districts, both river banks


def main_window(files=(), size: tuple[int, int] | None = None):
    """(app, window): the main window shown at `size` with `files` opened (none: the bundled
    sample, as `planner` opens it), after they have loaded. Without a size, on a real display (the
    README's pictures: Xvfb at 1920x1080, QT_QPA_PLATFORM=xcb) the window takes the whole screen, as
    on a planner's desktop; offscreen it is 1600x1000."""
    from planner_gui.app import open_window

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner"])
    window = open_window([str(f) for f in files])
    if size is None and app.platformName() != "offscreen" and app.primaryScreen() is not None:
        screen = app.primaryScreen().availableGeometry()
        size = (screen.width(), screen.height())
        window.move(screen.topLeft())
    window.resize(*(size or (1600, 1000)))
    window.show()
    wait(window.loading_finished, window.loader.busy)
    return app, window


def wait(signal, busy=lambda: True) -> None:
    """Run the event loop until `signal` fires (at most a minute), if `busy()` says it will."""
    if busy():
        loop = QtCore.QEventLoop()
        signal.connect(loop.quit)
        QtCore.QTimer.singleShot(WAIT_MS, loop.quit)
        loop.exec()


def until(app, condition) -> None:
    """Process events until `condition()` holds."""
    while not condition():
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)


def figures_settled(window) -> bool:
    """The Coverage dock shows figures and has nothing more under way."""
    panel = window.dashboard.coverage
    return panel.coverage is not None and not panel.busy() and not panel._timer.isActive()


def grab(app, window, path: str | os.PathLike) -> Path:
    """The window as it is drawn now (the map redrawn first, its pictures and legend made in their
    workers) saved to `path`."""
    for _ in range(3):
        app.processEvents()
    window.canvas.refresh()
    until(app, lambda: not window.canvas.busy() and not window.canvas.legend.busy())
    app.processEvents()
    return saved(window.grab(), path)


def saved(picture, path: str | os.PathLike) -> Path:
    """`picture` (a QImage or QPixmap) written to `path`; stops the script if it could not be
    (Qt says only False: no such folder, a name without an image format)."""
    if not picture.save(str(path)):
        raise SystemExit(f"{path}: could not be written (does its folder exist? a .png name?)")
    return Path(path)


def show_lonlat(window, box: tuple[float, float, float, float] = URBAN_HANOI) -> None:
    """Zoom the map to a lon/lat box (west, south, east, north) in the window's working CRS."""
    from layers.crs import transformer

    to_map = transformer("EPSG:4326", window.session.working_crs)
    xmin, ymin = to_map.transform(*box[:2])
    xmax, ymax = to_map.transform(*box[2:])
    window.canvas.set_view((xmin, ymin, xmax, ymax))


def close(window) -> None:
    """Close the window and wait for its workers (a running thread at exit would abort the script)."""
    from planner_gui.jobs.loader import wait_for_workers

    window.session.mark_saved()  # a picture, not work to keep: closing asks nothing
    window.dashboard.shutdown()
    window.close()
    wait_for_workers(10_000)
