"""Can Qt open a window here? Asked before Qt is imported, so a desktop that lacks something gets one
clear line and an exit code instead of Qt's "could not connect to display ... Reinstalling the
application may fix this problem" and an abort (signal 6).

Qt picks its platform plugin from QT_QPA_PLATFORM, else from the session (Wayland or X11). The X11
plugin (`libqxcb.so`) links a set of xcb libraries that a minimal Debian/Ubuntu desktop may not have
(Qt 6.5+ needs `libxcb-cursor0`, which is seldom installed); each is tried here the way the plugin
loads it, by its soname through the dynamic loader. Plain Python, no Qt.

    problem = display_problem(os.environ)   # None: Qt can open a window
"""
from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# (soname, Debian/Ubuntu package): the libraries Qt's xcb platform plugin links (ldd libqxcb.so,
# PySide6 6.x) beyond libxcb and libX11 themselves, which any X11 desktop has.
XCB_LIBRARIES = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
)
NO_SCREEN_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
HEADLESS = "or use `planner measure ...` for the figures without a window"


def display_problem(environ: Mapping[str, str], load: Callable[[str], object] = ctypes.CDLL,
                    x11_socket_exists: Callable[[str], bool] = os.path.exists,
                    platform: str = sys.platform) -> str | None:
    """What stops Qt from opening a window, in one line with the fix; None if nothing does."""
    if not platform.startswith("linux"):
        return None  # Windows and macOS bring their own platform plugin
    chosen = _platform(environ)
    if chosen in NO_SCREEN_PLATFORMS:
        return None
    if chosen is None:
        return ("planner: cannot open a window: no display (DISPLAY and WAYLAND_DISPLAY are not set). "
                f"Run it on a desktop, set QT_QPA_PLATFORM=offscreen to make pictures without a screen, {HEADLESS}.")
    if chosen == "wayland":
        return None if environ.get("WAYLAND_DISPLAY") else (
            f"planner: cannot open a window: QT_QPA_PLATFORM is wayland but WAYLAND_DISPLAY is not set; {HEADLESS}.")
    if chosen != "xcb":
        return None  # a platform this check does not know: let Qt try
    display = environ.get("DISPLAY", "")
    if not display:
        return (f"planner: cannot open a window: QT_QPA_PLATFORM is xcb but DISPLAY is not set. "
                f"Run it on an X11 desktop, {HEADLESS}.")
    local = _local_display_number(display)
    if local is not None and not x11_socket_exists(f"/tmp/.X11-unix/X{local}"):
        return (f"planner: cannot open a window: no X server runs on display {display} "
                f"(/tmp/.X11-unix/X{local} is missing). Start one or fix DISPLAY, {HEADLESS}.")
    missing = [(soname, package) for soname, package in XCB_LIBRARIES if not _loads(load, soname)]
    if missing:
        names = ", ".join(soname for soname, _ in missing)
        packages = " ".join(package for _, package in missing)
        return (f"planner: cannot open a window: Qt's X11 (xcb) platform needs {names}, not installed. "
                f"On Debian/Ubuntu: sudo apt install {packages}; {HEADLESS}.")
    return None


def _platform(environ: Mapping[str, str]) -> str | None:
    """The platform Qt will try first: QT_QPA_PLATFORM's first choice, else Wayland in a Wayland
    session, else X11 if there is a DISPLAY, else Wayland if there is a WAYLAND_DISPLAY; None: no display."""
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0].strip().lower()
    if environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    if environ.get("DISPLAY"):
        return "xcb"
    if environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    return None


def _local_display_number(display: str) -> str | None:
    """'0' for ':0' or ':0.1' (a local X server's socket); None for 'host:0' or anything else."""
    if not display.startswith(":"):
        return None
    number = display[1:].split(".")[0]
    return number if number.isdigit() else None


def _loads(load: Callable[[str], object], soname: str) -> bool:
    try:
        load(soname)
    except OSError:
        return False
    return True
