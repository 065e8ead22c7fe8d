"""Evidence packages: standard tools accept them, the vault-free verifier names every tampered file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from evidence_store import Cancelled, CancelToken, Case, UsageError, Vault, verify_bundle
from forensics_app.services.export import ExportOptions, export_package
from forensics_app.services.report_package_verify import verify_package
from forensics_app.services.reports import ReportOptions, generate_report
from forensics_app.services.trust import load_trust

from .conftest import HOSTILE, add_disk_items, add_web_capture, custody_actions, use_tsa
from .tsa_server import TimestampAuthority

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def package(vault: Vault, filled_case: Case, tsa: TimestampAuthority, tmp_path: Path) -> Path:
    use_tsa(vault, tsa)
    add_web_capture(vault, filled_case)
    add_disk_items(vault, filled_case)
    generate_report(vault, filled_case.number, tmp_path / "court.pdf", ReportOptions(kind="court", lang="vi"))
    out = tmp_path / "gói chứng cứ"
    result = export_package(vault, filled_case.number, out)
    assert result.path == out
    return out


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)


def test_standard_tools_accept_the_package(vault: Vault, filled_case: Case, package: Path) -> None:
    assert run("sha256sum", "--strict", "-c", "SHA256SUMS", cwd=package).returncode == 0
    b3 = run("b3sum", "-c", "B3SUMS", cwd=package)
    assert b3.returncode == 0, b3.stderr
    listed = {line.split("  ", 1)[1] for line in (package / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    assert listed == on_disk - {"SHA256SUMS", "B3SUMS"}
    proof = run(str(VENV_BIN / "forensics"), "custody", "verify-proof", "custody/proofs.json", cwd=package)
    assert proof.returncode == 4 and "ORIGIN NOT VERIFIED" in proof.stdout, proof.stdout + proof.stderr
    pinned = run(str(VENV_BIN / "forensics"), "custody", "verify-proof", "custody/proofs.json", "--fingerprint",
                 vault.examiner.fingerprint, cwd=package)
    assert pinned.returncode == 0 and "VERIFIED" in pinned.stdout, pinned.stdout + pinned.stderr
    assert not verify_bundle(json.loads((package / "custody" / "proofs.json").read_text()))
    check = verify_package(package)
    assert check.ok and not check.origin_verified, [f.to_json() for f in check.findings]
    assert check.timestamps >= 2 and check.proofs > 0
    assert verify_package(package, trust=load_trust(fingerprints=(vault.examiner.fingerprint,))).origin_verified


def test_layout_names_and_manifest(vault: Vault, filled_case: Case, package: Path) -> None:
    manifest = json.loads((package / "manifest.json").read_text("utf-8"))
    files = {f["path"]: f for f in manifest["files"]}
    items = vault.list_items(filled_case.id)
    content = [i for i in items if i.has_content]
    exported = {f["item"]["id"]: f for f in files.values() if f.get("item")}
    assert {i.id for i in content} == set(exported)  # every content item, the stored reports included
    for item in content:
        entry = exported[item.id]
        assert entry["sha256"] == item.sha256 and entry["item"]["original_name"] == item.name
        assert (package / entry["path"]).read_bytes() == b"".join(vault.read_item(item))
    # names sanitised for the file system, originals kept
    rlo = next(i for i in items if i.name == HOSTILE["rlo"])
    assert "\u202e" not in exported[rlo.id]["path"] and exported[rlo.id]["item"]["original_name"] == HOSTILE["rlo"]
    assert any(p.startswith("captures/") and p.endswith(".wacz") for p in files)
    assert any(p.startswith("reports/") and p.endswith(".pdf") for p in files)
    assert any(p.startswith("evidence/thu giữ/tin nhắn/") for p in files)
    assert {"custody/custody-log.jsonl", "custody/proofs.json", "case.jsonld", "README.txt"} <= set(files)
    readme = (package / "README.txt").read_text("utf-8")
    assert "sha256sum -c SHA256SUMS" in readme and "b3sum -c B3SUMS" in readme and "openssl ts -verify" in readme
    assert "CÁCH KIỂM TRA" in readme and "HOW TO VERIFY" in readme
    # the export is logged: each copy, then the package with its manifest's hash
    actions = custody_actions(vault)
    exports = [d for _, a, d in actions if a == "item.export"]
    assert len(exports) == len(content)
    [logged] = [d for _, a, d in actions if a == "package.export"]
    import hashlib

    assert logged["manifest_sha256"] == hashlib.sha256((package / "manifest.json").read_bytes()).hexdigest()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_accepts_the_packaged_tokens(package: Path) -> None:
    manifest = json.loads((package / "manifest.json").read_text("utf-8"))
    assert manifest["timestamps"]
    for token in manifest["timestamps"]:
        result = run("openssl", "ts", "-verify", "-data", token["data_file"], "-in", token["file"], "-CAfile",
                     token["chain_file"], cwd=package)
        assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr


def _copy(package: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / "mutations" / name
    shutil.copytree(package, target)
    return target


def test_every_kind_of_tampering_is_found_and_named(package: Path, tmp_path: Path) -> None:
    files = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    interesting = [f for f in files if f.startswith(("evidence/", "captures/", "reports/", "timestamps/", "custody/"))
                   or "/" not in f]
    picked = sorted({next(f for f in interesting if f.startswith(prefix)) for prefix in
                     ("evidence/", "captures/", "reports/", "timestamps/", "custody/proofs", "custody/seal",
                      "custody/custody-log", "case.jsonld", "README.txt", "manifest.json", "SHA256SUMS", "B3SUMS")})
    for number, rel in enumerate(picked):
        changed = _copy(package, tmp_path, f"byte-{number}")
        data = bytearray((changed / rel).read_bytes())
        data[len(data) // 2] ^= 0x01
        (changed / rel).write_bytes(bytes(data))
        check = verify_package(changed)
        assert not check.ok and rel in {f.path for f in check.findings}, (rel, [f.to_json() for f in check.findings])
        gone = _copy(package, tmp_path, f"gone-{number}")
        (gone / rel).unlink()
        check = verify_package(gone)
        assert not check.ok and rel in {f.path for f in check.findings}, rel
    extra = _copy(package, tmp_path, "extra")
    (extra / "evidence" / "planted.txt").write_text("not evidence")
    check = verify_package(extra)
    assert {(f.code, f.path) for f in check.findings} >= {("extra", "evidence/planted.txt")}


def test_an_edited_manifest_with_recomputed_sums_is_still_caught(package: Path, tmp_path: Path) -> None:
    forged = _copy(package, tmp_path, "forged")
    manifest = json.loads((forged / "manifest.json").read_text("utf-8"))
    target = next(f for f in manifest["files"] if f["path"].startswith("evidence/") and f["path"].endswith(".txt"))
    (forged / target["path"]).write_text("forged content")
    import hashlib

    import blake3

    data = (forged / target["path"]).read_bytes()
    target.update(size=len(data), sha256=hashlib.sha256(data).hexdigest(), blake3=blake3.blake3(data).hexdigest())
    (forged / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for sums, tool in (("SHA256SUMS", "sha256sum"), ("B3SUMS", "b3sum")):
        names = [line.split("  ", 1)[1] for line in (forged / sums).read_text().splitlines()]
        lines = run(tool, *names, cwd=forged).stdout
        (forged / sums).write_text(lines)
    assert run("sha256sum", "-c", "SHA256SUMS", cwd=forged).returncode == 0  # the forger fooled sha256sum…
    check = verify_package(forged)
    paths = {f.path for f in check.findings}
    assert "manifest.json" in paths and target["path"] in paths  # …not the verifier


def test_pinned_roots_and_a_fresh_report(vault: Vault, filled_case: Case, tsa: TimestampAuthority,
                                         rogue_tsa: TimestampAuthority, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    use_tsa(vault, tsa)
    # the fresh report is never written to the system's temporary folder (plaintext evidence on disk)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-temporary-folder"))
    screenshot_free = next(i for i in vault.list_items(filled_case.id) if i.kind == "file")
    result = export_package(vault, filled_case.number, tmp_path / "p",
                            ExportOptions(items=(str(screenshot_free.id),), report_lang="en"))
    manifest = json.loads((result.path / "manifest.json").read_text("utf-8"))
    reports = [f for f in manifest["files"] if f["role"] == "report"]
    assert len(reports) == 1 and reports[0]["item"]["kind"] == "report"  # the report made for this package
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # its scratch folder is gone
    right, wrong = tmp_path / "right.pem", tmp_path / "wrong.pem"
    right.write_text(tsa.pki.root_pem)
    wrong.write_text(rogue_tsa.pki.root_pem)
    good = verify_package(result.path, trust=load_trust(tsa_roots=(right,)))
    assert good.ok and good.timestamps_pinned
    pinned = verify_package(result.path, trust=load_trust(tsa_roots=(wrong,)))
    assert {f.code for f in pinned.findings} == {"bad_timestamp"}  # tokens do not chain to the pinned root


def test_zip_package_verifies_and_tampering_inside_it_is_found(vault: Vault, filled_case: Case, tsa: TimestampAuthority,
                                                               tmp_path: Path) -> None:
    use_tsa(vault, tsa)
    result = export_package(vault, filled_case.number, tmp_path / "goi", ExportOptions(zip=True))
    assert result.path == tmp_path / "goi.zip" and not (tmp_path / "goi").exists()
    assert not list(tmp_path.glob(".goi*"))
    assert verify_package(result.path).ok
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        assert all(n.startswith("goi/") for n in names)
        victim = next(n for n in names if n.startswith("goi/evidence/"))
        tampered = tmp_path / "tampered.zip"
        with zipfile.ZipFile(tampered, "w") as out:
            for name in names:
                data = archive.read(name)
                out.writestr(name, data + b"!" if name == victim else data)
    check = verify_package(tampered)
    assert not check.ok and victim.removeprefix("goi/") in {f.path for f in check.findings}


@pytest.mark.slow
def test_case_uco_validates(package: Path) -> None:
    result = run(str(VENV_BIN / "case_validate"), "--allow-infos", "case.jsonld", cwd=package)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Conforms: True" in result.stdout
    lines = result.stdout.splitlines()
    severities = [line.strip() for line in lines if "Severity:" in line]
    messages = [line.strip() for line in lines if "Message:" in line]
    graph = json.loads((package / "case.jsonld").read_text("utf-8"))["@graph"]
    blake3 = sum(1 for node in _nodes(graph) if node.get("uco-types:hashMethod") == "BLAKE3")
    # exactly one information result per BLAKE3 value (outside UCO's open hash vocabulary), nothing else
    assert blake3 > 0 and severities == ["Severity: sh:Info"] * blake3
    assert set(messages) == {"Message: Value is not member of the vocabulary HashNameVocab."}
    types = {node["@type"] for node in graph}
    assert {"case-investigation:Investigation", "case-investigation:InvestigativeAction", "uco-observable:File",
            "case-investigation:ProvenanceRecord", "uco-tool:Tool", "uco-identity:Person"} <= types


def _nodes(value: object) -> list[dict]:  # type: ignore[type-arg]
    """Every JSON object in a JSON-LD graph, nested ones included."""
    found = []
    if isinstance(value, dict):
        found.append(value)
        for inner in value.values():
            found += _nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _nodes(inner)
    return found


def test_bad_requests_lose_nothing(vault: Vault, filled_case: Case, package: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not empty"):
        export_package(vault, filled_case.number, package)
    with pytest.raises(UsageError, match="no case"):
        export_package(vault, "VV-404", tmp_path / "x")
    other = vault.create_case("VV-2026-009", "Khác")
    foreign = next(i for i in vault.list_items(filled_case.id) if i.kind == "file")
    with pytest.raises(UsageError, match="another case"):
        export_package(vault, other.number, tmp_path / "y", ExportOptions(items=(str(foreign.id),)))
    assert not (tmp_path / "y").exists()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_package(vault, filled_case.number, tmp_path / "z", cancel=token)
    assert not (tmp_path / "z").exists()
    assert [a for _, a, _ in custody_actions(vault)][-1] == "package.abort"
    assert verify_package(package).ok  # the earlier package is untouched
