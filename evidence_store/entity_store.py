"""Entities found in evidence (phone numbers, accounts, wallets …), every occurrence, watch lists and alerts.

An entity is a (type, normalised value) pair; each occurrence keeps the item,
the place in it, a snippet and the rule that found it. A watch list entry
(Hunchly's "selector") turns every new occurrence, in any case, into an alert
row that the monitoring desk shows; adding or removing one is a custody entry.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .bulk_insert import insert_rows
from .canonical import iso_utc
from .errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from .vault import Vault


@dataclass(frozen=True)
class Occurrence:
    """One place an entity was found (to be stored)."""

    type: str
    value: str
    display: str
    item_id: int
    case_id: int
    place: str
    snippet: str
    rule: str
    seen_at: str | None = None  # when the evidence shows it (a post's time), if known


@dataclass(frozen=True)
class EntityRow:
    id: int
    type: str
    value: str
    display: str
    occurrences: int
    cases: int
    items: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "value": self.value, "display": self.display,
                "occurrences": self.occurrences, "cases": self.cases, "items": self.items}


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    entity_id: int
    item_id: int
    case_id: int
    place: str
    snippet: str
    rule: str
    seen_at: str | None
    acquired_at: str
    item_name: str
    item_kind: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "entity_id": self.entity_id, "item_id": self.item_id, "case_id": self.case_id,
                "place": self.place, "snippet": self.snippet, "rule": self.rule, "seen_at": self.seen_at,
                "acquired_at": self.acquired_at, "item_name": self.item_name, "item_kind": self.item_kind}


@dataclass(frozen=True)
class Watch:
    id: int
    type: str
    value: str
    note: str
    added_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "value": self.value, "note": self.note, "added_at": self.added_at}


@dataclass(frozen=True)
class Alert:
    id: int
    watch_id: int
    type: str
    value: str
    case_id: int
    item_id: int
    place: str
    snippet: str
    created_at: str
    acknowledged_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "watch_id": self.watch_id, "type": self.type, "value": self.value,
                "case_id": self.case_id, "item_id": self.item_id, "place": self.place, "snippet": self.snippet,
                "created_at": self.created_at, "acknowledged_at": self.acknowledged_at}


# -- writing (inside the caller's vault._write()) ----------------------------------------------------------
def insert_occurrences(conn: Any, occurrences: Iterable[Occurrence]) -> int:
    """Store occurrences (creating entities as needed); a watched entity's new occurrence raises an alert.

    Batched: the group's distinct entities are created and looked up together, the occurrences written by one
    statement (:mod:`.bulk_insert`; a statement per occurrence cost more than finding them)."""
    rows = list(occurrences)
    if not rows:
        return 0
    displays: dict[tuple[str, str], str] = {}
    for occ in rows:
        displays.setdefault((occ.type, occ.value), occ.display)
    insert_rows(conn, "entities", ("type", "value", "display"), ((t, v, d) for (t, v), d in displays.items()),
                verb="INSERT OR IGNORE")
    ids: dict[tuple[str, str], int] = {}
    keys = list(displays)
    for start in range(0, len(keys), 400):
        chunk = keys[start:start + 400]
        for entity_id, kind, value in conn.execute(
                "SELECT id, type, value FROM entities WHERE (type, value) IN (VALUES "
                + ",".join(["(?, ?)"] * len(chunk)) + ")", [x for key in chunk for x in key]):
            ids[(kind, value)] = int(entity_id)
    insert_rows(conn, "entity_occurrences", ("entity_id", "item_id", "case_id", "place", "snippet", "rule", "seen_at"),
                ((ids[(o.type, o.value)], o.item_id, o.case_id, o.place, o.snippet, o.rule, o.seen_at) for o in rows))
    watched = {(r[1], r[2]): r[0] for r in conn.execute("SELECT id, type, value FROM entity_watch")}
    if watched:  # once per place: a rebuilt index raises no second alert
        now = iso_utc()
        conn.executemany(
            "INSERT OR IGNORE INTO entity_alerts (watch_id, case_id, item_id, place, snippet, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(watched[(o.type, o.value)], o.case_id, o.item_id, o.place, o.snippet, now) for o in rows
             if (o.type, o.value) in watched])
    return len(rows)


def clear(conn: Any, case_id: int | None = None) -> None:
    """Forget occurrences (alerts stay: they were raised and may have been acted on)."""
    if case_id is None:
        conn.execute("DELETE FROM entity_occurrences")
    else:
        conn.execute("DELETE FROM entity_occurrences WHERE case_id = ?", (case_id,))
    conn.execute("DELETE FROM entities WHERE id NOT IN (SELECT entity_id FROM entity_occurrences)")


# -- watch lists -----------------------------------------------------------------------------------------------
def add_watch(vault: Vault, entity_type: str, value: str, note: str = "") -> tuple[Watch, int]:
    """Watch an entity; occurrences already stored become alerts too. Returns the watch and the alerts raised."""
    with vault._write():
        if vault.conn.execute("SELECT 1 FROM entity_watch WHERE type = ? AND value = ?",
                              (entity_type, value)).fetchone():
            raise UsageError(f"{entity_type} {value} is already on the watch list",
                             message_vi=f"{entity_type} {value} đã có trong danh sách theo dõi")
        cur = vault.conn.execute(
            "INSERT INTO entity_watch (type, value, note, added_at, examiner_id) VALUES (?, ?, ?, ?, ?)",
            (entity_type, value, note, iso_utc(), vault.signer.examiner_id))
        watch_id = int(cur.lastrowid)
        existing = vault.conn.execute(
            "INSERT OR IGNORE INTO entity_alerts (watch_id, case_id, item_id, place, snippet, created_at)"
            " SELECT ?, o.case_id, o.item_id, o.place, o.snippet, ? FROM entity_occurrences o"
            " JOIN entities e ON e.id = o.entity_id"
            " WHERE e.type = ? AND e.value = ?", (watch_id, iso_utc(), entity_type, value)).rowcount
        vault.log("entity.watch.add", details={"type": entity_type, "value": value, "note": note,
                                               "existing_occurrences": existing})
    return _watch(vault, watch_id), int(existing)


def remove_watch(vault: Vault, entity_type: str, value: str) -> None:
    with vault._write():
        row = vault.conn.execute("SELECT id FROM entity_watch WHERE type = ? AND value = ?",
                                 (entity_type, value)).fetchone()
        if row is None:
            raise NotFoundError(f"{entity_type} {value} is not on the watch list",
                                message_vi=f"{entity_type} {value} không có trong danh sách theo dõi")
        vault.conn.execute("DELETE FROM entity_alerts WHERE watch_id = ?", (row[0],))
        vault.conn.execute("DELETE FROM entity_watch WHERE id = ?", (row[0],))
        vault.log("entity.watch.remove", details={"type": entity_type, "value": value})


def watches(vault: Vault) -> list[Watch]:
    return [Watch(*r) for r in vault.conn.execute(
        "SELECT id, type, value, note, added_at FROM entity_watch ORDER BY id")]


def _watch(vault: Vault, watch_id: int) -> Watch:
    row = vault.conn.execute("SELECT id, type, value, note, added_at FROM entity_watch WHERE id = ?",
                             (watch_id,)).fetchone()
    return Watch(*row)


def alerts(vault: Vault, *, open_only: bool = True, case_ids: Collection[int] | None = None,
           limit: int = 1000) -> list[Alert]:
    """Alerts (of the cases ``case_ids`` only, when given)."""
    sql = ("SELECT a.id, a.watch_id, w.type, w.value, a.case_id, a.item_id, a.place, a.snippet, a.created_at,"
           " a.acknowledged_at FROM entity_alerts a JOIN entity_watch w ON w.id = a.watch_id WHERE 1=1")
    args: list[Any] = []
    if open_only:
        sql += " AND a.acknowledged_at IS NULL"
    if case_ids is not None:
        sql += f" AND a.case_id IN ({_marks(case_ids)})"
        args.extend(sorted(case_ids))
    return [Alert(*r) for r in vault.conn.execute(sql + " ORDER BY a.id LIMIT ?", (*args, limit))]


def alert_cases(vault: Vault, *, open_only: bool = True) -> list[tuple[int, int]]:
    """(case id, alerts) of every case with alerts: what a need-to-know view counts without showing."""
    sql = "SELECT case_id, count(*) FROM entity_alerts"
    if open_only:
        sql += " WHERE acknowledged_at IS NULL"
    return [(int(r[0]), int(r[1])) for r in vault.conn.execute(sql + " GROUP BY case_id")]


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


def acknowledge_alerts(vault: Vault, alert_ids: Sequence[int], *, case_ids: Collection[int] | None = None) -> int:
    """Mark alerts read (only those of the cases ``case_ids``, when given)."""
    with vault._write():
        marks = ",".join("?" * len(alert_ids))
        sql = f"UPDATE entity_alerts SET acknowledged_at = ? WHERE id IN ({marks}) AND acknowledged_at IS NULL"
        args: list[Any] = [iso_utc(), *alert_ids]
        if case_ids is not None:
            sql += f" AND case_id IN ({_marks(case_ids)})"
            args.extend(sorted(case_ids))
        done = vault.conn.execute(sql, args).rowcount
        vault.log("entity.alert.acknowledge", details={"alerts": list(alert_ids)})
    return int(done)


# -- reading ---------------------------------------------------------------------------------------------------
def list_entities(vault: Vault, *, case_id: int | None = None, entity_type: str | None = None,
                  case_ids: Collection[int] | None = None, limit: int = 10000) -> list[EntityRow]:
    """Entities with their counts, of one case, or of the cases ``case_ids`` (every case when neither is given)."""
    where, args = ["1=1"], list[Any]()
    if case_id is not None:
        where.append("o.case_id = ?")
        args.append(case_id)
    if case_ids is not None:
        where.append(f"o.case_id IN ({_marks(case_ids)})")
        args.extend(sorted(case_ids))
    if entity_type is not None:
        where.append("e.type = ?")
        args.append(entity_type)
    sql = ("SELECT e.id, e.type, e.value, e.display, count(*), count(DISTINCT o.case_id), count(DISTINCT o.item_id)"
           " FROM entities e JOIN entity_occurrences o ON o.entity_id = e.id WHERE " + " AND ".join(where) +
           " GROUP BY e.id ORDER BY count(*) DESC, e.type, e.value LIMIT ?")
    return [EntityRow(*r) for r in vault.conn.execute(sql, (*args, limit))]


def find_entities(vault: Vault, value: str, entity_type: str | None = None) -> list[EntityRow]:
    """Entities whose normalised value is ``value`` (of any type unless given)."""
    sql = ("SELECT e.id, e.type, e.value, e.display, count(o.id), count(DISTINCT o.case_id), count(DISTINCT o.item_id)"
           " FROM entities e LEFT JOIN entity_occurrences o ON o.entity_id = e.id WHERE e.value = ?")
    args: list[Any] = [value]
    if entity_type is not None:
        sql += " AND e.type = ?"
        args.append(entity_type)
    return [EntityRow(*r) for r in vault.conn.execute(sql + " GROUP BY e.id ORDER BY e.type", args)]


def find_by_suffix(vault: Vault, entity_type: str, suffix: str) -> list[EntityRow]:
    """Entities of a type whose value ends with ``suffix`` (an account id without its platform, an account
    number without its bank)."""
    escaped = suffix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [EntityRow(*r) for r in vault.conn.execute(
        "SELECT e.id, e.type, e.value, e.display, count(o.id), count(DISTINCT o.case_id), count(DISTINCT o.item_id)"
        " FROM entities e LEFT JOIN entity_occurrences o ON o.entity_id = e.id"
        " WHERE e.type = ? AND e.value LIKE ? ESCAPE '\\' GROUP BY e.id ORDER BY e.value",
        (entity_type, "%" + escaped))]


def occurrences(vault: Vault, entity_id: int, *, case_ids: Collection[int] | None = None,
                limit: int = 100000) -> list[OccurrenceRow]:
    sql = ("SELECT o.id, o.entity_id, o.item_id, o.case_id, o.place, o.snippet, o.rule, o.seen_at, i.acquired_at,"
           " i.name, i.kind FROM entity_occurrences o JOIN items i ON i.id = o.item_id WHERE o.entity_id = ?")
    args: list[Any] = [entity_id]
    if case_ids is not None:
        sql += f" AND o.case_id IN ({_marks(case_ids)})"
        args.extend(sorted(case_ids))
    return [OccurrenceRow(*r) for r in vault.conn.execute(sql + " ORDER BY o.id LIMIT ?", (*args, limit))]


def co_occurring(vault: Vault, entity_id: int, *, types: Sequence[str] | None = None,
                 case_ids: Collection[int] | None = None, limit: int = 50) -> list[tuple[EntityRow, int]]:
    """Other entities found in the same items (of the cases ``case_ids``, when given), with how many items they
    share, most shared first."""
    sql = ("SELECT e.id, e.type, e.value, e.display, count(*), count(DISTINCT o2.case_id),"
           " count(DISTINCT o2.item_id) FROM entity_occurrences o1"
           " JOIN entity_occurrences o2 ON o2.item_id = o1.item_id AND o2.entity_id != o1.entity_id"
           " JOIN entities e ON e.id = o2.entity_id WHERE o1.entity_id = ?")
    args: list[Any] = [entity_id]
    if types:
        sql += f" AND e.type IN ({','.join('?' * len(types))})"
        args.extend(types)
    if case_ids is not None:
        sql += f" AND o1.case_id IN ({_marks(case_ids)})"
        args.extend(sorted(case_ids))
    rows = vault.conn.execute(sql + " GROUP BY e.id ORDER BY count(DISTINCT o2.item_id) DESC, e.value LIMIT ?",
                              (*args, limit)).fetchall()
    return [(EntityRow(*r), int(r[6])) for r in rows]


def shared_items(vault: Vault, entity_ids: Sequence[int], *,
                 case_ids: Collection[int] | None = None) -> list[tuple[int, int, int]]:
    """(entity a, entity b, items they share) for every pair of the given entities that share an item (of the
    cases ``case_ids``, when given)."""
    if not entity_ids:
        return []
    marks = ",".join("?" * len(entity_ids))
    within, args = "", list[Any]()
    if case_ids is not None:
        within = f" AND o1.case_id IN ({_marks(case_ids)})"
        args = sorted(case_ids)
    return [(int(r[0]), int(r[1]), int(r[2])) for r in vault.conn.execute(
        f"SELECT o1.entity_id, o2.entity_id, count(DISTINCT o1.item_id) FROM entity_occurrences o1"
        f" JOIN entity_occurrences o2 ON o2.item_id = o1.item_id AND o2.entity_id > o1.entity_id"
        f" WHERE o1.entity_id IN ({marks}) AND o2.entity_id IN ({marks}){within}"
        f" GROUP BY o1.entity_id, o2.entity_id", (*entity_ids, *entity_ids, *args))]


def occurrence_cases(vault: Vault, entity_id: int) -> list[tuple[int, int]]:
    """(case id, occurrences) of every case where the entity occurs: counted, not shown."""
    return [(int(r[0]), int(r[1])) for r in vault.conn.execute(
        "SELECT case_id, count(*) FROM entity_occurrences WHERE entity_id = ? GROUP BY case_id ORDER BY case_id",
        (entity_id,))]


def get_entity(vault: Vault, entity_id: int) -> EntityRow:
    row = vault.conn.execute(
        "SELECT e.id, e.type, e.value, e.display, count(o.id), count(DISTINCT o.case_id), count(DISTINCT o.item_id)"
        " FROM entities e LEFT JOIN entity_occurrences o ON o.entity_id = e.id WHERE e.id = ? GROUP BY e.id",
        (entity_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no entity {entity_id}", message_vi=f"không có thực thể {entity_id}")
    return EntityRow(*row)
