"""Facebook: post permalinks, page/profile and group posts, photos, videos and reels.

Facebook's class names are generated and change weekly; what stays is the
accessibility markup (comments are ``role="article"`` labelled "Bình luận dưới
tên …" / "Comment by …"), the ``data-ad-*`` attributes around the post's
author and message, the links' query parameters (``comment_id``,
``reply_comment_id``, ``profile.php?id=``) and the Relay data embedded in
``<script type="application/json" data-sjs>`` (``post_id``, ``creation_time``,
``actors``, ``playable_url``), which we prefer where present.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..availability import Phrases
from ..page import Element, PageDocument, dom_id, image_url, query_param, text_of, walk_json, without_tracking
from ..platforms import PlatformMatch
from ..post_record import Comment, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

COMMENT_LABEL = re.compile(r"^(?:Bình luận dưới tên|Comment by)\s+(?P<name>.+?)(?:\s+(?:vào|lúc)\s|\s*$)", re.I)
REPLY_LABEL = re.compile(r"^(?:Phản hồi bình luận của .+? dưới tên|Reply by)\s+(?P<name>.+?)"
                         r"(?:\s+(?:vào|lúc|to)\s|\s*$)", re.I)
COUNT_WORDS = {
    "comments": re.compile(r"^[\d.,\s]+[KNMB]?(?:\s*(?:Tr|triệu|nghìn))?\s*(?:bình luận|comments?)$", re.I),
    "shares": re.compile(r"^[\d.,\s]+[KNMB]?(?:\s*(?:Tr|triệu|nghìn))?\s*(?:lượt chia sẻ|shares?)$", re.I),
    "views": re.compile(r"^[\d.,\s]+[KNMB]?(?:\s*(?:Tr|triệu|nghìn))?\s*(?:lượt xem|views?|plays?)$", re.I),
}
REACTIONS_LABEL = re.compile(r"^(?:Tất cả cảm xúc|All reactions):?\s*", re.I)
SEE_MORE_TAIL = re.compile(r"(?:…|\.\.\.)?\s*(?:Xem thêm|See more)\s*$")
MESSAGE = '[data-ad-preview="message"], [data-ad-comet-preview="message"], [data-ad-rendering-role="story_message"]'
POST_ROOT = 'div[role="main"] div[aria-labelledby][aria-describedby]'


@register_extractor
class FacebookExtractor(Extractor):
    name = "facebook"
    ytdlp = True
    spec = ExpansionSpec(
        post=POST_ROOT, post_end='div[role="article"], [data-forensics-comments]',
        comment='div[role="article"][aria-label]',
        see_more=("Xem thêm", "See more"),
        more_comments=(r"Xem thêm(?: \d+)? bình luận(?: trước| khác)?", r"Xem \d+ bình luận (?:trước|khác)",
                       r"View(?: \d+)? (?:more|previous) comments?", "Xem các bình luận trước", "Xem bình luận trước"),
        more_replies=(r"Xem(?: tất cả| thêm)? \d+ (?:phản hồi|câu trả lời)", r"View(?: all| \d+ more)? \d* ?repl(?:y|ies)",
                      "Xem thêm phản hồi", "View more replies", r"\d+ phản hồi",
                      r".+ đã phản hồi\s*·\s*\d+ phản hồi", r".+ replied\s*·\s*\d+ repl(?:y|ies)"),
        ordering_open=("Phù hợp nhất", "Most relevant", "Mới nhất", "Newest"),
        ordering_all=("Tất cả bình luận", "All comments"),
        dialog_labels=("Đăng nhập", "Log in", "Xem thêm trên Facebook", "See more on Facebook"),
        phrases=Phrases(login=("Đăng nhập Facebook", "Log in to Facebook", "Log into Facebook"),
                        checkpoint=("Chúng tôi cần xác nhận", "We need to confirm", "Tài khoản của bạn đã bị tạm khóa",
                                    "Your account has been temporarily locked")),
    )

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        root = doc.first(POST_ROOT)
        root = root if root is not None else doc.first('div[role="main"]')
        if root is None:
            return record
        record.use_source("page (DOM)")
        comments = [a for a in doc.select(self.spec.comment, root) if _label_match(a)]
        in_comment = {el for a in comments for el in a.iter()}  # elements (kept alive), not id()s
        _author(doc, root, record, in_comment)
        _message(doc, root, record, in_comment)
        _counts(doc, root, record, in_comment)
        _media(doc, root, record, in_comment)
        before = record.filled()
        _embedded(doc, record)
        record.provenance("embedded data", "Relay data (creation_time, actors, playable_url)", before)
        record.comments = [c for c in (_comment(doc, a) for a in comments) if c is not None]
        _link_replies(record.comments)
        return record


def _label_match(article: Element) -> re.Match[str] | None:
    label = " ".join(str(article.get("aria-label") or "").split())
    return REPLY_LABEL.match(label) or COMMENT_LABEL.match(label)


def person_from_link(href: str, name: str) -> Person:
    """Profile address and id from a link: ``profile.php?id=N`` carries the numeric id, else the handle."""
    if not href:
        return Person(name=name)
    parts = urlsplit(href)
    if parts.path.rstrip("/") in ("/profile.php", "/people") or parts.path.startswith("/people/"):
        ident = query_param(href, "id") or parts.path.rstrip("/").rsplit("/", 1)[-1]
        return Person(name=name, id=ident, profile_url=without_tracking(href, keep=("id",)))
    handle = parts.path.strip("/").split("/")[0]
    return Person(name=name, handle=handle, profile_url=without_tracking(href),
                  id=handle if handle.isdigit() else "")


def _author(doc: PageDocument, root: Element, record: PostRecord, skip: set[Element]) -> None:
    for css in ('[data-ad-rendering-role="profile_name"] a', "h2 a", "h3 a", "strong a"):
        for link in doc.select(css, root):
            if link in skip or not text_of(link):
                continue
            record.author = person_from_link(doc.absolute(str(link.get("href") or "")), text_of(link))
            return


def _message(doc: PageDocument, root: Element, record: PostRecord, skip: set[Element]) -> None:
    node = next((n for n in doc.select(MESSAGE, root) if n not in skip), None)
    if node is None:
        return
    text = text_of(node)
    record.text = SEE_MORE_TAIL.sub("", text).strip()
    if SEE_MORE_TAIL.search(text):
        record.note("text_truncated", "the post text still ends in 'See more': it may be cut",
                    "nội dung bài đăng vẫn kết thúc bằng 'Xem thêm': có thể chưa đầy đủ")
    for link in doc.select("a[href]", node):
        href = doc.absolute(str(link.get("href")))
        label = text_of(link)
        if "/hashtag/" in href:
            record.hashtags.append(label if label.startswith("#") else "#" + label)
        elif "l.facebook.com/l.php" in href:
            record.links.append(query_param(href, "u") or href)
        elif urlsplit(href).hostname and "facebook.com" in (urlsplit(href).hostname or "") and label:
            record.mentions.append(label)
        elif href.startswith("http") and "facebook.com" not in href:
            record.links.append(href)
    record.hashtags = list(dict.fromkeys(record.hashtags))
    record.mentions = list(dict.fromkeys(record.mentions))
    record.links = list(dict.fromkeys(record.links))


def _counts(doc: PageDocument, root: Element, record: PostRecord, skip: set[Element]) -> None:
    for node in root.iter():
        if node in skip or not isinstance(node.tag, str):
            continue
        own = " ".join((node.text or "").split())
        if REACTIONS_LABEL.match(own) and "reactions" not in record.counts and node.getparent() is not None:
            shown = REACTIONS_LABEL.sub("", text_of(node.getparent())).strip()
            count = doc.count(shown, "shown text ('All reactions')")
            if count is not None:
                record.counts["reactions"] = count
        text = text_of(node) if len(node) == 0 else own
        for name, pattern in COUNT_WORDS.items():
            if name not in record.counts and pattern.match(text):
                count = doc.count(text, "shown text")
                if count is not None:
                    record.counts[name] = count
    time_link = next((a for a in doc.select("a[href]", root) if a not in skip and _is_post_link(a)), None)
    if time_link is not None and record.published is None:
        record.published = doc.time(str(time_link.get("aria-label") or "") or text_of(time_link),
                                    "shown text (the post's time link)")


def _is_post_link(link: Element) -> bool:
    href = str(link.get("href") or "")
    return any(part in href for part in ("/posts/", "story_fbid=", "/permalink/", "/videos/", "/reel/")) \
        and "comment_id" not in href and bool(text_of(link) or link.get("aria-label"))


def _media(doc: PageDocument, root: Element, record: PostRecord, skip: set[Element]) -> None:
    for img in doc.select('a[href*="/photo"] img, div[data-visualcompletion="media-vc-image"] img', root):
        url = image_url(img)
        if img in skip or not url:
            continue
        record.media.append(Media("image", doc.absolute(url), width=_int(img.get("width")),
                                  height=_int(img.get("height"))))
    for video in doc.select("video", root):
        if video in skip:
            continue
        src = str(video.get("src") or "")
        record.media.append(Media("video", "" if src.startswith("blob:") else doc.absolute(src),
                                  poster=doc.absolute(str(video.get("poster") or "")), page_url=doc.final_url))


def _embedded(doc: PageDocument, record: PostRecord) -> None:
    """Relay data: the story's id, exact creation time, author id, and the video's direct addresses."""
    story = None
    for data in doc.json_scripts():
        for node in walk_json(data):
            is_story = "creation_time" in node and ("post_id" in node or "actors" in node)
            if is_story and (story is None or str(node.get("post_id")) == record.post_id):
                story = node
            for key, quality in (("browser_native_hd_url", "hd"), ("playable_url_quality_hd", "hd"),
                                 ("browser_native_sd_url", "sd"), ("playable_url", "sd")):
                url = node.get(key)
                if isinstance(url, str) and url.startswith("http"):
                    _video_url(record, url, quality, doc)
    if story is None:
        return
    record.use_source("embedded data (Relay)")
    if story.get("post_id"):
        record.post_id = str(story["post_id"])
    published = doc.exact_time(story.get("creation_time"), "embedded data (creation_time)")
    if published is not None:
        if record.published is not None and record.published.shown:
            published.rule += f"; the page showed {record.published.shown!r}"
            published.rule_vi += f"; trang hiển thị {record.published.shown!r}"
        record.published = published
    actors = story.get("actors") or []
    actor = actors[0] if actors and isinstance(actors[0], dict) else {}
    if actor.get("id"):
        record.author.id = str(actor["id"])
        record.author.name = record.author.name or str(actor.get("name") or "")
        if actor.get("url") and not record.author.profile_url:
            record.author.profile_url = str(actor["url"])


def _video_url(record: PostRecord, url: str, quality: str, doc: PageDocument) -> None:
    videos = [m for m in record.media if m.type == "video"]
    if any(url in (m.url, *m.alternatives) for m in videos):
        return
    if videos and not videos[0].url:
        videos[0].url = url
    elif videos and quality == "hd" and videos[0].url:
        videos[0].alternatives.append(videos[0].url)
        videos[0].url = url
    elif videos:
        videos[0].alternatives.append(url)
    else:
        record.media.append(Media("video", url, page_url=doc.final_url))


def _comment(doc: PageDocument, article: Element) -> Comment | None:
    labelled = _label_match(article)
    nested = {el for inner in doc.select('div[role="article"]', article) for el in inner.iter()}
    texts: dict[Element, str] = {}  # each element's text worked out once (a comment asks for some several times)

    def text(node: Element) -> str:
        if node not in texts:
            texts[node] = text_of(node)
        return texts[node]

    links = [a for a in doc.select("a[href]", article) if a not in nested and text(a)]
    time_link, when = None, None
    for a in links:  # the first link to the comment itself whose text is a time
        if "comment_id" in str(a.get("href") or ""):
            when = doc.time(text(a), "shown text (the comment's time link)")
            if when is not None and when.utc is not None:
                time_link = a
                break
    when = when if time_link is not None else None
    author_link = next((a for a in links if a is not time_link), None)
    name = text(author_link) if author_link is not None else (labelled.group("name") if labelled else "")
    author = person_from_link(doc.absolute(str(author_link.get("href"))) if author_link is not None else "", name)
    body = next((d for d in doc.select('div[dir="auto"]', article) if d not in nested and text(d) != name), None)
    href = doc.absolute(str(time_link.get("href"))) if time_link is not None else ""
    comment_id = query_param(href, "reply_comment_id") or query_param(href, "comment_id")
    parent = query_param(href, "comment_id") if query_param(href, "reply_comment_id") else ""
    media = [doc.absolute(image_url(i)) for i in doc.select("img", article) if i not in nested and image_url(i)
             and "emoji" not in image_url(i)]
    if not comment_id and body is None:
        return None
    likes = next((doc.count(str(s.get("aria-label")), "shown text (reactions label)") for s in
                  doc.select('[aria-label$="cảm xúc"], [aria-label$="reactions"], [aria-label$="reaction"]', article)
                  if s not in nested), None)
    label = " ".join(str(article.get("aria-label") or "").split())
    return Comment(id=comment_id or dom_id(label), author=author,
                   text=text(body) if body is not None else "", time=when,
                   reply_to=parent if parent else ("?" if REPLY_LABEL.match(label) else ""),
                   depth=1 if parent or REPLY_LABEL.match(label) else 0, url=without_tracking(href, keep=(
                       "comment_id", "reply_comment_id", "story_fbid", "id", "fbid", "v")), media=media, reactions=likes)


def _link_replies(comments: list[Comment]) -> None:
    """A reply whose link did not name its parent answers the top-level comment above it."""
    last_top = ""
    for comment in comments:
        if comment.depth == 0:
            last_top = comment.id
        elif comment.reply_to == "?":
            comment.reply_to = last_top


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
