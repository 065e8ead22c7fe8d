"""Telegram: a public channel post through the web preview (``t.me/s/<channel>/<id>``).

The preview's markup is plain and stable: each message is a
``.tgme_widget_message[data-post="channel/id"]`` with the owner's name, the
text, photos as ``background-image`` of ``.tgme_widget_message_photo_wrap``,
videos as ``<video src>``, views, reactions and ``<time datetime>``. The
preview lists the messages around the one asked for; only that one is the
post. Comments live in the app (discussion groups): not on this page.
"""

from __future__ import annotations

from ..page import Element, PageDocument, background_url, hashtags, links, mentions, text_of
from ..platforms import PlatformMatch
from ..post_record import Count, Media, Person, PostRecord
from .base import ExpansionSpec, Extractor, register_extractor

MESSAGE = ".tgme_widget_message[data-post]"


@register_extractor
class TelegramExtractor(Extractor):
    name = "telegram"
    ytdlp = False
    spec = ExpansionSpec(post=MESSAGE, comment="", comment_pane="")

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        record = self.new_record(doc, match)
        record.comments_public = False
        message = None
        for node in doc.select(MESSAGE):
            if str(node.get("data-post")) == match.post_id:
                message = node
        if message is None:
            return record
        record.use_source("page (DOM, t.me/s web preview)")
        owner = doc.first(".tgme_widget_message_owner_name", message)
        channel = str(message.get("data-post")).split("/")[0]
        record.author = Person(name=text_of(owner) if owner is not None else "", handle="@" + channel,
                               profile_url=f"https://t.me/{channel}")
        forwarded = doc.first(".tgme_widget_message_forwarded_from_name", message)
        if forwarded is not None:
            record.note("forwarded", f"forwarded from {text_of(forwarded)}", f"chuyển tiếp từ {text_of(forwarded)}",
                        source=doc.absolute(str(forwarded.get("href") or "")))
        body = doc.first(".tgme_widget_message_text", message)
        record.text = text_of(body) if body is not None else ""
        record.hashtags, record.mentions = hashtags(record.text), mentions(record.text)
        record.links = list(dict.fromkeys(
            [doc.absolute(str(a.get("href"))) for a in doc.select("a[href]", body) if
             str(a.get("href")).startswith("http")] + links(record.text))) if body is not None else []
        time_node = doc.first(".tgme_widget_message_date time", message)
        if time_node is not None:
            record.published = doc.exact_time(time_node.get("datetime"), "<time datetime>")
        views = doc.count(doc.text(".tgme_widget_message_views", message), "shown text (views)")
        if views is not None:
            record.counts["views"] = views
        total, approximate, shown = 0, False, []
        for reaction in doc.select(".tgme_reaction", message):
            count = doc.count(text_of(reaction))
            if count is not None and count.value is not None:
                total += count.value
                approximate = approximate or count.approximate
                shown.append(text_of(reaction))
        if shown:
            record.counts["reactions"] = Count(total, " ".join(shown), approximate, "shown text (reactions, summed)")
        record.media = _media(doc, message)
        return record


def _media(doc: PageDocument, message: Element) -> list[Media]:
    out = []
    for wrap in doc.select(".tgme_widget_message_photo_wrap", message):
        url = background_url(wrap)
        if url:
            out.append(Media("image", doc.absolute(url)))
    for video in doc.select("video", message):
        src = str(video.get("src") or "")
        thumb = doc.first(".tgme_widget_message_video_thumb", message)
        out.append(Media("video", doc.absolute(src) if src and not src.startswith("blob:") else "",
                         poster=doc.absolute(background_url(thumb)) if thumb is not None else "",
                         duration_seconds=shown_duration(doc.text(".message_video_duration", _player(video))),
                         page_url=doc.final_url))
    return out


def _player(video: Element) -> Element:
    """The video's own player (its shown length is inside it), or the video when the markup has none."""
    return next((a for a in video.iterancestors() if "tgme_widget_message_video_player" in (a.get("class") or "")),
                video)


def shown_duration(shown: str) -> float | None:
    """A player's shown length (``0:17``, ``1:02:03``) in seconds; None when it is not one."""
    parts = shown.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return float(seconds)
