"""Verify the vault: every blob re-read and re-hashed, the custody log re-computed; every problem listed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QListWidget, QListWidgetItem

from evidence_store import VerifyReport

from ...services import vaults
from .. import theme
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


class VerifyDialog(TaskDialog):
    title_key = "verify.title"
    start_key = "verify.start"

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        intro = bind(QLabel(), "setText", "verify.intro")
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        self.form_layout.addWidget(intro)
        self.quick = bind(QCheckBox(), "setText", "verify.quick")
        self.quick.setObjectName("quickVerify")
        self.form_layout.addWidget(self.quick)
        self.problems = QListWidget()
        self.problems.setObjectName("problemList")
        self.problems.setWordWrap(True)
        self.problems.itemActivated.connect(self._open_problem)
        self.problems.hide()
        self.result_layout.addWidget(self.problems)
        self.report: VerifyReport | None = None

    def make_job(self) -> Job:
        quick = self.quick.isChecked()
        self.problems.clear()
        self.problems.hide()
        return Job(tr("verify.job"), lambda vault, progress, cancel: vaults.verify(
            vault, quick=quick, progress=progress, cancel=cancel))

    def show_result(self, report: VerifyReport) -> None:
        self.report = report
        if report.ok:
            self.message.setText(tr("verify.ok", items=report.items, blobs=report.blobs,
                                    entries=report.custody_entries))
            theme.set_role(self.message, "ok")
            return
        self.show_problem(tr("verify.problems", count=len(report.problems)))
        for problem in report.problems:
            where = tr("verify.item", id=problem.item_id) if problem.item_id is not None else ""
            entry = QListWidgetItem(theme.icon("warning"), f"{problem.code}{where}: {problem.message}")
            entry.setData(Qt.ItemDataRole.UserRole, problem.item_id)
            if problem.item_id is not None:
                entry.setToolTip(tr("verify.open.item"))
            self.problems.addItem(entry)
        self.problems.show()

    def _open_problem(self, entry: QListWidgetItem) -> None:
        item_id = entry.data(Qt.ItemDataRole.UserRole)
        if item_id is not None:
            self.workspace.go_to_item(int(item_id))
