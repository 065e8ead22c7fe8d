"""The pieces of web capture that need no browser: URL rules, address policy, options, the proxy on its own,
redirect analysis, WACZ keys, tile stitching, browser discovery."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from collectors.web import CaptureOptions, describe_options, discover_browser, launch_args, normalise_url
from collectors.web.behaviours import register_behaviour
from collectors.web.browser import BrowserNotFound
from collectors.web.exchanges import redirect_chain
from collectors.web.proxy import ProxyPolicy, RecordingProxy, certificate_authority
from collectors.web.staging import Staging
from collectors.web.stitch import stitch_png
from collectors.web.urls import Resolver, is_restricted
from collectors.web.wacz import surt
from evidence_store import UsageError
from tests.web.site import GZ_CSS, Tls


@pytest.mark.parametrize("text, expected", [
    ("https://example.com", "https://example.com/"),
    ("HTTP://example.com/a?b=1#c", "http://example.com/a?b=1#c"),
    ("example.com/tin-tuc", "https://example.com/tin-tuc"),
    ("https://bộcôngan.vn/trang", "https://bộcôngan.vn/trang"),
])
def test_urls_accepted(text: str, expected: str) -> None:
    assert normalise_url(text) == expected


@pytest.mark.parametrize("text, words", [
    ("file:///etc/passwd", "only http and https"), ("javascript:alert(1)", "only http and https"),
    ("data:text/html,hi", "only http and https"), ("ftp://example.com/", "only http and https"),
    ("http://", "malformed"), ("https://example.com:99999/", "bad port"), ("", "empty"), ("a b", "spaces"),
])
def test_urls_refused(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        normalise_url(text)


@pytest.mark.parametrize("address, restricted", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.1.1", True), ("172.16.0.9", True), ("169.254.1.1", True),
    ("::1", True), ("fe80::1", True), ("::ffff:127.0.0.1", True), ("0.0.0.0", True),
    ("8.8.8.8", False), ("2001:4860:4860::8888", False), ("1.1.1.1", False),
])
def test_address_policy(address: str, restricted: bool) -> None:
    assert is_restricted(address) is restricted


def test_options_declared_once_and_checked() -> None:
    rows = describe_options()
    assert {r["name"] for r in rows} >= {"video", "device", "page_timeout", "insecure", "allow_private_addresses"}
    assert all(r["en"] and r["vi"] for r in rows), "every option needs English and Vietnamese help"
    assert next(r for r in rows if r["name"] == "video")["flag"] == "--video"
    record = CaptureOptions().to_record()
    assert json.loads(json.dumps(record)) == record
    with pytest.raises(UsageError, match="unknown device"):
        CaptureOptions(device="tablet")
    with pytest.raises(UsageError, match="positive"):
        CaptureOptions(page_timeout=0)
    with pytest.raises(UsageError, match="unknown capture option"):
        CaptureOptions.from_mapping({"vidoe": True})
    with pytest.raises(UsageError, match="whole number"):
        CaptureOptions.from_mapping({"page_timeout": "soon"})
    with pytest.raises(UsageError, match="MAP example.test"):
        CaptureOptions(host_rules=("example.test=1.2.3.4",))
    assert CaptureOptions.from_mapping({"page_timeout": "90", "video": 1}).page_timeout == 90
    assert CaptureOptions(host_rules=("MAP Example.Test 127.0.0.1",)).host_map == {"example.test": "127.0.0.1"}


def test_behaviour_names_are_unique() -> None:
    class Scroll:
        name = "scroll"

        async def run(self, state: Any) -> None: ...

    with pytest.raises(ValueError, match="already registered"):
        register_behaviour(Scroll())


def test_browser_discovery(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORENSICS_CHROMIUM", str(tmp_path / "nothing"))
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        discover_browser()
    monkeypatch.setenv("FORENSICS_CHROMIUM", "/usr/bin/chromium")
    assert discover_browser().source == "FORENSICS_CHROMIUM"
    monkeypatch.delenv("FORENSICS_CHROMIUM")
    with pytest.raises(BrowserNotFound, match="browser_path setting"):
        discover_browser(str(tmp_path / "missing"))
    assert discover_browser().path  # Debian's chromium, installed by the set-up
    args = launch_args(host_rules=("MAP a.test 127.0.0.1",))
    for flag in ("--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--disable-quic", "--host-resolver-rules=MAP a.test 127.0.0.1"):
        assert flag in args
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)


@pytest.mark.parametrize("url, key", [  # the forms the surt package (pywb's, py-wacz's) gives, read by hand
    ("https://www.Example.com:443/Path?b=2&a=1", "com,example)/path?a=1&b=2"),
    ("http://127.0.0.1:8080/x", "1,0,0,127:8080)/x"),  # IPv4 reversed like a name
    ("https://www2.example.vn/tin-tuc", "vn,example)/tin-tuc"),  # www, www2 … dropped
    ("https://bao.example.com/t%C3%ACm?q=%E1%BA%A1+b", "com,example,bao)/t%c3%acm?q=%e1%ba%a1+b"),
])
def test_surt_keys(url: str, key: str) -> None:
    assert surt(url) == key


def test_stitch_tiles(tmp_path: Path) -> None:
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
    tiles = []
    for index, (colour, height) in enumerate(zip(colours, (300, 300, 123), strict=True)):
        path = tmp_path / f"t{index}.png"
        Image.new("RGB", (64, height), colour).save(path)
        tiles.append(path)
    assert stitch_png(tiles, tmp_path / "full.png") == (64, 723)
    full = Image.open(tmp_path / "full.png")
    full.load()
    assert full.size == (64, 723)
    assert [full.getpixel((5, y)) for y in (0, 299, 300, 599, 600, 722)] == [
        colours[0], colours[0], colours[1], colours[1], colours[2], colours[2]]
    Image.new("RGB", (65, 10)).save(tmp_path / "odd.png")
    with pytest.raises(ValueError, match="width"):
        stitch_png([tiles[0], tmp_path / "odd.png"], tmp_path / "bad.png")


def _exchange(url: str, head: str, began: str = "2026-01-01T00:00:00.000000Z") -> dict[str, Any]:
    return {"url": url, "method": "GET", "raw_head": head, "remote_ip": "192.0.2.1", "remote_port": 80,
            "timestamp": began, "size": 10}


def test_redirect_chain_and_loop() -> None:
    chain = redirect_chain([
        _exchange("http://a.test/", "HTTP/1.1 301 Moved\r\nLocation: https://a.test/\r\n\r\n"),
        _exchange("https://a.test/", "HTTP/1.1 302 Found\r\nLocation: /home\r\n\r\n"),
        _exchange("https://a.test/home", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"),
    ], "http://a.test/", 20)
    assert [h["status"] for h in chain["hops"]] == [301, 302] and chain["final_url"] == "https://a.test/home"
    assert not chain["loop"]
    looping = [_exchange("http://b.test/x", "HTTP/1.1 302 Found\r\nLocation: /y\r\n\r\n"),
               _exchange("http://b.test/y", "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n")] * 3
    chain = redirect_chain(looping, "http://b.test/x", 20)
    assert chain["loop"] and chain["final"] is None


def test_redirect_chain_followed_when_the_proxy_recorded_its_hops_out_of_order() -> None:
    """The proxy records an exchange when it ends: under load the second hop was recorded before the first, and
    the chain stopped at it (final URL /redirect/2, no status), seen in a whole-suite run."""
    first = _exchange("http://c.test/redirect/1", "HTTP/1.1 301 Moved\r\nLocation: /redirect/2\r\n\r\n",
                      "2026-01-01T00:00:00.100000Z")
    second = _exchange("http://c.test/redirect/2", "HTTP/1.1 302 Found\r\nLocation: /final\r\n\r\n",
                       "2026-01-01T00:00:00.200000Z")
    final = _exchange("http://c.test/final", "HTTP/1.1 200 OK\r\n\r\n", "2026-01-01T00:00:00.300000Z")
    again = _exchange("http://c.test/redirect/2", "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\n",
                      "2026-01-01T00:00:09.000000Z")  # fetched again later by the page: not a hop of the chain
    for order in ([second, first, final, again], [again, final, second, first], [first, second, final, again]):
        chain = redirect_chain(order, "http://c.test/redirect/1", 20)
        assert chain["final_url"] == "http://c.test/final" and chain["final"] is final
        assert [h["status"] for h in chain["hops"]] == [301, 302] and not chain["loop"]


def _fetch(proxy: RecordingProxy, url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy.url}))
    try:
        with opener.open(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _proxy(tmp_path: Path, name: str, *, allow_private: bool, host_map: dict[str, str] | None = None,
           extra_ca_files: tuple[str, ...] = ()) -> RecordingProxy:
    (tmp_path / name).mkdir()
    staging = Staging.start(operation="test", root=tmp_path / name)
    return RecordingProxy(staging.sealed(), certificate_authority(tmp_path / name),
                          ProxyPolicy(allow_private=allow_private, extra_ca_files=extra_ca_files),
                          Resolver(host_map or {}), {"software": "test"}, staging.response_spool).start()


def test_media_fetcher_verifies_that_it_talks_to_the_capture_proxy(tmp_path: Path, https_site: str,
                                                                    site_tls: Tls) -> None:
    """A post's media are fetched through the recording proxy, which verifies the origin; the fetcher verifies
    the proxy by the session's CA (a certificate signed by another CA is refused), so no TLS hop is unverified and
    urllib3 has nothing to warn about."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    from collectors.social.media import Fetcher, MediaError
    from evidence_store.tasks import NEVER_CANCELLED

    proxy = _proxy(tmp_path, "proxy", allow_private=True, extra_ca_files=(str(site_tls.cert_pem),))
    ours = str(tmp_path / "proxy" / "capture-ca.pem")
    other = str(certificate_authority(tmp_path / "other").ca_file)

    def fetcher(ca_file: str, folder: str) -> Fetcher:
        return Fetcher(proxy.url, [], "test agent", https_site + "/", tmp_path / folder, NEVER_CANCELLED,
                       time.monotonic() + 60, 1 << 20, ca_file)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InsecureRequestWarning)
            fetched = fetcher(ours, "good").fetch(https_site + "/static/style.css", "style")
            with pytest.raises(MediaError, match="CERTIFICATE_VERIFY_FAILED"):
                fetcher(other, "bad").fetch(https_site + "/static/style.css", "style")
    finally:
        proxy.stop()
    assert fetched.sha256 == hashlib.sha256(fetched.path.read_bytes()).hexdigest() and fetched.size > 0


def test_proxy_refuses_loopback_unless_allowed_and_records_raw_bytes(tmp_path: Path, http_site: str) -> None:
    port = http_site.rsplit(":", 1)[1]
    guarded = _proxy(tmp_path, "guarded", allow_private=False, host_map={"evil.test": "127.0.0.1"})
    try:
        status, _ = _fetch(guarded, http_site + "/static/style.css")
        assert status >= 500
        status, _ = _fetch(guarded, f"http://evil.test:{port}/")  # a public-looking name pointing home
        assert status >= 500
    finally:
        guarded.stop()
    assert [f["blocked"] for f in guarded.journal.failures] == [True, True]
    assert guarded.journal.exchanges == []
    open_proxy = _proxy(tmp_path, "open", allow_private=True)
    try:
        status, body = _fetch(open_proxy, http_site + "/static/style.css")
    finally:
        open_proxy.stop()
    assert status == 200
    with open_proxy.warc.open() as warc:
        records = [(r.rec_type, r.raw_stream.read()) for r in ArchiveIterator(io.BytesIO(warc.read()))]
    assert [t for t, _ in records] == ["warcinfo", "response", "request"]
    assert records[1][1] == GZ_CSS
    (exchange,) = open_proxy.journal.exchanges
    assert exchange["remote_ip"] == "127.0.0.1" and exchange["remote_port"] == int(port)
    assert exchange["payload_digest"].startswith("sha256:")


def playwright_disabled_features() -> list[str]:
    """The ``disabledFeatures`` list of the installed Playwright driver, read from its own code."""
    import re

    import playwright

    lib = Path(playwright.__file__).parent / "driver" / "package" / "lib"
    for path in sorted(lib.rglob("*.js")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"chromiumSwitches\.ts.*?disabledFeatures = \[(.*?)\]", text, re.S)
        if found:
            return re.findall(r'^\s*"([^"]+)"', found.group(1), re.M)
    raise AssertionError("Playwright's chromiumSwitches not found in its driver")


def test_disable_features_keeps_playwrights_list() -> None:
    """Chromium keeps only the last --disable-features switch: ours must carry Playwright's list too."""
    switches = [arg for arg in launch_args() if arg.startswith("--disable-features=")]
    assert len(switches) == 1
    ours = set(switches[0].split("=", 1)[1].split(","))
    theirs = playwright_disabled_features()
    assert len(theirs) >= 10
    assert set(theirs) <= ours, sorted(set(theirs) - ours)
    assert {"AutofillServerCommunication", "OptimizationHints", "Translate"} <= ours
