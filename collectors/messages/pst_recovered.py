"""Items a PST no longer lists (deleted, purged from its index) recovered by libpff's scan, via ``pffexport``.

``libpff-python`` walks folders and orphans but does not expose libpff's
recovery scan; Debian's ``pffexport -m recovered`` (the same library) does, and
writes what it finds as text files. Those files are plaintext evidence, so they
are written only to a private folder in memory-backed storage (``/dev/shm``) and
removed at once; without such storage the scan is not run and a warning says so.
Each recovered item is rebuilt as MIME like any other Outlook item and marked
``recovered``: libpff may rebuild it from parts of older copies, so what it holds
is what remained, not necessarily what was last saved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .mapi import MapiAttachment, MapiMessage

MEMORY_FOLDERS = ("/dev/shm", "/run/shm")
MAX_EXPORT_BYTES = 1 << 30
TIMEOUT = 3600


def memory_folder() -> str | None:
    """A writable memory-backed folder (tmpfs), or None."""
    try:
        mounts = Path("/proc/mounts").read_text()
    except OSError:
        return None
    for folder in MEMORY_FOLDERS:
        if any(line.split()[1:3] == [folder, "tmpfs"] for line in mounts.splitlines() if len(line.split()) > 2) \
                and os.access(folder, os.W_OK):
            return folder
    return None


def unavailable_reason() -> str | None:
    if shutil.which("pffexport") is None:
        return "pffexport (Debian package pff-tools) is not installed"
    if memory_folder() is None:
        return "no memory-backed folder (/dev/shm) to hold its plaintext output"
    return None


def recovered(path: Path) -> Iterator[tuple[str, MapiMessage]]:
    """``(name, message)`` for each recovered e-mail item; raises RuntimeError when the scan fails."""
    folder = memory_folder()
    assert folder is not None
    work = tempfile.mkdtemp(prefix="forensics-pff-", dir=folder)
    try:
        os.chmod(work, 0o700)
        target = Path(work) / "scan"
        done = subprocess.run(["pffexport", "-q", "-m", "recovered", "-f", "all", "-t", str(target), str(path)],
                              capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        export = Path(f"{target}.recovered")
        if not export.is_dir():
            if done.returncode != 0:
                raise RuntimeError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or "failed")
            return
        size = sum(p.stat().st_size for p in export.rglob("*") if p.is_file())
        if size > MAX_EXPORT_BYTES:
            raise RuntimeError(f"the recovered items take {size} bytes, more than {MAX_EXPORT_BYTES} kept in memory")
        for item in sorted(export.iterdir()):
            if item.is_dir() and (item / "OutlookHeaders.txt").is_file():
                yield item.name, _read_item(item)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fields(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text("utf-8", "replace").splitlines():
        key, colon, value = line.partition(":")
        if colon and key and not key.startswith((" ", "\t")) and key.strip() not in out:
            out[key.strip()] = value.strip()
    return out


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.split(".")[0].replace(" UTC", ""), "%b %d, %Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _recipients(path: Path) -> tuple[list[str], list[str], list[str]]:
    lists: dict[str, list[str]] = {"To": [], "CC": [], "BCC": []}
    if not path.is_file():
        return [], [], []
    for block in path.read_text("utf-8", "replace").split("\n\n"):
        fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.splitlines()) if k}
        name, address = fields.get("Display name", ""), fields.get("Email address", "")
        text = f"{name} <{address}>" if name and address and name != address else (address or name)
        if text:
            lists.setdefault(fields.get("Recipient type", "To"), []).append(text)
    return lists["To"], lists.get("CC", []), lists.get("BCC", [])


def _read_item(folder: Path) -> MapiMessage:
    head = _fields(folder / "OutlookHeaders.txt")
    mapi = MapiMessage(message_class=head.get("Message class"))
    internet = folder / "InternetHeaders.txt"
    mapi.transport_headers = internet.read_text("utf-8", "replace") if internet.is_file() else None
    mapi.subject = head.get("Subject")
    mapi.sender_name = head.get("Sender name")
    mapi.sender_address = head.get("Sender email address")
    mapi.date = _time(head.get("Client submit time")) or _time(head.get("Delivery time"))
    mapi.to, mapi.cc, mapi.bcc = _recipients(folder / "Recipients.txt")
    for name, attribute in (("Message.txt", "plain"), ("Message.html", "html")):
        if (folder / name).is_file():
            setattr(mapi, attribute, (folder / name).read_text("utf-8", "replace"))
    attachments = folder / "Attachments"
    if attachments.is_dir():
        for entry in sorted(attachments.rglob("*")):
            if entry.is_file():
                mapi.attachments.append(MapiAttachment(entry.name, "application/octet-stream", entry.read_bytes()))
    mapi.properties = {"recovered_by": "libpff recovery scan (pffexport -m recovered)",
                       "client_submit_time": head.get("Client submit time"), "delivery_time": head.get("Delivery time"),
                       "creation_time": head.get("Creation time"), "modification_time": head.get("Modification time"),
                       "has_transport_headers": bool(mapi.transport_headers)}
    return mapi
