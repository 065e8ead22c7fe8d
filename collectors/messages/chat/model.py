"""What every chat exporter produces: conversations of rows, one row per message.

A conversation is stored as one ``conversation`` item whose content is its rows
as JSON Lines (``application/x-ndjson``, UTF-8, one message per line, in the
export's chronological order). Each row has a stable ``anchor`` (``m`` and its
position) so a report, a search hit or a timeline entry can point at one message
without parsing HTML or re-reading the export. Row keys (stable):

``anchor, id, type, time (UTC ISO or null), time_text (as the export wrote it),
time_rule, sender {name, id}, text, reply_to, reactions [{reaction, count, by}],
edited (UTC ISO or null), attachments [{path, kind, status, note, mime_type,
size}], forwarded_from, extra {…}``.

Attachments are the export's own files, stored as ``attachment`` children of the
conversation (``metadata.chat_attachment.anchor`` names their row). A file the
export refers to but does not hold is a row attachment with ``status``
``missing`` (skipped: it should be there) or ``not exported`` (the export's own
settings left it out), never a silent gap.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ROWS_FORMAT = "forensics-chat-rows/1"
ROWS_MEDIA_TYPE = "application/x-ndjson"
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False, sort_keys=False).encode


@dataclass
class Row:
    id: str | None
    time: str | None
    time_text: str | None
    sender: dict[str, Any]
    text: str
    type: str = "message"
    reply_to: str | None = None
    reactions: list[dict[str, Any]] = field(default_factory=list)
    edited: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    forwarded_from: str | None = None
    time_rule: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, anchor: str) -> dict[str, Any]:
        return {"anchor": anchor, "id": self.id, "type": self.type, "time": self.time, "time_text": self.time_text,
                "time_rule": self.time_rule, "sender": self.sender, "text": self.text, "reply_to": self.reply_to,
                "reactions": self.reactions, "edited": self.edited, "attachments": self.attachments,
                "forwarded_from": self.forwarded_from, "extra": self.extra}


@dataclass
class Conversation:
    """One thread of an export; ``rows`` is consumed once, as the item's content is written."""

    platform: str
    name: str
    thread_id: str | None
    thread_type: str | None
    source: str
    rows: Iterator[Row]
    info: dict[str, Any] = field(default_factory=dict)


class RowStream(io.RawIOBase):
    """Rows serialised as JSON Lines while they are read (the vault hashes and encrypts them as they come),
    gathering the conversation's summary (``stats``) and the attachments its rows name (``attachments``)."""

    def __init__(self, rows: Iterator[Row], on_end: Any = None) -> None:
        super().__init__()
        self._rows = rows
        self.on_end = on_end  # called once the last row has passed (before the vault records the item)
        self._buffer = bytearray()
        self._done = False
        self.count = 0
        self.first: str | None = None
        self.last: str | None = None
        self.participants: dict[tuple[str, str], int] = {}
        self.attachments: list[tuple[str, dict[str, Any]]] = []
        self.no_time = 0
        self.out_of_order = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        want = len(target)
        while len(self._buffer) < want and not self._done:
            self._fill(want)
        size = min(want, len(self._buffer))
        target[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size

    def _fill(self, want: int) -> None:
        lines = []
        total = 0
        for row in self._rows:
            anchor = f"m{self.count + 1}"
            self._note(row, anchor)
            line = (_encode(row.to_json(anchor)) + "\n").encode("utf-8")
            lines.append(line)
            total += len(line)
            if total + len(self._buffer) >= want:
                break
        else:
            self._done = True
            if self.on_end is not None:
                self.on_end()
        self._buffer += b"".join(lines)

    def _note(self, row: Row, anchor: str) -> None:
        self.count += 1
        if row.time:
            if self.last and row.time < self.last:
                self.out_of_order += 1
            self.first = row.time if self.first is None or row.time < self.first else self.first
            self.last = row.time if self.last is None or row.time > self.last else self.last
        else:
            self.no_time += 1
        key = (str(row.sender.get("name") or ""), str(row.sender.get("id") or ""))
        if any(key):
            self.participants[key] = self.participants.get(key, 0) + 1
        for attachment in row.attachments:
            self.attachments.append((anchor, attachment))

    def stats(self) -> dict[str, Any]:
        missing = sum(1 for _a, att in self.attachments if att.get("status") == "missing")
        excluded = sum(1 for _a, att in self.attachments if att.get("status") == "not exported")
        return {"messages": self.count, "first": self.first, "last": self.last, "without_time": self.no_time,
                "participants": [{"name": n or None, "id": i or None, "messages": c}
                                 for (n, i), c in sorted(self.participants.items(), key=lambda kv: -kv[1])],
                "attachments": len(self.attachments), "attachments_missing": missing,
                "attachments_not_exported": excluded, "rows_format": ROWS_FORMAT}


def read_rows(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """Rows back from a conversation item's content (what search, the timeline and the views read)."""
    pending = b""
    for block in lines:
        pending += block
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line.strip():
                yield json.loads(line)
    if pending.strip():
        yield json.loads(pending)
