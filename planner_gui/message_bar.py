"""A non-modal message bar at the top of the map, like QGIS's QgsMessageBar.

Messages stack (newest on top), each with a level colour and a close button; info messages
go away by themselves after a few seconds, warnings and errors stay until closed. Nothing
here ever blocks the user with a dialog.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

LEVELS = {
    "info": ("#e8f1fb", "#2f6db5"),
    "success": ("#e9f6ea", "#2e7d32"),
    "warning": ("#fff6dc", "#b7791f"),
    "critical": ("#fdecea", "#c62828"),
}


class Message(QtWidgets.QFrame):
    closed = QtCore.Signal(object)

    def __init__(self, title: str, text: str, level: str, parent=None):
        super().__init__(parent)
        background, accent = LEVELS.get(level, LEVELS["info"])
        self.level, self.title, self.text = level, title, text
        self.setObjectName("message")
        self.setStyleSheet(
            f"#message {{ background: {background}; border-left: 5px solid {accent}; "
            f"border-bottom: 1px solid #d0d0d0; }}"
        )
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        self.label = QtWidgets.QLabel(f"<b>{_escape(title)}</b>&nbsp;&nbsp;{_escape(text)}")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QtWidgets.QToolButton(text="✕", autoRaise=True, toolTip="Close this message")
        close.clicked.connect(lambda: self.closed.emit(self))
        layout.addWidget(close)

    def plain_text(self) -> str:
        return f"{self.title}: {self.text}"


class MessageBar(QtWidgets.QWidget):
    """Push messages with `push(title, text, level)`; read them back with `messages()`."""

    MAX_SHOWN = 4

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Maximum)
        self.hide()

    def push(self, title: str, text: str = "", level: str = "info", timeout_s: float | None = None) -> Message:
        message = Message(title, text, level, self)
        message.closed.connect(self.dismiss)
        self._layout.insertWidget(0, message)
        while self._layout.count() > self.MAX_SHOWN:
            self.dismiss(self._layout.itemAt(self._layout.count() - 1).widget())
        if timeout_s is None:
            timeout_s = 6.0 if level in ("info", "success") else 0
        if timeout_s:
            QtCore.QTimer.singleShot(int(timeout_s * 1000), message, lambda: self.dismiss(message))
        self.show()
        return message

    def dismiss(self, message: Message) -> None:
        if message is not None and message.parent() is self:
            self._layout.removeWidget(message)
            message.setParent(None)
            message.deleteLater()
        if not self.messages():
            self.hide()

    def clear(self) -> None:
        for message in self.messages():
            self.dismiss(message)

    def messages(self) -> list[Message]:
        return [self._layout.itemAt(i).widget() for i in range(self._layout.count())]

    def texts(self) -> list[str]:
        return [m.plain_text() for m in self.messages()]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
