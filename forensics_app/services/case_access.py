"""Need-to-know across cases: who is assigned to a case, and what a search or lookup says about the others.

An examiner sees the content (snippets, places, items) of the cases they own or
are assigned to. Hits in any other case are counted, never shown and never
dropped in silence: "3 hits in 1 case you are not assigned to (ask the case
owner: Trần Văn B)". A vault with one active examiner shows every case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evidence_store import Case, Item, Vault, case_access
from evidence_store.case_access import Member

#: what was counted -> (English singular, English plural, Vietnamese)
WHAT = {"hits": ("hit", "hits", "kết quả"), "occurrences": ("occurrence", "occurrences", "lần xuất hiện"),
        "alerts": ("alert", "alerts", "cảnh báo"), "items": ("item", "items", "mục chứng cứ"),
        "entries": ("custody entry", "custody entries", "mục nhật ký"),
        "watches": ("watch", "watches", "mục theo dõi"), "cases": ("case", "cases", "vụ việc")}


@dataclass(frozen=True)
class Hidden:
    """What matched in cases this examiner is not assigned to: how many, in how many cases, whom to ask."""

    what: str  # a key of WHAT
    count: int = 0
    cases: int = 0
    owners: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.count > 0

    def message(self, lang: str = "en") -> str:
        if not self.count:
            return ""
        one, many, vi = WHAT[self.what]
        owners = ", ".join(self.owners)
        if self.what == "cases":  # the cases themselves: "2 cases you are not assigned to (ask …)"
            if lang == "vi":
                return f"{self.count} vụ việc bạn không được phân công (hãy hỏi cán bộ chủ trì{': ' + owners if owners else ''})"
            return (f"{self.count} {one if self.count == 1 else many} you are not assigned to "
                    f"(ask the case owner{': ' + owners if owners else ''})")
        if lang == "vi":
            return (f"{self.count} {vi} trong {self.cases} vụ việc bạn không được phân công (hãy hỏi cán bộ chủ trì"
                    f"{': ' + owners if owners else ''})")
        return (f"{self.count} {one if self.count == 1 else many} in {self.cases} case{'' if self.cases == 1 else 's'} "
                f"you are not assigned to (ask the case owner{': ' + owners if owners else ''})")

    def to_json(self) -> dict[str, Any]:
        return {self.what: self.count, "cases": self.cases, "owners": list(self.owners),
                "message": self.message("en"), "message_vi": self.message("vi")}


def visible(vault: Vault) -> frozenset[int] | None:
    """The case ids this session's examiner may see (``None``: every case)."""
    return case_access.visible_case_ids(vault)


def split(vault: Vault, per_case: Iterable[tuple[int, int]], what: str) -> tuple[list[tuple[int, int]], Hidden]:
    """Per-case counts cut into those the examiner may see and a :class:`Hidden` summary of the rest."""
    seen = visible(vault)
    rows = list(per_case)
    if seen is None:
        return rows, Hidden(what)
    shown = [(c, n) for c, n in rows if c in seen]
    others = [(c, n) for c, n in rows if c not in seen]
    owners = case_access.owner_names(vault, (c for c, _ in others))
    return shown, Hidden(what, sum(n for _, n in others), len(others),
                         tuple(sorted({o for o in owners.values() if o})))


def require_visible(vault: Vault, case: Case, reach: str = "") -> None:
    case_access.require_visible(vault, case, reach)


# -- the one gate of item-level reach: every service that opens a case's items by name or id calls one of these --
def reach_case(vault: Vault, ref: int | str, reach: str) -> Case:
    """The case ``ref``, if this session's examiner may open its items (owner, assigned or administrator);
    otherwise exit 2 naming its owner, the attempt logged in the case's custody log."""
    case = vault.get_case(ref)
    case_access.require_visible(vault, case, reach)
    return case


def reach_item(vault: Vault, ref: int | str, reach: str) -> Item:
    """The item ``ref`` under the same rule as :func:`reach_case` (its case decides)."""
    item = vault.get_item(ref)
    case_access.require_visible(vault, vault.get_case(item.case_id), reach, item=item)
    return item


def reachable(vault: Vault) -> frozenset[int] | None:
    """Ids of the cases whose items this session may open (``None``: every case): what lists of cases, items and
    custody entries show."""
    return case_access.reachable_case_ids(vault)


def hidden_cases(vault: Vault, case_ids: Iterable[int], what: str) -> Hidden:
    """How many of ``case_ids`` (one per thing listed) this session may not open, and whom to ask."""
    seen = reachable(vault)
    if seen is None:
        return Hidden(what)
    counts: dict[int, int] = {}
    for case_id in case_ids:
        if case_id not in seen:
            counts[case_id] = counts.get(case_id, 0) + 1
    owners = case_access.owner_names(vault, counts)
    return Hidden(what, sum(counts.values()), len(counts), tuple(sorted({o for o in owners.values() if o})))


def members(vault: Vault, ref: int | str) -> list[Member]:
    return case_access.members(vault, vault.get_case(ref))


def assign(vault: Vault, ref: int | str, examiner: str) -> Member:
    return case_access.assign(vault, vault.get_case(ref), examiner)


def unassign(vault: Vault, ref: int | str, examiner: str) -> None:
    case_access.unassign(vault, vault.get_case(ref), examiner)


def set_owner(vault: Vault, ref: int | str, examiner: str) -> Case:
    case_access.set_owner(vault, vault.get_case(ref), examiner)
    return vault.get_case(ref)
