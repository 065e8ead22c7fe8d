"""The capture bundle a worker hands to the desk: signed by the worker, sealed to the desk.

A bundle is one file in the staging folder, named by the SHA-256 of its bytes
(``<sha256>.age``). Inside the age encryption (:mod:`evidence_store.age_seal`)
is a POSIX tar that standard tools read (``age -d -i desk.key B.age | tar -tv``):

    manifest.json      what was captured: the task (case, batch, target), the worker (name, key, host, egress,
                       clock, tool), the desk it is sealed to, and every artifact of the capture as the
                       workstation would have stored it (kind, name, metadata, warnings, parent), with each
                       content file's member name, size, SHA-256 and BLAKE3
    manifest.sig       the worker's Ed25519 signature over the exact bytes of manifest.json
    files/NNN-<kind>   the content files, in the manifest's order

Why this shape: the signature is over the plaintext manifest, which names the desk's
key and the task, so a bundle cannot be re-addressed to another desk or task; the
per-file hashes are checked again by the vault's own hashing as the files are stored,
so every byte that reaches the vault is vouched for by the worker's key; sealing to
the desk means the staging folder, its backups and its administrators see only
ciphertext (the rule: no plaintext evidence on a persistent disk outside a vault).
The manifest comes first, so an unknown key or a bad signature is refused before any
file is read.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import tarfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from collectors.base import Artifact
from evidence_store import IntegrityError, canonical_json, iso_utc
from evidence_store.age_seal import AgeError, AgeReader, AgeWriter
from evidence_store.hashing import MultiHasher
from evidence_store.identity import ED25519, decode_signature, encode_signature, fingerprint, verify_signature

FORMAT = "forensics-toolkit/capture-bundle/1"
SIGNATURE_FORMAT = "forensics-toolkit/capture-bundle-signature/1"
SUFFIX = ".age"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
_MAX_MANIFEST = 64 * 1024 * 1024


#: why a bundle was refused, in Vietnamese (the English message says it in full, with the bundle and file)
REFUSAL_VI = {
    "bad signature": "chữ ký của máy thu thập không hợp lệ", "damaged": "dữ liệu bị hỏng hoặc bị sửa sau khi niêm phong",
    "extra file": "có tệp không ghi trong bản kê", "file mismatch": "tệp không đúng vị trí trong bản kê",
    "file missing": "thiếu tệp ghi trong bản kê", "hash mismatch": "mã băm không khớp bản kê đã ký",
    "not a capture": "không phải gói thu thập", "other desk": "gói được niêm phong cho bàn làm việc khác",
    "unknown case": "vụ việc không có trong kho", "unknown key": "khoá của máy thu thập chưa được đăng ký",
    "unreadable": "không đọc được tệp trong thư mục trung chuyển", "wrong target": "địa chỉ không khớp nhiệm vụ",
    "wrong task": "không khớp nhiệm vụ đã giao", "revoked key": "khoá của máy thu thập đã bị thu hồi",
}


class BundleRefused(IntegrityError):
    """A bundle the desk will not store: unknown or revoked key, bad signature, a file whose bytes do not match
    the signed manifest, damaged ciphertext. The message names the bundle and, where it can, the file.
    Exit 1: a check found a problem."""

    exit_code = 1

    def __init__(self, message: str, *, file: str = "", reason: str = "") -> None:
        why = REFUSAL_VI.get(reason, "bị từ chối")
        super().__init__(message, message_vi=f"gói thu thập bị từ chối: {why}" + (f" (tệp {file})" if file else "")
                         + f" — {message}")
        self.file = file
        self.reason = reason or "refused"


@dataclass
class ContentFile:
    """One content file of a bundle: its member in the tar, its size and hashes (as signed)."""

    member: str
    size: int
    sha256: str
    blake3: str

    def to_json(self) -> dict[str, Any]:
        return {"member": self.member, "size": self.size, "sha256": self.sha256, "blake3": self.blake3}


@dataclass
class Manifest:
    data: dict[str, Any]
    raw: bytes = b""

    @property
    def task(self) -> dict[str, Any]:
        return dict(self.data.get("task") or {})

    @property
    def worker(self) -> dict[str, Any]:
        return dict(self.data.get("worker") or {})

    @property
    def artifacts(self) -> list[dict[str, Any]]:
        return list(self.data.get("artifacts") or [])

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


# -- writing (the worker) -----------------------------------------------------------------------------------------
@dataclass
class Signer:
    """The worker's own key (Ed25519, kept on the worker)."""

    private_key: Any  # cryptography's Ed25519PrivateKey
    name: str

    @property
    def public_key(self) -> bytes:
        return bytes(self.private_key.public_key().public_bytes_raw())

    @property
    def fingerprint(self) -> str:
        return fingerprint(ED25519, self.public_key)

    def sign(self, data: bytes) -> bytes:
        return bytes(self.private_key.sign(data))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "alg": ED25519, "public_key": base64.b64encode(self.public_key).decode("ascii"),
                "fingerprint": self.fingerprint}


def _hash(artifact: Artifact) -> ContentFile:
    assert artifact.opener is not None
    hasher = MultiHasher(("sha256", "blake3"))
    with artifact.opener() as stream:
        while block := stream.read(1 << 20):
            hasher.update(block)
    digests = hasher.hexdigests()
    return ContentFile("", hasher.size, digests["sha256"], digests["blake3"])


def build_manifest(task: dict[str, Any], artifacts: Sequence[Artifact], *, worker: dict[str, Any],
                   recipient: str) -> tuple[Manifest, list[tuple[ContentFile, Artifact]]]:
    """The manifest of a capture's artifacts (each content file hashed now) and the files in their order."""
    entries: list[dict[str, Any]] = []
    files: list[tuple[ContentFile, Artifact]] = []
    for artifact in artifacts:
        content = None
        if artifact.opener is not None:
            found = _hash(artifact)
            found.member = f"files/{len(files) + 1:03d}-{artifact.kind}"
            files.append((found, artifact))
            content = found.to_json()
        entries.append({"key": artifact.key, "kind": artifact.kind, "name": artifact.name, "source": artifact.source,
                        "parent": artifact.parent, "media_type": artifact.media_type,
                        "metadata": json_ready(artifact.metadata),
                        "warnings": [json_ready(w.to_json()) for w in artifact.warnings],
                        "acquired_at": artifact.acquired_at, "content": content})
    data = json_ready({"format": FORMAT, "created_at": iso_utc(), "task": task, "worker": worker,
                       "recipient": recipient, "artifacts": entries})
    raw = canonical_json(data)
    return Manifest(data, raw), files


def json_ready(value: Any) -> Any:
    """Metadata as the vault's batch stores it (floats as their repr, tuples as lists, bytes as hex), so the
    signed manifest holds exactly what the items will hold and canonical JSON accepts it."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def signature_record(manifest: Manifest, signer: Signer) -> bytes:
    return canonical_json({"format": SIGNATURE_FORMAT, "alg": ED25519,
                           "public_key": base64.b64encode(signer.public_key).decode("ascii"),
                           "fingerprint": signer.fingerprint, "manifest_sha256": manifest.sha256,
                           "signature": encode_signature(signer.sign(manifest.raw))})


class _HashingSink(io.RawIOBase):
    def __init__(self, sink: BinaryIO) -> None:
        super().__init__()
        self.sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sink.write(view)
        self.digest.update(view)
        self.size += len(view)
        return len(view)


@dataclass
class WrittenBundle:
    name: str
    sha256: str
    size: int
    manifest_sha256: str
    seconds: float
    path: Path | None = None  # in a staging folder; None in an object store


def write_bundle(folder: Path, manifest: Manifest, signature: bytes, files: Sequence[tuple[ContentFile, Any]],
                 recipient: str) -> WrittenBundle:
    """Seal the tar of manifest, signature and files to ``recipient`` into ``folder`` (a ``.part`` file, synced,
    then renamed to its content hash, so a reader never sees half a bundle). ``files`` pairs each entry with
    something to read its bytes from (an artifact, or an opener)."""
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".part-{secrets.token_hex(8)}"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as raw:
            sha256, size = seal_bundle(raw, manifest, signature, files, recipient)
            raw.flush()
            os.fsync(raw.fileno())
        name = folder / f"{sha256}{SUFFIX}"
        os.replace(part, name)
        _sync_dir(folder)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return WrittenBundle(name.name, sha256, size, manifest.sha256, time.monotonic() - started, name)


def seal_bundle(sink: BinaryIO, manifest: Manifest, signature: bytes, files: Sequence[tuple[ContentFile, Any]],
                recipient: str) -> tuple[str, int]:
    """Stream the sealed tar into ``sink``; returns the SHA-256 and size of the bytes written (the bundle's name)."""
    hashing = _HashingSink(sink)
    sealed = AgeWriter(hashing, [recipient])
    with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        _add(tar, MANIFEST, len(manifest.raw), io.BytesIO(manifest.raw))
        _add(tar, SIGNATURE, len(signature), io.BytesIO(signature))
        for entry, source in files:
            opener = source.opener if isinstance(source, Artifact) else source
            assert opener is not None
            with opener() as stream:
                _add(tar, entry.member, entry.size, stream)
    sealed.close()
    return hashing.digest.hexdigest(), hashing.size


def _add(tar: tarfile.TarFile, member: str, size: int, stream: BinaryIO) -> None:
    info = tarfile.TarInfo(member)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    tar.addfile(info, stream)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some network file systems refuse a directory fsync; the rename is still atomic
        pass
    finally:
        os.close(fd)


# -- reading (the desk) -------------------------------------------------------------------------------------------
class _HashingSource(io.RawIOBase):
    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.source.read(-1 if size is None else size)
        self.digest.update(data)
        return bytes(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@dataclass
class OpenedBundle:
    """A bundle being read: its manifest (signature checked by :meth:`verify`), then its files in order."""

    name: str
    manifest: Manifest
    signature: dict[str, Any]
    _tar: Any = field(repr=False)
    _age: AgeReader = field(repr=False)
    _hashing: _HashingSource = field(repr=False)
    current: str = ""  # the member being read (so damage can be named)

    @property
    def signer_key(self) -> tuple[str, bytes]:
        try:
            return str(self.signature["alg"]), base64.b64decode(str(self.signature["public_key"]), validate=True)
        except (KeyError, ValueError) as exc:
            raise BundleRefused(f"bundle {self.name}: its signature record is damaged ({exc})", reason="bad signature",
                                file=SIGNATURE) from exc

    def verify_signature(self) -> None:
        """The worker's signature over the exact manifest bytes, by the key the signature record names."""
        alg, public_key = self.signer_key
        if alg != ED25519:
            raise BundleRefused(f"bundle {self.name}: signed with {alg!r}, not Ed25519", reason="bad signature",
                                file=SIGNATURE)
        if not verify_signature(alg, public_key, self.manifest.raw, decode_signature(str(self.signature.get("signature",
                                                                                                          "")))):
            raise BundleRefused(f"bundle {self.name}: the signature over manifest.json does not verify with the key it "
                                f"names ({fingerprint(alg, public_key)})", reason="bad signature", file=MANIFEST)
        manifest_worker = self.manifest.worker
        if manifest_worker.get("public_key") != base64.b64encode(public_key).decode("ascii"):
            raise BundleRefused(f"bundle {self.name}: the manifest names another worker key than the one that signed it",
                                reason="bad signature", file=MANIFEST)

    def files(self) -> Iterator[tuple[dict[str, Any], Any]]:
        """(manifest entry, readable stream) for every content file, in order; the tar must hold exactly these."""
        expected = [a for a in self.manifest.artifacts if a.get("content")]
        for entry in expected:
            content = entry["content"]
            self.current = str(entry["name"])
            member = self._tar.next()
            if member is None:
                raise BundleRefused(f"bundle {self.name}: file {content['member']} ({entry['name']}) is missing",
                                    file=str(entry["name"]), reason="file missing")
            if member.name != content["member"] or not member.isfile() or member.size != int(content["size"]):
                raise BundleRefused(f"bundle {self.name}: file {entry['name']} is not where the manifest puts it "
                                    f"(found {member.name}, {member.size} bytes)", file=str(entry["name"]),
                                    reason="file mismatch")
            yield entry, self._tar.extractfile(member)
        self.current = "(after the last file)"
        extra = self._tar.next()
        if extra is not None:
            raise BundleRefused(f"bundle {self.name}: it holds a file the manifest does not list ({extra.name})",
                                file=extra.name, reason="extra file")

    def finish(self) -> str:
        """Read to the end (the age file's last chunk is checked); returns the SHA-256 of the bundle's bytes."""
        try:
            self._age.finish()
        except AgeError as exc:
            raise BundleRefused(f"bundle {self.name}: {exc}", reason="damaged") from exc
        while self._hashing.read(1 << 20):
            pass
        return self._hashing.digest.hexdigest()


class BundleSource(Protocol):
    """A bundle where it waits (a file in a staging folder, an object in a store): its name and its bytes."""

    @property
    def name(self) -> str: ...

    def open(self) -> BinaryIO: ...


@dataclass(frozen=True)
class _FileSource:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def open(self) -> BinaryIO:
        return open(self.path, "rb")  # noqa: SIM115 - closed by open_bundle


@contextmanager
def open_bundle(source: Path | BundleSource, identities: Sequence[str]) -> Iterator[OpenedBundle]:
    """Decrypt with the desk's keys and read the manifest and signature (not yet checked against anything)."""
    path = _FileSource(source) if isinstance(source, Path) else source
    try:
        handle = path.open()
    except OSError as exc:
        raise BundleRefused(f"bundle {path.name} cannot be read from staging: {exc.strerror or exc}",
                            reason="unreadable") from exc
    age: AgeReader | None = None
    try:
        hashing = _HashingSource(handle)
        try:
            age = AgeReader(hashing, identities)
            tar = tarfile.open(fileobj=age, mode="r|")  # type: ignore[call-overload]  # noqa: SIM115
            manifest_raw = _member(tar, MANIFEST, path)
            signature_raw = _member(tar, SIGNATURE, path)
        except AgeError as exc:
            raise BundleRefused(f"bundle {path.name}: {exc}", reason="damaged",
                                file=MANIFEST if exc.plaintext_offset is not None else "") from exc
        except tarfile.TarError as exc:
            raise BundleRefused(f"bundle {path.name}: not a capture bundle ({exc})", reason="damaged") from exc
        try:
            manifest = Manifest(json.loads(manifest_raw), manifest_raw)
            signature = json.loads(signature_raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BundleRefused(f"bundle {path.name}: its manifest is not JSON ({exc})", reason="damaged",
                                file=MANIFEST) from exc
        if manifest.data.get("format") != FORMAT or not isinstance(signature, dict):
            raise BundleRefused(f"bundle {path.name} is not a {FORMAT} bundle", reason="damaged", file=MANIFEST)
        yield OpenedBundle(path.name, manifest, signature, tar, age, hashing)
    finally:
        if age is not None:
            age.close()  # stops the decrypting thread if the bundle was not read to its end
        handle.close()


def _member(tar: tarfile.TarFile, name: str, path: BundleSource) -> bytes:
    member = tar.next()
    if member is None or member.name != name or not member.isfile() or member.size > _MAX_MANIFEST:
        raise BundleRefused(f"bundle {path.name}: {name} is missing or not where it belongs", reason="damaged",
                            file=name)
    stream = tar.extractfile(member)
    assert stream is not None
    return bytes(stream.read())


def bundle_names(folder: Path) -> list[Path]:
    """The complete bundles in a staging folder (``.part`` files are still being written), oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith(".")]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def desk_folder(recipient: str) -> str:
    """The sub-folder of staging that holds one desk's bundles (several desks may share a staging folder)."""
    return "desk-" + hashlib.sha256(recipient.encode('ascii')).hexdigest()[:16]
