"""One base for the docks that run a measure: the runner, the status line, failure, the latest result.

A measure dock (Coverage, Overlap, Scenario compare, Timeline, What the sketch adds) asks its
`AnalysisRunner` for a result in a worker (`request`), shows "computing…" while it runs, and
then either keeps the result as the session's latest of its `result_key` and shows it
(`show_result`), or, when it fails, drops the old result and its map layers (`result_layers`),
never shown as if current, and says why in its status line (`fail`). `follow` names the
session's signals after which its figures are measured again: a burst of them (a project
loading ten layers) is one recompute.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from layers.session import Session
from planner_gui.docks.fitting import WrappingLabel
from planner_gui.jobs.runner import AnalysisRunner

# What the figures are measured on: a dock following "the city" follows all of these.
CITY_EVENTS = ("city", "study_area", "zone_layer", "crs", "roles")


def status_label(colour: str = "#8a5a00") -> QtWidgets.QLabel:
    """A status line that wraps, however long the message (a path, a list of fields)."""
    label = WrappingLabel("")
    label.setStyleSheet(f"color: {colour};")
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MeasureDock:
    """Mixed into a dock's QWidget class; the dock calls `start_measuring` in its __init__ and
    implements `recompute` (returns the request id) and `show_result`."""

    result_key: str = ""  # the session's `latest` key
    result_layers: tuple[str, ...] = ()  # result layers the dock draws (keys of Session.show_result)
    failed_text = "cannot measure"

    def start_measuring(self, session: Session, status: QtWidgets.QLabel, debounce_ms: int = 150) -> None:
        self.session = session
        self.status = status
        self.runner = AnalysisRunner(self, debounce_ms=debounce_ms)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(lambda _id, message: self.fail(message))
        self.runner.busy_changed.connect(self.on_busy)
        self._follow_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._follow_timer.timeout.connect(self.on_inputs_changed)

    def follow(self, settings: tuple[str, ...] = (), events: tuple[str, ...] = CITY_EVENTS) -> None:
        """Measure again after any of these settings (at once: the runner debounces a dragged
        slider) or session events (coalesced: a project's layers arrive in a burst)."""
        for name in settings:
            getattr(self.session.settings.events, name).connect(self.on_inputs_changed)
        for name in events:
            getattr(self.session.events, name).connect(self.inputs_changed)

    def inputs_changed(self, *_) -> None:
        self._follow_timer.start()

    def on_inputs_changed(self, *_) -> None:
        self.recompute()

    @property
    def latest(self):
        return self.session.latest.get(self.result_key)

    def on_busy(self, busy: bool) -> None:
        if busy:
            self.status.setText("computing…")

    def _finished(self, _id: int, result) -> None:
        self.session.set_latest(self.result_key, result)
        self.status.setText("")
        self.show_result(result)

    def fail(self, message: str) -> None:
        """No result for what is asked: the old one and its map layers go, and the status says why."""
        self.runner.cancel()
        self.session.set_failed(self.result_key, message)
        for key in self.result_layers:
            self.session.clear_result(key)
        self.status.setText(f"{self.failed_text}: {message}")
        self.show_failed(message)

    def show_failed(self, message: str) -> None:
        """Blank what the dock shows of the last result (the dock's own widgets)."""

    def show_result(self, result) -> None:
        raise NotImplementedError

    def recompute(self) -> int | None:
        raise NotImplementedError
