"""Does the window fit its screen? The checks a planner's eye makes, as data: a dock that scrolls
sideways, a control cut off, the legend hiding the city, the place search out of reach.

A widget is *clipped* when it is drawn (shown, and its dock not behind another's tab) and either
reaches outside its drawn parent's rectangle
(what lies outside is not drawn), or is smaller than its minimum size hint (its text or value does
not fit). The contents of a scroll area are left out (they scroll: the scroll bars are checked
instead), and so are Qt's own internal widgets (object names starting 'qt_').

Used by the Xvfb test through the app's test hook (`PLANNER_LAYOUT_REPORT`, `report_when_loaded`)
and by offscreen tests (`layout_report`).
"""
from __future__ import annotations

import json
from pathlib import Path

from PySide6 import QtCore, QtWidgets

SETTLE_POLL_MS = 100
SETTLE_LIMIT_MS = 90_000  # the report is written after this long even if figures are still coming


def describe(widget: QtWidgets.QWidget) -> str:
    """'QComboBox "scenario" in Coverage' : what the widget is, what it says and where it is."""
    text = ""
    for getter in ("text", "currentText", "placeholderText", "title", "windowTitle"):
        if hasattr(widget, getter):
            try:
                text = str(getattr(widget, getter)())
            except TypeError:
                continue
            if text:
                break
    dock = dock_of(widget)
    where = f" in {dock.windowTitle()}" if dock is not None else ""
    name = f" ({widget.objectName()})" if widget.objectName() else ""
    return f"{type(widget).__name__}{name} {text[:40]!r}{where}".strip()


def dock_of(widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget | None:
    while widget is not None:
        if isinstance(widget, QtWidgets.QDockWidget):
            return widget
        widget = widget.parentWidget()
    return None


def _scrolled(widget: QtWidgets.QWidget) -> bool:
    """True if the widget is the contents of a scroll area, or inside them."""
    parent = widget.parentWidget()
    while parent is not None:
        grand = parent.parentWidget()
        if isinstance(grand, QtWidgets.QAbstractScrollArea) and parent is grand.viewport():
            return True
        parent = grand
    return False


def _internal(widget: QtWidgets.QWidget) -> bool:
    chain = widget
    while chain is not None:
        if chain.objectName().startswith("qt_"):
            return True
        chain = chain.parentWidget()
    return False


def clipped_widgets(window: QtWidgets.QWidget) -> list[dict]:
    """Every shown widget of `window` that is clipped (see the module's docstring)."""
    found = []
    for widget in window.findChildren(QtWidgets.QWidget):
        if not widget.isVisible() or widget.isWindow() or _internal(widget) or _scrolled(widget):
            continue
        parent = widget.parentWidget()
        if parent is None or not parent.isVisible() or parent.visibleRegion().isEmpty():
            continue  # a dock behind another's tab, a hidden page: nothing of it is drawn
        dock = dock_of(widget)
        if dock is not None and dock.visibleRegion().isEmpty():
            continue
        reasons = []
        if not parent.rect().contains(widget.geometry()):
            reasons.append("reaches outside its parent")
        hint = widget.minimumSizeHint()
        policy = widget.sizePolicy()
        ignored = QtWidgets.QSizePolicy.Policy.Ignored
        if hint.isValid() and (
                (hint.width() > widget.width() and policy.horizontalPolicy() != ignored)
                or (hint.height() > widget.height() and policy.verticalPolicy() != ignored)):
            reasons.append(f"{widget.width()}x{widget.height()} under its minimum {hint.width()}x{hint.height()}")
        if reasons:
            found.append({"widget": describe(widget), "dock": dock.windowTitle() if dock else None,
                          "why": "; ".join(reasons)})
    return found


def docks_scrolling_sideways(window: QtWidgets.QMainWindow) -> list[str]:
    """Titles of the shown docks with a shown horizontal scroll bar anywhere inside."""
    titles = []
    for dock in window.findChildren(QtWidgets.QDockWidget):
        if not dock.isVisible() or dock.visibleRegion().isEmpty():
            continue
        areas = [a for a in dock.findChildren(QtWidgets.QAbstractScrollArea) if a.isVisible()]
        if any(a.horizontalScrollBar().isVisible() for a in areas):
            titles.append(dock.windowTitle())
    return titles


def reachable(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> bool:
    """Shown, not covered by its parents' edges, and inside the window."""
    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    top_left = widget.mapTo(window, QtCore.QPoint(0, 0))
    return window.rect().contains(QtCore.QRect(top_left, widget.size()))


def layout_report(window) -> dict:
    """The checks on the window as it is now (GUI thread)."""
    canvas, legend = window.canvas, window.canvas.legend
    legend_share = (legend.width() * legend.height()) / max(1, canvas.width() * canvas.height()) \
        if legend.isVisible() else 0.0
    screen = window.screen().geometry() if window.screen() is not None else QtCore.QRect()
    return {
        "screen": [screen.width(), screen.height()],
        "window": [window.width(), window.height()],
        "map": [canvas.width(), canvas.height()],
        "docks_scrolling_sideways": docks_scrolling_sideways(window),
        "clipped": clipped_widgets(window),
        "legend_shown": legend.isVisible(),
        "legend_share": legend_share,
        "place_search_reachable": reachable(window.place_search, window),
        "layers": len(window.session.layers),
    }


def report_when_loaded(window, path: Path) -> None:
    """Once the city has loaded, its figures are in and the map and legend are drawn: the legend
    shown (as a planner would), then the report written to `path` as JSON, then the window closed."""
    clock = QtCore.QElapsedTimer()
    clock.start()
    timer = QtCore.QTimer(window, interval=SETTLE_POLL_MS)

    def settled() -> bool:
        coverage = window.dashboard.coverage
        return (len(window.session.layers) > 0 and not window.loader.busy() and not window.canvas.busy()
                and not window.canvas.legend.busy() and coverage.coverage is not None
                and not coverage.runner.busy())

    def check() -> None:
        if not window.canvas.legend.enabled and len(window.session.layers) > 0:
            window.canvas.legend.set_enabled(True)
            return
        if not settled() and clock.elapsed() < SETTLE_LIMIT_MS:
            return
        timer.stop()
        report = layout_report(window)
        report["settled"] = settled()
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        window.close()

    timer.timeout.connect(check)
    timer.start()
