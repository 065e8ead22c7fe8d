"""The custody-log tab of a case: every action on its evidence, signed and chained.

The table gives one line per entry; the pane below it shows the chosen entry whole
(time in local and UTC, examiner, action, item, every fact), wrapped to the width
there is: on a 1366-pixel screen the table's columns cannot hold the facts, and
text reachable only by hovering for a tooltip is not readable.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Vault

from . import i18n, theme
from .formatting import local_time
from .i18n import bind, tr
from .models import CUSTODY_COLUMNS, CustodyTableModel, action_label, entry_facts


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
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("custodyDetail")
        self.detail.setReadOnly(True)  # selectable and copyable (hashes, names)
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        self.detail.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.table.setProperty("detailPane", "custodyDetail")  # layout_check: a cut cell is read whole there
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.split = split
        layout.addWidget(split, 1)
        self._entry_stale = False
        self._fit_columns()
        i18n.on_change(self._relabel)

    def show_case(self, vault: Vault | None, case_id: int | None, zone: str) -> None:
        self.model.zone = zone
        self.model.load(vault, case_id)
        self._connect_selection()
        self._relabel()
        if self.model.rowCount():  # the latest entry, shown whole below
            self.table.selectRow(self.model.rowCount() - 1)
            self.table.scrollToBottom()
        self._show_entry()

    def _connect_selection(self) -> None:
        selection = self.table.selectionModel()
        if selection is not None and selection is not getattr(self, "_selection", None):
            self._selection = selection
            selection.currentRowChanged.connect(self._show_entry)

    def _fit_columns(self) -> None:
        """The action column as wide as the longest action in words (at most 200 px; the pane shows any
        longer one whole), measured from the catalogue, never from the log: reading entries to measure
        them would stall the window on a long log at every refresh."""
        from evidence_store.catalogue.actions import ACTIONS

        metrics = self.table.fontMetrics()
        widest = max(metrics.horizontalAdvance(action_label(action)) for action in ACTIONS)
        self.table.horizontalHeader().resizeSection(CUSTODY_COLUMNS.index("action"), min(widest + 20, 200))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._entry_stale:
            self._show_entry()

    def _show_entry(self, current: QModelIndex | None = None, _previous: QModelIndex | None = None) -> None:
        if not self.isVisible():  # a hidden tab reads no entry (refreshes come at every job's end)
            self._entry_stale = True
            return
        self._entry_stale = False
        index = self.table.currentIndex() if current is None else current
        entry = self.model.row_at(index.row()) if index.isValid() else None
        if entry is None:
            self.detail.setPlainText("")
            return
        values = [("seq", str(entry.seq)),
                  ("time", local_time(entry.time, self.model.zone, long=True) + f" — {entry.time} (UTC)"),
                  ("examiner", entry.examiner), ("action", action_label(entry.action)),
                  ("item", "" if entry.item_id is None else f"#{entry.item_id}"), ("details", entry_facts(entry))]
        self.detail.setPlainText("\n".join(f"{tr(f'custody.col.{key}')}: {value}" for key, value in values if value))

    def refresh(self) -> None:
        """Reload (new entries at the end), keeping the selected entry."""
        current = self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1
        latest = current == self.model.rowCount() - 1  # following the newest entry: keep following it
        row = self.model.row_at(current) if current >= 0 and not latest else None
        self.model.load(self.model.vault, self.model.case_id)
        self._relabel()
        if latest and self.model.rowCount():
            self.table.selectRow(self.model.rowCount() - 1)
            self.table.scrollToBottom()
        elif row is not None:
            position = self.model.position_of(row.seq, current)
            if position is not None:
                self.table.selectRow(position)
                self.table.scrollTo(self.model.index(position, 0))
        self._connect_selection()
        self._show_entry()

    def _relabel(self, _lang: str = "") -> None:
        self.summary.setText(tr("custody.summary", count=self.model.rowCount())
                             if self.model.case_id is not None else "")
        if _lang:
            self._fit_columns()
            self._show_entry()

    def _activated(self, index: object) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is not None and row.item_id is not None:
            self.item_requested.emit(row.item_id)
