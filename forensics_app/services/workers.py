"""Capture workers at the desk: enrol their keys (an examiner's act, in the custody log), revoke, list.

The worker makes its key itself (``forensics worker keygen`` on the worker) and
prints its fingerprint; the examiner enrols the public key here and compares
the fingerprint the desk prints with the one the worker printed (``--fingerprint``
makes the desk compare them). From then on the desk accepts bundles signed by
that key, and only while the log says it is enrolled.
"""

from __future__ import annotations

from evidence_store import UsageError, Vault
from evidence_store import remote_store as store
from evidence_store.identity import normalise_fingerprint

from .worker_identity import key_fingerprint, parse_public_key


def enrol(vault: Vault, name: str, key: str, *, fingerprint: str = "", note: str = "") -> store.WorkerKey:
    """Enrol the worker key ``key`` (``ed25519:<base64>`` or a file holding it) as ``name``; with ``fingerprint``
    (as the worker printed it) the key must have that fingerprint."""
    alg, raw = parse_public_key(key)
    found = key_fingerprint(alg, raw)
    if fingerprint and normalise_fingerprint(fingerprint) != normalise_fingerprint(found):
        raise UsageError(f"the key's fingerprint is {found}, not {fingerprint.strip()}: this is not the key the worker "
                         "printed; nothing was enrolled",
                         message_vi=f"dấu vân tay của khoá là {found}, không khớp; chưa ghi danh")
    return store.enrol_worker(vault, name, alg, raw, note=note)


def revoke(vault: Vault, name: str, reason: str) -> store.WorkerKey:
    return store.revoke_worker(vault, name, reason=reason)


def workers(vault: Vault) -> list[store.WorkerKey]:
    return store.list_workers(vault)


def desk_recipient(vault: Vault) -> str:
    """The desk's age recipient (``age1…``): workers seal bundles to it; pin it on them with ``--recipient``."""
    return store.desk_recipient(vault)
