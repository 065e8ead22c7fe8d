"""A message's MIME tree: which parts are its body and which are attachments, and their text.

Parts are numbered as IMAP does (``1``, ``1.2``, ``2.1.1``). A leaf is a body part
when it is text (plain, HTML, enriched) shown inline without a file name; every
other leaf is an attachment, and an attached message (``message/rfc822``) is
kept as bytes so it can be parsed in turn. An attached message's bytes are cut
from the enclosing message when the parser's re-serialisation is found there
verbatim; otherwise the re-serialisation is kept and marked reconstructed.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import Message

from .headers import decode_8bit, decode_value

BODY_TYPES = ("text/plain", "text/html", "text/enriched")
MESSAGE_TYPES = ("message/rfc822", "message/global")
MAX_DEPTH = 20  # nested multiparts or attached messages deeper than this are not split further


def parse_bytes(data: bytes) -> Message:
    """Parse with compat32: header values kept exactly as written, nothing refolded."""
    return email.message_from_bytes(data, policy=email.policy.compat32)


@dataclass
class BodyPart:
    part: str
    content_type: str
    charset: str | None
    size: int
    problem: str | None = None


@dataclass
class AttachmentPart:
    part: str
    filename: str | None
    content_type: str
    disposition: str | None
    content_id: str | None
    data: bytes
    is_message: bool = False
    reconstructed: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Structure:
    bodies: list[BodyPart] = field(default_factory=list)
    attachments: list[AttachmentPart] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _disposition(part: Message) -> str | None:
    value = part.get("Content-Disposition")
    return str(value).split(";")[0].strip().lower() if value else None


def _filename(part: Message) -> tuple[str | None, list[str]]:
    try:
        raw = part.get_filename()
    except (ValueError, LookupError, UnicodeError) as exc:
        return None, [f"file name cannot be read: {exc}"]
    if raw is None:
        return None, []
    return decode_value(raw)


def structure(msg: Message, original: bytes) -> Structure:
    out = Structure()
    _walk(msg, "", out, original, 0)
    for defect in msg.defects:
        name = type(defect).__name__
        if name not in ("MissingHeaderBodySeparatorDefect",):
            out.problems.append(_defect_text(name, "message"))
    return out


def _defect_text(name: str, where: str) -> str:
    known = {
        "CloseBoundaryNotFoundDefect": "the MIME closing boundary is missing: the message may be cut off",
        "StartBoundaryNotFoundDefect": "the MIME start boundary is missing: the parts cannot be separated",
        "MultipartInvariantViolationDefect": "declared multipart but has no parts",
        "MissingHeaderBodySeparatorDefect": "no blank line between the headers and the body",
        "InvalidBase64PaddingDefect": "base64 padding is wrong",
        "InvalidBase64CharactersDefect": "base64 holds characters outside its alphabet (ignored)",
        "InvalidBase64LengthDefect": "base64 length is wrong: the last bytes cannot be decoded",
        "NoBoundaryInMultipartDefect": "a multipart without a boundary parameter",
        "FirstHeaderLineIsContinuationDefect": "the first header line is a continuation line",
        "MisplacedEnvelopeHeaderDefect": "a 'From ' envelope line among the headers",
    }
    return f"{where}: {known.get(name, name)}"


def _walk(part: Message, number: str, out: Structure, original: bytes, depth: int) -> None:
    content_type = part.get_content_type()
    if part.is_multipart() and content_type not in MESSAGE_TYPES:
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        if depth >= MAX_DEPTH:
            out.problems.append(f"part {number or '1'}: nested deeper than {MAX_DEPTH} levels; not split further")
            return
        for index, child in enumerate(children, start=1):
            _walk(child, f"{number}.{index}" if number else str(index), out, original, depth + 1)
            for defect in child.defects:
                out.problems.append(_defect_text(type(defect).__name__, f"part {number}.{index}" if number else
                                                 f"part {index}"))
        return
    where = number or "1"
    filename, trouble = _filename(part)
    disposition = _disposition(part)
    problems = [f"part {where}: {p}" for p in trouble]
    if content_type in MESSAGE_TYPES:
        data, reconstructed = _attached_message_bytes(part, original)
        out.attachments.append(AttachmentPart(where, filename, content_type, disposition, _cid(part), data,
                                              is_message=True, reconstructed=reconstructed, problems=problems))
        return
    if content_type in BODY_TYPES and disposition != "attachment" and not filename:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        out.bodies.append(BodyPart(where, content_type, part.get_content_charset(), size))
        return
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    out.attachments.append(AttachmentPart(where, filename, content_type, disposition, _cid(part), data,
                                          problems=problems))


def _cid(part: Message) -> str | None:
    value = part.get("Content-ID")
    return decode_value(value)[0] or None if value is not None else None


def _attached_message_bytes(part: Message, original: bytes) -> tuple[bytes, bool]:
    """The attached message as it appears inside ``original``, else its re-serialisation (reconstructed)."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        raw = part.get_payload(decode=True)
        return (raw if isinstance(raw, bytes) else b""), False
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):  # not allowed for message/rfc822, but seen: decode it
        raw = part.get_payload(decode=True)
        if isinstance(raw, bytes) and raw:
            return raw, False
    regenerated = inner.as_bytes(unixfrom=False, policy=email.policy.compat32.clone(linesep="\n"))
    for candidate in (regenerated, regenerated.replace(b"\n", b"\r\n")):
        if candidate and original.find(candidate) >= 0:
            return candidate, False
        trimmed = candidate.rstrip(b"\r\n")
        if trimmed and original.find(trimmed) >= 0:
            start = original.find(trimmed)
            return original[start:start + len(trimmed)], False
    return regenerated, True


def body_text(part_msg: Message, body: BodyPart) -> tuple[str, str | None]:
    """The decoded text of one body part, and a problem when its charset had to be guessed."""
    node = _find(part_msg, body.part)
    if node is None:
        return "", None
    payload = node.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = node.get_content_charset()
    if not charset:
        try:
            return data.decode("ascii"), None
        except UnicodeDecodeError:
            text, guess = decode_8bit(data)
            return text, (f"part {body.part}: 8-bit text with no declared charset, read as {guess} (a guess)"
                          if guess else f"part {body.part}: 8-bit text with no declared charset, read as UTF-8")
    try:
        return data.decode(charset), None
    except LookupError:
        return data.decode("utf-8", "replace"), f"part {body.part}: unknown charset {charset!r}; read as UTF-8"
    except UnicodeDecodeError:
        return data.decode(charset, "replace"), f"part {body.part}: bytes not valid {charset}; replaced"


def _find(msg: Message, number: str) -> Message | None:
    node = msg
    if number == "1" and not msg.is_multipart():
        return msg
    for index in number.split("."):
        payload = node.get_payload()
        if not isinstance(payload, list):
            return None
        position = int(index) - 1
        child = payload[position] if position < len(payload) else None
        if not isinstance(child, Message):
            return None
        node = child
    return node


def message_text(data: bytes, *, limit: int = 2_000_000) -> str:
    """A message's readable text: its plain bodies, else its HTML bodies as text (for search and previews)."""
    msg = parse_bytes(data)
    found = structure(msg, data)
    plain = [b for b in found.bodies if b.content_type != "text/html"]
    chosen = plain or found.bodies
    pieces = []
    for body in chosen:
        text, _ = body_text(msg, body)
        if body.content_type == "text/html":
            text = html_to_text(text)
        pieces.append(text)
        if sum(len(p) for p in pieces) > limit:
            break
    return "\n\n".join(pieces)[:limit]


def html_to_text(html: str) -> str:
    """Text of an HTML body (scripts and styles dropped), without fetching anything."""
    if not html.strip():
        return ""
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, TypeError, Exception):  # lxml raises ParserError subclasses on empty or odd input
        return html
    for bad in tree.xpath("//script|//style|//head"):
        bad.drop_tree()
    for br in tree.xpath("//br|//p|//div|//tr|//li"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())
