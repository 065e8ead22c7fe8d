"""Getting to the page and watching what it does: dialogs, pop-ups, downloads, requests in flight.

Also judges the navigation afterwards from the proxy's journal: a main document
the proxy could not fetch (refused connection, invalid certificate, blocked
address) fails the capture with a clear message; a redirect loop, an HTTP error
status or a page that never finished loading become warnings.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urldefrag

from evidence_store.errors import CollectorError, SourceError
from evidence_store.naming import safe_filename

from .proxy import Journal
from .state import CaptureState
from .urls import AddressBlocked

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
RENDERED_TYPES = ("image/", "video/", "audio/", "text/plain", "application/json", "image/svg+xml")


class Watcher:
    """Event handlers for one page and its context (functions, never bound list methods)."""

    def __init__(self, state: CaptureState) -> None:
        self.state = state
        self.downloads: list[asyncio.Task[None]] = []
        self.inflight: dict[Any, str] = state.facts.setdefault("inflight", {})

    def install(self) -> None:
        page, context = self.state.page, self.state.context
        context.on("request", self._on_request)
        context.on("requestfinished", self._on_request_done)
        context.on("requestfailed", self._on_request_done)
        page.on("dialog", self._on_dialog)
        page.on("download", self._on_download)
        context.on("page", self._on_page)

    def _on_request(self, request: Any) -> None:
        self.inflight[request] = request.url
        self.state.facts["last_activity"] = time.monotonic()
        try:
            if request.is_navigation_request() and request.frame == self.state.page.main_frame:
                self.state.facts.setdefault("navigation_urls", []).append(request.url)
        except Exception:  # a detached frame: not the main document
            pass

    def _on_request_done(self, request: Any) -> None:
        self.inflight.pop(request, None)
        self.state.facts["last_activity"] = time.monotonic()

    def _on_download(self, download: Any) -> None:
        self.downloads.append(asyncio.ensure_future(self._save(download)))

    async def _on_dialog(self, dialog: Any) -> None:
        state = self.state
        state.event("dialog", type=dialog.type, message=dialog.message, default_value=dialog.default_value)
        state.warn("dialog_dismissed", f"a JavaScript {dialog.type} was dismissed: {dialog.message[:300]!r}",
                   f"hộp thoại JavaScript ({dialog.type}) đã được đóng: {dialog.message[:300]!r}",
                   type=dialog.type, message=dialog.message)
        try:
            await dialog.dismiss()
        except Exception:  # the page went away first
            pass

    async def _on_page(self, popup: Any) -> None:
        if popup == self.state.page:
            return
        try:
            await popup.wait_for_load_state("domcontentloaded", timeout=3000)
        except Exception:
            pass
        opener = await popup.opener() if hasattr(popup, "opener") else None
        self.state.event("popup", url=popup.url, opener=opener.url if opener else None)
        self.state.warn("popup_opened", f"the page opened a pop-up ({popup.url}); recorded, not captured",
                        f"trang mở cửa sổ bật lên ({popup.url}); đã ghi nhận, không thu thập", url=popup.url)
        try:
            await popup.close()
        except Exception:
            pass

    async def _save(self, download: Any) -> None:
        state = self.state
        folder = state.workdir / "downloads"
        folder.mkdir(exist_ok=True)
        name = safe_filename(download.suggested_filename or "download", fallback="download")[:120]
        target = folder / f"{len(list(folder.iterdir())) + 1:02d}-{name}"
        state.event("download", url=download.url, suggested_filename=download.suggested_filename)
        navigated = [state.url, *state.facts.get("navigation_urls", [])]
        if any(_same(download.url, url) for url in navigated):
            return  # the page itself is a file: it is taken from the WARC as the main document, not twice
        if state.staging is not None and state.staging.on_disk:
            # the browser would write it to disk unencrypted, so it refuses it (the context does not accept
            # downloads); the proxy still receives it whole, and it is taken from the WARC at the end
            state.facts.setdefault("downloads_from_warc", []).append(
                {"url": download.url, "suggested_filename": download.suggested_filename, "name": name})
            return
        try:
            await download.save_as(str(target))
        except Exception as exc:
            state.warn("download_failed", f"a download from {download.url} could not be saved: {exc}",
                       f"không lưu được tệp tải xuống từ {download.url}", url=download.url)
            return
        state.add_file("download", target, "application/octet-stream", name=name,
                       metadata={"url": download.url, "suggested_filename": download.suggested_filename,
                                 "role": "download_by_page"})

    async def finish_downloads(self, limit: float = 60) -> None:
        if not self.downloads:
            return
        done, pending = await asyncio.wait(self.downloads, timeout=max(5.0, min(limit, self.state.remaining())))
        for task in pending:
            task.cancel()
        if pending:
            self.state.warn("download_failed", f"{len(pending)} download(s) did not finish in time",
                            f"{len(pending)} tệp tải xuống chưa hoàn tất kịp thời", count=len(pending))


def _same(a: str, b: str) -> bool:
    return urldefrag(a)[0] == urldefrag(b)[0]


async def navigate(state: CaptureState, watcher: Watcher, journal: Journal) -> str:
    """Go to the URL; returns the mode: ``page``, ``rendered_file`` (image, text …) or ``file`` (PDF, archive …)."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    options = state.options
    timeout = max(1.0, min(options.load_timeout, state.remaining() - 5)) * 1000
    response = None
    try:
        response = await state.page.goto(state.url, wait_until="load", timeout=timeout)
    except PlaywrightTimeout:
        state.warn("load_timeout", f"the page did not finish loading within {int(timeout / 1000)} s; "
                   "it was captured as it was at that moment",
                   f"trang không tải xong trong {int(timeout / 1000)} giây; được thu thập ở trạng thái lúc đó",
                   seconds=int(timeout / 1000))
    except PlaywrightError as exc:
        message = str(exc.message or exc)
        if "Download is starting" in message or "net::ERR_ABORTED" in message:
            await asyncio.sleep(0.2)
            _raise_for_failure(state, journal)
            return "file"
        if "ERR_TOO_MANY_REDIRECTS" in message:
            state.event("navigation_error", error="too many redirects")
            return "page"
        _raise_for_failure(state, journal)
        state.warn("navigation_error", f"the browser reported: {message.splitlines()[0]}",
                   f"trình duyệt báo lỗi: {message.splitlines()[0]}")
        return "page"
    _raise_for_failure(state, journal)
    if response is None:
        return "page"
    content_type = (await response.header_value("content-type") or "").split(";")[0].strip().lower()
    if content_type in HTML_TYPES:
        return "page"
    if content_type.startswith(RENDERED_TYPES):
        return "rendered_file"
    return "file"


def _raise_for_failure(state: CaptureState, journal: Journal) -> None:
    """The main document failed at the proxy: say why, in the examiner's terms."""
    targets = {urldefrag(u)[0] for u in [state.url, *state.facts.get("navigation_urls", [])]}
    with journal.lock:
        failures = list(journal.failures)
    for failure in failures:
        url = urldefrag(str(failure["url"]))[0]
        if url not in targets:
            continue
        error = failure["error"]
        error_vi = failure.get("message_vi") or error
        if failure["tls_refused"]:
            raise CollectorError(f"{error}. The page was not captured",
                                 message_vi=f"{error_vi}. Trang không được thu thập", remedy="insecure")
        if failure["blocked"]:
            raise AddressBlocked(failure.get("message") or error, message_vi=error_vi, remedy="allow_private_addresses")
        if failure["error_type"] in ("ConnectionRefusedError",):
            raise SourceError(f"connection refused by {failure['host']}:{failure['port']}: nothing is listening "
                              "there", url=state.url,
                              message_vi=f"{failure['host']}:{failure['port']} từ chối kết nối: không có dịch vụ nào ở đó")
        if failure["error_type"] in ("timeout", "TimeoutError", "socket.timeout"):
            raise SourceError(f"timed out connecting to {failure['host']}:{failure['port']}", url=state.url,
                              message_vi=f"hết thời gian chờ kết nối tới {failure['host']}:{failure['port']}")
        if failure["error_type"] == "SourceError":
            raise SourceError(error, url=state.url, message_vi=error_vi)
        if url:
            raise SourceError(f"cannot fetch {state.url}: {error or failure['status']}", url=state.url,
                              message_vi=f"không tải được {state.url}: {error_vi or failure['status']}")


def judge(state: CaptureState, chain: dict[str, Any], journal: Journal) -> None:
    """Warnings read from what was recorded: redirects, status, truncated and failed requests."""
    if chain.get("loop") or chain.get("too_many"):
        hops = chain.get("hops", [])
        state.warn("redirect_loop", f"redirect loop: {len(hops)} redirects without reaching a page "
                   f"({' → '.join(h['url'] for h in hops[:4])} …); the redirects are recorded",
                   f"vòng lặp chuyển hướng: {len(hops)} lần chuyển hướng không đến được trang; đã ghi nhận",
                   redirects=len(hops))
    final = chain.get("final")
    if final is not None and final["status"] and int(final["status"]) >= 400:
        status = int(final["status"])
        state.warn("http_error_status", f"the server answered HTTP {status}; the response was captured as it was",
                   f"máy chủ trả lời HTTP {status}; phản hồi được thu thập nguyên trạng", status=status)
    truncated = [e for e in journal.exchanges if e["truncated"]]
    if truncated:
        state.warn("response_truncated", f"{len(truncated)} response(s) were cut off; they are in the WARC "
                   "marked WARC-Truncated",
                   f"{len(truncated)} phản hồi bị cắt; được ghi trong WARC với đánh dấu WARC-Truncated",
                   responses=[{"url": e["url"], "reason": e["truncation_reason"]} for e in truncated[:20]])
    blocked = [f for f in journal.failures if f["blocked"]]
    cut = [f for f in journal.failures if not f["blocked"] and f.get("at_capture_end")]
    failed = [f for f in journal.failures if not f["blocked"] and not f.get("at_capture_end")]
    if cut:
        state.warn("requests_cut", f"{len(cut)} request(s) of the page were still running when the capture ended "
                   "and were cut (not collected; not a failure of the site)",
                   f"{len(cut)} yêu cầu của trang vẫn đang chạy khi kết thúc thu thập và đã bị cắt (chưa thu được; "
                   "không phải lỗi của trang web)", requests=[f["url"] for f in cut[:20]])
    if blocked:
        state.warn("requests_blocked", f"{len(blocked)} request(s) to loopback or private addresses were refused",
                   f"{len(blocked)} yêu cầu tới địa chỉ nội bộ đã bị từ chối",
                   requests=[f["url"] for f in blocked[:20]])
    if failed:
        state.warn("requests_failed", f"{len(failed)} request(s) of the page failed at the network",
                   f"{len(failed)} yêu cầu của trang thất bại", requests=[
                       {"url": f["url"], "error": f["error"]} for f in failed[:20]])
    tls_bad = {k: v for k, v in journal.tls.items() if not v.get("verified")}
    if tls_bad:
        state.warn("tls_not_verified", "captured although the TLS certificate is not valid (as the examiner chose) "
                   "for " + ", ".join(f"{k} ({v.get('verification_error')})" for k, v in tls_bad.items()),
                   "đã thu thập dù chứng chỉ TLS không hợp lệ (theo lựa chọn của cán bộ) cho " + ", ".join(tls_bad),
                   endpoints=sorted(tls_bad))


async def collect_video(state: CaptureState, page: Any) -> None:
    if not state.options.video or page.video is None:
        return
    try:
        path = await page.video.path()
    except Exception as exc:
        state.warn("video_failed", f"the video could not be saved: {exc}", "không lưu được video")
        return
    from pathlib import Path

    video = Path(path)
    if video.is_file() and video.stat().st_size:
        state.add_file("video", video, "video/webm", name="capture-session.webm",
                       metadata={"what": "screen recording of the capture session (Playwright, WebM)"})
    else:
        state.warn("video_failed", "the video recorder produced no file", "không có tệp video")
