"""The vault's latest signed checkpoint, shown whole so it can be copied or compared with a witness."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..forms import copyable_text
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
        self.text = copyable_text(layout, self, data["checkpoint"] + "\n" + tr("checkpoint.key") + " "
                                  + data["verifier_key"], "checkpointText")
