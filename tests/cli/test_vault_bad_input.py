"""Bad input at the vault's door: each a true message on one line with exit 2 (or 1 for a check), nothing lost."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import Cli


def _file_in_case(cli: Cli, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    assert cli("case", "new", "--number", "C", "--title", "bad input").code == 0
    (tmp_path / "e.txt").write_text("evidence", "utf-8")
    added = cli("files", "add", str(tmp_path / "e.txt"), "--case", "C", "--json")
    assert added.code == 0, added.err
    return added.json()["items"][0]  # type: ignore[no-any-return,index]


@pytest.mark.parametrize("ident", [str(2 ** 63), str(2 ** 64 + 5), "9" * 40])
def test_huge_item_ids_are_not_found_not_an_internal_error(cli_vault: Cli, ident: str) -> None:
    for args in (("items", "show", ident), ("items", "export", ident, "--out", "/tmp/never-written")):
        line = cli_vault(*args).one_line_error()
        assert "no item" in line and "Traceback" not in line


def test_a_passphrase_that_is_not_utf8_is_refused_without_echoing_it(cli_vault: Cli) -> None:
    secret = b"bi\xffmat-khau-SECRET"
    env = {**os.environ, **cli_vault.env}
    env_bytes = {k.encode(): v.encode() for k, v in env.items() if k != "FORENSICS_PASSPHRASE"}
    env_bytes[b"FORENSICS_PASSPHRASE"] = secret
    done = subprocess.run([sys.executable, "-m", "forensics_app.cli.main", "case", "list"], env=env_bytes,
                          capture_output=True, timeout=120)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "not valid UTF-8" in err and "Traceback" not in err
    assert b"SECRET" not in done.stderr and b"SECRET" not in done.stdout


def test_an_unreadable_vault_folder_says_permission_denied(cli_vault: Cli) -> None:
    """As a colleague's account would meet it: root's power to read anything dropped (setpriv), the folder 0000."""
    command = [sys.executable, "-m", "forensics_app.cli.main", "case", "list"]
    if os.geteuid() == 0:
        command = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    os.chmod(cli_vault.vault_dir, 0)
    try:
        done = cli_vault.process(*command[command.index("-m") + 2:]) if os.geteuid() else subprocess.run(
            command, env={**os.environ, **cli_vault.env}, capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(cli_vault.vault_dir, 0o700)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "permission denied" in done.stderr and "wrong passphrase" not in done.stderr


def test_export_to_a_read_only_place_gives_the_real_reason(cli_vault: Cli, tmp_path: Path) -> None:
    item = _file_in_case(cli_vault, tmp_path)
    line = cli_vault("items", "export", str(item["id"]), "--out", "/proc/forensics-nowhere").one_line_error()
    assert "cannot" in line.lower() and "/proc" in line


def test_vault_files_and_exports_are_owner_only_whatever_the_umask(cli: Cli, tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        assert cli("vault", "init", "--examiner-name", "Umask").code == 0
        item = _file_in_case(cli, tmp_path)
        assert cli("items", "export", str(item["id"]), "--out", str(tmp_path / "copy")).code == 0
        assert cli("export", "C", "--out", str(tmp_path / "pkg")).code == 0
        assert cli("export", "C", "--out", str(tmp_path / "pkg2"), "--zip").code == 0
    finally:
        os.umask(old)
    for path in [cli.vault_dir, *cli.vault_dir.rglob("*"), tmp_path / "pkg", *(tmp_path / "pkg").rglob("*"),
                 tmp_path / "pkg2.zip", *(tmp_path / "copy").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_verify_while_another_process_ingests_says_so_truthfully(cli_vault: Cli, tmp_path: Path) -> None:
    cli_vault("case", "new", "--number", "C", "--title", "busy")
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        block = os.urandom(1 << 20)
        for _ in range(400):
            handle.write(block)
    env = {**os.environ, **cli_vault.env}
    proc = subprocess.Popen([sys.executable, "-m", "forensics_app.cli.main", "files", "add", str(big), "--case", "C"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any((cli_vault.vault_dir / "tmp").iterdir()) and time.monotonic() < deadline:
            time.sleep(0.02)
        report = cli_vault("vault", "verify", "--quick", "--json")
        data = report.json()
        if proc.poll() is None or data["in_progress"]:  # caught while it ran: a note, not an interrupted ingest
            assert not [p for p in data["problems"] if p["code"] == "temp_orphan"], data
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0
    assert cli_vault("vault", "verify", "--json").json()["ok"]


def test_repair_shows_then_removes_only_what_a_crash_left(cli_vault: Cli, tmp_path: Path) -> None:
    _file_in_case(cli_vault, tmp_path)
    leftover = cli_vault.vault_dir / "tmp" / "ingest-999999-deadbeef-0.part"  # a dead process's temp file
    leftover.write_bytes(b"half an ingest")
    orphan = cli_vault.vault_dir / "blobs" / "ff" / ("ff" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"a blob no row refers to")
    assert cli_vault("vault", "verify").code == 1
    asked = cli_vault("vault", "repair")  # no terminal: it lists, then refuses without --yes
    assert "would remove" in asked.out and leftover.exists() and orphan.exists()
    assert "--yes" in asked.one_line_error()
    done = cli_vault("vault", "repair", "--yes", "--json")
    assert done.code == 0 and not leftover.exists() and not orphan.exists()
    assert sorted(done.json()["removed"]["orphan_blobs"])[0].endswith(orphan.name)  # type: ignore[index]
    log = cli_vault("custody", "log", "--json").json()
    assert log[-1]["action"] == "vault.repair" and log[-1]["details"]["removed_orphan_blobs"] == [orphan.name]
    assert cli_vault("vault", "repair", "--json").json()["nothing_to_do"] is True
