"""The structured record of one social-media post: who posted what, when, with which media, and who commented.

It is what a prosecutor reads next to the screenshot, so every value keeps how
it was obtained: a time keeps the text the page showed and the rule that turned
it into UTC; a count keeps the text shown ("1,2K" is rounded by the platform);
a person keeps the profile URL and numeric id only where the page showed them.
The record is stored as JSON (the ``social_post`` item's content); its summary
goes into the item's metadata so lists and reports need not open the JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "forensics-toolkit/social-post/1"

#: availability.status values. ``unavailable`` only when the platform itself said so (its words or status code
#: are the reason); ``not_recognised`` when our reader found no post on a page that said nothing of the kind;
#: ``network_failure`` when the page itself could not be fetched (the reason is the error seen).
AVAILABLE, UNAVAILABLE, LOGIN_REQUIRED, CHECKPOINT, UNKNOWN = (
    "available", "unavailable", "login_required", "checkpoint", "unknown")
NOT_RECOGNISED, NETWORK_FAILURE = "not_recognised", "network_failure"

#: The layers a field can be read from, in the order every reader tries them.
LAYERS = ("embedded data", "schema.org", "meta tags", "page (DOM)", "examiner")


@dataclass
class Person:
    """An author or commenter, as the platform showed them (nothing guessed)."""

    name: str = ""
    handle: str = ""  # @handle / username, where the platform has one
    profile_url: str = ""
    id: str = ""  # numeric or platform id, where visible (URL, embedded data)
    verified: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def label(self) -> str:
        parts = [self.name or self.handle or "?"]
        if self.handle and self.handle != self.name:
            parts.append(f"({self.handle})")
        return " ".join(parts)


@dataclass
class TimeValue:
    utc: str | None  # ISO 8601 UTC, the earliest moment the shown text allows
    shown: str  # the text (or attribute) the page showed
    rule: str  # how it was read
    precision_seconds: int | None = 0  # how far after ``utc`` the true moment may lie
    source: str = ""  # where it was read: embedded data, <time datetime>, shown text
    rule_vi: str = ""  # ``rule`` in Vietnamese

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Count:
    value: int | None
    shown: str
    approximate: bool = False  # the platform rounded it ("1,2K")
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Media:
    """An image or video of the post (or of a comment) and what became of downloading it."""

    type: str  # image, video, audio
    url: str  # the best-quality address found ("" when the page only streams it, e.g. blob:)
    role: str = "post"  # post, comment, thumbnail, avatar
    alternatives: list[str] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    poster: str = ""
    comment_id: str = ""
    page_url: str = ""  # where yt-dlp should start (the post or video page)
    status: str = "not_attempted"  # downloaded, failed, not_attempted, skipped
    error: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)  # name, sha256, size, media_type, via, url

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Comment:
    id: str
    author: Person
    text: str
    time: TimeValue | None = None
    reply_to: str = ""  # id of the comment (or post) this answers; "" for a top-level comment
    depth: int = 0
    url: str = ""
    reactions: Count | None = None
    media: list[str] = field(default_factory=list)  # image/video addresses inside the comment

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["author"] = self.author.to_json()
        data["time"] = self.time.to_json() if self.time else None
        data["reactions"] = self.reactions.to_json() if self.reactions else None
        return data


@dataclass
class Availability:
    status: str = UNKNOWN
    reason: str = ""  # the text or address that decided it
    rule: str = ""
    rule_vi: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PostRecord:
    platform: str
    content_type: str
    url: str
    final_url: str = ""
    canonical_url: str = ""
    post_id: str = ""
    extractor: str = ""
    captured_at: str = ""  # when the page was read (UTC)
    time_zone: str = ""  # zone used for wall-clock times the page showed
    availability: Availability = field(default_factory=Availability)
    author: Person = field(default_factory=Person)
    published: TimeValue | None = None
    title: str = ""
    text: str = ""
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    comments_public: bool = True  # False where the platform shows no comments without the app or an account
    expansion: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] | None = None
    element_screenshot: dict[str, Any] | None = None
    sources: list[str] = field(default_factory=list)  # embedded data, DOM, JSON-LD, Open Graph, oEmbed …
    notes: list[dict[str, Any]] = field(default_factory=list)  # shortfalls (code, message, message_vi)
    #: Which layer and rule produced each field ("author.name" → {"layer": "meta tags", "rule": "og:title …"}).
    fields: dict[str, dict[str, str]] = field(default_factory=dict)

    def filled(self) -> dict[str, bool]:
        """Which of the record's fields hold a value (the keys of :attr:`fields`)."""
        out = {"author.name": bool(self.author.name), "author.handle": bool(self.author.handle),
               "author.id": bool(self.author.id), "author.profile_url": bool(self.author.profile_url),
               "post_id": bool(self.post_id), "published": self.published is not None and bool(self.published.utc),
               "title": bool(self.title), "text": bool(self.text), "media": bool(self.media),
               "comments": bool(self.comments)}
        out.update({f"counts.{name}": True for name in self.counts})
        return out

    def provenance(self, layer: str, rule: str, before: dict[str, bool]) -> None:
        """Credit the fields filled since ``before`` (a :meth:`filled` snapshot) to ``layer`` and ``rule``."""
        for key, now in self.filled().items():
            if now and not before.get(key) and key not in self.fields:
                self.fields[key] = {"layer": layer, "rule": rule}

    def note(self, code: str, en: str, vi: str, **details: Any) -> None:
        self.notes.append({"code": code, "message": en, "message_vi": vi, "details": details})

    def use_source(self, name: str) -> None:
        if name not in self.sources:
            self.sources.append(name)

    @property
    def comments_expected(self) -> int | None:
        count = self.counts.get("comments")
        return count.value if count is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "platform": self.platform,
            "content_type": self.content_type,
            "url": self.url,
            "final_url": self.final_url,
            "canonical_url": self.canonical_url,
            "post_id": self.post_id,
            "extractor": self.extractor,
            "captured_at": self.captured_at,
            "time_zone": self.time_zone,
            "availability": self.availability.to_json(),
            "author": self.author.to_json(),
            "published": self.published.to_json() if self.published else None,
            "title": self.title,
            "text": self.text,
            "hashtags": self.hashtags,
            "mentions": self.mentions,
            "links": self.links,
            "counts": {k: v.to_json() for k, v in self.counts.items()},
            "media": [m.to_json() for m in self.media],
            "comments": [c.to_json() for c in self.comments],
            "comments_count": len(self.comments),
            "comments_expected": self.comments_expected,
            "comments_public": self.comments_public,
            "expansion": self.expansion,
            "account": self.account,
            "element_screenshot": self.element_screenshot,
            "sources": self.sources,
            "fields": self.fields,
            "notes": self.notes,
        }

    def summary(self) -> dict[str, Any]:
        """What the ``social_post`` item's metadata holds (lists, the GUI and reports read it)."""
        text = " ".join(self.text.split())
        return {
            "format": FORMAT,
            "platform": self.platform,
            "content_type": self.content_type,
            "url": self.url,
            "post_id": self.post_id,
            "status": self.availability.status,
            "author": self.author.name,
            "author_handle": self.author.handle,
            "author_id": self.author.id,
            "author_url": self.author.profile_url,
            "published_utc": self.published.utc if self.published else None,
            "published_shown": self.published.shown if self.published else None,
            "title": self.title[:300],
            "text_excerpt": text[:300] + ("…" if len(text) > 300 else ""),
            "counts": {k: v.value for k, v in self.counts.items()},
            "media": len(self.media),
            "media_downloaded": sum(1 for m in self.media if m.status == "downloaded"),
            "comments": len(self.comments),
            "comments_expected": self.comments_expected,
            "account": (self.account or {}).get("label") if self.account else None,
            "captured_at": self.captured_at,
        }


def comment_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The comment table of a stored record (JSON), one flat row per comment, in page order."""
    rows = []
    for index, comment in enumerate(record.get("comments") or [], start=1):
        author = comment.get("author") or {}
        when = comment.get("time") or {}
        rows.append({
            "no": index, "id": comment.get("id", ""), "author": author.get("name", ""),
            "handle": author.get("handle", ""), "author_id": author.get("id", ""),
            "profile_url": author.get("profile_url", ""), "time_utc": when.get("utc"),
            "time_shown": when.get("shown", ""), "text": comment.get("text", ""),
            "reply_to": comment.get("reply_to", ""), "depth": comment.get("depth", 0),
        })
    return rows
