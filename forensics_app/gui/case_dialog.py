"""The case form: a new case, or an existing one's details (its number cannot change).

Loaded when first opened, not at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Case

from . import theme
from .i18n import bind, tr


@dataclass(frozen=True)
class CaseForm:
    number: str
    title: str
    description: str
    agency: str
    unit: str


class CaseDialog(QDialog):
    """New case, or edit one (its number cannot change: it is quoted in the custody log)."""

    def __init__(self, parent: QWidget | None = None, case: Case | None = None, agency: str = "",
                 unit: str = "", members: list[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseDialog")
        bind(self, "setWindowTitle", "case.edit.title" if case else "case.new.title")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.number = QLineEdit(case.number if case else "")
        self.number.setObjectName("caseNumber")
        self.number.setReadOnly(case is not None)
        self.title = QLineEdit(case.title if case else "")
        self.title.setObjectName("caseTitle")
        self.description = QPlainTextEdit(case.description if case else "")
        self.description.setObjectName("caseDescription")
        self.description.setMaximumHeight(90)
        self.agency = QLineEdit(case.agency if case else agency)
        self.unit = QLineEdit(case.unit if case else unit)
        for key, widget in (("field.case.number", self.number), ("field.case.title", self.title),
                            ("field.case.description", self.description), ("field.agency", self.agency),
                            ("field.unit", self.unit)):
            form.addRow(bind(QLabel(), "setText", key), widget)
        if members:  # (examiner, owner|assigned): who may see the case; changed with `forensics case assign/owner`
            self.members = QLabel(", ".join(f"{name} ({tr('case.role.' + role)})" for name, role in members))
            self.members.setObjectName("caseMembers")
            self.members.setWordWrap(True)
            form.addRow(bind(QLabel(), "setText", "field.case.examiners"), self.members)
        layout.addLayout(form)
        self.message = QLabel()
        theme.set_role(self.message, "error")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bind(buttons.button(QDialogButtonBox.StandardButton.Ok), "setText", "button.save")
        bind(buttons.button(QDialogButtonBox.StandardButton.Cancel), "setText", "button.cancel")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.form: CaseForm | None = None

    def _check(self) -> None:
        if not self.number.text().strip() or not self.title.text().strip():
            self.message.setText(tr("case.need.number.title"))
            return
        self.form = CaseForm(self.number.text().strip(), self.title.text().strip(),
                             self.description.toPlainText().strip(), self.agency.text().strip(),
                             self.unit.text().strip())
        self.accept()
