"""A chat export as artifacts: the export, its conversations (rows), their attachments, and its other files.

Order: the ``chat_export`` record first; then for each conversation its
``conversation`` item (the rows, streamed: its summary is filled in as the rows
pass) followed by one ``attachment`` per export file its rows name; last, every
file of the export no row named (``result.json`` itself, HTML pages, pictures
of profiles…) as a ``file`` under the export, so the export's own files are all
kept as they are, each exactly once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evidence_store.models import ItemWarning
from evidence_store.naming import display_name

from ...base import Artifact
from ...files.local import file_metadata, open_source
from .model import ROWS_MEDIA_TYPE, Conversation, RowStream
from .registry import ChatExporter, exporters

KIND_EXPORT = "chat_export"
KIND_CONVERSATION = "conversation"
KIND_ATTACHMENT = "attachment"
KIND_FILE = "file"


def detect(path: Path, wanted: str | None = None) -> tuple[type[ChatExporter], Path] | None:
    for name, exporter in exporters().items():
        if wanted and name != wanted:
            continue
        found = exporter.detect(path)
        if found is not None:
            return exporter, found
    return None


class ChatSource:
    """One export folder (or a lone main file) read by one exporter."""

    def __init__(self, path: Path, exporter_class: type[ChatExporter], main_file: Path, zone: ZoneInfo) -> None:
        self.path = Path(os.path.abspath(path))
        root = self.path if self.path.is_dir() else self.path.parent
        self.exporter = exporter_class(root, Path(os.path.abspath(main_file)), zone)
        self.skipped: list[tuple[str, str]] = []
        self.incomplete: list[tuple[str, str]] = []
        self.conversations = 0
        self.messages = 0
        self._ids = 0
        self.format = self.exporter.format

    @property
    def display(self) -> str:
        return display_name(os.fsencode(self.path))

    def key(self) -> str:
        self._ids += 1
        return f"c{self._ids}"

    def groups(self) -> Iterator[list[Artifact]]:
        export_key = self.key()
        st = self.path.stat()
        meta: dict[str, Any] = {"chat_export": {"format": self.exporter.format, "platform": self.exporter.platform,
                                                "path": self.display, "exporter": self.exporter.name,
                                                "assumed_zone": self.exporter.zone.key},
                                **file_metadata(self.path, st)}
        yield [Artifact(export_key, KIND_EXPORT, self.path.name, self.display, None, metadata=meta)]
        for conversation in self.exporter.conversations():
            yield from self._conversation(conversation, export_key)
        if self.path.is_dir():
            yield from self._remaining(export_key)
        else:  # the main file alone was named: it is kept as it is (its folder's other files were not asked for)
            relative = self.path.relative_to(self.exporter.root).as_posix()
            yield [self._file_artifact(relative, export_key, KIND_FILE, {})]
        self.skipped += [(f"{self.display}/{p}", reason) for p, reason in self.exporter.problems]
        self.incomplete += [(f"{self.display}/{p}", reason) for p, reason in self.exporter.incomplete]

    def _conversation(self, conversation: Conversation, parent: str) -> Iterator[list[Artifact]]:
        key = self.key()
        stream = RowStream(conversation.rows)
        meta: dict[str, Any] = {"chat": {"platform": conversation.platform, "name": conversation.name,
                                         "thread_id": conversation.thread_id, "thread_type": conversation.thread_type,
                                         "export_format": self.exporter.format, **conversation.info}}

        def opener() -> Any:
            from contextlib import nullcontext

            return nullcontext(stream)

        artifact = Artifact(key, KIND_CONVERSATION, conversation.name, f"{self.display}: {conversation.source}",
                            parent, opener=opener, media_type=ROWS_MEDIA_TYPE, metadata=meta)

        def finish() -> None:  # the rows have passed: their summary and gaps go into the item being recorded
            meta["chat"].update(stream.stats())
            artifact.warnings.extend(self._gaps(stream, conversation))

        stream.on_end = finish
        yield [artifact]
        for _unread in conversation.rows:  # if nothing consumed the stream, nothing is left half-read
            pass
        self.conversations += 1
        self.messages += stream.count
        group = []
        seen: set[str] = set()
        for anchor, attachment in stream.attachments:
            if attachment.get("status") != "present":
                continue
            relative = attachment.get("found_at") or attachment["path"].replace("\\", "/").lstrip("/")
            if relative in seen:
                continue
            seen.add(relative)
            group.append(self._file_artifact(relative, key, KIND_ATTACHMENT,
                                             {"chat_attachment": {"anchor": anchor, "kind": attachment.get("kind"),
                                                                  "path": attachment["path"]}}))
        group = [a for a in group if a is not None]
        if group:
            yield group

    def _gaps(self, stream: RowStream, conversation: Conversation) -> list[ItemWarning]:
        notes = []
        for anchor, attachment in stream.attachments:
            place = f"{self.display}: {conversation.name} {anchor}"
            if attachment.get("status") == "missing":
                self.skipped.append((place, attachment.get("note") or "file missing"))
                notes.append(ItemWarning("attachment_missing", f"{place}: {attachment.get('note')}",
                                         f"{place}: bản xuất có nhắc đến tệp {attachment.get('path')!r} nhưng tệp không "
                                         "có trong thư mục xuất", {"anchor": anchor, "path": attachment.get("path")}))
        excluded = sum(1 for _a, att in stream.attachments if att.get("status") == "not exported")
        if excluded:
            notes.append(ItemWarning("attachments_not_exported",
                                     f"{excluded} attachment(s) were left out by the export's own settings "
                                     "(the rows say which)",
                                     f"{excluded} tệp đính kèm không được đưa vào bản xuất theo thiết lập của chính "
                                     "bản xuất (các dòng tin nhắn ghi rõ)", {"count": excluded}))
        if stream.no_time:
            notes.append(ItemWarning("time_unreadable", f"{stream.no_time} message(s) without a readable time",
                                     f"{stream.no_time} tin nhắn không đọc được thời điểm", {"count": stream.no_time}))
        return notes

    def _file_artifact(self, relative: str, parent: str, kind: str, extra: dict[str, Any]) -> Artifact:
        path = self.exporter.root / relative
        st = path.stat()
        meta = {**extra, **file_metadata(path, st), "export_path": relative}
        return Artifact(self.key(), kind, path.name, display_name(os.fsencode(path)), parent,
                        opener=partial(open_source, path, st), size=st.st_size, metadata=meta)

    def _remaining(self, parent: str) -> Iterator[list[Artifact]]:
        group: list[Artifact] = []
        for relative in sorted(self.exporter.files() - self.exporter.claimed):
            group.append(self._file_artifact(relative, parent, KIND_FILE, {}))
            if len(group) >= 200:
                yield group
                group = []
        if group:
            yield group

    def total_bytes(self) -> int:
        try:
            return sum((self.exporter.root / p).stat().st_size for p in self.exporter.files())
        except OSError:
            return 0
