"""Telegram Desktop's export (``result.json`` beside its media folders), read as a stream.

Format facts (Telegram Desktop's JSON writer, ``export_output_json.cpp``): a
single-chat export is the chat object itself (``name``, ``type``, ``id``,
``messages``); a whole-account export holds ``personal_information`` and the chats
under ``chats.list`` and ``left_chats.list``. Each message has ``date`` (the
exporting computer's local time, no zone) and, since 2021, ``date_unixtime``
(the true UTC instant); ``edited``/``edited_unixtime``; ``from``/``from_id``;
``reply_to_message_id``; ``text`` (a string, or a list of strings and entity
objects) with ``text_entities``; media paths relative to the export folder in
``photo``, ``file``, ``thumbnail``, or a note in parentheses when the file was not
exported; ``reactions``. The writer escapes control characters as ``\\xHH``,
which strict JSON readers refuse: they are read as ``\\u00HH``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from .model import Conversation, Row
from .registry import ChatExporter, register_exporter

MEDIA_FIELDS = ("photo", "file", "thumbnail")
NOT_EXPORTED = re.compile(r"^\((?:File|Photo) (?:not included|exceeds maximum size|unavailable)")
_BAD_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")


class EscapeFixer:
    """Reads the file with Telegram's ``\\xHH`` escapes turned into JSON's ``\\u00HH`` (the bytes on disk are
    untouched: the stored ``result.json`` is the file as found)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.carry = b""

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether the stream gives bytes or text
            return b""
        while True:
            block = self.handle.read(size if size and size > 0 else 1 << 20)
            data = self.carry + block
            if not block:  # the end: whatever was carried goes out now
                self.carry = b""
                return _BAD_ESCAPE.sub(rb"\1\\u00\2", data)
            cut = len(data)
            tail = data.rfind(b"\\", max(0, len(data) - 8))
            if tail >= 0:  # an escape may straddle the edge: keep it (and any backslashes before it) for later
                while tail > 0 and data[tail - 1:tail] == b"\\":
                    tail -= 1
                cut = tail
            data, self.carry = data[:cut], data[cut:]
            if data:  # an empty answer would read as the end of the file
                return _BAD_ESCAPE.sub(rb"\1\\u00\2", data)


def _utc_from_unix(value: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _utc_from_local(text: str | None, zone: ZoneInfo) -> str | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flatten_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in value
                       if isinstance(part, (str, dict)))
    return ""


@register_exporter("telegram")
class TelegramExport(ChatExporter):
    platform = "telegram"
    format = "telegram_desktop_json"

    @classmethod
    def detect(cls, path: Path) -> Path | None:
        candidate = path / "result.json" if path.is_dir() else path
        if candidate.name != "result.json" or not candidate.is_file():
            return None
        with candidate.open("rb") as handle:
            head = handle.read(4096)
        return candidate if (b'"messages"' in head or b'"personal_information"' in head or b'"chats"' in head
                             or b'"about"' in head) else None

    def conversations(self) -> Iterator[Conversation]:
        import io

        import ijson

        with self.open(self.main_file) as raw:
            events = ijson.parse(EscapeFixer(io.BufferedReader(raw, 1 << 20)), use_float=True)
            yield from self._chats(events)

    def _chats(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[Conversation]:
        import ijson

        try:
            yield from self._walk(events)
        except ijson.JSONError as exc:
            if not self.broken:
                self.incomplete.append((self.main_file.name, f"the JSON is cut off or damaged "
                                                             f"({str(exc).splitlines()[0]})"))

    def _walk(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[Conversation]:
        chat: dict[str, Any] = {}
        for prefix, event, value in events:
            if self.broken:
                return
            base, _, key = prefix.rpartition(".")
            if key in ("name", "type", "id") and (base in ("", "chats.list.item", "left_chats.list.item")) \
                    and event in ("string", "number", "null"):
                if key == "name":
                    chat = {}
                chat[key] = value
                chat["left"] = base.startswith("left_chats")
            elif prefix.startswith("personal_information") and event in ("string", "number"):
                self.account[prefix.split(".", 1)[-1]] = value
            elif event == "start_array" and key == "messages" and base in ("", "chats.list.item",
                                                                          "left_chats.list.item"):
                info = dict(chat)
                chat = {}
                rows = self._rows(events, f"{prefix}.item", info)
                yield Conversation(self.platform, str(info.get("name") or f"chat {info.get('id')}"),
                                   str(info.get("id")) if info.get("id") is not None else None,
                                   info.get("type"), f"{self.main_file.name}: chat {info.get('id')}", rows,
                                   info={"left_chat": info.get("left", False)})
                for _unread in rows:  # rows share this event stream: pass what the consumer did not read
                    pass

    def _rows(self, events: Iterator[tuple[str, str, Any]], item_prefix: str, info: dict[str, Any]) -> Iterator[Row]:
        import ijson

        builder: Any = None
        depth = 0
        count = 0
        try:
            for prefix, event, value in events:
                if builder is None:
                    if event == "end_array" and prefix == item_prefix[:-5]:
                        return
                    if event == "start_map" and prefix == item_prefix:
                        builder, depth = ijson.ObjectBuilder(), 0
                    else:
                        continue
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        message, builder = builder.value, None
                        count += 1
                        yield self._row(message)
        except ijson.JSONError as exc:
            self.broken = True
            self.incomplete.append((f"{self.main_file.name}: chat {info.get('id')}",
                                    f"the JSON is cut off or damaged after message {count} of this chat "
                                    f"({str(exc).splitlines()[0]}); the messages before it are kept"))

    def _row(self, message: dict[str, Any]) -> Row:
        utc = _utc_from_unix(message.get("date_unixtime"))
        rule = "date_unixtime (UTC)"
        if utc is None:
            utc = _utc_from_local(message.get("date"), self.zone)
            rule = f"'date' read as local time in {self.zone.key} (an assumption: the export names no zone)"
            if utc is None:
                rule = "no time could be read"
        edited = _utc_from_unix(message.get("edited_unixtime")) or _utc_from_local(message.get("edited"), self.zone)
        kind = str(message.get("type") or "message")
        sender_name = message.get("from") if kind == "message" else message.get("actor")
        sender_id = message.get("from_id") if kind == "message" else message.get("actor_id")
        extra: dict[str, Any] = {k: message[k] for k in (
            "via_bot", "saved_from", "media_type", "sticker_emoji", "action", "title", "members", "duration_seconds",
            "reply_to_peer_id", "author", "poll",
            "location_information", "contact_information", "inline_bot_buttons") if k in message}
        text = flatten_text(message.get("text"))
        if kind == "service" and not text and message.get("action"):
            text = f"[{message['action']}]"
        return Row(id=str(message.get("id")) if message.get("id") is not None else None, time=utc,
                   time_text=message.get("date"), sender={"name": sender_name, "id": sender_id}, text=text,
                   type=kind, reply_to=str(message["reply_to_message_id"]) if message.get("reply_to_message_id")
                   else None, reactions=_reactions(message.get("reactions")), edited=edited,
                   attachments=self._attachments(message), forwarded_from=message.get("forwarded_from"),
                   time_rule=rule, extra=extra)

    def _attachments(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for name in MEDIA_FIELDS:
            value = message.get(name)
            if not isinstance(value, str) or not value:
                continue
            entry: dict[str, Any] = {"kind": name if name != "file" else (message.get("media_type") or "file"),
                                     "mime_type": message.get("mime_type") if name == "file" else None,
                                     "size": message.get("file_size") or message.get("photo_file_size")}
            if NOT_EXPORTED.match(value):
                entry.update(path=None, status="not exported", note=value)
            else:
                entry.update(path=value, **self.locate(value))
            out.append(entry)
        return out


def _reactions(value: Any) -> list[dict[str, Any]]:
    out = []
    for reaction in value or []:
        if not isinstance(reaction, dict):
            continue
        label = reaction.get("emoji") or reaction.get("document_id") or reaction.get("type")
        by = [{"name": r.get("from"), "id": r.get("from_id"), "time": _utc_from_unix(r.get("date_unixtime"))
               or r.get("date")} for r in reaction.get("recent") or [] if isinstance(r, dict)]
        out.append({"reaction": label, "count": reaction.get("count"), "by": by})
    return out
