"""One e-mail's bytes turned into artifacts: the ``message`` item and its ``attachment`` children.

This is where the data contract of a message is filled (see CONTRIBUTING.md):
``message`` metadata with the header summary, the route (``received``) and the
authenticity checks; each attachment hashed as its own child item; an attached
e-mail parsed in turn into a ``message`` under its attachment. Problems become
warnings naming the part they were found in.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from evidence_store.models import ItemWarning

from ..base import Artifact
from . import authenticity, headers, mime, received
from .options import MailOptions

KIND_MAILBOX = "mailbox"
KIND_MESSAGE = "message"
KIND_ATTACHMENT = "attachment"
MEDIA_MESSAGE = "message/rfc822"
MAX_NESTING = 5


class BytesOpener:
    """Opens bytes held in memory (a class, not a closure, so artifacts can cross to another process)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @contextmanager
    def __call__(self) -> Iterator[BinaryIO]:
        yield io.BytesIO(self.data)


def bytes_opener(data: bytes) -> BytesOpener:
    return BytesOpener(data)


class RangeOpener:
    """Streams ``length`` bytes of a file from ``start`` (a message too large to hold in memory), opened as
    every source file is: read-only, access time untouched, refused if the file was replaced."""

    def __init__(self, path: str, expected: Any, start: int, length: int) -> None:
        self.path, self.expected, self.start, self.length = path, expected, start, length

    @contextmanager
    def __call__(self) -> Iterator[BinaryIO]:
        from pathlib import Path

        from ..files.local import open_source

        with open_source(Path(self.path), self.expected) as handle:
            handle.seek(self.start)
            yield _Range(handle, self.length)  # type: ignore[misc]


class _Range(io.RawIOBase):
    def __init__(self, handle: BinaryIO, length: int) -> None:
        super().__init__()
        self.handle, self.left = handle, length

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        want = min(len(target), self.left)
        if want <= 0:
            return 0
        data = self.handle.read(want)
        target[:len(data)] = data
        self.left -= len(data)
        return len(data)


HEAD_BYTES = 1 << 20  # what is read of a message too large to parse: its header block


@dataclass
class MessageJob:
    """One message to turn into artifacts: its bytes and where it was found (picklable, for worker processes)."""

    data: bytes
    name: str
    source: str
    parent: str | None
    folder: str | None = None
    recovered: bool = False
    extra: dict[str, Any] | None = None
    reconstructed: bool = False
    warnings: list[ItemWarning] | None = None
    stream: RangeOpener | None = None  # set for a message too large to hold: ``data`` is then its head
    size: int | None = None


def warning(code: str, en: str, vi: str, **details: Any) -> ItemWarning:
    return ItemWarning(code, en, vi, details)


class MessageReader:
    """Builds message artifacts; one per import (it numbers keys and caches DNS answers)."""

    def __init__(self, options: MailOptions, key_prefix: str = "m") -> None:
        self.options = options
        self.dns = authenticity.DnsAnswers.from_records(options.dns_answers, fetch=options.fetch_dns,
                                                        resolver=authenticity.resolver_for(options.dns_server))
        self._ids = itertools.count(1)
        self._prefix = key_prefix

    def key(self) -> str:
        return f"{self._prefix}{next(self._ids)}"

    def run(self, job: MessageJob, prefix: str | None = None) -> list[Artifact]:
        """The artifacts of one job; ``prefix`` makes its keys unique when groups are built elsewhere."""
        if prefix is not None:
            self._prefix, self._ids = prefix, itertools.count(1)
        return self.artifacts(job.data, name=job.name, source=job.source, parent=job.parent, folder=job.folder,
                              recovered=job.recovered, extra=job.extra, reconstructed=job.reconstructed,
                              warnings=job.warnings, stream=job.stream, total=job.size)

    def artifacts(self, data: bytes, *, name: str, source: str, parent: str | None, folder: str | None = None,
                  recovered: bool = False, extra: dict[str, Any] | None = None, reconstructed: bool = False,
                  warnings: list[ItemWarning] | None = None, depth: int = 0, stream: RangeOpener | None = None,
                  total: int | None = None) -> list[Artifact]:
        """The message and everything under it, parents first (``stream``: only the head is in ``data``)."""
        key = self.key()
        notes = list(warnings or [])
        meta: dict[str, Any] = dict(extra or {})
        if reconstructed:
            meta["reconstructed"] = True
        size = total if stream is not None and total is not None else len(data)
        oversized = stream is not None or len(data) > self.options.max_parse_bytes
        if oversized:
            msg = mime.parse_bytes(_header_block(data))
            summary, problems = headers.summary(msg, folder=folder, recovered=recovered)
            notes.append(warning("message_not_split",
                                 f"{size} bytes: stored whole; its parts were not split into attachments",
                                 f"{size} byte: lưu nguyên thư; các phần đính kèm không được tách riêng",
                                 size=size))
            structure = mime.Structure()
        else:
            msg = mime.parse_bytes(data)
            summary, problems = headers.summary(msg, folder=folder, recovered=recovered)
            structure = mime.structure(msg, data)
            problems += structure.problems
            for body in structure.bodies:
                _text, problem = mime.body_text(msg, body)
                if problem:
                    body.problem = problem
                    problems.append(problem)
        summary["received"] = received.hop_table(headers.raw_all(msg, "Received"),
                                                 self.options.trusted_hosts)
        raw_headers = [(n, str(v)) for n, v in msg.raw_items()]
        if stream is not None:
            summary["authenticity"] = authenticity.not_checkable(
                raw_headers, f"the message ({size} bytes) is larger than what is checked in memory; "
                "`forensics mail recheck` can check it later", self.options.trusted_hosts)
        elif reconstructed:
            summary["authenticity"] = authenticity.not_checkable(
                raw_headers, "the message was rebuilt from stored properties: its bytes are not the ones that were "
                "signed, so signatures cannot be checked (the original headers are kept for reading)",
                self.options.trusted_hosts)
        elif self.options.authenticity:
            summary["authenticity"] = authenticity.check(data, raw_headers, self.dns, self.options.trusted_hosts)
        else:
            summary["authenticity"] = None
        meta["message"] = summary
        meta["parts"] = {"bodies": [_body_json(b) for b in structure.bodies],
                         "attachments": len(structure.attachments), "headers": len(raw_headers)}
        notes += _problem_warnings(problems, source)
        title = summary.get("subject") or summary.get("message_id") or name
        out = [Artifact(key, KIND_MESSAGE, _short(title) if title else name, source, parent,
                        opener=stream or bytes_opener(data), size=size, media_type=MEDIA_MESSAGE, metadata=meta,
                        warnings=notes)]
        for part in structure.attachments:
            out += self._attachment(part, key, source, folder, recovered, depth)
        return out

    def _attachment(self, part: mime.AttachmentPart, parent: str, source: str, folder: str | None,
                    recovered: bool, depth: int) -> list[Artifact]:
        key = self.key()
        name = part.filename or f"part-{part.part}{_extension(part.content_type)}"
        meta: dict[str, Any] = {"attachment": {"part": part.part, "filename": part.filename, "content_type": part.content_type,
                               "disposition": part.disposition, "content_id": part.content_id,
                               "size": len(part.data), "attached_message": part.is_message}}
        notes = _problem_warnings(part.problems, source)
        if part.reconstructed:
            meta["reconstructed"] = True
            notes.append(warning("attachment_reconstructed",
                                 f"part {part.part}: the attached message's bytes were re-serialised by the parser "
                                 "(they could not be found verbatim in the enclosing message)",
                                 f"phần {part.part}: thư đính kèm được trình phân tích tạo lại (không tìm thấy "
                                 "nguyên văn trong thư chứa nó)", part=part.part))
        out = [Artifact(key, KIND_ATTACHMENT, name, f"{source} part {part.part}", parent,
                        opener=bytes_opener(part.data), size=len(part.data), media_type=part.content_type,
                        metadata=meta, warnings=notes)]
        if part.is_message and part.data:
            if depth >= MAX_NESTING:
                out[0].warnings.append(warning("nesting_limit", f"attached messages nested deeper than {MAX_NESTING}: "
                                               "this one was stored but not parsed",
                                               f"thư đính kèm lồng sâu hơn {MAX_NESTING} cấp: được lưu nhưng không "
                                               "phân tích", part=part.part))
            else:
                out += self.artifacts(part.data, name=name, source=f"{source} part {part.part}", parent=key,
                                      folder=folder, recovered=recovered, reconstructed=part.reconstructed,
                                      depth=depth + 1)
        return out


def _header_block(data: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = data.find(separator)
        if end >= 0:
            return data[:end + len(separator)]
    return data[:1 << 20]


def _body_json(body: mime.BodyPart) -> dict[str, Any]:
    return {"part": body.part, "content_type": body.content_type, "charset": body.charset, "size": body.size,
            "problem": body.problem}


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _extension(content_type: str) -> str:
    import mimetypes

    if content_type in ("message/rfc822", "message/global"):
        return ".eml"
    return mimetypes.guess_extension(content_type, strict=False) or ".bin"


def _problem_warnings(problems: list[str], source: str) -> list[ItemWarning]:
    """Each decoding problem as a warning with its place (the part or header named in the text)."""
    out = []
    for text in dict.fromkeys(problems):
        code = ("message_truncated" if "cut off" in text or "closing boundary" in text
                else "charset_guessed" if "charset" in text
                else "date_unreadable" if "Date header" in text
                else "mime_defect" if "part" in text or "defect" in text or "base64" in text
                else "header_problem")
        out.append(warning(code, f"{source}: {text}", f"{source}: {_vi(text)}", place=source))
    return out


_VI = (
    ("8-bit bytes with no declared charset, shown as", "byte 8-bit không khai báo bảng mã, hiển thị theo"),
    ("8-bit text with no declared charset, read as", "văn bản 8-bit không khai báo bảng mã, đọc theo"),
    ("(a guess)", "(phỏng đoán)"),
    ("the MIME closing boundary is missing: the message may be cut off",
     "thiếu ranh giới đóng MIME: thư có thể bị cắt cụt"),
    ("cannot be read as a date", "không đọc được thành ngày giờ"),
    ("has no time zone; read as UTC (an assumption)", "không có múi giờ; đọc theo UTC (giả định)"),
    ("unknown charset", "bảng mã không xác định"),
    ("header defect", "lỗi tiêu đề"),
    ("part", "phần"),
)


def _vi(text: str) -> str:
    for en, vi in _VI:
        text = text.replace(en, vi)
    return text
