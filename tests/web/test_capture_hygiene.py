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
import threading
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


def _written_outside_the_rules(env: dict[str, str], places: dict[str, Path], staging: Path | None = None) -> list[str]:
    """Files the CLI opened for writing under $TMPDIR, $HOME and the working folder (and a staging folder on disk),
    except sealed files (ciphertext), the markers (no evidence content) and, in a staging folder on disk, the
    proxy's CA key and certificates of this session (no evidence content either)."""
    log = Path(env["FORENSICS_TEST_OPEN_LOG"])
    opened = log.read_text("utf-8").splitlines() if log.exists() else []
    markers = str(places["home"] / ".local/share/forensics-toolkit/running") + os.sep
    return [path for path in opened
            if not (Path(path).name.startswith("sealed-") and f"{PREFIX}-" in path) and not path.startswith(markers)
            and not (staging is not None and path.startswith(str(staging)) and f"{os.sep}proxy-ca{os.sep}" in path)]


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
        _kill_once_spooled(process, places["tmp"])
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


def _kill_once_spooled(process: subprocess.Popen[Any], folder: Path) -> None:
    """kill -9 once the proxy has spilled a big response (sealed) into ``folder``: a state, not a time."""
    deadline = time.monotonic() + 60
    while not _sealed_spill_open(process.pid, folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sealed_spill_open(process.pid, folder), "the proxy never spooled the big response"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    _wait_gone(process.pid)


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


class _ChromiumTempFiles:
    """Looks, as fast as it can, for Chromium's temporary files (``.org.chromium.Chromium.XXXXXX``, made by
    ``base::CreateTemporaryFile`` in its TMPDIR, the browser folder, and removed once read back) under ``root``.
    (Its profile's own files are written through such names too, beside them: not page content, not looked for.)"""

    def __init__(self, root: Path) -> None:
        self.root, self.seen, self.looks = root, set[str](), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> _ChromiumTempFiles:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.looks += 1
            for folder, _dirs, names in os.walk(self.root):
                if os.path.basename(folder) == "browser":
                    self.seen.update(os.path.join(folder, n) for n in names if n.startswith(".org.chromium.Chromium."))


def test_without_a_memory_file_system_the_capture_says_so(vault: Vault, case: Case, site: HygieneSite,
                                                          http_site: str) -> None:
    """The fallback (Windows, macOS, a full /dev/shm): the browser's folder on disk, never silently; a file the
    page downloads and an address that is a file are taken whole from the WARC (the browser saves none)."""
    import shutil
    import tempfile

    from tests.web.site import PDF, ZIP

    # a short folder on disk: Chromium keeps a UNIX socket in its TMPDIR, and such paths are short
    root = Path(tempfile.mkdtemp(prefix="fx-", dir="/var/tmp"))
    assert not is_memory_backed(root)
    watcher = _ChromiumTempFiles(root).start()  # Chromium's own temporary files, e.g. the MHTML it writes
    try:
        result = capture_web(vault, case.id, [site.url + "/canary"], options=fast_options(), workroot=root)
        watcher.stop()
        outcome = result.outcomes[0]
        assert outcome.item is not None, outcome.error
        (warning,) = [w for w in outcome.item.warnings if w.code == "staging_on_disk"]
        assert str(root) in warning.message and warning.message_vi
        assert watcher.looks > 100 and watcher.seen == set(), watcher.seen
        (mhtml,) = [w for w in outcome.item.warnings if w.code == "mhtml_not_made"]
        assert "temporary file" in mhtml.message and mhtml.message_vi
        assert "mhtml" not in {c.kind for c in outcome.children} and {"html", "warc"} <= {c.kind for c in outcome.children}
        assert outcome.complete  # a fact about the workstation, not a gap in the capture
        assert list(root.iterdir()) == []  # removed after storing
        files = capture_web(vault, case.id, [http_site + "/download", http_site + "/doc.pdf"],
                            options=fast_options(), workroot=root)
        page, document = files.outcomes
        assert page.item is not None and document.item is not None, (page.error, document.error)
        (download,) = [c for c in page.children if c.kind == "download"]
        assert b"".join(vault.read_item(download)) == ZIP and download.metadata["role"] == "download_by_page"
        (original,) = [c for c in document.children if c.kind == "download"]
        assert b"".join(vault.read_item(original)) == PDF and original.metadata["role"] == "main_document"
        assert list(root.iterdir()) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- without a memory file system: parts in memory or sealed, the browser refused what it would write ------------
def _needles() -> list[bytes]:
    """The canary as bytes would hold it: UTF-8 and UTF-16 (Chromium's own stores keep some text so)."""
    return [CANARY.encode("ascii"), CANARY.encode("utf-16-le")]


def _plaintext(data: bytes) -> bool:
    """The canary in ``data``, or in its gzip members decoded (a WARC-like file, a compressed cache entry)."""
    import zlib

    if any(needle in data for needle in _needles()):
        return True
    start = data.find(b"\x1f\x8b\x08")
    while start != -1:
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            plain = inflater.decompress(data[start:], 64 << 20)
            if any(needle in plain for needle in _needles()):
                return True
        except zlib.error:
            pass
        start = data.find(b"\x1f\x8b\x08", start + 1)
    return False


class _Scanner:
    """Scans, over and over while a capture runs and once more at the end: every file under ``roots`` and every
    file on a persistent disk that the capture process or one of its children (driver, browser) holds open,
    deleted ones included (``/proc/PID/fd``). Files on a memory file system are not the question here."""

    def __init__(self, roots: list[Path], pid: int | None = None, trace: bytes = b"") -> None:
        import threading

        self.roots, self.pid, self.hits, self.rounds, self.open_files = roots, pid, set(), 0, 0
        self.trace, self.traces = trace, set()  # files holding ``trace`` (the page's address): where it was visited
        self.seen: set[str] = set()  # every file met under the roots
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> _Scanner:
        self._thread.start()
        return self

    def stop(self) -> set[str]:
        self._stop.set()
        self._thread.join(60)
        self.scan()
        return self.hits

    def _run(self) -> None:
        while not self._stop.is_set():
            self.scan()

    def scan(self) -> None:
        for root in self.roots:
            for folder, _, names in os.walk(root):
                for name in names:
                    self._check(Path(folder) / name, str(Path(folder) / name))
        if self.pid is not None:
            for pid in [self.pid, *_descendants(self.pid)]:
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except OSError:
                    continue
                for fd in fds:
                    link = Path(f"/proc/{pid}/fd/{fd}")
                    try:
                        target = os.readlink(link)
                    except OSError:
                        continue
                    if not target.startswith("/") or target.startswith(("/proc/", "/dev/", "/usr/", "/etc/")):
                        continue
                    if is_memory_backed(link):  # statfs follows the descriptor to its file system
                        continue
                    self.open_files += 1
                    self._check(link, f"{target} (open in {pid})")
        self.rounds += 1

    def _check(self, path: Path, label: str) -> None:
        try:
            if path.is_symlink() and not str(path).startswith("/proc/"):
                return
            if not path.is_file():
                return
            self.seen.add(label)
            with open(path, "rb") as handle:
                data = handle.read(256 << 20)
        except OSError:
            return
        if _plaintext(data):
            self.hits.add(label)
        if self.trace and (self.trace in data or self.trace.decode().encode("utf-16-le") in data):
            self.traces.add(label)


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "forensics_app.cli.main", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _watched(cli: Cli, env: dict[str, str], places: dict[str, Path], staging: Path, cwd: Path,
             *args: str) -> tuple[subprocess.CompletedProcess[str], set[str], _Scanner]:
    process = _cli(env, cwd, *args)
    scanner = _Scanner([places["tmp"], places["home"], places["work"], staging, cli.vault_dir], process.pid,
                       trace=args[2].split("//", 1)[1].split("/", 1)[0].encode()).start()
    try:
        out, err = process.communicate(timeout=300)
    finally:
        hits = scanner.stop()
        _kill_group(process.pid)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), hits, scanner


def test_on_disk_staging_never_holds_plaintext_during_a_capture_or_after_kill_9(cli_vault: Cli,
                                                                                tmp_path: Path) -> None:
    """No memory file system (FORENSICS_STAGING_DIR chosen on disk): every part of a capture with everything on
    (screenshots in tiles, MHTML, PDF, WARC, WACZ, video, a download, the social record) never reaches a
    persistent disk in plaintext, while the capture runs, after it, and after a kill -9 half-way."""
    import secrets
    import shutil

    site = HygieneSite()
    # short: Chromium keeps a UNIX socket in its TMPDIR (under the staging folder), and such paths are short
    staging = Path(f"/var/tmp/f{secrets.token_hex(2)}")
    staging.mkdir(mode=0o700)
    try:
        assert not is_memory_backed(staging)
        places = _places(tmp_path)
        env = _env(cli_vault, places)
        env["FORENSICS_STAGING_DIR"] = str(staging)  # the examiner's choice: a folder on disk, used as it is
        env["FORENSICS_TEST_WATCHED"] += os.pathsep + str(staging)
        assert cli_vault("case", "new", "--number", "VV-HY", "--title", "on disk").code == 0
        common = ("--case", "VV-HY", "--allow-private-addresses", "--timeout", "60", "--json")

        done, hits, scanner = _watched(cli_vault, env, places, staging, places["work"], "capture", "web",
                                       site.url + "/everything", *common, "--video", "-o", "tile_height=1000")
        assert done.returncode == 0, done.stdout + done.stderr
        assert hits == set(), hits
        assert scanner.rounds >= 3 and scanner.open_files > 0  # it did look, while the capture ran
        # the screenshots, PDF and video hold the canary only as pixels or compressed glyphs: no file of the
        # capture's own may exist on disk at all (the browser's files are in its folder, "browser")
        assert [p for p in scanner.seen if f"{os.sep}captures{os.sep}" in p] == []
        # nor does the browser's profile keep the page: not even its address (each capture is an incognito context)
        assert scanner.traces == set(), scanner.traces
        (outcome,) = json.loads(done.stdout)["results"]
        codes = {w["code"] for w in outcome["warnings"]}
        assert {"staging_on_disk", "video_not_recorded", "mhtml_not_made"} <= codes, codes
        on_disk = next(w for w in outcome["warnings"] if w["code"] == "staging_on_disk")
        assert "was ever in plaintext on disk" in on_disk["message"] and on_disk["message_vi"]
        kinds = [c["kind"] for c in outcome["children"]]
        for kind in ("screenshot_viewport", "screenshot", "screenshot_tile", "html", "page_text", "pdf",
                     "warc", "wacz", "provenance", "download"):
            assert kind in kinds, (kind, kinds)
        # Chromium writes an MHTML snapshot to a plaintext temporary file in its (on disk) folder: not made
        assert "video" not in kinds and "mhtml" not in kinds
        # the canary did reach the vault through each way a part is handed over (the scan could have found it)
        exported = tmp_path / "exported"  # outside the scanned folders
        for child in outcome["children"]:
            if child["kind"] in ("page_text", "html", "download", "provenance"):
                target = exported / str(child["id"])
                assert cli_vault("items", "export", str(child["id"]), "--out", str(target)).code == 0
                assert CANARY.encode() in next(target.iterdir()).read_bytes(), child
        assert not list(staging.glob(f"{PREFIX}-*/*")), "staging left behind after storing"

        # the social capture of the same page: its record and the post's media (not fetched again: said so)
        social, hits, _ = _watched(cli_vault, env, places, staging, places["work"], "capture", "social",
                                   site.url + "/everything", *common)
        assert social.returncode == 0, social.stdout + social.stderr
        assert hits == set(), hits
        record = next(i for i in cli_vault.items() if i["kind"] == "social_post")
        target = exported / "social"
        assert cli_vault("items", "export", str(record["id"]), "--out", str(target)).code == 0
        assert CANARY.encode() in next(target.iterdir()).read_bytes()
        social_codes = {w["code"] for r in json.loads(social.stdout)["results"] for w in r["warnings"]}
        assert {"staging_on_disk", "media_not_kept"} <= social_codes, social_codes

        # kill -9 half-way: the page shown, its download refused, its big image spooling (sealed) when killed
        process = _cli(env, places["work"], "capture", "web", site.url + "/everything?stall=1", *common,
                       "--batch", "killed")
        scanner = _Scanner([places["tmp"], places["home"], places["work"], staging, cli_vault.vault_dir],
                           process.pid, trace=site.url.split("//", 1)[1].encode()).start()
        try:
            assert site.stalled.wait(120) and site.downloaded.wait(120), "the capture never reached the stall"
            _kill_once_spooled(process, staging)
        finally:
            site.release.set()
            _kill_group(process.pid)
            hits = scanner.stop()
        assert hits == set() and scanner.traces == set(), (hits, scanner.traces)
        assert [p for p in scanner.seen if f"{os.sep}captures{os.sep}" in p] == []
        left = list(staging.glob(f"{PREFIX}-*/{process.pid}-*"))
        assert left, "the killed capture left nothing on disk (the scan above proved nothing)"
        # the next start removes what the killed one left on disk (and logs it: see the test above)
        again, hits, _ = _watched(cli_vault, env, places, staging, places["work"], "capture", "web",
                                  site.url + "/canary", *common, "--batch", "after")
        assert again.returncode == 0, again.stdout + again.stderr
        assert hits == set() and not any(p.exists() for p in left)
        assert _written_outside_the_rules(env, places, staging) == []
    finally:
        site.stop()
        shutil.rmtree(staging, ignore_errors=True)
