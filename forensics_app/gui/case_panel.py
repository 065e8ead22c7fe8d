"""The case list (vụ việc) with new / edit / close buttons (the form is in :mod:`.case_dialog`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QToolButton, QVBoxLayout, QWidget

from . import i18n
from .i18n import bind, tr
from .models import USER, CaseListModel


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
        self.view.setWordWrap(True)  # long case titles wrap onto more lines instead of being cut
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        layout.addWidget(self.view, 1)
        self.hidden_label = QLabel()  # the cases this examiner is not assigned to: counted, with whom to ask
        self.hidden_label.setObjectName("hiddenCases")
        self.hidden_label.setWordWrap(True)
        self.hidden_label.hide()
        layout.addWidget(self.hidden_label)
        self.model.modelReset.connect(self._show_hidden)
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

    def reload(self, vault: object, case_id: int | None) -> None:
        """Reload the list (titles, counts) keeping ``case_id`` selected without announcing a new selection."""
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        try:
            self.model.load(vault)  # type: ignore[arg-type]
            if case_id is not None and self.model.row_of(case_id) is not None:
                # nothing chosen stays nothing: a row picked here in silence would look selected
                # while the evidence beside it stays empty (the first case of a new vault)
                self.select_case(case_id)
        finally:
            selection.blockSignals(False)
        self._label_close()
        self.edit_button.setEnabled(self.current_case_id() is not None)
        self.close_button.setEnabled(self.current_case_id() is not None)

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

    def _show_hidden(self) -> None:
        self.hidden_label.setText(self.model.hidden_text)
        self.hidden_label.setVisible(bool(self.model.hidden_text))

    def _label_close(self, _lang: str = "") -> None:
        key = "case.reopen" if self.current_status() == "closed" else "case.close"
        self.hidden_label.setText(self.model.hidden_text)
        self.close_button.setText(tr(key))
        self.close_button.setToolTip(tr(key + ".tip"))
