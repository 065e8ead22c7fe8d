"""What the custody log fixes about an item: its whole canonical record.

An acquisition entry (and every later entry that changes the item, e.g.
``item.amend``) carries the record's SHA-256 over all of its columns, its
metadata (provenance, locator and recovery state, EXIF and browser-history rows,
social summaries…) and its warnings, so changing any recorded fact is caught.
It also carries the plain facts people read (name, hashes, size…) and a short
digest per metadata key, so ``vault verify`` can name the field that changed;
the full digest is what secures it, the short ones only point.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .canonical import canonical_json, canonical_object

#: columns fixed in clear in the custody entry (people read them in the log)
PLAIN_FIELDS = ("kind", "name", "source", "parent_id", "size", "sha256", "blake3", "md5", "sha1", "media_type",
                "acquired_at")
# Not the blob's name: it is where the encrypted content lies (a rekey moves it), not a fact about the evidence;
# verify holds the blob's decrypted hashes to the item's, and those are fixed here.
#: columns fixed by digest only
DIGEST_FIELDS = ("uid", "case_id", "examiner_id")
RECORD_VERSION = 1


def row_dict(row: Any) -> dict[str, Any]:
    """A database row of ``items`` as the dict :func:`canonical_record` reads."""
    import json

    data = dict(row)
    data["blob"] = data.pop("blob_name", None)
    data["metadata"] = json.loads(data["metadata"]) if isinstance(data.get("metadata"), str) else data.get("metadata")
    data["warnings"] = json.loads(data["warnings"]) if isinstance(data.get("warnings"), str) else data.get("warnings")
    return data


def canonical_record(row: dict[str, Any]) -> dict[str, Any]:
    """The item as the vault keeps it, from a row dict (``blob``, ``metadata`` and ``warnings`` decoded)."""
    record = {name: row.get(name) for name in PLAIN_FIELDS + DIGEST_FIELDS}
    record["id"] = row["id"]
    record["metadata"] = row.get("metadata") or {}
    record["warnings"] = row.get("warnings") or []
    return record


def _short(value: Any) -> str:
    return _digest12(canonical_json(value))


def record_facts(row: dict[str, Any]) -> dict[str, Any]:
    """The part of a custody entry's details that fixes the whole record.

    Each field and metadata value is encoded once: its short digest and the record's digest are made from the
    same bytes (a record's canonical JSON is its fields' canonical JSON in key order).
    """
    record = canonical_record(row)
    facts: dict[str, Any] = {name: record[name] for name in PLAIN_FIELDS if record[name] is not None
                             or name not in ("md5", "sha1")}
    facts["warnings"] = len(record["warnings"])
    facts["blob"] = row.get("blob")  # where the content lay when recorded (for people; not compared)
    metadata = record["metadata"]
    if all(isinstance(key, str) for key in metadata):
        parts = {name: canonical_json(value) for name, value in record.items() if name != "metadata"}
        meta_parts = {key: canonical_json(value) for key, value in metadata.items()}
        parts["metadata"] = canonical_object(meta_parts)
        whole = canonical_object(parts)
    else:  # keys JSON turns into strings sort differently: encode the whole record as it is
        parts = {name: canonical_json(record[name]) for name in DIGEST_FIELDS + ("warnings",)}
        meta_parts = {key: canonical_json(value) for key, value in metadata.items()}
        whole = canonical_json(record)
    facts["record"] = {
        "v": RECORD_VERSION,
        "sha256": hashlib.sha256(whole).hexdigest(),
        "fields": {**{name: _digest12(parts[name]) for name in DIGEST_FIELDS},
                   "warnings": _digest12(parts["warnings"]),
                   **{f"metadata.{key}": _digest12(value) for key, value in meta_parts.items()}},
    }
    return facts


def _digest12(encoded: bytes) -> str:
    return hashlib.sha256(encoded).hexdigest()[:12]


def changed_fields(row: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    """The fields of ``row`` that differ from what ``facts`` fixed ([] when the record is as logged)."""
    record = canonical_record(row)
    fixed = facts.get("record") or {}
    if fixed.get("sha256") == hashlib.sha256(canonical_json(record)).hexdigest():
        return []
    changed = [name for name in PLAIN_FIELDS if facts.get(name) != record[name]]
    if facts.get("warnings") != len(record["warnings"]):
        changed.append("warnings")
    digests = fixed.get("fields") or {}
    for name in DIGEST_FIELDS + ("warnings",):
        if name in digests and digests[name] != _short(record[name]) and name not in changed:
            changed.append(name)
    now = {f"metadata.{key}": _short(value) for key, value in record["metadata"].items()}
    logged = {key for key in digests if key.startswith("metadata.")}
    for key in sorted(logged | set(now)):
        if digests.get(key) != now.get(key):
            changed.append(key)
    return changed or ["record"]
