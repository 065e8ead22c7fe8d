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
from pathlib import Path
from typing import Any

import pytest

from collectors.disk import DiskImage
from evidence_store import Vault
from evidence_store.batch import prepare_item_record
from evidence_store.canonical import canonical_json, canonical_object, canonical_text, canonical_text_around
from evidence_store.models import Item
from forensics_app.services.disk_extract import KIND_FILE, Extractor, PreparedFile, Selection
from forensics_app.services.locator_json import encoded_metadata

ROW_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def image_item() -> Item:
    return Item(id=7, uid="uid-of-the-image \"ảnh\"", case_id=1, parent_id=None, kind="disk_image", name="image",
                source="image", size=None, media_type=None, sha256=None, blake3=None, md5=None, sha1=None, blob=None,
                acquired_at="", examiner="", metadata={}, warnings=())


def prepared_files(vault: Vault, image_path: Path) -> list[PreparedFile]:
    def ingest(stream: Any, **options: Any) -> Any:
        return vault.blobs.ingest(stream, segment_size=vault.config.segment_size, sync=False, **options)

    with DiskImage.open(image_path, local_zone="Asia/Ho_Chi_Minh") as image:
        extractor = Extractor(image, image_item(), segment_size=vault.config.segment_size)
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


def record_of(prepared: PreparedFile, encoded: bool) -> Any:
    return prepare_item_record(
        uid="0b4c2f4e-7a57-4c3e-9b1a-2f0c3d4e5f60", case_id=1, parent_id=7, examiner_id=1,
        blob=prepared.content.blob_name, kind=KIND_FILE, name=prepared.name, source=prepared.source,
        media_type=prepared.media_type, content=prepared.content, acquired_at=prepared.acquired_at,
        metadata=prepared.metadata, warnings=prepared.warnings, details=prepared.details,
        metadata_encoded=encoded_metadata(prepared.metadata) if encoded else None)


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
    files = prepared_files(vault, path)
    assert files
    taken = 0
    for prepared in files:
        taken += assert_encoded_as_the_encoders(prepared.metadata)
        fast, plain = record_of(prepared, True), record_of(prepared, False)
        assert fast == plain, prepared.source
        whole = {"id": 12, "uid": fast.uid, "case_id": 1, "parent_id": 7, "kind": KIND_FILE, "name": prepared.name,
                 "source": prepared.source, "size": prepared.content.size, "media_type": prepared.media_type,
                 "sha256": prepared.content.hashes["sha256"], "blake3": prepared.content.hashes["blake3"],
                 "md5": None, "sha1": None, "acquired_at": prepared.acquired_at, "examiner_id": 1,
                 "metadata": prepared.metadata, "warnings": [w.to_json() for w in prepared.warnings]}
        assert fast.record_before + b"12" + fast.record_after == canonical_json(whole)
        assert json.loads(fast.metadata_json) == prepared.metadata
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
