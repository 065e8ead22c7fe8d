"""Logical acquisition of local files and folders.

Each regular file becomes a content artifact; each folder a record whose children
keep the tree. Sources are never modified: files are opened with ``O_NOATIME``
where the OS allows (so reading does not change the access time we record) and
``O_NONBLOCK`` (so a FIFO swapped in after the scan cannot hang us). Special
files (FIFOs, sockets, devices) are refused; symbolic links are recorded, not
followed.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from evidence_store.errors import SourceError, UsageError, bilingual
from evidence_store.models import ItemWarning
from evidence_store.naming import display_name

from ..base import Artifact, register

NAME = "files"


def _iso_ns(ns: int) -> str:
    """UTC time with the file system's nanosecond field kept (as stat gives it)."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 1_000_000_000:09d}Z"


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _group(gid: int) -> str:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return str(gid)


def _birth_time(st: os.stat_result) -> str | None:
    """Creation time where the OS reports it (not through os.stat on Linux before Python 3.12)."""
    birth = getattr(st, "st_birthtime", None)
    return None if birth is None else _iso_ns(int(birth * 1e9))


def file_metadata(path: Path, st: os.stat_result) -> dict[str, Any]:
    raw = os.fsencode(path)
    meta: dict[str, Any] = {
        "path": display_name(raw),
        "size": st.st_size,
        "mode": stat.filemode(st.st_mode),
        "mode_octal": oct(stat.S_IMODE(st.st_mode)),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "owner": _owner(st.st_uid),
        "group": _group(st.st_gid),
        "inode": st.st_ino,
        "device": st.st_dev,
        "links": st.st_nlink,
        "times": {
            "modified": _iso_ns(st.st_mtime_ns),
            "accessed": _iso_ns(st.st_atime_ns),
            "changed": _iso_ns(st.st_ctime_ns),
            "born": _birth_time(st),
        },
        "time_zone": "UTC",
        "host": socket.gethostname(),
    }
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        meta["path_bytes_hex"] = raw.hex()
    return meta


@contextmanager
def open_source(path: Path, expected: os.stat_result) -> Iterator[BinaryIO]:
    """Open read-only without touching atime; refuse anything that changed since the scan."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        try:
            fd = os.open(path, flags | noatime)
        except PermissionError:
            if not noatime:
                raise
            fd = os.open(path, flags)  # O_NOATIME needs ownership; fall back
    except FileNotFoundError as exc:
        raise SourceError(f"{path} vanished before it could be read", path=str(path),
                          message_vi=f"{path} đã biến mất trước khi đọc được") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}", path=str(path),
                          message_vi=f"không đọc được {path}: {bilingual(exc)[1]}") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_ino, st.st_dev) != (expected.st_ino, expected.st_dev):
        os.close(fd)
        raise SourceError(f"{path} was replaced while being acquired; not read", path=str(path),
                          message_vi=f"{path} đã bị thay thế trong khi thu thập; không đọc")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        yield handle  # type: ignore[misc]


def _special_kind(mode: int) -> str | None:
    for test, label in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                        (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return label
    return None


@register(NAME)
class LocalFiles:
    """Plans the artifacts for some paths; reading happens later, in the service."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.refused: list[tuple[str, str]] = []
        self._counter = 0

    def check(self) -> None:
        """Fail early, before anything is written, on sources that cannot be taken."""
        problems, problems_vi = [], []
        for path in self.paths:
            try:
                st = path.lstat()
            except FileNotFoundError:
                problems.append(f"{path}: no such file or folder")
                problems_vi.append(f"{path}: không có tệp hoặc thư mục này")
                continue
            except OSError as exc:
                problems.append(f"{path}: {exc.strerror}")
                problems_vi.append(f"{path}: {bilingual(exc)[1]}")
                continue
            special = _special_kind(st.st_mode)
            if special:
                problems.append(f"{path}: is a {special}; only regular files and folders can be acquired")
                problems_vi.append(f"{path}: là tệp đặc biệt ({special}); chỉ thu thập được tệp thường và thư mục")
            elif stat.S_ISREG(st.st_mode) and not os.access(path, os.R_OK):
                problems.append(f"{path}: permission denied")
                problems_vi.append(f"{path}: không có quyền đọc")
        if problems:
            raise UsageError("cannot acquire: " + "; ".join(problems),
                             message_vi="không thu thập được: " + "; ".join(problems_vi))

    def artifacts(self) -> Iterator[Artifact]:
        for path in self.paths:
            absolute = Path(os.path.abspath(path))
            try:
                st = absolute.lstat()
            except OSError as exc:
                self._refuse(str(absolute), exc.strerror or str(exc), None)
                continue
            yield from self._walk(absolute, st, None)

    def _key(self) -> str:
        self._counter += 1
        return f"f{self._counter}"

    def _refuse(self, source: str, reason: str, folder: list[ItemWarning] | None) -> None:
        """A source not acquired: listed in ``refused`` and, inside a folder, a warning on the folder's item
        (so the vault and its custody log keep it, not only the terminal)."""
        self.refused.append((source, reason))
        if folder is not None:
            folder.append(ItemWarning("source_refused", f"not acquired: {source}: {reason}",
                                      f"không thu thập: {source}: {reason}", {"source": source, "reason": reason}))

    def _walk(self, path: Path, st: os.stat_result, parent: str | None) -> Iterator[Artifact]:
        name = display_name(os.fsencode(path.name)) or str(path)
        meta = file_metadata(path, st)
        if stat.S_ISLNK(st.st_mode):
            meta["link_target"] = display_name(os.fsencode(os.readlink(path)))
            yield Artifact(self._key(), "symlink", name, meta["path"], parent, metadata=meta,
                           warnings=[ItemWarning("symlink_not_followed",
                                                 "symbolic link recorded, its target was not acquired",
                                                 "liên kết tượng trưng được ghi nhận, đích của nó không được thu thập")])
            return
        if stat.S_ISDIR(st.st_mode):
            # The folder's entries are looked at before its item is handed on, so that what is refused in it
            # becomes a warning of the folder itself.
            warnings: list[ItemWarning] = []
            children: list[tuple[Path, os.stat_result]] = []
            try:
                entries = sorted(os.scandir(path), key=lambda e: os.fsencode(e.name))
            except OSError as exc:
                self._refuse(meta["path"], f"folder cannot be listed: {exc.strerror}", warnings)
                entries = []
            for entry in entries:
                child = Path(entry.path)
                shown = display_name(os.fsencode(child))
                try:
                    child_st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    self._refuse(shown, exc.strerror or str(exc), warnings)
                    continue
                special = _special_kind(child_st.st_mode)
                if special:
                    self._refuse(shown, f"{special}: not acquired", warnings)
                    continue
                children.append((child, child_st))
            key = self._key()
            yield Artifact(key, "folder", name, meta["path"], parent, metadata=meta, warnings=warnings)
            for child, child_st in children:
                yield from self._walk(child, child_st, key)
            return
        special = _special_kind(st.st_mode)
        if special:
            self._refuse(meta["path"], f"{special}: not acquired", None)
            return
        yield Artifact(self._key(), "file", name, meta["path"], parent,
                       opener=partial(open_source, path, st), size=st.st_size, metadata=meta)
