"""The unlock page: the first screen whenever the app knows its vault.

Kept apart from the first-start screens (:mod:`.welcome`) so a start with a
known vault builds and loads only what it shows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import i18n, theme
from .i18n import bind, tr


def panel() -> tuple[QFrame, QVBoxLayout]:
    """The white card the start screens put their form on."""
    frame = QFrame()
    theme.set_role(frame, "panel")
    frame.setMaximumWidth(560)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(12)
    return frame, layout


def centered(frame: QFrame) -> QVBoxLayout:
    """A layout holding ``frame`` in the middle of the page, a little above centre."""
    outer = QVBoxLayout()
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(frame, 3)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return outer


class UnlockPage(QWidget):
    unlock_requested = Signal(str)
    other_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("unlockPage")
        frame, layout = panel()
        title = bind(QLabel(), "setText", "unlock.title")
        theme.set_role(title, "heading")
        layout.addWidget(title)
        self.path_label = QLabel()
        self.path_label.setObjectName("unlockPath")
        self.path_label.setWordWrap(True)
        theme.set_role(self.path_label, "hint")
        layout.addWidget(self.path_label)
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("unlockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self._submit)
        self._label = bind(QLabel(), "setText", "field.passphrase")
        form.addRow(self._label, self.passphrase)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("unlockMessage")
        self.message.setWordWrap(True)
        theme.set_role(self.message, "error")
        layout.addWidget(self.message)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        layout.addWidget(self.busy)
        buttons = QHBoxLayout()
        self.unlock_button = bind(QPushButton(), "setText", "unlock.button")
        self.unlock_button.setObjectName("unlockButton")
        theme.set_role(self.unlock_button, "primary")
        self.unlock_button.clicked.connect(self._submit)
        self.other_button = bind(QPushButton(), "setText", "unlock.other")
        self.other_button.clicked.connect(self.other_requested)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.setLayout(centered(frame))
        self._path: Path | None = None
        i18n.on_change(self._relabel)

    def prepare(self, path: Path, *, locked: bool = False) -> None:
        self._path, self._locked = path, locked
        self._relabel()
        self.passphrase.clear()
        self.message.clear()
        self.set_busy(False)
        self.passphrase.setFocus()

    def _relabel(self, _lang: str = "") -> None:
        if self._path is not None:
            key = "unlock.locked" if getattr(self, "_locked", False) else "unlock.path"
            self.path_label.setText(tr(key, path=str(self._path)))

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.set_busy(False)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        if busy:
            self.message.clear()

    def _submit(self) -> None:
        if not self.passphrase.text():
            self.show_error(tr("unlock.empty"))
            return
        self.set_busy(True)
        self.unlock_requested.emit(self.passphrase.text())
