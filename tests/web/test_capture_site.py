"""One batch over the whole test site (HTTP and HTTPS), then what was stored is checked piece by piece.

Real Chromium, real warcprox, real vault: the batch runs once per module (one
browser, two pages at a time) and each test reads the items back.
"""

from __future__ import annotations

import email
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from warcio.archiveiterator import ArchiveIterator

from evidence_store import Item
from forensics_app.services.web import UrlOutcome, capture_web
from tests.web.conftest import ModuleVault, fast_options
from tests.web.site import BR_JS, GZ_CSS, PDF, TALL_HEIGHT, VIETNAMESE, ZIP

pytestmark = pytest.mark.slow

WARCIO_CHECK = ("import sys, collectors.web.warcio_compat; from warcio.cli import main; "
                "main(['check', '-v', sys.argv[1]])")
PATHS = ["/", "/redirect/1", "/loop/a", "/alert", "/popup", "/download", "/infinite", "/tall", "/doc.pdf",
         "/status/404", "/status/500", "/never",
         "/media/clip.webm"]


@pytest.fixture(scope="module")
def batch(module_vault: ModuleVault, http_site: str, https_site: str, site_tls: Any) -> dict[str, UrlOutcome]:
    urls = [http_site + p for p in PATHS] + [https_site + "/", https_site + "/broken-sub"]
    options = fast_options(extra_ca_files=(str(site_tls.cert_pem),), load_timeout=6)
    result = capture_web(module_vault.vault, module_vault.case.id, urls, options=options, concurrency=2)
    return {o.url.replace(http_site, "http:").replace(https_site, "https:"): o for o in result.outcomes}


def _item(batch: dict[str, UrlOutcome], key: str) -> Item:
    outcome = batch[key]
    assert outcome.status == "captured", outcome.error
    assert outcome.item is not None
    return outcome.item


def _warning(item: Item, code: str) -> Any:
    found = [w for w in item.warnings if w.code == code]
    assert found, f"no {code} warning on {item.source}: {[w.code for w in item.warnings]}"
    return found[0]


def _provenance(mv: ModuleVault, item: Item) -> dict[str, Any]:
    (prov,) = mv.children(item)["provenance"]
    return json.loads(mv.content(prov))


def _warc_records(mv: ModuleVault, item: Item) -> list[Any]:
    (warc,) = mv.children(item)["warc"]
    data = mv.content(warc)
    records = []
    for record in ArchiveIterator(io.BytesIO(data)):
        records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), record.rec_headers,
                        record.http_headers, record.raw_stream.read()))
    return records


def test_every_url_captured_and_stored_as_one_family(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    for key, outcome in batch.items():
        assert outcome.status == "captured", f"{key}: {outcome.error}"
        kinds = module_vault.children(outcome.item)  # type: ignore[arg-type]
        for kind in ("warc", "wacz", "provenance"):
            assert len(kinds.get(kind, [])) == 1, f"{key} lacks its {kind}"
        assert outcome.item.kind == "web_capture" and outcome.item.blob is None  # type: ignore[union-attr]
        assert all(c.sha256 and len(c.sha256) == 64 for c in outcome.children)


def test_main_page_bundle(module_vault: ModuleVault, batch: dict[str, UrlOutcome], tmp_path: Path) -> None:
    item = _item(batch, "http:/")
    kinds = module_vault.children(item)
    for kind in ("screenshot", "screenshot_viewport", "html", "mhtml", "pdf", "page_text"):
        assert len(kinds.get(kind, [])) == 1, kind
    viewport = Image.open(io.BytesIO(module_vault.content(kinds["screenshot_viewport"][0])))
    assert viewport.size == (1280, 800)
    full = Image.open(io.BytesIO(module_vault.content(kinds["screenshot"][0])))
    meta = kinds["screenshot"][0].metadata
    assert full.size == (meta["css_width"], meta["css_height"]) and full.size[1] > 6000
    assert VIETNAMESE in module_vault.content(kinds["page_text"][0]).decode("utf-8")
    assert "Xin chào" in module_vault.content(kinds["html"][0]).decode("utf-8")
    message = email.message_from_bytes(module_vault.content(kinds["mhtml"][0]))
    assert message.get_content_type() == "multipart/related"
    locations = [part.get("Content-Location") for part in message.walk()]
    assert any(str(loc).endswith("/frame") for loc in locations), locations  # the iframe is inside
    reader = PdfReader(io.BytesIO(module_vault.content(kinds["pdf"][0])))
    assert len(reader.pages) >= 1 and "Xin" in reader.pages[0].extract_text()


def test_warc_is_valid_and_keeps_encoded_bytes(module_vault: ModuleVault, batch: dict[str, UrlOutcome],
                                               tmp_path: Path) -> None:
    item = _item(batch, "http:/")
    (warc,) = module_vault.children(item)["warc"]
    path = module_vault.export(warc, tmp_path)
    # warcio's own checker; the compat module only lets it decode brotli with Google's binding
    check = subprocess.run([sys.executable, "-c", WARCIO_CHECK, str(path)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    records = _warc_records(module_vault, item)
    by_url = {(t, u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1]): (h, payload) for t, u, _, h, payload in records
              if u}
    headers, payload = by_url[("response", "static/style.css")]
    assert headers.get_header("Content-Encoding") == "gzip"
    assert payload == GZ_CSS  # the compressed bytes exactly as the server sent them
    assert gzip.decompress(payload).startswith(b"body {")
    headers, payload = by_url[("response", "static/app.js")]
    assert headers.get_header("Content-Encoding") == "br" and payload == BR_JS
    assert any(t == "request" for t, *_ in records), "request records are kept too"
    ips = {rh.get_header("WARC-IP-Address") for t, _, rh, _, _ in records if t == "response"}
    assert ips == {"127.0.0.1"}
    urls = {u for _, u, *_ in records if u}
    assert any(u.endswith("/img/lazy-native.png") for u in urls), "lazy image not loaded by scrolling"
    assert any(u.endswith("/img/lazy-js.png") for u in urls), "observer-driven lazy image not loaded"
    assert any(u.endswith("/media/clip.webm") for u in urls)


def test_wacz_validates_and_lists_attachments(module_vault: ModuleVault, batch: dict[str, UrlOutcome],
                                              tmp_path: Path) -> None:
    item = _item(batch, "http:/")
    (wacz,) = module_vault.children(item)["wacz"]
    path = module_vault.export(wacz, tmp_path)
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(path)], capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        package = json.loads(archive.read("datapackage.json"))
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    assert {"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json",
            "datapackage-digest.json", "attachments/screenshot-full.png", "attachments/page.pdf",
            "attachments/provenance.json"} <= names
    assert all(r["hash"].startswith("sha256:") for r in package["resources"])
    assert package["home"]["url"].endswith("/")


def test_provenance_record(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/")
    prov = _provenance(module_vault, item)
    assert prov["http_status"] == 200 and prov["complete"] is True
    assert any(s["ip"] == "127.0.0.1" for s in prov["servers"])
    assert prov["page"]["title"] == "Trang thử nghiệm — chứng cứ"
    assert prov["page"]["open_graph"]["og:title"] == ["Tiêu đề Open Graph"]
    assert prov["page"]["twitter_card"]["twitter:card"] == ["summary"]
    assert prov["page"]["json_ld"][0]["author"]["name"] == "Nguyễn Văn A"
    assert any(link["url"] == "https://example.org/ngoai" for link in prov["page"]["links"])
    assert prov["browser"]["version"].startswith("chromium ")
    major = prov["browser"]["version"].split()[1].split(".")[0]
    assert f"Chrome/{major}.0.0.0" in prov["emulation"]["user_agent"]
    assert "Headless" not in prov["emulation"]["user_agent"]  # pages see an ordinary browser
    assert prov["environment"]["tool"]["code_sha256"] and prov["environment"]["examiner"]["name"] == "Nguyễn Văn Kiểm"
    assert prov["environment"]["host"]["hostname"]
    assert prov["started_at"].endswith("Z") and prov["ended_at"] >= prov["started_at"]
    assert ["Content-Type", "text/html; charset=utf-8"] in prov["main_document"]["headers"]
    assert prov["dns"]["resolved_by_proxy"]["127.0.0.1"]["addresses"] == ["127.0.0.1"]
    assert item.metadata["provenance"]["final_url"] == prov["final_url"]
    assert [w.code for w in item.warnings] == ["clock_not_checked"]


def test_https_certificate_chain_recorded(module_vault: ModuleVault, batch: dict[str, UrlOutcome],
                                          site_tls: Any) -> None:
    item = _item(batch, "https:/")
    prov = _provenance(module_vault, item)
    (endpoint,) = [k for k in prov["tls"] if k.startswith("localhost:")]
    tls = prov["tls"][endpoint]
    assert tls["verified"] is True and tls["protocol"].startswith("TLSv1")
    assert tls["chain"][0]["sha256_fingerprint"] == site_tls.fingerprint
    assert "Forensics test site" in tls["chain"][0]["subject"]
    assert item.metadata["provenance"]["tls"][endpoint]["leaf_sha256"] == site_tls.fingerprint


def test_https_capture_of_a_clean_page_is_complete(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    """The browser accepts the recording proxy's certificates at the first handshake: no request fails."""
    item = _item(batch, "https:/")
    assert [w.code for w in item.warnings] == ["clock_not_checked"]
    assert item.metadata["complete"] is True
    prov = _provenance(module_vault, item)
    assert prov["failed_requests"] == [] and prov["complete"] is True
    assert any(e["url"].endswith("/static/style.css") for e in prov["exchanges"])


def test_https_failing_sub_request_still_reported(module_vault: ModuleVault, batch: dict[str, UrlOutcome],
                                                  https_site: str) -> None:
    item = _item(batch, "https:/broken-sub")
    warning = _warning(item, "requests_failed")
    assert item.metadata["complete"] is False
    failed = [r["url"] for r in warning.details["requests"]]
    site_port = https_site.rsplit(":", 1)[1]
    assert failed and all(site_port not in url for url in failed), failed  # only the dead server, not the site
    assert all("localhost:" in url for url in failed)


def test_redirect_chain(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/redirect/1")
    prov = _provenance(module_vault, item)
    assert [(h["url"].rsplit("/", 2)[-1], h["status"]) for h in prov["redirects"]] == [("1", 301), ("2", 302)]
    assert prov["final_url"].endswith("/redirect/final") and prov["http_status"] == 200
    assert not prov["redirect_loop"]


def test_redirect_loop_stopped_with_warning(batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/loop/a")
    _warning(item, "redirect_loop")
    assert item.metadata["complete"] is False and item.metadata["provenance"]["redirect_loop"] is True


def test_alert_dismissed_and_recorded(batch: dict[str, UrlOutcome]) -> None:
    warning = _warning(_item(batch, "http:/alert"), "dialog_dismissed")
    assert warning.details["message"] == "Cảnh báo thử nghiệm: lừa đảo!" and warning.details["type"] == "alert"


def test_popup_recorded(batch: dict[str, UrlOutcome]) -> None:
    warning = _warning(_item(batch, "http:/popup"), "popup_opened")
    assert warning.details["url"].endswith("/popup-target")


def test_download_is_its_own_item(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/download")
    (download,) = module_vault.children(item)["download"]
    assert download.metadata["suggested_filename"] == "evidence.zip"
    assert module_vault.content(download) == ZIP


def test_infinite_scroll_bounded_with_warning(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/infinite")
    _warning(item, "scroll_time_limit")
    assert item.metadata["complete"] is False
    prov = _provenance(module_vault, item)
    assert prov["scroll"]["seconds"] < 8


def test_tall_page_tiled_and_stitched(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/tall")
    kinds = module_vault.children(item)
    tiles = sorted(kinds["screenshot_tile"], key=lambda t: t.metadata["index"])
    assert len(tiles) == 4 and [t.metadata["css_top"] for t in tiles] == [0, 8000, 16000, 24000]
    heights = [Image.open(io.BytesIO(module_vault.content(t))).size for t in tiles]
    assert heights == [(1280, 8000)] * 3 + [(1280, TALL_HEIGHT - 24000)]
    full = Image.open(io.BytesIO(module_vault.content(kinds["screenshot"][0])))
    assert full.size == (1280, TALL_HEIGHT)
    assert full.getpixel((10, 500))[:3] == (204, 0, 0) and full.getpixel((10, 29_500))[:3] == (0, 0, 204)


def test_pdf_url_captured_as_the_file(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/doc.pdf")
    (original,) = module_vault.children(item)["download"]  # once, not again as a browser download
    assert original.metadata["role"] == "main_document" and module_vault.content(original) == PDF
    prov = _provenance(module_vault, item)
    assert prov["mode"] == "file" and prov["main_document"]["content_type"] == "application/pdf"


def test_video_url_captured_as_the_file(module_vault: ModuleVault, batch: dict[str, UrlOutcome],
                                        site_material: Any) -> None:
    item = _item(batch, "http:/media/clip.webm")
    kinds = module_vault.children(item)
    (original,) = [d for d in kinds["download"] if d.metadata.get("role") == "main_document"]
    assert module_vault.content(original) == site_material[1]
    assert "screenshot_viewport" in kinds  # what the browser showed
    assert _provenance(module_vault, item)["main_document"]["content_type"] == "video/webm"


@pytest.mark.parametrize("code", [404, 500])
def test_http_errors_captured_with_status(module_vault: ModuleVault, batch: dict[str, UrlOutcome], code: int) -> None:
    item = _item(batch, f"http:/status/{code}")
    assert _warning(item, "http_error_status").details["status"] == code
    assert item.metadata["provenance"]["http_status"] == code
    assert "screenshot" in module_vault.children(item)


def test_never_finishing_page_captured_as_it_was(module_vault: ModuleVault, batch: dict[str, UrlOutcome]) -> None:
    item = _item(batch, "http:/never")
    _warning(item, "load_timeout")
    _warning(item, "response_truncated")
    assert item.metadata["complete"] is False
    text = module_vault.content(module_vault.children(item)["page_text"][0]).decode()
    assert "Đang tải mãi" in text
    records = _warc_records(module_vault, item)
    (truncated,) = [rh for t, u, rh, _, _ in records if t == "response" and u.endswith("/never")]
    assert truncated.get_header("WARC-Truncated") == "time"  # still arriving when the capture ended


BROWSER_VENDOR_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "gvt2.com",
                        "googleusercontent.com", "doubleclick.net", "microsoft.com", "msn.com", "bing.com")


def test_no_request_of_the_browsers_own_in_the_evidence(module_vault: ModuleVault,
                                                        batch: dict[str, UrlOutcome]) -> None:
    """Update checks, sign-in, autofill, translation…: none may reach the WARC (or tell a vendor what is seen)."""
    from urllib.parse import urlsplit

    hosts: set[str] = set()
    for outcome in batch.values():
        if outcome.status == "captured" and outcome.item is not None:
            hosts |= {urlsplit(u).hostname or "" for _, u, *_ in _warc_records(module_vault, outcome.item) if u}
    assert hosts, "no WARC records read"
    print(f"\nhosts in the WARCs: {sorted(hosts)}")
    vendor = sorted(h for h in hosts if any(h == d or h.endswith("." + d) for d in BROWSER_VENDOR_HOSTS))
    assert not vendor, f"the browser's own requests were recorded: {vendor}"
