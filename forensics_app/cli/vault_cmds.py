"""``forensics vault …``, ``examiner …`` and ``settings …``."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from rich.table import Table

from evidence_store import UsageError, passphrase_strength

from ..services import vaults
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
@click.option("--parent-agency", default="", help="Superior agency printed above the agency on forms (a setting).")
@click.option("--place", default="", help="Where minutes and reports are drawn up (a setting).")
@click.option("--no-admin", is_flag=True,
              help="The first examiner is not the vault's administrator (then no one may remove another examiner's "
                   "access); decided now, for good.")
@click.option("--group-access", is_flag=True,
              help="Vault files readable and writable by the owner's group too (default: the owner only).")
def vault_init(name: str | None, position: str, agency: str, unit: str, no_admin: bool, group_access: bool,
               parent_agency: str = "", place: str = "") -> None:
    """Create a new encrypted vault; your passphrase opens it and signs as you."""
    from ..services.environment import host_facts
    from .common import options

    path = vault_path()
    examiner = name or options().examiner or os.environ.get("FORENSICS_EXAMINER") or host_facts()["user"]
    passphrase = read_passphrase("New vault passphrase", confirm=True)
    strength = passphrase_strength(passphrase)
    vault = vaults.create_vault(path, passphrase, examiner, position=position, agency=agency, unit=unit,
                                admin=not no_admin, group_access=group_access, parent_agency=parent_agency,
                                place=place)
    with vault:
        info = vault.info()
        fingerprint = vault.examiner.fingerprint
    if is_json():
        emit_json({**info, "passphrase_strength": strength, "fingerprint": fingerprint})
        return
    out.print(f"Created vault [bold]{info['path']}[/] (id {info['vault_id']}) for examiner {examiner}"
              f"{'' if no_admin else ' (administrator)'}.")
    out.print(f"Your signing key: {fingerprint}")
    if strength == "weak":
        err.print("[yellow]warning:[/] the passphrase is weak; change it with `forensics vault passwd`.")


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
    for key in ("vault_id", "format_version", "created_at", "cipher", "key_epoch", "permissions", "sqlcipher_version",
                "examiner", "stored_bytes"):
        out.print(f"  {key}: {info[key]}")
    out.print("  counts: " + ", ".join(f"{k} {v}" for k, v in info["counts"].items()))
    table = Table("slot", "examiner", "label", "created (UTC)", "KDF", title="Key slots")
    for slot in info["key_slots"]:
        kdf = slot["kdf"]
        table.add_row(slot["id"] + (" *" if slot["unlocked_this_session"] else ""), slot["examiner"], slot["label"],
                      slot["created_at"], f"argon2id t={kdf['time_cost']} m={kdf['memory_kib']} KiB")
    out.print(table)


@vault_group.command("verify")
@common_options
@click.option("--quick", is_flag=True, help="Check presence and sizes only; do not re-read blob contents.")
def vault_verify(quick: bool) -> int:
    """Re-read and re-hash everything; hold the log to every witnessed checkpoint (exit 1 on any problem)."""
    with opened_vault(check_witnesses=False) as vault, cancellable() as cancel, progress_bar("verifying") as progress:
        report = vaults.verify(vault, quick=quick, progress=progress, cancel=cancel)
    if is_json():
        emit_json(report.to_json())
    elif report.ok:
        out.print(f"[green]OK[/]: {report.items} items, {report.blobs} blobs, {report.custody_entries} custody "
                  f"entries verified{' (quick)' if quick else ''}; {report.bytes_read} bytes re-read; the log extends "
                  "every witnessed checkpoint.")
        for note in report.in_progress:
            out.print(f"  in progress (not checked): {note}")
    else:
        table = Table("problem", "item", "blob", "details", title=f"{len(report.problems)} problem(s) found")
        for problem in report.problems:
            table.add_row(problem.code, str(problem.item_id or ""), (problem.blob or "")[:12], problem.message)
        out.print(table)
    return 0 if report.ok else 1


@vault_group.command("passwd")
@common_options
@click.option("--add", "add", is_flag=True, help="Add another passphrase for yourself (FORENSICS_NEW_PASSPHRASE).")
@click.option("--remove", "remove", metavar="SLOT",
              help="Remove a key slot (your own, or anyone's if you are the administrator; see `vault info`).")
@click.option("--label", default="", help="Label for a new slot.")
def vault_passwd(add: bool, remove: str | None, label: str) -> None:
    """Change the passphrase you opened with, add another one for yourself, or remove a slot."""
    if add and remove:
        raise UsageError("use either --add or --remove, not both")
    notice: dict[str, Any] = {}
    with opened_vault() as vault:
        if remove:
            notice = vaults.remove_key_slot(vault, remove)
            message, data = f"Removed key slot {remove}.", {"removed": remove, **notice}
        else:
            new = read_passphrase("New passphrase", env="FORENSICS_NEW_PASSPHRASE", confirm=True)
            if add:
                slot = vaults.add_passphrase(vault, new, label)
                message, data = f"Added key slot {slot}.", {"added": slot}
            else:
                slot = vaults.change_passphrase(vault, new)
                message, data = f"Passphrase changed (new slot {slot}).", {"changed": slot}
    if is_json():
        emit_json(data)
        return
    out.print(message)
    if notice:
        err.print(f"[yellow]note:[/] {notice['notice']}")


@vault_group.command("rekey")
@common_options
def vault_rekey() -> None:
    """Re-encrypt the whole vault under a new key, so removed passphrases and old copies of vault.json open nothing
    current. Resumable: after a cancel or a crash, run it again."""
    with opened_vault() as vault, cancellable() as cancel, progress_bar("re-encrypting") as progress:
        result = vaults.rekey(vault, progress=progress, cancel=cancel)
    if is_json():
        emit_json(result)
    else:
        out.print(f"Re-encrypted {result['blobs']} blobs ({result['bytes']} bytes) and the database under key "
                  f"epoch {result['to_epoch']}{' (resumed)' if result['resumed'] else ''}.")


@vault_group.command("repair")
@common_options
@click.option("--yes", is_flag=True, help="Remove what is listed without asking.")
def vault_repair(yes: bool) -> int:
    """Remove what an interrupted process left (unreferenced temp files and blobs), after showing it; logged."""
    with opened_vault(check_witnesses=False) as vault:
        plan = vaults.repair_plan(vault)
        facts = plan.to_json()
        if plan.empty:
            if is_json():
                emit_json({"removed": facts, "nothing_to_do": True})
            else:
                out.print("Nothing to repair: no unreferenced temp file or blob.")
            return 0
        if not is_json():
            for path in plan.temp_files + plan.orphan_blobs:
                out.print(f"  would remove {path}")
            for note in plan.running:
                out.print(f"  left alone (in use): {note}")
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("repair removes files: pass --yes, or run it in a terminal to be asked")
            if not click.confirm(f"Remove these {len(plan.temp_files) + len(plan.orphan_blobs)} file(s)?"):
                return 130
        done = vaults.repair(vault, plan)
    if is_json():
        emit_json({"removed": done.to_json()})
    else:
        out.print(f"Removed {len(done.temp_files)} temp file(s) and {len(done.orphan_blobs)} orphan blob(s); logged.")
    return 0


@vault_group.command("accept-rollback")
@common_options
@click.option("--reason", required=True, help="Why this older state is accepted (e.g. restored from backup no. …).")
def vault_accept_rollback(reason: str) -> None:
    """Accept the vault as it is now although a witnessed checkpoint saw more (logged with what the witnesses held)."""
    with opened_vault(check_witnesses=False) as vault:
        point = vaults.accept_rollback(vault, reason)
    if is_json():
        emit_json(point)
    else:
        out.print(f"Accepted; logged, and a new checkpoint of {point['size']} entries witnessed.")


@click.group("examiner")
def examiner_group() -> None:
    """Examiners: each has their own passphrase and their own key that signs their custody entries."""


@examiner_group.command("add")
@common_options
@click.argument("name")
@click.option("--position", default="")
@click.option("--agency", default="")
@click.option("--unit", default="")
@click.option("--admin", is_flag=True, help="Also an administrator (only an administrator may give this role).")
@click.option("--token-module", metavar="PATH",
              help="The examiner signs on a PKCS#11 token (ECDSA P-256): its vendor's module, e.g. "
                   "/usr/lib/softhsm/libsofthsm2.so. They still choose a passphrase: it opens the vault.")
@click.option("--token-label", default="", help="The token's label (with --token-module).")
@click.option("--token-serial", default="", help="The token's serial number (with --token-module; picks one of "
                                                 "several tokens with the same label).")
@click.option("--key-id", default="", metavar="HEX", help="The signing key's id on the token (as pkcs11-tool lists it).")
@click.option("--key-label", default="", help="The signing key's label on the token (instead of --key-id).")
def examiner_add(name: str, position: str, agency: str, unit: str, admin: bool, token_module: str | None,
                 token_label: str, token_serial: str, key_id: str, key_label: str) -> None:
    """Add an examiner; THEY type their own passphrase (or FORENSICS_NEW_EXAMINER_PASSPHRASE), and with
    --token-module their token's PIN too (or FORENSICS_NEW_EXAMINER_TOKEN_PIN)."""
    from .common import read_pin

    if token_module is None and (token_label or token_serial or key_id or key_label):
        raise UsageError("--token-label, --token-serial, --key-id and --key-label go with --token-module")
    with opened_vault() as vault:
        passphrase = read_passphrase(f"Passphrase for {name} (typed by {name})", env="FORENSICS_NEW_EXAMINER_PASSPHRASE",
                                     confirm=True)
        if token_module is None:
            examiner = vaults.add_examiner(vault, name, passphrase, position=position, agency=agency, unit=unit,
                                           admin=admin)
        else:
            pin = read_pin(f"PIN of {name}'s token (typed by {name})", env="FORENSICS_NEW_EXAMINER_TOKEN_PIN")
            examiner = vaults.add_token_examiner(vault, name, passphrase, module=token_module, pin=pin,
                                                 token_label=token_label, token_serial=token_serial, key_id=key_id,
                                                 key_label=key_label, position=position, agency=agency, unit=unit,
                                                 admin=admin)
    if is_json():
        emit_json(examiner.to_json())
    else:
        out.print(f"Added examiner {examiner.name}; signing key {examiner.fingerprint}"
                  f"{f' on token {vaults.token_name(examiner)}' if examiner.token else ''}.")


@examiner_group.command("remove")
@common_options
@click.argument("name")
def examiner_remove(name: str) -> None:
    """Remove an examiner's access (administrators only); their past entries stay signed and valid."""
    with opened_vault() as vault:
        notice = vaults.remove_examiner(vault, name)
    if is_json():
        emit_json(notice)
    else:
        out.print(f"Removed examiner {name} (key slots {', '.join(notice['removed_slots']) or 'none'}).")
        err.print(f"[yellow]note:[/] {notice['notice']}")


@examiner_group.command("list")
@common_options
def examiner_list() -> None:
    """List examiners with their key fingerprints (compare them with the printed reports and the trust file)."""
    with opened_vault() as vault:
        people = vaults.examiners(vault)
    if is_json():
        emit_json([e.to_json() for e in people])
        return
    table = Table("id", "name", "position", "role", "status", "signing key", "token")
    for e in people:
        table.add_row(str(e.id), e.name, e.position, e.role, e.status, e.fingerprint, vaults.token_name(e))
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
    from ..services.settings import set_settings

    with opened_vault() as vault:
        parsed = set_settings(vault, {key: parsed})[key]
    if is_json():
        emit_json({key: parsed})
    else:
        out.print(f"{key} = {json.dumps(parsed, ensure_ascii=False)}")


COMMANDS = [vault_group, examiner_group, settings_group]
