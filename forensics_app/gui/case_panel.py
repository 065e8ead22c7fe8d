"""The case list (vụ việc) with new / edit / close, and the case form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSize, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Case

from . import i18n, theme
from .i18n import bind, tr
from .models import USER, CaseListModel


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
                 unit: str = "") -> None:
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


class CasePanel(QWidget):
    """Lists cases; emits the selected case's id."""

    case_selected = Signal(object)  # int | None
    new_requested = Signal()
    edit_requested = Signal()
    close_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("casePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        label = bind(QLabel(), "setText", "cases.heading")
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        header.addWidget(label, 1)
        self.new_button = self._tool("case.new", self.new_requested, "newCaseButton")
        self.edit_button = self._tool("case.edit", self.edit_requested, "editCaseButton")
        self.close_button = self._tool("case.close", self.close_requested, "closeCaseButton")
        for button in (self.new_button, self.edit_button, self.close_button):
            header.addWidget(button)
        layout.addLayout(header)
        self.model = CaseListModel()
        self.view = QListView()
        self.view.setObjectName("caseList")
        self.view.setModel(self.model)
        self.view.setIconSize(QSize(22, 22))
        self.view.setSpacing(2)
        self.view.setUniformItemSizes(True)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        layout.addWidget(self.view, 1)
        self._current_changed()
        i18n.on_change(self._label_close)

    def _tool(self, key: str, signal: Any, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        bind(button, "setText", key)
        bind(button, "setToolTip", key + ".tip")
        button.clicked.connect(signal)
        return button

    def current_case_id(self) -> int | None:
        index = self.view.currentIndex()
        return index.data(USER) if index.isValid() else None

    def current_status(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.cases[index.row()].status if index.isValid() else None

    def select_case(self, case_id: int | None) -> None:
        row = self.model.row_of(case_id) if case_id is not None else None
        if row is None and self.model.cases:
            row = 0
        if row is None:
            self.view.setCurrentIndex(self.model.index(-1))
            self._current_changed()
            return
        self.view.selectionModel().setCurrentIndex(self.model.index(row),
                                                   QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _current_changed(self, *_args: object) -> None:
        has = self.current_case_id() is not None
        self.edit_button.setEnabled(has)
        self.close_button.setEnabled(has)
        self._label_close()
        self.case_selected.emit(self.current_case_id())

    def _label_close(self, _lang: str = "") -> None:
        key = "case.reopen" if self.current_status() == "closed" else "case.close"
        self.close_button.setText(tr(key))
        self.close_button.setToolTip(tr(key + ".tip"))
