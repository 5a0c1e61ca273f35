"""The real app on a real X display (Xvfb, Qt's xcb platform) at a laptop's 1366x768 and at 1920x1080:
it opens the Hanoi sample and, through its test hook (PLANNER_LAYOUT_REPORT), writes what a planner's
eye checks once the figures are in (`planner_gui.layout_check`): no dock scrolling sideways, no
control cut off, the legend over the map a small share of it, the place search in reach.

Skipped only where Xvfb is not installed (CI installs it: .ci/run)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_PROJECT

SIZES = ["1366x768", "1920x1080"]
DOCKS_PENDING = ("the docks' own layout (horizontal scroll, wrapping, tabs) is issue 23's other half (gui23b); "
                 "until it lands a dock may still scroll sideways or cut a control")

pytestmark = [
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt install xvfb; CI has it)"),
    pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample"),
]


def free_display() -> int:
    for number in range(120, 400):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


def wait_for(condition, what: str, limit_s: float = 20.0) -> None:
    """Poll `condition` until it holds (a process's socket appearing): no fixed sleep."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {limit_s:.0f} s")
        time.sleep(0.05)


@pytest.fixture(scope="module", params=SIZES)
def layout(request, tmp_path_factory):
    """The layout report of the real app on an Xvfb screen of that size (once per size)."""
    folder = tmp_path_factory.mktemp(f"xvfb_{request.param}")
    number = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{request.param}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or xvfb.poll() is not None, "Xvfb starting")
        assert xvfb.poll() is None, "Xvfb ended at once"
        report = folder / "layout.json"
        env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=f":{number}", PYTHONPATH=str(ROOT),
                   PLANNER_SETTINGS_DIR=str(folder / "settings"), PLANNER_LAYOUT_REPORT=str(report))
        env.pop("WAYLAND_DISPLAY", None)
        done = subprocess.run([sys.executable, "-m", "planner_gui.app"], env=env, capture_output=True, text=True,
                              timeout=240, cwd=folder)
        assert done.returncode == 0, done.stderr[-3000:]
        assert report.exists(), done.stderr[-3000:]
        result = json.loads(report.read_text(encoding="utf-8"))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert result["screen"] == [int(v) for v in request.param.split("x")]
    assert result["settled"] and result["layers"] > 0  # the sample loaded and its figures came in
    return result


def test_the_place_search_is_in_reach(layout):
    assert layout["place_search_reachable"]


def test_the_legend_over_the_map_covers_under_15_percent_of_it(layout):
    assert layout["legend_shown"]  # the hook turns it on, as a planner would
    assert 0 < layout["legend_share"] < 0.15


def test_nothing_outside_the_docks_is_cut_off(layout):
    assert [c for c in layout["clipped"] if c["dock"] is None] == []


@pytest.mark.xfail(strict=False, reason=DOCKS_PENDING)
def test_no_control_in_a_dock_is_cut_off(layout):
    assert [c for c in layout["clipped"] if c["dock"] is not None] == []


@pytest.mark.xfail(strict=False, reason=DOCKS_PENDING)
def test_no_dock_scrolls_sideways(layout):
    assert layout["docks_scrolling_sideways"] == []


@pytest.mark.xfail(strict=False, reason="the docks' minimum widths are gui23b's: since main's GTFS roles the Layers "
                   "dock's role combo asks 350 px for 'transit stop or station (class per feature, from a feed)'")
def test_the_map_keeps_most_of_the_window(layout):
    """At least 40 % of the window's width is map on a laptop's screen (it was ~410 of 1229 px)."""
    assert layout["map"][0] >= 0.4 * layout["window"][0]
