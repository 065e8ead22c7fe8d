"""Zalo: public Official Account pages (``zalo.me/<id or alias>``) and their articles.

Zalo's public web pages are server-rendered. An OA page names the account
(its numeric id is in the address or the "Quan tâm" link), whether it is
verified, its description and follower count; an article page has a title,
the OA as author, the date as ``dd/mm/yyyy`` (Vietnam time, as Zalo prints
it), the body with lazily loaded images, and its view count. Comments on
Zalo happen in the app, not on these pages.
"""

from __future__ import annotations

import re

from ..availability import Phrases
from ..page import PageDocument, hashtags, image_url, links, mentions, text_of
from ..platforms import PlatformMatch
from ..post_record import Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

ZALO_ZONE = "Asia/Ho_Chi_Minh"  # Zalo prints dates in Vietnam time whatever the viewer's zone


@register_extractor
class ZaloExtractor(Extractor):
    name = "zalo"
    spec = ExpansionSpec(post=".article, .oa-profile, main", comment="", see_more=("Xem thêm", "See more"),
                         dialog=".zalo-login-popup, [role=dialog]", dialog_labels=("Đăng nhập", "Tải Zalo"),
                         phrases=Phrases(unavailable=("Trang bạn tìm không tồn tại", "Không tìm thấy trang")))

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        record.comments_public = False
        if doc.first(".article") is not None:
            _article(doc, record)
        elif doc.first(".oa-profile") is not None:
            _profile(doc, record)
        return record


def _oa_person(doc: PageDocument, link_css: str) -> Person:
    link = doc.first(link_css)
    href = doc.absolute(str(link.get("href") or "")) if link is not None else ""
    ident = re.search(r"zalo\.me/(?:s/)?(\d{6,})", href)
    verified = doc.first(".oa-verified, .verified-badge") is not None
    return Person(name=text_of(link) if link is not None else "", profile_url=href,
                  id=ident.group(1) if ident else "", verified=verified)


def _article(doc: PageDocument, record: PostRecord) -> None:
    record.use_source("page (DOM, server-rendered)")
    record.title = doc.text(".article-title, h1")
    record.author = _oa_person(doc, ".article-author a, .oa-name a")
    body = doc.first(".article-content")
    record.text = text_of(body) if body is not None else ""
    record.hashtags, record.mentions, record.links = hashtags(record.text), mentions(record.text), links(record.text)
    shown = doc.text(".article-date, time")
    if shown:
        parsed = doc.time(shown, "shown text (article date)")
        if parsed is not None and doc.zone != ZALO_ZONE:
            from ..timeparse import parse_time

            again = parse_time(shown, doc.captured_at, ZALO_ZONE)
            if again is not None:
                parsed.utc, parsed.rule = again.utc, again.rule + " (Zalo prints Vietnam dates)"
                parsed.rule_vi = again.rule_vi + " (Zalo hiển thị ngày theo giờ Việt Nam)"
        record.published = parsed
    for name, css in (("views", ".article-views, .view-count"), ("likes", ".article-likes, .like-count")):
        count = doc.count(doc.text(css), "shown text")
        if count is not None:
            record.counts[name] = count
    for img in doc.select(".article-content img") if body is not None else []:
        url = image_url(img)
        if url:
            record.media.append(Media("image", doc.absolute(url), width=_int(img.get("width")),
                                      height=_int(img.get("height"))))
    if not record.post_id:
        record.post_id = doc.meta("zalo:article_id") or record.post_id


def _profile(doc: PageDocument, record: PostRecord) -> None:
    record.use_source("page (DOM, server-rendered)")
    record.author = _oa_person(doc, ".oa-profile .oa-name a, .oa-profile h1 a")
    if not record.author.name:
        record.author.name = doc.text(".oa-profile .oa-name, .oa-profile h1")
    if not record.author.id:
        ident = re.search(r"/(\d{6,})", record.final_url or record.url)
        record.author.id = ident.group(1) if ident else ""
    record.title = record.author.name
    record.text = doc.text(".oa-description")
    followers = doc.count(doc.text(".oa-followers"), "shown text (followers)")
    if followers is not None:
        record.counts["followers"] = followers
    avatar = doc.first(".oa-avatar img")
    if avatar is not None and image_url(avatar):
        record.media.append(Media("image", doc.absolute(image_url(avatar)), role="avatar"))
    for link in doc.select(".oa-articles a[href]"):
        record.links.append(doc.absolute(str(link.get("href"))))


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
