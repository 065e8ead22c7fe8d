"""age v1 encryption to X25519 recipients, streamed (the format of https://age-encryption.org/v1).

Capture bundles travel from workers to the desk through a shared staging folder;
they are sealed to the desk's public key so that the folder, its backups and
whoever administers it hold only ciphertext. The format is age's own, byte for
byte, so an examiner can open a bundle with the standard ``age`` tool
(``age -d -i desk.key bundle.age | tar -t``) and the tests check this module
against that independent implementation.

- header: ``age-encryption.org/v1``, one ``-> X25519 <share>`` stanza per recipient (the 16-byte file key
  wrapped with ChaCha20-Poly1305 under HKDF-SHA-256 of the X25519 shared secret), ``--- <HMAC-SHA-256>``;
- payload: a 16-byte nonce, then the STREAM construction: ChaCha20-Poly1305 over 64 KiB chunks, the nonce an
  11-byte counter and a last-chunk flag, so truncation, reordering and any changed byte are detected, in bounded
  memory whatever the size.

Keys are written as age writes them: ``age1…`` (recipient) and ``AGE-SECRET-KEY-1…`` (identity), Bech32.
"""

from __future__ import annotations

import base64
import hmac
import io
import os
from collections.abc import Sequence
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import IntegrityError, UsageError

VERSION_LINE = b"age-encryption.org/v1"
X25519_LABEL = b"age-encryption.org/v1/X25519"
CHUNK = 64 * 1024
TAG = 16
RECIPIENT_HRP = "age"
IDENTITY_HRP = "age-secret-key-"
_MAX_HEADER = 64 * 1024


class AgeError(IntegrityError):
    """An age file that cannot be opened: not age, not for these keys, or changed after it was sealed.

    ``plaintext_offset`` is where in the payload the damage was found (None for the header), so that a
    container can name the file the damaged bytes belong to."""

    def __init__(self, message: str, plaintext_offset: int | None = None) -> None:
        super().__init__(message)
        self.plaintext_offset = plaintext_offset


# -- keys ----------------------------------------------------------------------------------------------------------
def new_identity() -> tuple[bytes, bytes]:
    """A fresh (private, public) X25519 key pair, raw 32 bytes each."""
    key = X25519PrivateKey.generate()
    return key.private_bytes_raw(), key.public_key().public_bytes_raw()


def public_of(identity: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(identity).public_key().public_bytes_raw()


def encode_recipient(public_key: bytes) -> str:
    return _bech32(RECIPIENT_HRP, public_key)


def encode_identity(private_key: bytes) -> str:
    return _bech32(IDENTITY_HRP, private_key).upper()


def parse_recipient(text: str) -> bytes:
    """``age1…`` → the raw X25519 public key (a UsageError naming what is wrong)."""
    return _unbech32(text.strip(), RECIPIENT_HRP, "an age recipient (age1…)")


def parse_identity(text: str) -> bytes:
    return _unbech32(text.strip(), IDENTITY_HRP, "an age identity (AGE-SECRET-KEY-1…)")


def _bech32(hrp: str, data: bytes) -> str:
    import bech32

    words = bech32.convertbits(data, 8, 5, True)
    assert words is not None
    return bech32.bech32_encode(hrp, words)


def _unbech32(text: str, hrp: str, what: str) -> bytes:
    import bech32

    found, words = bech32.bech32_decode(text)
    data = bech32.convertbits(words, 5, 8, False) if words is not None else None
    if found != hrp or data is None or len(data) != 32:
        raise UsageError(f"{text[:20]}… is not {what}")
    return bytes(data)


# -- primitives ------------------------------------------------------------------------------------------------------
def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    if b"=" in text or b"\r" in text:
        raise AgeError("the age header holds non-canonical base64")
    try:
        decoded = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError as exc:
        raise AgeError("the age header holds invalid base64") from exc
    if _b64(decoded) != text:
        raise AgeError("the age header holds non-canonical base64")
    return decoded


def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _wrap(file_key: bytes, recipient: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    wrap_key = _hkdf(shared, share + recipient, X25519_LABEL)
    body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)
    return b"-> X25519 " + _b64(share) + b"\n" + _b64(body) + b"\n"


def _unwrap(share: bytes, body: bytes, identity: bytes) -> bytes | None:
    key = X25519PrivateKey.from_private_bytes(identity)
    recipient = key.public_key().public_bytes_raw()
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(share))
    except ValueError:  # an all-zero shared secret (a low-order point): refused, as age does
        raise AgeError("the age header holds an invalid X25519 share") from None
    wrap_key = _hkdf(shared, share + recipient, X25519_LABEL)
    try:
        return ChaCha20Poly1305(wrap_key).decrypt(bytes(12), body, None)
    except InvalidTag:
        return None  # sealed to someone else


# -- writing ---------------------------------------------------------------------------------------------------------
class AgeWriter(io.RawIOBase):
    """A write-only stream that seals what is written to ``recipients`` (raw X25519 public keys) into ``sink``.

    ``close()`` writes the last chunk (it does not close ``sink``)."""

    def __init__(self, sink: BinaryIO | io.RawIOBase, recipients: Sequence[bytes]) -> None:
        super().__init__()
        if not recipients:
            raise UsageError("an age file needs at least one recipient")
        self._sink = sink
        file_key = os.urandom(16)
        header = VERSION_LINE + b"\n" + b"".join(_wrap(file_key, r) for r in recipients) + b"---"
        mac = hmac.new(_hkdf(file_key, b"", b"header"), header, "sha256").digest()
        nonce = os.urandom(16)
        sink.write(header + b" " + _b64(mac) + b"\n" + nonce)
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._buffer = bytearray()
        self._counter = 0
        self.plaintext_size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        self.plaintext_size += len(view)
        # a chunk is sealed only once more follows: the last one carries the final flag
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(view)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        self._sink.write(self._aead.encrypt(_chunk_nonce(self._counter, last), chunk, None))
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer = bytearray()
        super().close()


# -- reading ---------------------------------------------------------------------------------------------------------
class AgeReader(io.RawIOBase):
    """A read-only stream of the plaintext of an age file sealed to one of ``identities`` (raw X25519 keys).

    Reading to the end checks the last chunk's flag: a truncated file or one with bytes after its end raises
    :class:`AgeError`, as does any changed byte (with the plaintext offset of the damaged chunk)."""

    def __init__(self, source: BinaryIO | io.RawIOBase, identities: Sequence[bytes]) -> None:
        super().__init__()
        self._source = source
        file_key = self._read_header(identities)
        nonce = self._read_exact(16)
        if len(nonce) != 16:
            raise AgeError("the age file ends inside its header", 0)
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._plain = b""
        self._pos = 0  # within _plain
        self._offset = 0  # plaintext bytes before _plain
        self._next = self._read_exact(CHUNK + TAG)
        self._done = False

    def _read_exact(self, size: int) -> bytes:
        parts, left = [], size
        while left:
            part = self._source.read(left)
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def _line(self) -> bytes:
        line = bytearray()
        while len(line) < _MAX_HEADER:
            ch = self._source.read(1)
            if not ch:
                raise AgeError("the age file ends inside its header")
            if ch == b"\n":
                return bytes(line)
            line += ch
        raise AgeError("the age header is too long")

    def _read_header(self, identities: Sequence[bytes]) -> bytes:
        first = self._line()
        if first != VERSION_LINE:
            raise AgeError("not an age file (age-encryption.org/v1)")
        header = bytearray(first + b"\n")
        file_key: bytes | None = None
        while True:
            line = self._line()
            if line.startswith(b"---"):
                if not line.startswith(b"--- "):
                    raise AgeError("the age header's MAC line is malformed")
                header += b"---"
                mac = _unb64(line[4:])
                break
            if not line.startswith(b"-> "):
                raise AgeError("the age header holds a malformed stanza")
            header += line + b"\n"
            args = line[3:].split(b" ")
            body = bytearray()
            while True:  # body lines: 64 columns, the last one shorter
                part = self._line()
                header += part + b"\n"
                body += part
                if len(part) < 64:
                    break
            if args[0] != b"X25519" or file_key is not None:
                continue  # another recipient type (or grease): not ours
            if len(args) != 2:
                raise AgeError("the age header holds a malformed X25519 stanza")
            share, wrapped = _unb64(args[1]), _unb64(bytes(body))
            if len(share) != 32 or len(wrapped) != 32:
                raise AgeError("the age header holds a malformed X25519 stanza")
            for identity in identities:
                found = _unwrap(share, wrapped, identity)
                if found is not None:
                    file_key = found
                    break
        if file_key is None:
            raise AgeError("the age file is not sealed to this desk's key (no stanza opens with it)")
        expected = hmac.new(_hkdf(file_key, b"", b"header"), bytes(header), "sha256").digest()
        if not hmac.compare_digest(expected, mac):
            raise AgeError("the age header was changed after it was sealed (its MAC does not match)")
        return file_key

    def readable(self) -> bool:
        return True

    def _advance(self) -> bool:
        """Decrypt the next chunk into ``_plain``; False at the end of the payload."""
        if self._done:
            return False
        chunk = self._next
        at = self._offset + len(self._plain)
        if len(chunk) < TAG:
            raise AgeError("the age file was cut short (its last chunk is missing)", at)
        following = self._read_exact(CHUNK + TAG) if len(chunk) == CHUNK + TAG else b""
        last = not following
        try:
            plain = self._aead.decrypt(_chunk_nonce(self._counter, last), chunk, None)
        except InvalidTag:
            if last and len(chunk) == CHUNK + TAG:
                raise AgeError("the age file was cut short, or changed, at the chunk starting at plaintext "
                               f"byte {at}", at) from None
            raise AgeError(f"the age file was changed after it was sealed: the chunk starting at plaintext byte "
                           f"{at} does not authenticate", at) from None
        if last and not plain and self._counter > 0:
            raise AgeError("the age file ends with an empty chunk (not written by age)", at)
        self._offset += len(self._plain)
        self._plain, self._pos = plain, 0
        self._counter += 1
        self._next = following
        self._done = last
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts: list[bytes] = []
            while True:
                part = self.read(1 << 20)
                if not part:
                    return b"".join(parts)
                parts.append(part)
        while self._pos >= len(self._plain):
            if not self._advance():
                return b""
        piece = self._plain[self._pos:self._pos + size]
        self._pos += len(piece)
        return piece

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    @property
    def position(self) -> int:
        """Plaintext bytes handed out so far."""
        return self._offset + self._pos

    def finish(self) -> None:
        """Read what is left (a container that stopped early still checks the end of the file)."""
        while self._advance():
            pass
        self._pos = len(self._plain)
