"""Which cases an examiner may see in searches, entity cards and alerts (need-to-know).

A case's owner is its lead examiner (``cases.examiner_id``); the owner or a vault
administrator assigns other examiners to it. An examiner sees the content of the
cases they own or are assigned to; of the others, searches and entity lookups
say only how many hits there are and in how many cases, and whom to ask.

A vault with a single active examiner shows that examiner every case (they are
the whole team; this is how a vault behaved before case access existed).
In searches, entity cards and alerts administrators are not given every case:
like anyone else they are assigned, and assigning oneself is a custody entry like
any other. Opening a case's items (``items show``, a report, a timeline export,
the app's item views) is allowed to its owner, its assigned examiners and the
vault's administrators; anyone else is refused with the owner's name and the
refusal is logged in the case's custody log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .canonical import iso_utc
from .errors import UsageError

if TYPE_CHECKING:
    from .models import Case, Item
    from .vault import Vault

OWNER, ASSIGNED = "owner", "assigned"


@dataclass(frozen=True)
class Member:
    """An examiner who may see a case, and why."""

    examiner: str
    role: str  # owner | assigned
    added_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {"examiner": self.examiner, "role": self.role, "added_at": self.added_at}


def _me(vault: Vault) -> Any:
    return vault._examiner_row


def everything_visible(vault: Vault) -> bool:
    """A lone examiner (one active examiner in the vault) sees every case."""
    return int(vault.conn.execute("SELECT count(*) FROM examiners WHERE status = 'active'").fetchone()[0]) <= 1


def visible_case_ids(vault: Vault) -> frozenset[int] | None:
    """Ids of the cases the examiner of this session may see; ``None`` when they may see every case."""
    if everything_visible(vault):
        return None
    me = int(_me(vault)["id"])
    return frozenset(int(r[0]) for r in vault.conn.execute(
        "SELECT id FROM cases WHERE examiner_id = ? UNION SELECT case_id FROM case_examiners WHERE examiner_id = ?",
        (me, me)))


def may_see(vault: Vault, case_id: int) -> bool:
    visible = visible_case_ids(vault)
    return visible is None or case_id in visible


def owner_names(vault: Vault, case_ids: Iterable[int]) -> dict[int, str]:
    """The owner (lead examiner) of each case: whom to ask for access."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return {int(r[0]): str(r[1] or "") for r in vault.conn.execute(
        f"SELECT c.id, e.name FROM cases c LEFT JOIN examiners e ON e.id = c.examiner_id"
        f" WHERE c.id IN ({','.join('?' * len(ids))})", ids)}


def may_reach(vault: Vault, case_id: int) -> bool:
    """Whether this session's examiner may open the case's items by naming them: its owner, an examiner assigned
    to it, or a vault administrator (lists across cases still show an administrator only their cases)."""
    return _me(vault)["role"] == "admin" or may_see(vault, case_id)


def reachable_case_ids(vault: Vault) -> frozenset[int] | None:
    """Ids of the cases whose items this session may open; ``None`` when every case."""
    if _me(vault)["role"] == "admin":
        return None
    return visible_case_ids(vault)


def require_visible(vault: Vault, case: Case, reach: str = "", *, item: Item | None = None) -> None:
    """Refuse, naming the owner to ask, when this session's examiner may not reach ``case`` (or its ``item``).

    The refusal is a custody entry of the case (``case.access_refused``, with what was asked for): an attempt to
    reach evidence is an action touching it, and the owner sees who tried."""
    if may_reach(vault, case.id):
        return
    me = _me(vault)
    vault.log("case.access_refused", case=case, item=item,
              details={"examiner": me["name"], "uid": me["uid"], "reach": reach or "case"})
    owner = case.examiner or "?"
    raise UsageError(f"you ({me['name']}) are not assigned to case {case.number}: ask its owner, {owner}, "
                     "to assign you",
                     message_vi=f"bạn ({me['name']}) chưa được phân công vào vụ việc {case.number}: hãy đề nghị "
                                f"cán bộ chủ trì, {owner}, phân công bạn")


def members(vault: Vault, case: Case) -> list[Member]:
    """The owner first, then the examiners assigned, in the order they were assigned."""
    out = [Member(case.examiner, OWNER, case.created_at)] if case.examiner else []
    out.extend(Member(str(r[0]), ASSIGNED, str(r[1])) for r in vault.conn.execute(
        "SELECT e.name, a.added_at FROM case_examiners a JOIN examiners e ON e.id = a.examiner_id"
        " WHERE a.case_id = ? ORDER BY a.added_at, e.name", (case.id,)))
    return out


def _examiner(vault: Vault, name: str) -> Any:
    row = vault.conn.execute("SELECT id, uid, name, status FROM examiners WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise UsageError(f"no examiner named {name!r}", message_vi=f"không có cán bộ tên {name!r}",
                         remedy="examiner_list")
    if row["status"] != "active":
        raise UsageError(f"examiner {row['name']} was removed from this vault",
                         message_vi=f"cán bộ {row['name']} đã bị xoá khỏi kho này")
    return row


def _authority(vault: Vault, case_id: int) -> str:
    """Why this session may change who sees the case (its owner, or an administrator), or a refusal."""
    me = _me(vault)
    row = vault.conn.execute("SELECT examiner_id, number FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row["examiner_id"] == me["id"]:
        return OWNER
    if me["role"] == "admin":
        return "admin"
    raise UsageError(f"only the owner of case {row['number']} or an administrator may change who is assigned to it",
                     message_vi=f"chỉ cán bộ chủ trì vụ việc {row['number']} hoặc quản trị viên mới được thay đổi phân "
                                "công vụ việc này")


def assign(vault: Vault, case: Case, examiner: str) -> Member:
    """Let ``examiner`` see the case (a custody entry)."""
    with vault._write():
        return _assign(vault, case, _examiner(vault, examiner), _authority(vault, case.id))


def keep_creator(vault: Vault, case: Case) -> Member:
    """The examiner who just opened ``case`` for another lead stays assigned to it."""
    with vault._write():
        return _assign(vault, case, _me(vault), "creator")


def _assign(vault: Vault, case: Case, row: Any, by: str) -> Member:
    owner = vault.conn.execute("SELECT examiner_id FROM cases WHERE id = ?", (case.id,)).fetchone()[0]
    if row["id"] == owner or vault.conn.execute(
            "SELECT 1 FROM case_examiners WHERE case_id = ? AND examiner_id = ?", (case.id, row["id"])).fetchone():
        raise UsageError(f"{row['name']} already has access to case {case.number}",
                         message_vi=f"{row['name']} đã có quyền truy cập vụ việc {case.number}")
    now = iso_utc()
    vault.conn.execute("INSERT INTO case_examiners (case_id, examiner_id, added_at, added_by) VALUES (?, ?, ?, ?)",
                       (case.id, row["id"], now, _me(vault)["id"]))
    vault.log("case.assign", case=case, details={"examiner": row["name"], "uid": row["uid"], "by": by})
    return Member(str(row["name"]), ASSIGNED, now)


def unassign(vault: Vault, case: Case, examiner: str) -> None:
    """Take an assigned examiner's access to the case away (a custody entry); the owner cannot be unassigned."""
    with vault._write():
        by = _authority(vault, case.id)
        row = _examiner_any(vault, examiner)
        gone = vault.conn.execute("DELETE FROM case_examiners WHERE case_id = ? AND examiner_id = ?",
                                  (case.id, row["id"])).rowcount
        if not gone:
            raise UsageError(f"{row['name']} is not assigned to case {case.number} (an owner is changed, not unassigned)",
                             message_vi=f"{row['name']} không được phân công vào vụ việc {case.number} (cán bộ chủ trì "
                                        "được thay, không bị bỏ phân công)")
        vault.log("case.unassign", case=case, details={"examiner": row["name"], "uid": row["uid"], "by": by})


def _examiner_any(vault: Vault, name: str) -> Any:
    row = vault.conn.execute("SELECT id, uid, name FROM examiners WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise UsageError(f"no examiner named {name!r}", message_vi=f"không có cán bộ tên {name!r}",
                         remedy="examiner_list")
    return row


def set_owner(vault: Vault, case: Case, examiner: str) -> None:
    """Hand the case to another lead examiner (a custody entry); the previous owner stays assigned to it."""
    with vault._write():
        by = _authority(vault, case.id)
        row = _examiner(vault, examiner)
        old = vault.conn.execute("SELECT examiner_id FROM cases WHERE id = ?", (case.id,)).fetchone()[0]
        if old == row["id"]:
            raise UsageError(f"{row['name']} already owns case {case.number}",
                             message_vi=f"{row['name']} đã là cán bộ chủ trì vụ việc {case.number}")
        now = iso_utc()
        vault.conn.execute("UPDATE cases SET examiner_id = ? WHERE id = ?", (row["id"], case.id))
        vault.conn.execute("DELETE FROM case_examiners WHERE case_id = ? AND examiner_id = ?", (case.id, row["id"]))
        if old is not None:
            vault.conn.execute("INSERT OR IGNORE INTO case_examiners (case_id, examiner_id, added_at, added_by)"
                               " VALUES (?, ?, ?, ?)", (case.id, old, now, _me(vault)["id"]))
        previous = vault.conn.execute("SELECT name FROM examiners WHERE id = ?", (old,)).fetchone()
        vault.log("case.owner", case=case, details={"from": previous[0] if previous else None, "to": row["name"],
                                                    "uid": row["uid"], "by": by})
