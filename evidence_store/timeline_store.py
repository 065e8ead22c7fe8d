"""Dated events of a case, one table: the timeline the app scrolls, filters and exports.

Times are integer microseconds since 1970-01-01 UTC; ``end_us`` closes the
precision interval (a comment shown as "3 hours ago" may lie anywhere in the
hour after its ``time_us``; a FAT write time in the 2 s after it). Events are
derived from items (rebuilt with the index); custody actions are read from the
custody log itself when a timeline is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .vault import Vault

WRITE_CACHE_KIB = -65536  # 64 MiB of page cache for analysis writes (negative: KiB), at most per connection
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


@dataclass(frozen=True)
class Event:
    case_id: int
    item_id: int | None
    time_us: int
    end_us: int
    precision: str
    source: str
    kind: str
    timestamp_desc: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)
    id: int = 0


@dataclass(frozen=True)
class Filter:
    """Which events: a case (or several), a range [start, end) in µs, sources, item kinds, items."""

    case_ids: Sequence[int] | None = None
    start_us: int | None = None
    end_us: int | None = None
    sources: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    item_ids: Sequence[int] | None = None
    text: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, args = ["1=1"], list[Any]()
        for column, values in (("case_id", self.case_ids), ("source", self.sources), ("kind", self.kinds),
                               ("item_id", self.item_ids)):
            if values is not None:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if self.start_us is not None:
            clauses.append("time_us >= ?")
            args.append(self.start_us)
        if self.end_us is not None:
            clauses.append("time_us < ?")
            args.append(self.end_us)
        if self.text:
            clauses.append("instr(lower(message), ?) > 0")
            args.append(self.text.lower())
        return " AND ".join(clauses), args


_COLUMNS = "case_id, item_id, time_us, end_us, precision, source, kind, timestamp_desc, message, extra, id"


def _event(row: Any) -> Event:
    extra = row[9]
    return Event(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                 json.loads(extra) if extra != "{}" else {}, row[10])


# -- writing (inside the caller's vault._write()) ----------------------------------------------------------
def insert_events(conn: Any, events: Iterable[Event]) -> int:
    """Store events; each gets the next id (the table is kept in time order, so ids come from a counter)."""
    events = sorted(events, key=lambda e: (e.case_id, e.time_us))  # in key order: fewer pages touched
    if not events:
        return 0
    conn.execute(f"PRAGMA cache_size = {WRITE_CACHE_KIB}")  # events land all over the time-ordered tree
    row = conn.execute("SELECT value FROM analysis_counters WHERE name = 'timeline_event'").fetchone()
    first = int(row[0]) + 1 if row else 1
    conn.executemany(
        "INSERT INTO timeline_events (case_id, time_us, id, item_id, end_us, precision, source, kind, timestamp_desc,"
        " message, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.case_id, e.time_us, first + n, e.item_id, e.end_us, e.precision, e.source, e.kind, e.timestamp_desc,
          e.message, _encode(e.extra)) for n, e in enumerate(events)])
    conn.execute("INSERT OR REPLACE INTO analysis_counters VALUES ('timeline_event', ?)", (first + len(events) - 1,))
    return len(events)


def clear(conn: Any, case_id: int | None = None) -> None:
    if case_id is None:
        conn.execute("DELETE FROM timeline_events")
    else:
        conn.execute("DELETE FROM timeline_events WHERE case_id = ?", (case_id,))


# -- reading -------------------------------------------------------------------------------------------------
def count(vault: Vault, flt: Filter) -> int:
    where, args = flt.where()
    return int(vault.conn.execute(f"SELECT count(*) FROM timeline_events WHERE {where}", args).fetchone()[0])


def page(vault: Vault, flt: Filter, offset: int, limit: int) -> list[Event]:
    """Events in time order, ``limit`` from ``offset`` (the view asks for what is on screen)."""
    where, args = flt.where()
    return [_event(r) for r in vault.conn.execute(
        f"SELECT {_COLUMNS} FROM timeline_events WHERE {where} ORDER BY time_us, id LIMIT ? OFFSET ?",
        (*args, limit, offset))]


def page_after(vault: Vault, flt: Filter, after: tuple[int, int], limit: int) -> list[Event]:
    """The next ``limit`` events after (time_us, id): keyset paging, as fast at row 900,000 as at row 0."""
    where, args = flt.where()
    return [_event(r) for r in vault.conn.execute(
        f"SELECT {_COLUMNS} FROM timeline_events WHERE {where} AND (time_us, id) > (?, ?)"
        " ORDER BY time_us, id LIMIT ?", (*args, after[0], after[1], limit))]


def anchors(vault: Vault, flt: Filter, step: int) -> tuple[int, list[tuple[int, int]]]:
    """(events, the key of every ``step``-th event): lets a view fetch any row by a keyed seek, never OFFSET.

    Reads only the narrow key index (time, source, kind, item), not the events' text.
    """
    where, args = flt.where()
    keys: list[tuple[int, int]] = []
    count = 0
    cursor = vault.conn.execute(f"SELECT time_us, id FROM timeline_events WHERE {where} ORDER BY time_us, id", args)
    while rows := cursor.fetchmany(20000):
        first = (-count) % step
        keys.extend((int(r[0]), int(r[1])) for r in rows[first::step])
        count += len(rows)
    return count, keys


def page_from(vault: Vault, flt: Filter, key: tuple[int, int], limit: int) -> list[Event]:
    """``limit`` events from the key (inclusive) on, in time order."""
    where, args = flt.where()
    return [_event(r) for r in vault.conn.execute(
        f"SELECT {_COLUMNS} FROM timeline_events WHERE {where} AND (time_us, id) >= (?, ?)"
        " ORDER BY time_us, id LIMIT ?", (*args, key[0], key[1], limit))]


def position_of(vault: Vault, flt: Filter, time_us: int) -> int:
    """How many events come before ``time_us`` (the row to scroll to for a moment)."""
    where, args = flt.where()
    return int(vault.conn.execute(f"SELECT count(*) FROM timeline_events WHERE {where} AND time_us < ?",
                                  (*args, time_us)).fetchone()[0])


def iterate(vault: Vault, flt: Filter, batch: int = 5000) -> Iterator[Event]:
    """Every event in time order, read a batch at a time (exports of millions in bounded memory)."""
    after = (-(1 << 62), 0)
    while True:
        events = page_after(vault, flt, after, batch)
        yield from events
        if len(events) < batch:
            return
        after = (events[-1].time_us, events[-1].id)


def iterate_rows(vault: Vault, flt: Filter) -> Iterator[tuple[Any, ...]]:
    """Raw rows in time order (``_COLUMNS`` order, extra as JSON text) for the fastest exports."""
    where, args = flt.where()
    cursor = vault.conn.execute(f"SELECT {_COLUMNS} FROM timeline_events WHERE {where} ORDER BY time_us, id", args)
    while rows := cursor.fetchmany(10000):
        yield from rows


def density(vault: Vault, flt: Filter, bucket_us: int) -> list[tuple[int, int]]:
    """(bucket start µs, events) for the density chart; empty buckets left out."""
    where, args = flt.where()
    return [(int(r[0]), int(r[1])) for r in vault.conn.execute(
        f"SELECT (time_us - (((time_us % ?) + ?) % ?)) AS b, count(*) FROM timeline_events WHERE {where}"
        " GROUP BY b ORDER BY b", (bucket_us, bucket_us, bucket_us, *args))]


def span(vault: Vault, flt: Filter) -> tuple[int, int] | None:
    where, args = flt.where()
    row = vault.conn.execute(f"SELECT min(time_us), max(time_us) FROM timeline_events WHERE {where}", args).fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def kinds(vault: Vault, case_ids: Sequence[int] | None = None) -> list[tuple[str, int]]:
    """(item kind, events) of the cases' events: the view's kind filter."""
    flt = Filter(case_ids=case_ids)
    where, args = flt.where()
    return [(r[0], int(r[1])) for r in vault.conn.execute(
        f"SELECT kind, count(*) FROM timeline_events WHERE {where} GROUP BY kind ORDER BY kind", args)]


def sources(vault: Vault, case_ids: Sequence[int] | None = None) -> list[tuple[str, int]]:
    flt = Filter(case_ids=case_ids)
    where, args = flt.where()
    return [(r[0], int(r[1])) for r in vault.conn.execute(
        f"SELECT source, count(*) FROM timeline_events WHERE {where} GROUP BY source ORDER BY source", args)]


def item_hashes(vault: Vault, case_ids: Sequence[int]) -> dict[int, str]:
    """Item id -> SHA-256 of the cases' items (exports quote each event's item hash)."""
    marks = ",".join("?" * len(case_ids))
    return {int(r[0]): str(r[1]) for r in vault.conn.execute(
        f"SELECT id, sha256 FROM items WHERE case_id IN ({marks}) AND sha256 IS NOT NULL", tuple(case_ids))}


def item_names(vault: Vault, case_ids: Sequence[int]) -> dict[int, str]:
    marks = ",".join("?" * len(case_ids))
    return {int(r[0]): str(r[1]) for r in vault.conn.execute(
        f"SELECT id, name FROM items WHERE case_id IN ({marks})", tuple(case_ids))}
