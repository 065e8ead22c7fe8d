"""Custody-log checkpoints and inclusion proofs a prosecutor can check without the vault."""

from __future__ import annotations

from typing import Any

from evidence_store import Item, NotFoundError, Vault


def take_checkpoint(vault: Vault) -> dict[str, Any]:
    """Sign a checkpoint of the whole log now; stored in the vault and returned."""
    with vault._write():
        note, vkey = vault.custody.checkpoint(vault.signer)
    size = int(note.split("\n")[1])
    return {"checkpoint": note, "verifier_key": vkey, "size": size, "examiner": vault.signer.name}


def prove_item(vault: Vault, item: Item) -> dict[str, Any]:
    """A proof bundle for every custody entry about ``item`` against a fresh checkpoint."""
    entries = vault.custody.entries(item_id=item.id)
    if not entries:
        raise NotFoundError(f"item {item.id} has no custody entries")
    bundle = take_checkpoint(vault)
    size = bundle["size"]
    leaves = vault.custody.leaf_hashes(size)
    from evidence_store import merkle

    bundle["item"] = {"id": item.id, "uid": item.uid, "sha256": item.sha256, "blake3": item.blake3}
    bundle["proofs"] = [
        {
            "index": entry.seq,
            "action": entry.record.get("action"),
            "entry": entry.entry.decode("utf-8"),
            "signature": entry.signature,
            "audit_path": [h.hex() for h in merkle.inclusion_proof(entry.seq, leaves)],
        }
        for entry in entries
        if entry.seq < size
    ]
    return bundle
