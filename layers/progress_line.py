"""A progress line on standard error, for command-line runs that take a while.

`planner measure` may read a million footprints or walk a street network for a minute: after
`AFTER_S` (2 s) with nothing to show, one line on standard error says what it is doing, how far
and for how long ('planner measure: itdp-pnt, 2 of 3: 45 %, 12 s'), rewritten in place at most
every `EVERY_S`, and cleared when the run ends, so standard output (the figures, perhaps piped
into a file) never holds any of it. It is drawn only when standard error is a terminal: in a
log file or a CI job a line rewritten with carriage returns is noise, and a short run shows
nothing at all. The clock is a parameter, so the timing rules are tested without waiting.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

AFTER_S = 2.0  # a run shorter than this shows no progress
EVERY_S = 0.5  # the line is rewritten at most this often


class ProgressLine:
    """`step(what)` names the current step; calling it with a fraction (0..1) is a `Progress`
    callback; `tick()` only updates the time; `done()` clears the line."""

    def __init__(self, prefix: str, stream: TextIO | None = None, clock: Callable[[], float] | None = None,
                 shown: bool | None = None):
        self.prefix = prefix
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock if clock is not None else time.monotonic
        self.shown = self.stream.isatty() if shown is None else shown  # a terminal's, unless told
        self.started = self.clock()
        self.what = ""
        self.fraction: float | None = None
        self._drawn_at: float | None = None
        self._width = 0  # of the line drawn last, to blank it out

    def step(self, what: str) -> None:
        """A new step: its name, its fraction not known yet."""
        self.what, self.fraction = what, None
        self._draw(force=True)

    def __call__(self, fraction: float) -> None:
        self.fraction = fraction
        self._draw(force=False)

    def tick(self) -> bool:
        """Redraw the elapsed time if it is time to; False, so that it can stand as a reader's
        `cancelled` check, which readers call between batches (a long read then shows it runs)."""
        self._draw(force=False)
        return False

    def text(self, now: float) -> str:
        """The line as shown at `now`: 'planner measure: itdp-pnt, 2 of 3: 45 %, 12 s'."""
        done = f": {100 * self.fraction:.0f} %" if self.fraction is not None else ""
        return f"{self.prefix}: {self.what}{done}, {now - self.started:.0f} s"

    def done(self) -> None:
        """The run ended: the line (if drawn) is blanked out, leaving the terminal as it was."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, force: bool) -> None:
        if not self.shown:
            return
        now = self.clock()
        if now - self.started < AFTER_S:
            return
        if not force and self._drawn_at is not None and now - self._drawn_at < EVERY_S:
            return
        line = self.text(now)
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._drawn_at, self._width = now, len(line)
