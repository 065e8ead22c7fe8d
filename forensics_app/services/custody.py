"""Custody-log checkpoints and inclusion proofs a prosecutor can check without the vault."""

from __future__ import annotations

from typing import Any

from evidence_store import Item, NotFoundError, Vault


def take_checkpoint(vault: Vault) -> dict[str, Any]:
    """Sign a checkpoint of the whole log now; stored in the vault, witnessed outside it, and returned."""
    return vault.checkpoint()


def prove_item(vault: Vault, item: Item) -> dict[str, Any]:
    """A proof bundle for every custody entry about ``item`` against a fresh checkpoint."""
    entries = vault.custody.entries(item_id=item.id)
    if not entries:
        raise NotFoundError(f"item {item.id} has no custody entries",
                            message_vi=f"mục {item.id} không có mục nhật ký lưu giữ chứng cứ nào")
    point = take_checkpoint(vault)
    bundle = vault.custody.proof_bundle([e.seq for e in entries], point, vault.examiner_keys())
    bundle["size"], bundle["examiner"] = point["size"], point["examiner"]
    bundle["item"] = {"id": item.id, "uid": item.uid, "sha256": item.sha256, "blake3": item.blake3}
    return bundle
