"""The monitoring desk's records: watches, their checks (runs), payload digests and alerts.

A watch's schedule lives here (``next_due``): the table is the scheduler's source
of truth, so a monitor that was stopped or killed picks up where it was. Every
change to a watch and every finished check is a custody entry in the same
transaction as the change. Monitoring alerts are kept beside the entity alerts
of :mod:`.entity_store` (whose rows belong to an entity watch list entry);
``forensics_app.services.alerts`` shows both as one list.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .canonical import iso_utc
from .errors import NotFoundError, UsageError, VaultBusyError
from .lock import _try_lock, _unlock

if TYPE_CHECKING:
    from .models import Case
    from .vault import Vault

ACTIVE, PAUSED, REMOVED = "active", "paused", "removed"
WATCH_STATUSES = (ACTIVE, PAUSED, REMOVED)  # every status a watch can have (the desk shows each in words)
HEALTHS = ("ok", "failing")  # every health the checks write (services/monitor_judge.py)
RUNNING, INTERRUPTED = "running", "interrupted"
MONITOR_LOCK = "monitor.lock"
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


@dataclass(frozen=True)
class WatchRow:
    id: int
    uid: str
    case_id: int
    target: str
    kind: str
    config: dict[str, Any]
    status: str
    health: str
    failures: int
    gone_streak: int
    removed_at: str | None
    next_due: str | None
    last_run: str | None
    last_change: str | None
    baseline_item_id: int | None
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "case_id": self.case_id, "target": self.target, "kind": self.kind,
                "config": self.config, "status": self.status, "health": self.health, "failures": self.failures,
                "gone_streak": self.gone_streak, "removed_at": self.removed_at, "next_due": self.next_due,
                "last_run": self.last_run, "last_change": self.last_change,
                "baseline_item_id": self.baseline_item_id, "created_at": self.created_at}


_WATCH_COLUMNS = ("id, uid, case_id, target, kind, config, status, health, failures, gone_streak, removed_at,"
                  " next_due, last_run, last_change, baseline_item_id, created_at")


def _watch(row: Any) -> WatchRow:
    return WatchRow(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), *row[6:16])


@dataclass(frozen=True)
class RunRow:
    id: int
    watch_id: int
    due_at: str
    started_at: str
    finished_at: str | None
    status: str
    reason: str
    summary: str
    capture_item_id: int | None
    items: list[int]
    facts: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "watch_id": self.watch_id, "due_at": self.due_at, "started_at": self.started_at,
                "finished_at": self.finished_at, "status": self.status, "reason": self.reason,
                "summary": self.summary, "capture_item_id": self.capture_item_id, "items": self.items,
                "facts": self.facts}


_RUN_COLUMNS = "id, watch_id, due_at, started_at, finished_at, status, reason, summary, capture_item_id, items, facts"


def _run(row: Any) -> RunRow:
    return RunRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], json.loads(row[9]),
                  json.loads(row[10]))


@dataclass(frozen=True)
class MonitorAlert:
    id: int
    watch_id: int
    case_id: int
    run_id: int | None
    item_id: int | None
    kind: str
    summary: str
    created_at: str
    read_at: str | None
    delivered: dict[str, str]
    target: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "watch_id": self.watch_id, "case_id": self.case_id, "run_id": self.run_id,
                "item_id": self.item_id, "kind": self.kind, "summary": self.summary, "created_at": self.created_at,
                "read_at": self.read_at, "delivered": self.delivered, "target": self.target}


@dataclass
class RunResult:
    """What a finished check stores: its row, what changes on the watch, the alerts it raises."""

    status: str
    reason: str = ""
    summary: str = ""
    capture_item_id: int | None = None
    items: list[int] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    watch: dict[str, Any] = field(default_factory=dict)  # column -> new value (failures, health, last_change …)
    alerts: list[tuple[str, str, int | None]] = field(default_factory=list)  # (kind, summary, item id)
    payloads: list[tuple[str, str, str, str, int]] = field(default_factory=list)  # digest, record, url, date, item


_WATCH_UPDATABLE = {"failures", "health", "gone_streak", "removed_at", "last_change", "baseline_item_id", "next_due",
                    "status"}


# -- watches ----------------------------------------------------------------------------------------------------
def add_watches(vault: Vault, case: Case, specs: Sequence[tuple[str, str, dict[str, Any], str]]) -> list[WatchRow]:
    """New watches (target, kind, config, first due time) in one transaction, each logged."""
    case.require_open("watching for it", "theo dõi cho vụ việc này")
    ids = []
    with vault._write():
        for target, kind, config, next_due in specs:
            uid = str(uuid.uuid4())
            cur = vault.conn.execute(
                "INSERT INTO monitor_watches (uid, case_id, target, kind, config, next_due, created_at, examiner_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (uid, case.id, target, kind, _encode(config), next_due, iso_utc(), vault.signer.examiner_id))
            ids.append(int(cur.lastrowid))
            vault.log("monitor.watch.add", case=case, details={"watch": uid, "watch_id": ids[-1], "target": target,
                                                               "kind": kind, "config": config, "next_due": next_due})
    return [get_watch(vault, i) for i in ids]


def get_watch(vault: Vault, ref: int | str) -> WatchRow:
    text = str(ref).strip()
    row = vault.conn.execute(f"SELECT {_WATCH_COLUMNS} FROM monitor_watches WHERE uid = ?", (text,)).fetchone()
    if row is None and text.isdigit() and int(text) < 1 << 63:
        row = vault.conn.execute(f"SELECT {_WATCH_COLUMNS} FROM monitor_watches WHERE id = ?", (int(text),)).fetchone()
    if row is None:
        raise NotFoundError(f"no watch {text[:40]!r} in this vault",
                            message_vi=f"không có mục theo dõi {text[:40]!r} trong kho này",
                            remedy="watch_list")
    return _watch(row)


def list_watches(vault: Vault, *, case_id: int | None = None, include_removed: bool = False) -> list[WatchRow]:
    sql, args = f"SELECT {_WATCH_COLUMNS} FROM monitor_watches WHERE 1=1", list[Any]()
    if case_id is not None:
        sql += " AND case_id = ?"
        args.append(case_id)
    if not include_removed:
        sql += " AND status != 'removed'"
    return [_watch(r) for r in vault.conn.execute(sql + " ORDER BY id", args)]


def set_watch_status(vault: Vault, ref: int | str, status: str, *, next_due: str | None = None,
                     reason: str = "") -> WatchRow:
    """Pause, resume or remove a watch (its checks and evidence stay); logged."""
    if status not in (ACTIVE, PAUSED, REMOVED):
        raise UsageError(f"unknown watch status {status!r}", message_vi=f"trạng thái theo dõi không xác định {status!r}")
    with vault._write():
        watch = get_watch(vault, ref)
        if watch.status == REMOVED:
            raise UsageError(f"watch {watch.id} was removed; add a new watch instead",
                             message_vi=f"mục theo dõi {watch.id} đã bị xoá; hãy thêm mục theo dõi mới")
        vault.conn.execute("UPDATE monitor_watches SET status = ?, next_due = coalesce(?, next_due) WHERE id = ?",
                           (status, next_due, watch.id))
        action = {ACTIVE: "monitor.watch.resume", PAUSED: "monitor.watch.pause", REMOVED: "monitor.watch.remove"}[status]
        vault.log(action, case=vault.get_case(watch.case_id),
                  details={"watch": watch.uid, "watch_id": watch.id, "previous": watch.status, "reason": reason,
                           "next_due": next_due})
    return get_watch(vault, watch.id)


def due_watches(vault: Vault, now: str, limit: int = 10_000) -> list[WatchRow]:
    """Active watches whose next check time has come, earliest first."""
    rows = vault.conn.execute(f"SELECT {_WATCH_COLUMNS} FROM monitor_watches WHERE status = 'active'"
                              " AND next_due IS NOT NULL AND next_due <= ? ORDER BY next_due, id LIMIT ?",
                              (now, limit))
    return [_watch(r) for r in rows]


def next_due_time(vault: Vault) -> str | None:
    row = vault.conn.execute("SELECT min(next_due) FROM monitor_watches WHERE status = 'active'").fetchone()
    return str(row[0]) if row and row[0] else None


# -- runs -------------------------------------------------------------------------------------------------------
def start_run(vault: Vault, watch: WatchRow, due_at: str, next_due: str, facts: dict[str, Any] | None = None) -> int:
    """Record that a check starts and move the watch's next time on (so a crash cannot fire it twice)."""
    with vault._write():
        cur = vault.conn.execute("INSERT INTO monitor_runs (watch_id, due_at, started_at, status, facts)"
                                 " VALUES (?, ?, ?, ?, ?)", (watch.id, due_at, iso_utc(), RUNNING,
                                                             _encode(facts or {})))
        vault.conn.execute("UPDATE monitor_watches SET next_due = ?, last_run = ? WHERE id = ?",
                           (next_due, due_at, watch.id))
    return int(cur.lastrowid)


def finish_run(vault: Vault, run_id: int, result: RunResult) -> RunRow:
    """Store a check's outcome, the watch's new state, its alerts and payload digests: one transaction, logged."""
    unknown = set(result.watch) - _WATCH_UPDATABLE
    if unknown:
        raise UsageError(f"cannot change {', '.join(sorted(unknown))} of a watch here",
                         message_vi=f"không thể thay đổi {', '.join(sorted(unknown))} của mục theo dõi tại đây")
    with vault._write():
        run = get_run(vault, run_id)
        watch = get_watch(vault, run.watch_id)
        facts = {**run.facts, **result.facts}
        vault.conn.execute(
            "UPDATE monitor_runs SET finished_at = ?, status = ?, reason = ?, summary = ?, capture_item_id = ?,"
            " items = ?, facts = ? WHERE id = ?",
            (iso_utc(), result.status, result.reason, result.summary, result.capture_item_id, _encode(result.items),
             _encode(facts), run_id))
        for column, value in result.watch.items():
            vault.conn.execute(f"UPDATE monitor_watches SET {column} = ? WHERE id = ?", (value, watch.id))
        alert_ids = []
        for kind, summary, item_id in result.alerts:
            cur = vault.conn.execute("INSERT INTO monitor_alerts (watch_id, case_id, run_id, item_id, kind, summary,"
                                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     (watch.id, watch.case_id, run_id, item_id, kind, summary, iso_utc()))
            alert_ids.append(int(cur.lastrowid))
        vault.conn.executemany("INSERT OR IGNORE INTO monitor_payloads (digest, record_id, url, warc_date, item_id)"
                               " VALUES (?, ?, ?, ?, ?)", result.payloads)
        vault.log("monitor.check", case=vault.get_case(watch.case_id), details={
            "watch": watch.uid, "watch_id": watch.id, "run": run_id, "due_at": run.due_at, "status": result.status,
            "reason": result.reason, "summary": result.summary, "capture_item": result.capture_item_id,
            "items": result.items, "alerts": alert_ids, "watch_changes": result.watch,
            "egress": facts.get("egress")})
    return get_run(vault, run_id)


def get_run(vault: Vault, run_id: int) -> RunRow:
    row = vault.conn.execute(f"SELECT {_RUN_COLUMNS} FROM monitor_runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no check {run_id} in this vault", message_vi=f"không có lần kiểm tra {run_id} trong kho này")
    return _run(row)


def runs(vault: Vault, watch_id: int, *, limit: int = 10_000) -> list[RunRow]:
    return [_run(r) for r in vault.conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM monitor_runs WHERE watch_id = ? ORDER BY id LIMIT ?", (watch_id, limit))]


def last_finished_runs(vault: Vault, watch_id: int, count: int) -> list[RunRow]:
    """The latest ``count`` finished checks of a watch, newest first."""
    return [_run(r) for r in vault.conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM monitor_runs WHERE watch_id = ? AND finished_at IS NOT NULL"
        " AND status != 'interrupted' ORDER BY id DESC LIMIT ?", (watch_id, count))]


def unfinished_runs(vault: Vault) -> list[RunRow]:
    return [_run(r) for r in vault.conn.execute(f"SELECT {_RUN_COLUMNS} FROM monitor_runs WHERE status = ?"
                                                " ORDER BY id", (RUNNING,))]


def payload_index(vault: Vault) -> dict[str, dict[str, str]]:
    """Payload digest -> the first response record that held it (for WARC revisit records)."""
    return {r[0]: {"id": r[1], "url": r[2], "date": r[3]} for r in vault.conn.execute(
        "SELECT digest, record_id, url, warc_date FROM monitor_payloads")}


# -- alerts -----------------------------------------------------------------------------------------------------
def alerts(vault: Vault, *, unread_only: bool = False, case_id: int | None = None, watch_id: int | None = None,
           undelivered: str | None = None, limit: int = 1000) -> list[MonitorAlert]:
    sql = ("SELECT a.id, a.watch_id, a.case_id, a.run_id, a.item_id, a.kind, a.summary, a.created_at, a.read_at,"
           " a.delivered, w.target FROM monitor_alerts a JOIN monitor_watches w ON w.id = a.watch_id WHERE 1=1")
    args: list[Any] = []
    if unread_only:
        sql += " AND a.read_at IS NULL"
    if case_id is not None:
        sql += " AND a.case_id = ?"
        args.append(case_id)
    if watch_id is not None:
        sql += " AND a.watch_id = ?"
        args.append(watch_id)
    if undelivered is not None:
        sql += " AND json_extract(a.delivered, ?) IS NULL"
        args.append(f"$.{undelivered}")
    rows = vault.conn.execute(sql + " ORDER BY a.id LIMIT ?", (*args, limit))
    return [MonitorAlert(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]), r[10]) for r in rows]


def mark_read(vault: Vault, alert_ids: Sequence[int]) -> int:
    if not alert_ids:
        return 0
    with vault._write():
        marks = ",".join("?" * len(alert_ids))
        done = vault.conn.execute(f"UPDATE monitor_alerts SET read_at = ? WHERE id IN ({marks}) AND read_at IS NULL",
                                  (iso_utc(), *alert_ids)).rowcount
        vault.log("monitor.alert.read", details={"alerts": list(alert_ids)})
    return int(done)


def mark_delivered(vault: Vault, alert_ids: Sequence[int], channel: str, details: dict[str, Any]) -> None:
    """Alerts sent out of the vault (e-mail, webhook): which, where and when, logged (not their text)."""
    if not alert_ids:
        return
    now = iso_utc()
    with vault._write():
        for alert_id in alert_ids:
            vault.conn.execute("UPDATE monitor_alerts SET delivered = json_set(delivered, ?, ?) WHERE id = ?",
                               (f"$.{channel}", now, alert_id))
        vault.log("monitor.alert.deliver", details={"channel": channel, "alerts": list(alert_ids), **details})


# -- statistics -------------------------------------------------------------------------------------------------
def period_counts(vault: Vault, start: str, end: str) -> dict[str, Any]:
    """What the statistics report counts for monitoring in [start, end)."""
    conn = vault.conn

    def one(sql: str, *args: Any) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    statuses = {str(s): int(n) for s, n in conn.execute(
        "SELECT status, count(*) FROM monitor_runs WHERE started_at >= ? AND started_at < ? GROUP BY status",
        (start, end))}
    return {
        "watches_added": one("SELECT count(*) FROM monitor_watches WHERE created_at >= ? AND created_at < ?", start, end),
        "watches_active": one("SELECT count(*) FROM monitor_watches WHERE status = 'active' AND created_at < ?", end),
        "checks": sum(statuses.values()),
        "checks_by_status": statuses,
        "removals": one("SELECT count(*) FROM monitor_watches WHERE removed_at >= ? AND removed_at < ?", start, end),
        "alerts": one("SELECT count(*) FROM monitor_alerts WHERE created_at >= ? AND created_at < ?", start, end),
    }


# -- one monitor per vault --------------------------------------------------------------------------------------
class MonitorLock:
    """Held by the running monitor: a second ``forensics monitor`` on the same vault is refused (the desktop app
    and other commands still write, each transaction under the vault's writer lock)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / MONITOR_LOCK
        self._fd: int | None = None

    def __enter__(self) -> MonitorLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            try:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another process"
            finally:
                os.close(fd)
            raise VaultBusyError(f"a monitor is already running for this vault ({holder}); one at a time",
                                 message_vi=f"đã có một tiến trình giám sát đang chạy cho kho này ({holder}); mỗi lúc chỉ một")
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()} since {iso_utc()}".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def json_list(values: Iterable[Any]) -> str:
    return _encode(list(values))


def add_run_items(vault: Vault, run_id: int, item_ids: Sequence[int], why: str) -> None:
    """Items a check caused after it was judged (new posts captured): added to its row, logged."""
    if not item_ids:
        return
    with vault._write():
        run = get_run(vault, run_id)
        watch = get_watch(vault, run.watch_id)
        vault.conn.execute("UPDATE monitor_runs SET items = ? WHERE id = ?",
                           (_encode([*run.items, *item_ids]), run_id))
        vault.log("monitor.check.items", case=vault.get_case(watch.case_id),
                  details={"watch": watch.uid, "run": run_id, "items": list(item_ids), "why": why})


def period_events(vault: Vault, start: str, end: str) -> dict[str, list[tuple[Any, ...]]]:
    """Dated monitoring events in [start, end) with their case, for statistics per period."""
    conn = vault.conn
    return {
        "runs": [tuple(r) for r in conn.execute(
            "SELECT r.started_at, r.status, w.case_id FROM monitor_runs r JOIN monitor_watches w ON w.id = r.watch_id"
            " WHERE r.started_at >= ? AND r.started_at < ? ORDER BY r.id", (start, end))],
        "alerts": [tuple(r) for r in conn.execute(
            "SELECT created_at, kind, case_id FROM monitor_alerts WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (start, end))],
        "watches": [tuple(r) for r in conn.execute(
            "SELECT created_at, status, case_id FROM monitor_watches WHERE created_at < ? ORDER BY id", (end,))],
    }
