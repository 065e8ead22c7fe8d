"""Image containers (raw, split raw, E01, VMDK, VHD, QCOW) as one read-only byte source.

Each container is opened read-only by its own library and handed to pytsk3 through
an ``Img_Info`` subclass of type ``TSK_IMG_TYPE_EXTERNAL`` (the pytsk3 wheel's TSK
is built without libewf, and one code path for every format is easier to trust).
The container also reports what it stores about itself (E01 case data and
acquisition hashes), because an examiner must compare those with what we compute.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytsk3

from evidence_store.errors import SourceError, bilingual, one_line

_EWF_SIGNATURES = (b"EVF\x09\x0d\x0a\xff\x00", b"LVF\x09\x0d\x0a\xff\x00", b"EVF2\x0d\x0a\x81\x00")
_SPLIT_PATTERNS = (
    re.compile(r"^(?P<stem>.+)\.(?P<num>\d{3})$"),      # .000/.001 or .001/.002
    re.compile(r"^(?P<stem>.+)\.(?P<alpha>[a-z]{2})$"),  # .aa/.ab (split -a 2)
)


class ByteSource(Protocol):
    size: int

    def read_at(self, offset: int, size: int) -> bytes: ...

    def close(self) -> None: ...


@dataclass
class Container:
    """An opened image: format, segment files, size, stored metadata, and its bytes."""

    path: Path
    format: str
    segments: list[Path]
    source: ByteSource
    sector_size: int = 512
    stored: dict[str, Any] = field(default_factory=dict)
    stored_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.source.size

    def read(self, offset: int, size: int) -> bytes:
        return self.source.read_at(offset, size)

    def close(self) -> None:
        self.source.close()

    def describe(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            "segments": [str(p) for p in self.segments],
            "media_size": self.size,
            "sector_size": self.sector_size,
            "stored_metadata": self.stored,
            "stored_hashes": self.stored_hashes,
        }


class TskImage(pytsk3.Img_Info):  # type: ignore[misc]
    """pytsk3 image backed by a :class:`ByteSource` (reads past the end return short)."""

    def __init__(self, source: ByteSource) -> None:
        self._source = source
        self._size = source.size
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:
        if offset >= self._size:
            return b""
        return self._source.read_at(offset, min(size, self._size - offset))

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:  # the container owns the source
        pass


# -- byte sources ----------------------------------------------------------------
def _open_readonly(path: Path) -> int:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        try:
            return os.open(path, flags | noatime)
        except PermissionError:
            if not noatime:
                raise
            return os.open(path, flags)
    except OSError as exc:
        raise SourceError(f"cannot open image {path}: {exc.strerror or exc}", path=str(path),
                          message_vi=f"không mở được ảnh đĩa {path}: {bilingual(exc)[1]}") from exc


class RawSource:
    """One or more raw segment files read as one stream (split raw), with pread."""

    def __init__(self, segments: list[Path]) -> None:
        self._fds: list[int] = []
        self._starts: list[int] = []
        self.size = 0
        try:
            for path in segments:
                fd = _open_readonly(path)
                self._fds.append(fd)
                self._starts.append(self.size)
                self.size += os.fstat(fd).st_size
        except BaseException:
            self.close()
            raise

    def read_at(self, offset: int, size: int) -> bytes:
        parts: list[bytes] = []
        index = self._segment_index(offset)
        while size > 0 and index < len(self._fds):
            start = self._starts[index]
            end = self._starts[index + 1] if index + 1 < len(self._starts) else self.size
            want = min(size, end - offset)
            data = os.pread(self._fds[index], want, offset - start) if want > 0 else b""
            parts.append(data)
            if len(data) < want:
                break
            offset += len(data)
            size -= len(data)
            index += 1
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _segment_index(self, offset: int) -> int:
        low, high = 0, len(self._starts) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self._starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return low

    def close(self) -> None:
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []


class LibyalSource:
    """A libyal handle (pyewf, pyvmdk, pyvhdi, pyqcow): seek + read under a lock."""

    def __init__(self, handle: Any, size: int, extra: list[Any] | None = None) -> None:
        self._handle = handle
        self._lock = threading.Lock()
        self._extra = extra or []
        self.size = size

    def read_at(self, offset: int, size: int) -> bytes:
        with self._lock:
            try:
                return bytes(self._handle.read_buffer_at_offset(size, offset))
            except (OSError, OverflowError) as exc:
                raise SourceError(f"cannot read the image at offset {offset}: {exc}",
                                  message_vi=f"không đọc được ảnh đĩa tại vị trí {offset}: {bilingual(exc)[1]}") from exc

    def close(self) -> None:
        for closer in [self._handle, *self._extra]:
            try:
                closer.close()
            except Exception:  # closing a damaged handle must not hide the real error
                pass


# -- detection -------------------------------------------------------------------
def split_segments(path: Path) -> list[Path]:
    """The segment files of a split raw image that starts at ``path`` (else just it)."""
    for pattern in _SPLIT_PATTERNS:
        match = pattern.match(path.name)
        if not match:
            continue
        stem = match.group("stem")
        if match.groupdict().get("num") is not None:
            first = int(match.group("num"))
            if first not in (0, 1):
                return [path]
            segments, number = [], first
            while (candidate := path.with_name(f"{stem}.{number:03d}")).is_file():
                segments.append(candidate)
                number += 1
            return segments if len(segments) > 1 else [path]
        if match.group("alpha") != "aa":
            return [path]
        segments = []
        for a in "abcdefghijklmnopqrstuvwxyz":
            for b in "abcdefghijklmnopqrstuvwxyz":
                candidate = path.with_name(f"{stem}.{a}{b}")
                if not candidate.is_file():
                    return segments if len(segments) > 1 else [path]
                segments.append(candidate)
    return [path]


def _head(path: Path, size: int = 512) -> bytes:
    fd = _open_readonly(path)
    try:
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)


def detect_format(path: Path) -> str:
    head = _head(path)
    if head.startswith(_EWF_SIGNATURES):
        return "ewf"
    if head.startswith(b"KDMV") or head.startswith(b"# Disk DescriptorFile") or head.startswith(b"COWD"):
        return "vmdk"
    if head.startswith(b"QFI\xfb"):
        return "qcow"
    if head.startswith(b"conectix") or head.startswith(b"vhdxfile"):
        return "vhd"
    if path.suffix.lower() == ".vhd" and path.stat().st_size >= 512:
        tail = _tail(path, 512)
        if tail.startswith(b"conectix"):
            return "vhd"
    return "raw"


def _tail(path: Path, size: int) -> bytes:
    fd = _open_readonly(path)
    try:
        total = os.fstat(fd).st_size
        return os.pread(fd, size, max(0, total - size))
    finally:
        os.close(fd)


def open_container(path: Path | str) -> Container:
    """Open any supported image read-only; a clear :class:`SourceError` otherwise."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such image file", path=str(path), message_vi=f"{path}: không có tệp ảnh đĩa này")
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a disk image", path=str(path),
                          message_vi=f"{path} là thư mục, không phải ảnh đĩa")
    if path.stat().st_size == 0:
        raise SourceError(f"{path} is empty (0 bytes): nothing to examine", path=str(path),
                          message_vi=f"{path} trống (0 byte): không có gì để kiểm tra")
    kind = detect_format(path)
    opener = {"ewf": _open_ewf, "vmdk": _open_vmdk, "vhd": _open_vhd, "qcow": _open_qcow}.get(kind)
    if opener is None:
        segments = split_segments(path)
        return Container(path, "split_raw" if len(segments) > 1 else "raw", segments, RawSource(segments))
    try:
        return opener(path)
    except SourceError:
        raise
    except (OSError, ImportError) as exc:
        raise SourceError(f"cannot open {path} as {kind.upper()}: {one_line(exc)}", path=str(path),
                          message_vi=f"không mở được {path} dưới dạng {kind.upper()}: {one_line(exc)}") from exc


def _open_ewf(path: Path) -> Container:
    import pyewf

    segments = [Path(p) for p in pyewf.glob(str(path))]
    if not segments:
        raise SourceError(f"{path}: no E01 segment files found", path=str(path),
                          message_vi=f"{path}: không tìm thấy các tệp phân đoạn E01")
    handle = pyewf.handle()
    handle.open([str(p) for p in segments], "r")
    try:
        _probe_last_sector(path, handle, segments)
        stored = {k: v for k, v in (handle.get_header_values() or {}).items() if v not in (None, "")}
        hashes = {k.lower().replace("-", ""): v.lower() for k, v in (handle.get_hash_values() or {}).items() if v}
        stored.update({"media_type": handle.get_media_type(), "compression_method": handle.get_compression_method(),
                       "bytes_per_sector": handle.get_bytes_per_sector(), "segments": len(segments)})
        source = LibyalSource(handle, handle.get_media_size())
        return Container(path, "ewf", segments, source, handle.get_bytes_per_sector() or 512, stored, hashes)
    except BaseException:
        handle.close()
        raise


def _probe_last_sector(path: Path, handle: Any, segments: list[Path]) -> None:
    """pyewf opens a set whose later segments are missing and fails only on reading them."""
    size, sector = handle.get_media_size(), handle.get_bytes_per_sector() or 512
    try:
        handle.read_buffer_at_offset(sector, max(0, size - sector))
    except OSError as exc:
        names = ", ".join(p.name for p in segments)
        raise SourceError(f"{path}: the E01 segment set is incomplete or damaged (found {names}; "
                          "the next segment is missing or unreadable)", path=str(path),
                          message_vi=f"{path}: bộ phân đoạn E01 không đầy đủ hoặc bị hỏng (tìm thấy {names}; phân đoạn tiếp "
                                     "theo bị thiếu hoặc không đọc được)") from exc


def _open_vmdk(path: Path) -> Container:
    import pyvmdk

    handle = pyvmdk.handle()
    handle.open(str(path), "r")
    try:
        handle.open_extent_data_files()
        segments = [path]
        for index in range(handle.get_number_of_extents()):
            name = handle.get_extent_descriptor(index).get_filename()
            if name:
                extent = path.with_name(Path(name).name)
                if extent != path and extent.is_file():
                    segments.append(extent)
        stored = {"disk_type": handle.get_disk_type(), "extents": handle.get_number_of_extents()}
        if handle.get_parent_filename():
            raise SourceError(f"{path} is a differencing VMDK (parent {handle.get_parent_filename()}); "
                              "open the parent chain's full image instead", path=str(path),
                              message_vi=f"{path} là VMDK vi sai (tệp cha {handle.get_parent_filename()}); hãy mở ảnh đầy đủ "
                                         "của chuỗi tệp cha")
        return Container(path, "vmdk", segments, LibyalSource(handle, handle.get_media_size()), 512, stored)
    except BaseException:
        handle.close()
        raise


def _open_vhd(path: Path) -> Container:
    import pyvhdi

    handle = pyvhdi.file()
    handle.open(str(path), "r")
    try:
        if handle.get_parent_filename():
            raise SourceError(f"{path} is a differencing VHD (parent {handle.get_parent_filename()}); "
                              "open a full image instead", path=str(path),
                              message_vi=f"{path} là VHD vi sai (tệp cha {handle.get_parent_filename()}); hãy mở một ảnh đầy đủ")
        stored = {"disk_type": handle.get_disk_type(), "format_version": handle.get_format_version()}
        return Container(path, "vhd", [path], LibyalSource(handle, handle.get_media_size()),
                         handle.get_bytes_per_sector() or 512, stored)
    except BaseException:
        handle.close()
        raise


def _open_qcow(path: Path) -> Container:
    import pyqcow

    handle = pyqcow.file()
    handle.open(str(path), "r")
    try:
        if handle.get_backing_filename():
            raise SourceError(f"{path} is a QCOW overlay (backing file {handle.get_backing_filename()}); "
                              "open a full image instead", path=str(path),
                              message_vi=f"{path} là lớp phủ QCOW (tệp nền {handle.get_backing_filename()}); hãy mở một ảnh đầy"
                                         " đủ")
        if handle.is_locked():
            raise SourceError(f"{path} is an encrypted QCOW image; decrypt it first", path=str(path),
                              message_vi=f"{path} là ảnh QCOW được mã hoá; hãy giải mã trước")
        return Container(path, "qcow", [path], LibyalSource(handle, handle.get_media_size()), 512, {})
    except BaseException:
        handle.close()
        raise
