"""The preview of messages: an e-mail (headers, text or safely formatted HTML, attachments, route,
authenticity) and a conversation (its rows as a transcript, a chosen range kept as an excerpt).

Content arrives as bytes already decrypted in memory (the preview pane read
them); nothing is written to disk. HTML bodies are shown as text by default;
the formatted view is a QTextBrowser that fetches nothing (every resource
request, remote or local, is refused), follows no link and runs no script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from evidence_store import DEFAULT_ZONE, Item

from . import i18n, theme
from .errors import error_text
from .formatting import local_time
from .i18n import bind, tr, tr_or

Index = QModelIndex | QPersistentModelIndex


class SafeHtmlView(QTextBrowser):
    """Formatted HTML with every external resource refused: nothing is fetched, no link is followed."""

    blocked: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("safeHtml")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.blocked = []

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 (Qt name)
        self.blocked.append(url.toString() if isinstance(url, QUrl) else str(url))
        return None

    def show_html(self, html: str) -> None:
        self.blocked = []
        self.setHtml(_sanitise(html))


def _sanitise(html: str) -> str:
    """Scripts, frames, forms and event handlers removed before Qt sees the HTML (lxml's cleaner)."""
    try:
        from lxml_html_clean import Cleaner
    except ImportError:  # pragma: no cover - the package comes with the social extra
        return html
    cleaner = Cleaner(scripts=True, javascript=True, comments=True, style=False, links=True, meta=True,
                      page_structure=False, embedded=True, frames=True, forms=True, annoying_tags=True,
                      remove_unknown_tags=False, safe_attrs_only=True)
    try:
        return str(cleaner.clean_html(html))
    except (ValueError, TypeError, Exception):  # lxml's parser errors on fragments it cannot read
        return "<pre>" + html.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


def _table(columns: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = QTableWidgetItem(value)
            cell.setToolTip(value)
            table.setItem(r, c, cell)
    table.resizeRowsToContents()


class MessageView(QWidget):
    navigate = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("messageView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.html = SafeHtmlView()
        self.headers = _table(2)
        self.route = _table(7)
        self.checks = _table(4)
        self.attachments = QListWidget()
        self.attachments.itemActivated.connect(lambda entry: self.navigate.emit(int(entry.data(Qt.ItemDataRole.UserRole))))
        self._tab_keys = ("message.tab.text", "message.tab.html", "message.tab.headers", "message.tab.route",
                          "message.tab.checks", "message.tab.attachments")
        for widget in (self.text, self.html, self.headers, self.route, self.checks, self.attachments):
            self.tabs.addTab(widget, "")
        layout.addWidget(self.tabs, 1)
        self.zone = DEFAULT_ZONE
        i18n.on_change(self._relabel)
        self._relabel()

    def _relabel(self, _lang: str = "") -> None:
        for index, key in enumerate(self._tab_keys):
            self.tabs.setTabText(index, tr(key))

    def show_message(self, item: Item, data: bytes, children: list[Any], zone: str) -> None:
        from ..services.messages import describe_message

        self.zone = zone
        view = describe_message(item, data, children)
        meta = item.metadata.get("message") or {}
        lines = [f"<b>{tr('message.from')}</b> {_esc('; '.join(meta.get('from') or []))}",
                 f"<b>{tr('message.to')}</b> {_esc('; '.join((meta.get('to') or []) + (meta.get('cc') or [])))}",
                 f"<b>{tr('message.subject')}</b> {_esc(meta.get('subject') or '')}",
                 f"<b>{tr('message.date')}</b> {_esc(local_time(meta.get('date'), zone, long=True))} "
                 f"({_esc(meta.get('date_header') or '—')})"]
        if item.metadata.get("reconstructed"):
            lines.append(f"<i>{tr('message.reconstructed')}</i>")
        self.summary.setText("<br/>".join(lines))
        self.text.setPlainText(view.plain or tr("message.no.text"))
        self.html.show_html(view.html or "")
        self.tabs.setTabEnabled(1, bool(view.html))
        _fill(self.headers, [[n, v] for n, v in view.headers])
        self.headers.setHorizontalHeaderLabels([tr("message.col.name"), tr("message.col.value")])
        _fill(self.route, [[str(h.get("hop")), _origin(h),
                            str(h.get("by") or ""), str(h.get("with") or ""),
                            local_time(h.get("time"), zone) if h.get("time") else str(h.get("time_text") or ""),
                            "" if h.get("gap_seconds") is None else f"{h['gap_seconds']} s",
                            tr_or(f"message.trust.{h.get('trust')}", str(h.get("trust") or ""))] for h in view.received])
        self.route.setHorizontalHeaderLabels([tr(k) for k in ("message.col.hop", "message.col.from", "message.col.by",
                                                               "message.col.with", "message.col.time", "message.col.gap",
                                                               "message.col.trust")])
        _fill(self.checks, _check_rows(view.authenticity or {}))
        self.checks.setHorizontalHeaderLabels([tr(k) for k in ("message.col.check", "message.col.subject",
                                                                "message.col.result", "message.col.reason")])
        self.attachments.clear()
        for child in view.attachments:
            entry = QListWidgetItem(theme.kind_icon(child.kind), f"#{child.id}  {child.name}  ({child.size} B)")
            entry.setData(Qt.ItemDataRole.UserRole, child.id)
            self.attachments.addItem(entry)
        self.tabs.setCurrentIndex(0)


def _origin(hop: dict[str, Any]) -> str:
    """``from`` and, when it is not already there, the address the receiving server saw."""
    origin, address = str(hop.get("from") or ""), hop.get("from_ip")
    return f"{origin} [{address}]".strip() if address and str(address) not in origin else origin


def _result(value: Any) -> str:
    """A DKIM/ARC result in words (a value the catalog does not know is shown as recorded)."""
    return tr_or(f"message.result.{value}", str(value or ""))


def _check_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = [["DKIM", f"{r.get('domain')} / {r.get('selector')}", _result(r.get("result")), str(r.get("reason") or "")]
            for r in data.get("dkim") or []]
    arc = data.get("arc")
    if arc:
        rows.append(["ARC", "", _result(arc.get("result")), str(arc.get("reason") or "")])
    for claim in data.get("claims") or []:
        for result in claim.get("results") or []:
            rows.append([f"{str(result.get('method', '')).upper()} ({tr('message.claim')})",
                         str(claim.get("authserv_id") or claim.get("header")), str(result.get("result")),
                         tr("message.claim.note")])
    for answer in data.get("dns") or []:
        rows.append(["DNS", str(answer.get("name")), str(answer.get("status")),
                     " ".join(str(v) for v in (answer.get("source"), answer.get("at"), answer.get("answer"),
                                               answer.get("error")) if v)])
    return rows


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


COLUMNS = ("conversation.col.anchor", "conversation.col.time", "conversation.col.sender", "conversation.col.text",
           "conversation.col.notes")


class RowsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.zone = DEFAULT_ZONE

    def set_rows(self, rows: list[dict[str, Any]], zone: str) -> None:
        self.beginResetModel()
        self.rows, self.zone = rows, zone
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) or not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if column == 0:
            return row.get("anchor")
        if column == 1:
            return local_time(row.get("time"), self.zone) if row.get("time") else row.get("time_text") or ""
        if column == 2:
            sender = row.get("sender") or {}
            return " ".join(str(v) for v in (sender.get("name"), f"({sender['id']})" if sender.get("id") else None) if v)
        if column == 3:
            return row.get("text") or ""
        notes = []
        if row.get("reply_to"):
            notes.append(tr("conversation.reply", id=row["reply_to"]))
        if row.get("edited"):
            notes.append(tr("conversation.edited", time=local_time(row["edited"], self.zone)))
        for attachment in row.get("attachments") or []:
            status = tr_or(f"conversation.status.{str(attachment.get('status')).replace(' ', '_')}",
                           str(attachment.get("status") or ""))
            notes.append(f"[{status}] {attachment.get('path') or attachment.get('note') or ''}")
        for reaction in row.get("reactions") or []:
            notes.append(f"{reaction.get('reaction')} ×{reaction.get('count')}")
        return "; ".join(notes)


class ConversationView(QWidget):
    """The rows of a conversation; selected rows can be kept as an excerpt (what a report prints)."""

    excerpt_made = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("conversationView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = RowsModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.excerpt = QPushButton()
        bind(self.excerpt, "setText", "conversation.excerpt")
        self.excerpt.clicked.connect(self._make_excerpt)
        self.status = QLabel()
        theme.set_role(self.status, "hint")
        bar.addWidget(self.excerpt)
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        self.item: Item | None = None
        self.vault: Any = None
        self.runner: Callable[..., Any] | None = None

    def show_rows(self, item: Item, data: bytes, truncated: bool, zone: str, vault: Any) -> None:
        from collectors.messages.chat.model import read_rows

        self.item, self.vault = item, vault
        rows = list(read_rows(iter([data.rsplit(b"\n", 1)[0] if truncated else data])))
        self.model.set_rows(rows, zone)
        chat = item.metadata.get("chat") or item.metadata.get("chat_excerpt") or {}
        self.summary.setText(tr("conversation.summary", name=str(chat.get("name") or item.name),
                                shown=len(rows), total=chat.get("messages") or len(rows)))
        self.excerpt.setEnabled(item.kind == "conversation")
        self.status.clear()
        self.table.resizeColumnsToContents()

    def selected_range(self) -> tuple[int, int] | None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        if not rows:
            return None
        return rows[0] + 1, rows[-1] + 1

    def _make_excerpt(self) -> None:
        chosen = self.selected_range()
        if chosen is None or self.item is None or self.vault is None:
            self.status.setText(tr("conversation.select.rows"))
            return
        from ..services.messages import make_excerpt
        from .tasks import run_in_thread

        item, vault = self.item, self.vault
        self.excerpt.setEnabled(False)

        def done(made: Item) -> None:
            self.excerpt.setEnabled(True)
            self.status.setText(tr("conversation.excerpt.made", id=made.id, first=chosen[0], last=chosen[1]))
            self.excerpt_made.emit(made.id)

        def failed(error: BaseException, _details: str) -> None:
            self.excerpt.setEnabled(True)
            self.status.setText(error_text(error))

        run_in_thread(lambda: make_excerpt(vault, item.id, chosen[0], chosen[1]), done, failed)


class MessagePanel(QStackedWidget):
    """The preview's page for messages and conversations."""

    navigate = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.message = MessageView()
        self.conversation = ConversationView()
        self.addWidget(self.message)
        self.addWidget(self.conversation)
        self.message.navigate.connect(self.navigate)

    def display(self, kind: str, item: Item, data: bytes, truncated: bool, *, zone: str, vault: Any,
                children: list[Any]) -> bool:
        if kind == "message":
            self.message.show_message(item, data, children, zone)
            self.setCurrentWidget(self.message)
        else:
            self.conversation.show_rows(item, data, truncated, zone, vault)
            self.setCurrentWidget(self.conversation)
        return True
