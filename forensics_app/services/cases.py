"""Cases: opening, editing, closing and reopening, with the same rules for the command line and the app."""

from __future__ import annotations

from evidence_store import Case, Vault


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


def update_case(vault: Vault, ref: int | str, **changes: str) -> Case:
    return vault.update_case(ref, **changes)


def close_case(vault: Vault, ref: int | str) -> Case:
    return vault.set_case_status(ref, "closed")


def reopen_case(vault: Vault, ref: int | str) -> Case:
    return vault.set_case_status(ref, "open")
