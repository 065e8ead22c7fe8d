"""Verify an evidence package, as a prosecutor does: no vault, and the origin only against anchors given here.

The verdict says which of three things is true: verified (intact and signed by
a key of the trust file or a fingerprint typed from the signed minutes), intact
but origin not verified (nothing outside the package was given), or problems
(each listed with the file it concerns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.report_package_verify import PackageCheck, verify_package
from ...services.trust import load_trust
from .. import file_dialogs, theme
from ..errors import message_for
from ..forms import path_row
from ..i18n import bind, tr
from ..tasks import run_in_thread


class CheckPackageDialog(QDialog):
    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("CheckPackageDialog")
        bind(self, "setWindowTitle", "checkpkg.title")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = bind(QLabel(), "setText", "checkpkg.intro")
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        layout.addWidget(intro)
        form = QFormLayout()
        self.package, self.trust_file = QLineEdit(), QLineEdit()
        self.package.setObjectName("checkPackagePath")
        self.trust_file.setObjectName("checkTrustFile")
        package_row = path_row(self.package, lambda: self._pick(self.package, folder=True))
        trust_row = path_row(self.trust_file, lambda: self._pick(self.trust_file, folder=False))
        self.fingerprint = QLineEdit()
        self.fingerprint.setObjectName("checkFingerprint")
        self.fingerprint.setPlaceholderText("ed25519:1a2b 3c4d …")
        form.addRow(bind(QLabel(), "setText", "checkpkg.package"), package_row)
        form.addRow(bind(QLabel(), "setText", "checkpkg.trust"), trust_row)
        form.addRow(bind(QLabel(), "setText", "checkpkg.fingerprint"), self.fingerprint)
        layout.addLayout(form)
        self.verdict = QLabel()
        self.verdict.setObjectName("checkVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.verdict)
        self.findings = QListWidget()
        self.findings.setObjectName("checkFindings")
        self.findings.setWordWrap(True)
        self.findings.hide()
        layout.addWidget(self.findings, 1)
        buttons = QHBoxLayout()
        help_button = bind(QPushButton(), "setText", "button.help")
        help_button.setObjectName("helpButton")
        help_button.clicked.connect(lambda: workspace.open_guide("package"))
        buttons.addWidget(help_button)
        buttons.addStretch(1)
        self.start = bind(QPushButton(), "setText", "checkpkg.start")
        self.start.setObjectName("checkStart")
        theme.set_role(self.start, "primary")
        self.start.clicked.connect(self.run)
        close = bind(QPushButton(), "setText", "button.close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.start)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.check: PackageCheck | None = None

    def _pick(self, edit: QLineEdit, *, folder: bool) -> None:
        if folder:
            name = file_dialogs.open_file(self, tr("checkpkg.package"), "", "ZIP (*.zip);;* (*)")
            if not name:
                name = file_dialogs.folder(self, tr("checkpkg.package"))
        else:
            name = file_dialogs.open_file(self, tr("checkpkg.trust"), "", "JSON (*.json)")
        if name:
            edit.setText(name)

    def run(self) -> None:
        path = self.package.text().strip()
        if not path:
            self._say(tr("checkpkg.need.package"), "error")
            return
        trust_files = [Path(self.trust_file.text().strip())] if self.trust_file.text().strip() else []
        fingerprints = tuple(f for f in [self.fingerprint.text().strip()] if f)
        self.start.setEnabled(False)
        self._say(tr("checkpkg.running"), "hint")

        def work() -> PackageCheck:
            return verify_package(Path(path), trust=load_trust(trust_files, fingerprints=fingerprints))

        run_in_thread(work, self.show_check, self._failed)

    def show_check(self, check: PackageCheck) -> None:
        self.check = check
        self.start.setEnabled(True)
        self.findings.clear()
        if check.verdict == "verified":
            self._say(tr("checkpkg.verified", files=check.files, items=check.items,
                         signers=", ".join(check.trusted_signers)), "ok")
        elif check.verdict == "origin_not_verified":
            self._say(tr("checkpkg.unpinned", files=check.files, items=check.items), "warning")
        else:
            self._say(tr("checkpkg.problems", count=len(check.findings)), "error")
        for finding in check.findings:
            self.findings.addItem(f"{finding.code} — {finding.path}: {finding.message}")
        for note in check.notes:
            self.findings.addItem(tr("checkpkg.note", note=note))
        self.findings.setVisible(self.findings.count() > 0)

    def _failed(self, error: BaseException, details: str) -> None:
        self.start.setEnabled(True)
        self._say(message_for(error, details)[1], "error")

    def _say(self, text: str, role: str) -> None:
        self.verdict.setText(text)
        theme.set_role(self.verdict, role)
