"""Named questions services ask the vault: the only place outside the writers that knows the tables.

A mixin of :class:`~evidence_store.vault.Vault`. Services, the command line and
the desktop app ask for *what* they need (a page of items in an order, a case's
kinds, a window of the custody log, the acquisitions in a period…), never how it
is stored; the schema stays private to this package (as Autopsy's modules go
through ``SleuthkitCase`` and restic's commands through ``internal/repository``).

The rows for tables that scroll are named tuples: a table makes them by the page
while it scrolls, and a tuple is made about four times faster than a frozen
dataclass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from .errors import UsageError

SORT_COLUMNS = {
    "id": "i.id",
    "kind": "i.kind",
    "name": "i.name COLLATE NOCASE",
    "source": "i.source COLLATE NOCASE",
    "acquired_at": "i.acquired_at",
    "size": "coalesce(i.size, -1)",
    "sha256": "coalesce(i.sha256, '')",
    "warnings": "json_array_length(i.warnings)",
}


class ItemQuery(NamedTuple):
    """What a table of items shows: one case, optional text search and kind filter, one sort."""

    case_id: int
    text: str = ""
    kinds: tuple[str, ...] = ()
    roots_only: bool = False
    with_warnings: bool = False
    sort: str = "id"
    descending: bool = False

    def _where(self) -> tuple[str, list[Any]]:
        sql: list[str] = ["i.case_id = ?"]
        args: list[Any] = [self.case_id]
        text = self.text.strip()
        if text:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clause = ("(i.name LIKE ? ESCAPE '\\' OR i.source LIKE ? ESCAPE '\\' OR i.kind LIKE ? ESCAPE '\\'"
                      " OR i.sha256 LIKE ? ESCAPE '\\' OR i.blake3 LIKE ? ESCAPE '\\' OR i.md5 LIKE ? ESCAPE '\\'"
                      " OR i.sha1 LIKE ? ESCAPE '\\'")
            args += [like] * 7
            if text.isdigit() and len(text) < 19:
                clause += " OR i.id = ?"
                args.append(int(text))
            sql.append(clause + ")")
        if self.kinds:
            sql.append(f"i.kind IN ({', '.join('?' * len(self.kinds))})")
            args += list(self.kinds)
        if self.roots_only:
            sql.append("i.parent_id IS NULL")
        if self.with_warnings:
            sql.append("json_array_length(i.warnings) > 0")
        return " AND ".join(sql), args

    def _order_by(self) -> str:
        if self.sort not in SORT_COLUMNS:
            raise UsageError(f"cannot sort items by {self.sort!r}; one of {', '.join(SORT_COLUMNS)}",
                             message_vi=f"không sắp xếp được theo {self.sort!r}; dùng một trong {', '.join(SORT_COLUMNS)}")
        direction = "DESC" if self.descending else "ASC"
        return f"{SORT_COLUMNS[self.sort]} {direction}, i.id {direction}"


class ItemRow(NamedTuple):
    """One line of an evidence table: enough to draw it, without metadata."""

    id: int
    parent_id: int | None
    kind: str
    name: str
    source: str
    acquired_at: str
    size: int | None
    sha256: str | None
    warnings: int
    has_content: bool
    media_type: str | None


_ROW_COLUMNS = ("i.id, i.parent_id, i.kind, i.name, i.source, i.acquired_at, i.size, i.sha256,"
                " json_array_length(i.warnings), i.blob_name IS NOT NULL, i.media_type")


def _row(r: Any) -> ItemRow:
    return ItemRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], int(r[8] or 0), bool(r[9]), r[10])


class CaseSummary(NamedTuple):
    id: int
    number: str
    title: str
    status: str
    examiner: str
    created_at: str
    items: int  # counted from the index alone: cheap for any number of items


class CustodyRow(NamedTuple):
    seq: int
    time: str
    examiner: str
    action: str
    case_id: int | None
    item_id: int | None
    details: dict[str, Any]


class AcquiredRow(NamedTuple):
    """An item as the statistics count it."""

    id: int
    case_id: int
    kind: str
    source: str
    size: int | None
    metadata: str  # JSON text: parsed only for the kinds that need it
    acquired_at: str
    examiner_id: int


class Queries:
    conn: Any

    # -- items in tables -----------------------------------------------------------
    def count_items(self, query: ItemQuery) -> int:
        where, args = query._where()
        return int(self.conn.execute(f"SELECT count(*) FROM items i WHERE {where}", args).fetchone()[0])

    def item_rows(self, query: ItemQuery, offset: int = 0, limit: int = 200) -> list[ItemRow]:
        """One page of items, in the query's order."""
        where, args = query._where()
        sql = f"SELECT {_ROW_COLUMNS} FROM items i WHERE {where} ORDER BY {query._order_by()} LIMIT ? OFFSET ?"
        return [_row(r) for r in self.conn.execute(sql, [*args, max(limit, 0), max(offset, 0)])]

    def item_position(self, query: ItemQuery, item_id: int) -> int | None:
        """Where ``item_id`` sits in the query's order (for "go to item"), or None if filtered out."""
        where, args = query._where()
        for position, (ident,) in enumerate(self.conn.execute(
                f"SELECT id FROM items i WHERE {where} ORDER BY {query._order_by()}", args)):
            if ident == item_id:
                return position
        return None

    def item_row(self, item_id: int) -> ItemRow | None:
        row = self.conn.execute(f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.id = ?", (item_id,)).fetchone()
        return _row(row) if row else None

    def child_rows(self, parent_id: int, limit: int = 500) -> tuple[list[ItemRow], int]:
        """Up to ``limit`` children of an item, and how many there are."""
        total = int(self.conn.execute("SELECT count(*) FROM items WHERE parent_id = ?", (parent_id,)).fetchone()[0])
        rows = [_row(r) for r in self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.parent_id = ? ORDER BY i.id LIMIT ?", (parent_id, limit))]
        return rows, total

    def kind_counts(self, case_id: int) -> list[tuple[str, int]]:
        rows = self.conn.execute("SELECT kind, count(*) FROM items WHERE case_id = ? GROUP BY kind ORDER BY kind",
                                 (case_id,))
        return [(r[0], int(r[1])) for r in rows]

    # -- cases ---------------------------------------------------------------------
    def case_summaries(self) -> list[CaseSummary]:
        """Every case with its item count, newest first."""
        rows = self.conn.execute(
            "SELECT c.id, c.number, c.title, c.status, coalesce(e.name, ''), c.created_at,"
            " (SELECT count(*) FROM items i WHERE i.case_id = c.id)"
            " FROM cases c LEFT JOIN examiners e ON e.id = c.examiner_id ORDER BY c.id DESC")
        return [CaseSummary(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6])) for r in rows]

    def case_bytes(self, case_id: int) -> int:
        """Bytes of content held for a case (reads every item row: asked for on demand, not at start-up)."""
        row = self.conn.execute("SELECT coalesce(sum(size), 0) FROM items WHERE case_id = ? AND blob_name IS NOT NULL",
                                (case_id,)).fetchone()
        return int(row[0])

    # -- the custody log, as people read it -----------------------------------------------
    def custody_count(self, case_id: int | None = None) -> int:
        if case_id is None:
            return int(self.conn.execute("SELECT count(*) FROM custody").fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM custody WHERE case_id = ?", (case_id,)).fetchone()[0])

    def custody_rows(self, case_id: int | None = None, offset: int = 0, limit: int = 200) -> list[CustodyRow]:
        """One page of the custody log (a case's entries, or all), oldest first."""
        where, args = ("WHERE case_id = ?", [case_id]) if case_id is not None else ("", [])
        rows = self.conn.execute(f"SELECT seq, entry FROM custody {where} ORDER BY seq LIMIT ? OFFSET ?",
                                 [*args, max(limit, 0), max(offset, 0)])
        return [custody_row(int(seq), json.loads(entry)) for seq, entry in rows]

    def custody_entries_for(self, case_id: int, *, before: int | None = None,
                            items: set[int] | None = None) -> list[int]:
        """Positions of a case's entries (those about no item, or about one of ``items``), below ``before``."""
        rows = self.conn.execute("SELECT seq, item_id FROM custody WHERE case_id = ? AND seq < ? ORDER BY seq",
                                 (case_id, before if before is not None else 1 << 62))
        return [int(seq) for seq, item_id in rows if items is None or item_id is None or item_id in items]

    def acquisitions(self, case_id: int) -> dict[int, tuple[int, str]]:
        """Item id -> (seq, time) of its acquisition entry."""
        rows = self.conn.execute(
            "SELECT seq, item_id, time FROM custody WHERE action = 'item.acquire' AND case_id = ? ORDER BY seq",
            (case_id,))
        return {int(item_id): (int(seq), str(when)) for seq, item_id, when in rows}

    def custody_seqs_other_than(self, action: str) -> list[int]:
        """Positions of every entry that is not ``action`` (to tell uninterrupted runs of it apart)."""
        return [int(r[0]) for r in self.conn.execute("SELECT seq FROM custody WHERE action != ? ORDER BY seq", (action,))]

    def custody_details(self, action: str, *, before: int | None = None) -> list[tuple[int, dict[str, Any]]]:
        """(seq, details) of every entry of one action, oldest first."""
        rows = self.conn.execute("SELECT seq, entry FROM custody WHERE action = ? AND seq < ? ORDER BY seq",
                                 (action, before if before is not None else 1 << 62))
        return [(int(seq), dict(json.loads(text).get("details") or {})) for seq, text in rows]

    def custody_action_counts(self, start: str, end: str, actions: Sequence[str]) -> dict[str, int]:
        marks = ",".join("?" * len(actions))
        rows = self.conn.execute(f"SELECT action, count(*) FROM custody WHERE time >= ? AND time < ? AND action IN "
                                 f"({marks}) GROUP BY action", (start, end, *actions))
        return {str(a): int(n) for a, n in rows}

    def first_activity(self) -> str | None:
        row = self.conn.execute("SELECT min(time) FROM custody").fetchone()
        return str(row[0]) if row and row[0] else None

    # -- statistics -------------------------------------------------------------------
    def acquired_between(self, start: str, end: str) -> Iterator[AcquiredRow]:
        """Every item acquired in [start, end), oldest first, as the statistics count them."""
        for r in self.conn.execute("SELECT id, case_id, kind, source, size, metadata, acquired_at, examiner_id "
                                   "FROM items WHERE acquired_at >= ? AND acquired_at < ? ORDER BY id", (start, end)):
            yield AcquiredRow(*r)

    def table_counts(self) -> dict[str, int]:
        return {table: int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("cases", "items", "blobs", "custody", "examiners")}

    def stored_bytes(self) -> int:
        return int(self.conn.execute("SELECT coalesce(sum(cipher_size), 0) FROM blobs").fetchone()[0])

    def sqlcipher_version(self) -> str:
        return str(self.conn.execute("PRAGMA cipher_version").fetchone()[0])


def custody_row(seq: int, record: dict[str, Any]) -> CustodyRow:
    return CustodyRow(seq=seq, time=str(record.get("time", "")),
                      examiner=str((record.get("examiner") or {}).get("name", "")),
                      action=str(record.get("action", "")), case_id=(record.get("case") or {}).get("id"),
                      item_id=(record.get("item") or {}).get("id"), details=dict(record.get("details") or {}))
