"""Cancel as a planner presses it: partway through a read, not before it starts."""
from __future__ import annotations

from collections.abc import Callable


def pressed_after(asks: int) -> tuple[Callable[[], bool], list]:
    """(a `cancelled()` that says yes from its (asks + 1)-th question on, the list of questions
    asked): the reader's watchdog asks every 50 ms, so Cancel comes once the read is under way."""
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > asks

    return cancelled, asked
