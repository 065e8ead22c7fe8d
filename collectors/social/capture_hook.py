"""The social capture's artifact hook: after the expansion behaviours, before the web snapshot.

    read the rendered page → PostRecord (platform reader, availability)
      (meanwhile the element screenshot of the post, kept if the post is there)
    → media downloads (yt-dlp or direct, through the proxy)
    → the record as JSON (``social_post``), media files (``media``), the element shot (``screenshot_element``)

Everything it adds is a file of the web capture, so one post — page, WARC,
record and media — is stored as one vault batch by the web service. Shortfalls
become warnings on the capture; the login account, if any, goes into its provenance.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from collectors.web import CaptureState, register_partial_codes
from evidence_store.zones import DEFAULT_ZONE

from .extract import read_post
from .extractors.base import ExpansionSpec, Extractor, extractor_for
from .extractors.generic import oembed_link
from .media import Fetched, Fetcher, MediaError
from .page import PageDocument
from .platforms import detect
from .post_record import (
    AVAILABLE,
    CHECKPOINT,
    LOGIN_REQUIRED,
    NETWORK_FAILURE,
    NOT_RECOGNISED,
    UNAVAILABLE,
    Availability,
    Media,
    PostRecord,
)
from .timeparse import usable_zone

#: Warning codes that make a social capture partial (the content was not all there to record).
PARTIAL_CODES = ("login_wall", "checkpoint", "comments_incomplete", "comments_time_limit", "media_failed",
                 "extractor_failed", "reader_not_recognised", "post_network_failure")
register_partial_codes(*PARTIAL_CODES)
#: record notes that are also warnings on the capture
WARNING_NOTES = ("extractor_failed", "text_truncated", "structured_data_unreadable", "time_zone_fallback")

_CLIP = r"""({post, end}) => {
  const el = [...document.querySelectorAll(post)].find(e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0; });
  if (!el) return null;
  const r = el.getBoundingClientRect();
  let bottom = r.bottom;
  if (end) { const stop = el.querySelector(end); if (stop) { const s = stop.getBoundingClientRect();
    if (s.top > r.top + 20) bottom = Math.min(bottom, s.top); } }
  const x = Math.max(0, r.left + window.scrollX), y = Math.max(0, r.top + window.scrollY), height = bottom - r.top;
  const shown = r.left >= 0 && r.top >= 0 && r.left + r.width <= window.innerWidth && bottom <= window.innerHeight;
  return {clip: {x, y, width: r.width, height}, view: shown ? {x: r.left, y: r.top, width: r.width, height} : null};
}"""


@dataclass(frozen=True)
class SocialConfig:
    """What the service decides for a batch; the hook is built once per batch."""

    media: bool = True
    ytdlp: bool = True
    media_max_mb: int = 2048
    media_seconds: int = 900
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # login profile → account facts
    fallback_zone: str = DEFAULT_ZONE


class SocialHook:
    def __init__(self, config: SocialConfig) -> None:
        self.config = config

    async def __call__(self, state: CaptureState) -> None:
        timings = state.facts.setdefault("timings_ms", {})
        started = time.monotonic()
        await self._run(state, timings)
        timings["social_hook"] = int((time.monotonic() - started) * 1000)

    async def _run(self, state: CaptureState, timings: dict[str, int]) -> None:
        page = state.page
        match = detect(state.url)
        account = self.config.accounts.get(state.options.profile) if state.options.profile else None
        if account is not None:
            state.facts["account"] = account
        browser_zone, html = await asyncio.gather(_browser_zone(state), page.content())
        captured = datetime.now(UTC)
        zone, why = usable_zone(browser_zone, self.config.fallback_zone)
        doc = PageDocument(state.url, page.url, html, captured, zone)
        # The post's own screenshot is taken while the page is read (the reader's lxml work runs in a thread, the
        # shot in the browser); it is kept only if the post turns out to be there.
        step = time.monotonic()
        shooting = asyncio.ensure_future(_shoot_post(state, extractor_for(match.platform).spec))
        try:
            if match.platform == "generic":
                await _oembed(state, doc)
            record, extractor = await asyncio.to_thread(read_post, doc, match)  # lxml work off the browser's loop
            timings["social_read"] = int((time.monotonic() - step) * 1000)
            shot = await shooting
        finally:
            if not shooting.done():  # the reading failed or was cancelled: do not leave the shot running
                shooting.cancel()
                await asyncio.gather(shooting, return_exceptions=True)
        timings["social_read_and_post_shot"] = int((time.monotonic() - step) * 1000)
        if why:
            record.note("time_zone_fallback", f"{why}: wall-clock times on the page were read in {zone}",
                        f"{why}: giờ trên trang được đọc theo múi giờ {zone}", browser_zone=browser_zone, used=zone)
        record.expansion = dict(state.facts.get("social_expansion") or {})
        record.account = account
        _network(state, record)
        _judge(state, record)
        if record.availability.status == AVAILABLE:
            _keep_post_shot(state, extractor.spec, record, shot)
            if self.config.media:
                step = time.monotonic()
                await self._media(state, record, extractor)
                timings["social_media"] = int((time.monotonic() - step) * 1000)
        # else: no post on the page, and its screenshot (in memory) would show something else: dropped
        for note in record.notes:
            if note["code"] in WARNING_NOTES:
                state.warn(note["code"], note["message"], note["message_vi"], **note.get("details", {}))
        state.add_part("social_post", f"{record.platform}-post.json", "application/json",
                       json.dumps(record.to_json(), ensure_ascii=False, indent=1).encode("utf-8"),
                       metadata={"social": record.summary()}, in_wacz=True)

    async def _media(self, state: CaptureState, record: PostRecord, extractor: Extractor) -> None:
        if not record.media:
            return
        if state.staging is not None and state.staging.on_disk:
            # the downloaders (ours and yt-dlp with ffmpeg) write files: without a memory file system they would be
            # plaintext on disk, so the media are not fetched again; what the page loaded is in the WARC
            for medium in record.media:
                medium.status, medium.error = "skipped", "no memory file system was usable"
            state.warn("media_not_kept", f"the post's {len(record.media)} image(s)/video(s) were not downloaded as "
                       "separate files: the downloaders write them to disk unencrypted and no memory file system "
                       "was usable; what the page itself loaded is in the WARC",
                       f"{len(record.media)} ảnh/video của bài đăng không được tải thành tệp riêng: công cụ tải ghi "
                       "chúng ra đĩa dạng chưa mã hoá và không có hệ thống tệp trong bộ nhớ; những gì trang đã tải "
                       "có trong WARC", media=len(record.media), reason="staging_on_disk")
            return
        cookies = [dict(c) for c in await state.context.cookies()]
        fetcher = Fetcher(state.proxy_url, cookies, str(state.facts.get("user_agent") or ""), state.page.url,
                          state.workdir / "media", state.cancel, time.monotonic() + self.config.media_seconds,
                          self.config.media_max_mb * 1024 * 1024, state.proxy_ca_file)
        done: dict[str, list[Fetched]] = {}
        ytdlp_failed = ""
        for index, medium in enumerate(record.media, start=1):
            state.cancel.check()
            name = f"media-{index:02d}-{medium.role}-{medium.type}"
            use_ytdlp = (medium.type == "video" and self.config.ytdlp and extractor.ytdlp and medium.page_url
                         and not ytdlp_failed)
            try:
                if use_ytdlp:
                    key = "ytdlp:" + medium.page_url
                    if key not in done:
                        try:
                            done[key] = await asyncio.to_thread(fetcher.ytdlp, medium.page_url, name)
                        except MediaError as exc:
                            ytdlp_failed = str(exc)
                            medium.error = f"{exc}; fell back to the page's own address"
                            state.warn("ytdlp_failed", f"yt-dlp could not download the video of {medium.page_url}: "
                                       f"{exc}; the address the page gave was used instead",
                                       f"yt-dlp không tải được video của {medium.page_url}: {exc}; "
                                       "đã dùng địa chỉ trên trang", page=medium.page_url)
                    files = done[key] if key in done else await asyncio.to_thread(self._direct, fetcher, medium,
                                                                                   name, done)
                else:
                    files = await asyncio.to_thread(self._direct, fetcher, medium, name, done)
            except MediaError as exc:
                medium.status, medium.error = "failed", (medium.error + "; " if medium.error else "") + str(exc)
                state.warn("media_failed", f"a {medium.type} of the post could not be downloaded: {exc}",
                           f"không tải được {'ảnh' if medium.type == 'image' else 'video'} của bài đăng: {exc}",
                           url=medium.url, type=medium.type)
                continue
            medium.status = "downloaded"
            for fetched in files:
                if any(f["sha256"] == fetched.sha256 for f in medium.files):
                    continue
                medium.files.append({"name": fetched.path.name, "sha256": fetched.sha256, "size": fetched.size,
                                     "media_type": fetched.media_type, "via": fetched.via, "role": fetched.role,
                                     "url": fetched.url})
                if not any(f.path == fetched.path for f in state.files):
                    state.add_file("media", fetched.path, fetched.media_type or "application/octet-stream",
                                   metadata={"platform": record.platform, "post_id": record.post_id,
                                             "type": medium.type, "role": medium.role, "url": fetched.url,
                                             "via": fetched.via, "file_role": fetched.role, "sha256": fetched.sha256,
                                             **({"width": medium.width} if medium.width else {}),
                                             **({"height": medium.height} if medium.height else {}),
                                             **fetched.details})

    @staticmethod
    def _direct(fetcher: Fetcher, medium: Media, name: str, done: dict[str, list[Fetched]]) -> list[Fetched]:
        errors = []
        for url in [medium.url, *medium.alternatives]:
            if url in done:
                return done[url]
            try:
                done[url] = [fetcher.fetch(url, name)]
                return done[url]
            except MediaError as exc:
                errors.append(str(exc))
        raise MediaError("; ".join(errors) if errors else "no address to download from")


def _network(state: CaptureState, record: PostRecord) -> None:
    """The page itself could not be fetched (the browser's own error, e.g. a name that does not resolve): that is
    what the record says, never that the platform removed the post."""
    failed = next((w for w in state.warnings if w.code == "navigation_error"), None)
    if failed is not None and record.availability.status != AVAILABLE:
        record.availability = Availability(NETWORK_FAILURE, failed.message,
                                           "the page could not be fetched: a network failure is not a removal",
                                           "không tải được trang: lỗi mạng không có nghĩa là bài đăng đã bị gỡ")


def _judge(state: CaptureState, record: PostRecord) -> None:
    status, reason = record.availability.status, record.availability.reason
    if status == UNAVAILABLE:
        state.warn("content_unavailable", f"the platform says the content is not available: {reason!r}",
                   f"nền tảng cho biết nội dung không còn hiển thị: {reason!r}", reason=reason)
    elif status == NOT_RECOGNISED:
        state.warn("reader_not_recognised", f"the {record.platform} reader did not recognise a post on this page; "
                   "the page did not say the content is unavailable: see the screenshot, and complete the record "
                   "by hand (an annotation) if the post is shown",
                   f"bộ đọc {record.platform} không nhận ra bài đăng trên trang này; trang không nói nội dung không "
                   "còn hiển thị: xem ảnh chụp màn hình và bổ sung bản ghi bằng tay (ghi chú) nếu bài "
                   "đăng có hiển thị", final_url=record.final_url)
    elif status == NETWORK_FAILURE:
        state.warn("post_network_failure", f"the post's page could not be fetched ({reason}); this says nothing "
                   "about whether the post still exists", f"không tải được trang của bài đăng ({reason}); điều này "
                   "không cho biết bài đăng còn hay không", reason=reason)
    elif status == LOGIN_REQUIRED:
        state.warn("login_wall", f"a login wall hides the post ({reason}); capture with a login profile "
                   "to see it", f"trang yêu cầu đăng nhập ({reason}); hãy thu thập với hồ sơ đăng nhập để xem",
                   reason=reason)
    elif status == CHECKPOINT:
        state.warn("checkpoint", f"the platform stopped the account at a checkpoint ({reason}); the post was not "
                   "shown", f"nền tảng chặn tài khoản ở bước xác minh ({reason}); bài đăng không hiển thị",
                   reason=reason)
    short = comments_short(record)
    if status == AVAILABLE and short is not None:
        en, vi, details = short
        code = "comments_limit" if details["reason"] == "limit" else "comments_incomplete"
        state.warn(code, en, vi, **details)
        record.note("comments_shortfall", en, vi, **details)


def comments_short(record: PostRecord) -> tuple[str, str, dict[str, Any]] | None:
    """"N of M comments shown" with the reason, when the page states a total and fewer were recorded."""
    expected = record.comments_expected
    if expected is None or not record.comments_public or len(record.comments) >= expected:
        return None
    shown = record.counts["comments"]
    expansion = record.expansion or {}
    limit, stopped = expansion.get("limit", "all"), str(expansion.get("stopped") or "")
    n = len(record.comments)
    if isinstance(limit, int) and n >= limit:
        reason, en, vi = "limit", f"the --comments limit of {limit}", f"giới hạn --comments {limit}"
    elif stopped == "time limit":
        reason, en, vi = "time_limit", "the expansion's time limit", "hết thời gian mở rộng"
    elif stopped == "nothing left to expand":
        reason, en, vi = ("platform_stopped", "the platform offered nothing more to load (it counts comments it "
                          "does not show: hidden, deleted or restricted ones, or it stopped loading)",
                          "nền tảng không cho tải thêm (nền tảng đếm cả bình luận không hiển thị: bị ẩn, bị xoá, bị "
                          "hạn chế, hoặc ngừng tải)")
    elif not expansion:
        reason, en, vi = "not_expanded", "the page was read as served, without expanding comments", \
            "trang được đọc như khi tải về, không mở rộng bình luận"
    else:
        reason, en, vi = "unknown", f"the expansion stopped ({stopped or 'no reason given'})", \
            f"quá trình mở rộng dừng ({stopped or 'không rõ lý do'})"
    rounded = " (the platform's count is rounded)" if shown.approximate else ""
    rounded_vi = " (số của nền tảng đã làm tròn)" if shown.approximate else ""
    return (f"comments: {n} of {shown.shown} shown{rounded} were recorded; reason: {en}",
            f"bình luận: ghi nhận {n} trên {shown.shown} bình luận nền tảng hiển thị{rounded_vi}; lý do: {vi}",
            {"recorded": n, "shown": shown.shown, "expected": expected, "reason": reason})


class PostShot(NamedTuple):
    data: bytes  # PNG, in memory
    clip: dict[str, Any]  # CSS px of the page
    shot: str  # "viewport" (the post on screen whole, shot as shown) or "full page" (shot beyond the viewport)


async def _shoot_post(state: CaptureState, spec: ExpansionSpec) -> PostShot | Exception | None:
    """The element screenshot of the post, the error that stopped it, or None (no post element on the page)."""
    if not spec.post:
        return None
    try:
        found = await state.page.evaluate(_CLIP, {"post": spec.post, "end": spec.post_end})
        clip = found["clip"] if found else None
        if not clip or clip["width"] < 2 or clip["height"] < 2:
            return None
        if found["view"] is not None:  # on screen whole: shot as shown, without the page laid out anew for it
            return PostShot(await state.page.screenshot(clip=found["view"], timeout=30_000), clip, "viewport")
        clip["height"] = min(clip["height"], state.options.tile_height)
        return PostShot(await state.page.screenshot(clip=clip, full_page=True, timeout=30_000), clip, "full page")
    except Exception as exc:  # the full-page screenshot still shows the post
        return exc


def _keep_post_shot(state: CaptureState, spec: ExpansionSpec, record: PostRecord,
                    shot: PostShot | Exception | None) -> None:
    if isinstance(shot, Exception):
        state.warn("element_screenshot_failed", f"the post's own screenshot failed: {shot}",
                   f"không chụp được ảnh riêng của bài đăng: {shot}")
        return
    if shot is None:
        return
    digest, size = hashlib.sha256(shot.data).hexdigest(), len(shot.data)
    record.element_screenshot = {"name": "screenshot-post.png", "sha256": digest, "size": size,
                                 "clip_css_px": {k: round(float(v), 1) for k, v in shot.clip.items()}}
    state.add_part("screenshot_element", "screenshot-post.png", "image/png", shot.data,
                   metadata={"what": "the post itself (element screenshot)", "clip_css_px": shot.clip,
                             "selector": spec.post, "shot": shot.shot})


async def _browser_zone(state: CaptureState) -> str:
    try:
        return str(await state.page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") or "")
    except Exception:
        return ""


async def _oembed(state: CaptureState, doc: PageDocument) -> None:
    url = oembed_link(doc)
    if not url or not state.proxy_url:
        return
    fetcher = Fetcher(state.proxy_url, [dict(c) for c in await state.context.cookies()], str(state.facts.get("user_agent") or ""),
                      doc.final_url, state.workdir / "media", state.cancel, time.monotonic() + 20, 1 << 20,
                      state.proxy_ca_file)
    try:
        doc.extras["oembed"] = await asyncio.to_thread(fetcher.fetch_json, url)
    except Exception as exc:  # the oEmbed answer only completes the record
        state.warn("oembed_failed", f"the page's oEmbed answer could not be read: {exc}",
                   f"không đọc được oEmbed của trang: {exc}", url=url)
