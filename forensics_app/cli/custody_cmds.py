"""``forensics custody …``: the log, signed checkpoints, inclusion proofs."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from evidence_store import UsageError

from ..services.custody import log_entries, prove_item, take_checkpoint
from .common import common_options, emit_json, err, is_json, opened_vault, out
from .trust_cmds import load_anchors, trust_options


@click.group("custody")
def custody_group() -> None:
    """The tamper-evident custody log (nhật ký lưu giữ chứng cứ)."""


@custody_group.command("log")
@common_options
@click.option("--case", "case_ref", help="Only entries about this case.")
@click.option("--item", "item_id", help="Only entries about this item.")
def custody_log(case_ref: str | None, item_id: str | None) -> None:
    with opened_vault() as vault:
        entries, hidden = log_entries(vault, case_ref or None, item_id or None)
    if hidden:
        err.print(f"[yellow]{hidden.message()}[/]", highlight=False)
    if is_json():
        emit_json([e.to_json() for e in entries])
        return
    table = Table("#", "time (UTC)", "examiner", "action", "case", "item", "details")
    for e in entries:
        r = e.record
        table.add_row(str(e.seq), r["time"], r["examiner"]["name"], r["action"],
                      str((r.get("case") or {}).get("id", "")), str((r.get("item") or {}).get("id", "")),
                      json.dumps(r["details"], ensure_ascii=False)[:80])
    out.print(table)


@custody_group.command("checkpoint")
@common_options
def custody_checkpoint() -> None:
    """Print a signed checkpoint (C2SP tlog-checkpoint) of the whole log."""
    with opened_vault() as vault:
        data = take_checkpoint(vault)
    if is_json():
        emit_json(data)
    else:
        click.echo(data["checkpoint"], nl=False)
        click.echo(f"\nverifier key: {data['verifier_key']}")


@custody_group.command("prove")
@common_options
@click.argument("item_id", metavar="ITEM")
def custody_prove(item_id: str) -> None:
    """Print inclusion proofs of an item's custody entries (JSON), checkable without the vault."""
    with opened_vault() as vault:
        bundle = prove_item(vault, item_id)
    emit_json(bundle)


@custody_group.command("verify-proof")
@click.argument("proof_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@trust_options
def custody_verify_proof(proof_file: Path, as_json: bool, trust_files: tuple[Path, ...], fingerprints: tuple[str, ...],
                         tsa_roots: tuple[Path, ...], system_roots: bool) -> int:
    """Check a proof bundle from `custody prove` (no vault, no passphrase).

    Exit 0: every proof holds and the keys are in the trust anchors given; 1: a problem; 4: the proofs hold but no
    trusted key was given, so who signed them is not verified.
    """
    from ..services.trust import EXIT_ORIGIN_NOT_VERIFIED
    from ..services.verify_proofs import check_proof_bundle

    try:
        bundle = json.loads(proof_file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{proof_file} is not a proof bundle: {exc}") from exc
    result = check_proof_bundle(bundle, load_anchors(trust_files, fingerprints, tsa_roots))
    if as_json:
        emit_json(result)
    elif result["problems"]:
        for problem in result["problems"]:
            out.print(f"[red]FAIL[/] {problem}", highlight=False)
    elif result["origin_verified"]:
        out.print(f"[green]VERIFIED[/]: {result['proofs']} entr(y/ies) included in the checkpoint signed by "
                  f"{', '.join(result['signers'])}.", highlight=False)
    else:
        out.print(f"[yellow]CONSISTENT, ORIGIN NOT VERIFIED[/]: {result['proofs']} entr(y/ies) included in the "
                  "signed checkpoint, but no trusted key was given (--trust or --fingerprint), so the keys are "
                  "only those the proof carries.", highlight=False)
    if result["problems"]:
        return 1
    return 0 if result["origin_verified"] else EXIT_ORIGIN_NOT_VERIFIED


COMMANDS = [custody_group]
