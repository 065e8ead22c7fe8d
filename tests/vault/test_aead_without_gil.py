"""Large blobs are encrypted by libcrypto without the GIL (evidence_store.openssl_aead): the same bytes as before.

- Project Wycheproof's ChaCha20-Poly1305 vectors (``data/wycheproof-chacha20-poly1305.json``, origin and licence
  beside it): every valid one with a 96-bit nonce and no associated data, byte for byte.
- Real files nobody here wrote (disk images from dfVFS's and the Sleuth Kit's test data), ingested through the
  pipeline with libcrypto's AEAD and with cryptography's, at the default 1 MiB segments and at 4 KiB segments
  (hundreds of segment and chunk boundaries): the two blobs are the same bytes, equal to a blob put together
  here segment by segment with cryptography, and each reads back with the vault's reader (cryptography's
  decrypt), so a blob written either way reads with either version of the code.
- Another thread runs Python code while one is inside libcrypto's encryption call: it sees the output half written.
- A libcrypto whose answer differs from cryptography's is not used.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from pathlib import Path

import blake3
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from evidence_store import crypto, openssl_aead
from evidence_store.blobs import BlobStore
from evidence_store.crypto import BLOB_HEADER_SIZE, BLOB_NONCE_SIZE, DEFAULT_SEGMENT_SIZE, decrypt_stream

VECTORS = json.loads((Path(__file__).parent / "data" / "wycheproof-chacha20-poly1305.json").read_text("utf-8"))
NONCE = bytes(range(100, 100 + BLOB_NONCE_SIZE))
REAL_FILES = ("disk/dfvfs/ext2.split.E01", "disk/dftt/8-jpeg-search.zip")


def test_libcrypto_is_used_here() -> None:
    """On the Debian machines this tool runs on, Python's hashlib is linked to OpenSSL 3: its AEAD must load."""
    assert openssl_aead.load() is not None


def no_aad_vectors() -> list[dict[str, str]]:
    return [test for group in VECTORS["testGroups"] if group["ivSize"] == 96 and group["keySize"] == 256
            for test in group["tests"] if test["aad"] == "" and test["result"] == "valid"]


def test_wycheproof_vectors() -> None:
    vectors = no_aad_vectors()
    assert len(vectors) >= 40 and max(len(v["msg"]) // 2 for v in vectors) > 512
    for vector in vectors:
        aead = openssl_aead.chacha20_poly1305(bytes.fromhex(vector["key"]))
        assert aead is not None
        message = bytes.fromhex(vector["msg"])
        # also from the middle of a larger buffer, as ingest passes a segment inside its chunk
        for data, start in ((message, 0), (b"\xff" * 7 + message + b"\xee" * 9, 7)):
            out = aead.encrypt(bytes.fromhex(vector["iv"]), data, start, start + len(message))
            assert out.hex() == vector["ct"] + vector["tag"], vector["tcId"]


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blob headers with a known nonce, so blobs made two ways can be compared byte for byte."""
    real = os.urandom
    monkeypatch.setattr(crypto.os, "urandom", lambda n: NONCE if n == BLOB_NONCE_SIZE else real(n))


def by_cryptography(key: bytes, data: bytes, segment: int) -> bytes:
    """The blob format written out here with cryptography's AEAD: header, then each segment and its tag."""
    header = crypto.BLOB_MAGIC + NONCE + segment.to_bytes(4, "big")
    aead = ChaCha20Poly1305(crypto.hkdf_sha256(key, header, b"blob payload"))
    starts = range(0, len(data), segment)
    return header + b"".join(
        aead.encrypt(index.to_bytes(11, "big") + (b"\x01" if start == starts[-1] else b"\x00"),
                     data[start:start + segment], None)
        for index, start in enumerate(starts))


@pytest.mark.parametrize("segment", [DEFAULT_SEGMENT_SIZE, 4096])
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_give_the_same_blob_either_way(tmp_path: Path, shared_fixtures: Path, fixed_nonce: None,
                                                  monkeypatch: pytest.MonkeyPatch, name: str, segment: int) -> None:
    data = (shared_fixtures / name).read_bytes()
    assert len(data) > segment and len(data) % segment  # several segments, the last one short
    key = os.urandom(32)
    store = BlobStore(tmp_path / "vault", key, os.urandom(32))
    with (shared_fixtures / name).open("rb") as source:
        libcrypto = store.ingest(source, segment_size=segment, label=name)
    monkeypatch.setattr(openssl_aead, "_loaded", [None])  # as on a machine without OpenSSL 3: cryptography's AEAD
    with (shared_fixtures / name).open("rb") as source:
        fallback = store.ingest(source, segment_size=segment, label=name)
    written = libcrypto.temp_path.read_bytes()
    assert written == fallback.temp_path.read_bytes() == by_cryptography(key, data, segment)
    assert len(written) == crypto.ciphertext_size(len(data), segment) > BLOB_HEADER_SIZE
    assert libcrypto.blob_name == fallback.blob_name == blake3.blake3(written).hexdigest()
    assert libcrypto.hashes["sha256"] == hashlib.sha256(data).hexdigest()
    assert b"".join(decrypt_stream(key, io.BytesIO(written))) == data
    name_in_vault = store.commit(libcrypto)
    assert b"".join(store.read_plaintext(name_in_vault)) == data


def keystream_block(key: bytes, nonce: bytes, counter: int) -> bytes:
    """ChaCha20's 64-byte keystream block ``counter`` (RFC 8439 §2.3), from cryptography's ChaCha20."""
    cipher = Cipher(algorithms.ChaCha20(key, counter.to_bytes(4, "little") + nonce), mode=None)
    return cipher.encryptor().update(bytes(64))


def xor(one: bytes, other: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(one, other, strict=True))


def test_other_threads_run_while_it_encrypts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another thread, running Python code, sees a ciphertext half written: its first block final, its last not
    yet. A call that kept the GIL would let no Python code run between its first and its last block."""
    size = 16 << 20
    key, data = os.urandom(32), os.urandom(size)
    aead = openssl_aead.chacha20_poly1305(key)
    assert aead is not None
    made = openssl_aead._new_bytes
    current: list[tuple[bytes, bytes, bytes]] = []  # the output being written, and its first and last block
    expected: list[tuple[bytes, bytes]] = []

    def new_output(_: None, length: int) -> bytes:
        out = made(None, length)
        current[:] = [(out, *expected[0])]
        return out

    monkeypatch.setattr(openssl_aead, "_new_bytes", new_output)
    enough, finished = threading.Event(), threading.Event()
    calls: list[int] = []
    first, last = slice(0, 64), slice(size - 64, size)

    def encrypt() -> None:
        while not enough.is_set() and len(calls) < 200:  # 3.2 GiB at most
            nonce = len(calls).to_bytes(12, "big")  # a new nonce each time: no output equals an earlier one
            expected[:] = [(xor(data[first], keystream_block(key, nonce, 1)),  # block 0 (counter 0 is Poly1305's)
                            xor(data[last], keystream_block(key, nonce, size // 64)))]
            aead.encrypt(nonce, data)
            calls.append(1)
        finished.set()

    worker = threading.Thread(target=encrypt)
    worker.start()
    half_written = 0
    while not finished.is_set():
        if current:
            out, head, tail = current[0]
            if out[first] == head and out[last] != tail:
                half_written += 1
                enough.set()
    worker.join()
    assert half_written, f"no ciphertext seen half written in {len(calls)} calls"


def test_a_libcrypto_that_disagrees_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    real = openssl_aead._LibCrypto.encrypt

    def one_bit_off(self: openssl_aead._LibCrypto, key: bytes, nonce: bytes, data: bytes, start: int,
                    length: int) -> bytes:
        out = real(self, key, nonce, data, start, length)
        return out[:-1] + bytes([out[-1] ^ 1])

    assert openssl_aead._load() is not None
    monkeypatch.setattr(openssl_aead._LibCrypto, "encrypt", one_bit_off)
    assert openssl_aead._load() is None
