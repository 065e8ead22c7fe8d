"""Qt models over the browse service: cases, a case's items, a case's custody log.

Item and custody tables know their row count up front (one ``count(*)``) and
load rows a page at a time when the view asks for them, keeping a few pages in
memory, so a case of 100,000 items opens as fast as one of ten and the scroll
bar is right from the start. Sorting and filtering happen in SQL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeGuard, TypeVar

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from evidence_store import DEFAULT_ZONE, Vault

from ..services import browse
from . import i18n, theme
from .formatting import human_size, local_time, short_hash
from .i18n import tr

Index = QModelIndex | QPersistentModelIndex
DISPLAY, DECORATION, TOOLTIP, ALIGN, USER = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
                                             Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
                                             Qt.ItemDataRole.UserRole)
T = TypeVar("T")
_DISPLAY, _DECORATION, _TOOLTIP, _ALIGN, _USER = (int(r.value) for r in (DISPLAY, DECORATION, TOOLTIP, ALIGN, USER))
_ITEM_ROLES = frozenset((_DISPLAY, _DECORATION, _TOOLTIP, _ALIGN, _USER))


class PagedRows(Generic[T]):
    """Rows fetched a page at a time on demand, the last ``keep`` pages cached."""

    def __init__(self, fetch: Callable[[int, int], list[T]], page_size: int = 200, keep: int = 40) -> None:
        self._fetch = fetch
        self.page_size = page_size
        self._keep = keep
        self._pages: OrderedDict[int, list[T]] = OrderedDict()
        self.fetches = 0  # pages loaded so far (the benchmark and tests read it)

    def get(self, row: int) -> T | None:
        number, offset = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            page = self._fetch(number * self.page_size, self.page_size)
            self.fetches += 1
            self._pages[number] = page
            if len(self._pages) > self._keep:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def clear(self) -> None:
        self._pages.clear()


class CaseListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.cases: list[browse.CaseSummary] = []
        self.hidden_text = ""  # "2 cases you are not assigned to (ask …)": left out, never in silence
        self.vault: Vault | None = None
        self._bytes: dict[int, int] = {}
        i18n.on_change(self._relabel)

    def load(self, vault: Vault | None) -> None:
        self.beginResetModel()
        self.vault = vault
        self._bytes = {}
        self.cases = browse.case_summaries(vault) if _open(vault) else []
        self.hidden_text = browse.hidden_cases(vault).message(i18n.current()) if _open(vault) else ""
        self.endResetModel()

    def _relabel(self, _lang: str = "") -> None:
        if self.hidden_text and _open(self.vault):
            self.hidden_text = browse.hidden_cases(self.vault).message(i18n.current())
        if self.cases:
            self.dataChanged.emit(self.index(0), self.index(len(self.cases) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cases)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.row() >= len(self.cases):
            return None
        case = self.cases[index.row()]
        if role == DISPLAY:
            status = "" if case.status == "open" else f"  [{tr('case.status.closed')}]"
            return f"{case.number}{status}\n{case.title}"
        if role == DECORATION:
            return theme.icon("case" if case.status == "open" else "case_closed")
        if role == TOOLTIP:
            if case.id not in self._bytes and _open(self.vault):
                self._bytes[case.id] = browse.case_bytes(self.vault, case.id)
            return tr("case.tooltip", number=case.number, title=case.title, examiner=case.examiner,
                      items=case.items, size=human_size(self._bytes.get(case.id)))
        if role == USER:
            return case.id
        return None

    def row_of(self, case_id: int) -> int | None:
        return next((n for n, c in enumerate(self.cases) if c.id == case_id), None)


ITEM_COLUMNS = ("id", "kind", "name", "source", "acquired_at", "size", "sha256", "warnings")


class ItemTableModel(QAbstractTableModel):
    """A case's items, sorted and filtered by an :class:`~forensics_app.services.browse.ItemQuery`."""

    def __init__(self, page_size: int = 200) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.query: browse.ItemQuery | None = None
        self.zone = DEFAULT_ZONE
        self._count = 0
        self._page_size = page_size
        self.rows: PagedRows[browse.ItemRow] = PagedRows(lambda o, n: [], page_size)
        self._texts: dict[int, tuple[str, ...]] = {}
        i18n.on_change(self._relabel)

    def set_query(self, vault: Vault | None, query: browse.ItemQuery | None) -> None:
        self.beginResetModel()
        self.vault, self.query = vault, query
        self._count = browse.count_items(vault, query) if _open(vault) and query is not None else 0
        self.rows = PagedRows(self._fetch, self._page_size)
        self._texts = {}
        self.endResetModel()

    def refresh(self) -> None:
        self.set_query(self.vault, self.query)

    def _fetch(self, offset: int, limit: int) -> list[browse.ItemRow]:
        if self.vault is None or self.query is None or not self.vault.is_open:
            return []
        return browse.item_rows(self.vault, self.query, offset, limit)

    def _relabel(self, _lang: str = "") -> None:
        self._texts = {}
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(ITEM_COLUMNS) - 1)
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(ITEM_COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ITEM_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(ITEM_COLUMNS):
            return tr(f"items.col.{ITEM_COLUMNS[section]}")
        return super().headerData(section, orientation, role)

    def row_at(self, row: int) -> browse.ItemRow | None:
        return self.rows.get(row) if 0 <= row < self._count else None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        if role not in _ITEM_ROLES:
            return None  # Qt asks for a dozen roles per cell; answer the unused ones at once
        row = index.row()
        item = self.row_at(row)
        if item is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            texts = self._texts.get(item.id)
            if texts is None:
                if len(self._texts) > 20_000:
                    self._texts.clear()
                texts = self._texts[item.id] = tuple(self._text(item, name) for name in ITEM_COLUMNS)
            return texts[column]
        name = ITEM_COLUMNS[column]
        if role == _DECORATION:
            if name == "kind":
                return theme.kind_icon(item.kind)
            if name == "warnings" and item.warnings:
                return theme.icon("warning")
            return None
        if role == _TOOLTIP:
            if name == "sha256":
                return item.sha256 or ""
            if name == "name":
                return i18n.item_name(item.kind, item.name)
            if name == "source":
                return item.source
            if name == "acquired_at":
                return local_time(item.acquired_at, self.zone, long=True) + f"\n{item.acquired_at} (UTC)"
            if name == "kind":
                return i18n.kind_label(item.kind)
            return None
        if role == _ALIGN:
            return theme.ALIGN_RIGHT if name in ("id", "size", "warnings") else None
        return item.id  # USER

    def _text(self, item: browse.ItemRow, column: str) -> str:
        if column == "id":
            return str(item.id)
        if column == "kind":
            return i18n.kind_label(item.kind)
        if column == "acquired_at":
            return local_time(item.acquired_at, self.zone)
        if column == "size":
            return human_size(item.size)
        if column == "sha256":
            return short_hash(item.sha256)
        if column == "warnings":
            return str(item.warnings) if item.warnings else ""
        if column == "name":
            return i18n.item_name(item.kind, item.name)
        return str(getattr(item, column) or "")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.query is None or not 0 <= column < len(ITEM_COLUMNS):
            return
        self.set_query(self.vault, self.query._replace(sort=ITEM_COLUMNS[column],
                                                       descending=order == Qt.SortOrder.DescendingOrder))

    def position_of(self, item_id: int) -> int | None:
        if self.vault is None or self.query is None:
            return None
        return browse.item_position(self.vault, self.query, item_id)


CUSTODY_COLUMNS = ("seq", "time", "examiner", "action", "item", "details")


class CustodyTableModel(QAbstractTableModel):
    """A case's custody entries, oldest first, loaded a page at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.case_id: int | None = None
        self.zone = DEFAULT_ZONE
        self._count = 0
        self.rows: PagedRows[browse.CustodyRow] = PagedRows(lambda o, n: [])
        i18n.on_change(self._relabel)

    def load(self, vault: Vault | None, case_id: int | None) -> None:
        self.beginResetModel()
        self.vault, self.case_id = vault, case_id
        self._count = browse.count_custody(vault, case_id) if _open(vault) and case_id is not None else 0
        self.rows = PagedRows(self._fetch)
        self.endResetModel()

    def _fetch(self, offset: int, limit: int) -> list[browse.CustodyRow]:
        if self.vault is None or not self.vault.is_open:
            return []
        return browse.custody_rows(self.vault, self.case_id, offset, limit)

    def _relabel(self, _lang: str = "") -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(CUSTODY_COLUMNS) - 1)
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(CUSTODY_COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CUSTODY_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(CUSTODY_COLUMNS):
            return tr(f"custody.col.{CUSTODY_COLUMNS[section]}")
        return super().headerData(section, orientation, role)

    def row_at(self, row: int) -> browse.CustodyRow | None:
        return self.rows.get(row) if 0 <= row < self._count else None

    def position_of(self, seq: int, near: int) -> int | None:
        """The row of custody entry ``seq``: entries only ever join at the end, so it is where it was (``near``)."""
        for row in (near, near - 1, near + 1):
            entry = self.row_at(row)
            if entry is not None and entry.seq == seq:
                return row
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        entry = self.row_at(index.row())
        if entry is None:
            return None
        column = CUSTODY_COLUMNS[index.column()]
        if role == DISPLAY:
            if column == "seq":
                return str(entry.seq)
            if column == "time":
                return local_time(entry.time, self.zone)
            if column == "action":
                return action_label(entry.action)
            if column == "item":
                return "" if entry.item_id is None else str(entry.item_id)
            if column == "details":
                return entry_facts(entry)
            return entry.examiner
        if role == TOOLTIP:
            if column == "details":
                return entry_facts(entry)
            if column == "time":
                return local_time(entry.time, self.zone, long=True) + f"\n{entry.time} (UTC)"
            if column == "action":
                return action_label(entry.action)
        if role == USER:
            return entry.item_id
        return None


def _open(vault: Vault | None) -> TypeGuard[Vault]:
    """A vault whose connection is still open (a late job result may arrive after a lock)."""
    return vault is not None and vault.is_open


def action_label(action: str) -> str:
    """The action in words (the catalogue's; an action a newer version logged is shown as recorded)."""
    from evidence_store.catalogue.actions import ACTIONS, action_words

    return action_words(action, i18n.current()) if action in ACTIONS else action


def entry_facts(entry: browse.CustodyRow) -> str:
    """The facts of an entry in words (the full entry is in the reports' appendix and the evidence package)."""
    from evidence_store.catalogue.actions import facts

    from ..services.settings import SETTING_NAMES

    return facts(entry.action, entry.details, i18n.current(), SETTING_NAMES)
