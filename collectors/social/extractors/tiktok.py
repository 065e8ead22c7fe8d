"""TikTok: videos (and photo posts).

The page embeds ``__UNIVERSAL_DATA_FOR_REHYDRATION__``: ``webapp.video-detail``
holds the item (id, ``createTime`` as a Unix time, author with numeric id and
``uniqueId`` handle, stats, video addresses) and a status code (10204, 10216,
10222: unavailable, private). Comments are rendered with ``data-e2e`` hooks
(``comment-level-1``, ``comment-username-1``) and load as their list scrolls.
"""

from __future__ import annotations

from typing import Any

from ..availability import Phrases
from ..page import Element, PageDocument, dom_id, exact_count, text_of
from ..platforms import PlatformMatch
from ..post_record import LOGIN_REQUIRED, UNAVAILABLE, Availability, Comment, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

STATUS = {10204: (UNAVAILABLE, "unavailable in this region or removed"), 10216: (UNAVAILABLE, "private post"),
          10222: (LOGIN_REQUIRED, "private account"), 10221: (UNAVAILABLE, "account banned"),
          10101: (UNAVAILABLE, "server error")}
COMMENT = 'div[class*="DivCommentItemContainer"], div[class*="DivCommentObjectWrapper"]'


@register_extractor
class TikTokExtractor(Extractor):
    name = "tiktok"
    ytdlp = True
    spec = ExpansionSpec(
        post='div[class*="DivVideoDetailContainer"], div[class*="DivBrowserModeContainer"], main',
        comment='[data-e2e="comment-level-1"], [data-e2e="comment-level-2"]',
        clickable='[role=button], button, p[data-e2e="view-more-1"], div[class*="DivViewRepliesContainer"] span',
        see_more=("thêm", "more"),
        more_replies=(r"Xem \d+ câu trả lời", r"View \d+ repl(?:y|ies)", r"Xem thêm(?: \d+)?", r"View(?: \d+)? more"),
        dialog='div[class*="DivModalContainer"], [role=dialog]',
        dialog_labels=("Đăng nhập vào TikTok", "Log in to TikTok", "Đăng nhập", "Log in"),
        comment_pane='div[class*="DivCommentListContainer"]',
        phrases=Phrases(login=("Đăng nhập để xem bình luận", "Log in to see comments")),
    )

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        universal = _universal(doc)
        detail = universal.get("webapp.video-detail") or {}
        status = detail.get("statusCode")
        if isinstance(status, int) and status in STATUS:
            state, why = STATUS[status]
            record.availability = Availability(state, f"statusCode {status}: {why}",
                                               "TikTok's embedded data gave this status code",
                                               "dữ liệu nhúng của TikTok trả về mã trạng thái này")
        item = ((detail.get("itemInfo") or {}).get("itemStruct")) or {}
        before = record.filled()
        if item:
            _from_item(item, doc, record)
        else:
            _from_sigi(doc, record)
        record.provenance("embedded data", "__UNIVERSAL_DATA_FOR_REHYDRATION__ / SIGI_STATE item", before)
        _dom(doc, record)
        record.comments = _comments(doc)
        return record


def _universal(doc: PageDocument) -> dict[str, Any]:
    for data in doc.json_scripts('script#__UNIVERSAL_DATA_FOR_REHYDRATION__'):
        if isinstance(data, dict):
            return dict(data.get("__DEFAULT_SCOPE__") or {})
    return {}


def _from_item(item: dict[str, Any], doc: PageDocument, record: PostRecord) -> None:
    record.use_source("embedded data (__UNIVERSAL_DATA_FOR_REHYDRATION__)")
    record.post_id = str(item.get("id") or record.post_id)
    record.text = str(item.get("desc") or "")
    author = item.get("author") or {}
    handle = str(author.get("uniqueId") or "")
    record.author = Person(name=str(author.get("nickname") or ""), handle="@" + handle if handle else "",
                           profile_url=f"https://www.tiktok.com/@{handle}" if handle else "",
                           id=str(author.get("id") or ""), verified=author.get("verified"))
    record.published = doc.exact_time(item.get("createTime"), "embedded data (createTime)")
    for key, name in (("diggCount", "likes"), ("commentCount", "comments"), ("shareCount", "shares"),
                      ("playCount", "views"), ("collectCount", "saves")):
        count = exact_count((item.get("stats") or {}).get(key), f"embedded data (stats.{key})")
        if count is not None:
            record.counts[name] = count
    for extra in item.get("textExtra") or []:
        if extra.get("hashtagName"):
            record.hashtags.append("#" + str(extra["hashtagName"]))
        elif extra.get("userUniqueId"):
            record.mentions.append("@" + str(extra["userUniqueId"]))
    video = item.get("video") or {}
    best = ""
    for info in video.get("bitrateInfo") or []:
        urls = ((info.get("PlayAddr") or {}).get("UrlList")) or []
        if urls:
            best = best or urls[0]
    play = str(video.get("playAddr") or "")
    if video:
        record.media.append(Media("video", best or play, page_url=record.canonical_url or doc.final_url,
                                  alternatives=[u for u in (play, str(video.get("downloadAddr") or "")) if u and u != best],
                                  width=video.get("width"), height=video.get("height"),
                                  duration_seconds=float(video["duration"]) if video.get("duration") else None,
                                  poster=str(video.get("cover") or "")))
    for image in ((item.get("imagePost") or {}).get("images")) or []:
        urls = ((image.get("imageURL") or {}).get("urlList")) or []
        if urls:
            record.media.append(Media("image", urls[0], width=image.get("imageWidth"), height=image.get("imageHeight")))


def _dom(doc: PageDocument, record: PostRecord) -> None:
    if not record.author.name:
        handle = doc.text('[data-e2e="browse-username"]')
        record.author = Person(name=doc.text('[data-e2e="browser-nickname"] span') or handle, handle=handle)
    if not record.text:
        record.text = doc.text('[data-e2e="browse-video-desc"]')
    for key, name in (("like-count", "likes"), ("comment-count", "comments"), ("share-count", "shares")):
        if name not in record.counts:
            count = doc.count(doc.text(f'[data-e2e="{key}"]'))
            if count is not None:
                record.counts[name] = count
    if record.author.name or record.text:
        record.use_source("page (DOM)")


def _comments(doc: PageDocument) -> list[Comment]:
    out: list[Comment] = []
    parent = ""
    for node in doc.select('[data-e2e="comment-level-1"], [data-e2e="comment-level-2"]'):
        level = 1 if node.get("data-e2e") == "comment-level-1" else 2
        box = _container(node)
        user = doc.first(f'[data-e2e="comment-username-{level}"] a, a[href^="/@"]', box)
        href = doc.absolute(str(user.get("href") or "")) if user is not None else ""
        handle = "@" + href.rstrip("/").rsplit("@", 1)[-1] if "@" in href else ""
        ident = str(box.get("data-comment-id") or node.get("id") or dom_id(text_of(box)))
        shown = doc.text('[data-e2e^="comment-time"], span[class*="SpanCreatedTime"]', box)
        comment = Comment(id=ident, author=Person(name=text_of(user) if user is not None else "", handle=handle,
                                                  profile_url=href),
                          text=text_of(node), time=doc.time(shown), reply_to=parent if level == 2 else "",
                          depth=level - 1,
                          reactions=doc.count(doc.text('[data-e2e^="comment-like-count"]', box)))
        if level == 1:
            parent = ident
        out.append(comment)
    return out


def _container(node: Element) -> Element:
    current = node
    while current.getparent() is not None:
        current = current.getparent()
        classes = str(current.get("class") or "")
        if "DivCommentContentContainer" in classes or "DivCommentItemContainer" in classes \
                or "DivReplyContainer" in classes:
            return current
    return node.getparent() if node.getparent() is not None else node


def _from_sigi(doc: PageDocument, record: PostRecord) -> None:
    """Older pages (2020-2023) embed ``SIGI_STATE``: ``ItemModule[id]`` with the author in ``UserModule``."""
    for data in doc.json_scripts("script#SIGI_STATE"):
        if not isinstance(data, dict):
            continue
        items = data.get("ItemModule") or {}
        item = items.get(record.post_id) or next(iter(items.values()), None)
        if not isinstance(item, dict):
            continue
        users = ((data.get("UserModule") or {}).get("users")) or {}
        author = users.get(item.get("author")) or {"uniqueId": item.get("author"), "nickname": item.get("nickname"),
                                                    "id": item.get("authorId")}
        _from_item({**item, "author": author}, doc, record)
        record.sources[-1] = "embedded data (SIGI_STATE)"
        return
