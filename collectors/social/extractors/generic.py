"""Any other site: schema.org (JSON-LD and microdata, via extruct), Open Graph and oEmbed.

schema.org ``SocialMediaPosting``, ``DiscussionForumPosting``, ``BlogPosting``,
``Article`` and ``VideoObject`` give author, time, text, counts
(``interactionStatistic``) and media; ``Comment`` objects (with their own
nested ``comment``) give the comment table. Open Graph and the page's oEmbed
answer fill what structured data left empty.
"""

from __future__ import annotations

import re
from typing import Any

from ..page import PageDocument, exact_count, hashtags, links, mentions
from ..platforms import PlatformMatch
from ..post_record import Comment, Count, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

POST_TYPES = ("SocialMediaPosting", "DiscussionForumPosting", "BlogPosting", "LiveBlogPosting", "NewsArticle",
              "Article", "VideoObject", "ImageObject", "WebPage")
COUNT_NAMES = {"LikeAction": "likes", "CommentAction": "comments", "ShareAction": "shares", "WatchAction": "views",
               "ViewAction": "views", "FollowAction": "followers", "ReplyAction": "comments", "DislikeAction": "dislikes"}


@register_extractor
class GenericExtractor(Extractor):
    name = "generic"
    spec = ExpansionSpec(post="article, main, [itemtype$='Posting'], body", comment="[itemtype$='Comment']",
                         see_more=("See more", "Read more", "Xem thêm", "Đọc tiếp"),
                         more_comments=("(?:Load|Show|View) more comments", "Xem thêm bình luận", "Tải thêm bình luận"),
                         comment_pane="")

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        """Nothing platform-specific: schema.org, meta tags and oEmbed are read by the shared layers
        (:mod:`collectors.social.layers`) for every platform."""
        return self.new_record(doc, match)


class StructuredDataError(Exception):
    """extruct could not read the page's JSON-LD or microdata (a warning: the other layers still count)."""


def structured_items(doc: PageDocument) -> list[dict[str, Any]]:
    """JSON-LD and microdata items in one uniform shape (``@graph`` flattened); raises StructuredDataError."""
    import extruct

    try:
        data = extruct.extract(doc.html, base_url=doc.final_url or doc.url, syntaxes=["json-ld", "microdata"],
                               uniform=True, errors="ignore")
    except Exception as exc:  # extruct raises on some malformed documents
        raise StructuredDataError(f"{type(exc).__name__}: {exc}") from exc
    items: list[dict[str, Any]] = []
    for syntax in ("json-ld", "microdata"):
        for entry in data.get(syntax) or []:
            for item in entry.get("@graph", [entry]) if isinstance(entry, dict) else []:
                if isinstance(item, dict):
                    item.setdefault("_syntax", syntax)
                    items.append(item)
    return items


def types_of(item: dict[str, Any]) -> list[str]:
    value = item.get("@type") or []
    names = value if isinstance(value, list) else [value]
    return [str(n).rsplit("/", 1)[-1] for n in names]


def main_item(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    for wanted in POST_TYPES:
        for item in items:
            if wanted in types_of(item):
                return item
    return None


def fill_from_structured_data(doc: PageDocument, record: PostRecord, items: list[dict[str, Any]]) -> None:
    """Fill what is still empty from the main schema.org item (a field already read stays)."""
    item = main_item(items)
    if item is None:
        return
    source = "JSON-LD" if item.get("_syntax") == "json-ld" else "microdata"
    record.use_source(f"schema.org ({source})")
    record.title = record.title or _text(item.get("headline") or item.get("name"))
    record.text = record.text or _text(item.get("articleBody") or item.get("text") or item.get("description"))
    author = person(item.get("author") or item.get("creator"), doc)
    for key in ("name", "handle", "profile_url", "id"):
        if getattr(author, key) and not getattr(record.author, key):
            setattr(record.author, key, getattr(author, key))
    when = item.get("datePublished") or item.get("dateCreated") or item.get("uploadDate")
    if when and (record.published is None or record.published.utc is None):
        record.published = doc.exact_time(_text(when), f"schema.org datePublished ({source})")
    if not record.post_id and item.get("identifier"):
        record.post_id = _text(item.get("identifier"))
    for name, count in interaction_counts(item, source).items():
        record.counts.setdefault(name, count)
    if "commentCount" in item and "comments" not in record.counts:
        counted = exact_count(item.get("commentCount"), f"schema.org commentCount ({source})")
        if counted is not None:
            record.counts["comments"] = counted
    for media in media_of(item, doc):
        if all(m.url != media.url for m in record.media):
            record.media.append(media)
    replies = item.get("comment") or []
    if not record.comments:
        for entry in replies if isinstance(replies, list) else [replies]:
            _add_comment(entry, doc, record, parent="", depth=0)
    record.hashtags = record.hashtags or hashtags(record.text)
    record.mentions = record.mentions or mentions(record.text)
    record.links = record.links or links(record.text)


def person(value: Any, doc: PageDocument) -> Person:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return Person(name=value)
    if not isinstance(value, dict):
        return Person()
    url = _text(value.get("url") or (value.get("sameAs") if isinstance(value.get("sameAs"), str) else ""))
    handle = _text(value.get("alternateName"))
    ident = _text(value.get("identifier") or "")
    name = _text(value.get("name"))
    if name.startswith(("http://", "https://")):  # a microdata <link itemprop=name> read as its address
        name = ""
    return Person(name=name, handle=handle, profile_url=doc.absolute(url) if url else "",
                  id=ident)


def interaction_counts(item: dict[str, Any], source: str) -> dict[str, Count]:
    stats = item.get("interactionStatistic") or []
    out: dict[str, Count] = {}
    for stat in stats if isinstance(stats, list) else [stats]:
        if not isinstance(stat, dict):
            continue
        kind = stat.get("interactionType")
        if isinstance(kind, dict):
            kind = kind.get("@type")
        name = COUNT_NAMES.get(str(kind or "").rsplit("/", 1)[-1])
        count = exact_count(stat.get("userInteractionCount"), f"schema.org interactionStatistic ({source})")
        if name and count is not None:
            out.setdefault(name, count)
    return out


def media_of(item: dict[str, Any], doc: PageDocument) -> list[Media]:
    out: list[Media] = []
    types = types_of(item)
    if "VideoObject" in types and (item.get("contentUrl") or item.get("embedUrl")):
        out.append(Media("video", doc.absolute(_text(item.get("contentUrl"))), page_url=doc.final_url,
                         poster=_url(item.get("thumbnailUrl"), doc), duration_seconds=iso_duration(item.get("duration")),
                         alternatives=[doc.absolute(_text(item["embedUrl"]))] if item.get("embedUrl") else []))
    for key in ("video",):
        for video in _list(item.get(key)):
            if isinstance(video, dict):
                out += media_of({**video, "@type": "VideoObject"}, doc)
    for image in _list(item.get("image")):
        url = _url(image, doc)
        if url:
            out.append(Media("image", url))
    return out


def _add_comment(entry: Any, doc: PageDocument, record: PostRecord, parent: str, depth: int) -> None:
    if not isinstance(entry, dict):
        return
    ident = _text(entry.get("@id") or entry.get("url") or entry.get("identifier")) or f"c{len(record.comments) + 1}"
    when = entry.get("dateCreated") or entry.get("datePublished")
    comment = Comment(id=ident, author=person(entry.get("author"), doc), text=_text(entry.get("text")),
                      time=doc.exact_time(_text(when), "schema.org Comment dateCreated") if when else None,
                      reply_to=parent, depth=depth, url=_text(entry.get("url")))
    likes = interaction_counts(entry, "schema.org").get("likes")
    comment.reactions = likes
    record.comments.append(comment)
    for child in _list(entry.get("comment")):
        _add_comment(child, doc, record, parent=ident, depth=depth + 1)


def fill_from_open_graph(doc: PageDocument, record: PostRecord, image_role: str = "post") -> None:
    """Plain Open Graph for what is still empty. ``og:title``/``og:description`` are the post's title and text
    only on sites without their own rules (``platform == "generic"``): on a platform they name the site or the
    account, and the platform's rule file says which tag holds what."""
    title, description = doc.meta("og:title"), doc.meta("og:description")
    if not (title or description or doc.meta("og:image")):
        return
    record.use_source("Open Graph")
    if record.platform == "generic":
        record.title = record.title or title
        record.text = record.text or description
    if (record.published is None or record.published.utc is None) and doc.meta("article:published_time"):
        record.published = doc.exact_time(doc.meta("article:published_time"), "Open Graph article:published_time")
    if not record.author.name and doc.meta("article:author"):
        author = doc.meta("article:author")
        record.author = Person(name="" if author.startswith("http") else author,
                               profile_url=author if author.startswith("http") else "")
    for key, kind in (("og:video:secure_url", "video"), ("og:video:url", "video"), ("og:video", "video"),
                      ("og:image:secure_url", "image"), ("og:image", "image")):
        url = doc.meta(key)
        if url and all(m.url != doc.absolute(url) for m in record.media):
            read = record.media if image_role != "post" else [m for m in record.media if m.type == "image"]
            if kind == "image" and read:
                continue  # on a platform the shared picture is a preview: only when no layer read the post's media
            if kind == "video" and (any(m.type == "video" for m in record.media) or image_role != "post"):
                continue  # a platform's og:video is its embed player, not the file
            record.media.append(Media(kind, doc.absolute(url), role=image_role if kind == "image" else "post",
                                      page_url=doc.final_url))


def fill_from_oembed(doc: PageDocument, record: PostRecord) -> None:
    answer = doc.extras.get("oembed")
    if not isinstance(answer, dict):
        return
    record.use_source("oEmbed")
    record.title = record.title or _text(answer.get("title"))
    if not record.author.name and answer.get("author_name"):
        record.author = Person(name=_text(answer.get("author_name")), profile_url=_text(answer.get("author_url")))
    thumb = _text(answer.get("thumbnail_url"))
    if thumb and not any(m.type == "image" for m in record.media):
        record.media.append(Media("image", doc.absolute(thumb), role="thumbnail"))


def oembed_link(doc: PageDocument) -> str:
    node = doc.first('link[type="application/json+oembed"]')
    return doc.absolute(str(node.get("href"))) if node is not None and node.get("href") else ""


def iso_duration(value: Any) -> float | None:
    match = re.fullmatch(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", _text(value))
    if not match or not any(match.groups()):
        return None
    d, h, m, s = match.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _url(value: Any, doc: PageDocument) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("contentUrl") or value.get("url") or ""
    return doc.absolute(_text(value)) if value else ""


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return " ".join(str(value or "").split()) if not isinstance(value, str) or "\n" not in value else value.strip()
