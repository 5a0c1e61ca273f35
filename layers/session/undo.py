"""The undo stack: every edit of a planner's work as a command that can be undone and redone.

Plain Python, no Qt (the window binds Ctrl+Z / Ctrl+Shift+Z to `undo` / `redo`). A command is
pushed once its change is made; undoing calls its `undo`, redoing its `redo`. While a command
is being undone or redone the stack is `replaying`, and the session's edit methods then push
nothing (the undo of "remove layer" adds the layer back through the same `add_layer`).
Commands restore the state they saved (the same objects, the same values), so the figures
measured after an undo are those measured before the edit, to the last digit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MAX_COMMANDS = 500  # older commands are forgotten: a day's work, without holding every old layer


@dataclass(frozen=True)
class Command:
    """One edit: what it was (e.g. 'Add station'), and how to undo and redo it."""

    text: str
    undo: Callable[[], None]
    redo: Callable[[], None]


class UndoStack:
    def __init__(self) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._listeners: list[Callable[[], None]] = []
        self.replaying = False
        self._group: list[Command] | None = None

    def subscribe(self, listener: Callable[[], None]) -> None:
        """`listener()` is called whenever what can be undone or redone changes."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def push(self, command: Command) -> None:
        """Record an edit that has just been made; the redo history goes (as in every editor)."""
        if self.replaying:
            return
        if self._group is not None:
            self._group.append(command)
            return
        self._done.append(command)
        del self._done[:-MAX_COMMANDS]
        self._undone.clear()
        self._changed()

    @contextmanager
    def group(self, text: str) -> Iterator[None]:
        """The edits made inside `with stack.group('Open files'):` undo and redo as one command."""
        if self._group is not None or self.replaying:  # already in a group: part of it
            yield
            return
        self._group = commands = []
        try:
            yield
        finally:
            self._group = None
            if commands:
                self.push(Command(text, undo=lambda: [c.undo() for c in reversed(commands)] and None,
                                  redo=lambda: [c.redo() for c in commands] and None))

    def can_undo(self) -> bool:
        return bool(self._done)

    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    def undo(self) -> str | None:
        """Undo the last edit; returns what it was (None: nothing to undo)."""
        return self._step(self._done, self._undone, "undo")

    def redo(self) -> str | None:
        """Redo the last undone edit; returns what it was (None: nothing to redo)."""
        return self._step(self._undone, self._done, "redo")

    def _step(self, source: list, target: list, action: str) -> str | None:
        """Take the newest command from `source`, replay its `action` side, put it on `target`."""
        if not source:
            return None
        command = source.pop()
        self._replay(getattr(command, action))
        target.append(command)
        self._changed()
        return command.text

    def clear(self) -> None:
        """Forget every command (a project opened or a new one started)."""
        self._done.clear()
        self._undone.clear()
        self._changed()

    def _replay(self, action: Callable[[], None]) -> None:
        self.replaying = True
        try:
            action()
        finally:
            self.replaying = False
