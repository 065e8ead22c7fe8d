"""The command-line contract of report, export, verify-package and timestamp: exit codes, JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import pdf_pages
from .tsa_server import TimestampAuthority


def _case_with_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("case", "new", "--number", "VV-2026-007", "--title", "Tin giả / Fake news").code == 0
    folder = tmp_path / "tệp thu giữ"
    folder.mkdir()
    (folder / "ghi chú.txt").write_text("Ghi chú của đối tượng\n", "utf-8")
    result = cli("files", "add", str(folder), "--case", "VV-2026-007")
    assert result.code == 0, result.err


def test_report_export_verify_round_trip(cli_vault, tmp_path: Path, tsa: TimestampAuthority) -> None:  # type: ignore[no-untyped-def]
    cli = cli_vault
    _case_with_files(cli, tmp_path)
    root = tmp_path / "root.pem"
    root.write_text(tsa.pki.root_pem, "ascii")
    assert cli("tsa", "add", tsa.url, "--root", str(root)).code == 0
    listed = cli("tsa", "list", "--json").json()
    assert listed["urls"] == [tsa.url] and "Local Root CA" in listed["roots"][0]["subject"]  # type: ignore[index]
    assert cli("settings", "set", "place", "Vĩnh Long").code == 0
    out = tmp_path / "bien-ban.pdf"
    result = cli("report", "VV-2026-007", "--kind", "minutes", "--lang", "vi", "--out", str(out), "--number", "3",
                 "--witness", "Lê Văn Chứng; Bảo vệ; Công ty X; CCCD 001", "--seal", "Niêm phong số 5", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["path"] == str(out) and data["timestamps"][0]["verified"]  # type: ignore[index]
    text = "\n".join(pdf_pages(out))
    assert "Lê Văn Chứng" in text and "Niêm phong số 5" in text and "Số: 3/BB-TTDLĐT" in text
    assert "Trần Thị Thu" in text
    court = cli("report", "VV-2026-007", "--out", str(tmp_path / "court.pdf"))  # language from settings: vi
    assert court.code == 0 and "stored as item" in court.out
    stats = cli("report", "all", "--kind", "stats", "--period", "2026", "--lang", "en", "--out",
                str(tmp_path / "stats.pdf"))
    assert stats.code == 0, stats.err
    package = tmp_path / "package"
    exported = cli("export", "VV-2026-007", "--out", str(package), "--zip", "--json")
    assert exported.code == 0, exported.err
    zip_path = Path(exported.json()["path"])  # type: ignore[index]
    assert zip_path.name == "package.zip"
    no_vault = {"FORENSICS_VAULT": "/nonexistent", "FORENSICS_PASSPHRASE": ""}
    unpinned = cli.process("verify-package", str(zip_path), "--json", env=no_vault)
    assert unpinned.returncode == 4, unpinned.stdout + unpinned.stderr  # intact, but nothing outside it was given
    report = json.loads(unpinned.stdout)
    assert report["ok"] and report["verdict"] == "origin_not_verified" and report["timestamps"] >= 2
    trust = tmp_path / "agency-trust.json"
    assert cli("trust", "export", "--out", str(trust)).code == 0
    checked = cli.process("verify-package", str(zip_path), "--trust", str(trust), "--json", env=no_vault)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["verdict"] == "verified" and report["trusted_signers"] == ["Trần Thị Thu"]
    assert report["timestamps_pinned"]  # the trust file carries the TSA root
    other = tmp_path / "other-trust.json"
    other.write_text(json.dumps({"format": "forensics-toolkit/trust", "version": 1, "examiners": [
        {"name": "someone else", "alg": "ed25519", "public_key": "A" * 43 + "="}]}), "utf-8")
    pinned = cli("verify-package", str(zip_path), "--trust", str(other))
    assert pinned.code == 1 and "untrusted_key" in pinned.out
    stamped = cli("tsa", "stamp", "--json")
    assert stamped.code == 0 and stamped.json()["timestamps"][0]["verified"]  # type: ignore[index]


def test_tampered_package_exits_1_and_names_the_file(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = cli_vault
    _case_with_files(cli, tmp_path)
    package = tmp_path / "pkg"
    assert cli("export", "VV-2026-007", "--out", str(package)).code == 0
    victim = next((package / "evidence").rglob("*.txt"))
    victim.write_text("changed", "utf-8")
    result = cli("verify-package", str(package))
    assert result.code == 1
    rel = victim.relative_to(package).as_posix()
    assert f"changed {rel}:" in result.out
    as_json = cli("verify-package", str(package), "--json")
    assert as_json.code == 1 and rel in {p["path"] for p in as_json.json()["problems"]}  # type: ignore[index]


def test_bad_input_is_one_line_and_exit_2(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = cli_vault
    _case_with_files(cli, tmp_path)
    existing = tmp_path / "exists.pdf"
    existing.write_bytes(b"keep me")
    cases = [
        (("report", "VV-404", "--out", str(tmp_path / "a.pdf")), "no case"),
        (("report", "VV-2026-007", "--out", str(existing)), "already exists"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "a.txt")), "must end in .pdf"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "nope" / "a.pdf")), "does not exist"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "a.pdf"), "--from", "30/11/2026"), "not a date"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "a.pdf"), "--period", "2026-H3"), "period"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "a.pdf"), "--witness", " ; guard"), "needs at least a name"),
        (("report", "VV-2026-007", "--out", str(tmp_path / "a.pdf"), "--items", "9999"), "no item"),
        (("report", "all", "--kind", "court", "--out", str(tmp_path / "a.pdf")), "about one case"),
        (("export", "VV-404", "--out", str(tmp_path / "p")), "no case"),
        (("verify-package", str(existing)), "neither a package folder nor a ZIP"),
        (("verify-package", str(tmp_path / "missing")), "does not exist"),
        (("tsa", "stamp"), "no timestamp authority configured"),
        (("tsa", "add", "ftp://x/tsa"), "not an http(s) URL"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.code == 2, (args, result.out, result.err)
        assert message in result.err and "Traceback" not in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) <= 2, result.err
    assert existing.read_bytes() == b"keep me"
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "p").exists()
    assert cli("settings", "show", "--json").json().get("tsa_urls") in (None, [])  # type: ignore[union-attr]
    assert cli("case", "close", "VV-2026-007").code == 0
    closed = cli("report", "VV-2026-007", "--out", str(tmp_path / "a.pdf"))
    assert closed.code == 2 and "closed" in closed.err
