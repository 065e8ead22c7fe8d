"""The custody-log tab of a case: every action on its evidence, signed and chained."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Vault

from . import i18n, theme
from .formatting import local_time
from .i18n import bind, tr
from .models import CustodyTableModel


class CustodyView(QWidget):
    item_requested = Signal(int)
    checkpoint_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("custodyView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("custodySummary")
        theme.set_role(self.summary, "hint")
        bar.addWidget(self.summary, 1)
        self.checkpoint_button = bind(QPushButton(), "setText", "custody.checkpoint")
        self.checkpoint_button.setObjectName("checkpointButton")
        self.checkpoint_button.clicked.connect(self.checkpoint_requested)
        bar.addWidget(self.checkpoint_button)
        layout.addLayout(bar)
        self.model = CustodyTableModel()
        self.table = QTableView()
        self.table.setObjectName("custodyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # the time whole, with its zone ("2026-11-30 12:37:14 UTC+07:00"): it is what an entry is read by
        time_width = self.table.fontMetrics().horizontalAdvance(local_time("2026-11-30T12:37:14Z")) + 16
        for n, width in enumerate((48, time_width, 140, 180, 52)):
            header.resizeSection(n, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.doubleClicked.connect(self._activated)
        layout.addWidget(self.table, 1)
        i18n.on_change(self._relabel)

    def show_case(self, vault: Vault | None, case_id: int | None, zone: str) -> None:
        self.model.zone = zone
        self.model.load(vault, case_id)
        self._relabel()
        if self.model.rowCount():
            self.table.scrollToBottom()

    def refresh(self) -> None:
        """Reload (new entries at the end), keeping the selected entry."""
        current = self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1
        row = self.model.row_at(current) if current >= 0 else None
        self.model.load(self.model.vault, self.model.case_id)
        self._relabel()
        if row is not None:
            position = self.model.position_of(row.seq, current)
            if position is not None:
                self.table.selectRow(position)
                self.table.scrollTo(self.model.index(position, 0))

    def _relabel(self, _lang: str = "") -> None:
        self.summary.setText(tr("custody.summary", count=self.model.rowCount())
                             if self.model.case_id is not None else "")

    def _activated(self, index: object) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is not None and row.item_id is not None:
            self.item_requested.emit(row.item_id)
