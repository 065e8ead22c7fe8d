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
    """Passphrase, and for an examiner who signs on a hardware token its PIN too (asked once the passphrase
    shows who it is; at once when a locked session is unlocked)."""

    unlock_requested = Signal(str, str)  # passphrase, token PIN ("" when not asked)
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
        self.passphrase.textEdited.connect(self._passphrase_edited)
        self._label = bind(QLabel(), "setText", "field.passphrase")
        form.addRow(self._label, self.passphrase)
        self.pin = QLineEdit()
        self.pin.setObjectName("unlockTokenPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.returnPressed.connect(self._submit)
        self._pin_label = bind(QLabel(), "setText", "field.token.pin")
        form.addRow(self._pin_label, self.pin)
        self._form = form
        layout.addLayout(form)
        self.token_hint = QLabel()
        self.token_hint.setObjectName("unlockTokenHint")
        self.token_hint.setWordWrap(True)
        theme.set_role(self.token_hint, "hint")
        layout.addWidget(self.token_hint)
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
        self._token: tuple[str, str] | None = None  # (examiner, token) when the PIN is asked
        self._show_pin(False)
        i18n.on_change(self._relabel)

    def prepare(self, path: Path, *, locked: bool = False, examiner: str = "", token: str = "") -> None:
        """Ask for the passphrase of ``path`` (and the PIN of ``token``, the examiner's, when given)."""
        self._path, self._locked = path, locked
        self._token = (examiner, token) if token else None
        self._relabel()
        self.passphrase.clear()
        self.pin.clear()
        self._show_pin(bool(token))
        self.message.clear()
        self.set_busy(False)
        self.passphrase.setFocus()

    def ask_pin(self, examiner: str, token: str) -> None:
        """The passphrase opened the vault for an examiner who signs on a token: ask its PIN (passphrase kept)."""
        self._token = (examiner, token)
        self._relabel()
        self._show_pin(True)
        self.message.clear()
        self.set_busy(False)
        self.pin.clear()
        self.pin.setFocus()

    def _passphrase_edited(self, _text: str) -> None:
        """Another passphrase may be another examiner's: the PIN is asked again only if it names a token examiner."""
        if self._token is not None and not getattr(self, "_locked", False):
            self._token = None
            self.pin.clear()
            self._show_pin(False)

    def _show_pin(self, shown: bool) -> None:
        self._form.setRowVisible(self.pin, shown)
        self.token_hint.setVisible(shown)

    @property
    def asks_pin(self) -> bool:
        return self._token is not None

    def _relabel(self, _lang: str = "") -> None:
        if self._path is not None:
            key = "unlock.locked" if getattr(self, "_locked", False) else "unlock.path"
            self.path_label.setText(tr(key, path=str(self._path)))
        if self._token is not None:
            self.token_hint.setText(tr("unlock.token", name=self._token[0], token=self._token[1]))

    def show_error(self, text: str, *, pin: bool = False) -> None:
        """Say what went wrong; ``pin``: it was the token's PIN (that field is selected to type again)."""
        self.message.setText(text)
        self.set_busy(False)
        field = self.pin if pin and self.asks_pin else self.passphrase
        field.selectAll()
        field.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.pin.setEnabled(not busy)
        if busy:
            self.message.clear()

    def _submit(self) -> None:
        if not self.passphrase.text():
            self.show_error(tr("unlock.empty"))
            return
        if self.asks_pin and not self.pin.text():
            self.show_error(tr("unlock.pin.empty"), pin=True)
            return
        self.set_busy(True)
        self.unlock_requested.emit(self.passphrase.text(), self.pin.text() if self.asks_pin else "")
