"""The `forensics` command line as other tools use it: exit codes, JSON, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ..conftest import Cli


def test_help_and_version(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for group in ("vault", "case", "files", "items", "custody", "demo"):
        assert group in result.out
    version = cli("--version")
    assert version.code == 0 and "forensics" in version.out


def test_init_info_and_json_shapes(cli: Cli) -> None:
    result = cli("vault", "init", "--examiner-name", "Trần Thị Thu", "--agency", "Công an tỉnh A", "--json")
    assert result.code == 0, result.err
    info = result.json()
    assert info["examiner"] == "Trần Thị Thu" and info["format_version"] == 3
    again = cli("vault", "info", "--json")
    assert again.code == 0 and again.json()["vault_id"] == info["vault_id"]
    assert cli("--json", "vault", "info").json()["vault_id"] == info["vault_id"], "--json before the sub-command"
    assert cli("settings", "show", "--json").json()["agency"] == "Công an tỉnh A"


def test_case_new_prints_the_id_and_case_commands(cli_vault: Cli) -> None:
    unknown = cli_vault("case", "new", "--number", "VV-01", "--title", "Tin giả", "--examiner", "Lê Văn Minh")
    assert "no examiner named 'Lê Văn Minh'" in unknown.one_line_error()  # never made up: an examiner has a passphrase
    added = cli_vault("examiner", "add", "Lê Văn Minh", env={"FORENSICS_NEW_EXAMINER_PASSPHRASE": "mật khẩu của Minh"})
    assert added.code == 0, added.err
    created = cli_vault("case", "new", "--number", "VV-01", "--title", "Tin giả", "--examiner", "Lê Văn Minh")
    assert created.code == 0 and created.out.strip().isdigit()
    case_id = created.out.strip()
    shown = cli_vault("case", "show", "VV-01", "--json").json()
    assert shown["id"] == int(case_id) and shown["examiner"] == "Lê Văn Minh" and shown["items"] == 0
    listed = cli_vault("case", "list", "--json").json()
    assert [c["number"] for c in listed] == ["VV-01"]
    dup = cli_vault("case", "new", "--number", "VV-01", "--title", "again")
    assert dup.code == 2 and "already exists" in dup.err
    assert cli_vault("case", "close", case_id).code == 0
    assert cli_vault("case", "show", case_id, "--json").json()["status"] == "closed"


def test_files_add_keeps_structure_and_metadata(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "files")
    src = tmp_path / "thư mục"
    (src / "con").mkdir(parents=True)
    (src / "tệp tiếng Việt.txt").write_text("Nội dung", "utf-8")
    (src / "con" / "rỗng.dat").write_bytes(b"")
    long_name = "đ" * 120 + ".txt"  # 240 bytes in UTF-8
    (src / long_name).write_text("long", "utf-8")
    os.utime(src / "tệp tiếng Việt.txt", ns=(1_600_000_000_123_456_789, 1_500_000_000_987_654_321))
    result = cli_vault("files", "add", str(src), "--case", "C", "--hash", "md5", "--json")
    assert result.code == 0, result.err
    items = {i["name"]: i for i in result.json()["items"]}
    assert set(items) == {"thư mục", "con", "tệp tiếng Việt.txt", "rỗng.dat", long_name}
    root, child = items["thư mục"], items["tệp tiếng Việt.txt"]
    assert root["kind"] == "folder" and root["parent_id"] is None
    assert child["parent_id"] == root["id"] and items["rỗng.dat"]["parent_id"] == items["con"]["id"]
    assert child["source"] == str(src / "tệp tiếng Việt.txt")
    assert child["size"] == len("Nội dung".encode()) and child["md5"]
    assert items["rỗng.dat"]["size"] == 0
    assert items["rỗng.dat"]["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    times = child["metadata"]["times"]
    assert times["modified"] == "2017-07-14T02:40:00.987654321Z"
    assert times["accessed"] == "2020-09-13T12:26:40.123456789Z"
    assert child["metadata"]["owner"] and child["metadata"]["mode"].startswith("-")
    # reading the source did not change its access time
    assert os.stat(src / "tệp tiếng Việt.txt").st_atime_ns == 1_600_000_000_123_456_789


def test_non_utf8_names_are_kept_losslessly(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "bytes")
    folder = tmp_path / "raw"
    folder.mkdir()
    raw_name = b"caf\xe9-latin1.txt"
    with open(os.path.join(os.fsencode(folder), raw_name), "wb") as handle:
        handle.write(b"x")
    items = cli_vault("files", "add", str(folder), "--case", "C", "--json").json()["items"]
    item = next(i for i in items if i["kind"] == "file")
    assert item["name"] == "caf\\xe9-latin1.txt"
    assert bytes.fromhex(item["metadata"]["path_bytes_hex"]).endswith(raw_name)


def test_special_files_are_refused_not_hung_on(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "fifo")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli_vault.process("files", "add", str(fifo), "--case", "C", timeout=30)
    assert result.returncode == 2 and "FIFO" in result.stderr and "Traceback" not in result.stderr
    folder = tmp_path / "with-fifo"
    folder.mkdir()
    os.mkfifo(folder / "inner-pipe")
    (folder / "ok.txt").write_text("ok")
    ok = cli_vault.process("files", "add", str(folder), "--case", "C", "--json", timeout=30)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert [i["name"] for i in data["items"] if i["kind"] == "file"] == ["ok.txt"]
    assert any("FIFO" in s["reason"] for s in data["skipped"])


def test_missing_source_is_an_error_and_nothing_is_written(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "missing")
    (tmp_path / "real.txt").write_text("x")
    result = cli_vault("files", "add", str(tmp_path / "real.txt"), str(tmp_path / "nope.txt"), "--case", "C")
    assert result.code == 2 and "no such file" in result.err
    assert cli_vault("items", "list", "--json").json() == []


def test_unreadable_source_gives_a_clear_error(cli_vault: Cli, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    cli_vault("case", "new", "--number", "C", "--title", "perm")
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    secret.chmod(0o000)
    command = [sys.executable, "-m", "forensics_app.cli.main", "files", "add", str(secret), "--case", "C"]
    if os.geteuid() == 0:  # root reads anything: drop the capabilities that let it
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's read override")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    result = subprocess.run(command, env={**os.environ, **cli_vault.env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "permission denied" in result.stderr and "Traceback" not in result.stderr
    assert cli_vault("items", "list", "--json").json() == []


def test_a_file_vanishing_mid_ingest_is_skipped_and_recorded(vault, case, tmp_path: Path) -> None:
    from forensics_app.services.files import add_files

    folder = tmp_path / "src"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_bytes(os.urandom(1000))

    def progress(done: int, total: int | None, label: str) -> None:
        if label == "a.txt":
            (folder / "b.txt").unlink(missing_ok=True)

    result = add_files(vault, case.id, [folder], progress=progress)
    names = sorted(i.name for i in result.items if i.kind == "file")
    assert names == ["a.txt", "c.txt"]
    assert [s for s, _ in result.skipped] == [str(folder / "b.txt")]
    parent = next(i for i in result.items if i.kind == "folder")
    assert [w.code for w in parent.warnings] == ["source_unreadable"]
    assert "vanished" in parent.warnings[0].message and parent.warnings[0].message_vi


def test_items_list_show_export_and_view_logging(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "export")
    source = tmp_path / "bằng chứng.txt"
    source.write_text("dữ liệu điện tử", "utf-8")
    item = cli_vault("files", "add", str(source), "--case", "C", "--json").json()["items"][0]
    listed = cli_vault("items", "list", "--case", "C", "--json").json()
    assert [i["id"] for i in listed] == [item["id"]]
    shown = cli_vault("items", "show", str(item["id"]), "--json").json()
    assert shown["sha256"] == item["sha256"] and shown["children"] == []
    exported = cli_vault("items", "export", str(item["id"]), "--out", str(tmp_path / "out"), "--json").json()
    assert Path(exported["written"][0]).read_text("utf-8") == "dữ liệu điện tử"
    log = cli_vault("custody", "log", "--item", str(item["id"]), "--json").json()
    assert [e["action"] for e in log] == ["item.acquire", "item.view", "item.export"]
    assert all(e["examiner"]["name"] == "Trần Thị Thu" for e in log)


def test_custody_checkpoint_and_proofs_verify_without_the_vault(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "proof")
    (tmp_path / "e.txt").write_text("evidence")
    item = cli_vault("files", "add", str(tmp_path / "e.txt"), "--case", "C", "--json").json()["items"][0]
    checkpoint = cli_vault("custody", "checkpoint", "--json").json()
    assert checkpoint["checkpoint"].split("\n")[1] == str(checkpoint["size"])
    proof = cli_vault("custody", "prove", str(item["id"]))
    assert proof.code == 0
    bundle = json.loads(proof.out)
    assert bundle["item"]["sha256"] == item["sha256"] and bundle["proofs"][0]["action"] == "item.acquire"
    path = tmp_path / "proof.json"
    path.write_text(proof.out)
    env_without_vault = {"FORENSICS_PASSPHRASE": "", "FORENSICS_VAULT": str(tmp_path / "no-vault")}
    unpinned = cli_vault("custody", "verify-proof", str(path), "--json", env=env_without_vault)
    assert unpinned.code == 4 and unpinned.json()["ok"] is True and unpinned.json()["origin_verified"] is False
    trust = tmp_path / "trust.json"
    assert cli_vault("trust", "export", "--out", str(trust)).code == 0
    ok = cli_vault("custody", "verify-proof", str(path), "--trust", str(trust), "--json", env=env_without_vault)
    assert ok.code == 0 and ok.json()["origin_verified"] is True and ok.json()["signers"] == ["Trần Thị Thu"]
    fingerprint = cli_vault("examiner", "list", "--json").json()[0]["fingerprint"]
    typed = cli_vault("custody", "verify-proof", str(path), "--fingerprint", fingerprint.upper().replace(" ", ""),
                      env=env_without_vault)
    assert typed.code == 0, typed.out
    tampered = dict(bundle)
    tampered["proofs"] = [dict(bundle["proofs"][0], entry=bundle["proofs"][0]["entry"].replace("e.txt", "f.txt"))]
    path.write_text(json.dumps(tampered))
    bad = cli_vault("custody", "verify-proof", str(path), "--json", env=env_without_vault)
    assert bad.code == 1 and "not included" in bad.json()["problems"][0]


def test_verify_exit_codes(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "verify")
    (tmp_path / "e.txt").write_text("evidence")
    cli_vault("files", "add", str(tmp_path / "e.txt"), "--case", "C")
    assert cli_vault("vault", "verify").code == 0
    quick = cli_vault("vault", "verify", "--quick", "--json")
    assert quick.code == 0 and quick.json()["quick"] is True
    blob = next(p for p in (cli_vault.vault_dir / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes()[:-3] + b"xyz")
    broken = cli_vault("vault", "verify", "--json")
    assert broken.code == 1
    problems = broken.json()["problems"]
    assert [p["code"] for p in problems] == ["blob_corrupt"] and problems[0]["item_id"] == 1
    blob.unlink()  # leave a clean-verifying vault for the fixture: remove the item's blob row too
    from evidence_store import Vault

    with Vault.open(cli_vault.vault_dir, "correct horse battery") as vault:
        vault.conn.execute("PRAGMA foreign_keys = OFF")
        vault.conn.execute("DELETE FROM items")
        vault.conn.execute("DELETE FROM blobs")
        vault.conn.execute("DELETE FROM custody WHERE item_id IS NOT NULL")
    assert cli_vault("vault", "verify").code == 1  # the log now has gaps: still reported
    cli_vault.vault_dir.rename(tmp_path / "broken-vault")
    cli_vault("vault", "init", "--examiner-name", "Fresh")


@pytest.mark.parametrize("args,message", [
    (("vault", "info"), "not an evidence vault"),
    (("case", "list"), "not an evidence vault"),
])
def test_open_errors_are_one_clear_line(cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, env={"FORENSICS_VAULT": str(tmp_path)})
    assert result.code == 2 and message in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_wrong_passphrase_exits_2_and_writes_nothing(cli_vault: Cli) -> None:
    before = {p: p.stat().st_mtime_ns for p in cli_vault.vault_dir.rglob("*") if p.is_file()}
    result = cli_vault.process("case", "list", env={"FORENSICS_PASSPHRASE": "wrong wrong"})
    assert result.returncode == 2 and "wrong passphrase" in result.stderr and "Traceback" not in result.stderr
    assert {p: p.stat().st_mtime_ns for p in cli_vault.vault_dir.rglob("*") if p.is_file()} == before


def test_passwd_add_remove_change(cli_vault: Cli) -> None:
    added = cli_vault("vault", "passwd", "--add", "--label", "second", "--json",
                      env={"FORENSICS_NEW_PASSPHRASE": "another passphrase"})
    assert added.code == 0, added.err
    slot = added.json()["added"]
    assert cli_vault("vault", "info", env={"FORENSICS_PASSPHRASE": "another passphrase"}).code == 0
    assert cli_vault("vault", "passwd", "--remove", slot).code == 0
    assert cli_vault("vault", "info", env={"FORENSICS_PASSPHRASE": "another passphrase"}).code == 2
    short = cli_vault("vault", "passwd", env={"FORENSICS_NEW_PASSPHRASE": "short"})
    assert short.code == 2 and "at least" in short.err
    missing = cli_vault("vault", "passwd", "--remove", "zzzz")
    assert missing.code == 2 and "no key slot" in missing.err


def test_no_passphrase_without_a_terminal_is_a_clear_error(cli_vault: Cli) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FORENSICS_PASSPHRASE"}
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "forensics_app.cli.main", "case", "list"], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "FORENSICS_PASSPHRASE" in result.stderr


def test_demo_runs_end_to_end(cli: Cli, tmp_path: Path) -> None:
    result = cli("demo", "--workdir", str(tmp_path / "demo"), "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["ok"] is True
    assert Path(summary["vault"], "vault.json").is_file()
    assert "vault verified" in [s["step"] for s in summary["steps"]]
