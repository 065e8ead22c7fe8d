"""The evidence table of one case: search, kind filter, sort, and lazy rows.

Nothing here reads more of a case than what is on screen: the table fetches its
rows a page at a time, and the kind filter counts the case's kinds (a pass over
all its items) only when its list is opened or a kind is being filtered on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Vault

from ..services import browse
from . import i18n, theme
from .i18n import bind, tr
from .models import ITEM_COLUMNS, ItemTableModel


class KindFilter(QComboBox):
    """"All kinds" and each kind in the case with its count, listed when the list is first opened."""

    def __init__(self, kinds: Callable[[], list[tuple[str, int]]]) -> None:
        super().__init__()
        self._kinds = kinds
        self.stale = True

    def showPopup(self) -> None:  # noqa: N802 (Qt name)
        if self.stale:
            self.fill()
        super().showPopup()

    def reset(self) -> None:
        """New case, new evidence or language: list again now if a kind is chosen, else when opened."""
        self.stale = True
        if self.currentData():
            self.fill()
        else:
            self.blockSignals(True)
            self.clear()
            self.addItem(tr("evidence.all.kinds"), "")
            self.blockSignals(False)

    def fill(self) -> None:
        previous = self.currentData()
        self.blockSignals(True)
        self.clear()
        self.addItem(tr("evidence.all.kinds"), "")
        for kind, count in self._kinds():
            self.addItem(theme.kind_icon(kind), f"{i18n.kind_label(kind)} ({count})", kind)
        index = self.findData(previous) if previous else 0
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        self.stale = False


class EvidenceView(QWidget):
    item_selected = Signal(object)  # int | None
    item_activated = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("evidenceView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("evidenceSearch")
        self.search.setClearButtonEnabled(True)
        bind(self.search, "setPlaceholderText", "evidence.search")
        self.kind = KindFilter(self._kinds_in_case)
        self.kind.setObjectName("kindFilter")
        self.kind.setMinimumWidth(160)
        self.roots = bind(QCheckBox(), "setText", "evidence.roots")
        self.roots.setObjectName("rootsOnly")
        self.warned = bind(QCheckBox(), "setText", "evidence.warned")
        self.warned.setObjectName("withWarnings")
        self.count = QLabel()
        self.count.setObjectName("evidenceCount")
        theme.set_role(self.count, "hint")
        bar.addWidget(self.search, 2)
        bar.addWidget(self.kind)
        bar.addWidget(self.roots)
        bar.addWidget(self.warned)
        bar.addStretch(1)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.model = ItemTableModel()
        self.table = QTableView()
        self.table.setObjectName("evidenceTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(18, 18))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {"id": 52, "kind": 175, "name": 210, "source": 220, "acquired_at": 185, "size": 76,
                  "sha256": 120, "warnings": 64}
        for n, column in enumerate(ITEM_COLUMNS):
            header.resizeSection(n, widths[column])
        header.setStretchLastSection(False)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(self._activated)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.kind.currentIndexChanged.connect(lambda _n: self._apply_filter())
        self.roots.toggled.connect(lambda _b: self._apply_filter())
        self.warned.toggled.connect(lambda _b: self._apply_filter())
        self.vault: Vault | None = None
        self.case_id: int | None = None
        i18n.on_change(self._relabel)

    # -- loading --------------------------------------------------------------------
    def show_case(self, vault: Vault | None, case_id: int | None, zone: str) -> None:
        self.vault, self.case_id = vault, case_id
        if self.model.zone != zone:
            self.model.zone = zone
            self.model._texts = {}
        self._fill_kinds()
        self._apply_filter()

    def refresh(self) -> None:
        """Reload after new evidence (keeps the filter, the sort and the selected item)."""
        selected = self.current_item_id()
        self._fill_kinds()
        self.model.refresh()
        self._update_count()
        if selected is not None:
            self.select_item(selected)

    def _fill_kinds(self) -> None:
        self.kind.reset()

    def _kinds_in_case(self) -> list[tuple[str, int]]:
        if self.vault is None or self.case_id is None or not self.vault.is_open:
            return []
        return browse.kinds_in_case(self.vault, self.case_id)

    def query(self) -> browse.ItemQuery | None:
        if self.case_id is None:
            return None
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        kind = self.kind.currentData()
        return browse.ItemQuery(
            case_id=self.case_id, text=self.search.text(), kinds=(kind,) if kind else (),
            roots_only=self.roots.isChecked(), with_warnings=self.warned.isChecked(),
            sort=ITEM_COLUMNS[column] if 0 <= column < len(ITEM_COLUMNS) else "id",
            descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)

    def _apply_filter(self) -> None:
        query = self.query()
        self.model.set_query(self.vault if query else None, query)
        self._update_count()
        self.item_selected.emit(None)

    def _update_count(self) -> None:
        self.count.setText(tr("evidence.count", count=self.model.rowCount()) if self.case_id is not None else "")

    def _relabel(self, _lang: str = "") -> None:
        self._fill_kinds()
        self._update_count()

    # -- selection ------------------------------------------------------------------
    def current_item_id(self) -> int | None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row.id if row else None

    def selected_item_ids(self) -> list[int]:
        ids = []
        for index in self.table.selectionModel().selectedRows():
            row = self.model.row_at(index.row())
            if row is not None:
                ids.append(row.id)
        return ids

    def select_item(self, item_id: int) -> bool:
        """Scroll to and select ``item_id``; clears filters that hide it. False if not in this case."""
        position = self.model.position_of(item_id)
        if position is None and (self.search.text() or self.kind.currentIndex() > 0 or self.roots.isChecked()
                                 or self.warned.isChecked()):
            for box in (self.roots, self.warned):
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(0)
            self.kind.blockSignals(False)
            self._apply_filter()
            position = self.model.position_of(item_id)
        if position is None:
            return False
        index = self.model.index(position, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _current_changed(self, *_args: object) -> None:
        self.item_selected.emit(self.current_item_id())

    def _activated(self, index: object) -> None:
        item = self.current_item_id()
        if item is not None:
            self.item_activated.emit(item)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def with_sort(self, sort: str, descending: bool = False) -> None:
        """Sort by a column name (tests and the "newest first" shortcut)."""
        column = ITEM_COLUMNS.index(sort)
        self.table.sortByColumn(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        query = self.query()
        if query is not None and (query.sort != sort or query.descending != descending):
            self.model.set_query(self.vault, query._replace(sort=sort, descending=descending))
