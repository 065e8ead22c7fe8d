"""Every reader's record completed layer by layer, with the layer and rule of each field kept.

    the platform's reader       embedded data (Relay, ytInitialData, SIGI_STATE …) first, then the rendered DOM
    schema.org                  JSON-LD and microdata (``SocialMediaPosting``, ``VideoObject``, ``Comment`` …)
    meta tags                   Open Graph, Twitter cards, ``<meta name=description>``: each platform's wording in
                                the versioned rule file ``rules/meta.json``, then plain Open Graph
    oEmbed                      the page's oEmbed answer, when the capture fetched one

A later layer only fills what the earlier ones left empty, so the record says
what the strongest source showed; ``record.fields`` names the layer and rule
of every field. Values are cleaned the same way whatever the layer: HTML
entities decoded (a meta tag's ``It&#39;s`` is the page's ``It's``), images
that are the author's picture never counted as the post's media.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from .page import PageDocument, hashtags, links, mentions
from .platforms import PlatformMatch
from .post_record import Media, PostRecord

PROFILE_CONTENT = ("profile", "page", "channel", "official_account")
HANDLE_IN_ADDRESS = ("telegram", "bluesky", "x", "tiktok")  # the account's handle is part of a post's address


@cache
def meta_rules() -> dict[str, Any]:
    """The platform meta-tag rules (``rules/meta.json``): a data file an update can replace."""
    text = resources.files(__package__).joinpath("rules/meta.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def complete(doc: PageDocument, match: PlatformMatch, record: PostRecord, structured: list[dict[str, Any]]) -> None:
    """Fill what the platform's reader left empty from schema.org, then meta tags, then oEmbed."""
    from .extractors.generic import fill_from_oembed, fill_from_open_graph, fill_from_structured_data

    before = record.filled()
    fill_from_structured_data(doc, record, structured)
    record.provenance("schema.org", "JSON-LD / microdata (schema.org)", before)
    before = record.filled()
    if not _meta_names_another_thing(doc, match.platform):
        platform_meta(doc, match, record)
        fill_from_open_graph(doc, record, image_role=_image_role(doc, match.platform))
    record.provenance("meta tags", "Open Graph / Twitter card", before)
    before = record.filled()
    fill_from_oembed(doc, record)
    record.provenance("meta tags", "oEmbed answer", before)
    if not record.author.handle and match.author_hint and match.platform in HANDLE_IN_ADDRESS:
        hint = match.author_hint
        record.author.handle = hint if hint.startswith("@") else "@" + hint
        record.fields["author.handle"] = {"layer": "address", "rule": "the account named in the post's address"}
    clean(doc, record, structured)


def platform_meta(doc: PageDocument, match: PlatformMatch, record: PostRecord) -> None:
    """Apply the platform's meta-tag rules (named groups become fields; a field already read stays)."""
    rules = meta_rules()
    spec = (rules.get("platforms") or {}).get(match.platform)
    if not spec:
        return
    version = rules.get("version", "?")
    for index, rule in enumerate(spec.get("rules") or []):
        if rule.get("only") == "post" and match.content in PROFILE_CONTENT:
            continue
        if rule.get("label") and doc.meta(rule["label"]) != rule.get("label_is"):
            continue
        value = html.unescape(doc.meta(rule["tag"]))
        if not value or _ignored(doc, spec, rule["tag"], value):
            continue
        found = re.match(rule["pattern"], value, re.DOTALL)
        if found is None:
            continue
        before = record.filled()
        _apply(doc, record, found.groupdict(), rule)
        record.provenance("meta tags", f"rules/meta.json {version}: {match.platform} rule {index + 1} ({rule['tag']})",
                          before)
    if record.text:
        record.hashtags = record.hashtags or hashtags(record.text)
        record.mentions = record.mentions or mentions(record.text)
        record.links = record.links or links(record.text)


def _meta_names_another_thing(doc: PageDocument, platform: str) -> bool:
    """Pages whose meta tags describe something other than the post (``not_the_post_on``: paths of the final
    address, e.g. Telegram's ``t.me/s/`` preview, whose tags name the channel, its description and picture)."""
    spec = (meta_rules().get("platforms") or {}).get(platform) or {}
    path = urlsplit(doc.final_url or doc.url).path or "/"
    return any(re.match(pattern, path) for pattern in spec.get("not_the_post_on") or [])


def _ignored(doc: PageDocument, spec: dict[str, Any], tag: str, value: str) -> bool:
    return any(i["tag"] == tag and re.match(i["pattern"], value, re.DOTALL) for i in spec.get("ignore") or [])


def _apply(doc: PageDocument, record: PostRecord, groups: dict[str, str | None], rule: dict[str, Any]) -> None:
    source = f"meta tag {rule['tag']}"
    if groups.get("name") and not record.author.name:
        record.author.name = groups["name"] or ""
    if groups.get("handle") and not record.author.handle:
        handle = groups["handle"] or ""
        record.author.handle = handle if handle.startswith("@") else "@" + handle
    if groups.get("title") and not record.title:
        record.title = groups["title"] or ""
    if groups.get("text") and not record.text:
        record.text = (groups["text"] or "").strip()
        if rule.get("truncated_if") and re.search(rule["truncated_if"], record.text):
            record.note("text_truncated", f"the text was read from the {rule['tag']} tag, which the platform cuts short",
                        f"nội dung được đọc từ thẻ {rule['tag']}, nơi nền tảng cắt ngắn", tag=rule["tag"])
    if groups.get("date") and (record.published is None or record.published.utc is None):
        record.published = doc.time(groups["date"] or "", source)
    for name in ("likes", "comments", "shares", "views", "reposts"):
        shown = groups.get(name)
        if shown and name not in record.counts:
            count = doc.count(shown, source)
            if count is not None:
                record.counts[name] = count


def _image_role(doc: PageDocument, platform: str) -> str:
    """What the page's ``og:image`` is on this platform: ``post`` (the post's own picture), ``thumbnail``, or
    ``preview`` (whatever the platform shows when shared: often the author's picture, never claimed as the
    post's media); ``post_image_pattern`` names addresses that are the post's own media."""
    spec = (meta_rules().get("platforms") or {}).get(platform) or {}
    pattern = spec.get("post_image_pattern")
    if pattern and re.search(pattern, doc.meta("og:image") or ""):
        return "post"
    return str(spec.get("image_role") or ("post" if platform == "generic" else "preview"))


def clean(doc: PageDocument, record: PostRecord, structured: list[dict[str, Any]]) -> None:
    """Entities decoded; the author's own picture never listed as the post's media."""
    record.text = _unescape(record.text)
    record.title = _unescape(record.title)
    record.author.name = _unescape(record.author.name)
    for comment in record.comments:
        comment.text = _unescape(comment.text)
        comment.author.name = _unescape(comment.author.name)
    merged: dict[tuple[str, str], Media] = {}
    kept_media: list[Media] = []
    for medium in record.media:  # the same file at another size (the DOM's and the JSON-LD's copy): one medium
        key = (medium.type, urlsplit(medium.url).path) if medium.url else (medium.type, f"#{len(kept_media)}")
        first = merged.get(key)
        if first is None:
            merged[key] = medium
            kept_media.append(medium)
        elif medium.url not in (first.url, *first.alternatives):
            first.alternatives.append(medium.url)
    record.media = kept_media
    avatars = author_pictures(structured)
    if avatars:
        kept = [m for m in record.media if m.url not in avatars or m.role == "avatar"]
        if len(kept) != len(record.media):
            record.note("avatar_not_media", "the page's preview image is the author's picture: not recorded as the "
                        "post's media", "ảnh xem trước của trang là ảnh đại diện của tác giả: không ghi là ảnh của "
                        "bài đăng")
        record.media = kept
        if not kept:
            record.fields.pop("media", None)


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def author_pictures(structured: list[dict[str, Any]]) -> set[str]:
    """Addresses of the authors' pictures named in schema.org data (``author.image``)."""
    out: set[str] = set()
    for item in structured:
        for who in (item.get("author"), item.get("creator"), item.get("mainEntity")):
            for person in who if isinstance(who, list) else [who]:
                if isinstance(person, dict):
                    image = person.get("image")
                    for value in image if isinstance(image, list) else [image]:
                        if isinstance(value, str):
                            out.add(value)
                        elif isinstance(value, dict) and value.get("url"):
                            out.add(str(value["url"]))
    return out

