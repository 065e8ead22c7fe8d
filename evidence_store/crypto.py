"""Key derivation, key wrapping and the segmented stream cipher for blobs.

Why these choices:
- Argon2id turns a passphrase into a key-encryption key that opens one
  examiner's key slot: their own keys (X25519 for the vault key, Ed25519 for
  signing). The vault key is sealed to each examiner's X25519 key, so a
  passphrase change never re-encrypts data and a rekey needs no passphrase.
- HKDF derives independent sub-keys (SQLCipher, blob payloads, blob naming /
  dedupe) so no key is used for two purposes.
- Blobs use age's STREAM construction: ChaCha20-Poly1305 (measured about 2x
  faster than AES-GCM here, without AES hardware) over fixed-size segments with a
  counter nonce and a last-segment flag. Memory stays bounded and truncation,
  reordering or a flipped bit is detected at the segment where it happens.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from hashlib import sha256
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .errors import IntegrityError, UsageError, WrongPassphraseError

KEY_SIZE = 32
TAG_SIZE = 16
BLOB_MAGIC = b"FVBLOB1\n"
BLOB_NONCE_SIZE = 16
BLOB_HEADER_SIZE = len(BLOB_MAGIC) + BLOB_NONCE_SIZE + 4
DEFAULT_SEGMENT_SIZE = 1 << 20
CIPHER_NAME = "chacha20-poly1305-stream"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each key slot so old slots still open."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def to_json(self) -> dict[str, int | str]:
        return {"name": "argon2id", **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KdfParams:
        """Parameters read from a vault file: bounded, so a damaged or hostile file cannot hang the unlock."""
        if data.get("name") != "argon2id":
            raise UsageError(f"unsupported key derivation function: {data.get('name')!r}",
                             message_vi=f"không hỗ trợ hàm dẫn xuất khoá {data.get('name')!r}")
        params = cls(
            time_cost=int(str(data["time_cost"])),
            memory_kib=int(str(data["memory_kib"])),
            parallelism=int(str(data["parallelism"])),
        )
        params.check_bounds()
        return params

    def check_bounds(self) -> None:
        """Refuse parameters no vault of this tool was made with (each bound is far above the standard profile)."""
        if not (1 <= self.time_cost <= MAX_TIME_COST and 1 <= self.parallelism <= MAX_PARALLELISM
                and 8 * self.parallelism <= self.memory_kib <= MAX_MEMORY_KIB):
            raise ValueError(
                f"impossible Argon2id parameters (time_cost={self.time_cost}, memory_kib={self.memory_kib}, "
                f"parallelism={self.parallelism}; this tool accepts time_cost 1-{MAX_TIME_COST}, "
                f"memory up to {MAX_MEMORY_KIB // 1024} MiB, parallelism 1-{MAX_PARALLELISM})")


# Upper bounds for parameters read from disk: ~30x the standard profile's cost at most.
MAX_TIME_COST = 20
MAX_MEMORY_KIB = 4 << 20  # 4 GiB
MAX_PARALLELISM = 64


# Tests and demos set FORENSICS_KDF_PROFILE=test; the parameters used are stored in
# vault.json and shown by `vault info`, so a weak vault is always visible.
KDF_PROFILES = {
    "standard": KdfParams(),
    "test": KdfParams(time_cost=1, memory_kib=1024, parallelism=1),
}


def default_kdf_params() -> KdfParams:
    profile = os.environ.get("FORENSICS_KDF_PROFILE", "standard")
    if profile not in KDF_PROFILES:
        raise UsageError(f"FORENSICS_KDF_PROFILE must be one of {sorted(KDF_PROFILES)}, not {profile!r}",
                         message_vi=f"FORENSICS_KDF_PROFILE phải là một trong {sorted(KDF_PROFILES)}, không phải {profile!r}")
    return KDF_PROFILES[profile]


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id (version 0x13, RFC 9106) of the passphrase: the key that unwraps a key slot.

    Called through argon2-cffi's own bindings to the reference C code, as
    ``argon2.low_level.hash_secret_raw`` does, without importing the ``argon2``
    package: it loads ``platform`` and its password hasher, about a twentieth of
    the desktop app's start. A test holds the two to the same bytes.
    """
    from _argon2_cffi_bindings import ffi, lib

    secret = passphrase.encode("utf-8")
    out = ffi.new("uint8_t[]", KEY_SIZE)
    code = lib.argon2_hash(params.time_cost, params.memory_kib, params.parallelism,
                           ffi.new("uint8_t[]", secret), len(secret), ffi.new("uint8_t[]", salt), len(salt),
                           out, KEY_SIZE, ffi.NULL, 0, lib.Argon2_id, lib.ARGON2_VERSION_NUMBER)
    if code != lib.ARGON2_OK:
        reason = ffi.string(lib.argon2_error_message(code)).decode("ascii", "replace")
        raise UsageError(f"the passphrase key derivation failed ({reason}); the key slot's parameters are invalid",
                         message_vi=f"việc dẫn xuất khoá từ mật khẩu thất bại ({reason}); tham số của khe khoá không hợp lệ")
    return bytes(ffi.buffer(out, KEY_SIZE))


def wrap_key(kek: bytes, master_key: bytes, aad: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(12)
    return nonce, ChaCha20Poly1305(kek).encrypt(nonce, master_key, aad)


def unwrap_key(kek: bytes, nonce: bytes, wrapped: bytes, aad: bytes) -> bytes:
    try:
        return ChaCha20Poly1305(kek).decrypt(nonce, wrapped, aad)
    except InvalidTag as exc:
        raise WrongPassphraseError("wrong passphrase: it opens none of this vault's key slots",
                                   message_vi="sai mật khẩu: mật khẩu này không mở được khe khoá nào của kho") from exc


def key_check(kek: bytes) -> bytes:
    """A short value that tells a right passphrase from a damaged slot (it reveals nothing Argon2id does not)."""
    return hmac.digest(kek, b"forensics vault key check", "sha256")[:16]


def seal_to(recipient: bytes, secret: bytes, aad: bytes) -> dict[str, bytes]:
    """Encrypt ``secret`` to an X25519 public key (an ephemeral key agreement, HKDF, ChaCha20-Poly1305).

    Key slots hold the vault key sealed to each examiner's recipient key, so
    ``vault rekey`` can seal a new vault key to every remaining examiner without
    knowing their passphrases (as age does for its recipients).
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    key = hkdf_sha256(shared, epk + recipient, b"forensics vault envelope")
    nonce = os.urandom(12)
    return {"epk": epk, "nonce": nonce, "sealed": ChaCha20Poly1305(key).encrypt(nonce, secret, aad)}


def open_sealed(identity: bytes, envelope: dict[str, bytes], aad: bytes) -> bytes:
    """Decrypt what :func:`seal_to` sealed, with the recipient's X25519 private key; IntegrityError if altered.

    Every vault opens here, so the keys are made by cryptography's Rust bindings directly, as
    ``X25519PrivateKey.from_private_bytes`` and ``X25519PublicKey.from_public_bytes`` make them after
    asking the OpenSSL backend whether X25519 is supported: that question loads the backend (its cffi
    binding, the RSA, EC and padding modules), about 2 % of the desktop app's start to its first window.
    cryptography is pinned; a test holds the two ways to the same keys and secrets.
    """
    from cryptography.hazmat.bindings._rust import openssl as rust_openssl

    private = rust_openssl.x25519.from_private_bytes(identity)
    recipient = private.public_key().public_bytes_raw()
    shared = private.exchange(rust_openssl.x25519.from_public_bytes(envelope["epk"]))
    key = hkdf_sha256(shared, envelope["epk"] + recipient, b"forensics vault envelope")
    try:
        return ChaCha20Poly1305(key).decrypt(envelope["nonce"], envelope["sealed"], aad)
    except InvalidTag as exc:
        raise IntegrityError("a sealed vault key does not open: it was altered or sealed to another key",
                             message_vi="một khoá kho đã niêm phong không mở được: khoá đã bị sửa hoặc niêm phong bằng khoá "
                                        "khác") from exc


def new_x25519() -> tuple[bytes, bytes]:
    """A fresh (private, public) X25519 key pair as raw bytes."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = X25519PrivateKey.generate()
    return key.private_bytes_raw(), key.public_key().public_bytes_raw()


_HMAC_BLOCK = 64  # SHA-256's block size
_HMAC_INNER = bytes(byte ^ 0x36 for byte in range(256))
_HMAC_OUTER = bytes(byte ^ 0x5C for byte in range(256))


def _hmac_key_block(key: bytes) -> bytes:
    return (sha256(key).digest() if len(key) > _HMAC_BLOCK else key).ljust(_HMAC_BLOCK, b"\0")


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) on hashlib's SHA-256: the bytes of ``hmac.digest(key, message, "sha256")`` (a test
    holds them together) at about 60 % of its cost on short messages, where OpenSSL's one-shot HMAC mostly sets
    itself up; each small blob derives its key with two."""
    block = _hmac_key_block(key)
    return sha256(block.translate(_HMAC_OUTER) + sha256(block.translate(_HMAC_INNER) + message).digest()).digest()


class KeyedHmac:
    """HMAC-SHA256 of many messages under one key: the key's inner and outer states are hashed once."""

    def __init__(self, key: bytes) -> None:
        block = _hmac_key_block(key)
        self._inner = sha256(block.translate(_HMAC_INNER))
        self._outer = sha256(block.translate(_HMAC_OUTER))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def hkdf_sha256(key: bytes, salt: bytes, info: bytes) -> bytes:
    """RFC 5869 HKDF-SHA256 for one 32-byte output (extract, then one expand block).

    Same output as ``cryptography``'s HKDF (a test checks it) at a fraction of the
    per-call cost, which matters when thousands of small blobs each derive a key.
    """
    return hmac_sha256(hmac_sha256(salt, key), info + b"\x01")


def subkey(master_key: bytes, purpose: str) -> bytes:
    """Derive an independent 256-bit key for one purpose (HKDF-SHA256)."""
    return hkdf_sha256(master_key, b"forensics-vault v1", purpose.encode("ascii"))


def _segment_nonce(index: int, last: bool) -> bytes:
    if index >= 1 << 88:
        raise IntegrityError("blob has too many segments", message_vi="khối dữ liệu có quá nhiều phân đoạn")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SegmentEncryptor:
    """Encrypts one blob, segment by segment; the caller writes :attr:`header` first."""

    def __init__(self, blob_key: bytes, segment_size: int = DEFAULT_SEGMENT_SIZE) -> None:
        nonce = os.urandom(BLOB_NONCE_SIZE)
        self.segment_size = segment_size
        self.header = BLOB_MAGIC + nonce + segment_size.to_bytes(4, "big")
        key = _payload_key(blob_key, self.header)
        self._aead = ChaCha20Poly1305(key)
        from .openssl_aead import chacha20_poly1305  # loads ctypes and libcrypto: only once a large blob is made

        self._nogil = chacha20_poly1305(key)  # the same AEAD without the GIL, where libcrypto has it
        self._index = 0
        self._finished = False

    def encrypt(self, plaintext: bytes | bytearray | memoryview, last: bool) -> bytes:
        if self._finished:
            raise RuntimeError("segment after the last one")
        if len(plaintext) > self.segment_size:
            raise ValueError("a segment is at most the segment size")
        out = self.encrypt_segment(self._index, plaintext, last)
        self._index += 1
        self._finished = last
        return out

    def encrypt_segment(self, index: int, data: bytes | bytearray | memoryview, last: bool, start: int = 0) -> bytes:
        """Segment ``index`` of the blob, the plaintext ``data[start:start + segment_size]`` (ingest passes a chunk
        of several segments and where this one starts, so no segment is copied out of it), in any order: each
        segment's nonce is its index (and the last flag), so ingest's workers encrypt different segments of one
        blob at once, without the GIL where libcrypto is there (:mod:`.openssl_aead`). The caller gives each
        index once."""
        end = min(len(data), start + self.segment_size)
        if not 0 <= start <= end or (not last and end - start != self.segment_size):
            raise ValueError("only the last segment may be shorter than the segment size")
        nonce = _segment_nonce(index, last)
        if self._nogil is not None and isinstance(data, bytes):
            return self._nogil.encrypt(nonce, data, start, end)
        with memoryview(data) as view:
            return self._aead.encrypt(nonce, view[start:end], None)


def encrypt_whole(blob_key: bytes, plaintext: bytes, segment_size: int = DEFAULT_SEGMENT_SIZE) -> bytes:
    """A whole blob (header and one last segment) for a plaintext shorter than a segment: what
    :class:`SegmentEncryptor` writes for it, in one call (a disk's many small files each pay this)."""
    if len(plaintext) >= segment_size:
        raise ValueError("only a plaintext shorter than one segment is encrypted whole")
    header = BLOB_MAGIC + os.urandom(BLOB_NONCE_SIZE) + segment_size.to_bytes(4, "big")
    return header + ChaCha20Poly1305(_payload_key(blob_key, header)).encrypt(_ONLY_SEGMENT_NONCE, plaintext, None)


_ONLY_SEGMENT_NONCE = _segment_nonce(0, True)


def _payload_key(blob_key: bytes, header: bytes) -> bytes:
    return hkdf_sha256(blob_key, header, b"blob payload")


def ciphertext_size(plaintext_size: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> int:
    segments = max(1, -(-plaintext_size // segment_size))
    return BLOB_HEADER_SIZE + plaintext_size + segments * TAG_SIZE


def decrypt_stream(blob_key: bytes, source: BinaryIO) -> Iterator[bytes]:
    """Yield plaintext segments; raise IntegrityError naming the segment that failed."""
    header = source.read(BLOB_HEADER_SIZE)
    if len(header) != BLOB_HEADER_SIZE or not header.startswith(BLOB_MAGIC):
        raise IntegrityError("blob header is missing or damaged", segment=None,
                             message_vi="phần đầu của khối dữ liệu bị thiếu hoặc hỏng")
    segment_size = int.from_bytes(header[-4:], "big")
    if not 0 < segment_size <= 1 << 26:
        raise IntegrityError("blob header has an impossible segment size", segment=None,
                             message_vi="phần đầu của khối dữ liệu ghi kích thước phân đoạn không thể có")
    aead = ChaCha20Poly1305(_payload_key(blob_key, header))
    wanted = segment_size + TAG_SIZE
    index = 0
    chunk = source.read(wanted)
    while True:
        if len(chunk) < TAG_SIZE:
            raise IntegrityError(
                f"blob is truncated: segment {index} is missing or incomplete", segment=index
            , message_vi=f"khối dữ liệu bị cắt cụt: phân đoạn {index} bị thiếu hoặc không đầy đủ")
        following = source.read(wanted)
        last = not following
        try:
            yield aead.decrypt(_segment_nonce(index, last), chunk, None)
        except InvalidTag as exc:
            reason, reason_vi = _failure_reason(aead, index, chunk, last)
            raise IntegrityError(reason, segment=index, message_vi=reason_vi) from exc
        if last:
            return
        chunk = following
        index += 1


def _failure_reason(aead: ChaCha20Poly1305, index: int, chunk: bytes, last: bool) -> tuple[str, str]:
    if last:
        try:
            aead.decrypt(_segment_nonce(index, False), chunk, None)
        except InvalidTag:
            pass
        else:
            return (f"blob is truncated: it ends after segment {index}, which is not the final one",
                    f"khối dữ liệu bị cắt cụt: kết thúc sau phân đoạn {index}, vốn không phải phân đoạn cuối")
    return (f"blob is corrupted: segment {index} failed authentication",
            f"khối dữ liệu bị hỏng: phân đoạn {index} không xác thực được")
