"""``forensics case …``."""

from __future__ import annotations

import click
from rich.table import Table

from evidence_store import Case

from ..services import case_access, cases
from .common import common_options, emit_json, err, is_json, opened_vault, out


@click.group("case")
def case_group() -> None:
    """Cases (vụ việc): every item belongs to one."""


@case_group.command("new")
@common_options(examiner=False)
@click.option("--number", required=True, help="Case number (số vụ việc), unique in the vault.")
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--examiner", "lead", help="Lead examiner: an examiner of this vault (default: you).")
@click.option("--agency", default="", help="Default: the vault's agency setting.")
@click.option("--unit", default="", help="Default: the vault's unit setting.")
def case_new(number: str, title: str, description: str, lead: str | None, agency: str, unit: str) -> None:
    """Open a new case; prints its id."""
    with opened_vault() as vault:
        case = cases.create_case(vault, number, title, description=description, agency=agency, unit=unit, lead=lead)
    if is_json():
        emit_json(case.to_json())
    else:
        click.echo(case.id)


def _table(cases: list[Case]) -> Table:
    table = Table("id", "number", "title", "status", "examiner", "created (UTC)")
    for c in cases:
        table.add_row(str(c.id), c.number, c.title, c.status, c.examiner, c.created_at)
    return table


@case_group.command("list")
@common_options
def case_list() -> None:
    with opened_vault() as vault:
        listed, hidden = cases.list_cases(vault)
    if hidden:
        err.print(f"[yellow]{hidden.message()}[/]", highlight=False)
    if is_json():
        emit_json([c.to_json() for c in listed])
    else:
        out.print(_table(listed))


@case_group.command("show")
@common_options
@click.argument("case_ref", metavar="CASE")
def case_show(case_ref: str) -> None:
    """A case with its item counts and the examiners who may see it."""
    with opened_vault() as vault:
        data = cases.case_facts(vault, case_ref)
    if is_json():
        emit_json(data)
    else:
        for key, value in data.items():
            out.print(f"{key}: {value}")


@case_group.command("close")
@common_options
@click.argument("case_ref", metavar="CASE")
def case_close(case_ref: str) -> None:
    """Close a case: no more evidence can be added until it is reopened."""
    with opened_vault() as vault:
        case = cases.close_case(vault, case_ref)
    emit_json(case.to_json()) if is_json() else out.print(f"Case {case.number} closed.")


@case_group.command("reopen")
@common_options
@click.argument("case_ref", metavar="CASE")
def case_reopen(case_ref: str) -> None:
    with opened_vault() as vault:
        case = cases.reopen_case(vault, case_ref)
    emit_json(case.to_json()) if is_json() else out.print(f"Case {case.number} reopened.")


@case_group.command("assign")
@common_options
@click.argument("case_ref", metavar="CASE")
@click.argument("examiner")
def case_assign(case_ref: str, examiner: str) -> None:
    """Let EXAMINER see CASE in searches, entity cards and alerts (the case's owner or an administrator)."""
    with opened_vault() as vault:
        member = case_access.assign(vault, case_ref, examiner)
        members = case_access.members(vault, case_ref)
    emit_json([m.to_json() for m in members]) if is_json() else \
        out.print(f"{member.examiner} assigned to case {case_ref}.")


@case_group.command("unassign")
@common_options
@click.argument("case_ref", metavar="CASE")
@click.argument("examiner")
def case_unassign(case_ref: str, examiner: str) -> None:
    """End EXAMINER's assignment to CASE (the case's owner or an administrator)."""
    with opened_vault() as vault:
        case_access.unassign(vault, case_ref, examiner)
        members = case_access.members(vault, case_ref)
    emit_json([m.to_json() for m in members]) if is_json() else \
        out.print(f"{examiner} no longer assigned to case {case_ref}.")


@case_group.command("owner")
@common_options
@click.argument("case_ref", metavar="CASE")
@click.argument("examiner")
def case_owner(case_ref: str, examiner: str) -> None:
    """Hand CASE to EXAMINER as its lead; the previous owner stays assigned (the owner or an administrator)."""
    with opened_vault() as vault:
        case = case_access.set_owner(vault, case_ref, examiner)
        members = case_access.members(vault, case.id)
    emit_json(case.to_json() | {"examiners": [m.to_json() for m in members]}) if is_json() else \
        out.print(f"Case {case.number} is now led by {case.examiner}.")


COMMANDS = [case_group]
