"""The reader's fast record encoding writes exactly what the encoders write.

An extraction's reader writes each common locator's canonical JSON and row JSON from templates
(:mod:`forensics_app.services.locator_json`) and each record from text templates
(:func:`evidence_store.canonical.canonical_text_around`); on every kind of image, and for locators
changed into shapes the templates do not take, the bytes must be those of ``canonical_json`` and of
the row's encoder, and the record prepared with them the record prepared without.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from collectors.disk import DiskImage
from evidence_store import Vault
from evidence_store.batch import prepare_item_record, ready_details
from evidence_store.canonical import canonical_json, canonical_object, canonical_text, canonical_text_around
from evidence_store.item_record import RecordTemplate, prepare_record
from evidence_store.models import Item
from forensics_app.services.disk_extract import KIND_FILE, Extractor, PreparedFile, Selection
from forensics_app.services.locator_json import encoded_metadata

ROW_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def image_item() -> Item:
    return Item(id=7, uid="uid-of-the-image \"ảnh\"", case_id=1, parent_id=None, kind="disk_image", name="image",
                source="image", size=None, media_type=None, sha256=None, blake3=None, md5=None, sha1=None, blob=None,
                acquired_at="", examiner="", metadata={}, warnings=())


def prepared_files(vault: Vault, image_path: Path, extra_hashes: tuple[str, ...] = ()) -> list[PreparedFile]:
    def ingest(stream: Any, **options: Any) -> Any:
        return vault.blobs.ingest(stream, segment_size=vault.config.segment_size, sync=False, **options)

    with DiskImage.open(image_path, local_zone="Asia/Ho_Chi_Minh") as image:
        extractor = Extractor(image, image_item(), segment_size=vault.config.segment_size, extra_hashes=extra_hashes)
        found = [extractor.prepare(entry, [], ingest) for entry in extractor.select(Selection(all=True), None)]
    files = [p for p in found if p is not None]
    for prepared in files:  # only their facts are looked at
        vault.blobs.discard(prepared.content)
    return files


def assert_encoded_as_the_encoders(metadata: dict[str, Any]) -> bool:
    """The fast texts equal the encoders' (or the metadata is declined, or refused as they refuse it: a float);
    whether it was taken."""
    try:
        expected: Any = ({key: canonical_json(value) for key, value in metadata.items()}, ROW_JSON(metadata))
    except TypeError:
        expected = None
    try:
        encoded = encoded_metadata(metadata)
    except TypeError:
        assert expected is None
        return False
    if encoded is None:
        return False
    assert encoded == expected
    return True


def record_of(prepared: PreparedFile, encoded: bool, uid: str = "0b4c2f4e-7a57-4c3e-9b1a-2f0c3d4e5f60") -> Any:
    return prepare_item_record(
        uid=uid, case_id=1, parent_id=7, examiner_id=1,
        blob=prepared.content.blob_name, kind=KIND_FILE, name=prepared.name, source=prepared.source,
        media_type=prepared.media_type, content=prepared.content, acquired_at=prepared.acquired_at,
        metadata=prepared.metadata, warnings=prepared.warnings, details=prepared.details,
        metadata_encoded=encoded_metadata(prepared.metadata) if encoded else None)


def from_template(prepared: PreparedFile) -> Any:
    """The record as a reader makes it: on the template of its image's files."""
    template = RecordTemplate(kind=KIND_FILE, case_id=1, parent_id=7, examiner_id=1,
                              metadata_keys=tuple(prepared.metadata), extra_keys=tuple(prepared.details),
                              md5="md5" in prepared.content.hashes, sha1="sha1" in prepared.content.hashes)
    assert template.fits(1, 7, 1, prepared.metadata, prepared.details, prepared.content.hashes)
    assert not template.fits(2, 7, 1, prepared.metadata, prepared.details, prepared.content.hashes)
    return template.prepare(
        uid="0b4c2f4e-7a57-4c3e-9b1a-2f0c3d4e5f60", name=prepared.name, source=prepared.source,
        size=prepared.content.size, hashes=prepared.content.hashes, media_type=prepared.media_type,
        acquired_at=prepared.acquired_at, blob=prepared.content.blob_name, metadata=prepared.metadata,
        metadata_encoded=encoded_metadata(prepared.metadata), warnings=[w.to_json() for w in prepared.warnings],
        extra=ready_details(prepared.details))


@pytest.mark.parametrize("rel", [
    "built/ext4.img",  # Vietnamese names, EXIF and browser history (declined), a deleted file
    "built/ext2.img",  # hostile names, a directory loop
    "built/names.img",  # control characters and non-UTF-8 bytes in names, a reallocated name
    "built/ntfs.img",  # an alternate data stream, sequence numbers
    "built/fat.img",  # local times with the zone assumed
    "built/truncated.img",  # a read error
    "dftt/7-undel-ntfs/7-ntfs-undel.dd",  # resident data, deleted and reallocated entries
    "dftt/6-undel-fat/6-fat-undel.dd",  # deleted FAT files: recovery reasons
    "debian/fs.exfat",  # exFAT with deleted folders
])
def test_locators_and_records_equal_the_encoders(vault: Vault, built: Path, dftt: Path, debian_samples: Path,
                                                 rel: str) -> None:
    root, _, name = rel.partition("/")
    path = {"built": built, "dftt": dftt, "debian": debian_samples}[root] / name
    files = prepared_files(vault, path, ("md5",) if "ntfs" in rel else ())
    assert files
    taken = 0
    for prepared in files:
        taken += assert_encoded_as_the_encoders(prepared.metadata)
        fast, plain = record_of(prepared, True), record_of(prepared, False)
        assert fast == plain, prepared.source
        assert from_template(prepared) == plain, prepared.source
        whole = {"id": 12, "uid": fast.uid, "case_id": 1, "parent_id": 7, "kind": KIND_FILE, "name": prepared.name,
                 "source": prepared.source, "size": prepared.content.size, "media_type": prepared.media_type,
                 "sha256": prepared.content.hashes["sha256"], "blake3": prepared.content.hashes["blake3"],
                 "md5": prepared.content.hashes.get("md5"), "sha1": None, "acquired_at": prepared.acquired_at,
                 "examiner_id": 1,
                 "metadata": prepared.metadata, "warnings": [w.to_json() for w in prepared.warnings]}
        assert fast.record_before + b"12" + fast.record_after == canonical_json(whole)
        assert json.loads(fast.metadata_json) == prepared.metadata
        # what a reader sends, made ready by the committing process: the same record, under its own uid
        ready = pickle.loads(pickle.dumps(prepared.encoded())).ready(image_item(), 1).item
        assert ready.record == record_of(prepared, False, ready.record.uid), prepared.source
        assert (ready.name, ready.source, ready.media_type, ready.content.size) == (
            prepared.name, prepared.source, prepared.media_type, prepared.content.size)
        # every locator changed into shapes the templates must decline or write exactly
        for changed in variants(prepared.metadata):
            assert_encoded_as_the_encoders(changed)
    assert taken > 0  # the common locator of every file system here takes the fast path


def variants(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    locator = metadata.get("locator")
    if not isinstance(locator, dict):
        return []
    out = []
    for key, value in (("inode", 1.5), ("orphan", 1), ("size", True), ("sequence", 3), ("sequence", "3"),
                       ("recovery_reasons", ["runs_missing", "blocks_reallocated"]), ("recovery_reasons", [1]),
                       ("stream", {"type": 128, "id": 3, "name": "ADS\u2028", "resident": True}),
                       ("stream", {"type": 128, "size": 0.5}), ("path", "/a\"b\\c\x00\x1f\u00e9%s"),
                       ("time_zone_assumption", {"zone": "Asia/Ho_Chi_Minh", "note": "%d"}),
                       ("times", {"born": {"utc": "x", "precision": "1 s"}, "accessed": {"utc": "y", "precision": "2 s"}}),
                       ("times", {"born": {"precision": "1 s", "utc": "x"}}), ("times", {"m": {"utc": 1.0, "precision": "s"}}),
                       ("times", {}), ("extra", 1)):
        changed = copy.deepcopy(metadata)
        changed["locator"][key] = value
        out.append(changed)
    reordered = copy.deepcopy(metadata)
    reordered["locator"] = dict(reversed(list(locator.items())))
    out.append(reordered)
    out.append({**metadata, "exif": [{"Make": "Canon"}]})
    return out


@pytest.mark.parametrize("parts", [
    {}, {"a": "1"}, {"b": "2", "a": "1"}, {"z%s": '"%d"', "é": "[]", "A": "{}", "\u2028": "null", "id": "7"},
])
def test_objects_from_text_are_the_objects_from_bytes(parts: dict[str, str]) -> None:
    as_bytes = {key: value.encode() for key, value in parts.items()}
    assert canonical_text(parts).encode() == canonical_object(as_bytes)
    for hole in ("0", "id", "zz", "b"):
        if hole in parts:
            continue
        before, after = canonical_text_around(parts, hole)
        assert (before + "12345" + after).encode() == canonical_object({**as_bytes, hole: b"12345"})


@pytest.mark.parametrize(("extra", "warnings", "hashes"), [
    ({}, [], {"sha256": "ab" * 32, "blake3": "cd" * 32}),
    ({"record": "dropped", "name": "the record's own", "z%s": [1, {"b": None}], "kind": 0},
     [{"code": "x%d", "message": "ảnh \"1\""}], {"sha256": "ab" * 32, "blake3": "cd" * 32, "sha1": "ef" * 20}),
    ({"address": "5-128-1", "partition": 0}, [{"code": "y"}, {"code": "z"}],
     {"sha256": "ab" * 32, "blake3": "cd" * 32, "md5": "01" * 16, "sha1": "ef" * 20}),
])
def test_a_template_record_is_the_record(extra: dict[str, Any], warnings: list[Any], hashes: dict[str, str]) -> None:
    """Any extra details (one named as a field, or "record"), warnings and hashes: what prepare_record makes."""
    for metadata in ({}, {"locator": {"a": 1}, "exif": [{"Make": "%s"}]}, {"%d": None}):
        for parent, media_type, size in ((None, None, None), (7, "text/plain", 0)):
            template = RecordTemplate(kind="k%s", case_id=3, parent_id=parent, examiner_id=2,
                                      metadata_keys=tuple(metadata), extra_keys=tuple(extra), md5="md5" in hashes,
                                      sha1="sha1" in hashes)
            row = {"uid": "u\"1", "case_id": 3, "parent_id": parent, "examiner_id": 2, "blob": None, "kind": "k%s",
                   "name": "tệp", "source": "s", "size": size, "media_type": media_type, "acquired_at": "t",
                   "metadata": metadata, "warnings": warnings, **hashes}
            made = template.prepare(uid="u\"1", name="tệp", source="s", size=size, hashes=hashes,
                                    media_type=media_type, acquired_at="t", blob=None, metadata=metadata,
                                    metadata_encoded=None, warnings=warnings, extra=extra)
            assert made == prepare_record(row, extra)


def test_item_uids_are_version_7_in_time_order_and_a_forked_reader_draws_its_own() -> None:
    """RFC 9562 version 7: the creation time in Unix milliseconds first (so the uid index grows at its end),
    then random bits; unique, and a forked reader does not repeat its parent's random bits."""
    import os
    import time
    import uuid

    from evidence_store.uids import new_uid

    before = time.time_ns() // 1_000_000
    made = [new_uid() for _ in range(3000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == 3000
    parsed = [uuid.UUID(u) for u in made]
    assert all(str(p) == u and p.version == 7 and p.variant == uuid.RFC_4122 for p, u in zip(parsed, made, strict=True))
    stamps = [p.int >> 80 for p in parsed]
    assert all(before <= s <= after for s in stamps) and stamps == sorted(stamps)
    randoms = {p.int & ((1 << 62) - 1) for p in parsed}
    assert len(randoms) == 3000  # the random part alone tells them apart
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only writes what it drew
        os.write(write, "".join(new_uid()[19:] for _ in range(10)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        theirs = pipe.read()
    ours = "".join(new_uid()[19:] for _ in range(10))
    assert len(theirs) == len(ours) == 170 and theirs != ours


@pytest.mark.parametrize("family", ["ntfs", "ext2", "ext4", "hfs", "iso9660", "apfs"])
def test_utc_times_converted_inline_are_each_slot_converted(family: str) -> None:
    """TimePolicy.convert_all writes each stored slot as _utc_value does (times past year 9999 and before 1970,
    zero seconds with nanoseconds, every precision)."""
    import random

    from collectors.disk.timestamps import SLOTS, TimePolicy, _utc_value

    chooser = random.Random(20)
    for nanoseconds in (False, True):
        policy = TimePolicy(family, ext_nanoseconds=nanoseconds)
        precisions = policy.precisions()
        for _ in range(3000):
            raw = tuple(chooser.choice([0, chooser.randrange(-2**40, 2**40), chooser.randrange(2**31), 253402300805])
                        if index % 2 == 0 else chooser.choice([0, chooser.randrange(10**9)]) for index in range(8))
            expected = {name: _utc_value(raw[2 * slot], raw[2 * slot + 1], precisions[slot])
                        for slot, name in enumerate(SLOTS) if precisions[slot] and (raw[2 * slot] or raw[2 * slot + 1])}
            converted = policy.convert_all(raw)
            assert converted == expected and list(converted) == list(expected), raw
            assert all(list(converted[name]) == ["utc", "precision"] for name in converted)
