"""Text out of evidence content, piece by piece, with maintained extractors and in bounded memory.

Plain text and HTML are streamed (an incremental decoder; lxml's feed parser),
so a file of any size is read in pieces of about :data:`PIECE_CHARS`. PDF
(pypdf), Word/Excel/PowerPoint (python-docx, openpyxl read-only,
python-pptx) and e-mail (Python's ``email`` package) need the whole document,
so they are read into memory (never to disk) up to :data:`MAX_DOCUMENT_BYTES`.
A document an extractor cannot read raises :class:`NotExtractable` with the
reason, which the index records; nothing crashes the indexer.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

PIECE_CHARS = 32_000
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
MAX_TEXT_CHARS = 512 * 1024 * 1024  # a text file's first 512 M characters are indexed

TEXT_EXTENSIONS = {".txt", ".text", ".csv", ".tsv", ".log", ".md", ".json", ".xml", ".ini", ".cfg", ".yaml",
                   ".yml", ".srt", ".vtt", ".sql", ".eml.txt"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
OFFICE = {".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".pptx": "pptx"}
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}


class NotExtractable(Exception):
    """The content could not be read as its type says (the reason is kept on the index)."""


@dataclass(frozen=True)
class Piece:
    place: str
    text: str


Reader = Callable[[], Iterator[bytes]]


def extractor_for(kind: str, name: str, media_type: str | None) -> str | None:
    """Which extractor reads this item's content, or None when it has no text to extract."""
    lower = name.lower()
    ext = lower[lower.rfind("."):] if "." in lower else ""
    media = (media_type or "").split(";")[0].strip().lower()
    if kind == "social_post":
        return "social_post"
    if kind == "conversation":
        return "chat_rows"
    if kind in ("page_text",):
        return "text"
    if kind == "html" or media in ("text/html", "application/xhtml+xml") or ext in HTML_EXTENSIONS:
        return "html"
    if kind == "message" or media == "message/rfc822" or ext == ".eml":
        return "email"
    if media == "application/pdf" or ext == ".pdf":
        return "pdf"
    if ext in OFFICE:
        return OFFICE[ext]
    if media in OFFICE_TYPES:
        return OFFICE_TYPES[media]
    if media.startswith("text/") or ext in TEXT_EXTENSIONS or media in ("application/json", "application/xml"):
        return "text"
    return None


def extract(extractor: str, read: Reader, *, size: int | None = None) -> Iterator[Piece]:
    """Pieces of text of one item's content; raises :class:`NotExtractable` with the reason."""
    if extractor == "text":
        return _plain_text(read())
    if extractor == "html":
        return _html(read())
    if extractor == "chat_rows":
        return _chat_rows(read())
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise NotExtractable(f"{extractor} document of {size} bytes is over the {MAX_DOCUMENT_BYTES} bytes read into "
                             "memory for extraction; its name and metadata are indexed")
    data = b"".join(read())
    return {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "email": _email,
            "social_post": _social_post}[extractor](data)


# -- chat conversations: one piece per message, placed by its row anchor ---------------------------------------
def _chat_rows(blocks: Iterator[bytes]) -> Iterator[Piece]:
    """A conversation's rows (JSON Lines, streamed): each message's sender and text, found again by its anchor."""
    from collectors.messages.chat.model import read_rows

    try:
        for row in read_rows(blocks):
            text = str(row.get("text") or "").strip()
            if not text:
                continue
            sender = row.get("sender") or {}
            name = (sender.get("name") or sender.get("id") or "") if isinstance(sender, dict) else str(sender)
            yield Piece(f"message {row.get('anchor')}", f"{name}: {text}" if name else text)
    except ValueError as exc:
        raise NotExtractable(f"the conversation's rows are not valid JSON Lines: {exc}") from exc


# -- plain text ---------------------------------------------------------------------------------------------
def _plain_text(blocks: Iterator[bytes]) -> Iterator[Piece]:
    first = True
    decoder: Any = None
    offset = 0
    carry = ""
    for block in blocks:
        if first:
            first = False
            encoding = "utf-8-sig"
            if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            elif b"\0" in block[:8192]:
                raise NotExtractable("binary content (NUL bytes in the first 8 KiB) in a file named or typed as text")
            decoder = codecs.getincrementaldecoder(encoding)("replace")
        carry += decoder.decode(block)
        while len(carry) >= PIECE_CHARS:
            cut = _cut(carry)
            yield Piece(f"offset {offset}", carry[:cut])
            offset += cut
            carry = carry[cut:]
            if offset >= MAX_TEXT_CHARS:
                return
    if decoder is not None:
        carry += decoder.decode(b"", final=True)
    if carry.strip():
        yield Piece(f"offset {offset}", carry)


def _cut(text: str) -> int:
    """Where to end a piece: the last whitespace before PIECE_CHARS (a word is never split)."""
    cut = text.rfind(" ", PIECE_CHARS // 2, PIECE_CHARS)
    if cut < 0:
        cut = text.rfind("\n", PIECE_CHARS // 2, PIECE_CHARS)
    return cut + 1 if cut >= 0 else PIECE_CHARS


def _pieces(parts: Iterable[tuple[str, str]]) -> Iterator[Piece]:
    """Group small parts (paragraphs, rows) into pieces; each piece is placed by its first part."""
    place, buffer, size = "", list[str](), 0
    for part_place, text in parts:
        if not text.strip():
            continue
        if not buffer:
            place = part_place
        buffer.append(text)
        size += len(text)
        if size >= PIECE_CHARS:
            yield Piece(place, "\n".join(buffer))
            buffer, size = [], 0
    if buffer:
        yield Piece(place, "\n".join(buffer))


# -- HTML ------------------------------------------------------------------------------------------------------
class _TextTarget:
    """lxml parser target: keeps text outside script/style/template."""

    SKIP = {"script", "style", "template", "noscript"}
    BREAK = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "title", "section",
             "article", "header", "footer", "blockquote", "pre", "table"}

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.skip = 0

    def start(self, tag: str, attrib: Any) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def data(self, text: str) -> None:
        if not self.skip:
            self.parts.append(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _html(blocks: Iterator[bytes], encoding: str | None = None) -> Iterator[Piece]:
    from lxml import etree

    target = _TextTarget()
    offset, carry = 0, ""
    parser: Any = None
    try:
        for block in blocks:
            if parser is None:  # the page's declared charset, else UTF-8 (not libxml2's Latin-1 guess)
                parser = etree.HTMLParser(target=target, encoding=encoding or _charset(block),
                                          remove_comments=True)
            parser.feed(block)
            if target.parts:
                carry += _squeeze("".join(target.parts))
                target.parts.clear()
            while len(carry) >= PIECE_CHARS:
                cut = _cut(carry)
                yield Piece(f"text offset {offset}", carry[:cut])
                offset += cut
                carry = carry[cut:]
        if parser is not None:
            parser.close()
    except (etree.LxmlError, LookupError) as exc:
        raise NotExtractable(f"HTML the parser cannot read: {exc}") from exc
    carry += _squeeze("".join(target.parts))
    if carry.strip():
        yield Piece(f"text offset {offset}", carry)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def _charset(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    found = _CHARSET.search(head[:8192])
    if found:
        name = found.group(1).decode("ascii", "replace")
        try:
            return codecs.lookup(name).name
        except LookupError:
            return "utf-8"
    return "utf-8"


def _squeeze(text: str) -> str:
    """Runs of blank lines and spaces left by markup collapsed (offsets are of the extracted text)."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line) + ("\n" if text.endswith("\n") else "")


# -- PDF -------------------------------------------------------------------------------------------------------
def _pdf(data: bytes) -> Iterator[Piece]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise NotExtractable("not a PDF: no %PDF- header")
    if b"%%EOF" not in data[-2048:]:
        raise NotExtractable("truncated PDF: no end-of-file marker (%%EOF) at its end")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repairs it makes are not the reader's business
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unknown encryption
                raise NotExtractable(f"encrypted PDF (a password is needed to read its text): {exc}") from exc
        pages = [(f"page {number}", page.extract_text() or "") for number, page in enumerate(reader.pages, 1)]
    except NotExtractable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise NotExtractable(f"damaged PDF: {type(exc).__name__}: {exc}") from exc
    return iter([Piece(place, text) for place, text in pages if text.strip()])


# -- Office ----------------------------------------------------------------------------------------------------
def _office(data: bytes, what: str, read: Callable[[io.BytesIO], list[tuple[str, str]]]) -> Iterator[Piece]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bad = archive.testzip()
        if bad is not None:
            raise NotExtractable(f"damaged {what} file: the part {bad} of its zip archive fails its CRC check")
        parts = read(io.BytesIO(data))
    except NotExtractable:
        raise
    except zipfile.BadZipFile as exc:
        raise NotExtractable(f"damaged {what} file: not a readable zip archive ({exc})") from exc
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OSError, EOFError, zipfile.LargeZipFile,
            SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise NotExtractable(f"damaged {what} file: {type(exc).__name__}: {exc}") from exc
    return _pieces(parts)


def _docx(data: bytes) -> Iterator[Piece]:
    def read(stream: io.BytesIO) -> list[tuple[str, str]]:
        import docx

        document = docx.Document(stream)
        parts = [(f"paragraph {n}", p.text) for n, p in enumerate(document.paragraphs, 1)]
        for t, table in enumerate(document.tables, 1):
            for r, row in enumerate(table.rows, 1):
                parts.append((f"table {t} row {r}", " | ".join(cell.text for cell in row.cells)))
        return parts

    return _office(data, "Word", read)


def _xlsx(data: bytes) -> Iterator[Piece]:
    def read(stream: io.BytesIO) -> list[tuple[str, str]]:
        import openpyxl

        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        parts = []
        try:
            for sheet in book.worksheets:
                for r, row in enumerate(sheet.iter_rows(values_only=True), 1):
                    values = [str(v) for v in row if v is not None and str(v).strip()]
                    if values:
                        parts.append((f"sheet {sheet.title} row {r}", " ".join(values)))
        finally:
            book.close()
        return parts

    return _office(data, "Excel", read)


def _pptx(data: bytes) -> Iterator[Piece]:
    def read(stream: io.BytesIO) -> list[tuple[str, str]]:
        import pptx

        presentation = pptx.Presentation(stream)
        parts = []
        for n, slide in enumerate(presentation.slides, 1):
            texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                texts.append(slide.notes_slide.notes_text_frame.text)
            parts.append((f"slide {n}", "\n".join(texts)))
        return parts

    return _office(data, "PowerPoint", read)


# -- e-mail ----------------------------------------------------------------------------------------------------
def _email(data: bytes) -> Iterator[Piece]:
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except (ValueError, TypeError, IndexError) as exc:
        raise NotExtractable(f"e-mail the parser cannot read: {exc}") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise NotExtractable("not an e-mail message: no header fields")
    pieces: list[Piece] = []
    headers = [f"{name}: {message.get(name, '')}" for name in ("From", "To", "Cc", "Subject", "Date")
               if message.get(name)]
    pieces.append(Piece("headers", "\n".join(headers)))
    attachments = []
    for n, part in enumerate(message.walk(), 1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename:
            attachments.append(filename)
        if part.get_content_disposition() == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type not in ("text/plain", "text/html"):
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError, AssertionError):
            payload = part.get_payload(decode=True) or b""
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        if content_type == "text/html":
            text = "".join(piece.text for piece in _html(iter([text.encode("utf-8")]), "utf-8"))
        pieces.extend(Piece(f"body part {n}" + (f" {p.place}" if p.place != "offset 0" else ""), p.text)
                      for p in _plain_text(iter([text.encode("utf-8")])))
    if attachments:
        pieces.append(Piece("attachments", "\n".join(attachments)))
    return iter(pieces)


# -- social-post records ---------------------------------------------------------------------------------------
def _social_post(data: bytes) -> Iterator[Piece]:
    import json

    try:
        record = json.loads(data)
    except ValueError as exc:
        raise NotExtractable(f"social-post record is not JSON: {exc}") from exc
    return iter(social_pieces(record))


def social_pieces(record: dict[str, Any]) -> list[Piece]:
    """The post (author, title, text) and each comment (author and text) as pieces."""
    author = record.get("author") or {}
    pieces = [Piece("post", "\n".join(filter(None, (
        author.get("name", ""), author.get("handle", ""), record.get("title", ""), record.get("text", ""),
        " ".join(record.get("hashtags") or []), " ".join(record.get("links") or [])))))]
    for n, comment in enumerate(record.get("comments") or [], 1):
        who = comment.get("author") or {}
        pieces.append(Piece(f"comment {n}" + (f" (id {comment['id']})" if comment.get("id") else ""),
                            "\n".join(filter(None, (who.get("name", ""), who.get("handle", ""),
                                                    comment.get("text", ""))))))
    return [p for p in pieces if p.text.strip()]
