"""Add files and folders to the current case (logical acquisition, structure kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from evidence_store.hashing import optional_algorithms

from ...services.files import add_files
from ...services.ingest import StoreResult
from .. import file_dialogs, theme
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


class AddFilesDialog(TaskDialog):
    title_key = "files.title"
    help_topic = "files"
    start_key = "files.start"

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        self.paths = QListWidget()
        self.paths.setObjectName("sourcePaths")
        self.paths.setMinimumHeight(140)
        self.form_layout.addWidget(self.paths)
        row = QHBoxLayout()
        add_files_button = bind(QPushButton(), "setText", "files.add.files")
        add_files_button.clicked.connect(self._choose_files)
        add_folder = bind(QPushButton(), "setText", "files.add.folder")
        add_folder.clicked.connect(self._choose_folder)
        remove = bind(QPushButton(), "setText", "button.remove")
        remove.clicked.connect(lambda: [self.paths.takeItem(self.paths.row(i)) for i in self.paths.selectedItems()])
        for button in (add_files_button, add_folder, remove):
            row.addWidget(button)
        row.addStretch(1)
        self.md5 = bind(QCheckBox(), "setText", "files.md5")
        self.sha1 = bind(QCheckBox(), "setText", "files.sha1")
        row.addWidget(self.md5)
        row.addWidget(self.sha1)
        self.form_layout.addLayout(row)
        note = bind(QLabel(), "setText", "files.note")
        note.setWordWrap(True)
        theme.set_role(note, "hint")
        self.form_layout.addWidget(note)
        self.skipped = QListWidget()
        self.skipped.setObjectName("skippedSources")
        self.skipped.hide()
        self.result_layout.addWidget(self.skipped)
        self._case_id = workspace.current_case_id()
        self._show_case()

    def _show_case(self) -> None:
        if self._case_id is None:
            self.case_label.setText(tr("task.no.case"))
            return
        case = self.workspace.session_or_raise().reader.get_case(self._case_id)
        self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))

    def add_path(self, path: Path) -> None:
        entry = QListWidgetItem(theme.icon("folder" if path.is_dir() else "file"), str(path))
        entry.setData(Qt.ItemDataRole.UserRole, str(path))
        self.paths.addItem(entry)

    def _choose_files(self) -> None:
        for name in file_dialogs.open_files(self, tr("files.add.files")):
            self.add_path(Path(name))

    def _choose_folder(self) -> None:
        folder = file_dialogs.folder(self, tr("files.add.folder"))
        if folder:
            self.add_path(Path(folder))

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        paths = [Path(self.paths.item(n).data(Qt.ItemDataRole.UserRole)) for n in range(self.paths.count())]
        if not paths:
            self.show_problem(tr("files.need.paths"))
            return None
        extra = optional_algorithms([name for name, box in (("md5", self.md5), ("sha1", self.sha1))
                                     if box.isChecked()])
        case_id = self._case_id
        self.skipped.clear()
        self.skipped.hide()
        return Job(tr("files.job"), lambda vault, progress, cancel: add_files(
            vault, case_id, paths, extra_hashes=extra, progress=progress, cancel=cancel))

    def show_result(self, result: StoreResult) -> None:
        self.message.setText(tr("files.result", items=len(result.items), skipped=len(result.skipped)))
        for source, reason in result.skipped:
            self.skipped.addItem(QListWidgetItem(theme.icon("warning"), f"{source}: {reason}"))
        self.skipped.setVisible(bool(result.skipped))
        self.paths.clear()
        first = next((item for item in result.items if item.parent_id is None), None)
        if first is not None:
            self.workspace.go_to_item(first.id)
