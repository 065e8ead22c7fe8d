"""Captures replay in ReplayWeb.page, the viewer prosecutors use (issue 21).

Each WACZ made by a real capture is opened in the real viewer (the published npm package, served on
127.0.0.1, in the Debian Chromium through Playwright), for the hosts whose index keys sort around the
old ``urn:request:`` lines: an IP address, a ``.com`` and a ``.vn`` name, a redirect and a 404. The page
must show the captured text, never "Archived Page Not Found". The index never holds two lines for the
same URL key and time; its keys are those ``cdxj-indexer`` makes of the same WARC; the signature checks.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from collectors.web import discover_browser
from collectors.web.wacz import verify_signed_digest
from tests.web.conftest import ModuleVault, fast_options
from tests.web.replay_viewer import ViewerServer, viewer_folder

pytestmark = pytest.mark.slow

HOSTS = ("MAP bao-mau.com 127.0.0.1", "MAP bao-mau.vn 127.0.0.1", "MAP www2.bao-mau.com 127.0.0.1")


@pytest.fixture(scope="module")
def waczs(module_vault: ModuleVault, http_site: str) -> dict[str, bytes]:
    from forensics_app.services.web import capture_web

    port = urlsplit(http_site).port
    urls = {"ip": f"http://127.0.0.1:{port}/", "com": f"http://bao-mau.com:{port}/",
            "vn": f"http://bao-mau.vn:{port}/", "redirect": f"http://bao-mau.com:{port}/redirect/1",
            "404": f"http://bao-mau.vn:{port}/status/404",
            "www2": f"http://www2.bao-mau.com:{port}/t%C3%ACm-ki%E1%BA%BFm?q=%E1%BA%A1+b&a=1"}
    result = capture_web(module_vault.vault, module_vault.case.id, list(urls.values()),
                         options=fast_options(host_rules=HOSTS), concurrency=2)
    found = {}
    for key, url in urls.items():
        outcome = next(o for o in result.outcomes if o.url == url)
        assert outcome.item is not None, outcome.error
        wacz = module_vault.children(outcome.item)["wacz"][0]
        found[key] = module_vault.content(wacz)
        found[key + ":url"] = url.encode()
    return found


@pytest.fixture(scope="module")
def viewer() -> Iterator[ViewerServer]:
    server = ViewerServer(viewer_folder())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        debian = "/usr/bin/chromium"  # the Debian Chromium (CI installs it), else whatever the toolkit finds
        path = debian if os.path.exists(debian) else discover_browser().path
        launched = playwright.chromium.launch(executable_path=path, args=args)
        yield launched
        launched.close()


#: The viewer's own verification records (its IndexedDB ``verification`` store), read in its app frame.
_VERIFICATION = """async () => {
  const out = [];
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, bad) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result);
                                                 r.onerror = bad; });
    if (db.objectStoreNames.contains('verification')) {
      out.push(...await new Promise(ok => { const r = db.transaction('verification').objectStore('verification')
                                                   .getAll(); r.onsuccess = () => ok(r.result); }));
    }
    db.close();
  }
  return out;
}"""


def _replayed_text(browser: object, viewer: ViewerServer, name: str, data: bytes, url: str,
                   verification: list[dict[str, object]] | None = None, expected: str = "") -> str:
    """The text of the archived page as the viewer shows it (its innermost frame, ``…mp_/<url>``), once it holds
    ``expected`` or the viewer's "Not Found" (the page may still be rendering); the viewer's verification
    records are added to ``verification`` when given."""
    viewer.archives[name] = data
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(viewer.view_url(name, url))
        deadline = time.monotonic() + 90
        reload_at = time.monotonic() + 30  # the viewer's service worker may miss the first load: reload once
        while time.monotonic() < deadline:
            if reload_at and time.monotonic() > reload_at and not any("mp_/" in f.url for f in page.frames):
                reload_at = 0
                page.reload()
            for frame in page.frames:
                if "mp_/" not in frame.url:
                    continue
                try:
                    text = frame.evaluate("() => document.body ? document.body.innerText : ''")
                except Exception:  # the frame is navigating (a redirect): look again
                    continue
                if text.strip() and (expected in text or "Not Found" in text or time.monotonic() > deadline - 1):
                    if verification is not None:  # the viewer checks the signature on its own time: wait for it
                        app = next(f for f in page.frames if "/replay/?source=" in f.url)
                        records = app.evaluate(_VERIFICATION)
                        while not any(r.get("id") == "signature" for r in records) and time.monotonic() < deadline:
                            page.wait_for_timeout(250)
                            records = app.evaluate(_VERIFICATION)
                        verification.extend(records)
                    return str(text)
            page.wait_for_timeout(250)
        return "\n".join(f"{f.url}" for f in page.frames)
    finally:
        context.close()


@pytest.mark.parametrize("key, expected", [
    ("ip", "khoảng trống"), ("com", "khoảng trống"), ("vn", "khoảng trống"),
    ("redirect", "Đã đến trang đích"), ("404", "mã lỗi 404"), ("www2", "không có"),
])
def test_capture_replays_in_replayweb_page(waczs: dict[str, bytes], viewer: ViewerServer, browser: object,
                                           key: str, expected: str) -> None:
    text = _replayed_text(browser, viewer, f"{key}.wacz", waczs[key], waczs[key + ":url"].decode(), expected=expected)
    assert "Not Found" not in text
    assert expected in text, text


def _index(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("indexes/index.cdxj").decode("utf-8").splitlines()


def test_index_has_one_line_per_url_and_time_and_no_request_lines(waczs: dict[str, bytes]) -> None:
    for key in ("ip", "com", "vn", "redirect", "404", "www2"):
        lines = _index(waczs[key])
        keys = [tuple(line.split(" ", 2)[:2]) for line in lines]
        assert len(keys) == len(set(keys)), key
        assert not any(line.startswith("urn:") for line in lines), key
        assert all(json.loads(line.split(" ", 2)[2]).get("status") for line in lines), key


def test_index_is_what_cdxj_indexer_makes_of_the_warc(waczs: dict[str, bytes], tmp_path: object) -> None:
    """The field's indexer, run as its own command on the WARC inside the WACZ, gives the same lines."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    for key in ("ip", "com", "redirect", "www2"):
        with zipfile.ZipFile(io.BytesIO(waczs[key])) as archive:
            (folder / "data.warc.gz").write_bytes(archive.read("archive/data.warc.gz"))
        done = subprocess.run([str(Path(sys.executable).parent / "cdxj-indexer"), str(folder / "data.warc.gz")],
                              capture_output=True, text=True, timeout=120)  # the indexer's own command
        assert done.returncode == 0, done.stderr
        theirs = {tuple(line.split(" ", 2)[:2]) for line in done.stdout.splitlines() if line.strip()}
        ours = {tuple(line.split(" ", 2)[:2]) for line in _index(waczs[key])}
        assert ours and ours == theirs, key
        assert not any(k.startswith(("127.0.0.1", "urn:", "com,bao-mau,www2")) for k, _ in ours)
    port = urlsplit(waczs["www2:url"].decode()).port
    www2 = {line.split(" ", 2)[0] for line in _index(waczs["www2"])}
    # read by hand: www2. dropped, escapes lower-cased, query sorted, as the surt package (pywb's) makes keys
    assert f"com,bao-mau:{port})/t%c3%acm-ki%e1%ba%bfm?a=1&q=%e1%ba%a1+b" in www2, www2


def test_the_viewer_verifies_the_signature(waczs: dict[str, bytes], viewer: ViewerServer, browser: object) -> None:
    records: list[dict[str, object]] = []
    _replayed_text(browser, viewer, "signed.wacz", waczs["vn"], waczs["vn:url"].decode(), records)
    by_id = {str(r["id"]): r for r in records}
    with zipfile.ZipFile(io.BytesIO(waczs["vn"])) as archive:
        signed = json.loads(archive.read("datapackage-digest.json"))["signedData"]
    assert by_id["signature"]["matched"] is True
    assert by_id["publicKey"]["expected"] == signed["publicKey"]  # shown as "Observer Public Key"


def test_datapackage_digest_is_signed_and_page_text_is_searchable(waczs: dict[str, bytes]) -> None:
    with zipfile.ZipFile(io.BytesIO(waczs["com"])) as archive:
        manifest = archive.read("datapackage.json")
        digest = json.loads(archive.read("datapackage-digest.json"))
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").splitlines()]
    assert verify_signed_digest(digest, manifest)
    assert not verify_signed_digest(digest, manifest.replace(b"Capture of", b"Capture 0f"))
    assert pages[0].get("hasText") is True and "khoảng trống" in pages[1]["text"]
