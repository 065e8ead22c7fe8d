"""Examiner identities: who signs, with which key, and how anyone checks it.

A vault passphrase opens evidence; it does not open anyone's signature. Each
examiner's signing key is theirs alone: an Ed25519 key wrapped in their own key
slot (see :mod:`.keyslots`), or a key that never leaves their PKCS#11 token
(ECDSA P-256, see :mod:`.pkcs11`). Custody entries name the key that signed
them (algorithm and fingerprint), so a verifier needs only public keys.

Fingerprints are short and copyable (``ed25519:1a2b 3c4d … 8 groups``): they
are printed on paper reports and minutes, and the agency's trust file lists
them, so a prosecutor can compare them by eye.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from .errors import IntegrityError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"
ALGORITHMS = (ED25519, ECDSA_P256)


def fingerprint(alg: str, public_key: bytes) -> str:
    """``<alg>:`` + the first 128 bits of SHA-256(alg || 0x00 || key), as eight groups of four hex digits."""
    digest = hashlib.sha256(alg.encode("ascii") + b"\x00" + public_key).hexdigest()[:32]
    short = "ed25519" if alg == ED25519 else "p256"
    return f"{short}:" + " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def normalise_fingerprint(text: str) -> str:
    """Compare fingerprints as typed by people: case, spaces and colons inside the digits do not matter."""
    alg, _, digits = text.strip().lower().partition(":")
    digits = "".join(ch for ch in digits if ch in "0123456789abcdef")
    return f"{alg}:{digits}"


class Signer(Protocol):
    """The acting examiner's signing key (in memory or on a token)."""

    @property
    def examiner_id(self) -> int: ...

    @property
    def uid(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def alg(self) -> str: ...

    @property
    def public_key(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class Ed25519Signer:
    """An examiner whose Ed25519 key was unwrapped from their own key slot.

    The key object is made at the first signature: loading cryptography's
    Ed25519 and OpenSSL backend costs about 15 ms that opening a vault only to
    read it (the desktop app's start) never needs.
    """

    examiner_id: int
    uid: str
    name: str
    private_bytes: bytes = field(repr=False)
    alg: str = ED25519

    @cached_property
    def _key(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.private_bytes)

    @cached_property
    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes_raw()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def new_ed25519() -> tuple[bytes, bytes]:
    """A fresh (private, public) Ed25519 key pair as raw bytes."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return key.private_bytes_raw(), key.public_key().public_bytes_raw()


def verify_signature(alg: str, public_key: bytes, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies with the public key (raw Ed25519 or SEC1 P-256 point)."""
    from cryptography.exceptions import InvalidSignature

    try:
        if alg == ED25519:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
        elif alg == ECDSA_P256:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec

            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
            point.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def encode_signature(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise IntegrityError("a signature is not valid base64", message_vi="chữ ký không phải base64 hợp lệ") from exc


def public_key_json(alg: str, public_key: bytes) -> dict[str, Any]:
    """How a public key is written in trust files and packages."""
    return {"alg": alg, "public_key": base64.b64encode(public_key).decode("ascii"),
            "fingerprint": fingerprint(alg, public_key)}
