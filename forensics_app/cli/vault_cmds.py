"""``forensics vault …``, ``examiner …`` and ``settings …``."""

from __future__ import annotations

import json
import os

import click
from rich.table import Table

from evidence_store import UsageError, passphrase_strength, verify_vault

from ..services.vaults import create_vault
from .common import (
    cancellable,
    common_options,
    emit_json,
    err,
    is_json,
    opened_vault,
    out,
    progress_bar,
    read_passphrase,
    vault_path,
)


@click.group("vault")
def vault_group() -> None:
    """Create, inspect, verify the evidence vault; manage its passphrases."""


@vault_group.command("init")
@common_options
@click.option("--examiner-name", "name", help="The first examiner (default: FORENSICS_EXAMINER or your user name).")
@click.option("--position", default="", help="The examiner's position or rank.")
@click.option("--agency", default="", help="Agency name (stored as a setting, used in reports).")
@click.option("--unit", default="", help="Unit name (stored as a setting).")
def vault_init(name: str | None, position: str, agency: str, unit: str) -> None:
    """Create a new encrypted vault."""
    from ..services.environment import host_facts
    from .common import options

    path = vault_path()
    examiner = name or options().examiner or os.environ.get("FORENSICS_EXAMINER") or host_facts()["user"]
    passphrase = read_passphrase("New vault passphrase", confirm=True)
    strength = passphrase_strength(passphrase)
    vault = create_vault(path, passphrase, examiner, position=position, agency=agency, unit=unit)
    with vault:
        info = vault.info()
    if is_json():
        emit_json({**info, "passphrase_strength": strength})
        return
    out.print(f"Created vault [bold]{info['path']}[/] (id {info['vault_id']}) for examiner {examiner}.")
    if strength == "weak":
        err.print("[yellow]warning:[/] the passphrase is weak; add a stronger one with `forensics vault passwd --add`.")


@vault_group.command("info")
@common_options
def vault_info() -> None:
    """Format, key slots, examiner and counts."""
    with opened_vault() as vault:
        info = vault.info()
    if is_json():
        emit_json(info)
        return
    out.print(f"[bold]Vault[/] {info['path']}")
    for key in ("vault_id", "format_version", "created_at", "cipher", "sqlcipher_version", "examiner", "stored_bytes"):
        out.print(f"  {key}: {info[key]}")
    out.print("  counts: " + ", ".join(f"{k} {v}" for k, v in info["counts"].items()))
    table = Table("slot", "label", "created (UTC)", "KDF", title="Key slots")
    for slot in info["key_slots"]:
        kdf = slot["kdf"]
        table.add_row(slot["id"] + (" *" if slot["unlocked_this_session"] else ""), slot["label"],
                      slot["created_at"], f"argon2id t={kdf['time_cost']} m={kdf['memory_kib']} KiB")
    out.print(table)


@vault_group.command("verify")
@common_options
@click.option("--quick", is_flag=True, help="Check presence and sizes only; do not re-read blob contents.")
def vault_verify(quick: bool) -> int:
    """Re-read and re-hash everything; report every problem (exit 1 if any)."""
    with opened_vault() as vault, cancellable() as cancel, progress_bar("verifying") as progress:
        report = verify_vault(vault, quick=quick, progress=progress, cancel=cancel)
    if is_json():
        emit_json(report.to_json())
    elif report.ok:
        out.print(f"[green]OK[/]: {report.items} items, {report.blobs} blobs, {report.custody_entries} custody "
                  f"entries verified{' (quick)' if quick else ''}; {report.bytes_read} bytes re-read.")
    else:
        table = Table("problem", "item", "blob", "details", title=f"{len(report.problems)} problem(s) found")
        for problem in report.problems:
            table.add_row(problem.code, str(problem.item_id or ""), (problem.blob or "")[:12], problem.message)
        out.print(table)
    return 0 if report.ok else 1


@vault_group.command("passwd")
@common_options
@click.option("--add", "add", is_flag=True, help="Add a key slot for a new passphrase (FORENSICS_NEW_PASSPHRASE).")
@click.option("--remove", "remove", metavar="SLOT", help="Remove a key slot (see `vault info`).")
@click.option("--label", default="", help="Label for a new slot (e.g. the examiner's name).")
def vault_passwd(add: bool, remove: str | None, label: str) -> None:
    """Change the passphrase you opened with, add another, or remove a slot."""
    if add and remove:
        raise UsageError("use either --add or --remove, not both")
    with opened_vault() as vault:
        if remove:
            vault.remove_key_slot(remove)
            message, data = f"Removed key slot {remove}.", {"removed": remove}
        else:
            new = read_passphrase("New passphrase", env="FORENSICS_NEW_PASSPHRASE", confirm=True)
            if add:
                slot = vault.add_key_slot(new, label)
                message, data = f"Added key slot {slot}.", {"added": slot}
            else:
                slot = vault.change_passphrase(new)
                message, data = f"Passphrase changed (new slot {slot}).", {"changed": slot}
    if is_json():
        emit_json(data)
    else:
        out.print(message)


@click.group("examiner")
def examiner_group() -> None:
    """Examiners: each has an Ed25519 key that signs their custody entries."""


@examiner_group.command("add")
@common_options
@click.argument("name")
@click.option("--position", default="")
@click.option("--agency", default="")
@click.option("--unit", default="")
def examiner_add(name: str, position: str, agency: str, unit: str) -> None:
    """Add an examiner."""
    with opened_vault() as vault:
        examiner = vault.add_examiner(name, position, agency, unit)
    if is_json():
        emit_json(examiner.to_json())
    else:
        out.print(f"Added examiner {examiner.name} (key {examiner.public_key.hex()[:16]}…).")


@examiner_group.command("list")
@common_options
def examiner_list() -> None:
    """List examiners."""
    with opened_vault() as vault:
        examiners = vault.list_examiners()
    if is_json():
        emit_json([e.to_json() for e in examiners])
        return
    table = Table("id", "name", "position", "agency", "unit", "public key")
    for e in examiners:
        table.add_row(str(e.id), e.name, e.position, e.agency, e.unit, e.public_key.hex()[:16] + "…")
    out.print(table)


@click.group("settings")
def settings_group() -> None:
    """Agency, unit, place, time zone and other settings kept in the vault."""


@settings_group.command("show")
@common_options
def settings_show() -> None:
    with opened_vault() as vault:
        values = vault.settings()
    if is_json():
        emit_json(values)
    else:
        for key, value in values.items():
            out.print(f"{key} = {json.dumps(value, ensure_ascii=False)}")


@settings_group.command("set")
@common_options
@click.argument("key")
@click.argument("value")
def settings_set(key: str, value: str) -> None:
    """Set KEY to VALUE (JSON if it parses, else text)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    with opened_vault() as vault:
        vault.set_setting(key, parsed)
    if is_json():
        emit_json({key: parsed})
    else:
        out.print(f"{key} = {json.dumps(parsed, ensure_ascii=False)}")


COMMANDS = [vault_group, examiner_group, settings_group]
