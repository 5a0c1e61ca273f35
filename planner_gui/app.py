"""The `planner` command: the desktop app, or `planner measure ...` for the headless commands.

No Qt module is imported before the command is known, so `planner measure` runs on a server
without a display and starts as fast as plain Python.
"""
from __future__ import annotations

import sys
from pathlib import Path


def sample_project() -> Path:
    """The bundled Hanoi sample project."""
    import sample_data

    return Path(sample_data.__file__).resolve().parent / "hanoi.planner.json"


# The headless commands: name -> (module whose main(argv) runs it, what it does). `planner NAME ...`
# runs it without importing Qt; `planner --help` lists them.
COMMANDS = {
    "measure": ("layers.cli", "coverage figures (share of people and area reached) on the command line, "
                              "no window: planner measure --help"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        import importlib

        return importlib.import_module(COMMANDS[argv[0]][0]).main(argv[1:])
    return run_gui(argv)


def _parser():
    import argparse

    commands = "\n".join(f"  planner {name} ...  {what}" for name, (_, what) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="planner", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Open GIS files or a planner project on a map (with no files: the bundled Hanoi sample).",
        epilog=f"commands:\n{commands}")
    parser.add_argument("files", nargs="*", help="vector or raster files, or a .planner.json project")
    return parser


def run_gui(argv: list[str]) -> int:
    import logging

    args, qt_args = _parser().parse_known_args(argv)  # --help prints and exits here, before Qt
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from PySide6 import QtWidgets

    from planner_gui.errors import install_excepthook

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner", *qt_args])
    app.setApplicationName("planner")
    app.setOrganizationName("planner")
    window = open_window(args.files)
    install_excepthook(window.show_error)
    window.show()
    timer = quit_on_ctrl_c(app, window)  # noqa: F841 (kept alive while the app runs)
    code = app.exec()
    from planner_gui.jobs.loader import wait_for_workers

    window.loader.cancel_all()
    wait_for_workers()
    return code


def quit_on_ctrl_c(app, window):
    """Ctrl+C in the terminal quits cleanly: workers stopped, window settings saved, no question.

    Python runs a signal handler only when the interpreter gets control, which it does not while
    Qt's event loop waits; a timer that wakes it a few times a second lets the handler run.
    """
    import signal

    from PySide6 import QtCore

    def quit_now(*_):
        window.loader.cancel_all()
        window.dashboard.shutdown()
        window.save_settings()
        app.quit()

    signal.signal(signal.SIGINT, quit_now)
    timer = QtCore.QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)
    return timer


def open_window(files: list[str]):
    """The main window, loading `files` or, with none, the Hanoi sample (zoomed to the city)."""
    from planner_gui.main_window import MainWindow

    window = MainWindow()
    paths = [Path(f) for f in files] or [sample_project()]
    if not files and not paths[0].exists():
        window.message_bar.push("Hanoi sample not found", f"{paths[0]} is missing; open files with File > Open", "warning")
    else:
        window.open_files(paths)
    return window


if __name__ == "__main__":
    sys.exit(main())
