"""Export an evidence package for the prosecutor: evidence files, SHA256SUMS/B3SUMS, manifest,
custody extract with checkpoint and inclusion proofs, CASE/UCO, and a verifier that needs no vault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton

from ...services.export import ExportOptions, PackageResult, export_package
from .. import file_dialogs, theme
from ..formatting import human_size
from ..forms import path_row
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


class PackageDialog(TaskDialog):
    title_key = "package.title"
    help_topic = "package"
    start_key = "package.start"
    bytes_progress = False

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        note = bind(QLabel(), "setText", "package.note")
        note.setWordWrap(True)
        theme.set_role(note, "hint")
        self.form_layout.addWidget(note)
        form = QFormLayout()
        self.out = QLineEdit()
        self.out.setObjectName("packagePath")
        form.addRow(bind(QLabel(), "setText", "package.folder"), path_row(self.out, self._choose))
        self.zip = bind(QCheckBox(), "setText", "package.zip")
        self.zip.setObjectName("packageZip")
        form.addRow("", self.zip)
        self.selected_only = QCheckBox()
        self.selected_only.setObjectName("selectedOnly")
        self.selected = list(getattr(workspace, "selected_item_ids", lambda: [])())
        bind(self.selected_only, "setText", "package.selected", count=len(self.selected))
        self.selected_only.setEnabled(bool(self.selected))
        form.addRow("", self.selected_only)
        self.report = QComboBox()
        self.report.setObjectName("packageReport")
        self.report.addItem(tr("package.report.none"), "")
        self.report.addItem("Tiếng Việt", "vi")
        self.report.addItem("English", "en")
        form.addRow(bind(QLabel(), "setText", "package.report"), self.report)
        self.form_layout.addLayout(form)
        self.open_button = bind(QPushButton(), "setText", "package.open")
        self.open_button.clicked.connect(self._open)
        self.open_button.hide()
        self.result_layout.addWidget(self.open_button)
        self._case_id = workspace.current_case_id()
        self._case_number = ""
        self.package: PackageResult | None = None
        if self._case_id is not None:
            case = workspace.session_or_raise().reader.get_case(self._case_id)
            self._case_number = case.number
            self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))

    def _choose(self) -> None:
        folder = file_dialogs.folder(self, tr("package.folder"))
        if folder:
            self.out.setText(str(Path(folder) / f"goi-chung-cu-{self._case_number or 'case'}"))

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        if not self.out.text().strip():
            self.show_problem(tr("package.need.folder"))
            return None
        items = tuple(str(i) for i in self.selected) if self.selected_only.isChecked() else ()
        options = ExportOptions(items=items, zip=self.zip.isChecked(), report_lang=self.report.currentData() or None)
        out, case_ref = Path(self.out.text().strip()).expanduser(), self._case_number
        self.open_button.hide()
        return Job(tr("package.job"), lambda vault, progress, cancel: export_package(
            vault, case_ref, out, options, progress=progress, cancel=cancel))

    def show_result(self, result: PackageResult) -> None:
        self.package = result
        self.message.setText(tr("package.done", path=str(result.path), files=result.files, items=result.items,
                                size=human_size(result.bytes)))
        self.open_button.show()

    def _open(self) -> None:
        if self.package is not None:
            target = self.package.path if self.package.path.is_dir() else self.package.path.parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
