"""What a path holds (an .eml, an mbox, a Maildir, a folder of messages, a PST/OST, an .msg) and its artifacts.

Each source yields its ``mailbox`` container first (the file as found, or a
record for a folder), then one group of artifacts per message (the message and
everything under it), so the service can commit between messages and memory
holds one message at a time. What cannot be read is recorded in ``skipped``
with its place; nothing stops the rest.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from evidence_store.errors import SourceError
from evidence_store.models import ItemWarning
from evidence_store.naming import display_name

from ..base import Artifact
from ..files.local import file_metadata, open_source
from . import mbox
from .rfc822 import HEAD_BYTES, KIND_MAILBOX, KIND_MESSAGE, MessageJob, MessageReader, RangeOpener, warning

PST_MAGIC = b"!BDN"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MESSAGE_SUFFIXES = (".eml", ".emlx", ".mht", ".txt")
MAILDIR_SUBDIRS = ("cur", "new", "tmp")


def sniff_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""


def looks_like_message(head: bytes) -> bool:
    """Starts with an RFC 5322 header line (``Name: value``)."""
    line = head.split(b"\n", 1)[0]
    name, colon, _ = line.partition(b":")
    return bool(colon) and 0 < len(name) < 80 and all(33 <= c <= 126 and c != 58 for c in name)


def kind_of(path: Path) -> str | None:
    """``pst``, ``msg``, ``mbox``, ``eml``, ``maildir``, ``folder``, or None (not a message source)."""
    if path.is_dir():
        return "maildir" if is_maildir(path) else "folder"
    head = sniff_head(path)
    if head.startswith(PST_MAGIC):
        return "pst"
    if head.startswith(OLE_MAGIC):
        return "msg" if path.suffix.lower() in (".msg", ".oft") or not path.suffix else None
    if mbox.looks_like_mbox(head):
        return "mbox"
    if path.suffix.lower() in MESSAGE_SUFFIXES and (looks_like_message(head) or path.suffix.lower() == ".eml"):
        return "eml"
    if looks_like_message(head):
        return "eml"
    return None


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new"))


class Source:
    """Base: ``container`` then ``groups``; ``skipped`` lists (place, reason) of what could not be read."""

    format = ""

    def __init__(self, path: Path, reader: MessageReader) -> None:
        self.path = Path(os.path.abspath(path))
        self.reader = reader
        self.skipped: list[tuple[str, str]] = []
        self.incomplete: list[tuple[str, str]] = []
        self.container_key = reader.key()
        self.messages = 0

    @property
    def display(self) -> str:
        return display_name(os.fsencode(self.path))

    def container(self) -> Artifact | None:
        raise NotImplementedError

    def jobs(self) -> Iterator[MessageJob] | None:
        """Messages as jobs (their bytes and place), when the source can hand them to other processes."""
        return None

    def groups(self) -> Iterator[list[Artifact]]:
        jobs = self.jobs()
        assert jobs is not None
        for job in jobs:
            yield self.reader.run(job)

    def total_bytes(self) -> int:
        return 0

    def _file_container(self, fmt: str, extra: dict[str, Any] | None = None) -> Artifact:
        st = self.path.stat()
        meta = {"mailbox": {"format": fmt, "path": self.display, **(extra or {})}, **file_metadata(self.path, st)}
        return Artifact(self.container_key, KIND_MAILBOX, self.path.name, self.display, None,
                        opener=partial(open_source, self.path, st), size=st.st_size,
                        media_type=_MEDIA.get(fmt), metadata=meta)

    def _skip(self, place: str, reason: str) -> None:
        self.skipped.append((place, reason))


_MEDIA = {"mbox": "application/mbox", "pst": "application/vnd.ms-outlook-pst",
          "msg": "application/vnd.ms-outlook"}


class MboxSource(Source):
    format = "mbox"

    def container(self) -> Artifact:
        return self._file_container("mbox")

    def total_bytes(self) -> int:
        return self.path.stat().st_size * 2

    def jobs(self) -> Iterator[MessageJob]:
        st = self.path.stat()
        with open_source(self.path, st) as scan_raw, open_source(self.path, st) as read_raw:
            scan, handle = io.BufferedReader(scan_raw, 1 << 20), io.BufferedReader(read_raw)  # type: ignore[arg-type, type-var]
            limit = self.reader.options.max_parse_bytes
            for span in mbox.spans(scan, handle, st.st_size):
                large = span.length > limit
                data = mbox.read_span(handle, span) if not large else _head(handle, span.start)
                place = f"{self.display}#{span.index + 1} (offset {span.from_offset})"
                notes: list[ItemWarning] = []
                if span.ends_file and span.length and not _ends_with_newline(handle, span):
                    notes.append(warning("message_truncated",
                                         f"{place}: the file ends inside this message (no final line break): "
                                         "it is stored as far as it goes",
                                         f"{place}: tệp kết thúc giữa thư này (không có dấu xuống dòng cuối): "
                                         "thư được lưu đến phần còn lại", place=place))
                    self.incomplete.append((place, "the file ends inside this message (no final line break)"))
                locator = {"mbox": {"index": span.index + 1, "from_line_offset": span.from_offset,
                                    "offset": span.start, "length": span.length,
                                    "from_line": span.from_line.decode("utf-8", "replace")}}
                self.messages += 1
                yield MessageJob(data, f"message {span.index + 1}", place, self.container_key,
                                 extra={"locator": locator}, warnings=notes,
                                 stream=RangeOpener(str(self.path), st, span.start, span.length) if large else None,
                                 size=span.length)


class FileMessageSource(Source):
    """A lone .eml file: the message itself is the root item (its bytes are the file's)."""

    format = "eml"

    def container(self) -> None:
        return None

    def total_bytes(self) -> int:
        return self.path.stat().st_size

    def jobs(self) -> Iterator[MessageJob]:
        job = _file_message(self.path, self.display, None, None, self)
        if job:
            yield job


class FolderSource(Source):
    """A Maildir (``cur``/``new``/``tmp`` and Maildir++ ``.Sub`` folders) or a folder of .eml files."""

    def __init__(self, path: Path, reader: MessageReader, *, maildir: bool) -> None:
        super().__init__(path, reader)
        self.maildir = maildir
        self.format = "maildir" if maildir else "eml_folder"
        self.ignored: list[str] = []
        self._files = list(self._message_files())

    def container(self) -> Artifact:
        st = self.path.stat()
        meta = {"mailbox": {"format": self.format, "path": self.display, "files": len(self._files)},
                **file_metadata(self.path, st)}
        return Artifact(self.container_key, KIND_MAILBOX, self.path.name, self.display, None, metadata=meta)

    def total_bytes(self) -> int:
        return sum(size for _p, _f, size in self._files)

    def _message_files(self) -> Iterator[tuple[Path, str, int]]:
        for root, dirs, files in os.walk(self.path):
            dirs.sort()
            here = Path(root)
            for name in sorted(files):
                path = here / name
                try:
                    st = path.lstat()
                except OSError as exc:
                    self._skip(display_name(os.fsencode(path)), exc.strerror or str(exc))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                folder = self._folder_of(here)
                if folder is None:
                    continue
                if self.maildir or kind_of(path) == "eml":
                    yield path, folder, st.st_size
                else:
                    self.ignored.append(display_name(os.fsencode(path)))

    def _folder_of(self, here: Path) -> str | None:
        relative = here.relative_to(self.path)
        if not self.maildir:
            return str(relative) if str(relative) != "." else ""
        parts = relative.parts
        if not parts or parts[-1] not in MAILDIR_SUBDIRS:
            return None  # Dovecot index files and the like are not messages
        folder = "/".join(parts[:-1]) or "INBOX"
        return folder.lstrip(".") or "INBOX"

    def jobs(self) -> Iterator[MessageJob]:
        for path, folder, _size in self._files:
            job = _file_message(path, display_name(os.fsencode(path)), self.container_key, folder, self,
                                maildir=self.maildir)
            if job:
                yield job


def _head(handle: Any, start: int) -> bytes:
    handle.seek(start)
    return handle.read(HEAD_BYTES)  # type: ignore[no-any-return]


def _ends_with_newline(handle: Any, span: mbox.Span) -> bool:
    handle.seek(span.end - 1)
    return handle.read(1) == b"\n"  # type: ignore[no-any-return]


def _file_message(path: Path, shown: str, parent: str | None, folder: str | None, source: Source, *,
                  maildir: bool = False) -> MessageJob | None:
    try:
        st = path.stat()
        with open_source(path, st) as handle:
            large = st.st_size > source.reader.options.max_parse_bytes
            data = handle.read(HEAD_BYTES if large else -1)
    except (SourceError, OSError) as exc:
        source._skip(shown, str(exc))
        return None
    extra: dict[str, Any] = {"file": file_metadata(path, st)}
    if maildir:
        info = path.name.partition(":2,")
        extra["locator"] = {"maildir": {"subdir": path.parent.name, "file": path.name,
                                        "flags": info[2] if info[1] else ""}}
    source.messages += 1
    return MessageJob(data, path.name, shown, parent, folder=folder, extra=extra,
                      stream=RangeOpener(str(path), st, 0, st.st_size) if large else None, size=st.st_size)


def open_sources(paths: list[Path], reader: MessageReader) -> tuple[list[Source], list[tuple[str, str]]]:
    """One source per path (folders that are not Maildirs are walked for message files of any kind)."""
    from .outlook import MsgSource, PstSource

    sources: list[Source] = []
    refused: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            refused.append((str(path), "no such file or folder"))
            continue
        kind = kind_of(path)
        if kind == "folder":
            inner = _folder_sources(path, reader)
            sources += inner
            continue
        if kind is None:
            refused.append((str(path), "not a message file (.eml), mbox, Maildir, PST/OST or .msg"))
            continue
        sources.append(_make(kind, path, reader, PstSource, MsgSource))
    return sources, refused


def _folder_sources(path: Path, reader: MessageReader) -> list[Source]:
    """A plain folder: its .eml files as one mailbox, plus one source per mbox, PST or .msg inside it."""
    from .outlook import MsgSource, PstSource

    out: list[Source] = []
    folder = FolderSource(path, reader, maildir=False)
    if folder._files:
        out.append(folder)
    for shown in list(folder.ignored):
        inner = Path(os.fsdecode(shown)) if os.path.exists(shown) else None
        if inner is None:
            continue
        kind = kind_of(inner)
        if kind in ("mbox", "pst", "msg"):
            out.append(_make(kind, inner, reader, PstSource, MsgSource))
            folder.ignored.remove(shown)
    return out


def _make(kind: str, path: Path, reader: MessageReader, pst: Any, msg: Any) -> Source:
    if kind == "mbox":
        return MboxSource(path, reader)
    if kind == "eml":
        return FileMessageSource(path, reader)
    if kind == "maildir":
        return FolderSource(path, reader, maildir=True)
    if kind == "pst":
        return pst(path, reader)  # type: ignore[no-any-return]
    return msg(path, reader)  # type: ignore[no-any-return]


__all__ = ["KIND_MAILBOX", "KIND_MESSAGE", "FolderSource", "MboxSource", "Source", "kind_of", "open_sources"]
