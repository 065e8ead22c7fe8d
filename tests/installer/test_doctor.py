"""``forensics doctor`` from the source tree: every component, the fixes, the browser paths.

The browser cases hide Debian's Chromium in a private mount namespace (the check runs as a real
process there): offline, the fix says what to install; with a download server answering (a local
one speaking Playwright's protocol), the download is offered and `--install-browser` fetches it
with Playwright's own installer, after which web capture's discovery finds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from forensics_app.services.browser_setup import pinned
from forensics_app.services.doctor import CHECKS, run_checks
from tests.conftest import Cli
from tests.installer.helpers import CdnServer, hidden, namespaces_work
from tests.web.ntp_server import NtpServer

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def ntp() -> Iterator[NtpServer]:
    server = NtpServer(offset=0.0)
    yield server
    server.stop()


def by_id(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["id"]: c for c in report["checks"]}  # type: ignore[index, union-attr]


@pytest.mark.slow
def test_every_component_is_checked_and_ready_on_this_workstation(cli: Cli, ntp: NtpServer, tmp_path: Path) -> None:
    result = cli("doctor", "--json", "--ntp-server", ntp.address, "--vault", str(tmp_path / "vault"))
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    checks = by_id(report)
    assert list(checks) == [name for name, _ in CHECKS]
    not_ok = {k: (c["status"], c["summary"]) for k, c in checks.items() if c["status"] != "ok"}
    assert not not_ok, not_ok
    assert report["ok"] is True and report["counts"] == {"ok": len(CHECKS), "warn": 0, "fail": 0}
    browser = checks["browser"]["data"]
    assert browser["path"] == str(CHROMIUM) and browser["found_by"] == "installed"
    assert str(browser["version"]).startswith("Chromium 156") and browser["expected"] == pinned().chromium
    assert checks["sqlcipher"]["data"]["cipher_version"].startswith("4.")
    assert checks["playwright"]["data"]["expected"] in checks["playwright"]["data"]["reported"]
    assert checks["fonts"]["data"]["files"]["Body"].endswith("NotoSerif-Regular.ttf")
    assert abs(checks["clock"]["data"]["offset_ms"]) < 1000 and ntp.requests >= 1
    assert checks["vault"]["data"]["state"] == "not created yet"
    assert checks["helpers"]["data"] == {"cores": os.cpu_count(), "started": True}
    assert report["tool"]["code_sha256"] and report["tool"]["bundle"] is None
    for check in checks.values():  # both languages, always
        assert check["component"]["vi"] and check["summary"]["vi"] and check["summary"]["en"]


def test_clock_off_by_minutes_is_a_warning_with_the_fix(tmp_path: Path) -> None:
    server = NtpServer(offset=300.0)
    try:
        report = run_checks(tmp_path / "vault", server.address, only=("clock",))
    finally:
        server.stop()
    clock = report.get("clock")
    assert clock.status == "warn" and report.ok
    assert 299_000 < -clock.data["offset_ms"] < 301_000 or 299_000 < clock.data["offset_ms"] < 301_000
    assert "timedatectl" in clock.fix_text("en") and "Đồng bộ" in clock.fix_text("vi")


def test_no_time_server_answering_says_what_to_configure(tmp_path: Path) -> None:
    report = run_checks(tmp_path / "vault", "127.0.0.1:9", only=("clock",))
    clock = report.get("clock")
    assert clock.status == "warn" and "not checked" in clock.text("en")
    assert "ntp_server" in clock.fix_text("en") and "clock_not_checked" in clock.fix_text("vi")


def test_vault_location_problems(tmp_path: Path) -> None:
    existing = tmp_path / "a-file"
    existing.write_text("not a folder")
    assert run_checks(existing, "", only=("vault",)).get("vault").status == "fail"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "other.txt").write_text("x")
    finding = run_checks(busy, "", only=("vault",)).get("vault")
    assert finding.status == "warn" and "FORENSICS_VAULT" in finding.fix_text("en")
    unwritable = run_checks(Path("/proc/forensics-vault"), "", only=("vault",)).get("vault")
    assert unwritable.status == "fail" and "cannot write" in unwritable.text("en")
    assert "quyền ghi" in unwritable.fix_text("vi")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "busy"]  # the check left nothing behind


def test_text_output_lists_fixes_in_vietnamese(cli: Cli, tmp_path: Path) -> None:
    result = cli("doctor", "--lang", "vi", "--check", "clock", "--check", "tool", "--ntp-server", "127.0.0.1:9")
    assert result.code == 0, result.err
    assert "Độ lệch đồng hồ" in result.out and "Cách khắc phục" in result.out and "1 cảnh báo" in result.out


def test_bad_input_is_one_clear_line(cli: Cli) -> None:
    result = cli("doctor", "--check", "nonsense")
    assert result.code == 2 and "nonsense" in result.err and "Traceback" not in result.err
    result = cli("doctor", "--browser", "/nowhere/chrome", "--check", "browser", "--json")
    assert result.code == 1
    browser = by_id(json.loads(result.out))["browser"]
    assert browser["status"] == "fail" and "/nowhere/chrome" in browser["data"]["error"]


# -- no browser installed ---------------------------------------------------------------------------
needs_namespaces = pytest.mark.skipif(not namespaces_work(), reason="needs private mount namespaces (root in CI)")


def doctor_without_chromium(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``forensics doctor`` where Debian's Chromium is covered and HOME is empty (no Playwright browser)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYWRIGHT_", "FORENSICS_CHROMIUM"))}
    full.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), **(env or {})})
    argv = hidden([CHROMIUM], [sys.executable, "-m", "forensics_app.cli.main", "doctor", "--json", *args])
    return subprocess.run(argv, env=full, capture_output=True, text=True, timeout=600, check=False)


@needs_namespaces
@pytest.mark.slow
def test_no_browser_offline_explains_what_to_install(tmp_path: Path) -> None:
    run = doctor_without_chromium(tmp_path, "--check", "browser")
    assert run.returncode == 1, run.stderr
    browser = by_id(json.loads(run.stdout))["browser"]
    assert browser["status"] == "fail" and browser["data"]["found"] is False
    assert browser["data"]["download"]["available"] is False and browser["data"]["download"]["reason"]
    fix = browser["fix"]
    assert "sudo apt-get install chromium" in fix["en"] and "FORENSICS_CHROMIUM" in fix["en"]
    assert "No download possible" in fix["en"] and "Cài Chromium" in fix["vi"]
    offline = doctor_without_chromium(tmp_path, "--install-browser", "--check", "browser")
    assert offline.returncode == 2 and "cannot download a browser" in offline.stderr
    assert "apt-get install chromium" in offline.stderr and "Traceback" not in offline.stderr


@needs_namespaces
@pytest.mark.slow
def test_no_browser_online_offers_and_installs_playwrights_chromium(tmp_path: Path) -> None:
    version = pinned().chromium
    cdn = CdnServer(version)
    env = {"PLAYWRIGHT_DOWNLOAD_HOST": cdn.url}
    try:
        offered = doctor_without_chromium(tmp_path, "--check", "browser", env=env)
        browser = by_id(json.loads(offered.stdout))["browser"]
        assert offered.returncode == 1 and browser["data"]["download"]["available"] is True
        assert browser["data"]["download"]["url"].endswith(f"/builds/cft/{version}/linux64/chrome-linux64.zip")
        assert "forensics doctor --install-browser" in browser["fix"]["en"] and "Tải Chromium" in browser["fix"]["vi"]
        assert f"HEAD /builds/cft/{version}/linux64/chrome-linux64.zip" in cdn.requests
        installed = doctor_without_chromium(tmp_path, "--install-browser", "--check", "browser", env=env)
    finally:
        cdn.stop()
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "browser downloaded" in installed.stderr
    browser = by_id(json.loads(installed.stdout))["browser"]
    assert browser["status"] == "ok" and browser["data"]["found_by"] == "playwright"
    revision = pinned().revision
    expected = tmp_path / ".cache" / "ms-playwright" / f"chromium-{revision}" / "chrome-linux64" / "chrome"
    assert browser["data"]["path"] == str(expected) and (expected.parent.parent / "INSTALLATION_COMPLETE").is_file()
    assert browser["data"]["version"] == f"Google Chrome for Testing {version}"
    assert f"GET /builds/cft/{version}/linux64/chrome-linux64.zip" in cdn.requests


def test_helpers_that_cannot_start_are_a_failure_with_what_still_works(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    """Where the app's worker threads cannot start helper processes (seen where /dev/shm is missing: no
    semaphore), the doctor says so in both languages, with the error and what still works."""
    import multiprocessing

    from forensics_app.services import helper_processes
    from forensics_app.services.doctor_checks import Context, check_helpers

    class NoSemaphores:
        def __getattr__(self, name: str) -> object:
            return getattr(multiprocessing.get_context("forkserver"), name)

        def Pipe(self, duplex: bool = True) -> object:  # noqa: N802 - multiprocessing's name
            raise OSError(38, "Function not implemented")

    monkeypatch.setattr(helper_processes, "helper_context", lambda: NoSemaphores())
    status, summary, fix, data = check_helpers(Context(vault=tmp_path / "vault", ntp_server=""))
    assert status == "fail" and data["started"] is False
    assert "Function not implemented" in summary[0] and "Function not implemented" in summary[1]
    assert "command line" in fix[0] and "dòng lệnh" in fix[1]
