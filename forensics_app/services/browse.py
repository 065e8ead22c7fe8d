"""Paged, sorted, filtered views of cases, items and the custody log, for lists of any size.

The desktop app shows vaults of tens of thousands of items; loading them all
(``vault.list_items``) would parse every row's metadata before the first is
shown. The vault answers these questions a page at a time (sorted and filtered
where the rows are), so a table can fetch more as the user scrolls. Read-only:
nothing here changes the vault or needs the writer lock, except the custody entry
of a refusal: a case this examiner may not open (:mod:`.case_access`) is left out
of the case list, and its items, content and custody entries are refused.
"""

from __future__ import annotations

from typing import NamedTuple

from evidence_store import Item, Vault
from evidence_store.queries import CaseSummary, CustodyRow, ItemQuery, ItemRow

from . import case_access

__all__ = ["CaseSummary", "CustodyRow", "ItemDetail", "ItemQuery", "ItemRow", "case_bytes", "case_summaries",
           "count_custody", "count_items", "custody_rows", "hidden_cases", "item_detail", "item_position", "item_rows",
           "kinds_in_case", "read_content"]


def _case(vault: Vault, case_id: int, reach: str) -> None:
    seen = case_access.reachable(vault)
    if seen is not None and case_id not in seen:
        case_access.require_visible(vault, vault.get_case(case_id), reach)


def count_items(vault: Vault, query: ItemQuery) -> int:
    _case(vault, query.case_id, "app item list")
    return vault.count_items(query)


def item_rows(vault: Vault, query: ItemQuery, offset: int = 0, limit: int = 200) -> list[ItemRow]:
    """One page of items, in the query's order."""
    _case(vault, query.case_id, "app item list")
    return vault.item_rows(query, offset, limit)


def item_position(vault: Vault, query: ItemQuery, item_id: int) -> int | None:
    """Where ``item_id`` sits in the query's order (for "go to item"), or None if filtered out."""
    return vault.item_position(query, item_id)


def kinds_in_case(vault: Vault, case_id: int) -> list[tuple[str, int]]:
    _case(vault, case_id, "app item list")
    return vault.kind_counts(case_id)


def case_summaries(vault: Vault) -> list[CaseSummary]:
    """Every case this examiner may open with its item count, newest first (:func:`hidden_cases` counts the others)."""
    seen = case_access.reachable(vault)
    return [c for c in vault.case_summaries() if seen is None or c.id in seen]


def hidden_cases(vault: Vault) -> case_access.Hidden:
    """The cases left out of :func:`case_summaries`, and their owners (whom to ask)."""
    if case_access.reachable(vault) is None:
        return case_access.Hidden("cases")
    return case_access.hidden_cases(vault, (c.id for c in vault.case_summaries()), "cases")


def case_bytes(vault: Vault, case_id: int) -> int:
    """Bytes of content held for a case (reads every item row: asked for on demand, not at start-up)."""
    _case(vault, case_id, "app case")
    return vault.case_bytes(case_id)


class ItemDetail(NamedTuple):
    """An item with its family, for a preview pane."""

    item: Item
    parent: ItemRow | None
    children: list[ItemRow]
    children_total: int


def item_detail(vault: Vault, item_id: int, *, max_children: int = 500) -> ItemDetail:
    item = case_access.reach_item(vault, item_id, "app item view")
    parent = vault.item_row(item.parent_id) if item.parent_id is not None else None
    children, total = vault.child_rows(item.id, max_children)
    return ItemDetail(item, parent, children, total)


def count_custody(vault: Vault, case_id: int | None = None) -> int:
    if case_id is not None:
        _case(vault, case_id, "app custody log")
    return vault.custody_count(case_id)


def custody_rows(vault: Vault, case_id: int | None = None, offset: int = 0, limit: int = 200) -> list[CustodyRow]:
    """One page of the custody log (a case's entries, or all), oldest first."""
    if case_id is not None:
        _case(vault, case_id, "app custody log")
    return vault.custody_rows(case_id, offset, limit)


def read_content(vault: Vault, item: Item, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of an item's plaintext (segments authenticated), and whether there was more.

    For showing, not for export: an export goes through ``vault.export_item``,
    which re-checks the hashes of the whole content.
    """
    _case(vault, item.case_id, "app content")
    chunks: list[bytes] = []
    size = 0
    stream = vault.read_item(item)
    try:
        for block in stream:
            chunks.append(block)
            size += len(block)
            if size > limit:
                return b"".join(chunks)[:limit], True
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return b"".join(chunks), False
