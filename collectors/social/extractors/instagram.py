"""Instagram: posts and reels (``/p/<code>/``, ``/reel/<code>/``).

The page embeds the media item in ``<script type="application/json">``
(``xdt_api__v1__media__shortcode__web_info``: ``taken_at`` as a Unix time, the
owner's numeric id and username, caption, counts, the image and video
versions with their sizes). Comments are list items with the commenter's
``/username/`` link, the text and a ``<time datetime>``; more load behind
"Load more comments", replies behind "View replies (N)".
"""

from __future__ import annotations

from typing import Any

from ..availability import Phrases
from ..page import Element, PageDocument, dom_id, exact_count, hashtags, links, mentions, text_of, walk_json
from ..platforms import PlatformMatch
from ..post_record import Comment, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

COMMENT = "ul li._a9zj, ul li[data-comment-id]"


@register_extractor
class InstagramExtractor(Extractor):
    name = "instagram"
    ytdlp = True
    spec = ExpansionSpec(
        post="article, main", post_end="ul._a9z6, ul._a9ym", comment=COMMENT,
        clickable="[role=button], button",
        see_more=("thêm", "more", "Xem thêm"),
        more_comments=("Tải thêm bình luận", "Load more comments", "Xem thêm bình luận", "View more comments"),
        more_replies=(r"Xem câu trả lời \(\d+\)", r"View replies \(\d+\)", r"Xem tất cả \d+ câu trả lời",
                      r"View all \d+ replies"),
        dialog="[role=dialog]", dialog_labels=("Đăng nhập", "Log in", "Đăng ký", "Sign up"),
        comment_pane="ul._a9z6, ul._a9ym",
        phrases=Phrases(login=("Đăng nhập để xem ảnh và video", "Log in to see photos and videos")),
    )

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        item = _item(doc, match.post_id or "")
        before = record.filled()
        if item:
            _from_item(item, doc, record)
        else:
            _from_shared_data(doc, record, match.post_id or "")
        record.provenance("embedded data", "xdt_api__v1__media__shortcode__web_info", before)
        if not record.author.handle:
            header = doc.first("article header a[href], header a[href]")
            if header is not None and text_of(header):
                handle = str(header.get("href")).strip("/").split("/")[0]
                record.author = Person(name=text_of(header), handle="@" + handle,
                                       profile_url=doc.absolute(f"/{handle}/"))
                record.use_source("page (DOM)")
        shown = _comments(doc)  # the DOM after expansion, unless the embedded data holds more
        if len(shown) >= len(record.comments):
            record.comments = shown
        return record


def _item(doc: PageDocument, code: str) -> dict[str, Any]:
    for data in doc.json_scripts():
        for node in walk_json(data):
            info = node.get("xdt_api__v1__media__shortcode__web_info")
            if isinstance(info, dict):
                items = [i for i in info.get("items") or [] if isinstance(i, dict)]
                chosen = next((i for i in items if i.get("code") == code), items[0] if items else None)
                if chosen:
                    return chosen
    return {}


def _from_item(item: dict[str, Any], doc: PageDocument, record: PostRecord) -> None:
    record.use_source("embedded data (xdt_api__v1__media__shortcode__web_info)")
    record.post_id = str(item.get("code") or record.post_id)
    user = item.get("user") or item.get("owner") or {}
    handle = str(user.get("username") or "")
    record.author = Person(name=str(user.get("full_name") or ""), handle="@" + handle if handle else "",
                           profile_url=f"https://www.instagram.com/{handle}/" if handle else "",
                           id=str(user.get("pk") or user.get("id") or ""), verified=user.get("is_verified"))
    record.published = doc.exact_time(item.get("taken_at"), "embedded data (taken_at)")
    record.text = str((item.get("caption") or {}).get("text") or "")
    record.hashtags, record.mentions, record.links = hashtags(record.text), mentions(record.text), links(record.text)
    for key, name in (("like_count", "likes"), ("comment_count", "comments"), ("play_count", "views"),
                      ("view_count", "views")):
        count = exact_count(item.get(key), f"embedded data ({key})")
        if count is not None and name not in record.counts:
            record.counts[name] = count
    for entry in (item.get("carousel_media") or [item]):
        record.media.extend(_versions(entry, record, doc))


def _versions(entry: dict[str, Any], record: PostRecord, doc: PageDocument) -> list[Media]:
    out = []
    videos = sorted(entry.get("video_versions") or [], key=lambda v: int(v.get("width") or 0), reverse=True)
    images = sorted(((entry.get("image_versions2") or {}).get("candidates") or []),
                    key=lambda v: int(v.get("width") or 0), reverse=True)
    if videos:
        out.append(Media("video", str(videos[0].get("url")), page_url=record.canonical_url or doc.final_url,
                         alternatives=[str(v.get("url")) for v in videos[1:]], width=videos[0].get("width"),
                         height=videos[0].get("height"), poster=str(images[0].get("url")) if images else ""))
    elif images:
        out.append(Media("image", str(images[0].get("url")), width=images[0].get("width"),
                         height=images[0].get("height"), alternatives=[str(v.get("url")) for v in images[1:]]))
    return out


def _comments(doc: PageDocument) -> list[Comment]:
    out: list[Comment] = []
    parent = ""
    for node in doc.select(COMMENT):
        is_reply = _is_reply(node)
        user = doc.first("h3 a[href], h2 a[href], a[href]", node)
        handle = str(user.get("href")).strip("/").split("/")[0] if user is not None else ""
        time_node = doc.first("time[datetime]", node)
        when = doc.exact_time(time_node.get("datetime"), "<time datetime>") if time_node is not None else None
        if when is not None and time_node is not None:
            when.shown = f"{time_node.get('datetime')} (shown: {text_of(time_node)})"
        ident = str(node.get("data-comment-id") or "") or dom_id(text_of(node))
        text_node = doc.first("span._a9zs, div._a9zs span", node)
        comment = Comment(id=ident, author=Person(name=handle, handle="@" + handle if handle else "",
                                                  profile_url=doc.absolute(f"/{handle}/") if handle else ""),
                          text=text_of(text_node) if text_node is not None else "", time=when,
                          reply_to=parent if is_reply else "", depth=1 if is_reply else 0,
                          reactions=doc.count(doc.text("button._a9ze, span._a9zf", node)))
        if not is_reply:
            parent = ident
        out.append(comment)
    return out


def _is_reply(node: Element) -> bool:
    current = node.getparent()
    while current is not None:
        if current.tag == "li" or "_a9yo" in str(current.get("class") or ""):
            return True
        if current.tag == "ul" and "_a9z6" in str(current.get("class") or ""):
            return False
        current = current.getparent()
    return False


def _from_shared_data(doc: PageDocument, record: PostRecord, code: str) -> None:
    """Pages of 2017-2022 embed ``window._sharedData`` (GraphQL ``shortcode_media``): the owner, the exact time
    (``taken_at_timestamp``), the caption, the counts and the comments shown."""
    shared = doc.assigned_json("_sharedData")
    posts = (((shared or {}).get("entry_data") or {}).get("PostPage") or []) if isinstance(shared, dict) else []
    media = next((p.get("graphql", {}).get("shortcode_media") for p in posts if isinstance(p, dict)), None)
    if not isinstance(media, dict):
        return
    record.use_source("embedded data (window._sharedData)")
    record.post_id = str(media.get("shortcode") or record.post_id)
    owner = media.get("owner") or {}
    handle = str(owner.get("username") or "")
    record.author = Person(name=str(owner.get("full_name") or ""), handle="@" + handle if handle else "",
                           profile_url=f"https://www.instagram.com/{handle}/" if handle else "",
                           id=str(owner.get("id") or ""), verified=owner.get("is_verified"))
    record.published = doc.exact_time(media.get("taken_at_timestamp"), "embedded data (taken_at_timestamp)")
    edges = ((media.get("edge_media_to_caption") or {}).get("edges")) or []
    record.text = str(((edges[0] or {}).get("node") or {}).get("text") or "") if edges else ""
    record.hashtags, record.mentions, record.links = hashtags(record.text), mentions(record.text), links(record.text)
    for key, name in (("edge_media_preview_like", "likes"), ("edge_media_to_parent_comment", "comments"),
                      ("edge_media_to_comment", "comments")):
        count = exact_count((media.get(key) or {}).get("count"), f"embedded data ({key}.count)")
        if count is not None and name not in record.counts:
            record.counts[name] = count
    if media.get("is_video") and media.get("video_url"):
        record.media.append(Media("video", str(media["video_url"]), page_url=record.canonical_url or doc.final_url,
                                  poster=str(media.get("display_url") or "")))
    elif media.get("display_url"):
        size = media.get("dimensions") or {}
        record.media.append(Media("image", str(media["display_url"]), width=size.get("width"),
                                  height=size.get("height")))
    for edge in ((media.get("edge_media_to_parent_comment") or {}).get("edges")) or []:
        node = (edge or {}).get("node") or {}
        _shared_comment(doc, record, node, "", 0)
        for reply in ((node.get("edge_threaded_comments") or {}).get("edges")) or []:
            _shared_comment(doc, record, (reply or {}).get("node") or {}, str(node.get("id") or ""), 1)


def _shared_comment(doc: PageDocument, record: PostRecord, node: dict[str, Any], parent: str, depth: int) -> None:
    owner = node.get("owner") or {}
    handle = str(owner.get("username") or "")
    record.comments.append(Comment(
        id=str(node.get("id") or ""), author=Person(name=handle, handle="@" + handle if handle else "",
                                                    profile_url=f"https://www.instagram.com/{handle}/" if handle else "",
                                                    id=str(owner.get("id") or "")),
        text=str(node.get("text") or ""), time=doc.exact_time(node.get("created_at"), "embedded data (created_at)"),
        reply_to=parent, depth=depth,
        reactions=exact_count((node.get("edge_liked_by") or {}).get("count"), "embedded data (edge_liked_by)")))
