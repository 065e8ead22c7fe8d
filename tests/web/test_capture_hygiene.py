"""What a capture leaves behind and lets out (issue 14): no plaintext evidence on disk, even after kill -9;
no secret in the helpers' environment; no WebRTC traffic around the proxy; no silent "success" for an
address that never answered.

Every file written under ``$TMPDIR``, ``$HOME``, the working folder and the vault is scanned for a canary
the test page serves: it may only be inside the vault's ciphertext, i.e. nowhere in plaintext.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.web import CaptureState
from collectors.web.staging import PREFIX, is_memory_backed
from evidence_store import Case, Vault
from forensics_app.services.web import capture_web
from tests.conftest import Cli
from tests.web.conftest import fast_options
from tests.web.hygiene_site import CANARY, HygieneSite, silent_listener

pytestmark = pytest.mark.slow
AUDIT = Path(__file__).parent / "open_audit"


@pytest.fixture(scope="module")
def site() -> Iterator[HygieneSite]:
    server = HygieneSite()
    yield server
    server.stop()


def _places(root: Path) -> dict[str, Path]:
    places = {name: root / name for name in ("tmp", "home", "work")}
    for path in places.values():
        path.mkdir(exist_ok=True)
    return places


def _env(cli: Cli, places: dict[str, Path]) -> dict[str, str]:
    env = {**os.environ, **cli.env, "TMPDIR": str(places["tmp"]), "HOME": str(places["home"]),
           "XDG_DATA_HOME": str(places["home"] / ".local/share"), "XDG_CACHE_HOME": str(places["home"] / ".cache"),
           "XDG_CONFIG_HOME": str(places["home"] / ".config")}
    env.pop("XDG_RUNTIME_DIR", None)  # the memory folder is then /dev/shm (checked to be tmpfs)
    env.pop("FORENSICS_STAGING_DIR", None)
    # every file the CLI's Python opens for writing there is logged, even one unlinked at once (open_audit/)
    env["PYTHONPATH"] = os.pathsep.join([str(AUDIT), env.get("PYTHONPATH", "")])
    env["FORENSICS_TEST_WATCHED"] = os.pathsep.join(str(places[name]) for name in ("tmp", "home", "work"))
    env["FORENSICS_TEST_OPEN_LOG"] = str(places["tmp"].parent / "opened-for-writing.log")
    return env


def _written_outside_the_rules(env: dict[str, str], places: dict[str, Path]) -> list[str]:
    """Files the CLI opened for writing under $TMPDIR, $HOME and the working folder, except sealed files
    (ciphertext) and the markers (no evidence content)."""
    log = Path(env["FORENSICS_TEST_OPEN_LOG"])
    opened = log.read_text("utf-8").splitlines() if log.exists() else []
    markers = str(places["home"] / ".local/share/forensics-toolkit/running") + os.sep
    return [path for path in opened
            if not (Path(path).name.startswith("sealed-") and f"{PREFIX}-" in path) and not path.startswith(markers)]


def _files_holding(roots: list[Path], needle: bytes) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    if path.is_symlink() or not path.is_file():
                        continue
                    if needle in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
    return found


def _capture(cli: Cli, env: dict[str, str], cwd: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "forensics_app.cli.main", "capture", "web", url, "--case", "VV-HY",
                           "--allow-private-addresses", "--timeout", "40", "--json", *extra],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _sealed_spill_open(pid: int, tmp: Path) -> bool:
    """The process holds a sealed spool file (unlinked) under ``tmp``: the big response is being spooled."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(tmp)) and "sealed-" in target and target.endswith("(deleted)"):
            return True
    return False


def test_canary_only_in_ciphertext_after_a_capture_and_after_kill_9(cli_vault: Cli, site: HygieneSite,
                                                                       tmp_path: Path) -> None:
    places = _places(tmp_path)
    env = _env(cli_vault, places)
    assert cli_vault("case", "new", "--number", "VV-HY", "--title", "canary").code == 0
    roots = [places["tmp"], places["home"], places["work"], cli_vault.vault_dir]
    needle = CANARY.encode("ascii")

    done = _capture(cli_vault, env, places["work"], site.url + "/canary")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _files_holding(roots, needle) == []
    assert _written_outside_the_rules(env, places) == []

    # the canary did reach the vault (the scan could have found it): the page text holds it
    item = next(i for i in cli_vault.items() if i["kind"] == "page_text")
    exported = tmp_path / "exported"  # outside the scanned folders
    assert cli_vault("items", "export", str(item["id"]), "--out", str(exported)).code == 0
    assert needle in next(exported.iterdir()).read_bytes()

    # kill -9 while the 1.5 MiB image is half received (its first MiB spooled, sealed, on disk)
    process = subprocess.Popen([sys.executable, "-m", "forensics_app.cli.main", "capture", "web",
                                site.url + "/stall", "--case", "VV-HY", "--allow-private-addresses",
                                "--timeout", "90"], env=env, cwd=places["work"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert site.stalled.wait(120), "the capture never reached the stalling image"
        deadline = time.monotonic() + 60
        while not _sealed_spill_open(process.pid, places["tmp"]) and time.monotonic() < deadline:
            time.sleep(0.05)  # the proxy spills past 512 KiB: wait for that state, not for a time
        assert _sealed_spill_open(process.pid, places["tmp"]), "the proxy never spooled the big response"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        _wait_gone(process.pid)
    finally:
        site.release.set()
        _kill_group(process.pid)
    assert _files_holding(roots, needle) == []
    shm_leftovers = list(Path("/dev/shm").glob(f"{PREFIX}-{os.getuid()}/{process.pid}-*"))
    assert shm_leftovers, "the killed capture left no memory folder (the recovery below proves nothing)"
    markers = list((places["home"] / ".local/share/forensics-toolkit/running").glob(f"{process.pid}-*.json"))
    assert len(markers) == 1
    assert CANARY not in markers[0].read_text("utf-8")

    # the next start cleans up and records the interrupted operation
    again = _capture(cli_vault, env, places["work"], site.url + "/canary", "--batch", "second")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not any(p.exists() for p in shm_leftovers)
    assert not markers[0].exists()
    assert not list(places["tmp"].glob(f"{PREFIX}-*/{process.pid}-*"))
    log = subprocess.run([sys.executable, "-m", "forensics_app.cli.main", "custody", "log", "--json"], env=env,
                         capture_output=True, text=True, timeout=120)
    interrupted = [e for e in json.loads(log.stdout) if e["action"] == "capture.interrupted"]
    assert len(interrupted) == 1
    details = interrupted[0]["details"]
    assert details["pid"] == process.pid and details["operation"] == "capture.web"
    assert {str(p) for p in shm_leftovers} <= set(details["cleaned_up"])
    assert _files_holding(roots, needle) == []
    assert _written_outside_the_rules(env, places) == []


def _wait_gone(pid: int) -> None:
    """The driver and browser follow their parent out (their pipe closes); wait for that, bounded."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def test_helpers_never_inherit_a_secret(vault: Vault, case: Case, site: HygieneSite,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORENSICS_PASSPHRASE", "a passphrase nobody may see")
    monkeypatch.setenv("FORENSICS_P12_PASSPHRASE", "another secret")
    monkeypatch.setenv("CASE_DB_URL", "postgres://examiner:pw@db/cases")  # a secret under no telling name
    seen: dict[str, Any] = {}

    async def look(state: CaptureState) -> None:  # runs mid-capture: driver and browser are alive
        processes = {pid: _environ(pid) for pid in _descendants(os.getpid())}
        seen["processes"] = {pid: env for pid, env in processes.items() if env}
        seen["in_memory"] = {env["TMPDIR"]: is_memory_backed(Path(env["TMPDIR"]))
                             for env in processes.values() if "TMPDIR" in env}
        shell = await asyncio.to_thread(subprocess.run, ["env"], capture_output=True, text=True)
        seen["helper"] = shell.stdout  # what yt-dlp's ffmpeg, started from this process, would inherit

    result = capture_web(vault, case.id, [site.url + "/canary"], options=fast_options(), hooks=[look])
    assert result.outcomes[0].status == "captured", result.outcomes[0].error
    browsers = {pid: env for pid, env in seen["processes"].items() if "TMPDIR" in env}
    assert len(browsers) >= 2, "the driver and the browser were not found"
    for env in seen["processes"].values():
        assert "FORENSICS_PASSPHRASE" not in env and "FORENSICS_P12_PASSPHRASE" not in env, sorted(env)
        assert "a passphrase nobody may see" not in env.values()
        assert "CASE_DB_URL" not in env  # the driver and browser get an allow-list, not a deny-list
    assert seen["in_memory"] and all(seen["in_memory"].values()), seen["in_memory"]  # profile, cache, video …
    assert "a passphrase nobody may see" not in seen["helper"] and "another secret" not in seen["helper"]
    assert os.environ["FORENSICS_PASSPHRASE"] == "a passphrase nobody may see"  # given back afterwards


def _datagram(sock: socket.socket, timeout: float) -> bytes | None:
    ready, _, _ = select.select([sock], [], [], timeout)
    return sock.recvfrom(2048)[0] if ready else None


def test_webrtc_sends_no_udp_around_the_proxy(vault: Vault, case: Case, site: HygieneSite) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stun:
        stun.bind(("127.0.0.1", 0))
        url = f"{site.url}/webrtc?port={stun.getsockname()[1]}"

        async def gathered(state: CaptureState) -> None:
            await state.page.wait_for_function("() => window.__gathered === true", timeout=30_000)
            state.facts["ice_gathered"] = True

        result = capture_web(vault, case.id, [url], options=fast_options(), hooks=[gathered])
        outcome = result.outcomes[0]
        assert outcome.status == "captured" and outcome.item is not None
        assert not [w for w in outcome.item.warnings if w.code == "behaviour_failed"]
        assert _datagram(stun, 0.5) is None, "a STUN packet left the browser around the proxy"

        # the control: the same page in a browser without our policy does send one (the test can fail)
        from playwright.sync_api import sync_playwright

        from collectors.web import discover_browser

        with sync_playwright() as playwright:
            args = ["--no-sandbox"] if os.geteuid() == 0 else []
            browser = playwright.chromium.launch(executable_path=discover_browser().path, args=args)
            try:
                page = browser.new_page()
                page.goto(url)
                assert _datagram(stun, 30) is not None, "without the policy no STUN packet came either"
            finally:
                browser.close()


def test_an_address_that_never_answers_exits_1_and_keeps_the_record(cli_vault: Cli) -> None:
    assert cli_vault("case", "new", "--number", "VV-HY", "--title", "silent").code == 0
    with silent_listener() as port:
        result = cli_vault("capture", "web", f"http://127.0.0.1:{port}/", "--case", "VV-HY",
                           "--allow-private-addresses", "--timeout", "15", "-o", "load_timeout=6")
    assert result.code == 1, result.out + result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "did not answer" in lines[0] and f"127.0.0.1:{port}" in lines[0], result.err
    captures = [i for i in cli_vault.items() if i["kind"] == "web_capture"]
    assert len(captures) == 1 and captures[0]["metadata"]["complete"] is False
    assert f"item {captures[0]['id']}" in lines[0]


def test_without_a_memory_file_system_the_capture_says_so(vault: Vault, case: Case, site: HygieneSite) -> None:
    """The fallback (Windows, macOS, a full /dev/shm): the browser's folder on disk, never silently."""
    import shutil
    import tempfile

    # a short folder on disk: Chromium keeps a UNIX socket in its TMPDIR, and such paths are short
    root = Path(tempfile.mkdtemp(prefix="fx-", dir="/var/tmp"))
    assert not is_memory_backed(root)
    try:
        result = capture_web(vault, case.id, [site.url + "/canary"], options=fast_options(), workroot=root)
        outcome = result.outcomes[0]
        assert outcome.item is not None, outcome.error
        (warning,) = [w for w in outcome.item.warnings if w.code == "staging_on_disk"]
        assert str(root) in warning.message and warning.message_vi
        assert outcome.complete  # a fact about the workstation, not a gap in the capture
        assert list(root.iterdir()) == []  # removed after storing
    finally:
        shutil.rmtree(root, ignore_errors=True)
