"""Keyword and regular-expression search in files, deleted files, slack and unallocated space.

Two passes per partition, because each finds what the other cannot: a *logical*
pass reads every file's content as the file system assembles it (a keyword split
across two fragments of one file is found), and a *raw* pass reads the partition
byte by byte (a keyword in unallocated space, in slack, or crossing from one file
into the next is found). Raw hits are attributed to the file whose blocks hold
them, or reported as unallocated space or file-system metadata.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evidence_store.errors import UsageError
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from .entries import Entry
from .image import Partition
from .reader import StreamReader
from .recovery import AllocationMap
from .walker import Walker, WalkOptions

CHUNK = 4 << 20
REGEX_OVERLAP = 4096
_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "xdigit": "0-9A-Fa-f", "punct": r"!-/:-@\[-`{-~",
    "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e",
}


def compile_pattern(text: str, *, regex: bool, ignore_case: bool, encodings: tuple[str, ...]) -> list[tuple[str, Any]]:
    """One compiled bytes pattern per encoding (POSIX classes like [[:alpha:]] accepted)."""
    if not text:
        raise UsageError("the search keyword is empty", message_vi="từ khoá tìm kiếm trống")
    flags = re.IGNORECASE if ignore_case else 0
    patterns = []
    if regex:
        source = re.sub(r"\[:([a-z]+):\]", lambda m: _POSIX.get(m.group(1), m.group(0)), text)
        try:
            patterns.append(("utf-8", re.compile(source.encode("utf-8"), flags | re.DOTALL)))
        except re.error as exc:
            raise UsageError(f"invalid regular expression {text!r}: {exc}",
                             message_vi=f"biểu thức chính quy không hợp lệ {text!r}: {exc}") from exc
        return patterns
    for encoding in encodings:
        try:
            encoded = text.encode(encoding)
        except (LookupError, UnicodeEncodeError) as exc:
            raise UsageError(f"cannot search for {text!r} in {encoding}: {exc}",
                             message_vi=f"không tìm được {text!r} theo bảng mã {encoding}: {exc}") from exc
        patterns.append((encoding, re.compile(re.escape(encoded), flags)))
    return patterns


@dataclass
class Hit:
    partition: int
    partition_offset: int | None
    image_offset: int | None
    match: bytes
    encoding: str
    location: str  # file | deleted file | slack | unallocated | metadata
    path: str | None = None
    address: str | None = None
    file_offset: int | None = None
    found_by: str = "raw"

    def to_json(self) -> dict[str, Any]:
        return {"partition": self.partition, "image_offset": self.image_offset,
                "partition_offset": self.partition_offset,
                "sector": self.image_offset // 512 if self.image_offset is not None else None,
                "sector_offset": self.image_offset % 512 if self.image_offset is not None else None,
                "match": self.match.decode(self.encoding if self.encoding != "utf-8" else "utf-8", "backslashreplace"),
                "encoding": self.encoding, "location": self.location, "path": self.path,
                "address": self.address, "file_offset": self.file_offset, "found_by": self.found_by}


@dataclass
class _Owner:
    start: int  # partition byte offset of the run
    end: int
    file_offset: int
    entry: Entry


@dataclass
class PartitionSearch:
    partition: Partition
    patterns: list[tuple[str, Any]]
    cancel: CancelToken = NEVER_CANCELLED
    progress: Progress = no_progress
    warnings: list[Any] = field(default_factory=list)

    def run(self) -> Iterator[Hit]:
        fs = self.partition.fs
        assert fs is not None
        walker = Walker(self.partition, WalkOptions(recursive=True, runs=True), cancel=self.cancel)
        entries = [e for e in walker.walk() if e.has_content]
        self.warnings.extend(walker.warnings)
        owners = self._owners(entries, fs.block_size)
        starts = [o.start for o in owners]
        seen: set[tuple[int, str]] = set()
        for entry in entries:
            for hit in self._logical(entry, fs.block_size):
                if hit.partition_offset is not None:
                    seen.add((hit.partition_offset, hit.encoding))
                yield hit
        allocation = AllocationMap(self.partition)
        for hit in self._raw():
            if (hit.partition_offset or 0, hit.encoding) in seen:
                continue
            self._attribute(hit, owners, starts, allocation)
            yield hit

    # -- passes -----------------------------------------------------------------
    def _logical(self, entry: Entry, block_size: int) -> Iterator[Hit]:
        fs = self.partition.fs
        assert fs is not None
        try:
            tsk_file = fs.tsk.open_meta(inode=entry.inode)
        except OSError:
            return
        reader = StreamReader(tsk_file, entry)
        runs = entry.stream.runs if entry.stream is not None else ()
        for offset, match, encoding in _scan(reader.read, self.patterns, self.cancel):
            part_offset = _file_to_partition(runs, block_size, offset)
            yield Hit(self.partition.index, part_offset,
                      self.partition.offset + part_offset if part_offset is not None else None,
                      match, encoding, "deleted file" if entry.deleted else "file", entry.display_path,
                      entry.address, offset, "file content")

    def _raw(self) -> Iterator[Hit]:
        size = self.partition.size
        position = 0

        def read(n: int) -> bytes:
            nonlocal position
            if position >= size:
                return b""
            data = self.partition.read(position, min(n, size - position))
            position += len(data)
            self.progress(position, size, f"partition {self.partition.index}")
            return data

        for offset, match, encoding in _scan(read, self.patterns, self.cancel):
            yield Hit(self.partition.index, offset, self.partition.offset + offset, match, encoding, "unallocated")

    def _owners(self, entries: list[Entry], block_size: int) -> list[_Owner]:
        owners = []
        for entry in entries:
            if entry.stream is None:
                continue
            file_offset = 0
            for start, length in entry.stream.runs:
                owners.append(_Owner(start * block_size, (start + length) * block_size, file_offset, entry))
                file_offset += length * block_size
        owners.sort(key=lambda o: (o.start, o.entry.deleted))
        return owners

    def _attribute(self, hit: Hit, owners: list[_Owner], starts: list[int], allocation: AllocationMap) -> None:
        offset = hit.partition_offset or 0
        index = bisect.bisect_right(starts, offset)
        candidates = []
        for owner in owners[max(0, index - 64):index]:
            if owner.start <= offset < owner.end:
                candidates.append(owner)
        if candidates:
            owner = sorted(candidates, key=lambda o: o.entry.deleted)[0]
            file_offset = owner.file_offset + (offset - owner.start)
            hit.path, hit.address, hit.file_offset = owner.entry.display_path, owner.entry.address, file_offset
            if file_offset >= owner.entry.size:
                hit.location = "slack"
            else:
                hit.location = "deleted file" if owner.entry.deleted else "file"
            return
        fs = self.partition.fs
        assert fs is not None
        block = offset // fs.block_size
        if allocation.loaded and allocation.allocated(block):
            hit.location = "metadata"
        elif not allocation.loaded:
            hit.location = "unallocated or metadata"


def _file_to_partition(runs: tuple[tuple[int, int], ...], block_size: int, offset: int) -> int | None:
    position = 0
    for start, length in runs:
        span = length * block_size
        if position <= offset < position + span:
            return start * block_size + (offset - position)
        position += span
    return None


def _scan(read: Any, patterns: list[tuple[str, Any]], cancel: CancelToken) -> Iterator[tuple[int, bytes, str]]:
    """Matches in a stream read in chunks, with an overlap so border-crossing hits are found once."""
    overlap = max(max(len(p.pattern) for _, p in patterns) - 1, 0)
    if any(not _is_literal(p) for _, p in patterns):
        overlap = max(overlap, REGEX_OVERLAP)
    carry = b""
    base = 0  # stream offset of carry[0]
    while True:
        cancel.check()
        chunk = read(CHUNK)
        data = carry + chunk
        if not data:
            return
        last = not chunk
        limit = len(data) if last else max(len(data) - overlap, 0)
        for encoding, pattern in patterns:
            for match in pattern.finditer(data):
                if match.start() >= limit:
                    break
                if match.end() == match.start():
                    continue
                yield base + match.start(), match.group(0), encoding
        if last:
            return
        carry = data[limit:]
        base += limit


def _is_literal(pattern: Any) -> bool:
    return bool(re.escape(re.sub(rb"\\(.)", rb"\1", pattern.pattern)) == pattern.pattern)
