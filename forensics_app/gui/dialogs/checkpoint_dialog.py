"""The vault's latest signed checkpoint, shown whole so it can be copied or compared with a witness."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..i18n import bind, tr


class CheckpointDialog(QDialog):
    """A signed checkpoint of the custody log (C2SP tlog-checkpoint), to copy into a report or a note."""

    def __init__(self, data: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CheckpointDialog")
        bind(self, "setWindowTitle", "custody.checkpoint")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        intro = QLabel(tr("checkpoint.intro", size=data["size"], examiner=data["examiner"]))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(data["checkpoint"] + "\n" + tr("checkpoint.key") + " " + data["verifier_key"])
        self.text.setObjectName("checkpointText")
        self.text.setReadOnly(True)
        theme.set_role(self.text, "mono")
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = bind(QPushButton(), "setText", "button.copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        bind(buttons.button(QDialogButtonBox.StandardButton.Close), "setText", "button.close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
