"""Evidence packages for prosecutors (``forensics export``): a folder or ZIP anyone can check.

Layout::

    README.txt            bilingual: what is inside, how to verify
    evidence/…            decrypted copies (names sanitised; originals in the manifest)
    captures/…            web captures as WACZ
    reports/…             report and minutes PDFs stored in the case
    custody/custody-log.jsonl      the log entries about the case and the exported items
    custody/checkpoint-<N>.txt     the signed checkpoint those entries are proven against
    custody/proofs.json            inclusion proofs (``forensics custody verify-proof`` reads it)
    timestamps/…          RFC 3161 tokens (.tsr) over checkpoints, with their chains (.pem)
    case.jsonld           CASE/UCO
    manifest.json         every file above: path, role, size, SHA-256, BLAKE3, item
    custody/seal.json     binds manifest.json to the log: the ``package.export`` entry (which holds the
                          manifest's hash), its inclusion proof in a second checkpoint and a consistency
                          proof from the first checkpoint
    timestamps/manifest-*.tsr      tokens over manifest.json
    SHA256SUMS, B3SUMS    every file, in the formats ``sha256sum -c`` and ``b3sum -c`` accept

Every copy is written by ``Vault.export_item`` (hashes re-checked on the way
out, each logged), all in one transaction; a failure or a cancel removes the
partial folder and logs ``package.abort``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import blake3

from evidence_store import Case, Item, UsageError, Vault, hash_stream, iso_utc, safe_filename
from evidence_store.checkpoint import checkpoint_root
from evidence_store.naming import is_hidden
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from report_templates.package_readme import readme_text

from . import case_access
from .custody import take_checkpoint
from .environment import tool_identity
from .report_caseuco import build_case_uco
from .report_context import DateRange, acquisition_seqs, build_sessions, parse_ids, select_items
from .report_proofs import consistency, custody_extract
from .timestamps import (
    Token,
    chain_to_root,
    configured_roots,
    configured_urls,
    logged_tokens,
    request_token,
    timestamp_checkpoint,
)

FORMAT = "forensics-toolkit/evidence-package"
VERSION = 1
SEALED_AFTER_MANIFEST = ("manifest.json", "custody/seal.json", "SHA256SUMS", "B3SUMS")  # + timestamps/manifest-*
COMPRESSED = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".zip", ".wacz", ".gz", ".mp4", ".webm", ".e01")


@dataclass(frozen=True)
class ExportOptions:
    items: tuple[str, ...] = ()
    zip: bool = False
    tsa_timeout: float = 20
    report_lang: str | None = None  # generate a court report of the same items first (vi or en)


@dataclass
class PackageResult:
    path: Path
    package_id: str
    files: int
    items: int
    bytes: int
    manifest_sha256: str
    checkpoint_size: int
    tokens: list[Token] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "package_id": self.package_id, "files": self.files, "items": self.items,
                "bytes": self.bytes, "manifest_sha256": self.manifest_sha256,
                "checkpoint_size": self.checkpoint_size,
                "timestamps": [{"tsa_url": t.tsa_url, "gen_time": t.gen_time, "verified": t.verified,
                                "problem": t.problem} for t in self.tokens]}


class _Writer:
    """Writes package files and remembers their hashes for the manifest and the sums."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}
        self.used: set[str] = set()

    def unique(self, folder: str, name: str, item_id: int | None = None) -> str:
        safe = fs_name(name, fallback=f"item-{item_id}" if item_id else "unnamed")
        rel = f"{folder}/{safe}" if folder else safe
        if rel.casefold() in self.used:
            stem, dot, ext = safe.rpartition(".")
            stem, ext = (stem, f".{ext}") if dot and stem else (safe, "")
            rel = f"{folder}/{stem}~{item_id or len(self.used)}{ext}"
        self.used.add(rel.casefold())
        return rel

    def write(self, rel: str, data: bytes, role: str) -> dict[str, Any]:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:
            handle.write(data)
        entry = {"path": rel, "role": role, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                 "blake3": blake3.blake3(data).hexdigest()}
        self.files[rel] = entry
        return entry

    def add_existing(self, rel: str, role: str, item: Item) -> dict[str, Any]:
        entry = {"path": rel, "role": role, "size": item.size, "sha256": item.sha256, "blake3": item.blake3,
                 "item": _item_ref(item)}
        self.files[rel] = entry
        return entry


def fs_name(name: str, fallback: str) -> str:
    """``safe_filename`` plus no invisible characters: a right-to-left override in a name given to a
    prosecutor's file manager would disguise ``invoice<RLO>gpj.exe`` as ``invoiceexe.jpg``."""
    visible = "".join("_" if is_hidden(ch) else ch for ch in name)
    return safe_filename(visible, fallback=fallback)


def _item_ref(item: Item) -> dict[str, Any]:
    return {"id": item.id, "uid": item.uid, "kind": item.kind, "original_name": item.name, "source": item.source,
            "acquired_at": item.acquired_at, "parent_id": item.parent_id, "media_type": item.media_type,
            "examiner": item.examiner}


def _dumps(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def export_package(vault: Vault, case_ref: str, out: Path, options: ExportOptions = ExportOptions(),
                   progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> PackageResult:
    case = case_access.reach_case(vault, case_ref, "export package")
    out = Path(out)
    zip_path = (out if out.suffix.lower() == ".zip" else out.with_name(out.name + ".zip")) if options.zip else None
    final = zip_path or out
    if final.exists() and (final.is_file() or any(final.iterdir())):
        raise UsageError(f"{final} already exists and is not empty; choose a new folder",
                         message_vi=f"{final} đã tồn tại và không trống; hãy chọn thư mục mới")
    if not final.parent.is_dir():
        raise UsageError(f"folder {final.parent} does not exist", message_vi=f"thư mục {final.parent} không tồn tại")
    urls = configured_urls(vault)
    roots = configured_roots(vault) if urls else []
    refs = parse_ids(options.items)
    items = select_items(vault, case, refs, DateRange(), include_reports=True)
    if options.report_lang and items:
        refs = _with_fresh_report(vault, case, refs, options, final.parent)
        items = select_items(vault, case, refs, DateRange(), include_reports=True)
    if not items:
        raise UsageError(f"case {case.number} has no items to export",
                         message_vi=f"vụ việc {case.number} không có mục nào để xuất")
    name = (zip_path.stem if zip_path else out.name) or "package"
    staging = final.with_name(f".{name}.partial-{uuid.uuid4().hex[:8]}") if zip_path else out
    root = staging / name if zip_path else staging
    package_id = str(uuid.uuid4())
    try:
        root.mkdir(parents=True, exist_ok=True)
        for folder in {staging, root}:
            os.chmod(folder, export_modes(vault)[0])
        result = _build(vault, case, items, root, final, package_id, refs, urls, roots, options, progress, cancel)
        modes = export_modes(vault)
        if zip_path:
            _zip(staging, zip_path, name, modes[1])
            shutil.rmtree(staging, ignore_errors=True)
            result.path = zip_path
        else:
            restrict(root, *modes)
        return result
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        try:
            vault.log("package.abort", case=case, details={"package_id": package_id, "destination": str(final),
                                                            "reason": f"{type(exc).__name__}: {exc}"[:500]})
        except Exception:  # the original error matters more than a failed log line
            pass
        raise


def _with_fresh_report(vault: Vault, case: Case, refs: list[str], options: ExportOptions, beside: Path) -> list[str]:
    """A court report of the same selection, stored in the case, so the package carries it.

    ReportLab writes a file: it is written in a private folder beside the package (where the examiner
    chose to put this report in plain form anyway), never in the system's temporary folder."""
    import tempfile

    from .reports import ReportOptions, generate_report

    with tempfile.TemporaryDirectory(prefix=".forensics-report-", dir=beside) as folder:
        result = generate_report(vault, case.number, Path(folder) / "report.pdf",
                                 ReportOptions(kind="court", lang=options.report_lang or "vi", items=tuple(refs)))
    return refs + [str(result.item.id)] if refs else refs


def _build(vault: Vault, case: Case, items: list[Item], root: Path, destination: Path, package_id: str, refs: list[str],
           urls: list[str], roots: list[Any], options: ExportOptions, progress: Progress,
           cancel: CancelToken) -> PackageResult:
    writer = _Writer(root)
    by_id = {i.id: i for i in items}
    content = [i for i in items if i.has_content]
    total = sum(i.size or 0 for i in content)
    paths: dict[int, str] = {}
    done = 0
    with vault.transaction():  # every copy and its custody entry, or none
        for item in content:
            cancel.check()
            rel = writer.unique(*_placement(item, by_id), item_id=item.id)
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            vault.export_item(item, target.parent, target.name, purpose=f"evidence package {package_id}")
            writer.add_existing(rel, _role(item), item)
            paths[item.id] = rel
            done += item.size or 0
            progress(done, total, item.name)
    cancel.check()
    seqs, times = acquisition_seqs(vault, case)
    sessions = build_sessions(vault, case, [i for i in items if i.kind != "report"], seqs, times)
    point = take_checkpoint(vault)
    tokens = timestamp_checkpoint(vault, point, timeout=options.tsa_timeout)
    entry_seqs = vault.custody_entries_for(case.id, before=point["size"], items=set(by_id))
    lines, bundle = custody_extract(vault, entry_seqs, point)
    writer.write("custody/consistency.json", _dumps(_report_consistency(vault, items, point, paths)), "custody")
    examiners = {e.id: e for e in vault.list_examiners()}
    writer.write("custody/custody-log.jsonl",
                 "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8"), "custody")
    writer.write(f"custody/checkpoint-{point['size']}.txt", point["checkpoint"].encode("utf-8"), "custody")
    writer.write("custody/proofs.json", _dumps(bundle), "custody")
    token_files = _write_tokens(vault, writer, point, roots)
    created = iso_utc()
    uco = build_case_uco(case, items, paths, sessions, {e.name: e.position for e in examiners.values()},
                         tool_identity(), {"package_id": package_id, "created_at": created,
                                           "examiner": vault.signer.name})
    writer.write("case.jsonld", _dumps(uco), "case-uco")
    commands = [f"openssl ts -verify -data {f['data_file']} -in {f['file']} -CAfile {f['chain_file']}"
                for f in token_files]
    root_hex = bundle_root(point)
    writer.write("README.txt", readme_text(
        case_number=case.number, case_title=case.title, package_id=package_id, created_at=created,
        examiner=vault.signer.name, verifier_key=point["verifier_key"], checkpoint_size=point["size"],
        checkpoint_root=root_hex, tokens=commands,
        fingerprints=[(e.name, e.fingerprint) for e in examiners.values()]).encode("utf-8"), "readme")
    manifest = {
        "format": FORMAT, "version": VERSION, "package_id": package_id, "created_at": created,
        "tool": tool_identity(), "vault_id": vault.config.vault_id,
        "examiner": {"name": vault.signer.name, "alg": vault.signer.alg, "fingerprint": vault.examiner.fingerprint},
        "examiners": [{"id": e.id, "name": e.name, "position": e.position, "alg": e.signing_alg,
                       "public_key": base64.b64encode(e.public_key).decode("ascii"), "fingerprint": e.fingerprint,
                       "role": e.role} for e in examiners.values()],
        "case": {"number": case.number, "title": case.title, "uid": case.uid, "agency": case.agency,
                 "unit": case.unit},
        "selection": refs or "all",
        "checkpoint": {"size": point["size"], "root": root_hex, "file": f"custody/checkpoint-{point['size']}.txt",
                       "verifier_key": point["verifier_key"]},
        "timestamps": token_files,
        "items": [{**_item_ref(i), "has_content": i.has_content, "size": i.size, "sha256": i.sha256,
                   "blake3": i.blake3, "path": paths.get(i.id), "custody_seq": seqs.get(i.id),
                   "warnings": [w.to_json() for w in i.warnings]} for i in items],
        "files": [writer.files[k] for k in sorted(writer.files)],
    }
    manifest_bytes = _dumps(manifest)
    (root / "manifest.json").write_bytes(manifest_bytes)
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    with vault.transaction():
        export_entry = vault.log("package.export", case=case, details={
            "package_id": package_id, "manifest_sha256": manifest_sha,
            "manifest_blake3": blake3.blake3(manifest_bytes).hexdigest(), "files": len(writer.files),
            "items": len(items), "bytes": sum(f["size"] or 0 for f in writer.files.values()),
            "checkpoint_size": point["size"], "destination": str(destination.resolve())})
        seal_point = take_checkpoint(vault)
    _, seal_bundle = custody_extract(vault, [export_entry.seq], seal_point)
    seal = {**seal_bundle, "package_id": package_id, "manifest_sha256": manifest_sha,
            "consistency": consistency(vault, point, seal_point)}
    (root / "custody").mkdir(exist_ok=True)
    (root / "custody" / "seal.json").write_bytes(_dumps(seal))
    manifest_tokens = _stamp_manifest(vault, root, manifest_bytes, urls, roots, options.tsa_timeout, package_id)
    _write_sums(root)
    return PackageResult(path=root, package_id=package_id, files=sum(1 for p in root.rglob("*") if p.is_file()),
                         items=len(items), bytes=sum(f["size"] or 0 for f in writer.files.values()),
                         manifest_sha256=manifest_sha, checkpoint_size=point["size"],
                         tokens=tokens + manifest_tokens)


def _report_consistency(vault: Vault, items: list[Item], point: dict[str, Any],
                        paths: dict[int, str]) -> dict[str, Any]:
    """Consistency proofs from every checkpoint a report in the package printed to the package's checkpoint."""
    size, root = checkpoint_root(point["checkpoint"])
    reports = []
    for item in items:
        if item.kind != "report":
            continue
        meta = item.metadata.get("report") or {}
        printed = meta.get("printed_checkpoints") or [{"size": meta.get("checkpoint_size"),
                                                       "root": meta.get("checkpoint_root")}]
        for point_printed in printed:
            old = int(point_printed.get("size") or 0)
            if 0 < old <= size:
                reports.append({"report": item.id, "file": paths.get(item.id), "size": old,
                                "root": point_printed.get("root"),
                                "proof": [h.hex() for h in vault.custody.consistency(old, size)]})
    return {"new_size": size, "new_root": root.hex(), "reports": reports}


def bundle_root(point: dict[str, Any]) -> str:
    return checkpoint_root(point["checkpoint"])[1].hex()


def _placement(item: Item, by_id: dict[int, Item]) -> tuple[str, str]:
    """(folder, name) of an item's copy: under its ancestors' names, WACZ and reports apart."""
    if item.kind == "wacz":
        return "captures", item.name
    if item.kind == "report":
        return "reports", item.name
    parts: list[str] = []
    parent = by_id.get(item.parent_id) if item.parent_id is not None else None
    while parent is not None:
        parts.append(fs_name(parent.name, fallback=f"item-{parent.id}"))
        parent = by_id.get(parent.parent_id) if parent.parent_id is not None else None
    return str(PurePosixPath("evidence", *reversed(parts))), item.name


def _role(item: Item) -> str:
    return {"wacz": "capture", "report": "report"}.get(item.kind, "evidence")


def _tsa_slug(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return safe_filename(f"{parts.hostname or 'tsa'}-{parts.port or ''}{parts.path}".strip("-/"), fallback="tsa")[:60]


def _write_tokens(vault: Vault, writer: _Writer, point: dict[str, Any], roots: list[Any]) -> list[dict[str, Any]]:
    """Every checkpoint token in the log up to ``point`` (the new one included), with data and chain files."""
    listed = []
    for seq, token, details in logged_tokens(vault):
        size = details.get("checkpoint_size")
        note = details.get("checkpoint_note")
        if not token.der or not isinstance(size, int) or size > point["size"] or not isinstance(note, str):
            continue
        slug = _tsa_slug(token.tsa_url)
        data_file = f"custody/checkpoint-{size}.txt"
        if data_file not in writer.files:
            writer.write(data_file, note.encode("utf-8"), "custody")
        token_file = writer.unique("timestamps", f"checkpoint-{size}-{slug}.tsr")
        writer.write(token_file, token.der, "timestamp")
        chain_file = f"timestamps/{slug}-chain.pem"
        if chain_file not in writer.files:
            writer.write(chain_file, "".join(chain_to_root(token, roots)).encode("ascii"), "timestamp")
        listed.append({"file": token_file, "data_file": data_file, "chain_file": chain_file,
                       "tsa_url": token.tsa_url, "gen_time": token.gen_time, "checkpoint_size": size,
                       "custody_seq": seq, "verified_at_export": token.verified})
    return listed


def _stamp_manifest(vault: Vault, root: Path, manifest: bytes, urls: list[str], roots: list[Any], timeout: float,
                    package_id: str) -> list[Token]:
    tokens = []
    for url in urls:
        try:
            token = request_token(url, manifest, roots, timeout=timeout)
        except Exception as exc:  # a TSA failure must not lose the package: it is logged and reported
            vault.log("package.timestamp_failed", details={"package_id": package_id, "tsa_url": url,
                                                           "error": str(exc)[:500]})
            tokens.append(Token(tsa_url=url, der=b"", data_sha256=hashlib.sha256(manifest).hexdigest(),
                                gen_time="", serial="", policy="", tsa_name="", hash_algorithm="", problem=str(exc)))
            continue
        slug = _tsa_slug(url)
        (root / "timestamps").mkdir(exist_ok=True)
        (root / "timestamps" / f"manifest-{slug}.tsr").write_bytes(token.der)
        chain = root / "timestamps" / f"manifest-{slug}-chain.pem"
        chain.write_text("".join(chain_to_root(token, roots)), "ascii")
        vault.log("package.timestamp", details={"package_id": package_id, **token.to_json()})
        tokens.append(token)
    return tokens


def _write_sums(root: Path) -> None:
    lines_sha, lines_b3 = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel in ("SHA256SUMS", "B3SUMS"):
            continue
        with path.open("rb") as handle:
            digests = hash_stream(handle)
        lines_sha.append(f"{digests['sha256']}  {rel}\n")
        lines_b3.append(f"{digests['blake3']}  {rel}\n")
    (root / "SHA256SUMS").write_text("".join(lines_sha), "utf-8")
    (root / "B3SUMS").write_text("".join(lines_b3), "utf-8")


def export_modes(vault: Vault) -> tuple[int, int]:
    """(folder mode, file mode) of what an export writes: the owner only, or the group too when the vault says so,
    whatever the umask (copies of evidence are as sensitive as the vault)."""
    from evidence_store.keyslots import dir_mode, file_mode

    return dir_mode(vault.config.permissions), file_mode(vault.config.permissions)


def restrict(root: Path, folder_mode: int, file_mode: int) -> None:
    os.chmod(root, folder_mode)
    for path in root.rglob("*"):
        os.chmod(path, folder_mode if path.is_dir() else file_mode)


def _zip(staging: Path, target: Path, name: str, file_mode: int) -> None:
    partial = target.with_name(f".{target.name}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode))
    os.chmod(partial, file_mode)
    with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
        for path in sorted(p for p in (staging / name).rglob("*") if p.is_file()):
            arcname = f"{name}/{path.relative_to(staging / name).as_posix()}"
            method = zipfile.ZIP_STORED if path.suffix.lower() in COMPRESSED else zipfile.ZIP_DEFLATED
            archive.write(path, arcname, compress_type=method)
    os.replace(partial, target)
