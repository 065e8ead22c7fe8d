"""The blob cipher: round trips at every length around segment boundaries, and tamper detection."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_store.crypto import (
    BLOB_HEADER_SIZE,
    TAG_SIZE,
    SegmentEncryptor,
    ciphertext_size,
    decrypt_stream,
)
from evidence_store.errors import IntegrityError

KEY = bytes(range(32))
SEG = 64  # tiny segments so boundaries are cheap to reach


def encrypt(data: bytes, segment: int = SEG, key: bytes = KEY) -> bytes:
    enc = SegmentEncryptor(key, segment)
    parts = [enc.header]
    chunks = [data[i:i + segment] for i in range(0, len(data), segment)] or [b""]
    for index, chunk in enumerate(chunks):
        parts.append(enc.encrypt(chunk, last=index == len(chunks) - 1))
    return b"".join(parts)


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_stream(key, io.BytesIO(blob)))


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=5 * SEG + 3).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_round_trip_any_length(data: bytes) -> None:
    blob = encrypt(data)
    assert len(blob) == ciphertext_size(len(data), SEG)
    assert decrypt(blob) == data


@pytest.mark.parametrize("length", [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG - 1, 2 * SEG, 2 * SEG + 1, 7 * SEG])
def test_round_trip_at_boundaries(length: int) -> None:
    data = os.urandom(length)
    assert decrypt(encrypt(data)) == data


def test_same_plaintext_encrypts_differently_each_time() -> None:
    data = b"x" * 200
    assert encrypt(data) != encrypt(data)


def test_ciphertext_contains_no_plaintext() -> None:
    marker = "Nội dung bí mật — SECRET-MARKER-1234567890".encode() * 40
    blob = encrypt(marker, segment=1 << 12)
    assert b"SECRET-MARKER" not in blob
    assert marker[:32] not in blob


@pytest.mark.parametrize("cut_segments", [1, 2])
def test_truncation_at_a_segment_boundary_is_detected(cut_segments: int) -> None:
    data = os.urandom(4 * SEG + 10)
    blob = encrypt(data)
    truncated = blob[: BLOB_HEADER_SIZE + (4 - cut_segments + 1) * (SEG + TAG_SIZE)]
    with pytest.raises(IntegrityError, match="truncated"):
        decrypt(truncated)


def test_truncation_inside_a_segment_is_detected() -> None:
    blob = encrypt(os.urandom(3 * SEG))
    with pytest.raises(IntegrityError):
        decrypt(blob[:-5])


def test_reordered_segments_are_detected() -> None:
    blob = encrypt(os.urandom(3 * SEG + 5))
    size = SEG + TAG_SIZE
    body = blob[BLOB_HEADER_SIZE:]
    swapped = blob[:BLOB_HEADER_SIZE] + body[size:2 * size] + body[:size] + body[2 * size:]
    with pytest.raises(IntegrityError, match="segment 0"):
        decrypt(swapped)


@given(st.integers(min_value=0, max_value=BLOB_HEADER_SIZE + 3 * (SEG + TAG_SIZE) - 1), st.integers(0, 7))
@settings(max_examples=100, deadline=None)
def test_any_flipped_bit_is_detected(position: int, bit: int) -> None:
    blob = bytearray(encrypt(bytes(3 * SEG)))
    position %= len(blob)
    blob[position] ^= 1 << bit
    with pytest.raises(IntegrityError):
        decrypt(bytes(blob))


def test_wrong_key_is_detected() -> None:
    blob = encrypt(b"evidence")
    with pytest.raises(IntegrityError):
        decrypt(blob, key=bytes(32))


def test_appended_garbage_is_detected() -> None:
    blob = encrypt(os.urandom(2 * SEG))
    with pytest.raises(IntegrityError):
        decrypt(blob + os.urandom(SEG + TAG_SIZE))


def test_fast_hkdf_equals_the_reference_implementation() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from evidence_store.crypto import hkdf_sha256

    for salt, info in ((b"forensics-vault v1", b"sqlcipher"), (os.urandom(28), b"blob payload"), (b"", b"")):
        key = os.urandom(32)
        reference = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(key)
        assert hkdf_sha256(key, salt, info) == reference


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=300))
def test_hmac_on_hashlib_equals_the_standard_library(key: bytes, message: bytes) -> None:
    import hashlib
    import hmac

    from evidence_store.crypto import KeyedHmac, hmac_sha256

    assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")  # keys over one block are hashed first
    assert KeyedHmac(key).hexdigest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=SEG - 1).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_a_blob_encrypted_whole_is_a_one_segment_blob(data: bytes) -> None:
    from evidence_store.crypto import BLOB_MAGIC, encrypt_whole

    blob = encrypt_whole(KEY, data, SEG)
    assert blob.startswith(BLOB_MAGIC) and int.from_bytes(blob[BLOB_HEADER_SIZE - 4:BLOB_HEADER_SIZE], "big") == SEG
    assert len(blob) == ciphertext_size(len(data), SEG) == len(encrypt(data))
    assert decrypt(blob) == data
    assert encrypt_whole(KEY, data, SEG)[:BLOB_HEADER_SIZE] != blob[:BLOB_HEADER_SIZE]  # a fresh nonce every time
    with pytest.raises(IntegrityError):
        decrypt(blob[:-1])


def test_only_a_plaintext_under_one_segment_is_encrypted_whole() -> None:
    from evidence_store.crypto import encrypt_whole

    with pytest.raises(ValueError, match="shorter than one segment"):
        encrypt_whole(KEY, bytes(SEG), SEG)
