"""Check custody proofs without the vault: checkpoint + inclusion proof + entry.

A proof bundle (printed by ``forensics custody prove`` and stored in evidence
packages) is JSON::

    {"checkpoint": "<signed note>", "verifier_key": "<name+hash+key>",
     "proofs": [{"index": 7, "entry": "<canonical JSON>", "audit_path": ["hex", ...]}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import merkle
from .checkpoint import Checkpoint, verify_checkpoint
from .errors import IntegrityError


def verify_inclusion(checkpoint_note: str, vkey: str, entry: bytes, index: int, audit_path: Sequence[str]) -> Checkpoint:
    """Raise IntegrityError unless ``entry`` is leaf ``index`` of the signed checkpoint."""
    checkpoint = verify_checkpoint(checkpoint_note, vkey)
    try:
        path = [bytes.fromhex(node) for node in audit_path]
    except ValueError as exc:
        raise IntegrityError("audit path is not hexadecimal") from exc
    if not merkle.verify_inclusion(merkle.leaf_hash(entry), index, checkpoint.size, path, checkpoint.root):
        raise IntegrityError(f"entry {index} is not included in the checkpoint (proof does not match)")
    return checkpoint


def verify_bundle(bundle: dict[str, Any]) -> list[str]:
    """Check every proof in a bundle; return a list of problems (empty when all hold)."""
    problems: list[str] = []
    try:
        verify_checkpoint(bundle["checkpoint"], bundle["verifier_key"])
    except (KeyError, TypeError) as exc:
        return [f"proof bundle lacks {exc}"]
    except IntegrityError as exc:
        return [str(exc)]
    for proof in bundle.get("proofs", []):
        try:
            verify_inclusion(
                bundle["checkpoint"], bundle["verifier_key"], str(proof["entry"]).encode("utf-8"),
                int(proof["index"]), proof["audit_path"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"malformed proof: {exc}")
        except IntegrityError as exc:
            problems.append(str(exc))
    return problems
