"""YouTube: videos and shorts.

The watch page embeds ``ytInitialPlayerResponse`` (video details, the exact
publication date, the channel id, playability: removed or private videos say
so there) and renders comments as ``ytd-comment-thread-renderer`` elements
(author link ``/@handle``, ``#content-text``, ``#published-time-text``), loaded
as the page is scrolled and behind "N replies" buttons.
"""

from __future__ import annotations

import re
from typing import Any

from ..availability import Phrases
from ..page import Element, PageDocument, dom_id, exact_count, hashtags, links, mentions, text_of, walk_json
from ..platforms import PlatformMatch
from ..post_record import AVAILABLE, LOGIN_REQUIRED, UNAVAILABLE, Availability, Comment, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

THREAD = "ytd-comment-thread-renderer"
COMMENT = "ytd-comment-view-model, ytd-comment-renderer"


@register_extractor
class YouTubeExtractor(Extractor):
    name = "youtube"
    ytdlp = True
    spec = ExpansionSpec(
        post="ytd-watch-metadata, #above-the-fold, ytd-reel-video-renderer", comment=COMMENT,
        clickable="[role=button], button, tp-yt-paper-button, ytd-button-renderer",
        see_more=(r"(?:…|\.\.\.)\s*(?:thêm|more)", "Hiện thêm", "Show more", "Xem thêm", "Read more", "Đọc thêm"),
        more_comments=("Hiện thêm bình luận", "Show more comments"),
        more_replies=(r"\d+ phản hồi", r"\d+ repl(?:y|ies)", "Hiện thêm phản hồi", "Show more replies",
                      "Xem thêm phản hồi"),
        ordering_open=("Sắp xếp theo", "Sort by"), ordering_all=("Mới nhất", "Newest first"),
        dialog="tp-yt-paper-dialog, ytd-consent-bump-v2-lightbox, [role=dialog]",
        dialog_labels=("Trước khi bạn tiếp tục", "Before you continue", "Đăng nhập", "Sign in"),
        close_labels=("Từ chối tất cả", "Reject all", "Không, cảm ơn", "No thanks", "Đóng", "Close"),
        comment_pane="window",
        phrases=Phrases(login_hosts=("accounts.google.com",)),
    )

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        player = doc.assigned_json("ytInitialPlayerResponse") or {}
        details = player.get("videoDetails") or {}
        micro = (player.get("microformat") or {}).get("playerMicroformatRenderer") or {}
        record.availability = _playability(player.get("playabilityStatus") or {})
        before = record.filled()
        if details:
            record.use_source("embedded data (ytInitialPlayerResponse)")
            record.post_id = str(details.get("videoId") or record.post_id)
            record.title = str(details.get("title") or "")
            record.text = str(details.get("shortDescription") or "")
            handle = str(micro.get("ownerProfileUrl") or "").rstrip("/").rsplit("/", 1)[-1]
            record.author = Person(name=str(details.get("author") or micro.get("ownerChannelName") or ""),
                                   handle=handle if handle.startswith("@") else "",
                                   profile_url=str(micro.get("ownerProfileUrl") or "").replace("http://", "https://"),
                                   id=str(details.get("channelId") or micro.get("externalChannelId") or ""))
            when = micro.get("publishDate") or micro.get("uploadDate")
            record.published = doc.exact_time(when, "embedded data (publishDate)") if when else None
            views = exact_count(details.get("viewCount"), "embedded data (viewCount)")
            if views is not None:
                record.counts["views"] = views
            likes = exact_count(micro.get("likeCount"), "embedded data (likeCount)")
            if likes is not None:
                record.counts["likes"] = likes
            _media(details, player, micro, record, doc)
        record.provenance("embedded data", "ytInitialPlayerResponse (videoDetails, microformat)", before)
        before = record.filled()
        _initial_data(doc, record)
        record.provenance("embedded data", "ytInitialData (comments header)", before)
        _dom(doc, record)
        record.hashtags = hashtags(record.text)
        record.mentions = mentions(record.text)
        record.links = links(record.text)
        record.comments = _comments(doc)
        return record

    def found(self, record: PostRecord) -> bool:
        return bool(record.title or record.author.id)


def _playability(status: dict[str, Any]) -> Availability:
    state = str(status.get("status") or "")
    reason = " ".join(str(status.get("reason") or "").split())
    sub = status.get("errorScreen", {}).get("playerErrorMessageRenderer", {}).get("subreason", {})
    detail = " ".join(str(r.get("text", "")) for r in sub.get("runs", [])) if isinstance(sub, dict) else ""
    if state in ("", "OK"):
        return Availability()
    if state == "LOGIN_REQUIRED":
        return Availability(LOGIN_REQUIRED, reason or state, f"YouTube's playability status is {state}",
                            f"trạng thái phát của YouTube là {state}")
    if state in ("ERROR", "UNPLAYABLE", "CONTENT_CHECK_REQUIRED", "AGE_CHECK_REQUIRED"):
        return Availability(UNAVAILABLE, " — ".join(x for x in (reason, detail) if x) or state,
                            f"YouTube's playability status is {state}", f"trạng thái phát của YouTube là {state}")
    return Availability(AVAILABLE, state, f"YouTube's playability status is {state}",
                        f"trạng thái phát của YouTube là {state}")


def _media(details: dict[str, Any], player: dict[str, Any], micro: dict[str, Any], record: PostRecord,
           doc: PageDocument) -> None:
    formats = [f for f in ((player.get("streamingData") or {}).get("formats") or []) if f.get("url")]
    formats.sort(key=lambda f: (int(f.get("height") or 0), int(f.get("bitrate") or 0)), reverse=True)
    thumbs = (details.get("thumbnail") or {}).get("thumbnails") or []
    poster = max(thumbs, key=lambda t: int(t.get("width") or 0)).get("url", "") if thumbs else ""
    video = Media("video", formats[0]["url"] if formats else "", page_url=record.canonical_url or doc.final_url,
                  alternatives=[f["url"] for f in formats[1:]], poster=poster,
                  width=_int(formats[0].get("width")) if formats else None,
                  height=_int(formats[0].get("height")) if formats else None,
                  duration_seconds=float(details["lengthSeconds"]) if details.get("lengthSeconds") else None)
    record.media.append(video)
    if poster:
        record.media.append(Media("image", poster, role="thumbnail"))


def _dom(doc: PageDocument, record: PostRecord) -> None:
    if not record.title:
        record.title = doc.text("ytd-watch-metadata h1, h1.ytd-watch-metadata, #title h1")
    if not record.author.name:
        link = doc.first("ytd-watch-metadata ytd-channel-name a, #owner ytd-channel-name a")
        if link is not None:
            href = doc.absolute(str(link.get("href") or ""))
            handle = href.rstrip("/").rsplit("/", 1)[-1]
            record.author = Person(name=text_of(link), handle=handle if handle.startswith("@") else "",
                                   profile_url=href)
    like = doc.first("like-button-view-model button, #top-level-buttons-computed like-button-view-model button")
    if like is not None and "likes" not in record.counts:
        count = doc.count(str(like.get("aria-label") or ""), "shown text (like button label)")
        if count is not None:
            record.counts["likes"] = count
    shown = doc.text("ytd-comments-header-renderer #count")
    if shown:
        count = doc.count(shown, "shown text (comments header)")
        if count is not None:
            record.counts["comments"] = count
    if record.published is None:
        record.published = doc.time(doc.text("#info-strings yt-formatted-string, #info span:last-child"))
    if record.title or record.author.name:
        record.use_source("page (DOM)")


def _comments(doc: PageDocument) -> list[Comment]:
    out: list[Comment] = []
    for thread in doc.select(THREAD):
        top = doc.first(f"#comment, {COMMENT}", thread)
        if top is None:
            continue
        parent = _comment(doc, top, "", 0)
        out.append(parent)
        for reply in doc.select(f"#replies {COMMENT}, ytd-comment-replies-renderer {COMMENT}", thread):
            if reply is not top:
                out.append(_comment(doc, reply, parent.id, 1))
    return out


def _comment(doc: PageDocument, node: Element, parent: str, depth: int) -> Comment:
    author = doc.first("#author-text", node)
    href = doc.absolute(str(author.get("href") or "")) if author is not None else ""
    handle = text_of(author).strip() if author is not None else ""
    time_link = doc.first("#published-time-text a, #published-time-text", node)
    link = doc.absolute(str(time_link.get("href") or "")) if time_link is not None else ""
    ident = link.split("lc=", 1)[1].split("&")[0] if "lc=" in link else dom_id(text_of(node))
    shown = text_of(time_link) if time_link is not None else ""
    likes = doc.count(doc.text("#vote-count-middle", node), "shown text (likes)")
    return Comment(id=ident, author=Person(name=handle, handle=handle if handle.startswith("@") else "",
                                           profile_url=href,
                                           id=href.rsplit("/channel/", 1)[1] if "/channel/" in href else ""),
                   text=doc.text("#content-text", node), time=doc.time(shown.replace("(đã chỉnh sửa)", "")
                                                                        .replace("(edited)", "").strip()),
                   reply_to=parent, depth=depth, url=link, reactions=likes)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _initial_data(doc: PageDocument, record: PostRecord) -> None:
    """``ytInitialData``: the comment count the page shows ("1 K") and the like button (its label "7,3 K", its
    accessibility text the exact number)."""
    data = doc.assigned_json("ytInitialData")
    if not isinstance(data, dict):
        return
    for node in walk_json(data):
        shown = node.get("commentCount")
        if "comments" not in record.counts and isinstance(shown, dict) and shown.get("simpleText"):
            count = doc.count(str(shown["simpleText"]), "embedded data (ytInitialData commentCount, as shown)")
            if count is not None:
                record.counts["comments"] = count
        button = node.get("likeButtonViewModel")
        if "likes" not in record.counts and isinstance(button, dict):
            model = next((n for n in walk_json(button) if n.get("iconName") == "LIKE" and n.get("title")), None)
            label = next((str(n["accessibilityText"]) for n in walk_json(button) if n.get("accessibilityText")), "")
            if model is not None:
                count = doc.count(str(model["title"]), "embedded data (ytInitialData like button, as shown)")
                exact = re.search(r"(\d[\d.,]*)", label)
                if count is not None and exact and count.approximate:
                    count.value, count.approximate = int(re.sub(r"\D", "", exact.group(1))), False
                    count.source += f"; the exact number from its label {label!r}"
                if count is not None:
                    record.counts["likes"] = count
