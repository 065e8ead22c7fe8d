"""Small dialogs: About (versions of the tool and its parts), a signed checkpoint, item export."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import forensics_app

from ...services.items import export_item
from .. import theme
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog

COMPONENTS = ("PySide6-Essentials", "sqlcipher3", "cryptography", "argon2-cffi-bindings", "blake3", "playwright", "warcprox",
              "pytsk3", "libewf-python", "reportlab", "pyHanko", "rfc3161-client")


def versions() -> list[tuple[str, str]]:
    """The tool and every component a report or a court may ask about."""
    from PySide6 import QtCore

    from ...services.environment import code_sha256

    rows = [(forensics_app.TOOL_NAME, forensics_app.__version__), ("code SHA-256", code_sha256()),
            ("Python", platform.python_version()), ("Qt", QtCore.qVersion())]
    for name in COMPONENTS:
        try:
            rows.append((name, version(name)))
        except PackageNotFoundError:
            rows.append((name, "—"))
    rows.append(("OS", platform.platform()))
    return rows


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, sqlcipher: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        bind(self, "setWindowTitle", "about.title")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        heading = bind(QLabel(), "setText", "app.title")
        theme.set_role(heading, "heading")
        layout.addWidget(heading)
        text = bind(QLabel(), "setText", "about.text")
        text.setWordWrap(True)
        layout.addWidget(text)
        rows = versions() + ([("SQLCipher", sqlcipher)] if sqlcipher else [])
        self.versions = QPlainTextEdit("\n".join(f"{name}: {value}" for name, value in rows))
        self.versions.setObjectName("versionList")
        self.versions.setReadOnly(True)
        theme.set_role(self.versions, "mono")
        layout.addWidget(self.versions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = bind(QPushButton(), "setText", "button.copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.versions.toPlainText()))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        bind(buttons.button(QDialogButtonBox.StandardButton.Close), "setText", "button.close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


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


class ExportItemsDialog(TaskDialog):
    """Copy items out of the vault; hashes re-checked on the way, every export logged."""

    title_key = "export.items.title"
    help_topic = "preview"
    start_key = "export.items.start"

    def __init__(self, workspace: Any, item_ids: list[int], parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.item_ids = item_ids
        self.summary = QLabel(tr("export.items.summary", count=len(item_ids)))
        self.form_layout.addWidget(self.summary)
        self.folder = QLabel()
        self.folder.setObjectName("exportFolder")
        theme.set_role(self.folder, "hint")
        choose = bind(QPushButton(), "setText", "export.items.choose")
        choose.clicked.connect(self._choose)
        self.form_layout.addWidget(self.folder)
        self.form_layout.addWidget(choose)
        self.written = QListWidget()
        self.written.setObjectName("writtenFiles")
        self.written.hide()
        self.result_layout.addWidget(self.written)
        self.target: Path | None = None

    def set_target(self, folder: Path) -> None:
        self.target = folder
        self.folder.setText(str(folder))

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("export.items.choose"))
        if folder:
            self.set_target(Path(folder))

    def make_job(self) -> Job | None:
        if self.target is None:
            self.show_problem(tr("export.items.need.folder"))
            return None
        target, ids = self.target, list(self.item_ids)

        def work(vault: Any, progress: Any, cancel: Any) -> list[Path]:
            written: list[Path] = []
            for n, item_id in enumerate(ids):
                cancel.check()
                progress(n, len(ids), str(item_id))
                written.extend(export_item(vault, item_id, target)[1])
            progress(len(ids), len(ids), "")
            return written

        self.bytes_progress = False
        return Job(tr("export.items.job"), work)

    def show_result(self, written: list[Path]) -> None:
        self.message.setText(tr("export.items.done", count=len(written), folder=str(self.target)))
        self.written.clear()
        self.written.addItems([str(p) for p in written])
        self.written.show()
