"""X (Twitter): a post and the replies shown under it.

X marks its parts with ``data-testid``: each post (the focal one and every
reply) is an ``article[data-testid="tweet"]`` with ``User-Name`` (display name
and ``@handle``), ``tweetText``, a ``<time datetime>`` inside the link to its
own ``/status/<id>``, and a ``role="group"`` whose label carries the counts
("12 replies, 34 reposts, 56 likes, 7 bookmarks, 8901 views"). The posts under
the focal one are its conversation: recorded as replies to it (X draws threads
as lines, which the markup does not name).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..availability import Phrases
from ..page import Element, PageDocument, dom_id, hashtags, image_url, links, mentions, preformatted_text, text_of
from ..platforms import PlatformMatch
from ..post_record import Comment, Count, Media, Person, PostRecord, TimeValue
from .base import ExpansionSpec, Extractor, register_extractor

TWEET = 'article[data-testid="tweet"]'
COUNT_NAMES = (
    ("comments", r"(?:replies|reply|câu trả lời|trả lời)"), ("reposts", r"(?:reposts?|bài đăng lại|lượt đăng lại)"),
    ("likes", r"(?:likes?|lượt thích)"), ("bookmarks", r"(?:bookmarks?|dấu trang)"), ("views", r"(?:views?|lượt xem)"),
)


@register_extractor
class XExtractor(Extractor):
    name = "x"
    ytdlp = True
    spec = ExpansionSpec(
        post=TWEET, comment=TWEET,
        see_more=("Show more", "Hiển thị thêm", "Xem thêm"),
        more_comments=("Show more replies", "Hiện thêm câu trả lời", "Hiển thị thêm câu trả lời",
                       "Show probable spam", "Hiển thị nội dung có thể là spam", "Show additional replies.*",
                       "Hiển thị thêm phản hồi.*"),
        dialog='[role=dialog], [data-testid="sheetDialog"]',
        dialog_labels=("Đăng nhập", "Log in", "Sign in", "Đừng bỏ lỡ", "Don’t miss", "Don't miss"),
        close_labels=("Đóng", "Close", "Not now", "Không phải bây giờ"),
        comment_pane="window",
        phrases=Phrases(unavailable=("Hmm...this page doesn’t exist", "This account doesn’t exist",
                                     "Tài khoản này không tồn tại")),
    )

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        tweets = doc.select(TWEET)
        focal = next((t for t in tweets if _status_id(doc, t) == match.post_id), tweets[0] if tweets else None)
        if focal is None:
            return record
        record.use_source("page (DOM)")
        author, time_value, ident = _head(doc, focal)
        record.author = author
        record.published = time_value
        record.post_id = ident or record.post_id
        body = doc.first('[data-testid="tweetText"]', focal)
        record.text = preformatted_text(body)
        record.hashtags, record.mentions = hashtags(record.text), mentions(record.text)
        record.links = [str(a.get("title") or "") if str(a.get("title") or "").startswith("http")
                        else doc.absolute(str(a.get("href"))) for a in doc.select("a[href]", body)
                        if str(a.get("href") or "").startswith("http")] if body is not None else []
        record.links = list(dict.fromkeys(record.links + links(record.text)))
        record.counts = _counts(doc, focal)
        record.media = _media(doc, focal)
        focal_index = tweets.index(focal)
        record.comments = [_reply(doc, t, record.post_id) for t in tweets[focal_index + 1:]]
        return record


def _status_id(doc: PageDocument, tweet: Element) -> str:
    for link in doc.select('a[href*="/status/"]', tweet):
        if doc.first("time", link) is not None:
            match = re.search(r"/status/(\d+)", str(link.get("href")))
            if match:
                return match.group(1)
    return ""


def _head(doc: PageDocument, tweet: Element) -> tuple[Person, TimeValue | None, str]:
    names = doc.first('[data-testid="User-Name"]', tweet)
    handle_link = next((a for a in doc.select('a[href^="/"]', names) if text_of(a).startswith("@")), None) \
        if names is not None else None
    name_link = doc.first('a[href^="/"]', names) if names is not None else None
    handle = text_of(handle_link) if handle_link is not None else ""
    name = text_of(name_link).split("\n")[0] if name_link is not None else ""
    link = handle_link if handle_link is not None else name_link
    href = doc.absolute(str(link.get("href"))) if link is not None else ""
    verified = doc.first('[data-testid="icon-verified"]', names) is not None if names is not None else None
    time_node = doc.first('a[href*="/status/"] time', tweet)
    when = doc.exact_time(time_node.get("datetime"), "<time datetime>") if time_node is not None else None
    if when is not None and time_node is not None:
        when.shown = f"{time_node.get('datetime')} (shown: {text_of(time_node)})"
    return Person(name=name if name != handle else "", handle=handle, profile_url=href, verified=verified), when, \
        _status_id(doc, tweet)


def _counts(doc: PageDocument, tweet: Element) -> dict[str, Count]:
    group = doc.first('[role="group"][aria-label]', tweet)
    if group is None:
        return {}
    label = str(group.get("aria-label"))
    out: dict[str, Count] = {}
    for name, words in COUNT_NAMES:
        match = re.search(r"([\d.,]+\s?[KkMmNB]?)\s+" + words + r"\b", label, re.IGNORECASE)
        if match:
            count = doc.count(match.group(0), "label of the counts bar (aria-label)")
            if count is not None:
                out[name] = count
    return out


def _media(doc: PageDocument, tweet: Element) -> list[Media]:
    out = []
    for img in doc.select('[data-testid="tweetPhoto"] img', tweet):
        url = image_url(img)
        if url:
            out.append(Media("image", _original(doc.absolute(url))))
    for video in doc.select('[data-testid="videoPlayer"] video, video', tweet):
        src = str(video.get("src") or "")
        source = doc.first("source[src]", video)
        if source is not None and not src:
            src = str(source.get("src"))
        url = "" if not src or src.startswith("blob:") else doc.absolute(src)
        if all(m.url != url or not url for m in out):
            out.append(Media("video", url, poster=doc.absolute(str(video.get("poster") or "")),
                             page_url=doc.final_url))
    return out


def _original(url: str) -> str:
    """pbs.twimg.com serves the full-size image with ``name=orig``."""
    if "pbs.twimg.com/media/" not in url:
        return url
    base = url.split("?")[0]
    fmt = re.search(r"format=(\w+)", url)
    return f"{base}?format={fmt.group(1) if fmt else 'jpg'}&name=orig"


def _reply(doc: PageDocument, tweet: Element, focal_id: str) -> Comment:
    author, when, ident = _head(doc, tweet)
    body = doc.first('[data-testid="tweetText"]', tweet)
    counts = _counts(doc, tweet)
    host = urlsplit(doc.final_url or doc.url).netloc
    handle = author.handle.lstrip("@")
    return Comment(id=ident or dom_id(text_of(tweet)), author=author,
                   text=preformatted_text(body), time=when,
                   reply_to=focal_id, depth=1,
                   url=f"https://{host}/{handle}/status/{ident}" if ident and handle else "",
                   reactions=counts.get("likes"),
                   media=[m.url for m in _media(doc, tweet) if m.url])
