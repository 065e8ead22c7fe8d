"""Signed checkpoints of the custody log in the C2SP tlog-checkpoint format.

A checkpoint is a signed note (C2SP signed-note) whose text is::

    <origin>
    <tree size>
    <base64 root hash>
    [extension lines]

followed by a blank line and ``— <key name> <base64(key hash || Ed25519 signature)>``.
Verifier keys use the note format ``<name>+<hex key hash>+<base64(0x01 || public key)>``,
so standard tooling (e.g. golang.org/x/mod/sumdb/note) can check them too.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import IntegrityError

if TYPE_CHECKING:  # loaded when a checkpoint is signed or checked, not to open a vault
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ED25519_ALG = b"\x01"
SIGNATURE_PREFIX = "\u2014 "


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_ALG + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    _check_name(name)
    encoded = base64.b64encode(ED25519_ALG + public_key).decode("ascii")
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    try:
        name, hash_hex, encoded = vkey.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise IntegrityError(f"malformed verifier key: {vkey!r}") from exc
    if raw[:1] != ED25519_ALG or len(raw) != 33:
        raise IntegrityError("verifier key is not an Ed25519 key")
    if key_hash(name, raw[1:]).hex() != hash_hex:
        raise IntegrityError("verifier key hash does not match its name and key")
    return name, raw[1:]


def _check_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise ValueError("a note key name must be non-empty without spaces or '+'")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default_factory=tuple)

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "\n".join(lines) + "\n"

    def sign(self, key_name: str, private_key: Ed25519PrivateKey) -> str:
        _check_name(key_name)
        body = self.body()
        public = private_key.public_key().public_bytes_raw()
        signature = private_key.sign(body.encode("utf-8"))
        blob = base64.b64encode(key_hash(key_name, public) + signature).decode("ascii")
        return f"{body}\n{SIGNATURE_PREFIX}{key_name} {blob}\n"


def parse_checkpoint(note: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """Split a signed checkpoint into its body and (key name, key hash + signature) lines."""
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        raise IntegrityError("checkpoint has no signature block")
    lines = body.split("\n")
    if len(lines) < 3:
        raise IntegrityError("checkpoint text needs origin, size and root hash")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise IntegrityError(f"malformed checkpoint: {exc}") from exc
    if size < 0 or len(root) != 32 or lines[1] != str(size):
        raise IntegrityError("malformed checkpoint size or root hash")
    sigs = []
    for line in signatures.rstrip("\n").split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise IntegrityError(f"malformed signature line in checkpoint: {line!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].rpartition(" ")
        try:
            sigs.append((name, base64.b64decode(encoded, validate=True)))
        except ValueError as exc:
            raise IntegrityError("checkpoint signature is not valid base64") from exc
    return Checkpoint(lines[0], size, root, tuple(lines[3:])), sigs


def verify_checkpoint(note: str, vkey: str) -> Checkpoint:
    """Return the checkpoint if ``vkey`` signed it; raise IntegrityError otherwise."""
    name, public = parse_verifier_key(vkey)
    checkpoint, signatures = parse_checkpoint(note)
    wanted = key_hash(name, public)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    body = note.partition("\n\n")[0] + "\n"
    for sig_name, blob in signatures:
        if sig_name == name and blob[:4] == wanted:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], body.encode("utf-8"))
            except InvalidSignature as exc:
                raise IntegrityError("checkpoint signature is invalid: the checkpoint was altered") from exc
            return checkpoint
    raise IntegrityError(f"checkpoint is not signed by {name}")
