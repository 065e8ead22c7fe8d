"""Check custody proofs without the vault: checkpoint + inclusion proof + entry + its signature.

A proof bundle (printed by ``forensics custody prove`` and stored in evidence
packages) is JSON::

    {"checkpoint": "<signed note>", "verifier_key": "<name+id+key>",
     "keys": [{"alg", "public_key" (base64), "fingerprint"}],          # the examiners named by the entries
     "proofs": [{"index": 7, "entry": "<canonical JSON>", "signature": "<base64, or empty when covered>",
                 "cover": {"entry", "signature", "audit_path"},           # the signed entry that covers it
                 "audit_path": ["hex", ...]}]}

Everything here checks *consistency*: that the entries are in the log the
checkpoint signs, and that each entry is signed by the key it names. Whether
those keys are the right people's is a question for the caller's trust anchors
(``forensics_app.services.trust``): keys that travel inside the bundle prove
nothing about its origin.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from . import merkle
from .checkpoint import Checkpoint, parse_verifier_key, verify_checkpoint
from .errors import IntegrityError
from .identity import decode_signature, fingerprint, normalise_fingerprint, verify_signature

KeyLookup = Callable[[str], "tuple[str, bytes] | None"]  # fingerprint -> (alg, public key)


def verify_inclusion(checkpoint_note: str, vkey: str, entry: bytes, index: int, audit_path: Sequence[str]) -> Checkpoint:
    """Raise IntegrityError unless ``entry`` is leaf ``index`` of the signed checkpoint."""
    checkpoint = verify_checkpoint(checkpoint_note, vkey)
    try:
        path = [bytes.fromhex(node) for node in audit_path]
    except ValueError as exc:
        raise IntegrityError("audit path is not hexadecimal", message_vi="đường kiểm chứng không phải số thập lục phân") from exc
    if not merkle.verify_inclusion(merkle.leaf_hash(entry), index, checkpoint.size, path, checkpoint.root):
        raise IntegrityError(f"entry {index} is not included in the checkpoint (proof does not match)",
                             message_vi=f"mục nhật ký {index} không nằm trong điểm kiểm tra (bằng chứng không khớp)")
    return checkpoint


def signature_problem(entry: bytes, signature: str, cover: dict[str, Any] | None, keys: KeyLookup) -> str | None:
    """Why ``entry`` is not signed by the key it names (None when it is).

    An entry without a signature of its own is covered by the signed entry that
    ends its group: ``cover`` holds that entry, its signature and the audit path
    of ``entry`` in the group (the signed entry's ``covers`` names the group's
    first position, count and root).
    """
    try:
        record = json.loads(entry)
        key_fp = str(record["key"]["fingerprint"])
        seq = int(record["seq"])
    except (ValueError, KeyError, TypeError):
        return f"entry {entry[:40]!r}… names no signing key"
    found = keys(normalise_fingerprint(key_fp))
    if found is None:
        return f"entry {seq} is signed by key {key_fp}, which is not among the keys given"
    signed, sig_text = entry, signature
    if not signature:
        if not cover or not cover.get("entry"):
            return f"entry {seq} has no signature and no signed entry covering it was given"
        signed, sig_text = str(cover["entry"]).encode("utf-8"), str(cover.get("signature", ""))
        try:
            covering = json.loads(signed)
            group = covering["covers"]
            first, count, root = int(group["first"]), int(group["count"]), bytes.fromhex(group["root"])
            path = [bytes.fromhex(h) for h in cover.get("audit_path", [])]
        except (ValueError, KeyError, TypeError):
            return f"entry {seq}: the entry said to cover it has no valid cover"
        if (covering.get("key") or {}).get("fingerprint") != key_fp:
            return f"entry {seq}: the entry said to cover it was signed with another key"
        if not merkle.verify_inclusion(merkle.leaf_hash(entry), seq - first, count, path, root):
            return f"entry {seq} is not among the entries its covering signature vouches for"
    try:
        raw = decode_signature(sig_text)
    except IntegrityError:
        return f"entry {seq}: the signature is not base64"
    if not verify_signature(found[0], found[1], signed, raw):
        return f"entry {seq} is not signed by key {key_fp} (the signature does not verify)"
    return None


def bundle_keys(bundle: dict[str, Any]) -> KeyLookup:
    """The keys a bundle carries (for consistency only: not trust)."""
    table: dict[str, tuple[str, bytes]] = {}
    for entry in bundle.get("keys", []) or []:
        try:
            alg, public = str(entry["alg"]), base64.b64decode(str(entry["public_key"]), validate=True)
        except (KeyError, ValueError, TypeError):
            continue
        table[normalise_fingerprint(fingerprint(alg, public))] = (alg, public)
    return table.get


def verify_bundle(bundle: dict[str, Any], keys: KeyLookup | None = None) -> list[str]:
    """Check the checkpoint, every inclusion proof and every entry's signature; return every problem.

    ``keys`` resolves the fingerprints entries name (default: the keys the bundle
    carries, which shows consistency, not origin).
    """
    problems: list[str] = []
    lookup = keys or bundle_keys(bundle)
    try:
        verify_checkpoint(bundle["checkpoint"], bundle["verifier_key"])
        parse_verifier_key(bundle["verifier_key"])
    except (KeyError, TypeError) as exc:
        return [f"proof bundle lacks {exc}"]
    except IntegrityError as exc:
        return [str(exc)]
    for proof in bundle.get("proofs", []):
        try:
            entry = str(proof["entry"]).encode("utf-8")
            verify_inclusion(bundle["checkpoint"], bundle["verifier_key"], entry, int(proof["index"]),
                             proof["audit_path"])
            problem = signature_problem(entry, str(proof.get("signature", "")), proof.get("cover"), lookup)
            if problem:
                problems.append(problem)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"malformed proof: {exc}")
        except IntegrityError as exc:
            problems.append(str(exc))
    return problems

