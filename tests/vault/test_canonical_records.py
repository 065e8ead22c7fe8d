"""Canonical JSON made from parts equals canonical JSON made whole, and an item's record digest is unchanged by it.

Custody entries written before the faster encoding must verify after it: the record digest of
:func:`record_facts` is held here to the plain definition (SHA-256 of the canonical JSON of the record).
"""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest

from evidence_store import Case, UsageError, Vault
from evidence_store.batch import ReadyItem, prepare_item_record
from evidence_store.canonical import canonical_json, canonical_object, canonical_object_around, iso_utc
from evidence_store.item_record import DIGEST_FIELDS, canonical_record, prepare_record, record_facts

from ..conftest import assert_verifies_clean

LOCATOR = {
    "image_item": 1, "image": "/ảnh/đĩa \"một\".img", "partition": 0, "partition_offset": 1048576,
    "file_system": "ext4", "inode": "12-128-1", "stream": None, "path": "/thư mục 000/tệp\\x0d 000001.txt",
    "path_bytes_hex": "2f", "allocation": "allocated", "orphan": False, "recovery": "exact",
    "recovery_reasons": [], "size": 4000, "times": {"mtime": {"value": "2023-11-14T22:13:20Z", "precision": "1ns"}},
    "weird keys": {"Z": 1, "a": 2, "é": 3, "\u00a0": 4, "\t": [True, None, "\u2028\x00"]},
}


def row(metadata: dict, warnings: list | None = None) -> dict:
    return {"id": 7, "uid": "0b4c…", "case_id": 2, "parent_id": 1, "kind": "extracted_file", "name": "tệp 1.txt",
            "source": "img#partition0:/tệp 1.txt", "size": 4000, "media_type": "text/plain", "sha256": "ab" * 32,
            "blake3": "cd" * 32, "md5": None, "sha1": None, "blob": "ef" * 32, "acquired_at": "2026-12-07T03:00:00Z",
            "examiner_id": 1, "metadata": metadata, "warnings": warnings or []}


@pytest.mark.parametrize("value", [
    LOCATOR, {}, {"b": {"c": [1, 2, {"z": "ü", "a": ""}]}, "a": -5}, {"\U0001f600": "x", "~": "y", "A": "z"},
])
def test_an_object_from_its_encoded_values_is_the_object_encoded(value: dict) -> None:
    assert canonical_object({k: canonical_json(v) for k, v in value.items()}) == canonical_json(value)
    assert canonical_json(value) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("value", [1.5, {"a": [1, {"b": 2.0}]}, [0.1]])
def test_floats_are_still_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(value)


def test_the_record_digest_is_the_digest_of_the_whole_record() -> None:
    for metadata, warnings in ((LOCATOR, []), ({"locator": LOCATOR, "exif": [{"Make": "Canon"}]}, [{"code": "x"}]),
                               ({}, [])):
        facts = record_facts(row(metadata, warnings))
        record = canonical_record(row(metadata, warnings))
        assert facts["record"]["sha256"] == hashlib.sha256(canonical_json(record)).hexdigest()
        fields = facts["record"]["fields"]
        for name in DIGEST_FIELDS:
            assert fields[name] == hashlib.sha256(canonical_json(record[name])).hexdigest()[:12]
        assert fields["warnings"] == hashlib.sha256(canonical_json(warnings)).hexdigest()[:12]
        assert {k for k in fields if k.startswith("metadata.")} == {f"metadata.{k}" for k in metadata}
        for key, value in metadata.items():
            assert fields[f"metadata.{key}"] == hashlib.sha256(canonical_json(value)).hexdigest()[:12]


def test_a_changed_metadata_value_changes_the_record_digest() -> None:
    before = record_facts(row({"locator": LOCATOR}))["record"]
    after = record_facts(row({"locator": {**LOCATOR, "inode": "13-128-1"}}))["record"]
    assert before["sha256"] != after["sha256"]
    assert before["fields"]["metadata.locator"] != after["fields"]["metadata.locator"]
    assert before["fields"]["uid"] == after["fields"]["uid"]


@pytest.mark.parametrize("value", ["", "a\"b\\c\n\x00\u2028é😀", 0, -1, 10**30, True, False, None, [], {}])
def test_scalars_are_encoded_as_json_encodes_them(value: object) -> None:
    assert canonical_json(value) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False).encode("utf-8")


def test_now_in_utc_is_written_as_a_given_moment_is() -> None:
    from datetime import timedelta

    from evidence_store.canonical import iso_utc, parse_iso, utc_now

    for _ in range(3):
        before = utc_now()
        text = iso_utc()
        after = utc_now()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", text), text
        assert before <= parse_iso(text) <= after
        assert iso_utc(parse_iso(text)) == text
        assert iso_utc(before + timedelta(hours=7)) > text  # a later moment writes a later text


@pytest.mark.parametrize("hole", ["id", "a", "zzz", "~", "metadata"])
def test_an_object_cut_around_a_hole_is_the_object_encoded_once_the_value_is_in(hole: str) -> None:
    parts = {k: canonical_json(v) for k, v in LOCATOR.items() if k != hole}
    before, after = canonical_object_around(parts, hole)
    assert before + b"12345" + after == canonical_json({**{k: v for k, v in LOCATOR.items() if k != hole}, hole: 12345})


@pytest.mark.parametrize("item_id", [1, 7, 10**12])
def test_a_record_prepared_before_its_id_gives_the_details_made_with_it(item_id: int) -> None:
    """The record encoded ahead (in a reader process, before the writer lock gives the id) yields, once the id is
    known, the canonical JSON of the same details as encoding them whole: the extra facts, then the record's."""
    extra = {"address": "12-128-1", "partition": 0, "path": "/thư mục/tệp\\x0d", "recovery": "exact",
             "name": "overridden by the record's own name"}
    for metadata, warnings in ((LOCATOR, []), ({"locator": LOCATOR, "exif": [{"Make": "Canon"}]}, [{"code": "x"}]),
                               ({}, [])):
        whole = {**row(metadata, warnings), "id": item_id}
        prepared = prepare_record({k: v for k, v in whole.items() if k != "id"}, extra)
        expected = {**extra, **record_facts(whole)}
        assert prepared.details_json(item_id) == canonical_json(expected)
        assert expected["record"]["sha256"] == hashlib.sha256(canonical_json(canonical_record(whole))).hexdigest()
        assert json.loads(prepared.metadata_json) == metadata
        assert list(json.loads(prepared.metadata_json)) == list(metadata)  # the metadata's own key order is kept
        assert json.loads(prepared.warnings_json) == warnings


@pytest.mark.parametrize("blob", ["12" * 32, None])
def test_a_record_moved_to_another_blob_is_the_record_made_with_it(blob: str | None) -> None:
    """The batch reuses an equal stored blob for content a reader encoded: the details then name the stored blob,
    exactly as if the record had been made with it, and nothing else changes (the blob is not in the record)."""
    extra = {"address": "5", "blame": '","blob":"' + "ef" * 32 + '"', "partition": 0}  # a look-alike in a value
    made = prepare_record(row({"locator": LOCATOR}), extra)
    moved = made.with_blob(blob)
    assert moved.details_json(9) == prepare_record({**row({"locator": LOCATOR}), "blob": blob}, extra).details_json(9)
    assert moved.record_sha256(9) == made.record_sha256(9) and moved.blob == blob
    nested = prepare_record(row({}), {"a": {"a": 1, "blob": "ef" * 32}})  # a nested "blob" key: refused, not guessed
    with pytest.raises(ValueError):
        nested.with_blob(blob)


def test_ready_items_commit_as_items_encoded_at_commit(vault: Vault, case: Case) -> None:
    """Items whose records a reader encoded ahead commit to the same log as items the batch encodes, in the order
    added: canonical entries that verify. One whose content the batch replaced by an equal stored blob names that
    blob in its entry; one made for another examiner is refused, and its temp blob is not left behind."""
    with vault.batch(case) as first:
        first.add_record(kind="folder", name="gốc", source="test")
    plain = first.committed[0]
    with vault.batch(case) as batch:
        stored = batch.add_content(io.BytesIO(b"stored once"), kind="file", name="a.txt", source="test",
                                   parent=plain.id)

    def ready(number: int, data: bytes, examiner_id: int) -> ReadyItem:
        content = vault.blobs.ingest(io.BytesIO(data), segment_size=vault.config.segment_size)
        acquired, name = iso_utc(), f"{number}.txt"
        record = prepare_item_record(
            uid=f"uid-{number}", case_id=case.id, parent_id=plain.id, examiner_id=examiner_id,
            blob=content.blob_name, kind="file", name=name, source="test", media_type="text/plain", content=content,
            acquired_at=acquired, metadata={"locator": LOCATOR}, warnings=[], details={"n": number})
        return ReadyItem("file", name, "test", "text/plain", acquired, content, record)

    with vault.batch(case) as batch:
        batch.add_ready(ready(0, b"new content", vault.signer.examiner_id))
        between = batch.add_content(io.BytesIO(b"encoded at commit"), kind="file", name="between.txt",
                                    source="test", parent=plain.id)
        batch.add_ready(ready(1, b"stored once", vault.signer.examiner_id))
    assert between.item is not None and batch.ready_ids == [between.item.id - 1, between.item.id + 1]
    items = [vault.get_item(item_id) for item_id in batch.ready_ids]
    assert [item.uid for item in items] == ["uid-0", "uid-1"]  # the uid made ahead is kept
    assert items[0].metadata == {"locator": LOCATOR} and items[0].parent_id == plain.id
    assert stored.item is not None and items[1].blob == stored.item.blob  # deduplicated: the stored blob
    entries = {e.record["item"]["id"]: e for e in vault.custody.entries(case_id=case.id) if e.record["item"]}
    for item in items:
        entry = entries[item.id]
        assert canonical_json(json.loads(entry.entry)) == entry.entry
        details = entry.record["details"]
        assert details["blob"] == item.blob and details["n"] == int(item.name[0])  # and the entry says so
        assert entry.record["examiner"]["id"] == vault.signer.examiner_id
    refused = ready(2, b"other examiner", vault.signer.examiner_id + 1)
    count = vault.custody.size()
    with pytest.raises(UsageError), vault.batch(case) as batch:
        batch.add_ready(refused)
    assert not refused.content.temp_path.exists() and vault.custody.size() == count
    assert_verifies_clean(vault)


@pytest.mark.corrupts_vault  # the entries name items that do not exist: verify would rightly say so
def test_custody_entries_appended_together_are_canonical_json_and_chain(vault: Vault, case: Case) -> None:
    """Entries built from a template (every one of a group but its last) are the canonical JSON of what they say,
    each names the previous leaf, and the group's last covers the others."""
    with vault._write():
        made = vault.custody.append_many(vault.signer, [
            ("item.acquire", (case.id, case.uid), (7, "u-7"), canonical_json({"tên": "ảnh.jpg", "n": 1})),
            ("item.acquire", (case.id, case.uid), None, {"kind": "x"}),
            ("note", None, (8, 'quote " and \\ slash'), None),
            ("item.acquire", (case.id, case.uid), (9, "u-9"), {}),
        ])
    previous = None
    for entry in made:
        record = json.loads(entry.entry)
        assert entry.entry == canonical_json(record)
        assert entry.leaf_hash == hashlib.sha256(b"\x00" + entry.entry).hexdigest()
        if previous is not None:
            assert record["prev"] == previous.leaf_hash
        previous = entry
    records = [json.loads(e.entry) for e in made]
    assert [r["item"] for r in records] == [{"id": 7, "uid": "u-7"}, None, {"id": 8, "uid": 'quote " and \\ slash'},
                                            {"id": 9, "uid": "u-9"}]
    assert records[0]["details"] == {"tên": "ảnh.jpg", "n": 1} and records[2]["details"] == {}
    assert [bool(e.signature) for e in made] == [False, False, False, True]
    assert records[-1]["covers"]["count"] == 3 and "covers" not in records[0]
