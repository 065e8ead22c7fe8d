"""Outlook items (PST/OST through libpff, .msg through python-oxmsg) rebuilt as MIME messages.

Outlook does not keep a received message's bytes: it keeps properties (MAPI).
The message stored for such an item is therefore a reconstruction, marked
``reconstructed: true``: the original Internet headers where Outlook kept them
(``PR_TRANSPORT_MESSAGE_HEADERS``, every ``Received:`` and ``DKIM-Signature``
included, minus the MIME headers of a body that is rebuilt), else headers made
from the properties, then the plain and HTML bodies and the attachments. The
container file is stored as found beside it, so the properties can always be
read again from the original.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import Parser
from email.utils import format_datetime

MIME_HEADERS = ("content-type", "content-transfer-encoding", "mime-version", "content-disposition")
_POLICY = email.policy.compat32.clone(linesep="\r\n")


@dataclass
class MapiAttachment:
    name: str
    content_type: str
    data: bytes
    content_id: str | None = None
    embedded: bytes | None = None  # an attached Outlook item, already rebuilt as a message


@dataclass
class MapiMessage:
    """The properties a message is rebuilt from; every field optional (a damaged item lacks some)."""

    transport_headers: str | None = None
    subject: str | None = None
    sender_name: str | None = None
    sender_address: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    plain: str | None = None
    html: str | None = None
    attachments: list[MapiAttachment] = field(default_factory=list)
    message_class: str | None = None
    properties: dict[str, object] = field(default_factory=dict)  # other facts worth keeping (times, flags)


def rebuild(item: MapiMessage) -> bytes:
    """The message as RFC 822 bytes (CRLF line endings)."""
    body = _body(item)
    lines = _kept_headers(item.transport_headers) if item.transport_headers else _made_headers(item)
    head = "".join(f"{name}: {value}\r\n" for name, value in lines)
    return head.encode("utf-8", "surrogateescape") + body.as_bytes(policy=_POLICY)


def _kept_headers(text: str) -> list[tuple[str, str]]:
    parsed = Parser(policy=email.policy.compat32).parsestr(text.replace("\r\n", "\n").rstrip("\n") + "\n\n",
                                                           headersonly=True)
    out = []
    for name, value in parsed.raw_items():
        if name.lower() in MIME_HEADERS:
            continue
        out.append((name, "\r\n".join(str(value).split("\n"))))
    return out


def _made_headers(item: MapiMessage) -> list[tuple[str, str]]:
    from email.header import Header
    from email.utils import formataddr

    def encoded(text: str) -> str:
        return text if text.isascii() else Header(text, "utf-8").encode()

    out: list[tuple[str, str]] = []
    if item.sender_name or item.sender_address:
        name = item.sender_name or ""
        out.append(("From", formataddr((encoded(name), item.sender_address or "")) if item.sender_address
                    else encoded(name)))
    for header, values in (("To", item.to), ("Cc", item.cc), ("Bcc", item.bcc)):
        if values:
            out.append((header, ", ".join(encoded(v) for v in values)))
    if item.subject is not None:
        out.append(("Subject", encoded(item.subject)))
    if item.date is not None:
        moment = item.date if item.date.tzinfo else item.date.replace(tzinfo=UTC)
        out.append(("Date", format_datetime(moment.astimezone(UTC))))
    for header, value in (("Message-ID", item.message_id), ("In-Reply-To", item.in_reply_to),
                          ("References", item.references)):
        if value:
            out.append((header, value))
    return out


def _body(item: MapiMessage) -> MIMEBase:
    texts: list[MIMEBase] = []
    if item.plain is not None:
        texts.append(MIMEText(item.plain, "plain", "utf-8"))
    if item.html is not None:
        texts.append(MIMEText(item.html, "html", "utf-8"))
    if not texts:
        texts.append(MIMEText("", "plain", "utf-8"))
    main: MIMEBase = texts[0]
    if len(texts) > 1:
        main = MIMEMultipart("alternative", _subparts=texts)
    if not item.attachments:
        return main
    mixed = MIMEMultipart("mixed", _subparts=[main])
    for attachment in item.attachments:
        mixed.attach(_attachment_part(attachment))
    return mixed


def _attachment_part(attachment: MapiAttachment) -> MIMEBase:
    if attachment.embedded is not None:
        part = MIMEBase("message", "rfc822")
        part.set_payload(attachment.embedded.decode("utf-8", "surrogateescape"))
        part.add_header("Content-Disposition", "attachment", filename=attachment.name or "message.eml")
        return part
    maintype, _, subtype = (attachment.content_type or "application/octet-stream").partition("/")
    part = MIMEBase(maintype or "application", subtype or "octet-stream")
    part.set_payload(attachment.data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", attachment.name)
                    if not attachment.name.isascii() else attachment.name)
    if attachment.content_id:
        part.add_header("Content-ID", f"<{attachment.content_id.strip('<>')}>")
    return part
