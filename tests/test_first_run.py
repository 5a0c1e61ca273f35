"""Before Qt starts, the app says in one line what stops it from opening a window and how to fix it
(`planner_gui.first_run`), and exits with a code instead of Qt's abort."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from planner_gui.first_run import XCB_LIBRARIES, display_problem

ROOT = Path(__file__).resolve().parents[1]


def loads_all_but(*missing):
    def load(soname):
        if soname in missing:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")
        return object()
    return load


def test_no_display_is_said_in_one_line_with_the_ways_out():
    problem = display_problem({}, load=loads_all_but(), platform="linux")
    assert problem is not None and "\n" not in problem
    assert "no display" in problem and "DISPLAY" in problem
    assert "QT_QPA_PLATFORM=offscreen" in problem and "planner measure" in problem


def test_a_missing_xcb_library_is_named_with_its_debian_package():
    problem = display_problem({"DISPLAY": ":0"}, load=loads_all_but("libxcb-cursor.so.0"),
                              x11_socket_exists=lambda path: True, platform="linux")
    assert "libxcb-cursor.so.0" in problem and "apt install libxcb-cursor0" in problem
    assert "planner measure" in problem and "\n" not in problem
    two = display_problem({"DISPLAY": ":0"}, load=loads_all_but("libxcb-cursor.so.0", "libxcb-icccm.so.4"),
                          x11_socket_exists=lambda path: True, platform="linux")
    assert "apt install libxcb-cursor0 libxcb-icccm4" in two


def test_every_library_qt_xcb_needs_is_tried_by_its_soname():
    tried = []
    assert display_problem({"DISPLAY": ":0"}, load=tried.append, x11_socket_exists=lambda path: True,
                           platform="linux") is None
    assert tried == [soname for soname, _ in XCB_LIBRARIES]


def test_a_display_without_an_x_server():
    problem = display_problem({"DISPLAY": ":57"}, load=loads_all_but(), x11_socket_exists=lambda path: False,
                              platform="linux")
    assert ":57" in problem and "/tmp/.X11-unix/X57" in problem


def test_platforms_that_need_no_screen_or_another_system_pass():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, load=loads_all_but("libxcb-cursor.so.0"),
                           platform="linux") is None
    assert display_problem({}, platform="win32") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
                           load=loads_all_but("libxcb-cursor.so.0"), platform="linux") is None
    assert "WAYLAND_DISPLAY" in display_problem({"QT_QPA_PLATFORM": "wayland"}, platform="linux")


def test_the_app_without_a_display_exits_with_the_line_not_an_abort(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    env["PLANNER_SETTINGS_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "planner_gui.app"], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [line for line in lines if line.startswith("planner: cannot open a window: no display")]
    assert len(lines) == 1


def test_ci_installs_every_library_the_check_asks_for():
    """CI starts from a bare Debian: its package list holds Xvfb and each xcb library's package."""
    ci = (ROOT / ".ci" / "run").read_text()
    for _, package in XCB_LIBRARIES:
        assert f" {package}" in ci
    assert " xvfb " in ci
