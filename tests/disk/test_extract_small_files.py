"""A file smaller than one segment is read whole and stored from memory: the same item as one streamed.

Extraction takes files under one segment (most of a disk) in one read, without the
streaming wrappers. Preparing the same image with a segment larger than every file
(all read whole) and with a tiny one (almost all streamed) must give the same
content hashes, locator, warnings (a read error included), media type and details,
and every temp blob must decrypt to the bytes those hashes name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from collectors.disk import DiskImage
from evidence_store import Vault
from evidence_store.crypto import decrypt_stream
from evidence_store.models import Item
from forensics_app.services.disk_extract import Extractor, PreparedFile, Selection


def image_item(vault: Vault) -> Item:
    return Item(id=7, uid="uid-of-the-image", case_id=1, parent_id=None, kind="disk_image", name="image",
                source="image", size=None, media_type=None, sha256=None, blake3=None, md5=None, sha1=None, blob=None,
                acquired_at="", examiner="", metadata={}, warnings=())


def prepare_all(vault: Vault, image_path: Path, segment_size: int) -> list[PreparedFile | None]:
    def ingest(stream: Any, **options: Any) -> Any:
        return vault.blobs.ingest(stream, segment_size=segment_size, sync=False, **options)

    with DiskImage.open(image_path, local_zone="Asia/Ho_Chi_Minh") as image:
        extractor = Extractor(image, image_item(vault), extra_hashes=("md5",), segment_size=segment_size)
        return [extractor.prepare(entry, [], ingest) for entry in extractor.select(Selection(all=True), None)]


def facts(prepared: PreparedFile | None) -> dict[str, Any] | None:
    if prepared is None:
        return None
    content = prepared.content
    return {"name": prepared.name, "source": prepared.source, "metadata": prepared.metadata,
            "warnings": [w.to_json() for w in prepared.warnings], "details": prepared.details,
            "media_type": prepared.media_type, "size": content.size, "hashes": content.hashes}


def assert_blob_holds(vault: Vault, prepared: PreparedFile) -> None:
    content = prepared.content
    with open(content.temp_path, "rb") as blob:
        plain = b"".join(decrypt_stream(vault.blobs._blob_key, blob))
    assert len(plain) == content.size and hashlib.sha256(plain).hexdigest() == content.hashes["sha256"]
    assert hashlib.md5(plain).hexdigest() == content.hashes["md5"]
    assert content.dedupe_key == vault.blobs.dedupe_key(content.hashes["sha256"], content.hashes["blake3"])


@pytest.mark.parametrize("rel", [
    "built/truncated.img",  # a file cut short by the image's end: a read error, bytes_read under the size
    "built/ext4.img",  # Vietnamese names, a browser history database (parsed from memory), EXIF
    "dftt/7-undel-ntfs/7-ntfs-undel.dd",  # alternate data streams, resident data, deleted files
])
def test_files_read_whole_equal_files_streamed(vault: Vault, built: Path, dftt: Path, rel: str) -> None:
    image_path = (built if rel.startswith("built/") else dftt) / rel.split("/", 1)[1]
    whole = prepare_all(vault, image_path, 8 << 20)  # larger than every file here
    streamed = prepare_all(vault, image_path, 4096)
    try:
        assert [facts(p) for p in whole] == [facts(p) for p in streamed]
        read = [p for p in whole if p is not None]
        assert read and all(p.content.size < 8 << 20 for p in read)
        assert any(p.content.size >= 4096 for p in read)  # streamed in several segments the second time
        if rel == "built/truncated.img":
            assert any(w.code == "read_error" for p in read for w in p.warnings)
        for prepared in read:
            assert_blob_holds(vault, prepared)
    finally:
        for prepared in whole + streamed:
            if prepared is not None:
                vault.blobs.discard(prepared.content)
