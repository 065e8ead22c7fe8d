"""Cases: opening, editing, closing and reopening, with the same rules for the command line and the app."""

from __future__ import annotations

from typing import Any

from evidence_store import Case, Vault

from . import case_access
from .case_access import Hidden


def create_case(vault: Vault, number: str, title: str, *, description: str = "", agency: str = "", unit: str = "",
                lead: str | None = None) -> Case:
    """A new case led by ``lead`` (an examiner of this vault; default: the examiner signed in). An unknown lead is
    an error: an examiner exists only when added with their own passphrase. An examiner who opens a case for
    another lead stays assigned to it (they may see what it finds; see :mod:`.case_access`)."""
    case = vault.create_case(number, title, description=description, agency=agency, unit=unit, examiner=lead or None)
    if case.examiner != vault.examiner.name:
        from evidence_store import case_access

        case_access.keep_creator(vault, case)
    return case


def list_cases(vault: Vault) -> tuple[list[Case], Hidden]:
    """The cases this examiner may open, and a count of the others with their owners (whom to ask)."""
    cases = vault.list_cases()
    seen = case_access.reachable(vault)
    if seen is None:
        return cases, Hidden("cases")
    return [c for c in cases if c.id in seen], case_access.hidden_cases(vault, (c.id for c in cases), "cases")


def case_facts(vault: Vault, ref: int | str) -> dict[str, Any]:
    """A case with its item count, bytes held and the examiners who may see it."""
    case = case_access.reach_case(vault, ref, "case show")
    items = vault.list_items(case.id)
    return case.to_json() | {"items": len(items), "bytes": sum(i.size or 0 for i in items),
                             "examiners": [m.to_json() for m in case_access.members(vault, case.id)]}


def update_case(vault: Vault, ref: int | str, **changes: str) -> Case:
    return vault.update_case(case_access.reach_case(vault, ref, "case edit").id, **changes)


def close_case(vault: Vault, ref: int | str) -> Case:
    return vault.set_case_status(case_access.reach_case(vault, ref, "case close").id, "closed")


def reopen_case(vault: Vault, ref: int | str) -> Case:
    return vault.set_case_status(case_access.reach_case(vault, ref, "case reopen").id, "open")
