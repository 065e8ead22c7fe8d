"""Session-level behaviour: cancelling, Ctrl-C, video, mobile emulation, the clock check, a 50 MB page,
and the extension points (behaviours, artifact hooks, login profiles) the social-media capture builds on."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from collectors.web import CaptureState, measure_clock, register_behaviour
from collectors.web.redact import MARKER_PROFILE
from collectors.web.staging import PREFIX
from evidence_store import Cancelled, CancelToken, Case, UsageError, Vault
from forensics_app.services.web import capture_threads_alive, capture_web
from tests.conftest import Cli
from tests.web.conftest import SERVERS, fast_options
from tests.web.ntp_server import NtpServer

pytestmark = pytest.mark.slow


def _children(vault: Vault, item_id: int) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for child in vault.list_items(parent_id=item_id):
        out.setdefault(child.kind, []).append(child)
    return out


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_cancel_stops_the_browser_promptly_and_leaves_the_vault_clean(vault: Vault, case: Case, http_site: str,
                                                                      tmp_path: Path) -> None:
    cancel = CancelToken()
    seen: list[tuple[int, str]] = []

    def progress(done: int, total: int | None, label: str) -> None:
        seen.append((done, label))

    urls = [http_site + p for p in ("/never", "/infinite", "/tall", "/")]
    staging = Path("/dev/shm") / f"{PREFIX}-{os.getuid()}"
    staged_before = set(staging.glob(f"{os.getpid()}-*"))
    before = set(_descendants(os.getpid()))  # other tests' helpers are not ours to judge
    timer = threading.Timer(3.0, cancel.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        capture_web(vault, case.id, urls, options=fast_options(load_timeout=20), concurrency=2, cancel=cancel,
                    progress=progress)
    assert time.monotonic() - started < 3.0 + 12, "cancelling took too long"
    assert capture_threads_alive() == 0
    deadline = time.monotonic() + 5
    while set(_descendants(os.getpid())) - before and time.monotonic() < deadline:
        time.sleep(0.1)  # exited processes may take a moment to be reaped
    assert not set(_descendants(os.getpid())) - before, "a browser or driver process was left running"
    assert set(staging.glob(f"{os.getpid()}-*")) == staged_before, "work files were left behind"
    for capture in vault.list_items(case.id, kind="web_capture"):  # only whole captures may be stored
        assert {"warc", "wacz", "provenance"} <= set(_children(vault, capture.id))


def test_ctrl_c_exits_130_and_vault_verifies(cli_vault: Cli, http_site: str) -> None:
    http_server = SERVERS[http_site]
    assert cli_vault("case", "new", "--number", "VV-INT", "--title", "Ngắt").code == 0
    env = {**os.environ, **cli_vault.env}
    process = subprocess.Popen([sys.executable, "-m", "forensics_app.cli.main", "capture", "web", http_site + "/never",
                                "--case", "VV-INT", "--allow-private-addresses", "--timeout", "60"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = len(http_server.requested)
    deadline = time.monotonic() + 60
    while "/never" not in http_server.requested[seen:] and time.monotonic() < deadline:
        time.sleep(0.1)  # interrupt while the page is loading, not while Python starts
    assert "/never" in http_server.requested[seen:], "the capture never reached the page"
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole foreground group
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    assert "Traceback" not in err
    items = cli_vault("items", "list", "--json").json()
    assert items == []


@pytest.fixture
def ntp() -> Any:
    server = NtpServer(offset=2.5)
    yield server
    server.stop()


def test_clock_measured_against_a_local_ntp_server(ntp: NtpServer) -> None:
    result = measure_clock(ntp.address, timeout=2)
    assert result["checked"] is True and result["stratum"] == 2
    assert abs(float(result["offset_ms"]) - 2500) < 300
    silent = measure_clock("127.0.0.1:9", timeout=0.5)
    assert silent["checked"] is False and silent["error"]


def test_video_mobile_and_clock_in_one_capture(vault: Vault, case: Case, http_site: str, ntp: NtpServer) -> None:
    options = fast_options(video=True, device="mobile", ntp_server=ntp.address)
    result = capture_web(vault, case.id, [http_site + "/"], options=options)
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.error
    item = outcome.item
    assert item is not None
    assert "clock_not_checked" not in [w.code for w in item.warnings]
    clock = item.metadata["provenance"]["clock"]
    assert clock["checked"] is True and abs(float(clock["offset_ms"]) - 2500) < 300
    kinds = _children(vault, item.id)
    (video,) = kinds["video"]
    data = b"".join(vault.read_item(video))
    assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) > 1000  # a WebM (EBML) file with frames
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", "-"],
                           input=data, capture_output=True, timeout=60)
    assert probe.stdout.strip() in (b"vp8", b"vp9")
    shot = Image.open(io.BytesIO(b"".join(vault.read_item(kinds["screenshot_viewport"][0]))))
    assert shot.size[0] == 390 * 3 and abs(shot.size[1] - 844 * 3) <= 3  # Chromium rounds mobile heights
    provenance = json.loads(b"".join(vault.read_item(kinds["provenance"][0])))
    assert provenance["emulation"]["is_mobile"] is True and "Mobile" in provenance["emulation"]["user_agent"]


def test_fifty_megabyte_page(vault: Vault, case: Case, http_site: str) -> None:
    result = capture_web(vault, case.id, [http_site + "/big"], options=fast_options(pdf=False))
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.error
    assert outcome.item is not None
    kinds = _children(vault, outcome.item.id)
    (warc,) = kinds["warc"]
    for record in ArchiveIterator(io.BytesIO(b"".join(vault.read_item(warc)))):
        if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI").endswith("/big"):
            body = record.content_stream().read()
            assert len(body) > 50 * 2**20 and body.endswith(b"--></body></html>")
            assert record.rec_headers.get_header("WARC-Truncated") is None
            break
    else:
        pytest.fail("the 50 MB response is not in the WARC")
    assert "trang lớn" in b"".join(vault.read_item(kinds["page_text"][0])).decode()
    (html,) = kinds["html"]
    assert html.size > 50 * 2**20  # the whole DOM, comment included
    assert [w.code for w in outcome.item.warnings if w.code == "mhtml_skipped"] == ["mhtml_skipped"]


class ExpandBehaviour:
    """A behaviour another module registers: clicks a button so hidden content shows."""

    name = "test_expand"

    async def run(self, state: CaptureState) -> None:
        await state.page.evaluate("() => { document.body.insertAdjacentHTML('beforeend', '<p id=x>mở rộng</p>') }")
        state.facts["expanded"] = True


register_behaviour(ExpandBehaviour())


def test_extension_points(vault: Vault, case: Case, http_site: str) -> None:
    async def post_hook(state: CaptureState) -> None:
        heading = await state.page.evaluate("() => document.querySelector('h1').innerText")
        path = state.workdir / "post.json"
        path.write_text(json.dumps({"heading": heading, "expanded": state.facts.get("expanded")}, ensure_ascii=False))
        state.add_file("social_post", path, "application/json", metadata={"platform": "test"})

    def profile(name: str) -> dict[str, Any]:
        assert name == "tai-khoan-1"
        return {"cookies": [{"name": "phien", "value": "abc123", "domain": "127.0.0.1", "path": "/",
                             "expires": -1, "httpOnly": False, "secure": False, "sameSite": "Lax"}], "origins": []}

    options = fast_options(behaviours=("test_expand", "network_idle"), profile="tai-khoan-1")
    result = capture_web(vault, case.id, [http_site + "/"], options=options, hooks=[post_hook],
                         profile_provider=profile)
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.error
    assert outcome.item is not None
    kinds = _children(vault, outcome.item.id)
    post = json.loads(b"".join(vault.read_item(kinds["social_post"][0])))
    assert post == {"heading": post["heading"], "expanded": True} and post["heading"].startswith("Xin chào")
    assert "mở rộng" in b"".join(vault.read_item(kinds["page_text"][0])).decode()
    warc = b"".join(vault.read_item(kinds["warc"][0]))
    cookies = [r.http_headers.get_header("Cookie") for r in ArchiveIterator(io.BytesIO(warc))
               if r.rec_type == "request"]
    assert "Cookie: phien=abc123" in SERVERS[http_site].credentials_seen, "the saved login state was not used"
    assert cookies and set(cookies) <= {MARKER_PROFILE, None} and b"abc123" not in gzip.decompress(warc)
    provenance = json.loads(b"".join(vault.read_item(kinds["provenance"][0])))
    assert provenance["behaviours"] == ["test_expand", "network_idle"]
    assert provenance["emulation"]["profile"] == "tai-khoan-1"
    with pytest.raises(UsageError, match="no login profile named 'tai-khoan-1'"):  # not in the vault: refused
        capture_web(vault, case.id, [http_site + "/alert"], options=options)       # before a browser starts
    with pytest.raises(UsageError, match="unknown page behaviour"):
        capture_web(vault, case.id, [http_site + "/"], options=fast_options(behaviours=("no_such",)))


def test_a_staging_folder_too_deep_for_the_browser_socket_is_refused_with_the_fix(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium's singleton socket lives under the browser's folder and a UNIX socket path holds 107 bytes: at
    the limit the real browser starts; one byte deeper the examiner is told which setting to shorten, instead of
    Chromium's bare "browser has been closed" (which blamed the browser)."""
    import asyncio
    import shutil
    import tempfile

    from collectors.web.session import SOCKET_PATH_MAX, SOCKET_SUFFIX, BrowserSession
    from collectors.web.staging import Staging
    from evidence_store.errors import CollectorError

    base = Path(tempfile.mkdtemp(prefix="s", dir="/tmp"))
    try:
        monkeypatch.setenv("FORENSICS_STAGING_DIR", str(base))
        probe = Staging.start(operation="test")
        try:
            depth = len(bytes(probe.folder("browser"))) - len(bytes(base))
        finally:
            probe.close()
        room = SOCKET_PATH_MAX - SOCKET_SUFFIX - depth - len(bytes(base)) - 1  # the padding folder's name
        assert room > 0
        at_limit, over = base / ("a" * room), base / ("b" * (room + 1))
        at_limit.mkdir()
        over.mkdir()

        async def start_and_close() -> None:
            session = await BrowserSession.start()
            assert len(bytes(session.scratch)) + SOCKET_SUFFIX == SOCKET_PATH_MAX
            await session.close()

        monkeypatch.setenv("FORENSICS_STAGING_DIR", str(at_limit))
        asyncio.run(start_and_close())
        monkeypatch.setenv("FORENSICS_STAGING_DIR", str(over))
        with pytest.raises(CollectorError) as refused:
            asyncio.run(BrowserSession.start())
        message = str(refused.value)
        assert "FORENSICS_STAGING_DIR" in message and f"{SOCKET_PATH_MAX + 1} bytes long" in message
        assert "shorter by 1 or more bytes" in message and "FORENSICS_STAGING_DIR" in refused.value.text("vi")
        assert not any(over.rglob("browser")), "the refused session left its folder behind"
    finally:
        shutil.rmtree(base, ignore_errors=True)
