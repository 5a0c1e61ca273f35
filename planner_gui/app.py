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


def entry() -> None:
    """The `planner` script: `main` on the command line's arguments. A headless command's process
    ends at once when it is done (`layers.cli.exit_now`: no teardown of the imports); the app's
    as Qt's does."""
    from layers.process_environment import set_up_process

    set_up_process()  # before NumPy is imported: the command's process and the window's
    if sys.argv[1:2] and sys.argv[1] in COMMANDS:
        import importlib

        from layers.cli import exit_now

        exit_now(importlib.import_module(COMMANDS[sys.argv[1]][0]).main(sys.argv[2:], once=True))
    sys.exit(main())


QUIT_WAIT_MS = 800  # after Quit, how long the workers get to let go before the process ends anyway
NO_WINDOW_EXIT_CODE = 2
# Test hooks (environment): quit this many ms after the window is shown; write the layout check as
# JSON to this path once the city has loaded, then quit (`planner_gui.layout_check`).
QUIT_AFTER_ENV = "PLANNER_QUIT_AFTER_MS"
LAYOUT_REPORT_ENV = "PLANNER_LAYOUT_REPORT"


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
    import os

    args, qt_args = _parser().parse_known_args(argv)  # --help prints and exits here, before Qt
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from planner_gui.first_run import display_problem

    problem = display_problem(os.environ)
    if problem is not None:  # before Qt: it would print its own riddle and abort
        print(problem, file=sys.stderr)
        return NO_WINDOW_EXIT_CODE

    from PySide6 import QtCore, QtWidgets

    from planner_gui.errors import install_excepthook

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["planner", *qt_args])
    app.setApplicationName("planner")
    app.setOrganizationName("planner")
    from planner_gui.main_window import MainWindow
    from planner_gui.process import tune_for_window

    window = MainWindow()
    tune_for_window()  # once the window is built: what exists now lives as long as the process
    install_excepthook(window.show_error)
    window.show()  # at once: the city loads behind the progress bar, the map says so
    QtCore.QTimer.singleShot(0, lambda: open_start_files(window, args.files))
    timer = quit_on_ctrl_c(app, window)  # noqa: F841 (kept alive while the app runs)
    _install_test_hooks(window)
    code = app.exec()
    return end_workers(window, code)


def end_workers(window, code: int) -> int:
    """After the event loop: every worker cancelled and given QUIT_WAIT_MS to end; if one is still
    inside a call that cannot be interrupted (a GDAL read), the process ends now without it rather
    than later: Python would otherwise free its running QThread at exit, which Qt answers with
    "QThread: Destroyed while thread is still running" and an abort. Files are written atomically,
    so a worker cut short leaves no half-written file behind."""
    import logging
    import os

    from planner_gui.jobs.loader import running_threads, wait_for_workers

    window.stop_workers()
    log = logging.getLogger("planner")
    if wait_for_workers(QUIT_WAIT_MS):
        return code
    log.info("quit: %d worker(s) still busy; ending without waiting for them", len(running_threads))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _install_test_hooks(window) -> None:
    """The environment's test hooks (see QUIT_AFTER_ENV, LAYOUT_REPORT_ENV); none in normal use."""
    import os

    from PySide6 import QtCore

    if os.environ.get(QUIT_AFTER_ENV):
        def quit_now():
            import logging

            from planner_gui.jobs.loader import running_threads

            logging.getLogger("planner").info("quit by %s with %d worker(s) running, loading: %s",
                                              QUIT_AFTER_ENV, len(running_threads), window.loader.busy())
            window.close()

        QtCore.QTimer.singleShot(int(os.environ[QUIT_AFTER_ENV]), quit_now)
    if os.environ.get(LAYOUT_REPORT_ENV):
        from planner_gui.layout_check import report_when_loaded

        report_when_loaded(window, Path(os.environ[LAYOUT_REPORT_ENV]))


def quit_on_ctrl_c(app, window):
    """Ctrl+C in the terminal quits cleanly: workers stopped, window settings saved, no question.

    Python runs a signal handler only when the interpreter gets control, which it does not while
    Qt's event loop waits; a timer that wakes it a few times a second lets the handler run.
    """
    import signal

    from PySide6 import QtCore

    def quit_now(*_):
        window.stop_workers()
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
    open_start_files(window, files)
    return window


def open_start_files(window, files: list[str]) -> None:
    """Load `files` or, with none, the Hanoi sample, in the background."""
    paths = [Path(f) for f in files] or [sample_project()]
    if not files and not paths[0].exists():
        window.message_bar.push("Hanoi sample not found", f"{paths[0]} is missing; open files with File > Open", "warning")
    else:
        window.open_files(paths)


if __name__ == "__main__":
    entry()  # as the `planner` script
