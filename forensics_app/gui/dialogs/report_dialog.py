"""Generate a report (court report, collection minutes, statistics), then open it.

The PDF is stored in the case as a ``report`` item (signed checkpoint inside,
generation logged) and written where the examiner chose; "Open" shows it in
the preview pane (QtPdf) or in the system's viewer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
)

from evidence_store import Cancelled

from ...services.reports import KINDS, ReportOptions, ReportResult, generate_report
from .. import i18n, theme
from ..forms import path_row
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


class ReportDialog(TaskDialog):
    title_key = "report.title"
    start_key = "report.start"
    bytes_progress = False

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.case_label = QLabel()
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for kind in KINDS:
            self.kind.addItem(tr(f"report.kind.{kind}"), kind)
        self.language = QComboBox()
        self.language.setObjectName("reportLanguage")
        self.language.addItem("Tiếng Việt", "vi")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if i18n.current() == "vi" else 1)
        self.use_range = bind(QCheckBox(), "setText", "report.range")
        self.use_range.setObjectName("useRange")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-6))
        self.date_to = QDateEdit(QDate.currentDate())
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.use_range.toggled.connect(self.date_from.setEnabled)
        self.use_range.toggled.connect(self.date_to.setEnabled)
        dates = QHBoxLayout()
        dates.addWidget(self.use_range)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("—"))
        dates.addWidget(self.date_to)
        self.out = QLineEdit()
        self.out.setObjectName("reportPath")
        out_row = path_row(self.out, self._choose)
        self._labels = [bind(QLabel(), "setText", key) for key in ("report.kind", "report.language",
                                                                   "report.period", "report.file")]
        form.addRow(self._labels[0], self.kind)
        form.addRow(self._labels[1], self.language)
        form.addRow(self._labels[2], dates)
        form.addRow(self._labels[3], out_row)
        self.sign_token = bind(QCheckBox(), "setText", "report.sign.token")
        self.sign_token.setObjectName("signWithToken")
        form.addRow("", self.sign_token)
        self._on_token = bool(workspace.session_or_raise().token_name)  # the examiner signs on a token
        self.sign_token.setVisible(self._on_token)
        self.form_layout.addLayout(form)
        self.open_button = bind(QPushButton(), "setText", "report.open")
        self.open_button.setObjectName("openReportButton")
        self.open_button.clicked.connect(self.open_external)
        self.open_button.hide()
        self.result_layout.addWidget(self.open_button)
        self._case_id = workspace.current_case_id()
        self.report: ReportResult | None = None
        if self._case_id is not None:
            case = workspace.session_or_raise().reader.get_case(self._case_id)
            self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))
            self._case_number = case.number
        i18n.on_change(self._relabel)

    def _relabel(self, _lang: str = "") -> None:
        for n, kind in enumerate(KINDS):
            self.kind.setItemText(n, tr(f"report.kind.{kind}"))

    def _choose(self) -> None:
        name = QFileDialog.getSaveFileName(self, tr("report.file"), self.out.text() or "", "PDF (*.pdf)")[0]
        if name:
            self.out.setText(name if name.lower().endswith(".pdf") else name + ".pdf")

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        if not self.out.text().strip():
            self.show_problem(tr("report.need.file"))
            return None
        out = Path(self.out.text().strip()).expanduser()
        date_from = date_to = None
        if self.use_range.isChecked():
            date_from = self.date_from.date().toString("yyyy-MM-dd")
            date_to = self.date_to.date().toString("yyyy-MM-dd")
        options = ReportOptions(kind=self.kind.currentData(), lang=self.language.currentData(),
                                date_from=date_from, date_to=date_to,
                                sign_token=self._on_token and self.sign_token.isChecked())
        case_ref = self._case_number
        self.open_button.hide()

        def work(vault: Any, progress: Any, cancel: Any) -> ReportResult:
            def step(done: int, total: int | None, label: str) -> None:
                if cancel.cancelled:
                    raise Cancelled("cancelled by the user; nothing was half-written")
                progress(done, total, label)

            return generate_report(vault, case_ref, out, options, progress=step)

        return Job(tr("report.job"), work)

    def show_result(self, result: ReportResult) -> None:
        self.report = result
        self.message.setText(tr("report.done", path=str(result.path), pages=result.pages, id=result.item.id))
        self.open_button.show()
        self.workspace.go_to_item(result.item.id)

    def open_external(self) -> None:
        if self.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.path)))
