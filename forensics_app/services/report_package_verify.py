"""``forensics verify-package``: check an evidence package without the vault or its passphrase.

Reports every problem, each naming the file it concerns: a changed, missing or
extra file; a SHA256SUMS/B3SUMS line that does not match; a manifest entry that
does not match; an evidence file whose hashes differ from those fixed in the
custody log at acquisition; a broken inclusion proof, checkpoint signature or
consistency proof; a manifest that is not the one the export logged; a
timestamp token that does not verify; a checkpoint a report printed that the
package's log does not extend. Works on the folder or on any standard ZIP.

Origin is a separate verdict from integrity. Keys and timestamp roots shipped
inside the package prove only that it is consistent with itself (a forger who
rebuilds a package with a new key passes that); the origin is verified only
against anchors given from outside (``--trust`` file, fingerprints typed from
the signed paper minutes, TSA roots or the system's CA store). Without them the
result says "origin not verified" and the command exits 4, never 0.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509

from evidence_store import IntegrityError, UsageError, merkle, verify_bundle
from evidence_store.checkpoint import parse_verifier_key, verify_checkpoint
from evidence_store.hashing import digest_stream
from evidence_store.identity import normalise_fingerprint
from evidence_store.proofs import bundle_keys

from .timestamps import load_roots, verify_token
from .trust import Trust

SUMS = ("SHA256SUMS", "B3SUMS")
AFTER_MANIFEST = re.compile(r"^(manifest\.json|custody/seal\.json|SHA256SUMS|B3SUMS|"
                            r"timestamps/manifest-[^/]+\.(tsr|pem))$")
ZIP_UTF8_FLAG = 0x800
_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass
class Finding:
    code: str
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


@dataclass
class PackageCheck:
    path: str
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    items: int = 0
    proofs: int = 0
    timestamps: int = 0
    verifier_key: str = ""
    checkpoint_size: int = 0
    origin_verified: bool = False  # the signing keys were matched to anchors given from outside
    trusted_signers: list[str] = field(default_factory=list)  # who signed, as the trust file names them
    timestamps_pinned: bool = False  # tokens checked against roots given from outside, not the package's own
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Intact: nothing changed, missing or added, every proof and signature holds (origin is separate)."""
        return not self.findings

    @property
    def verdict(self) -> str:
        if self.findings:
            return "problems"
        return "verified" if self.origin_verified else "origin_not_verified"

    def add(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(code, path, message))

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "verdict": self.verdict, "origin_verified": self.origin_verified,
                "trusted_signers": self.trusted_signers, "timestamps_pinned": self.timestamps_pinned,
                "path": self.path, "files": self.files, "items": self.items, "proofs": self.proofs,
                "timestamps": self.timestamps, "verifier_key": self.verifier_key,
                "checkpoint_size": self.checkpoint_size, "notes": self.notes,
                "problems": [f.to_json() for f in self.findings]}


class _Package:
    """Files of a package folder or ZIP, by relative POSIX path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        self._members: dict[str, zipfile.ZipInfo] = {}
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        elif zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise UsageError(f"{path} is not a readable ZIP file: {exc}",
                                 message_vi=f"{path} không phải tệp ZIP đọc được: {exc}") from exc
            self._members = {_member_name(info): info for info in self._zip.infolist() if not info.is_dir()}
            tops = {m.split("/", 1)[0] for m in self._members}
            if len(tops) == 1 and all("/" in m for m in self._members):
                self._prefix = tops.pop() + "/"
            self.names = sorted(m[len(self._prefix):] for m in self._members)
        else:
            raise UsageError(f"{path} is neither a package folder nor a ZIP file",
                             message_vi=f"{path} không phải thư mục gói chứng cứ cũng không phải tệp ZIP")

    def open(self, name: str) -> BinaryIO:
        if self._zip is not None:
            return self._zip.open(self._members[self._prefix + name])  # type: ignore[return-value]
        return (self.path / name).open("rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it. Without the UTF-8 flag, the ZIP standard says CP437, which
    Python applies; Info-ZIP and most tools on Linux write UTF-8 bytes without the flag, so those bytes are
    read as UTF-8 when they are valid UTF-8, and as CP437 otherwise."""
    if info.flag_bits & ZIP_UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def verify_package(path: Path, *, trust: Trust | None = None, system_roots: bool = False) -> PackageCheck:
    """Check everything; ``trust`` holds the anchors given from outside (keys, fingerprints, TSA roots)."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path} does not exist", message_vi=f"{path} không tồn tại")
    trust = trust or Trust()
    roots = load_roots([pem.decode("ascii") for pem in trust.tsa_roots_pem]) if trust.tsa_roots_pem else []
    if system_roots:
        roots += _system_roots()
    package = _Package(path)
    check = PackageCheck(path=str(path))
    try:
        _verify(package, check, trust, roots or None)
    finally:
        package.close()
    if not trust.pins_keys:
        check.notes.append("origin not verified: no trusted key given (--trust FILE or --fingerprint from the signed "
                           "minutes); only the package's own keys were used")
    return check


def _system_roots() -> list[Any]:
    """The operating system's CA store (certifi is not used: the system's own list is what the user trusts)."""
    import ssl

    context = ssl.create_default_context()
    certs = []
    for der in context.get_ca_certs(binary_form=True):
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    if not certs:
        import glob

        for name in glob.glob("/etc/ssl/certs/*.pem"):
            try:
                certs += x509.load_pem_x509_certificates(Path(name).read_bytes())
            except (OSError, ValueError):
                continue
    return certs


def _verify(package: _Package, check: PackageCheck, trust: Trust, pinned_roots: list[Any] | None) -> None:
    names = set(package.names)
    digests = {name: _hash(package, name) for name in package.names}
    check.files = len(digests)  # every file there is, as the listing of a folder or of the ZIP counts them
    for sums, algorithm in (("SHA256SUMS", 0), ("B3SUMS", 1)):
        _check_sums(package, check, sums, algorithm, digests)
    manifest = _load_json(package, check, "manifest.json")
    if not isinstance(manifest, dict):
        return
    listed: set[str] = set()
    for entry in manifest.get("files", []):
        rel = str(entry.get("path", ""))
        listed.add(rel)
        if rel not in names:
            check.add("missing", rel, f"{rel} is listed in manifest.json but missing from the package")
            continue
        sha, b3, size = digests[rel]
        if sha != entry.get("sha256") or b3 != entry.get("blake3") or (entry.get("size") is not None
                                                                       and size != entry.get("size")):
            check.add("changed", rel, f"{rel} does not match its SHA-256/BLAKE3 in manifest.json (changed)")
    for name in sorted(names - listed):
        if not AFTER_MANIFEST.match(name):
            check.add("extra", name, f"{name} is not listed in manifest.json (a file was added)")
    acquisitions = _check_custody(package, check, manifest, trust)
    for item in manifest.get("items", []):
        check.items += 1
        fixed = acquisitions.get(item.get("id"))
        rel = item.get("path")
        if item.get("has_content") and fixed is not None and rel:
            if fixed.get("sha256") != item.get("sha256") or fixed.get("blake3") != item.get("blake3"):
                check.add("not_as_acquired", rel, f"{rel}: item {item.get('id')} hashes differ from those fixed in "
                                                  "the custody log at acquisition")
            elif rel in digests and digests[rel][0] != fixed.get("sha256"):
                check.add("not_as_acquired", rel, f"{rel} is not the content acquired as item {item.get('id')}")
        elif item.get("has_content") and fixed is None and item.get("custody_seq") is not None:
            check.add("unproven", rel or "custody/proofs.json",
                      f"item {item.get('id')} has no proven acquisition entry in custody/proofs.json")
    _check_seal(package, check, manifest, digests, trust)
    _check_report_checkpoints(package, check, manifest)
    _check_tokens(package, check, manifest, names, pinned_roots)


def _hash(package: _Package, name: str) -> tuple[str, str, int]:
    with package.open(name) as handle:
        hashed = digest_stream(handle)
    digests = hashed.hexdigests()
    return digests["sha256"], digests["blake3"], hashed.size


def _check_sums(package: _Package, check: PackageCheck, sums: str, index: int,
                digests: dict[str, tuple[str, str, int]]) -> None:
    """Every line of a sums file, and every file listed once. Findings name the sums file (which file
    changed is told by the manifest check, which names it)."""
    if sums not in digests:
        check.add("missing", sums, f"{sums} is missing")
        return
    seen = set()
    try:
        text = package.read(sums).decode("utf-8")
    except UnicodeDecodeError:
        check.add("changed", sums, f"{sums} is not UTF-8 text (changed)")
        return
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUM_LINE.match(line)
        if not match:
            check.add("changed", sums, f"{sums} line {number} is malformed (changed)")
            continue
        digest, rel = match.groups()
        seen.add(rel)
        if rel not in digests:
            check.add("sums_mismatch", sums, f"{sums} lists {rel}, which is missing from the package")
        elif digests[rel][index] != digest:
            check.add("sums_mismatch", sums, f"{sums}: the hash of {rel} does not match (one of them changed)")
    for rel in sorted(set(digests) - seen - set(SUMS)):
        check.add("sums_mismatch", sums, f"{sums} does not list {rel} (a file was added)")


def _load_json(package: _Package, check: PackageCheck, name: str) -> Any:
    if name not in package.names:
        check.add("missing", name, f"{name} is missing")
        return None
    try:
        return json.loads(package.read(name))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        check.add("changed", name, f"{name} is not valid JSON ({exc})")
        return None


def _keys_for(bundle: dict[str, Any], trust: Trust) -> Any:
    """Entry keys: the trusted ones when anchors were given (a key only the package vouches for fails), else the
    package's own (consistency only)."""
    if not trust.pins_keys:
        return bundle_keys(bundle)
    shipped = bundle_keys(bundle)

    def lookup(fp: str) -> tuple[str, bytes] | None:
        found = shipped(fp)
        if found is not None and trust.trusts(*found) is not None:
            return found
        for key in trust.keys:
            if normalise_fingerprint(key.fingerprint) == fp:
                return key.alg, key.public_key
        return None

    return lookup


def _pin_checkpoint_key(check: PackageCheck, trust: Trust, vkey: str, where: str) -> None:
    if not trust.pins_keys:
        return
    try:
        key = parse_verifier_key(vkey)
    except IntegrityError as exc:
        check.add("bad_proof", where, f"the checkpoint's verifier key is unreadable: {exc}")
        return
    trusted = trust.trusts(key.alg, key.public_key)
    from evidence_store.identity import fingerprint

    if trusted is None:
        check.add("untrusted_key", where, f"the checkpoint is signed by key {fingerprint(key.alg, key.public_key)} "
                  f"({key.name}), which the trust anchors given do not hold")
    elif trusted.name not in check.trusted_signers:
        check.trusted_signers.append(trusted.name)


def _check_custody(package: _Package, check: PackageCheck, manifest: dict[str, Any],
                   trust: Trust) -> dict[int, dict[str, Any]]:
    """Proofs against the checkpoint, entry signatures; returns item id -> details fixed at acquisition."""
    point = manifest.get("checkpoint") or {}
    check.checkpoint_size = int(point.get("size") or 0)
    bundle = _load_json(package, check, "custody/proofs.json")
    if not isinstance(bundle, dict):
        return {}
    check.verifier_key = str(bundle.get("verifier_key", ""))
    _pin_checkpoint_key(check, trust, check.verifier_key, "custody/proofs.json")
    note_file = str(point.get("file", ""))
    if note_file and note_file in package.names and package.read(note_file).decode("utf-8", "replace") != \
            bundle.get("checkpoint"):
        check.add("changed", note_file, f"{note_file} differs from the checkpoint in custody/proofs.json")
    for problem in verify_bundle(bundle, _keys_for(bundle, trust)):
        code = "untrusted_key" if "not among the keys given" in problem else "bad_proof"
        check.add(code, "custody/proofs.json", problem)
    check.origin_verified = trust.pins_keys and not any(f.code == "untrusted_key" for f in check.findings)
    fixed: dict[int, dict[str, Any]] = {}
    for proof in bundle.get("proofs", []):
        check.proofs += 1
        try:
            record = json.loads(proof["entry"])
        except (KeyError, TypeError, json.JSONDecodeError):
            check.add("bad_proof", "custody/proofs.json", f"proof {proof.get('index')} holds no readable entry")
            continue
        if record.get("action") in ("item.acquire", "item.amend") and record.get("item"):
            fixed[record["item"]["id"]] = record.get("details") or {}
    return fixed


def _check_seal(package: _Package, check: PackageCheck, manifest: dict[str, Any],
                digests: dict[str, tuple[str, str, int]], trust: Trust) -> None:
    seal = _load_json(package, check, "custody/seal.json")
    if not isinstance(seal, dict) or "manifest.json" not in digests:
        return
    for problem in verify_bundle(seal, _keys_for(seal, trust)):
        check.add("untrusted_key" if "not among the keys given" in problem else "bad_seal", "custody/seal.json",
                  problem)
    if seal.get("verifier_key") != check.verifier_key:
        _pin_checkpoint_key(check, trust, str(seal.get("verifier_key", "")), "custody/seal.json")
        if not trust.pins_keys:
            check.notes.append("the seal's checkpoint is signed by another examiner than the package's checkpoint")
    if any(f.code == "untrusted_key" for f in check.findings):
        check.origin_verified = False
    proofs = seal.get("proofs") or []
    logged = None
    if proofs:
        try:
            record = json.loads(proofs[0]["entry"])
            if record.get("action") == "package.export":
                logged = (record.get("details") or {}).get("manifest_sha256")
        except (KeyError, TypeError, json.JSONDecodeError):
            logged = None
    if logged is None:
        check.add("bad_seal", "custody/seal.json", "the seal holds no package.export entry")
    elif logged != digests["manifest.json"][0]:
        check.add("changed", "manifest.json", "manifest.json is not the manifest the export logged (edited)")
    _check_consistency(check, seal)


def _check_consistency(check: PackageCheck, seal: dict[str, Any]) -> None:
    data = seal.get("consistency") or {}
    try:
        old_size, new_size = int(data["old_size"]), int(data["new_size"])
        old_root, new_root = bytes.fromhex(data["old_root"]), bytes.fromhex(data["new_root"])
        proof = [bytes.fromhex(h) for h in data["proof"]]
        sealed = verify_checkpoint(seal["checkpoint"], seal["verifier_key"])
    except (KeyError, TypeError, ValueError, IntegrityError) as exc:
        check.add("bad_seal", "custody/seal.json", f"consistency proof unreadable: {exc}")
        return
    if old_size != check.checkpoint_size or sealed.size != new_size or sealed.root != new_root:
        check.add("bad_seal", "custody/seal.json", "the consistency proof does not join the two checkpoints")
    elif not merkle.verify_consistency(old_size, new_size, old_root, new_root, proof):
        check.add("bad_seal", "custody/seal.json", "the custody log was rewritten between the two checkpoints")


def _check_report_checkpoints(package: _Package, check: PackageCheck, manifest: dict[str, Any]) -> None:
    """Each checkpoint a report in the package printed must be a prefix of the package's log (consistency proof)."""
    name = "custody/consistency.json"
    if name not in package.names:
        if any(i.get("kind") == "report" for i in manifest.get("items", [])):
            check.add("missing", name, f"{name} is missing: nothing shows the log extends the reports' checkpoints")
        return
    data = _load_json(package, check, name)
    if not isinstance(data, dict):
        return
    new_size, new_root = int(data.get("new_size", -1)), str(data.get("new_root", ""))
    if new_size != check.checkpoint_size:
        check.add("bad_consistency", name, f"{name} proves against a log of {new_size} entries, not the package's "
                  f"checkpoint of {check.checkpoint_size}")
    for entry in data.get("reports", []):
        try:
            old_size, old_root = int(entry["size"]), bytes.fromhex(entry["root"])
            proof = [bytes.fromhex(h) for h in entry["proof"]]
            ok = merkle.verify_consistency(old_size, new_size, old_root, bytes.fromhex(new_root), proof)
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            check.add("bad_consistency", name, f"report {entry.get('report')}: the package's log does not extend the "
                      f"checkpoint of {entry.get('size')} entries the report printed")


def _check_tokens(package: _Package, check: PackageCheck, manifest: dict[str, Any], names: set[str],
                  pinned_roots: list[Any] | None) -> None:
    jobs = [(t.get("file", ""), t.get("data_file", ""), t.get("chain_file", "")) for t in manifest.get("timestamps", [])]
    for name in sorted(names):
        match = re.match(r"^timestamps/(manifest-[^/]+)\.tsr$", name)
        if match:
            jobs.append((name, "manifest.json", f"timestamps/{match.group(1)}-chain.pem"))
    for token_file, data_file, chain_file in jobs:
        check.timestamps += 1
        if token_file not in names or data_file not in names:
            continue  # already reported as missing
        roots = pinned_roots
        check.timestamps_pinned = pinned_roots is not None
        if roots is None:
            try:
                roots = [c for c in x509.load_pem_x509_certificates(package.read(chain_file))
                         if c.issuer == c.subject] if chain_file in names else []
            except ValueError:
                roots = []
            note = ("timestamps checked only against the roots shipped in the package (give --trust or --tsa-root "
                    "or --system-roots to pin them)")
            if note not in check.notes:
                check.notes.append(note)
        _token, problem = verify_token(package.read(token_file), package.read(data_file), roots)
        if problem:
            check.add("bad_timestamp", token_file, f"{token_file} does not verify over {data_file}: {problem}")


def iter_problems(check: PackageCheck) -> Iterator[str]:
    for finding in check.findings:
        yield f"{finding.code}: {finding.message}"


__all__ = ["Finding", "PackageCheck", "iter_problems", "verify_package"]
