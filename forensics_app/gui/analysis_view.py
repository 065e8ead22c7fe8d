"""The search page (hits in context, the entity card) and the two analysis tabs as the window sees them.

Thin views over ``services.search`` and ``services.entities``; the timeline tab is ``timeline_view``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from evidence_store import ForensicsError, Vault

from ..services import entities, search
from . import i18n
from .analysis_texts import t
from .errors import error_text
from .timeline_view import TimelineView

if TYPE_CHECKING:
    from .deferred import LazyTab


def _mark(snippet: str) -> str:
    return html.escape(snippet).replace("\u27e6", "<b style='background:#ffe58a'>").replace("\u27e7", "</b>")


# -- search ------------------------------------------------------------------------------------------------------
class SearchView(QWidget):
    """A query box, the hits (case, item, place, snippet), the hit in context and the entity card."""

    item_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.case_id: int | None = None
        self.hits: list[search.SearchHit] = []
        self.query = QLineEdit()
        self.query.setObjectName("analysisQuery")
        self.query.returnPressed.connect(self.run)
        self.scope = QComboBox()
        self.run_button = QPushButton()
        self.run_button.clicked.connect(self.run)
        self.entity_button = QPushButton()
        self.entity_button.clicked.connect(self.show_entity)
        self.status = QLabel()
        self.status.setObjectName("analysisStatus")
        self.table = QTableWidget(0, 6)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_context)
        self.table.cellDoubleClicked.connect(lambda row, _col: self._open(row))
        self.context = QTextBrowser()
        self.context.setObjectName("analysisContext")
        self.open_button = QPushButton()
        self.open_button.clicked.connect(lambda: self._open(self.table.currentRow()))
        top = QHBoxLayout()
        for widget in (self.query, self.scope, self.run_button, self.entity_button):
            top.addWidget(widget)
        top.setStretch(0, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.context)
        right_layout.addWidget(self.open_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        i18n.on_change(self._relabel)
        self._relabel()

    def _relabel(self, _lang: str = "") -> None:
        self.query.setPlaceholderText(t("search.placeholder"))
        self.run_button.setText(t("search.run"))
        self.entity_button.setText(t("search.entity"))
        self.open_button.setText(t("search.open"))
        current = self.scope.currentIndex()
        self.scope.clear()
        self.scope.addItems([t("search.scope.case"), t("search.scope.all")])
        self.scope.setCurrentIndex(max(0, current))
        self.table.setHorizontalHeaderLabels([t(f"search.col.{c}") for c in
                                              ("case", "item", "kind", "name", "place", "snippet")])

    def show_case(self, vault: Vault | None, case_id: int | None) -> None:
        self.vault, self.case_id = vault, case_id
        if vault is None:  # locked: no evidence text stays in the widgets
            self.hits = []
            self.table.setRowCount(0)
            self.context.clear()
            self.status.clear()

    def run(self) -> None:
        if self.vault is None:
            return
        all_cases = self.scope.currentIndex() == 1
        if not all_cases and self.case_id is None:
            self.status.setText(t("search.no_case"))
            return
        try:
            case = None if all_cases else str(self.case_id)
            self.hits = search.search(self.vault, self.query.text(), case=case, limit=200)
            cases, hidden = search.cross_case(self.vault, self.query.text())
        except ForensicsError as exc:  # a syntax error names its position; an unassigned case names its owner
            self.status.setText(error_text(exc))
            self.hits = []
            cases = []
        else:
            text = t("search.hits", count=len(self.hits))
            if cases:
                text += " — " + t("search.cases", cases=", ".join(f"{c} ({n})" for c, n in cases))
            if hidden:  # counted in other examiners' cases, never shown
                text += " — " + hidden.message(i18n.current())
            self.status.setText(text)
        self.table.setRowCount(len(self.hits))
        for row, hit in enumerate(self.hits):
            values = (hit.case_number, str(hit.hit.item_id), hit.hit.kind, hit.item_name, hit.hit.place,
                      hit.hit.snippet.replace("\u27e6", "«").replace("\u27e7", "»").replace("\n", " "))
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        if self.hits:
            self.table.selectRow(0)
        else:
            self.context.clear()

    def _show_context(self) -> None:
        row = self.table.currentRow()
        if self.vault is None or not 0 <= row < len(self.hits):
            return
        hit = self.hits[row].hit
        pieces = search.hit_context(self.vault, hit.item_id, hit.place)
        words = [w.lower() for w in search._words(self.query.text()) if w.upper() not in ("OR", "AND", "NOT")]
        body = html.escape(pieces[0][1] if pieces else "")
        for word in sorted(set(words), key=len, reverse=True):
            body = _highlight(body, word)
        self.context.setHtml(f"<p><b>{html.escape(self.hits[row].item_name)}</b> — {html.escape(hit.place)}</p>"
                             f"<p style='white-space: pre-wrap'>{body}</p>")
        self.context.scrollToAnchor("hit")

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            self.item_requested.emit(self.hits[row].hit.item_id)

    def show_entity(self) -> None:
        if self.vault is None or not self.query.text().strip():
            return
        try:
            cards = entities.show(self.vault, self.query.text())
        except ForensicsError:
            self.context.setHtml(f"<p>{html.escape(t('entity.none'))}</p>")
            return
        self.context.setHtml(entity_card_html(cards))


def _highlight(escaped: str, word: str) -> str:
    """Mark whole words equal to ``word``, with or without Vietnamese marks (same length: offsets hold)."""
    import re

    from ..services.entity_rules import plain

    folded = plain(escaped)
    pattern = re.compile(r"(?<!\w)" + re.escape(plain(word)) + r"(?!\w)")
    out: list[str] = []
    start = 0
    for found in pattern.finditer(folded):
        anchor = "<a name='hit'></a>" if not out else ""
        out.append(escaped[start:found.start()] + anchor + "<b style='background:#ffe58a'>" +
                   escaped[found.start():found.end()] + "</b>")
        start = found.end()
    return "".join(out) + escaped[start:]


def entity_card_html(cards: list[entities.EntityCard]) -> str:
    parts = []
    for card in cards:
        e = card.entity
        parts.append(f"<h3>{html.escape(t('entity.title', type=e.type, value=e.display))}"
                     + (f" <span style='color:#b00'>({html.escape(t('entity.watched'))})</span>" if card.watched else "")
                     + "</h3>")
        parts.append("<p>" + html.escape(t("entity.summary", occurrences=e.occurrences, items=e.items,
                                               cases=e.cases, first=card.first_seen or "-",
                                               last=card.last_seen or "-")) + "</p>")
        parts.append("<p>" + ", ".join(f"{html.escape(c['number'])} ({c['occurrences']})" for c in card.cases) + "</p>")
        if card.hidden:
            parts.append(f"<p><i>{html.escape(card.hidden.message(i18n.current()))}</i></p>")
        if card.linked:
            parts.append(f"<p><b>{html.escape(t('entity.linked'))}:</b> " + ", ".join(
                f"{html.escape(other.display)} ({n})" for other, n in card.linked[:15]) + "</p>")
        parts.append(f"<p><b>{html.escape(t('entity.occurrences'))}</b></p><ul>")
        numbers = {c["case_id"]: c["number"] for c in card.cases}
        for occ in card.occurrences[:200]:
            parts.append(f"<li>{html.escape(numbers.get(occ.case_id, ''))} · {occ.item_id} "
                         f"{html.escape(occ.item_name)} · {html.escape(occ.place)}: {_mark(occ.snippet)}</li>")
        parts.append("</ul>")
    return "".join(parts)


class AnalysisViews:
    """The two tabs, as the main window sees them."""

    def __init__(self, search_view: SearchView, timeline_view: TimelineView) -> None:
        self.search, self.timeline = search_view, timeline_view

    def show_case(self, vault: Vault | None, case_id: int | None) -> None:
        self.search.show_case(vault, case_id)
        self.timeline.show_case(vault, case_id)


def install_analysis(window: Any, search_place: LazyTab, timeline_place: LazyTab) -> AnalysisViews:
    """The Search and Timeline tabs of the main window, in the places kept for them (its case selection drives them)."""
    search_view, timeline_view = SearchView(), TimelineView()
    search_view.setObjectName("searchView")
    timeline_view.setObjectName("timelineView")
    search_place.put(search_view)
    timeline_place.put(timeline_view)
    search_view.item_requested.connect(window.go_to_item)
    timeline_view.item_requested.connect(window.go_to_item)

    def case_selected(case_id: int | None) -> None:
        reader = window._reader()
        search_view.show_case(reader, case_id)
        if window.center_tabs.currentWidget() is timeline_view:
            timeline_view.show_case(reader, case_id)
            timeline_view._stale = False  # type: ignore[attr-defined]
        else:
            timeline_view.vault, timeline_view.case_id = reader, case_id
            timeline_view.generation += 1
            timeline_view._stale = True  # type: ignore[attr-defined]

    def tab_changed(_index: int) -> None:
        if window.center_tabs.currentWidget() is timeline_view and getattr(timeline_view, "_stale", True):
            timeline_view._stale = False  # type: ignore[attr-defined]
            timeline_view.show_case(window._reader(), window.current_case_id())

    def relabel(_lang: str = "") -> None:
        tabs = window.center_tabs
        tabs.setTabText(tabs.indexOf(search_view), t("tab.search"))
        tabs.setTabText(tabs.indexOf(timeline_view), t("tab.timeline"))

    window.cases.case_selected.connect(case_selected)
    window.center_tabs.currentChanged.connect(tab_changed)
    i18n.on_change(relabel)
    window._analysis_relabel = relabel  # keep the listener alive with the window
    case_selected(window.current_case_id())  # built once a vault may be open: start from the window's case
    return AnalysisViews(search_view, timeline_view)
