"""The register of community reports (tin báo): received, assessed, linked to a case, acted on.

A report's reporter is protected: only the examiner who registered it, its
assessor and the vault's administrators see who it was; everyone else sees that
a reporter was recorded. Reading it is logged. The custody log, reports and
statistics never hold the reporter, only that one was recorded: a report
package may leave the unit, a reporter's name must not.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .canonical import iso_utc
from .errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from .models import Case
    from .vault import Vault

CHANNELS = ("hotline", "email", "web_form", "in_person", "agency", "social_media", "other")
STATUSES = ("received", "assessing", "violation", "no_violation", "handled")
NEXT = {"received": ("assessing",), "assessing": ("violation", "no_violation", "received"),
        "violation": ("handled", "assessing"), "no_violation": ("handled", "assessing"), "handled": ()}
PROTECTED = "(protected)"


@dataclass(frozen=True)
class TipRow:
    id: int
    uid: str
    received_at: str
    channel: str
    reporter: dict[str, Any]  # {} when anonymous; {"protected": True} when withheld from the reader
    urls: list[str]
    text: str
    status: str
    outcome: str | None
    assessor: str | None
    note: str
    case_id: int | None
    attachments: list[int]
    created_at: str
    updated_at: str
    registered_by: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "received_at": self.received_at, "channel": self.channel,
                "reporter": self.reporter, "urls": self.urls, "text": self.text, "status": self.status,
                "outcome": self.outcome, "assessor": self.assessor, "note": self.note, "case_id": self.case_id,
                "attachments": self.attachments, "created_at": self.created_at, "updated_at": self.updated_at,
                "registered_by": self.registered_by}


_COLUMNS = ("t.id, t.uid, t.received_at, t.channel, t.reporter, t.urls, t.text, t.status, t.outcome, a.name, t.note,"
            " t.case_id, t.attachments, t.created_at, t.updated_at, r.name, t.examiner_id, t.assessor_id")
_FROM = "FROM tips t JOIN examiners r ON r.id = t.examiner_id LEFT JOIN examiners a ON a.id = t.assessor_id"


def may_see_reporter(vault: Vault, row: Any) -> bool:
    me = vault.examiner
    return me.role == "admin" or me.id in (row[16], row[17])


def _row(vault: Vault, row: Any, reveal: bool) -> TipRow:
    reporter = json.loads(row[4])
    if reporter and not (reveal and may_see_reporter(vault, row)):
        reporter = {"protected": True}
    return TipRow(row[0], row[1], row[2], row[3], reporter, json.loads(row[5]), row[6], row[7], row[8], row[9],
                  row[10], row[11], json.loads(row[12]), row[13], row[14], row[15])


def _find(vault: Vault, ref: int | str) -> Any:
    text = str(ref).strip()
    row = vault.conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE t.uid = ?", (text,)).fetchone()
    if row is None and text.isdigit() and int(text) < 1 << 63:
        row = vault.conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE t.id = ?", (int(text),)).fetchone()
    if row is None:
        raise NotFoundError(f"no community report {text[:40]!r} in this vault",
                            message_vi=f"không có tin báo {text[:40]!r} trong kho này",
                            remedy="tip_list")
    return row


def add_tip(vault: Vault, *, uid: str | None = None, received_at: str, channel: str, reporter: dict[str, Any],
            urls: Sequence[str], text: str, attachments: Sequence[int] = ()) -> TipRow:
    if channel not in CHANNELS:
        raise UsageError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}",
                         message_vi=f"kênh không xác định {channel!r}; dùng một trong {', '.join(CHANNELS)}")
    if not urls and not text.strip() and not attachments:
        raise UsageError("a community report needs reported addresses, text or attachments",
                         message_vi="tin báo cần có địa chỉ bị báo cáo, nội dung hoặc tệp đính kèm")
    reporter = {k: str(v).strip() for k, v in reporter.items() if str(v or "").strip()}
    uid = uid or str(uuid.uuid4())
    now = iso_utc()
    with vault._write():
        cur = vault.conn.execute(
            "INSERT INTO tips (uid, received_at, channel, reporter, urls, text, attachments, created_at, updated_at,"
            " examiner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, received_at, channel, json.dumps(reporter, ensure_ascii=False), json.dumps(list(urls)), text,
             json.dumps(list(attachments)), now, now, vault.signer.examiner_id))
        vault.log("tip.add", details={
            "tip": uid, "tip_id": int(cur.lastrowid), "received_at": received_at, "channel": channel,
            "urls": list(urls), "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "attachments": list(attachments), "reporter": "recorded (protected)" if reporter else "anonymous"})
    return get_tip(vault, uid)


def get_tip(vault: Vault, ref: int | str, *, reveal: bool = False) -> TipRow:
    row = _find(vault, ref)
    tip = _row(vault, row, reveal)
    if reveal:
        if not may_see_reporter(vault, row):
            raise UsageError("only the examiner who registered this report, its assessor or an administrator may "
                             "see its reporter",
                             message_vi="chỉ cán bộ đã tiếp nhận tin báo này, người đánh giá hoặc quản trị viên mới được xem "
                                        "người báo tin")
        if tip.reporter:
            vault.log("tip.reporter.view", details={"tip": tip.uid})
    return tip


def list_tips(vault: Vault, *, status: str | None = None, case_id: int | None = None) -> list[TipRow]:
    sql, args = f"SELECT {_COLUMNS} {_FROM} WHERE 1=1", list[Any]()
    if status:
        sql += " AND t.status = ?"
        args.append(status)
    if case_id is not None:
        sql += " AND t.case_id = ?"
        args.append(case_id)
    return [_row(vault, r, False) for r in vault.conn.execute(sql + " ORDER BY t.received_at, t.id", args)]


def assess(vault: Vault, ref: int | str, status: str, note: str = "") -> TipRow:
    """Move a report along received → assessing → violation / no violation → handled; you become its assessor."""
    if status not in STATUSES:
        raise UsageError(f"unknown status {status!r}; one of {', '.join(STATUSES)}",
                         message_vi=f"trạng thái không xác định {status!r}; dùng một trong {', '.join(STATUSES)}")
    with vault._write():
        row = _find(vault, ref)
        current = row[7]
        if status not in NEXT[current]:
            allowed = ", ".join(NEXT[current]) or "none (handled is final)"
            raise UsageError(f"a report that is {current} cannot become {status}; next: {allowed}",
                             message_vi=f"tin báo đang ở trạng thái {current} không thể chuyển sang {status}; tiếp theo: "
                                        f"{allowed}")
        outcome = status if status in ("violation", "no_violation") else row[8]
        vault.conn.execute("UPDATE tips SET status = ?, outcome = ?, assessor_id = ?, note = CASE WHEN ? = '' THEN"
                           " note ELSE ? END, updated_at = ? WHERE id = ?",
                           (status, outcome, vault.signer.examiner_id, note, note, iso_utc(), row[0]))
        vault.log("tip.assess", case=vault.get_case(row[11]) if row[11] else None,
                  details={"tip": row[1], "from": current, "to": status, "outcome": outcome, "note": note})
    return get_tip(vault, row[1])


def link(vault: Vault, ref: int | str, case: Case) -> TipRow:
    with vault._write():
        row = _find(vault, ref)
        vault.conn.execute("UPDATE tips SET case_id = ?, updated_at = ? WHERE id = ?", (case.id, iso_utc(), row[0]))
        vault.log("tip.link", case=case, details={"tip": row[1], "previous_case": row[11]})
    return get_tip(vault, row[1])


def log_action(vault: Vault, ref: int | str, case: Case, details: dict[str, Any]) -> None:
    """What was done from a report (captures, watches), linked to it in the custody log."""
    row = _find(vault, ref)
    vault.log("tip.act", case=case, details={"tip": row[1], **details})


def period_counts(vault: Vault, start: str, end: str) -> dict[str, Any]:
    """Reports received in [start, end): by status, outcome and channel (never who reported)."""
    def grouped(column: str) -> dict[str, int]:
        return {str(k): int(n) for k, n in vault.conn.execute(
            f"SELECT coalesce({column}, 'none'), count(*) FROM tips WHERE received_at >= ? AND received_at < ?"
            f" GROUP BY 1", (start, end))}

    by_status = grouped("status")
    return {"received": sum(by_status.values()), "by_status": by_status, "by_outcome": grouped("outcome"),
            "by_channel": grouped("channel"),
            "linked_to_case": int(vault.conn.execute(
                "SELECT count(*) FROM tips WHERE received_at >= ? AND received_at < ? AND case_id IS NOT NULL",
                (start, end)).fetchone()[0])}


def period_rows(vault: Vault, start: str, end: str) -> list[tuple[str, str, str | None, str, int | None]]:
    """(received_at, status, outcome, channel, case id) of the reports received in [start, end)."""
    return [(r[0], r[1], r[2], r[3], r[4]) for r in vault.conn.execute(
        "SELECT received_at, status, outcome, channel, case_id FROM tips WHERE received_at >= ? AND received_at < ?"
        " ORDER BY received_at", (start, end))]
