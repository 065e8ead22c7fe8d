"""The large-file ingest pipeline (workers sharing hashing, encryption and writing) against the plain definition.

A blob the pipeline writes must be, byte for byte, the blob ``SegmentEncryptor`` makes segment by segment in
order with the same header; its name the BLAKE3 of those bytes, its hashes hashlib's and blake3's of the
plaintext. Sizes sit around segment and chunk boundaries (the workers split the work at both). A cancel, an
unreadable source or a full disk part-way leaves no temp file, and memory stays within a few chunks.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
from pathlib import Path

import blake3
import pytest

from evidence_store import blobs, crypto
from evidence_store.blobs import CHUNK_SEGMENTS, WINDOW_CHUNKS, BlobStore
from evidence_store.crypto import BLOB_NONCE_SIZE, SegmentEncryptor, decrypt_stream
from evidence_store.errors import Cancelled, SourceError, StorageFullError
from evidence_store.tasks import CancelToken

SEG = 4096
CHUNK = SEG * CHUNK_SEGMENTS
NONCE = bytes(range(BLOB_NONCE_SIZE))


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "vault", os.urandom(32), os.urandom(32))


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blob headers with a known nonce, so the pipeline's blob and the reference can be compared byte for byte."""
    real = os.urandom
    monkeypatch.setattr(crypto.os, "urandom", lambda n: NONCE if n == BLOB_NONCE_SIZE else real(n))


def segment_by_segment(key: bytes, data: bytes) -> bytes:
    encryptor = SegmentEncryptor(key, SEG)
    parts = [encryptor.header]
    starts = range(0, len(data), SEG)
    for start in starts:
        parts.append(encryptor.encrypt(data[start:start + SEG], last=start == starts[-1]))
    return b"".join(parts)


SIZES = sorted({n for k in (1, 2, CHUNK_SEGMENTS - 1, CHUNK_SEGMENTS, CHUNK_SEGMENTS + 1, 2 * CHUNK_SEGMENTS,
                            (WINDOW_CHUNKS + 2) * CHUNK_SEGMENTS + 1)
                for n in (k * SEG - 1, k * SEG, k * SEG + 1) if n >= SEG})


@pytest.mark.parametrize("size", SIZES)
def test_a_blob_is_the_segment_by_segment_blob(store: BlobStore, fixed_nonce: None, size: int) -> None:
    data = os.urandom(size)
    result = store.ingest(io.BytesIO(data), extra_hashes=("md5", "sha1"), segment_size=SEG, label="x")
    written = result.temp_path.read_bytes()
    assert written == segment_by_segment(store._blob_key, data)
    assert result.blob_name == blake3.blake3(written).hexdigest()
    assert result.cipher_size == len(written) == crypto.ciphertext_size(size, SEG)
    assert result.size == size and result.head == data[:4096]
    assert result.hashes == {"sha256": hashlib.sha256(data).hexdigest(), "blake3": blake3.blake3(data).hexdigest(),
                             "md5": hashlib.md5(data).hexdigest(), "sha1": hashlib.sha1(data).hexdigest()}
    assert b"".join(decrypt_stream(store._blob_key, io.BytesIO(written))) == data
    name = store.commit(result)
    assert b"".join(store.read_plaintext(name)) == data and store.list_temp() == []


def test_blobs_of_the_same_content_differ_but_hash_the_same(store: BlobStore) -> None:
    data = os.urandom(3 * CHUNK + 5)
    one, two = (store.ingest(io.BytesIO(data), segment_size=SEG) for _ in range(2))
    assert one.blob_name != two.blob_name and one.hashes == two.hashes and one.dedupe_key == two.dedupe_key


def test_cancel_part_way_leaves_no_temp_file(store: BlobStore) -> None:
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int | None, label: str) -> None:
        seen.append(done)
        if done >= 2 * CHUNK:
            token.cancel()

    with pytest.raises(Cancelled):
        store.ingest(io.BytesIO(os.urandom(20 * CHUNK)), segment_size=SEG, progress=progress, cancel=token)
    assert seen[-1] == 2 * CHUNK and store.list_temp() == []


class FailingSource(io.BytesIO):
    """A source whose read fails once ``fail_at`` bytes have been read (a bad sector, a pulled USB stick)."""

    def __init__(self, data: bytes, fail_at: int) -> None:
        super().__init__(data)
        self.fail_at = fail_at

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.fail_at:
            raise OSError(errno.EIO, "Input/output error")
        return super().read(size)


def test_a_read_error_part_way_leaves_no_temp_file(store: BlobStore) -> None:
    with pytest.raises(SourceError, match="Input/output error"):
        store.ingest(FailingSource(os.urandom(20 * CHUNK), 5 * CHUNK), segment_size=SEG, label="disk.img")
    assert store.list_temp() == []


def test_a_full_disk_part_way_leaves_no_temp_file(store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write, writes = blobs._pwrite_all, []

    def write_until_full(fd: int, data: bytes, offset: int) -> None:
        writes.append(len(data))
        if len(writes) > 6:  # the header, then segments written by the workers
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data, offset)

    monkeypatch.setattr(blobs, "_pwrite_all", write_until_full)
    with pytest.raises(StorageFullError):
        store.ingest(io.BytesIO(os.urandom(20 * CHUNK)), segment_size=SEG, label="big")
    assert 7 <= len(writes) < 20 * CHUNK_SEGMENTS and store.list_temp() == []  # it stopped part-way


class WatchedSource(io.BytesIO):
    """Records, at each read, how far reading is ahead of what has been written to the blob's temp file."""

    def __init__(self, data: bytes, store: BlobStore) -> None:
        super().__init__(data)
        self.store = store
        self.ahead: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        temps = self.store.list_temp()
        if temps:
            self.ahead.append(self.tell() - temps[0].stat().st_size)
        return super().read(size)


def test_memory_stays_within_the_window(store: BlobStore) -> None:
    source = WatchedSource(os.urandom(40 * CHUNK + 3), store)
    result = store.ingest(source, segment_size=SEG)
    assert result.size == 40 * CHUNK + 3 and len(source.ahead) > 30
    # the chunks in flight, the one being read ahead and the one waiting to be handed over
    assert max(source.ahead) <= (WINDOW_CHUNKS + 2) * CHUNK
