"""Capture workers as the vault knows them: enrolled keys, the desk's own key, and dispatched tasks.

Workers run captures on other machines without a vault; what they send back is
trusted only through what is stored here (issue 19):

- **enrolled workers**: an examiner enrols a worker's Ed25519 public key by name. The ``worker.enroll`` custody
  entry is the pin: :func:`pinned_workers` reads the keys from the signed log (enrolments, minus revocations),
  not from a table a database editor could change, so a bundle is accepted only from a key the log vouches for;
- **the desk key**: an X25519 key pair (age) that bundles are sealed to, so the staging folder between workers
  and desk holds only ciphertext. Its private half lives in this (encrypted) database; the public half is
  written in the ``remote.desk_key`` entry that made it;
- **tasks**: every capture sent to the workers, by its id (derived from case, batch and target), with what
  became of it. A task is stored at most once: the row turns ``stored`` in the same transaction as the
  capture's items (:func:`mark_stored` inside ``vault.transaction()``), so a redelivered or repeated task
  finds it stored and its bundle is dropped as a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .canonical import iso_utc
from .errors import NotFoundError, UsageError
from .identity import ALGORITHMS, fingerprint

if TYPE_CHECKING:
    from .vault import Vault

ACTIVE, REVOKED = "active", "revoked"
DISPATCHED, STORED, FAILED, REFUSED = "dispatched", "stored", "failed", "refused"
TASK_STATUSES = (DISPATCHED, STORED, FAILED, REFUSED)


@dataclass(frozen=True)
class WorkerKey:
    name: str
    alg: str
    public_key: bytes
    status: str
    enrolled_at: str
    enrolled_by: str
    note: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.alg, self.public_key)

    def to_json(self) -> dict[str, Any]:
        import base64

        return {"name": self.name, "alg": self.alg, "public_key": base64.b64encode(self.public_key).decode("ascii"),
                "fingerprint": self.fingerprint, "status": self.status, "enrolled_at": self.enrolled_at,
                "enrolled_by": self.enrolled_by, "note": self.note}


@dataclass(frozen=True)
class TaskRow:
    task_id: str
    case_id: int
    batch: str
    target: str
    pipeline: str
    status: str
    item_id: int | None
    worker: str
    worker_fingerprint: str
    bundle_sha256: str
    dispatched_at: str
    dispatches: int
    finished_at: str | None
    error: str
    error_vi: str  # the same in Vietnamese (shown in the user's language)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


# -- workers ---------------------------------------------------------------------------------------------------------
def enrol_worker(vault: Vault, name: str, alg: str, public_key: bytes, *, note: str = "") -> WorkerKey:
    """Enrol a worker's public key under ``name`` (logged ``worker.enroll``: the pin)."""
    name = name.strip()
    if not name:
        raise UsageError("a worker needs a name", message_vi="máy thu thập cần có tên")
    if alg not in ALGORITHMS:
        raise UsageError(f"unknown key algorithm {alg!r}", message_vi=f"thuật toán khoá không hỗ trợ: {alg!r}")
    with vault._write():
        for row in vault.conn.execute("SELECT name, public_key, status FROM remote_workers"):
            if row[0] == name:
                raise UsageError(f"a worker named {name!r} is already enrolled ({row[2]}); choose another name",
                             message_vi=f"đã có máy thu thập tên {name!r} ({row[2]}); hãy chọn tên khác")
            if bytes(row[1]) == public_key:
                raise UsageError(f"this key is already enrolled as worker {row[0]!r} ({row[2]})",
                             message_vi=f"khoá này đã được đăng ký cho máy thu thập {row[0]!r} ({row[2]})")
        at = iso_utc()
        cur = vault.conn.execute(
            "INSERT INTO remote_workers (name, alg, public_key, fingerprint, enrolled_at, examiner_id, enrol_seq, note)"
            " VALUES (?, ?, ?, ?, ?, ?, -1, ?)",
            (name, alg, public_key, fingerprint(alg, public_key), at, vault.examiner.id, note))
        entry = vault.log("worker.enroll", details={"name": name, "alg": alg, "public_key": public_key.hex(),
                                                    "fingerprint": fingerprint(alg, public_key), "note": note})
        vault.conn.execute("UPDATE remote_workers SET enrol_seq = ? WHERE id = ?", (entry.seq, cur.lastrowid))
    return get_worker(vault, name)


def revoke_worker(vault: Vault, name: str, *, reason: str) -> WorkerKey:
    """No bundle signed by this worker's key is accepted from now on (logged ``worker.revoke``)."""
    if not reason.strip():
        raise UsageError("say why the worker is revoked (--reason)",
                         message_vi="hãy ghi lý do thu hồi máy thu thập")
    with vault._write():
        worker = get_worker(vault, name)
        if worker.status == REVOKED:
            raise UsageError(f"worker {name} was already revoked", message_vi=f"máy thu thập {name} đã bị thu hồi trước đó")
        vault.conn.execute("UPDATE remote_workers SET status = ?, revoked_at = ? WHERE name = ?",
                           (REVOKED, iso_utc(), worker.name))
        vault.log("worker.revoke", details={"name": worker.name, "alg": worker.alg,
                                            "public_key": worker.public_key.hex(), "fingerprint": worker.fingerprint,
                                            "reason": reason.strip()})
    return get_worker(vault, name)


_WORKER_COLUMNS = ("w.name, w.alg, w.public_key, w.status, w.enrolled_at, coalesce(e.name, ''), w.note "
                   "FROM remote_workers w LEFT JOIN examiners e ON e.id = w.examiner_id")


def _worker(row: Any) -> WorkerKey:
    return WorkerKey(row[0], row[1], bytes(row[2]), row[3], row[4], row[5], row[6])


def get_worker(vault: Vault, name: str) -> WorkerKey:
    row = vault.conn.execute(f"SELECT {_WORKER_COLUMNS} WHERE w.name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise NotFoundError(f"no worker named {name!r} is enrolled; `forensics worker list` shows them",
                            message_vi=f"không có máy thu thập nào tên {name!r} đã được đăng ký")
    return _worker(row)


def list_workers(vault: Vault) -> list[WorkerKey]:
    return [_worker(r) for r in vault.conn.execute(f"SELECT {_WORKER_COLUMNS} ORDER BY w.id")]


def pinned_workers(vault: Vault) -> dict[tuple[str, bytes], WorkerKey]:
    """The worker keys the custody log vouches for now: enrolled by a ``worker.enroll`` entry and not revoked
    by a later ``worker.revoke``, keyed by (algorithm, public key). The table only names them."""
    names = {(w.alg, w.public_key): w for w in list_workers(vault)}
    pinned: dict[tuple[str, bytes], WorkerKey] = {}
    for (action, text) in vault.conn.execute(
            "SELECT action, entry FROM custody WHERE action IN ('worker.enroll', 'worker.revoke') ORDER BY seq"):
        details = json.loads(text).get("details") or {}
        try:
            key = (str(details["alg"]), bytes.fromhex(str(details["public_key"])))
        except (KeyError, ValueError):
            continue
        if action == "worker.revoke":
            pinned.pop(key, None)
            continue
        row = names.get(key)
        pinned[key] = WorkerKey(str(details.get("name", "")), key[0], key[1], ACTIVE,
                                row.enrolled_at if row else "", row.enrolled_by if row else "", str(details.get("note", "")))
    return pinned


# -- the desk's key --------------------------------------------------------------------------------------------------
def desk_recipient(vault: Vault) -> str:
    """The desk's age recipient (``age1…``), made (and logged ``remote.desk_key``) on first use."""
    from . import age_seal

    row = vault.conn.execute("SELECT public_key FROM remote_desk_keys WHERE status = 'active' ORDER BY id DESC"
                             " LIMIT 1").fetchone()
    if row is not None:
        return str(row[0])
    with vault._write():
        row = vault.conn.execute("SELECT public_key FROM remote_desk_keys WHERE status = 'active' ORDER BY id DESC"
                                 " LIMIT 1").fetchone()
        if row is not None:
            return str(row[0])
        identity, recipient = age_seal.new_identity()
        vault.conn.execute("INSERT INTO remote_desk_keys (public_key, private_key, created_at) VALUES (?, ?, ?)",
                           (recipient, identity, iso_utc()))
        vault.log("remote.desk_key", details={"recipient": recipient,
                                              "purpose": "capture bundles from workers are sealed to this key"})
    return recipient


def desk_identities(vault: Vault) -> list[str]:
    """Every desk identity (``AGE-SECRET-KEY-1…``) this vault holds (newest first): a bundle sealed to any of them
    opens."""
    return [str(r[0]) for r in vault.conn.execute("SELECT private_key FROM remote_desk_keys ORDER BY id DESC")]


# -- tasks -----------------------------------------------------------------------------------------------------------
_TASK_COLUMNS = ("task_id, case_id, batch, target, pipeline, status, item_id, worker, worker_fingerprint, "
                 "bundle_sha256, dispatched_at, dispatches, finished_at, error, error_vi")


def _task(row: Any) -> TaskRow:
    return TaskRow(*row)


def record_dispatch(vault: Vault, tasks: Sequence[tuple[str, int, str, str, str]]) -> None:
    """(task id, case id, batch, target, pipeline) sent to the workers now; a task sent again counts its
    dispatches (a stored task stays stored)."""
    if not tasks:
        return
    at = iso_utc()
    with vault._write():
        vault.conn.executemany(
            "INSERT INTO remote_tasks (task_id, case_id, batch, target, pipeline, status, dispatched_at)"
            " VALUES (?, ?, ?, ?, ?, 'dispatched', ?) ON CONFLICT(task_id) DO UPDATE SET"
            " dispatches = dispatches + 1, dispatched_at = excluded.dispatched_at,"
            " status = CASE WHEN status = 'stored' THEN status ELSE 'dispatched' END,"
            " error = CASE WHEN status = 'stored' THEN error ELSE '' END,"
            " error_vi = CASE WHEN status = 'stored' THEN error_vi ELSE '' END",
            [(t[0], t[1], t[2], t[3], t[4], at) for t in tasks])


def get_task(vault: Vault, task_id: str) -> TaskRow | None:
    row = vault.conn.execute(f"SELECT {_TASK_COLUMNS} FROM remote_tasks WHERE task_id = ?", (task_id,)).fetchone()
    return None if row is None else _task(row)


def tasks(vault: Vault, *, case_id: int | None = None, batch: str | None = None,
          statuses: Iterable[str] = ()) -> list[TaskRow]:
    sql, args = f"SELECT {_TASK_COLUMNS} FROM remote_tasks WHERE 1=1", list[Any]()
    if case_id is not None:
        sql += " AND case_id = ?"
        args.append(case_id)
    if batch is not None:
        sql += " AND batch = ?"
        args.append(batch)
    wanted = list(statuses)
    if wanted:
        sql += f" AND status IN ({','.join('?' * len(wanted))})"
        args += wanted
    return [_task(r) for r in vault.conn.execute(sql + " ORDER BY dispatched_at, task_id", args)]


def task_counts(vault: Vault) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in vault.conn.execute("SELECT status, count(*) FROM remote_tasks GROUP BY status")}


def mark_stored(vault: Vault, task_id: str, *, case_id: int, batch: str, target: str, pipeline: str, item_id: int,
                worker: str, worker_fingerprint: str, bundle_sha256: str) -> None:
    """The task's capture is stored as ``item_id``. Call it inside the transaction that commits the items."""
    with vault._write():
        vault.conn.execute(
            "INSERT INTO remote_tasks (task_id, case_id, batch, target, pipeline, status, item_id, worker,"
            " worker_fingerprint, bundle_sha256, dispatched_at, finished_at) VALUES (?, ?, ?, ?, ?, 'stored', ?, ?, ?,"
            " ?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET status = 'stored', item_id = excluded.item_id,"
            " worker = excluded.worker, worker_fingerprint = excluded.worker_fingerprint,"
            " bundle_sha256 = excluded.bundle_sha256, finished_at = excluded.finished_at, error = '',"
            " error_vi = ''",
            (task_id, case_id, batch, target, pipeline, item_id, worker, worker_fingerprint, bundle_sha256, iso_utc(),
             iso_utc()))


def mark_unsuccessful(vault: Vault, task_id: str, status: str, error: str, error_vi: str, *, worker: str = "",
                      worker_fingerprint: str = "", bundle_sha256: str = "") -> TaskRow | None:
    """A task that failed on its worker, or whose bundle was refused, and why in English and Vietnamese; a stored
    task is never downgraded."""
    if status not in (FAILED, REFUSED):
        raise UsageError(f"a task ends {FAILED} or {REFUSED}, not {status!r}",
                         message_vi=f"nhiệm vụ chỉ kết thúc là {FAILED} hoặc {REFUSED}, không phải {status!r}")
    with vault._write():
        vault.conn.execute(
            "UPDATE remote_tasks SET status = ?, error = ?, error_vi = ?, worker = ?, worker_fingerprint = ?,"
            " bundle_sha256 = ?, finished_at = ? WHERE task_id = ? AND status != 'stored'",
            (status, error[:2000], error_vi[:2000], worker, worker_fingerprint, bundle_sha256, iso_utc(), task_id))
    return get_task(vault, task_id)
