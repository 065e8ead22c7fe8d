"""Chat exporters as plug-ins: each knows one export format; the service asks each in turn.

An exporter says whether a path is its format (:meth:`ChatExporter.detect`, which
returns the export's main file) and reads conversations from that file
(:meth:`ChatExporter.conversations`). It locates the media its rows name inside
the export folder (:meth:`ChatExporter.locate`), so every attachment is either a
file of the export or an explicit gap. Adding Zalo or WhatsApp's text export is
one new module with one registered class.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .model import Conversation

E = TypeVar("E", bound="type[ChatExporter]")
_EXPORTERS: dict[str, type[ChatExporter]] = {}


def register_exporter(name: str) -> Callable[[E], E]:
    def wrap(cls: E) -> E:
        if name in _EXPORTERS:
            raise ValueError(f"a chat exporter named {name!r} is already registered")
        _EXPORTERS[name] = cls
        cls.name = name
        return cls

    return wrap


def exporters() -> dict[str, type[ChatExporter]]:
    from . import facebook, telegram  # noqa: F401 (the built-in exporters register themselves)

    return dict(_EXPORTERS)


class ChatExporter:
    name = ""
    platform = ""
    format = ""

    def __init__(self, root: Path, main_file: Path, zone: ZoneInfo) -> None:
        self.root = root
        self.main_file = main_file
        self.zone = zone
        self.account: dict[str, Any] = {}
        self.claimed: set[str] = set()
        self.problems: list[tuple[str, str]] = []  # (place, reason): files that could not be read at all
        self.incomplete: list[tuple[str, str]] = []  # (place, reason): read as far as they go
        self.broken = False
        self._files: set[str] | None = None

    @classmethod
    def detect(cls, path: Path) -> Path | None:
        """The export's main file if ``path`` (a folder or a file) is this format, else None."""
        raise NotImplementedError

    def conversations(self) -> Iterator[Conversation]:
        raise NotImplementedError

    def open(self, path: Path) -> Any:
        """The export's files are evidence: opened read-only without touching their access time."""
        from ...files.local import open_source

        return open_source(path, path.stat())

    def main_files(self) -> list[Path]:
        """The files conversations are read from (one for Telegram; one per thread part for Facebook)."""
        return [self.main_file]

    def files(self) -> set[str]:
        """Every regular file of the export folder, as a path relative to it ('/'-separated)."""
        if self._files is None:
            found = set()
            for folder, dirs, names in os.walk(self.root):
                dirs.sort()
                for name in names:
                    full = Path(folder) / name
                    if full.is_file() and not full.is_symlink():
                        found.add(full.relative_to(self.root).as_posix())
            self._files = found
        return self._files

    def locate(self, relative: str) -> dict[str, Any]:
        """``status``: ``present`` (and claimed as this row's attachment) or ``missing`` (named, not there)."""
        clean = relative.replace("\\", "/").lstrip("/")
        if clean in self.files():
            self.claimed.add(clean)
            return {"status": "present", "note": None}
        return {"status": "missing", "note": f"the export names {relative!r} but the file is not in the export folder"}
