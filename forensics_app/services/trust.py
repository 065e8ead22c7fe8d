"""Trust files: the anchors a prosecutor pins, which never travel inside the evidence.

A package or a proof bundle carries its own keys and timestamp roots; checking it
against those alone proves only that it is internally consistent, which a forger
who built it from scratch can also achieve. A trust file is what the agency hands
out beforehand (``forensics trust export``), or what a prosecutor types from the
fingerprints printed on the signed paper minutes: the examiners' public keys, the
timestamp authorities' roots, the enrolled workers' keys. A verifier given one
says whether the evidence was signed by those keys; given none, it says plainly
that the origin is not verified and never prints a plain OK.

Format (JSON)::

    {"format": "forensics-toolkit/trust", "version": 1, "issued_at": "…", "issuer": {…},
     "examiners": [{"name", "alg", "public_key" (base64), "fingerprint", "vault_id", "verifier_key", "role", "status"}],
     "tsa_roots": ["-----BEGIN CERTIFICATE-----…"],
     "workers": [{"name", "alg", "public_key", "fingerprint", "status", "enrolled_at", "enrolled_by", "note"}]}
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_store import UsageError, Vault, iso_utc
from evidence_store.checkpoint import VerifierKey, parse_verifier_key
from evidence_store.errors import bilingual
from evidence_store.identity import ALGORITHMS, fingerprint, normalise_fingerprint

FORMAT = "forensics-toolkit/trust"
VERSION = 1

#: exit status of a verifier that found nothing wrong but was given no trusted key (distinct from 0 and 1)
EXIT_ORIGIN_NOT_VERIFIED = 4


@dataclass(frozen=True)
class TrustedKey:
    name: str
    alg: str
    public_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.alg, self.public_key)


@dataclass
class Trust:
    """What a verifier may rely on; empty when nothing was given."""

    keys: list[TrustedKey] = field(default_factory=list)
    fingerprints: set[str] = field(default_factory=set)  # typed from paper, without the key itself
    tsa_roots_pem: list[bytes] = field(default_factory=list)
    workers: list[TrustedKey] = field(default_factory=list)
    source: str = ""

    @property
    def pins_keys(self) -> bool:
        return bool(self.keys or self.fingerprints)

    def trusts(self, alg: str, public_key: bytes) -> TrustedKey | None:
        """The trusted key this is, or None (matched by algorithm and key bytes, or by a pinned fingerprint)."""
        for key in self.keys:
            if key.alg == alg and key.public_key == public_key:
                return key
        if normalise_fingerprint(fingerprint(alg, public_key)) in self.fingerprints:
            return TrustedKey("(fingerprint)", alg, public_key)
        return None

    def trusts_vkey(self, vkey: str | VerifierKey) -> TrustedKey | None:
        key = vkey if isinstance(vkey, VerifierKey) else parse_verifier_key(vkey)
        return self.trusts(key.alg, key.public_key)

    def worker(self, alg: str, public_key: bytes) -> TrustedKey | None:
        return next((w for w in self.workers if w.alg == alg and w.public_key == public_key), None)


def export_trust(vault: Vault, *, include_removed: bool = True) -> dict[str, Any]:
    """The trust file of this vault: every examiner's key (removed ones too: their old entries stay valid),
    the timestamp roots configured, and enrolled workers."""
    from .timestamps import configured_roots

    examiners = []
    for e in vault.list_examiners():
        if e.status != "active" and not include_removed:
            continue
        examiners.append({
            "name": e.name, "uid": e.uid, "alg": e.signing_alg,
            "public_key": base64.b64encode(e.public_key).decode("ascii"), "fingerprint": e.fingerprint,
            "vault_id": vault.config.vault_id, "role": e.role, "status": e.status,
            "verifier_key": vault.custody.verifier_key(e.uid, e.signing_alg, e.public_key)})
    from cryptography.hazmat.primitives.serialization import Encoding

    roots = [cert.public_bytes(Encoding.PEM).decode("ascii") for cert in configured_roots(vault)]
    from evidence_store.remote_store import list_workers

    # every worker an examiner enrolled (`forensics worker enroll`), revoked ones marked: their earlier captures stay
    workers = [w.to_json() for w in list_workers(vault)]
    return {"format": FORMAT, "version": VERSION, "issued_at": iso_utc(),
            "issuer": {"agency": vault.get_setting("agency", ""), "unit": vault.get_setting("unit", ""),
                       "examiner": vault.examiner.name, "vault_id": vault.config.vault_id},
            "examiners": examiners, "tsa_roots": roots, "workers": workers}


def load_trust(paths: list[Path] | tuple[Path, ...] = (), *, fingerprints: tuple[str, ...] = (),
               tsa_roots: tuple[Path, ...] = ()) -> Trust:
    """Trust files, fingerprints typed by hand (``ed25519:1a2b …``) and extra TSA root files, merged."""
    trust = Trust(source=", ".join(str(p) for p in paths))
    for path in paths:
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"{path} is not a trust file: {exc}", message_vi=f"{path} không phải tệp tin cậy: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UsageError(f"{path} is not a trust file (format {FORMAT!r} expected)",
                             message_vi=f"{path} không phải tệp tin cậy (cần định dạng {FORMAT!r})")
        if int(data.get("version", 0)) > VERSION:
            raise UsageError(f"{path} is a trust file of a newer version; install a newer version of the tool",
                             message_vi=f"{path} là tệp tin cậy của phiên bản mới hơn; hãy cài phiên bản công cụ mới hơn")
        for entry in data.get("examiners", []):
            trust.keys.append(_key(entry, path))
        for entry in data.get("workers", []):
            trust.workers.append(_key(entry, path))
        trust.tsa_roots_pem += [str(pem).encode("ascii") for pem in data.get("tsa_roots", [])]
    for text in fingerprints:
        if ":" not in text:
            raise UsageError(f"{text!r} is not a key fingerprint (like ed25519:1a2b 3c4d …)",
                             message_vi=f"{text!r} không phải dấu vân tay khoá (dạng ed25519:1a2b 3c4d …)")
        trust.fingerprints.add(normalise_fingerprint(text))
    for root in tsa_roots:
        try:
            trust.tsa_roots_pem.append(Path(root).read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read the timestamp root {root}: {exc.strerror or exc}",
                             message_vi=f"không đọc được chứng thư gốc dấu thời gian {root}: {bilingual(exc)[1]}") from exc
    return trust


def _key(entry: dict[str, Any], path: Path) -> TrustedKey:
    try:
        alg = str(entry["alg"])
        public = base64.b64decode(str(entry["public_key"]), validate=True)
    except (KeyError, ValueError) as exc:
        raise UsageError(f"{path}: a key entry is damaged ({exc})", message_vi=f"{path}: một mục khoá bị hỏng ({exc})") from exc
    if alg not in ALGORITHMS:
        raise UsageError(f"{path}: unknown key algorithm {alg!r}", message_vi=f"{path}: thuật toán khoá không xác định {alg!r}")
    key = TrustedKey(str(entry.get("name", "")), alg, public)
    if entry.get("fingerprint") and normalise_fingerprint(str(entry["fingerprint"])) != normalise_fingerprint(
            key.fingerprint):
        raise UsageError(f"{path}: the fingerprint of {key.name or 'a key'} does not match its key",
                         message_vi=f"{path}: dấu vân tay của {key.name or 'một khoá'} không khớp với khoá")
    return key


def write_trust(data: dict[str, Any], out: Path) -> Path:
    if out.exists():
        raise UsageError(f"{out} already exists; choose another file name",
                         message_vi=f"{out} đã tồn tại; hãy chọn tên tệp khác")
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return out
