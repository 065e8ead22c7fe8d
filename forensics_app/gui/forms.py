"""Pieces the app's forms share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from . import theme
from .i18n import bind


def path_row(edit: QLineEdit, on_browse: Callable[[], object]) -> QHBoxLayout:
    """A path field with its Browse… button beside it."""
    button = bind(QPushButton(), "setText", "button.browse")
    button.clicked.connect(on_browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


def copyable_text(layout: QVBoxLayout, dialog: QDialog, text: str, name: str) -> QPlainTextEdit:
    """Read-only monospaced text with Copy and Close buttons under it (versions, a checkpoint)."""
    box = QPlainTextEdit(text)
    box.setObjectName(name)
    box.setReadOnly(True)
    theme.set_role(box, "mono")
    layout.addWidget(box)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    copy = bind(QPushButton(), "setText", "button.copy")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(box.toPlainText()))
    buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
    bind(buttons.button(QDialogButtonBox.StandardButton.Close), "setText", "button.close")
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return box
