"""Looking at a file inside a disk image before extracting it: text, hex, image, PDF pages.

The file is read from the image (read-only) into memory, never to a file; at most
:data:`READ_LIMIT` bytes. Its type is read from its content (libmagic, the
``file`` command's library, as the rest of the toolkit reads types) and compared
with what its name claims, so a renamed file (a photo called ``hợp đồng.pdf``) is
flagged. Text is decoded with
the encoding charset-normalizer detects (with how sure it is). Looking is logged
like any preview: :func:`log_preview` writes the custody entry (on the image's
``disk_image`` item when the image is registered in the case, else on the case).
"""

from __future__ import annotations

import io
import mimetypes
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from collectors.disk import DiskImage, Entry, StreamReader, Walker, WalkOptions, assess
from collectors.disk.recovery import AllocationMap
from evidence_store import Case, SourceError, UsageError, Vault

from .disk import entries_for_inode

READ_LIMIT = 32 << 20  # bytes read into memory for one preview (a PDF or an image needs all of it)
TEXT_LIMIT = 2 << 20
HEX_DEFAULT = 4096
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-sh",
               "application/x-shellscript", "application/sql", "application/x-httpd-php")


@dataclass
class ContentType:
    """What the content is, what the name says, and whether they disagree."""

    media_type: str
    extension: str | None  # what the content's signature calls it (".pdf"), if anything
    name_media_type: str | None
    mismatch: bool
    candidates: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"media_type": self.media_type, "extension": self.extension, "name_media_type": self.name_media_type,
                "extension_mismatch": self.mismatch, "candidates": self.candidates}


_ZIP_BASED = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".jar", ".apk", ".xpi", ".kmz",
              ".wacz", ".zip", ".ipa", ".aar", ".whl"}
_magic_handle: list[Any] = []
_magic_lock = threading.Lock()


def _libmagic(head: bytes) -> str | None:
    """libmagic's media type (the ``file`` command's; the project reads types with it, see evidence_store.media)."""
    with _magic_lock:  # a libmagic handle is not thread-safe
        if not _magic_handle:
            try:
                import magic

                _magic_handle.append(magic.Magic(mime=True))
            except (ImportError, OSError):
                _magic_handle.append(None)
        handle = _magic_handle[0]
        if handle is None or not head:
            return None
        try:
            found = str(handle.from_buffer(head))
        except Exception:  # noqa: BLE001 - a type we cannot tell is said as unknown, never a failure
            return None
    return None if found in ("application/octet-stream", "application/x-empty", "inode/x-empty", "") else found


def _text_like(media: str | None) -> bool:
    return bool(media) and (media.startswith("text/") or media in _TEXT_TYPES)  # type: ignore[union-attr]


def content_type(head: bytes, name: str) -> ContentType:
    """The type from the first bytes (libmagic), and a flag when the file's extension claims something else."""
    suffix = PurePosixPath(name).suffix.lower()
    by_name = mimetypes.guess_type("x" + suffix, strict=False)[0] if suffix else None
    found = _libmagic(head)
    if found is None:
        media = "text/plain" if looks_like_text(head) else "application/octet-stream"
        mismatch = bool(suffix and by_name and media == "text/plain" and not _text_like(by_name))
        return ContentType(media, None, by_name, mismatch, [])
    extensions = mimetypes.guess_all_extensions(found, strict=False)
    agrees = (not suffix or by_name == found or suffix in extensions
              or (_text_like(found) and (by_name is None or _text_like(by_name)))
              or (found == "application/zip" and suffix in _ZIP_BASED))
    return ContentType(found, extensions[0] if extensions else None, by_name, not agrees, extensions)


def looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    if b"\x00" in head[:4096]:
        return False
    controls = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    return controls <= len(head[:4096]) // 100


def decode(data: bytes) -> tuple[str, str | None, float | None]:
    """(text, encoding, coherence) as charset-normalizer reads it; UTF-8 with replacement when it cannot."""
    from charset_normalizer import from_bytes

    if not data:
        return "", None, None
    best = from_bytes(data[:TEXT_LIMIT]).best()
    if best is None:
        return data[:TEXT_LIMIT].decode("utf-8", "replace"), None, None
    return str(best), best.encoding, round(float(best.coherence), 3)


@dataclass
class DiskPreview:
    entry: Entry
    data: bytes
    truncated: bool
    kind: str  # text | image | pdf | hex
    type: ContentType
    recovery: dict[str, Any]
    read_error: str | None = None
    text: str | None = None
    encoding: str | None = None
    coherence: float | None = None
    image: dict[str, Any] | None = None
    pdf: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entry": self.entry.to_json(), "bytes_read": len(self.data), "truncated": self.truncated,
            "shown_as": self.kind, "type": self.type.to_json(), "recovery": self.recovery,
            "read_error": self.read_error,
        }
        if self.text is not None:
            data |= {"text": self.text, "encoding": self.encoding, "encoding_coherence": self.coherence}
        if self.image is not None:
            data["image"] = self.image
        if self.pdf is not None:
            data["pdf"] = self.pdf
        return data

    def log_details(self) -> dict[str, Any]:
        """What the custody entry says was looked at (no content)."""
        return {"purpose": "preview inside the disk image", "partition": self.entry.partition,
                "address": self.entry.address, "path": self.entry.display_path, "size": self.entry.size,
                "bytes_read": len(self.data), "shown_as": self.kind, "media_type": self.type.media_type,
                "extension_mismatch": self.type.mismatch}


def find_entry(image: DiskImage, *, inode: str | None, path: str | None, partition: int | None) -> Entry:
    """The one file an ``--inode`` or ``--path`` names (deleted names included)."""
    if (inode is None) == (path is None):
        raise UsageError("choose one of --inode or --path", message_vi="hãy chọn inode hoặc đường dẫn, một trong hai")
    if inode is not None:
        found = entries_for_inode(image, inode, partition)
    else:
        part = image.partition(partition)
        raw = path.encode("utf-8", "surrogateescape").strip(b"/")  # type: ignore[union-attr]
        parent, _, name = raw.rpartition(b"/")
        base, _, stream = name.partition(b":")
        found = [e for e in Walker(part, WalkOptions(runs=True)).walk(b"/" + parent) if e.name == base
                 and ((e.stream.name if e.stream is not None and e.stream.type == 128 else None) or b"") == stream]
        if not found:
            raise SourceError(f"partition {part.index} has no {path!r} (deleted names included)",
                              message_vi=f"phân vùng {part.index} không có {path!r} (kể cả tên đã xoá)")
    if all(e.is_dir for e in found):
        raise UsageError(f"{inode or path} is a directory; name a file (disk ls lists what is in it)",
                         message_vi=f"{inode or path} là thư mục; hãy chọn một tệp")
    with_content = [e for e in found if e.has_content]
    if not with_content:
        reason = next((r for e in found if (r := e.no_content_reason) is not None), "no content")
        raise SourceError(f"{inode or path}: nothing to show: {reason}",
                          message_vi=f"{inode or path}: không có gì để hiển thị: {reason}")
    return with_content[0]


def preview(image: DiskImage, entry: Entry, *, as_kind: str = "auto", limit: int = READ_LIMIT) -> DiskPreview:
    """Read ``entry`` (up to ``limit`` bytes) and work out how to show it."""
    if as_kind not in ("auto", "text", "hex", "image", "pdf"):
        raise UsageError("--as is one of auto, text, hex, image, pdf",
                         message_vi="cách hiển thị là một trong auto, text, hex, image, pdf")
    part = image.partition(entry.partition)
    fs = part.fs
    assert fs is not None
    try:
        tsk_file = fs.tsk.open_meta(inode=entry.inode)
    except OSError as exc:
        raise SourceError(f"{entry.display_path}: its metadata cannot be read: {str(exc).strip()[:160]}",
                          message_vi=f"{entry.display_path}: không đọc được siêu dữ liệu: {str(exc).strip()[:160]}") from exc
    reader = StreamReader(tsk_file, entry)
    data = reader.read(min(entry.size, limit))
    recovery = assess(entry, part, AllocationMap(part)).to_json()
    kind_type = content_type(data[:65536], entry.name.decode("utf-8", "replace"))
    kind = as_kind if as_kind != "auto" else _auto_kind(kind_type, data)
    shown = DiskPreview(entry, data, entry.size > len(data), kind, kind_type, recovery, reader.error)
    if kind == "text":
        shown.text, shown.encoding, shown.coherence = decode(data)
    elif kind == "image":
        shown.image = _image_facts(data)
        if shown.image is None:
            shown.kind = "hex"
    elif kind == "pdf":
        shown.pdf = _pdf_facts(data)
        if shown.pdf is None:
            shown.kind = "hex"
    return shown


def _auto_kind(kind: ContentType, data: bytes) -> str:
    media = kind.media_type
    if media.startswith("image/") and media not in ("image/x-xcf", "image/vnd.adobe.photoshop"):
        return "image"
    if media == "application/pdf":
        return "pdf"
    if media.startswith("text/") or media in _TEXT_TYPES or looks_like_text(data[:65536]):
        return "text"
    return "hex"


def _image_facts(data: bytes) -> dict[str, Any] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            return {"format": picture.format, "width": picture.size[0], "height": picture.size[1],
                    "mode": picture.mode}
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def _pdf_facts(data: bytes, pages: int = 20) -> dict[str, Any] | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        document = PdfReader(io.BytesIO(data))
        if document.is_encrypted:
            return {"pages": None, "encrypted": True, "text": []}
        count = len(document.pages)
        texts = [document.pages[n].extract_text() or "" for n in range(min(count, pages))]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        return {"pages": None, "error": str(exc)[:200], "text": []}
    return {"pages": count, "encrypted": False, "text": texts, "text_pages_shown": len(texts)}


def hex_dump(data: bytes, width: int = 16) -> str:
    lines = []
    for offset in range(0, len(data), width):
        chunk = data[offset:offset + width]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<{width * 3}} {text}")
    return "\n".join(lines)


def log_preview(vault: Vault, case: Case, image_path: Path | str, shown: DiskPreview) -> str:
    """The custody entry for a look inside an image: on its ``disk_image`` item if the case has it.

    Returns what was logged against (``item N`` or ``case NUMBER``), for the examiner to read.
    """
    from .case_access import require_visible
    from .disk_acquire import find_image_item

    require_visible(vault, case, "disk cat")
    with DiskImage.open(image_path, require_file_system=False) as image:
        item = find_image_item(vault, case, image.container)
    details = shown.log_details()
    if item is not None:
        vault.log("item.view", item=item, details=details)
        return f"item {item.id}"
    vault.log("disk.view", case=case, details={**details, "image": str(Path(image_path).resolve()),
                                                "registered": False})
    return f"case {case.number} (the image is not registered in it)"
