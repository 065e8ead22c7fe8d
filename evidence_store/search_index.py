"""The full-text index of the vault: text pieces of items in an FTS5 table inside the encrypted database.

Each piece keeps its item, case, the item's kind and its place in the item
("page 3", "comment 12", "offset 65536"). The FTS5 index uses SQLite's
``unicode61`` tokenizer with ``remove_diacritics 2``, so ``chuyen khoan`` finds
``chuyển khoản``; ``đ``/``Đ`` is a letter of its own, not ``d`` with a mark, so
the text given to the index (and every query) has it folded to ``d`` first
(:func:`fold`). The pieces' original text is the index's external content:
snippets show the text as written, and it is as encrypted as everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .bulk_insert import insert_rows
from .canonical import iso_utc
from .db import DatabaseError
from .errors import UsageError

if TYPE_CHECKING:
    from .vault import Vault

SNIPPET_OPEN, SNIPPET_CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧ around each hit: never in ordinary text

RANK_LIMIT = 5_000  # matches ranked by BM25; a query matching more lists the newest pieces first
#: the page cache of a searching connection (KiB, negative): the doclists of common words are megabytes of
#: pages each decrypted on read; kept, the next query over the same words reads them from memory
READ_CACHE = -65536
#: the page cache of the indexing writer (KiB, negative): FTS5 merges its segments in the cache
INDEX_CACHE = -65536

#: index_items.status values
INDEXED, NOT_INDEXED, NO_TEXT = "indexed", "not_indexed", "no_text"


def fold(text: str) -> str:
    """What the index sees: ``đ`` as ``d`` (the tokenizer removes the other marks itself)."""
    return text.replace("đ", "d").replace("Đ", "D")


#: :func:`fold` in SQL, of a column
FOLD_SQL = "replace(replace({}, 'đ', 'd'), 'Đ', 'D')"


@dataclass(frozen=True)
class Piece:
    """One indexed piece of an item's text."""

    item_id: int
    case_id: int
    kind: str
    place: str
    text: str


@dataclass(frozen=True)
class IndexState:
    item_id: int
    case_id: int
    status: str
    reason: str = ""
    extractor: str = ""
    chars: int = 0


@dataclass(frozen=True)
class Hit:
    item_id: int
    case_id: int
    kind: str
    place: str
    snippet: str
    score: float
    ranked: bool = True  # False: too many matches to rank, newest first

    def to_json(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "case_id": self.case_id, "kind": self.kind, "place": self.place,
                "snippet": self.snippet, "score": round(self.score, 4), "ranked": self.ranked}


# -- writing (inside the caller's vault._write()) ----------------------------------------------------------
def insert_pieces(conn: Any, pieces: Iterable[Piece]) -> int:
    """Add pieces to the content table and the index; returns how many.

    One statement per table (:mod:`.bulk_insert`), the pieces' facts and the index filled from the content table:
    the index's work (tokenizing every piece) runs in C in one go, not a statement per piece each waiting for
    Python's GIL while another thread reads the next items. The folding in SQL is :func:`fold`'s."""
    rows = list(pieces)
    if not rows:
        return 0
    conn.execute(f"PRAGMA cache_size = {INDEX_CACHE}")
    first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM search_docs").fetchone()[0])
    insert_rows(conn, "search_docs", ("id", "item_id", "case_id", "kind", "place", "body"),
                ((first + n, p.item_id, p.case_id, p.kind, p.place, p.text) for n, p in enumerate(rows)))
    conn.execute("INSERT INTO search_meta (id, item_id, case_id, kind, place)"
                 " SELECT id, item_id, case_id, kind, place FROM search_docs WHERE id >= ?", (first,))
    conn.execute(f"INSERT INTO search_fts (rowid, body) SELECT id, {FOLD_SQL.format('body')} FROM search_docs"
                 " WHERE id >= ?", (first,))
    return len(rows)


def insert_states(conn: Any, states: Iterable[IndexState]) -> None:
    now = iso_utc()
    insert_rows(conn, "index_items", ("item_id", "case_id", "status", "reason", "extractor", "chars", "indexed_at"),
                ((s.item_id, s.case_id, s.status, s.reason, s.extractor, s.chars, now) for s in states),
                verb="INSERT OR REPLACE")


def clear(conn: Any, case_id: int | None = None) -> None:
    """Forget the index (of one case, or all)."""
    if case_id is None:
        conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM search_docs")
        conn.execute("DELETE FROM search_meta")
        conn.execute("DELETE FROM index_items")
        return
    conn.execute(f"INSERT INTO search_fts (search_fts, rowid, body) SELECT 'delete', id, {FOLD_SQL.format('body')}"
                 " FROM search_docs WHERE case_id = ?", (case_id,))
    conn.execute("DELETE FROM search_docs WHERE case_id = ?", (case_id,))
    conn.execute("DELETE FROM search_meta WHERE case_id = ?", (case_id,))
    conn.execute("DELETE FROM index_items WHERE case_id = ?", (case_id,))


# -- reading -------------------------------------------------------------------------------------------------
def writing(vault: Vault) -> bool:
    """Whether the vault's connection is inside a transaction: what it added is not yet seen by another connection."""
    return bool(vault.conn.in_transaction)


def items_to_index(vault: Vault, case_id: int | None = None, *, after: int = 0, limit: int = 500) -> list[int]:
    """Ids of items not yet indexed (in id order, from ``after``), a page at a time."""
    sql = ("SELECT i.id FROM items i LEFT JOIN index_items x ON x.item_id = i.id"
           " WHERE x.item_id IS NULL AND i.id > ?")
    args: list[Any] = [after]
    if case_id is not None:
        sql += " AND i.case_id = ?"
        args.append(case_id)
    return [r[0] for r in vault.conn.execute(sql + " ORDER BY i.id LIMIT ?", (*args, limit))]


def count_to_index(vault: Vault, case_id: int | None = None) -> int:
    sql = "SELECT count(*) FROM items i LEFT JOIN index_items x ON x.item_id = i.id WHERE x.item_id IS NULL"
    args: tuple[Any, ...] = ()
    if case_id is not None:
        sql += " AND i.case_id = ?"
        args = (case_id,)
    return int(vault.conn.execute(sql, args).fetchone()[0])


def index_states(vault: Vault, case_id: int | None = None, status: str | None = None) -> list[IndexState]:
    sql, args = "SELECT item_id, case_id, status, reason, extractor, chars FROM index_items WHERE 1=1", list[Any]()
    if case_id is not None:
        sql += " AND case_id = ?"
        args.append(case_id)
    if status is not None:
        sql += " AND status = ?"
        args.append(status)
    return [IndexState(*r) for r in vault.conn.execute(sql + " ORDER BY item_id", args)]


def index_counts(vault: Vault) -> dict[str, int]:
    """Items by index status, and the pieces in the index."""
    counts = {r[0]: r[1] for r in vault.conn.execute("SELECT status, count(*) FROM index_items GROUP BY status")}
    counts["pieces"] = int(vault.conn.execute("SELECT count(*) FROM search_meta").fetchone()[0])
    return counts


def search(vault: Vault, fts_query: str, *, case_ids: Sequence[int] | None = None,
           kinds: Sequence[str] | None = None, limit: int = 50, offset: int = 0) -> list[Hit]:
    """Pieces matching an FTS5 query (already folded and quoted by the caller), best first."""
    where, args = ["search_fts MATCH ?"], list[Any]([fts_query])
    if case_ids is not None:
        where.append(f"d.case_id IN ({','.join('?' * len(case_ids))})")
        args.extend(case_ids)
    if kinds:
        where.append(f"d.kind IN ({','.join('?' * len(kinds))})")
        args.extend(kinds)
    # search_meta, not search_docs: the join must not read the pieces' text (a common word matches 100,000)
    base = " FROM search_fts JOIN search_meta d ON d.id = search_fts.rowid WHERE " + " AND ".join(where)
    if case_ids is None and not kinds:
        base = " FROM search_fts JOIN search_meta d ON d.id = search_fts.rowid WHERE search_fts MATCH ?"
        counted = "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?)"
    else:
        counted = f"SELECT count(*) FROM (SELECT 1{base} LIMIT ?)"
    try:
        vault.conn.execute(f"PRAGMA cache_size = {READ_CACHE}")
        many = vault.conn.execute(counted, (*args, RANK_LIMIT + 1)).fetchone()
        # Ranking scores every match: past RANK_LIMIT matches the newest pieces come first instead (Hit.ranked).
        order = "search_fts.rank" if many[0] <= RANK_LIMIT else "search_fts.rowid DESC"
        # The snippet in the same statement: FTS5 orders by rank (or rowid) itself, so SQLite computes it for the
        # rows returned only, without a second evaluation of the query per hit.
        rows = vault.conn.execute(f"SELECT d.item_id, d.case_id, d.kind, d.place, search_fts.rank,"
                                  f" snippet(search_fts, 0, ?, ?, '…', 16){base}"
                                  f" ORDER BY {order} LIMIT ? OFFSET ?",
                                  (SNIPPET_OPEN, SNIPPET_CLOSE, *args, limit, offset)).fetchall()
        hits = [Hit(item_id, case_id, kind, place, snippet or "", -float(rank), many[0] <= RANK_LIMIT)
                for item_id, case_id, kind, place, rank, snippet in rows]
    except DatabaseError as exc:
        raise UsageError(f"the search index cannot answer this query: {exc}",
                         message_vi=f"chỉ mục tìm kiếm không trả lời được truy vấn này: {exc}") from exc
    return hits


def case_counts(vault: Vault, fts_query: str) -> list[tuple[int, int]]:
    """(case id, matching pieces) for a query: in which cases it occurs."""
    try:
        return [(int(r[0]), int(r[1])) for r in vault.conn.execute(
            "SELECT d.case_id, count(*) FROM search_fts JOIN search_meta d ON d.id = search_fts.rowid"
            " WHERE search_fts MATCH ? GROUP BY d.case_id ORDER BY count(*) DESC", (fts_query,))]
    except DatabaseError as exc:
        raise UsageError(f"the search index cannot answer this query: {exc}",
                         message_vi=f"chỉ mục tìm kiếm không trả lời được truy vấn này: {exc}") from exc


def pieces_of(vault: Vault, item_id: int) -> list[tuple[str, str]]:
    """(place, text) of an item's indexed pieces, in order: the context of a hit."""
    return [(r[0], r[1]) for r in vault.conn.execute(
        "SELECT place, body FROM search_docs WHERE item_id = ? ORDER BY id", (item_id,))]
