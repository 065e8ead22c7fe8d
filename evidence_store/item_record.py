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

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .canonical import canonical_json, canonical_object, canonical_text, canonical_text_around, picker

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
    """The part of a custody entry's details that fixes the whole record (``row`` with its id)."""
    facts: dict[str, Any] = json.loads(prepare_record(row).details_json(row["id"]))
    return facts


class PreparedRecord(NamedTuple):
    """An item's record and acquisition details encoded before its id exists (the id is given under the vault's
    writer lock): committing then costs one hash and a few joins, and the encoding can be done in a worker process.

    ``record_before + id + record_after`` is the canonical JSON of the record (its SHA-256 is the record's
    digest); the entry's details are ``details_before`` + the record's digests + ``details_after``.
    """

    uid: str
    case_id: int
    parent_id: int | None
    examiner_id: int
    blob: str | None
    metadata_json: str  # what the items row stores (JSON in the metadata's own key order, which displays keep)
    warnings_json: str
    record_before: bytes
    record_after: bytes
    fields_json: bytes
    details_before: bytes
    details_after: bytes

    def record_sha256(self, item_id: int) -> str:
        return hashlib.sha256(self.record_before + int.__repr__(item_id).encode("ascii") + self.record_after).hexdigest()

    def details_json(self, item_id: int) -> bytes:
        """Canonical JSON of the acquisition entry's details: extra facts, plain facts, the record's digests."""
        return (self.details_before + b'{"fields":' + self.fields_json + b',"sha256":"' +
                self.record_sha256(item_id).encode("ascii") + b'","v":' + _RECORD_VERSION + b"}" + self.details_after)

    def with_blob(self, blob: str | None) -> PreparedRecord:
        """The same record with its content at ``blob`` (the batch found the same plaintext stored already).

        The blob is not part of the record, only of the entry's details (where the content lay), whose
        ``"blob"`` key comes before ``"record"``: its value is replaced where it stands, found by its key at the
        details' top level (any other ``"blob":`` text inside a JSON string would have its quotes escaped)."""
        old, new = b',"blob":' + _bytes(self.blob), b',"blob":' + _bytes(blob)
        if self.details_before.count(old) != 1:  # a nested "blob" key in an extra detail: not made this way
            raise ValueError("the record's details do not name its blob once at their top level")
        return self._replace(blob=blob, details_before=self.details_before.replace(old, new))


_RECORD_VERSION = int.__repr__(RECORD_VERSION).encode("ascii")
# json.dumps(value, ensure_ascii=False) builds an encoder on every call; rows are written by the thousand.
# Metadata is plain JSON data (checked by canonical_json), so no cycle check is needed either.
_row_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def prepare_record(row: dict[str, Any], extra: dict[str, Any] | None = None, *,
                   metadata_encoded: tuple[dict[str, bytes], str] | None = None) -> PreparedRecord:
    """Encode an item's record without its id: ``row`` holds the columns (``blob``, and ``metadata`` and
    ``warnings`` decoded; an ``id`` in it is ignored); ``extra``: JSON-ready facts the entry's details add.

    Each field and metadata value is encoded once: its short digest and the record's digest are made from the
    same bytes (a record's canonical JSON is its fields' canonical JSON in key order). Metadata keys are strings,
    as the row reads back. ``metadata_encoded``: the metadata already encoded by the caller, as the canonical
    JSON of each value by key and the row's JSON of the whole (exactly what this function would write: e.g.
    a disk extraction's locators, written from templates, see :mod:`forensics_app.services.locator_json`).
    """
    get: Callable[[str], Any] = row.get
    metadata = get("metadata") or {}
    warnings = get("warnings") or []
    if metadata_encoded is None:
        meta_parts = {str(key): canonical_json(value) for key, value in metadata.items()}
        metadata_json = _row_json(metadata)
    else:
        meta_parts, metadata_json = metadata_encoded
    texts = {name: _text(get(name)) for name in _COLUMNS}  # as text: each object is one `%` on a template
    warnings_text = texts["warnings"] = canonical_json(warnings).decode("utf-8") if warnings else "[]"
    texts["metadata"] = canonical_object(meta_parts).decode("utf-8")
    before, after = canonical_text_around(texts, "id")
    few = _digest12_of_few
    fields = {"case_id": few(texts["case_id"]), "examiner_id": few(texts["examiner_id"]),
              "uid": _digest12(texts["uid"].encode("utf-8")),
              "warnings": _digest12(warnings_text.encode("utf-8")) if warnings else few(warnings_text)}
    for key, value in meta_parts.items():
        fields["metadata." + key] = _digest12(value)
    # the entry's details: the extra facts, then the plain facts (their text already made for the record)
    details = {str(key): _text(value) for key, value in extra.items()} if extra else {}
    for name in PLAIN_FIELDS:
        if name not in _OPTIONAL_PLAIN or get(name) is not None:
            details[name] = texts[name]
    details["warnings"] = int.__repr__(len(warnings))
    details["blob"] = _text(get("blob"))  # where the content lay when recorded (for people)
    details.pop("record", None)
    details_before, details_after = canonical_text_around(details, "record")
    return PreparedRecord(
        uid=get("uid"), case_id=get("case_id"), parent_id=get("parent_id"), examiner_id=get("examiner_id"),
        blob=get("blob"), metadata_json=metadata_json,
        warnings_json=_row_json(warnings) if warnings else "[]", record_before=before.encode("utf-8"),
        record_after=after.encode("utf-8"),
        fields_json=canonical_text({key: '"' + value + '"' for key, value in fields.items()}).encode("ascii"),
        details_before=details_before.encode("utf-8"), details_after=details_after.encode("utf-8"))


def _text(value: Any) -> str:
    """``canonical_json(value)`` as text (most values are strings and integers)."""
    kind = type(value)
    if kind is str:
        return _quote(value)  # type: ignore[no-any-return]
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return canonical_json(value).decode("utf-8")


_quote = json.encoder.encode_basestring  # type: ignore[attr-defined]
_COLUMNS = PLAIN_FIELDS + DIGEST_FIELDS
_OPTIONAL_PLAIN = ("md5", "sha1")  # in the details only when computed


@functools.lru_cache(maxsize=64)
def _digest12_of_few(text: str) -> str:
    """:func:`_digest12` of values many records share (their case, their examiner, no warnings)."""
    return _digest12(text.encode("utf-8"))


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


class RecordTemplate:
    """:func:`prepare_record` for many items of one kind, case, parent and examiner, whose metadata and extra
    details have the same keys (a disk extraction's files): every object is one ``%`` on a template made here,
    with the shared facts and their digests written in once. A test holds it to :func:`prepare_record`.
    """

    def __init__(self, *, kind: str, case_id: int, parent_id: int | None, examiner_id: int,
                 metadata_keys: tuple[str, ...], extra_keys: tuple[str, ...], md5: bool, sha1: bool) -> None:
        self._ids = (case_id, parent_id, examiner_id)
        self._metadata_keys = tuple(sorted(metadata_keys))
        self._extra_keys = extra_keys
        self._hashes = (md5, sha1)
        shared = {"kind": _text(kind), "case_id": _text(case_id), "parent_id": _text(parent_id),
                  "examiner_id": _text(examiner_id)}
        record: dict[str, str | Slot] = {name: shared.get(name) or Slot(name) for name in _COLUMNS}
        record.update(warnings=Slot("warnings"), metadata=Slot("metadata"))
        self._record = _template(record, "id")
        details: dict[str, str | Slot] = {str(key): Slot("extra." + str(key)) for key in extra_keys}
        for name in PLAIN_FIELDS:
            if name not in _OPTIONAL_PLAIN or {"md5": md5, "sha1": sha1}[name]:
                details[name] = shared.get(name) or Slot(name)
        details.update(warnings=Slot("count"), blob=Slot("blob"))
        details.pop("record", None)
        self._details = _template(details, "record")
        fields: dict[str, str | Slot] = {
            "case_id": f'"{_digest12_of_few(shared["case_id"])}"',
            "examiner_id": f'"{_digest12_of_few(shared["examiner_id"])}"', "uid": Slot("digest.uid"),
            "warnings": Slot("digest.warnings"),
            **{"metadata." + key: Slot("digest.metadata." + key) for key in metadata_keys}}
        self._fields = _template(fields, None)

    def fits(self, case_id: int, parent_id: int | None, examiner_id: int, metadata: Iterable[str],
             extra: dict[str, Any], hashes: dict[str, str]) -> bool:
        """Whether the record of these facts is this template's (``metadata``: its keys, or the metadata)."""
        return ((case_id, parent_id, examiner_id) == self._ids and tuple(extra) == self._extra_keys
                and ("md5" in hashes, "sha1" in hashes) == self._hashes
                and tuple(sorted(metadata)) == self._metadata_keys)

    def prepare(self, *, uid: str, name: str, source: str, size: int | None, hashes: dict[str, str],
                media_type: str | None, acquired_at: str, blob: str | None, metadata: dict[str, Any],
                metadata_encoded: tuple[dict[str, bytes], str] | None, warnings: list[dict[str, Any]],
                extra: dict[str, Any]) -> PreparedRecord:
        """The record :func:`prepare_record` makes of these facts (that :meth:`fits`; JSON-ready, as that
        function takes them)."""
        if metadata_encoded is None:
            meta_parts = {str(key): canonical_json(value) for key, value in metadata.items()}
            metadata_json = _row_json(metadata)
        else:
            meta_parts, metadata_json = metadata_encoded
        warnings_part = canonical_json(warnings) if warnings else b"[]"
        uid_part = _bytes(uid)
        values: dict[str, bytes] = {  # in bytes: the locator (most of a record) is never decoded and encoded again
            "uid": uid_part, "name": _bytes(name), "source": _bytes(source), "size": _bytes(size),
            "sha256": _bytes(hashes.get("sha256")), "blake3": _bytes(hashes.get("blake3")),
            "md5": _bytes(hashes.get("md5")), "sha1": _bytes(hashes.get("sha1")), "media_type": _bytes(media_type),
            "acquired_at": _bytes(acquired_at), "warnings": warnings_part, "blob": _bytes(blob),
            "metadata": canonical_object(meta_parts), "count": int.__repr__(len(warnings)).encode("ascii"),
            "digest.uid": _quoted_digest(uid_part),
            "digest.warnings": _quoted_digest(warnings_part) if warnings else _NO_WARNINGS_DIGEST}
        for key, part in meta_parts.items():
            values["digest.metadata." + key] = _quoted_digest(part)
        for key, value in extra.items():
            values["extra." + str(key)] = _bytes(value)
        record, details, fields = self._record, self._details, self._fields
        return PreparedRecord(
            uid=uid, case_id=self._ids[0], parent_id=self._ids[1], examiner_id=self._ids[2], blob=blob,
            metadata_json=metadata_json, warnings_json=_row_json(warnings) if warnings else "[]",
            record_before=record[0] % record[1](values), record_after=record[2] % record[3](values),
            fields_json=fields[0] % fields[1](values), details_before=details[0] % details[1](values),
            details_after=details[2] % details[3](values))


def _bytes(value: Any) -> bytes:
    """``canonical_json(value)`` (most values are strings and integers)."""
    kind = type(value)
    if kind is str:
        return _quote(value).encode("utf-8")  # type: ignore[no-any-return]
    if kind is int:
        return int.__repr__(value).encode("ascii")
    return canonical_json(value)


def _quoted_digest(encoded: bytes) -> bytes:
    return b'"' + hashlib.sha256(encoded).hexdigest()[:12].encode("ascii") + b'"'


_NO_WARNINGS_DIGEST = _quoted_digest(b"[]")


class Slot(str):
    """In a template's parts: a value given for each record (its name among the values), not written in."""


_Picker = Callable[[dict[str, bytes]], tuple[bytes, ...]]


def _template(parts: dict[str, str | Slot], hole: str | None) -> tuple[bytes, _Picker, bytes, _Picker]:
    """The canonical object of ``parts`` (cut around ``hole``) as ``%`` templates: a text is written in, a
    :class:`Slot` is filled from the values by its name. Returns the template and picker of each side."""
    ordered = sorted({*parts, hole} if hole is not None else parts)
    pieces: list[list[str]] = [[], []]
    slots: list[list[str]] = [[], []]
    side = 0
    for index, key in enumerate(ordered):
        head = ("," if index else "{") + _quote(key).replace("%", "%%") + ":"
        if key == hole:
            pieces[0].append(head)
            side = 1
            continue
        value = parts[key]
        if type(value) is Slot:
            pieces[side].append(head + "%s")
            slots[side].append(str(value))
        else:
            pieces[side].append(head + value.replace("%", "%%"))
    pieces[side].append("}" if ordered else "{}")
    return ("".join(pieces[0]).encode("utf-8"), picker(slots[0]), "".join(pieces[1]).encode("utf-8"),
            picker(slots[1]))


