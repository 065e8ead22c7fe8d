"""The custody-log extract and proofs an evidence package or a report carries.

Proofs come from the vault's stored Merkle nodes (O(log n) each); they are the
RFC 6962 audit paths ``evidence_store.verify_bundle`` checks, with what covers
each entry's signature.
"""

from __future__ import annotations

from typing import Any

from evidence_store import Vault
from evidence_store.checkpoint import checkpoint_root


def custody_extract(vault: Vault, entry_seqs: list[int], checkpoint: dict[str, Any]) -> tuple[list[dict[str, Any]],
                                                                                              dict[str, Any]]:
    """The log lines for ``entry_seqs`` and a proof bundle (verify_bundle format) against ``checkpoint``."""
    bundle = vault.custody.proof_bundle(entry_seqs, checkpoint, vault.examiner_keys())
    lines = [{"seq": p["index"], "entry": p["entry"], "signature": p["signature"],
              "examiner_id": _examiner_id(p["entry"])} for p in bundle["proofs"]]
    return lines, bundle


def _examiner_id(entry: str) -> int | None:
    import json

    return (json.loads(entry).get("examiner") or {}).get("id")


def consistency(vault: Vault, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """RFC 6962 consistency proof that the log at ``new`` only grew from ``old``."""
    old_size, old_root = checkpoint_root(old["checkpoint"])
    new_size, new_root = checkpoint_root(new["checkpoint"])
    proof = vault.custody.consistency(old_size, new_size)
    return {"old_size": old_size, "new_size": new_size, "old_root": old_root.hex(), "new_root": new_root.hex(),
            "proof": [h.hex() for h in proof]}
