"""The snapshot of a loaded page: screenshots (tiled when tall), DOM, MHTML, PDF, text, metadata.

Chromium renders very tall pages unreliably in one piece, so a page taller than
``tile_height`` is shot as ordered tiles (each clipped from the full page) and
the tiles are stitched into the full-page PNG as they come (:mod:`.fullpage`);
the tiles are kept too. A page taller than ``fullpage.STITCH_MAX_CSS_PX`` is
stored as ordered tiles only (the first tile is the ``screenshot``, with the
manifest of all of them), with a warning saying so. A page taller than ``max_page_height`` is cut there with
a warning: never silently.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from . import fullpage
from .fullpage import tiled_screenshot
from .staging import SealedFile
from .state import CaptureState

_DIMENSIONS = """() => {
  const el = document.scrollingElement || document.documentElement;
  const b = document.body;
  return [Math.max(el ? el.scrollWidth : 0, b ? b.scrollWidth : 0, window.innerWidth),
          Math.max(el ? el.scrollHeight : 0, b ? b.scrollHeight : 0, window.innerHeight)];
}"""

_METADATA = """(maxLinks) => {
  const metas = {};
  for (const m of document.querySelectorAll('meta[property], meta[name]')) {
    const key = m.getAttribute('property') || m.getAttribute('name');
    if (!key) continue;
    const k = key.toLowerCase();
    if (k.startsWith('og:') || k.startsWith('twitter:') || k.startsWith('article:') ||
        ['description', 'author', 'keywords', 'robots', 'generator', 'date'].includes(k)) {
      (metas[key] = metas[key] || []).push(m.getAttribute('content') || '');
    }
  }
  const jsonld = [...document.querySelectorAll('script[type="application/ld+json"]')].map(s => s.textContent || '');
  const seen = new Set(); const links = []; let total = 0;
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.href; if (!href || seen.has(href)) continue;
    seen.add(href); total += 1;
    if (links.length < maxLinks) links.push({url: href, text: (a.innerText || '').trim().slice(0, 200)});
  }
  const canonical = document.querySelector('link[rel="canonical"]');  // null-safe below
  const frames = [...document.querySelectorAll('iframe, frame')].map(f => f.src || '').filter(Boolean);
  const root = document.documentElement;
  return {title: document.title, lang: root ? (root.lang || '') : '', meta: metas, jsonld,
          links, links_total: total, canonical: canonical ? canonical.href : '', frames,
          charset: document.characterSet, content_type: document.contentType, ready_state: document.readyState};
}"""


async def page_metadata(state: CaptureState) -> dict[str, Any]:
    data: dict[str, Any] = await state.page.evaluate(_METADATA, state.options.max_links)
    parsed, errors = [], []
    for text in data.pop("jsonld", []):
        try:
            parsed.append(json.loads(text))
        except ValueError as exc:
            errors.append({"error": str(exc), "raw": text[:2000]})
    data["json_ld"] = parsed
    if errors:
        data["json_ld_unparsed"] = errors
    meta = data.get("meta", {})
    data["open_graph"] = {k: v for k, v in meta.items() if k.lower().startswith(("og:", "article:"))}
    data["twitter_card"] = {k: v for k, v in meta.items() if k.lower().startswith("twitter:")}
    if data.get("links_total", 0) > len(data.get("links", [])):
        state.warn("links_truncated", f"{data['links_total']} links on the page; the first {len(data['links'])} listed",
                   f"trang có {data['links_total']} liên kết; chỉ liệt kê {len(data['links'])} liên kết đầu",
                   total=data["links_total"])
    return data


async def screenshots(state: CaptureState) -> None:
    page, options = state.page, state.options
    viewport = await page.screenshot(timeout=_ms(state, 30))
    state.add_part("screenshot_viewport", "screenshot-viewport.png", "image/png", viewport,
                   metadata={"viewport": page.viewport_size, "device": options.device})
    width, height = await page.evaluate(_DIMENSIONS)
    shot_height = min(height, options.max_page_height)
    if height > options.max_page_height:
        state.warn("page_cut", f"the page is {height} px tall; the full-page screenshot stops at "
                   f"{options.max_page_height} px (the HTML, MHTML and WARC hold the whole page)",
                   f"trang cao {height} px; ảnh chụp toàn trang dừng ở {options.max_page_height} px "
                   "(HTML, MHTML và WARC chứa toàn bộ trang)", height=height, limit=options.max_page_height)
    meta: dict[str, Any] = {"css_width": width, "css_height": shot_height, "page_height": height,
                            "device_scale_factor": options.device_profile["scale"]}
    if shot_height <= options.tile_height:
        full = await page.screenshot(full_page=True, timeout=_ms(state, 60))
        meta["tiles"] = 0
        state.add_part("screenshot", "screenshot-full.png", "image/png", full, metadata=meta, in_wacz=True)
        return
    if shot_height > fullpage.STITCH_MAX_CSS_PX:  # stored as ordered tiles, the first as the screenshot
        count = await fullpage.ordered_tiles(state, width, shot_height, _ms(state, 60) / 1000, meta)
        state.warn("screenshot_in_tiles",
                   f"the page is {shot_height} px tall: its full-page screenshot is stored as {count} ordered "
                   f"tiles (screenshot-tile-001 … {count:03d}), not as one image",
                   f"trang cao {shot_height} px: ảnh chụp toàn trang được lưu thành {count} mảnh theo thứ tự "
                   f"(screenshot-tile-001 … {count:03d}), không ghép thành một ảnh", tiles=count, height=shot_height)
        return
    stitched = state.new_part()
    try:
        meta["tiles"] = await tiled_screenshot(state, width, shot_height, stitched, _ms(state, 60) / 1000)
    except BaseException:
        stitched.close()
        raise
    state.add_part("screenshot", "screenshot-full.png", "image/png", sealed=stitched, metadata=meta, in_wacz=True)


# The serialised DOM is parked under a registered symbol (invisible to the page's own enumeration) and read
# in slices: Playwright's transport slows down badly on one huge string, and re-serialising per slice costs more.
_SERIALISE = """() => {
  let html = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '';
  if (document.documentElement) html += document.documentElement.outerHTML;
  globalThis[Symbol.for('forensics-toolkit.dom')] = html;
  return html.length;
}"""
_SLICE = "(r) => globalThis[Symbol.for('forensics-toolkit.dom')].slice(r[0], r[1])"
_FORGET = "() => { delete globalThis[Symbol.for('forensics-toolkit.dom')]; }"
CHUNK = 8 * 1024 * 1024  # characters per round trip


async def rendered_html(state: CaptureState, target: SealedFile) -> int:
    """The serialised DOM (what ``page.content()`` gives), fetched in slices so a 50 MB page stays quick."""
    page = state.page
    length = int(await page.evaluate(_SERIALISE))
    try:
        for start in range(0, length, CHUNK):
            state.cancel.check()
            target.write(str(await page.evaluate(_SLICE, [start, start + CHUNK])).encode("utf-8", "surrogatepass"))
    finally:
        await page.evaluate(_FORGET)
    return length


async def documents(state: CaptureState) -> None:
    """Rendered DOM, visible text, MHTML (Chromium's snapshot, frames included), then the PDF print.

    Each comes over the DevTools connection into memory (or a sealed file). Chromium makes the MHTML through a
    temporary file of its own in its TMPDIR (``.org.chromium.Chromium.XXXXXX``, read back and removed): a file in
    the staging's memory folder, or, with the staging on disk, a plaintext file on disk, so there it is not made.
    """
    page, options = state.page, state.options
    html = state.new_part()
    try:
        length = await rendered_html(state, html)
    except BaseException:
        html.close()
        raise
    state.add_part("html", "page.html", "text/html; charset=utf-8", sealed=html,
                   metadata={"what": "rendered DOM after behaviours", "characters": length})
    text = await page.evaluate("() => document.body ? document.body.innerText : ''")
    state.add_part("page_text", "page.txt", "text/plain; charset=utf-8", str(text).encode("utf-8", "surrogatepass"),
                   metadata={"what": "visible text (innerText)"})
    if options.mhtml and length > options.mhtml_max_mb * 1024 * 1024:
        state.warn("mhtml_skipped", f"the page is {length // 2**20} MB; no MHTML above {options.mhtml_max_mb} MB "
                   "(the WARC and the HTML hold the page)",
                   f"trang {length // 2**20} MB; không tạo MHTML trên {options.mhtml_max_mb} MB "
                   "(WARC và HTML chứa trang)", characters=length)
    elif options.mhtml and state.staging is not None and state.staging.on_disk:
        state.warn("mhtml_not_made",
                   "no MHTML was made: Chromium writes its MHTML snapshot to a temporary file of its own, unencrypted, "
                   "in its folder, which is on disk (no memory file system was usable); the WARC and the HTML hold "
                   "the page",
                   "không tạo MHTML: Chromium ghi ảnh chụp MHTML ra một tệp tạm của nó, không mã hoá, trong thư mục "
                   "của nó, vốn nằm trên đĩa (không có hệ thống tệp trong bộ nhớ); WARC và HTML chứa trang",
                   reason="staging_on_disk")
    elif options.mhtml:
        snapshot = await _devtools(state, "Page.captureSnapshot", {"format": "mhtml"})
        state.add_part("mhtml", "page.mhtml", "multipart/related", snapshot["data"].encode("utf-8"),
                       metadata={"what": "Chromium MHTML snapshot"})
    if options.pdf:
        state.add_part("pdf", "page.pdf", "application/pdf", await print_pdf(state),
                       metadata={"what": "print to PDF (A4, backgrounds)"}, in_wacz=True)


#: Playwright's ``page.pdf(format="A4", print_background=True)``, asked with the PDF in the answer itself:
#: Playwright asks for a stream, which Chromium keeps in a temporary file (in plaintext) until it is read.
_PDF_A4 = {"printBackground": True, "paperWidth": 8.27, "paperHeight": 11.7, "marginTop": 0, "marginBottom": 0,
           "marginLeft": 0, "marginRight": 0, "scale": 1, "landscape": False, "displayHeaderFooter": False,
           "preferCSSPageSize": False, "transferMode": "ReturnAsBase64"}


async def print_pdf(state: CaptureState) -> bytes:
    answer = await _devtools(state, "Page.printToPDF", _PDF_A4)
    return await asyncio.to_thread(base64.b64decode, answer["data"])


async def _devtools(state: CaptureState, method: str, params: dict[str, Any]) -> Any:
    """One DevTools call on the page, over a session of its own (no emulation on it: detaching changes nothing)."""
    session = await state.context.new_cdp_session(state.page)
    try:
        return await session.send(method, params)
    finally:
        await session.detach()


def _ms(state: CaptureState, at_least: float) -> float:
    return max(at_least, state.remaining()) * 1000


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
