"""Add a disk image to the case: hashed whole (stored E01 hashes verified), then browse it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton

from ...services.disk_acquire import AddResult, add_image
from .. import file_dialogs, theme
from ..forms import path_row
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog

IMAGE_FILTER = "*.dd *.raw *.img *.bin *.001 *.000 *.E01 *.e01 *.Ex01 *.vmdk *.vhd *.vhdx *.qcow *.qcow2 *"


class AddDiskImageDialog(TaskDialog):
    title_key = "disk.title"
    help_topic = "files"
    start_key = "disk.start"

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        self.path = QLineEdit()
        self.path.setObjectName("imagePath")
        bind(self.path, "setPlaceholderText", "disk.path.hint")
        self.form_layout.addLayout(path_row(self.path, self._choose))
        self.copy = bind(QCheckBox(), "setText", "disk.copy")
        self.copy.setObjectName("copyImage")
        self.form_layout.addWidget(self.copy)
        note = bind(QLabel(), "setText", "disk.note")
        note.setWordWrap(True)
        theme.set_role(note, "hint")
        self.form_layout.addWidget(note)
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("imageSummary")
        self.summary.setReadOnly(True)
        theme.set_role(self.summary, "mono")
        self.summary.hide()
        self.result_layout.addWidget(self.summary)
        self.browse_button = bind(QPushButton(), "setText", "disk.browse")
        self.browse_button.setObjectName("browseImageButton")
        self.browse_button.clicked.connect(self.open_browser)
        self.browse_button.hide()
        self.result_layout.addWidget(self.browse_button)
        self._case_id = workspace.current_case_id()
        self.added: AddResult | None = None
        if self._case_id is not None:
            case = workspace.session_or_raise().reader.get_case(self._case_id)
            self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))

    def _choose(self) -> None:
        name = file_dialogs.open_file(self, tr("disk.title"), "", IMAGE_FILTER)
        if name:
            self.path.setText(name)

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        text = self.path.text().strip()
        if not text:
            self.show_problem(tr("disk.need.path"))
            return None
        path, copy, case_id, zone = Path(text).expanduser(), self.copy.isChecked(), self._case_id, self.workspace.zone
        self.summary.hide()
        self.browse_button.hide()
        return Job(tr("disk.job"), lambda vault, progress, cancel: add_image(
            vault, case_id, path, copy=copy, local_zone=zone, progress=progress, cancel=cancel))

    def show_result(self, result: AddResult) -> None:
        self.added = result
        verdict = result.verification.get("result", "")
        self.message.setText(tr("disk.added", id=result.item.id, verdict=verdict))
        lines = [f"{name.upper():7} {value}" for name, value in result.hashes.items()]
        lines += [f"{w.code}: {w.text(self.workspace_language())}" for w in result.warnings]
        self.summary.setPlainText("\n".join(lines))
        self.summary.show()
        self.browse_button.show()
        self.workspace.go_to_item(result.item.id)

    @staticmethod
    def workspace_language() -> str:
        from .. import i18n

        return i18n.current()

    def open_browser(self) -> None:
        if self.added is None:
            return
        from .disk_browser import DiskBrowserDialog

        browser = DiskBrowserDialog(self.workspace, Path(self.added.item.source), self.added.item.id,
                                    self.workspace.window_widget())
        self.workspace.keep_dialog("disk_browser", browser)
        browser.load()
