"""Facebook "Download Your Information" messages, JSON and HTML forms.

Layout: ``…/messages/<inbox|archived_threads|filtered_threads|message_requests|e2ee_cutover>/<thread>/``
holds ``message_1.json`` (or ``.html``), ``message_2…``, and the thread's
``photos/``, ``videos/``, ``audio/``, ``files/``, ``gifs/``; media are named by
paths relative to the export's root. Each file lists messages newest first; the
highest-numbered file holds the oldest. JSON strings are UTF-8 bytes written as
``\\u00XX`` escapes (read back as UTF-8, and said so); times are
``timestamp_ms`` (UTC). The HTML form shows times as text in the exporting
account's language and time zone, which the export does not name: they are read
in the zone the examiner gives, and the rule is kept on every row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .model import Conversation, Row
from .registry import ChatExporter, register_exporter

THREAD_FOLDERS = ("inbox", "archived_threads", "filtered_threads", "message_requests", "e2ee_cutover")
MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs")
_PART = re.compile(r"^message_(\d+)\.(json|html)$")
HTML_TIME_FORMATS = ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p", "%b %d, %Y %I:%M %p",
                     "%b %d, %Y, %I:%M %p", "%d %b %Y, %H:%M", "%Y-%m-%d %H:%M:%S")


def fix_text(value: Any) -> Any:
    """Facebook's JSON writes each UTF-8 byte as its own ``\\u00XX``: undo that where it applies."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, list):
        return [fix_text(v) for v in value]
    if isinstance(value, dict):
        return {k: fix_text(v) for k, v in value.items()}
    return value


def _threads(root: Path) -> list[tuple[Path, str, list[Path]]]:
    """(thread folder, its box, its message_N files ordered oldest first) under ``root``."""
    out = []
    for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
        parts = sorted(((int(m.group(1)), m.group(2), f) for f in folder.iterdir()
                        if f.is_file() and (m := _PART.match(f.name))), key=lambda t: -t[0])
        if parts and folder.parent.name in THREAD_FOLDERS:
            kinds = {k for _n, k, _f in parts}
            chosen = "json" if "json" in kinds else "html"
            out.append((folder, folder.parent.name, [f for _n, k, f in parts if k == chosen]))
    return out


@register_exporter("facebook")
class FacebookExport(ChatExporter):
    platform = "facebook"
    format = "facebook_dyi"

    @classmethod
    def detect(cls, path: Path) -> Path | None:
        if not path.is_dir():
            return None
        return path if _threads(path) else None

    def main_files(self) -> list[Path]:
        return [f for _folder, _box, files in _threads(self.root) for f in files]

    def conversations(self) -> Iterator[Conversation]:  # type: ignore[override]
        for folder, box, files in _threads(self.root):
            relative = folder.relative_to(self.root).as_posix()
            form = files[0].suffix.lstrip(".")
            self.format = f"facebook_dyi_{form}"
            head = self._head(files[-1]) if form == "json" else self._html_head(files[-1])
            rows = self._json_rows(files) if form == "json" else self._html_rows(files)
            info = {"box": box, "folder": relative, "form": form, "files": [f.name for f in files],
                    "listed_participants": head.get("participants"), "is_still_participant":
                    head.get("is_still_participant"), "thread_path": head.get("thread_path")}
            if form == "json":
                info["text_encoding"] = ("strings written by Facebook as one \\u00XX escape per UTF-8 byte; "
                                         "read back as UTF-8")
            yield Conversation(self.platform, str(head.get("title") or folder.name), head.get("thread_path") or
                               relative, head.get("thread_type"), f"{relative}", rows, info=info)

    # -- JSON -------------------------------------------------------------------------------------
    def _load(self, path: Path) -> dict[str, Any]:
        with self.open(path) as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}

    def _head(self, path: Path) -> dict[str, Any]:
        data = fix_text({k: v for k, v in self._load(path).items() if k != "messages"})
        participants = [p.get("name") for p in data.get("participants") or [] if isinstance(p, dict)]
        return {**data, "participants": participants}

    def _json_rows(self, files: list[Path]) -> Iterator[Row]:
        for path in files:  # oldest file first
            try:
                messages = self._load(path).get("messages") or []
            except (OSError, ValueError) as exc:
                self.problems.append((str(path.relative_to(self.root)), f"cannot be read as JSON: {exc}"))
                continue
            ordered = sorted((m for m in messages if isinstance(m, dict)), key=lambda m: m.get("timestamp_ms") or 0)
            for message in ordered:
                yield self._json_row(fix_text(message), path)

    def _json_row(self, message: dict[str, Any], path: Path) -> Row:
        stamp = message.get("timestamp_ms")
        utc = None
        if isinstance(stamp, (int, float)):
            utc = datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        attachments = []
        for key in MEDIA_KEYS:
            for medium in message.get(key) or []:
                if isinstance(medium, dict) and medium.get("uri"):
                    attachments.append({"kind": key, "path": medium["uri"], "mime_type": None, "size": None,
                                        **self.locate(medium["uri"])})
        sticker = message.get("sticker")
        if isinstance(sticker, dict) and sticker.get("uri"):
            attachments.append({"kind": "sticker", "path": sticker["uri"], "mime_type": None, "size": None,
                                **self.locate(sticker["uri"])})
        reactions = [{"reaction": r.get("reaction"), "count": 1, "by": [{"name": r.get("actor"), "id": None,
                                                                      "time": r.get("timestamp")}]}
                     for r in message.get("reactions") or [] if isinstance(r, dict)]
        extra: dict[str, Any] = {k: message[k] for k in ("type", "share", "call_duration", "is_unsent",
                                                         "is_geoblocked_for_viewer", "ip", "users", "missed")
                                 if k in message}
        extra["source_file"] = path.name
        return Row(id=None, time=utc, time_text=str(stamp) if stamp is not None else None,
                   sender={"name": message.get("sender_name"), "id": None}, text=message.get("content") or "",
                   reactions=reactions, attachments=attachments, time_rule="timestamp_ms (UTC)", extra=extra)

    # -- HTML -------------------------------------------------------------------------------------
    def _tree(self, path: Path) -> Any:
        import lxml.html

        with self.open(path) as handle:
            return lxml.html.fromstring(handle.read())

    def _html_head(self, path: Path) -> dict[str, Any]:
        try:
            tree = self._tree(path)
        except (OSError, ValueError) as exc:
            self.problems.append((str(path.relative_to(self.root)), f"cannot be read as HTML: {exc}"))
            return {}
        title = (tree.findtext(".//title") or "").strip()
        text = tree.text_content()
        match = re.search(r"Participants?:\s*(.+)", text)
        participants = [p.strip() for p in match.group(1).split(",")] if match else []
        return {"title": title, "participants": participants}

    def _html_rows(self, files: list[Path]) -> Iterator[Row]:
        for path in files:
            try:
                tree = self._tree(path)
            except (OSError, ValueError) as exc:
                self.problems.append((str(path.relative_to(self.root)), f"cannot be read as HTML: {exc}"))
                continue
            blocks = [b for b in tree.iter() if "uiBoxWhite" in (b.get("class") or "") and len(b) >= 2]
            for block in reversed(blocks):  # the page lists newest first
                row = self._html_row(block, path)
                if row is not None:
                    yield row

    def _html_row(self, block: Any, path: Path) -> Row | None:
        def part(*marks: str) -> Any:
            for element in block.iter():
                classes = element.get("class") or ""
                if element is not block and any(m in classes.split() for m in marks):
                    return element
            return None

        sender = part("_2pim", "_a6-h", "_2lek")
        content = part("_a6-p", "_2let")
        when = part("_a6-o", "_2lem")
        if sender is None and content is None:
            return None
        time_text = " ".join((when.text_content() if when is not None else "").split()) or None
        utc, rule = self._html_time(time_text)
        attachments = []
        if content is not None:
            for element in content.iter("a", "img", "video", "audio", "source"):
                ref = element.get("href") or element.get("src")
                if ref and not re.match(r"^[a-z]+:", ref):
                    attachments.append({"kind": element.tag, "path": ref, "mime_type": None, "size": None,
                                        **self.locate(ref)})
        text = "\n".join(t.strip() for t in (content.itertext() if content is not None else []) if t.strip())
        return Row(id=None, time=utc, time_text=time_text,
                   sender={"name": " ".join((sender.text_content() if sender is not None else "").split()) or None,
                           "id": None},
                   text=text, attachments=attachments, time_rule=rule, extra={"source_file": path.name})

    def _html_time(self, text: str | None) -> tuple[str | None, str]:
        if not text:
            return None, "no time shown"
        cleaned = text.replace("am", "AM").replace("pm", "PM")
        for pattern in HTML_TIME_FORMATS:
            try:
                local = datetime.strptime(cleaned, pattern)
            except ValueError:
                continue
            utc = local.replace(tzinfo=self.zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return utc, (f"shown time read as local time in {self.zone.key} (an assumption: the HTML export names "
                         f"no zone); pattern {pattern}")
        return None, "the shown time could not be read (kept as written)"

    def locate(self, relative: str) -> dict[str, Any]:
        found = super().locate(relative)
        if found["status"] == "present":
            return found
        tail = relative.replace("\\", "/")
        marker = tail.find("messages/")
        if marker >= 0:  # uris are relative to the root of the whole download: match from messages/ on
            suffix = tail[marker:]
            for candidate in self.files():
                if candidate.endswith(suffix):
                    self.claimed.add(candidate)
                    return {"status": "present", "note": None, "found_at": candidate}
        return found
