"""The real app on a real X display (Xvfb, Qt's xcb platform) at a laptop's 1366x768 and at 1920x1080:
it opens the Hanoi sample and, through its test hook (PLANNER_LAYOUT_REPORT), writes what a planner's
eye checks once the figures are in (`planner_gui.layout_check`): no dock scrolling sideways, no
control cut off, the legend over the map a small share of it, the place search in reach.

Skipped only where Xvfb is not installed (CI installs it: .ci/run)."""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE_PROJECT

SIZES = ["1366x768", "1920x1080"]

pytestmark = [
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt install xvfb; CI has it)"),
    pytest.mark.skipif(not SAMPLE_PROJECT.exists(), reason="needs the bundled Hanoi sample"),
]


def start_xvfb(size: str) -> tuple[subprocess.Popen, int]:
    """Xvfb on a display number it picks itself (`-displayfd`: free whatever else runs, other tests
    and other test runs included), once it accepts connections; no fixed sleep."""
    told, tell = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(tell), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(tell,))
    os.close(tell)
    said = b""
    with os.fdopen(told, "rb") as pipe:
        while not said.endswith(b"\n"):
            if not select.select([pipe], [], [], 20.0)[0]:
                break
            part = os.read(pipe.fileno(), 16)
            if not part:
                break
            said += part
    if not said.strip().isdigit():
        xvfb.kill()
        xvfb.wait(10)
        raise RuntimeError(f"Xvfb did not say its display within 20 s (it ended: {xvfb.returncode})")
    return xvfb, int(said)


@pytest.fixture(scope="module", params=SIZES)
def layout(request, tmp_path_factory):
    """The layout report of the real app on an Xvfb screen of that size (once per size)."""
    folder = tmp_path_factory.mktemp(f"xvfb_{request.param}")
    xvfb, number = start_xvfb(request.param)
    try:
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


def test_no_control_in_a_dock_is_cut_off(layout):
    assert [c for c in layout["clipped"] if c["dock"] is not None] == []


def test_no_dock_scrolls_sideways(layout):
    assert layout["docks_scrolling_sideways"] == []


def test_the_window_fits_the_screen(layout):
    """Its least size included: a dock that asks for more height than a laptop has (the layers list's
    eight rows counted at the height of a row with its style classes, 804 px of a 768 px screen)
    pushes the status bar and the docks' tabs off the bottom of the screen."""
    assert layout["window"][0] <= layout["screen"][0] and layout["window"][1] <= layout["screen"][1], layout["window"]


def test_the_map_keeps_most_of_the_window(layout):
    """At least 40 % of the window's width is map on a laptop's screen (it was ~410 of 1229 px)."""
    assert layout["map"][0] >= 0.4 * layout["window"][0]
