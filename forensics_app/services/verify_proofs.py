"""Checking a custody proof bundle against pinned anchors (``forensics custody verify-proof``)."""

from __future__ import annotations

from typing import Any

from evidence_store import verify_bundle
from evidence_store.checkpoint import parse_verifier_key
from evidence_store.errors import IntegrityError
from evidence_store.identity import fingerprint, normalise_fingerprint
from evidence_store.proofs import bundle_keys

from .trust import Trust


def check_proof_bundle(bundle: Any, trust: Trust) -> dict[str, Any]:
    """Every problem of the bundle; its origin is verified only when the checkpoint's and the entries' keys are
    among ``trust``'s (keys the bundle carries prove consistency, not who signed)."""
    if not isinstance(bundle, dict):
        return {"ok": False, "origin_verified": False, "signers": [], "proofs": 0, "problems": ["not a JSON object"]}
    problems: list[str] = []
    signers: list[str] = []
    lookup = bundle_keys(bundle)
    if trust.pins_keys:
        try:
            vkey = parse_verifier_key(str(bundle.get("verifier_key", "")))
            trusted = trust.trusts(vkey.alg, vkey.public_key)
            if trusted is None:
                problems.append(f"the checkpoint is signed by key {fingerprint(vkey.alg, vkey.public_key)} "
                                f"({vkey.name}), which the trust anchors given do not hold")
            else:
                signers.append(trusted.name)
        except IntegrityError as exc:
            problems.append(str(exc))
        shipped = lookup

        def pinned(fp: str) -> tuple[str, bytes] | None:
            found = shipped(fp)
            if found is not None and trust.trusts(*found) is not None:
                return found
            key = next((k for k in trust.keys if normalise_fingerprint(k.fingerprint) == fp), None)
            return (key.alg, key.public_key) if key else None

        lookup = pinned
    problems += verify_bundle(bundle, lookup)
    return {"ok": not problems, "origin_verified": trust.pins_keys and not problems, "signers": signers,
            "proofs": len(bundle.get("proofs", [])), "problems": problems}
