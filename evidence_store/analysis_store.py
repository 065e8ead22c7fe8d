"""Writing what analysis found about items: index pieces, entity occurrences and timeline events together.

A group of items is stored in one transaction with one custody entry, so an
item is either fully analysed (its text, entities, events and state) or not at
all: a cancelled or crashed run is picked up where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import entity_store, search_index, timeline_store
from .entity_store import Occurrence
from .search_index import IndexState, Piece
from .timeline_store import Event

if TYPE_CHECKING:
    from .models import Case
    from .vault import Vault


@dataclass
class ItemAnalysis:
    """Everything analysis found in one item."""

    state: IndexState
    pieces: list[Piece] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def store(vault: Vault, case: Case, results: Sequence[ItemAnalysis], *, action: str = "analysis.index") -> dict[str, int]:
    """Store a group of analysed items of one case (one transaction, one custody entry); returns counts."""
    return store_cases(vault, [(case, results)], action=action)


def store_cases(vault: Vault, groups: Sequence[tuple[Case, Sequence[ItemAnalysis]]], *,
                action: str = "analysis.index") -> dict[str, int]:
    """Store analysed items of several cases in one transaction, one custody entry per case; returns the counts.

    One commit for them all: each commit waits for the disk and ends a segment of the full-text index (small
    segments are merged again later), so a run over many small cases commits by size, not by case."""
    totals = {"items": 0, "pieces": 0, "occurrences": 0, "events": 0, "not_indexed": 0}
    with vault._write():
        conn = vault.conn
        for case, results in groups:
            counts = {"items": len(results),
                      "pieces": search_index.insert_pieces(conn, (p for r in results for p in r.pieces)),
                      "occurrences": entity_store.insert_occurrences(conn, (o for r in results for o in r.occurrences)),
                      "events": timeline_store.insert_events(conn, (e for r in results for e in r.events)),
                      "not_indexed": sum(r.state.status == search_index.NOT_INDEXED for r in results)}
            search_index.insert_states(conn, [r.state for r in results])
            ids = [r.state.item_id for r in results]
            details: dict[str, Any] = {**counts, "first_item": min(ids, default=None),
                                       "last_item": max(ids, default=None)}
            vault.log(action, case=case, details=details)
            for key, value in counts.items():
                totals[key] += value
    return totals


def clear(vault: Vault, case: Case | None = None) -> None:
    """Forget the index, entities and events (of one case, or of the vault): before a rebuild. Logged."""
    case_id = case.id if case is not None else None
    with vault._write():
        search_index.clear(vault.conn, case_id)
        entity_store.clear(vault.conn, case_id)
        timeline_store.clear(vault.conn, case_id)
        vault.log("analysis.clear", case=case, details={"scope": "case" if case else "vault"})
