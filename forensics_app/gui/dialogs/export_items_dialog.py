"""Export chosen items as files to a folder, as a task with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QPushButton,
)

from ...services.items import export_item
from .. import file_dialogs, theme
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


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
        folder = file_dialogs.folder(self, tr("export.items.choose"))
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
