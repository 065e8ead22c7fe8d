"""Verify the vault: every blob re-read and re-hashed, the custody log re-computed; every problem listed.

Each problem is shown in the user's language (what the code means, from the
catalogue) with its technical facts after it; the whole result can be saved
(text or PDF) or printed, for the case file.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton

from evidence_store import DEFAULT_ZONE, Problem, VerifyReport, iso_utc

from ...services import vaults
from .. import file_dialogs, i18n, theme
from ..formatting import local_time
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog


class VerifyDialog(TaskDialog):
    title_key = "verify.title"
    start_key = "verify.start"
    help_topic = "verify"

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
        keep = QHBoxLayout()
        self.save_button = bind(QPushButton(), "setText", "verify.save")
        self.save_button.setObjectName("saveResult")
        self.save_button.clicked.connect(self.save_result)
        self.print_button = bind(QPushButton(), "setText", "verify.print")
        self.print_button.setObjectName("printResult")
        self.print_button.clicked.connect(self.print_result)
        keep.addWidget(self.save_button)
        keep.addWidget(self.print_button)
        keep.addStretch(1)
        self.result_layout.addLayout(keep)
        for button in (self.save_button, self.print_button):
            button.hide()
        self.report: VerifyReport | None = None
        self.vault_path = str(workspace.session_or_raise().path)

    def make_job(self) -> Job:
        quick = self.quick.isChecked()
        self.problems.clear()
        self.problems.hide()
        return Job(tr("verify.job"), lambda vault, progress, cancel: vaults.verify(
            vault, quick=quick, progress=progress, cancel=cancel))

    def show_result(self, report: VerifyReport) -> None:
        self.report = report
        for button in (self.save_button, self.print_button):
            button.show()
        if report.ok:
            self.message.setText(tr("verify.ok", items=report.items, blobs=report.blobs,
                                    entries=report.custody_entries))
            theme.set_role(self.message, "ok")
            return
        self.show_problem(tr("verify.problems", count=len(report.problems)))
        for problem in report.problems:
            entry = QListWidgetItem(theme.icon("warning"), problem_line(problem))
            entry.setData(Qt.ItemDataRole.UserRole, problem.item_id)
            entry.setToolTip(problem.message + ("\n" + tr("verify.open.item") if problem.item_id is not None else ""))
            self.problems.addItem(entry)
        self.problems.show()

    def _open_problem(self, entry: QListWidgetItem) -> None:
        item_id = entry.data(Qt.ItemDataRole.UserRole)
        if item_id is not None:
            self.workspace.go_to_item(int(item_id))

    # -- keeping the result -------------------------------------------------------------------------------
    def result_html(self) -> str:
        """The result as a document: vault, when, what was checked, the outcome, every problem."""
        report = self.report
        assert report is not None
        zone = getattr(self.workspace, "zone", DEFAULT_ZONE)
        rows = [(tr("verify.doc.vault"), self.vault_path),
                (tr("verify.doc.when"), local_time(report.finished_at or report.started_at, zone, long=True)),
                (tr("verify.doc.mode"), tr("verify.quick") if report.quick else tr("verify.doc.full")),
                (tr("verify.doc.outcome"), self.message.text())]
        body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
        problems = "".join(f"<li>{html.escape(problem_line(p))}<br/><small>{html.escape(p.message)}</small></li>"
                           for p in report.problems)
        return (f"<h2>{html.escape(tr('verify.title'))}</h2><table cellspacing='4'>{body}</table>"
                + (f"<ol>{problems}</ol>" if problems else ""))

    def save_result(self) -> None:
        if self.report is None:
            return
        stamp = (self.report.finished_at or iso_utc())[:19].replace(":", "").replace("-", "")
        suggested = str(Path(self.vault_path).parent / f"kiem-tra-{stamp}.pdf")
        name, chosen = file_dialogs.save_file(self, tr("verify.save"), suggested,
                                              f"{tr('verify.save.pdf')} (*.pdf);;{tr('verify.save.text')} (*.txt)")
        if not name:
            return
        document = QTextDocument()
        document.setHtml(self.result_html())
        if name.lower().endswith(".txt") or "txt" in chosen:
            path = Path(name if name.lower().endswith(".txt") else name + ".txt")
            path.write_text(document.toPlainText() + "\n", "utf-8")
        else:
            from PySide6.QtGui import QPageSize, QPdfWriter

            path = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
            writer = QPdfWriter(str(path))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setTitle(tr("verify.title"))
            document.print_(writer)
        self.status.setText(tr("verify.saved", path=str(path)))

    def print_result(self) -> None:
        if self.report is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("verify.print"))
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            document = QTextDocument()
            document.setHtml(self.result_html())
            document.print_(printer)


def problem_line(problem: Problem) -> str:
    """A problem in the user's language: what it means, and where (item, custody entry)."""
    from evidence_store.catalogue.problems import PROBLEMS, problem_words

    lang = i18n.current()
    words = problem_words(problem.code, lang) if problem.code in PROBLEMS else problem.message
    where = []
    if problem.item_id is not None:
        where.append(tr("verify.where.item", id=problem.item_id))
    if problem.custody_seq is not None:
        where.append(tr("verify.where.entry", seq=problem.custody_seq))
    return words + (f" ({', '.join(where)})" if where else "")
