"""Custody-log checkpoints and inclusion proofs a prosecutor can check without the vault."""

from __future__ import annotations

from typing import Any

from evidence_store import Item, NotFoundError, Vault
from evidence_store.custody import CustodyEntry

from . import case_access
from .case_access import Hidden


def take_checkpoint(vault: Vault) -> dict[str, Any]:
    """Sign a checkpoint of the whole log now; stored in the vault, witnessed outside it, and returned."""
    return vault.checkpoint()


def log_entries(vault: Vault, case_ref: int | str | None = None,
                item_ref: int | str | None = None) -> tuple[list[CustodyEntry], Hidden]:
    """The entries about an item, a case, or the whole vault; of the whole vault, those of cases this examiner may
    not open are counted, not shown (their details name items and hashes)."""
    if item_ref is not None:
        return vault.custody.entries(item_id=case_access.reach_item(vault, item_ref, "custody log").id), Hidden("entries")
    if case_ref is not None:
        return vault.custody.entries(case_id=case_access.reach_case(vault, case_ref, "custody log").id), Hidden("entries")
    entries = vault.custody.entries()
    seen = case_access.reachable(vault)
    if seen is None:
        return entries, Hidden("entries")
    cases = [_case_of(e) for e in entries]
    return ([e for e, c in zip(entries, cases, strict=True) if c is None or c in seen],
            case_access.hidden_cases(vault, (c for c in cases if c is not None), "entries"))


def _case_of(entry: CustodyEntry) -> int | None:
    case = entry.record.get("case")
    return int(case["id"]) if isinstance(case, dict) and case.get("id") is not None else None


def prove_item(vault: Vault, item: Item | int | str) -> dict[str, Any]:
    """A proof bundle for every custody entry about ``item`` against a fresh checkpoint."""
    if not isinstance(item, Item):
        item = case_access.reach_item(vault, item, "custody prove")
    entries = vault.custody.entries(item_id=item.id)
    if not entries:
        raise NotFoundError(f"item {item.id} has no custody entries",
                            message_vi=f"mục {item.id} không có mục nhật ký lưu giữ chứng cứ nào")
    point = take_checkpoint(vault)
    bundle = vault.custody.proof_bundle([e.seq for e in entries], point, vault.examiner_keys())
    bundle["size"], bundle["examiner"] = point["size"], point["examiner"]
    bundle["item"] = {"id": item.id, "uid": item.uid, "sha256": item.sha256, "blake3": item.blake3}
    return bundle
