"""Where dated events come from: one function per item kind (the source registry).

Each source turns one item (its metadata, and for some its parsed content) into
timeline events in UTC with their precision interval. Kinds without a source
give no events. Custody actions are not items: :mod:`.timeline` reads them from
the custody log when a timeline is asked for.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidence_store import DEFAULT_ZONE, Item
from evidence_store.timeline_store import Event

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*(Z|[+-]\d\d:?\d\d|UTC)?$")
SECOND = 1_000_000
_UNITS = {"ns": 1e-3, "µs": 1, "us": 1, "ms": 1000, "s": SECOND, "min": 60 * SECOND, "h": 3600 * SECOND,
          "d": 86400 * SECOND}


def to_us(text: Any, *, default_zone: str | None = None) -> int | None:
    """Microseconds since 1970 UTC of an ISO 8601 time; a time without a zone is read in ``default_zone``
    (None: such a time is refused, as it cannot be placed)."""
    if not isinstance(text, str):
        return None
    m = _ISO.match(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    fraction = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = m.group(8)
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if zone in ("Z", "UTC"):
        offset = 0
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)
    elif default_zone:
        from datetime import datetime

        try:
            local = datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(default_zone))
        except (ValueError, ZoneInfoNotFoundError):
            return None
        offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    else:
        return None
    return (seconds - offset) * SECOND + fraction


def precision_us(label: str | None) -> int:
    """``"2 s"``, ``"100 ns"``, ``"1 d"`` (the disk code's labels) in µs (at least 1)."""
    if not label:
        return SECOND
    parts = str(label).split()
    try:
        return max(1, int(float(parts[0]) * _UNITS.get(parts[1] if len(parts) > 1 else "s", SECOND)))
    except (ValueError, IndexError):
        return SECOND


def label_of(us: int) -> str:
    for size, unit in ((86400 * SECOND, "d"), (3600 * SECOND, "h"), (60 * SECOND, "min"), (SECOND, "s"),
                       (1000, "ms")):
        if us >= size and us % size == 0:
            return f"{us // size} {unit}"
    return f"{us} µs"


class Context:
    """What a source may need besides the item: the parsed record, the zone assumed for zone-less times."""

    def __init__(self, item: Item, record: Any = None, zone: str = DEFAULT_ZONE) -> None:
        self.item = item
        self.record = record
        self.zone = zone

    def event(self, time_us: int, source: str, desc: str, message: str, *, precision: int = SECOND,
              **extra: Any) -> Event:
        item = self.item
        return Event(item.case_id, item.id, time_us, time_us + precision, label_of(precision), source, item.kind,
                     desc, message, {k: v for k, v in extra.items() if v not in (None, "")})


Source = Callable[[Context], Iterator[Event]]
SOURCES: dict[str, list[Source]] = {}


def source(*kinds: str) -> Callable[[Source], Source]:
    def register(func: Source) -> Source:
        for kind in kinds:
            SOURCES.setdefault(kind, []).append(func)
        return func

    return register


def events_for(ctx: Context) -> list[Event]:
    """Every event of one item, from each source registered for its kind and the metadata all kinds share."""
    events: list[Event] = []
    for func in SOURCES.get(ctx.item.kind, []) + SOURCES.get("*", []):
        events.extend(func(ctx))
    return events


# -- web captures ---------------------------------------------------------------------------------------------
@source("web_capture")
def _capture(ctx: Context) -> Iterator[Event]:
    prov = ctx.item.metadata.get("provenance") or {}
    url = prov.get("final_url") or prov.get("url") or ctx.item.source
    for key, desc in (("started_at", "Capture started"), ("ended_at", "Capture ended")):
        when = to_us(prov.get(key))
        if when is not None:
            yield ctx.event(when, "web_capture", desc, f"{desc}: {url}", url=url, title=prov.get("title"))


# -- social posts ----------------------------------------------------------------------------------------------
@source("social_post")
def _social(ctx: Context) -> Iterator[Event]:
    record = ctx.record if isinstance(ctx.record, dict) else {}
    summary = ctx.item.metadata.get("social") or {}
    platform = record.get("platform") or summary.get("platform") or ""
    url = record.get("url") or summary.get("url") or ctx.item.source
    published = record.get("published") or {}
    author = (record.get("author") or {}).get("name") or summary.get("author") or ""
    when = to_us(published.get("utc") or summary.get("published_utc"))
    if when is not None:
        precision = int(published.get("precision_seconds") or 0) * SECOND or SECOND
        text = " ".join(str(record.get("text") or summary.get("text_excerpt") or "").split())[:200]
        yield ctx.event(when, "social_post", "Post published", f"{platform} post by {author}: {text}",
                        precision=precision, url=url, shown=published.get("shown"), rule=published.get("rule"))
    for n, comment in enumerate(record.get("comments") or [], 1):
        stamp = comment.get("time") or {}
        when = to_us(stamp.get("utc"))
        if when is None:
            continue
        who = (comment.get("author") or {}).get("name", "")
        precision = int(stamp.get("precision_seconds") or 0) * SECOND or SECOND
        text = " ".join(str(comment.get("text", "")).split())[:200]
        yield ctx.event(when, "social_comment", "Comment posted", f"{platform} comment {n} by {who}: {text}",
                        precision=precision, url=comment.get("url") or url, comment=n, shown=stamp.get("shown"))


# -- files extracted from disk images: MACB, browser history, EXIF ------------------------------------------------
_MACB = {"modified": ("M", "Content Modification Time"), "accessed": ("A", "Last Access Time"),
         "changed": ("C", "Metadata Modification Time"), "born": ("B", "Creation Time")}


@source("extracted_file")
def _file_system(ctx: Context) -> Iterator[Event]:
    locator = ctx.item.metadata.get("locator") or {}
    path = locator.get("path") or ctx.item.name
    assumption = locator.get("time_zone_assumption")
    for group, label in (("times", ""), ("file_name_times", " ($FILE_NAME)")):
        for slot, value in (locator.get(group) or {}).items():
            if slot not in _MACB or not isinstance(value, dict):
                continue
            when = to_us(value.get("utc"))
            if when is None:
                continue
            letter, desc = _MACB[slot]
            yield ctx.event(when, "file_system", desc + label, f"{letter} {path}",
                            precision=precision_us(value.get("precision")), path=path, macb=letter,
                            allocation=locator.get("allocation"), local_time=value.get("local"),
                            zone_assumed=(assumption or {}).get("zone_assumed"))


@source("*")
def _history_and_exif(ctx: Context) -> Iterator[Event]:
    metadata = ctx.item.metadata
    for n, row in enumerate(metadata.get("browser_history") or [], 1):
        when = to_us(row.get("time_utc"))
        if when is None:
            continue
        kind = row.get("type", "visit")
        desc = "Page visited" if kind == "visit" else "Download started"
        title = row.get("title") or row.get("target_path") or ""
        yield ctx.event(when, "browser_history", desc, f"{row.get('browser', '')} {kind}: {row.get('url', '')} {title}",
                        url=row.get("url"), row=n)
    for row in metadata.get("exif") or []:
        when = to_us(row.get("gps_time_utc"))
        if when is not None:
            yield ctx.event(when, "exif", "GPS time", f"EXIF GPS time of {ctx.item.name}", source_field="gps_time_utc")
        original = row.get("datetime_original")
        if original:
            text = str(original).replace(":", "-", 2)
            offset = row.get("offset_time_original")
            when = to_us(text + (offset or ""), default_zone=None if offset else ctx.zone)
            if when is not None:
                assumed = None if offset else ctx.zone
                note = f" (camera clock, zone not recorded: {assumed} assumed)" if assumed else ""
                yield ctx.event(when, "exif", "Picture taken", f"EXIF DateTimeOriginal of {ctx.item.name}{note}",
                                camera_time=original, zone_assumed=assumed)


# -- e-mail and chat (kinds `message`, `chat_message`) ---------------------------------------------------------------
@source("message")
def _message(ctx: Context) -> Iterator[Event]:
    meta = ctx.item.metadata
    message: dict[str, Any] = meta["message"] if isinstance(meta.get("message"), dict) else {}
    when = to_us(meta.get("message.date") or message.get("date"))
    if when is not None:
        sender = _text(meta.get("from") or message.get("from") or "")
        recipients = meta.get("to") or message.get("to") or ""
        subject = meta.get("subject") or message.get("subject") or ""
        yield ctx.event(when, "message", "Message sent", f"E-mail from {sender} to {_text(recipients)}: {subject}",
                        sender=sender, to=_text(recipients), subject=subject)


@source("chat_message")
def _chat(ctx: Context) -> Iterator[Event]:
    meta = ctx.item.metadata
    chat: dict[str, Any] = meta["chat"] if isinstance(meta.get("chat"), dict) else {}
    when = to_us(meta.get("chat.time") or chat.get("time"))
    if when is not None:
        sender = meta.get("chat.sender") or chat.get("sender") or ""
        text = " ".join(str(meta.get("chat.text") or chat.get("text") or "").split())[:200]
        yield ctx.event(when, "chat", "Chat message sent", f"{sender}: {text}", sender=sender)


def conversation_events(ctx: Context, rows: Iterator[dict[str, Any]]) -> Iterator[Event]:
    """A conversation item's messages (its rows: see collectors.messages.chat.model), each at its own time."""
    for row in rows:
        when = to_us(row.get("time"))
        if when is None:
            continue
        sender = row.get("sender") or {}
        name = (sender.get("name") or sender.get("id") or "") if isinstance(sender, dict) else str(sender)
        text = " ".join(str(row.get("text") or "").split())[:200]
        yield ctx.event(when, "chat", "Chat message sent", f"{name}: {text}", sender=name, anchor=row.get("anchor"),
                        conversation=ctx.item.name)


@source("monitoring_change")
def _monitoring(ctx: Context) -> Iterator[Event]:
    """Changes seen by monitoring (kind reserved for the monitoring desk): ``detected_at`` and a summary."""
    meta = ctx.item.metadata
    when = to_us(meta.get("detected_at"))
    if when is not None:
        yield ctx.event(when, "monitoring", "Change detected", f"Change detected: {meta.get('summary', ctx.item.name)}")


def _text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
