"""Signed checkpoints of the custody log in the C2SP tlog-checkpoint format: the one parser.

A checkpoint is a signed note (C2SP signed-note) whose text is::

    <origin>
    <tree size>
    <base64 root hash>
    [extension lines]

followed by a blank line and one or more ``— <key name> <base64(key id || signature)>``
lines. Verifier keys are ``<name>+<hex key id>+<base64(type || public key)>``.
Examiners who sign in software use type 0x01 (Ed25519), which standard tooling
(golang.org/x/mod/sumdb/note; a test runs it) checks too; examiners whose key
lives on a PKCS#11 token use type 0x02 (ECDSA P-256 with SHA-256, the public key
as DER SubjectPublicKeyInfo, the signature as DER), which such tools ignore.
As in Go's note package, the text ends at the *last* blank line.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import IntegrityError
from .identity import ECDSA_P256, ED25519, verify_signature

if TYPE_CHECKING:
    from .identity import Signer

SIGNATURE_PREFIX = "\u2014 "
_TYPE = {ED25519: b"\x01", ECDSA_P256: b"\x02"}
_ALG = {v: k for k, v in _TYPE.items()}


def _note_key(alg: str, public_key: bytes) -> bytes:
    """What follows the type byte in a verifier key: the raw Ed25519 key, or DER SPKI for P-256."""
    if alg == ED25519:
        return public_key
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
    return point.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _from_note_key(alg: str, data: bytes) -> bytes:
    if alg == ED25519:
        if len(data) != 32:
            raise IntegrityError("verifier key is not an Ed25519 key", message_vi="khoá kiểm chứng không phải khoá Ed25519")
        return data
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key

    try:
        key = load_der_public_key(data)
    except ValueError as exc:
        raise IntegrityError("verifier key is not a P-256 key", message_vi="khoá kiểm chứng không phải khoá P-256") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise IntegrityError("verifier key is not a P-256 key", message_vi="khoá kiểm chứng không phải khoá P-256")
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def key_id(name: str, alg: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _TYPE[alg] + _note_key(alg, public_key)).digest()[:4]


def verifier_key(name: str, public_key: bytes, alg: str = ED25519) -> str:
    _check_name(name)
    encoded = base64.b64encode(_TYPE[alg] + _note_key(alg, public_key)).decode("ascii")
    return f"{name}+{key_id(name, alg, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class VerifierKey:
    name: str
    alg: str
    public_key: bytes
    text: str


def parse_verifier_key(vkey: str) -> VerifierKey:
    try:
        name, hash_hex, encoded = vkey.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise IntegrityError(f"malformed verifier key: {vkey!r}", message_vi=f"khoá kiểm chứng sai định dạng: {vkey!r}") from exc
    alg = _ALG.get(raw[:1])
    if alg is None:
        raise IntegrityError("verifier key has an unknown signature type",
                             message_vi="khoá kiểm chứng có kiểu chữ ký không xác định")
    public = _from_note_key(alg, raw[1:])
    if key_id(name, alg, public).hex() != hash_hex:
        raise IntegrityError("verifier key hash does not match its name and key",
                             message_vi="giá trị băm của khoá kiểm chứng không khớp với tên và khoá")
    return VerifierKey(name, alg, public, vkey.strip())


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

    def sign(self, key_name: str, signer: Signer) -> str:
        _check_name(key_name)
        body = self.body()
        signature = signer.sign(body.encode("utf-8"))
        blob = base64.b64encode(key_id(key_name, signer.alg, signer.public_key) + signature).decode("ascii")
        return f"{body}\n{SIGNATURE_PREFIX}{key_name} {blob}\n"


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """(text including its final newline, [(key name, key id + signature)]), split at the last blank line."""
    cut = note.rfind("\n\n")
    if cut < 0:
        raise IntegrityError("checkpoint has no signature block", message_vi="điểm kiểm tra không có phần chữ ký")
    text, signatures = note[:cut + 1], note[cut + 2:]
    sigs = []
    for line in signatures.rstrip("\n").split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise IntegrityError(f"malformed signature line in checkpoint: {line!r}",
                                 message_vi=f"dòng chữ ký của điểm kiểm tra sai định dạng: {line!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise IntegrityError("checkpoint signature is not valid base64",
                                 message_vi="chữ ký của điểm kiểm tra không phải base64 hợp lệ") from exc
        if len(blob) < 5:
            raise IntegrityError("checkpoint signature is too short", message_vi="chữ ký của điểm kiểm tra quá ngắn")
        sigs.append((name, blob))
    return text, sigs


def parse_checkpoint(note: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """Split a signed checkpoint into its body and (key name, key id + signature) lines."""
    text, sigs = _split_note(note)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise IntegrityError("checkpoint text needs origin, size and root hash",
                             message_vi="nội dung điểm kiểm tra phải có nguồn gốc, kích thước và giá trị băm gốc")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise IntegrityError(f"malformed checkpoint: {exc}", message_vi=f"điểm kiểm tra sai định dạng: {exc}") from exc
    if size < 0 or len(root) != 32 or lines[1] != str(size):
        raise IntegrityError("malformed checkpoint size or root hash",
                             message_vi="kích thước hoặc giá trị băm gốc của điểm kiểm tra sai định dạng")
    return Checkpoint(lines[0], size, root, tuple(lines[3:])), sigs


def checkpoint_root(note: str) -> tuple[int, bytes]:
    """(size, root) of a checkpoint's text, without checking its signature."""
    point, _sigs = parse_checkpoint(note)
    return point.size, point.root


def signers_of(note: str) -> list[str]:
    """The key names that signed a checkpoint (unchecked)."""
    return [name for name, _blob in _split_note(note)[1]]


def verify_checkpoint(note: str, vkey: str | VerifierKey) -> Checkpoint:
    """Return the checkpoint if ``vkey`` signed it; raise IntegrityError otherwise."""
    key = vkey if isinstance(vkey, VerifierKey) else parse_verifier_key(vkey)
    checkpoint, _ = parse_checkpoint(note)
    text, signatures = _split_note(note)
    wanted = key_id(key.name, key.alg, key.public_key)
    for sig_name, blob in signatures:
        if sig_name == key.name and blob[:4] == wanted:
            if not verify_signature(key.alg, key.public_key, text.encode("utf-8"), blob[4:]):
                raise IntegrityError("checkpoint signature is invalid: the checkpoint was altered",
                                     message_vi="chữ ký của điểm kiểm tra không hợp lệ: điểm kiểm tra đã bị sửa")
            return checkpoint
    raise IntegrityError(f"checkpoint is not signed by {key.name}", message_vi=f"điểm kiểm tra không được ký bởi {key.name}")
