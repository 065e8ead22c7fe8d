"""The mactime body file (TSK 3+ format), one line per entry, as ``fls -m`` writes it.

``MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`` with
times in whole seconds since 1970 UTC (FAT local times already converted with the
examiner's zone). Names are escaped as in every listing people read
(:mod:`.names`: ``\\xNN`` for control characters, non-UTF-8 bytes and ``|``,
``\\\\`` for a backslash), where fls prints ``^`` for a control character and
cannot be read back. NTFS names also get a ``($FILE_NAME)`` line: those times are
harder to forge than $STANDARD_INFORMATION's and examiners compare the two.
"""

from __future__ import annotations

from typing import TextIO

from .entries import Entry, mode_string
from .names import escape_name


def _field(raw: bytes) -> str:
    """A name in the body file: escaped as everywhere people read names (:mod:`.names`), ``|`` too."""
    return escape_name(raw, extra="|")


def deleted_marker(entry: Entry) -> str:
    """As ``fls -m``: a deleted name whose metadata now belongs to a live file is ``(deleted-realloc)``."""
    if entry.name_allocated:
        return ""
    return " (deleted-realloc)" if entry.meta_allocated else " (deleted)"


def body_lines(entry: Entry, mount: str = "/", *, with_file_name: bool = True) -> list[str]:
    """Lines for one entry; ``with_file_name`` for the first stream of an NTFS file only."""
    name = mount.rstrip("/") + "/" + _field(entry.path)
    if entry.link_target:
        name += " -> " + _field(entry.link_target)
    deleted = deleted_marker(entry)
    mode = mode_string(entry)
    m, a, c, b = entry.epochs
    size = entry.size if entry.meta_allocated is not None else 0
    lines = [f"0|{name}{deleted}|{entry.address}|{mode}|{entry.uid}|{entry.gid}|{size}|{a}|{m}|{c}|{b}"]
    if entry.file_name_epochs and with_file_name:
        fm, fa, fc, fb, attr_id, attr_size = entry.file_name_epochs
        base = mount.rstrip("/") + "/" + _field(entry.parent_path + b"/" + entry.name if entry.parent_path
                                                else entry.name)
        lines.insert(0, f"0|{base} ($FILE_NAME){deleted}|{entry.inode}-48-{attr_id}|{mode}|{entry.uid}|"
                        f"{entry.gid}|{attr_size}|{fa}|{fm}|{fc}|{fb}")
    return lines


class BodyWriter:
    """Writes entries in walk order, one $FILE_NAME line per NTFS file (as fls does)."""

    def __init__(self, out: TextIO, mount: str = "/") -> None:
        self.out = out
        self.mount = mount
        self._last: tuple[int, bytes, bytes] | None = None
        self.lines = 0

    def write(self, entry: Entry) -> None:
        key = (entry.inode, entry.parent_path, entry.name)
        first = key != self._last
        self._last = key
        for line in body_lines(entry, self.mount, with_file_name=first):
            self.out.write(line + "\n")
            self.lines += 1
