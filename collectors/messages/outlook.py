"""PST/OST files (libpff through ``libpff-python``) and .msg files (``python-oxmsg``) as mailbox sources.

A PST is walked folder by folder; a folder or item libpff cannot read (a broken
node) is skipped with its place and the walk goes on. Items libpff finds in the
index but in no folder ("orphans": typically deleted) are included and marked
``recovered``. Every e-mail item is rebuilt as MIME (see :mod:`.mapi`); items that
are not e-mails (contacts, appointments, tasks) are counted, not stored as messages.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from evidence_store.errors import one_line

from ..base import Artifact
from .mapi import MapiAttachment, MapiMessage, rebuild
from .rfc822 import warning
from .sources import Source

# MAPI property tags (MS-OXPROPS)
PR_MESSAGE_CLASS = 0x001A
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL = 0x0C1F
PR_SENDER_SMTP = 0x5D01
PR_DISPLAY_BCC = 0x0E02
PR_DISPLAY_CC = 0x0E03
PR_DISPLAY_TO = 0x0E04
PR_DELIVERY_TIME = 0x0E06
PR_INTERNET_MESSAGE_ID = 0x1035
PR_IN_REPLY_TO = 0x1042
PR_REFERENCES = 0x1039
PR_TRANSPORT_HEADERS = 0x007D
PR_CREATION_TIME = 0x3007
PR_MODIFICATION_TIME = 0x3008
PR_RECIPIENT_TYPE = 0x0C15
PR_DISPLAY_NAME = 0x3001
PR_EMAIL_ADDRESS = 0x3003
PR_SMTP_ADDRESS = 0x39FE
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
ATTACH_EMBEDDED_MSG = 5
STRING_TYPES = (0x1F, 0x1E)
TIME_TYPE = 0x40
INT_TYPES = (0x2, 0x3, 0x14)


def _props(item: Any) -> dict[int, Any]:
    """The first record set's properties by tag (strings, times and integers decoded; others as bytes)."""
    out: dict[int, Any] = {}
    try:
        if not item.number_of_record_sets:
            return out
        record = item.get_record_set(0)
        for index in range(record.number_of_entries):
            entry = record.get_entry(index)
            tag, kind = entry.entry_type, entry.value_type
            try:
                if kind in STRING_TYPES:
                    out[tag] = _clean(entry.data_as_string)
                elif kind == TIME_TYPE:
                    out[tag] = entry.data_as_datetime
                elif kind in INT_TYPES:
                    out[tag] = entry.data_as_integer
                else:
                    out[tag] = entry.data
            except (OSError, ValueError, TypeError):
                continue
    except (OSError, ValueError, TypeError):
        pass
    return out


def _utc(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime) or moment.year < 1700:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: Any) -> str | None:
    value = _utc(moment)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def _clean(value: Any) -> Any:
    """PT_STRING8 values often keep their C terminator: drop trailing NULs."""
    return value.rstrip("\x00") if isinstance(value, str) else value


def _split(names: Any) -> list[str]:
    return [n.strip() for n in str(_clean(names)).split(";") if n.strip()] if names else []


class PstSource(Source):
    format = "pst"

    def __init__(self, path: Any, reader: Any) -> None:
        super().__init__(path, reader)
        self.non_messages = 0
        self.folders = 0
        self.scan_note: str | None = None

    def container(self) -> Artifact:
        return self._file_container("pst")

    def total_bytes(self) -> int:
        return self.path.stat().st_size

    def groups(self) -> Iterator[list[Artifact]]:
        import pypff

        handle = pypff.file()
        try:
            handle.open(str(self.path))
        except OSError as exc:
            self._skip(self.display, f"libpff cannot open it: {str(exc).strip().splitlines()[0][:200]}")
            return
        try:
            try:
                root = handle.get_root_folder()
            except OSError as exc:
                self._skip(self.display, f"the root folder cannot be read: {one_line(exc)}")
                return
            yield from self._folder(root, "")
            try:
                orphans = handle.number_of_orphan_items
            except OSError:
                orphans = 0
            for index in range(orphans):
                place = f"{self.display}: orphan item {index + 1}"
                try:
                    item = handle.get_orphan_item(index)
                except OSError as exc:
                    self._skip(place, one_line(exc))
                    continue
                group = self._message(item, "(orphan items)", place, recovered=True)
                if group:
                    yield group
        finally:
            handle.close()
        yield from self._recovered()

    def _recovered(self) -> Iterator[list[Artifact]]:
        """Deleted items only libpff's recovery scan finds (see :mod:`.pst_recovered`)."""
        from . import pst_recovered

        reason = pst_recovered.unavailable_reason()
        if reason:
            self.scan_note = f"deleted items were not looked for: {reason}"
            return
        try:
            for name, mapi in pst_recovered.recovered(self.path):
                place = f"{self.display}: recovered {name}"
                yield self._group(mapi, "(recovered items)", place, None, recovered=True, orphan=False)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            self.scan_note = f"the recovery scan failed: {exc}"
            self.incomplete.append((self.display, self.scan_note))

    def _folder(self, folder: Any, path: str) -> Iterator[list[Artifact]]:
        self.folders += 1
        try:
            name = folder.name or ""
        except OSError:
            name = "?"
        here = f"{path}/{name}" if path or name else ""
        try:
            count = folder.number_of_sub_messages
        except OSError as exc:
            self._skip(f"{self.display}:{here}", f"folder cannot be listed: {one_line(exc)}")
            count = 0
        for index in range(count):
            place = f"{self.display}:{here or '/'} item {index + 1}"
            try:
                item = folder.get_sub_message(index)
            except OSError as exc:
                self._skip(place, f"unreadable node: {one_line(exc)}")
                continue
            group = self._message(item, here or "/", place, recovered=False)
            if group:
                yield group
        try:
            subfolders = folder.number_of_sub_folders
        except OSError as exc:
            self._skip(f"{self.display}:{here}", f"subfolders cannot be listed: {one_line(exc)}")
            subfolders = 0
        for index in range(subfolders):
            try:
                sub = folder.get_sub_folder(index)
            except OSError as exc:
                self._skip(f"{self.display}:{here} subfolder {index + 1}", f"unreadable node: {one_line(exc)}")
                continue
            yield from self._folder(sub, here)

    def _message(self, item: Any, folder: str, place: str, *, recovered: bool) -> list[Artifact] | None:
        try:
            props = _props(item)
            message_class = str(props.get(PR_MESSAGE_CLASS) or "")
            if message_class and not message_class.upper().startswith(("IPM.NOTE", "REPORT.IPM.NOTE", "IPM.POST")):
                self.non_messages += 1
                return None
            mapi = pst_message(item, props)
        except OSError as exc:
            self._skip(place, f"unreadable item: {one_line(exc)}")
            return None
        try:
            identifier = item.identifier
        except OSError:
            identifier = None
        return self._group(mapi, folder, place, identifier, recovered=recovered, orphan=recovered)

    def _group(self, mapi: MapiMessage, folder: str, place: str, identifier: int | None, *, recovered: bool,
               orphan: bool) -> list[Artifact]:
        data = rebuild(mapi)
        extra = {"locator": {"pst": {"folder": folder, "identifier": identifier,
                                     "message_class": mapi.message_class, "orphan": orphan,
                                     "recovery_scan": recovered and not orphan}},
                 "outlook": mapi.properties}
        notes = []
        if orphan:
            notes.append(warning("recovered_item", f"{place}: found in the file's index but in no folder "
                                 "(typically deleted); rebuilt from what remains",
                                 f"{place}: có trong chỉ mục của tệp nhưng không thuộc thư mục nào (thường là đã bị "
                                 "xoá); được dựng lại từ phần còn lại", place=place))
        elif recovered:
            notes.append(warning("recovered_item", f"{place}: a deleted item found by libpff's recovery scan; what it "
                                 "holds is what remained in the file, possibly from an older copy",
                                 f"{place}: mục đã bị xoá được libpff khôi phục; nội dung là phần còn lại trong tệp, "
                                 "có thể từ một bản cũ hơn", place=place))
        group = self.reader.artifacts(data, name=mapi.subject or f"item {identifier}", source=place,
                                      parent=self.container_key, folder=folder, recovered=recovered, extra=extra,
                                      reconstructed=True, warnings=notes)
        self.messages += 1
        return group


def pst_message(item: Any, props: dict[int, Any]) -> MapiMessage:
    """A libpff message item's properties, bodies and attachments."""
    mapi = MapiMessage(message_class=props.get(PR_MESSAGE_CLASS))
    mapi.transport_headers = props.get(PR_TRANSPORT_HEADERS) or None
    mapi.subject = props.get(PR_SUBJECT)
    if isinstance(mapi.subject, str) and mapi.subject[:1] == "\x01":
        mapi.subject = mapi.subject[2:]  # a normalised-subject prefix marker (MS-OXCMSG 2.2.1.46)
    mapi.sender_name = props.get(PR_SENDER_NAME)
    mapi.sender_address = props.get(PR_SENDER_SMTP) or props.get(PR_SENDER_EMAIL)
    mapi.date = _utc(props.get(PR_CLIENT_SUBMIT_TIME)) or _utc(props.get(PR_DELIVERY_TIME))
    mapi.message_id = props.get(PR_INTERNET_MESSAGE_ID)
    mapi.in_reply_to = props.get(PR_IN_REPLY_TO)
    mapi.references = props.get(PR_REFERENCES)
    mapi.to, mapi.cc, mapi.bcc = _recipients(item, props)
    mapi.plain = _text(item, "plain_text_body")
    mapi.html = _text(item, "html_body")
    mapi.properties = {"message_class": mapi.message_class, "client_submit_time": _iso(props.get(PR_CLIENT_SUBMIT_TIME)),
                       "delivery_time": _iso(props.get(PR_DELIVERY_TIME)),
                       "creation_time": _iso(props.get(PR_CREATION_TIME)),
                       "modification_time": _iso(props.get(PR_MODIFICATION_TIME)),
                       "has_transport_headers": bool(mapi.transport_headers)}
    try:
        count = item.number_of_attachments
    except OSError:
        count = 0
    for index in range(count):
        try:
            mapi.attachments.append(_pst_attachment(item.get_attachment(index), index))
        except OSError as exc:
            mapi.attachments.append(MapiAttachment(f"unreadable-attachment-{index + 1}.txt", "text/plain",
                                                   f"libpff could not read this attachment: {one_line(exc)}".encode()))
    return mapi


def _text(item: Any, attribute: str) -> str | None:
    try:
        value = getattr(item, attribute)
    except OSError:
        return None
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _recipients(item: Any, props: dict[int, Any]) -> tuple[list[str], list[str], list[str]]:
    lists: dict[int, list[str]] = {1: [], 2: [], 3: []}
    try:
        table = item.recipients
        count = table.number_of_sub_items if table is not None else 0
        for index in range(count):
            row = _props(table.get_sub_item(index))
            name = row.get(PR_DISPLAY_NAME) or ""
            address = row.get(PR_SMTP_ADDRESS) or row.get(PR_EMAIL_ADDRESS) or ""
            text = f"{name} <{address}>" if name and address and name != address else (address or name)
            lists.setdefault(int(row.get(PR_RECIPIENT_TYPE) or 1) & 0xF, []).append(text)
    except OSError:
        pass
    if not any(lists.values()):
        return _split(props.get(PR_DISPLAY_TO)), _split(props.get(PR_DISPLAY_CC)), _split(props.get(PR_DISPLAY_BCC))
    return lists[1], lists[2], lists[3]


def _pst_attachment(attachment: Any, index: int) -> MapiAttachment:
    props = _props(attachment)
    name = (props.get(PR_ATTACH_LONG_FILENAME) or props.get(PR_ATTACH_FILENAME) or
            getattr(attachment, "long_filename", None) or f"attachment-{index + 1}")
    mime_type = props.get(PR_ATTACH_MIME_TAG) or "application/octet-stream"
    if props.get(PR_ATTACH_METHOD) == ATTACH_EMBEDDED_MSG and attachment.number_of_sub_items:
        inner = attachment.get_sub_item(0)
        embedded = rebuild(pst_message(inner, _props(inner)))
        return MapiAttachment(name if name.endswith((".eml", ".msg")) else f"{name}.eml", "message/rfc822", b"",
                              embedded=embedded)
    size = attachment.size or 0
    data = attachment.read_buffer(size) if size else b""
    return MapiAttachment(name, mime_type, data, props.get(PR_ATTACH_CONTENT_ID))


class MsgSource(Source):
    """An Outlook .msg file: the file as the ``mailbox`` item, its message rebuilt beneath it."""

    format = "msg"

    def container(self) -> Artifact:
        return self._file_container("msg")

    def total_bytes(self) -> int:
        return self.path.stat().st_size

    def groups(self) -> Iterator[list[Artifact]]:
        from oxmsg import Message

        try:
            msg = Message.load(str(self.path))
            mapi = msg_message(msg)
        except Exception as exc:  # oxmsg raises ValueError and olefile errors on damaged or foreign files
            self._skip(self.display, f"not readable as an Outlook message ({type(exc).__name__}: {exc}); "
                                     "the file itself is stored")
            return
        data = rebuild(mapi)
        group = self.reader.artifacts(data, name=mapi.subject or self.path.name, source=self.display,
                                      parent=self.container_key, extra={"outlook": mapi.properties},
                                      reconstructed=True)
        self.messages += 1
        yield group


class _Props:
    """python-oxmsg's properties with string values cleaned of trailing NULs."""

    def __init__(self, props: Any) -> None:
        self._props = props

    def str_prop_value(self, tag: int) -> str | None:
        return _clean(self._props.str_prop_value(tag)) or None


def msg_message(msg: Any) -> MapiMessage:
    props = _Props(msg.properties)
    mapi = MapiMessage(message_class=msg.message_class)
    mapi.transport_headers = props.str_prop_value(PR_TRANSPORT_HEADERS) or None
    mapi.subject = _clean(msg.subject)
    mapi.sender_name = props.str_prop_value(PR_SENDER_NAME)
    mapi.sender_address = props.str_prop_value(PR_SENDER_SMTP) or props.str_prop_value(PR_SENDER_EMAIL)
    sent = msg.sent_date
    mapi.date = sent if isinstance(sent, datetime) and sent.year > 1700 else None
    mapi.message_id = props.str_prop_value(PR_INTERNET_MESSAGE_ID)
    mapi.in_reply_to = props.str_prop_value(PR_IN_REPLY_TO)
    mapi.references = props.str_prop_value(PR_REFERENCES)
    mapi.to = _split(props.str_prop_value(PR_DISPLAY_TO))
    mapi.cc = _split(props.str_prop_value(PR_DISPLAY_CC))
    mapi.bcc = _split(props.str_prop_value(PR_DISPLAY_BCC))
    mapi.plain = _clean(msg.body) or None
    html = msg.html_body
    mapi.html = (html.decode("utf-8", "replace") if isinstance(html, bytes) else html) or None
    for index, attachment in enumerate(msg.attachments):
        if not attachment.attached_by_value:
            mapi.attachments.append(MapiAttachment(f"attachment-{index + 1}-not-by-value.txt", "text/plain",
                                                   b"this attachment is not stored in the .msg by value "
                                                   b"(an embedded Outlook item or a link); see the .msg file"))
            continue
        mapi.attachments.append(MapiAttachment(attachment.file_name or f"attachment-{index + 1}",
                                               attachment.mime_type or "application/octet-stream",
                                               attachment.file_bytes or b""))
    mapi.properties = {"message_class": msg.message_class, "sent_date": _iso(sent),
                       "has_transport_headers": bool(mapi.transport_headers)}
    return mapi
