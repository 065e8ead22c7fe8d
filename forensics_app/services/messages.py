"""Messages as evidence: import e-mail (EML, mbox, Maildir, PST/OST, MSG) and chat exports into a case.

Each source's container is stored first (the file as found), then its messages
one at a time; the vault commits every few thousand items, so memory stays
bounded whatever the mailbox size, and a cancel keeps what was committed (the
``mail.import`` custody entry says how far it got). Problems are warnings on the
items they concern; what could not be read at all is listed in ``skipped``.

Also here: re-running a message's authenticity checks from its recorded DNS
answers, reading a message for display, and reading a conversation's rows (the
stable reading of the ``conversation`` content that search and the timeline use).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.base import Artifact
from collectors.messages import authenticity as auth
from collectors.messages.headers import decode_value, raw_all
from collectors.messages.mime import body_text, parse_bytes, structure
from collectors.messages.options import MailOptions
from collectors.messages.received import hop_table
from collectors.messages.rfc822 import KIND_ATTACHMENT, KIND_MESSAGE, MessageReader
from collectors.messages.sources import Source, open_sources
from evidence_store import Batch, Case, Item, PendingItem, SourceError, UsageError, Vault
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import case_access
from .message_pipeline import default_workers, parsed

KEEP_KINDS = ("mailbox", "chat_export", "conversation")  # parents whose children come in later groups
CHUNK_ITEMS = 2000
CHUNK_BYTES = 256 * 1024 * 1024
READ_LIMIT = 512 * 1024 * 1024


@dataclass
class ImportResult:
    containers: list[Item] = field(default_factory=list)
    roots: list[Item] = field(default_factory=list)
    messages: int = 0
    attachments: int = 0
    items: int = 0
    bytes: int = 0
    warnings: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    incomplete: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not looked for, and why (e.g. deleted PST items)

    @property
    def problems(self) -> bool:
        """Something was skipped or stored incomplete: the command exits 1."""
        return bool(self.skipped or self.incomplete)

    def to_json(self) -> dict[str, Any]:
        return {"containers": [i.id for i in self.containers], "roots": [i.id for i in self.roots],
                "messages": self.messages, "attachments": self.attachments, "items": self.items,
                "bytes": self.bytes, "warnings": self.warnings, "sources": self.sources,
                "skipped": [{"place": p, "reason": r} for p, r in self.skipped],
                "incomplete": [{"place": p, "reason": r} for p, r in self.incomplete],
                "ignored": self.ignored, "notes": self.notes}


class ChunkedStore:
    """Adds artifact groups to the vault, committing every ``chunk_items`` items or ``chunk_bytes`` bytes.

    Commits happen only between groups, so a group's children always find their
    parent; the keys of containers (which outlive groups) are kept as item ids.
    """

    def __init__(self, vault: Vault, case: Case, result: ImportResult, *, extra_hashes: tuple[str, ...],
                 chunk_items: int, chunk_bytes: int, progress: Progress, cancel: CancelToken,
                 total: int | None) -> None:
        self.vault, self.case, self.result = vault, case, result
        self.extra_hashes, self.chunk_items, self.chunk_bytes = extra_hashes, chunk_items, chunk_bytes
        self.progress, self.cancel, self.total = progress, cancel, total
        self.batch: Batch | None = None
        self.pending: dict[str, PendingItem] = {}
        self.committed: dict[str, int] = {}
        self.keep: set[str] = set()
        self.in_batch = (0, 0)
        self.done = 0

    def add_group(self, group: list[Artifact], *, keep: bool = False) -> list[PendingItem]:
        if self.batch is None:
            self.batch = self.vault.batch(self.case, sync_each=False)
        added = []
        for artifact in group:
            self.cancel.check()
            parent: Any = None
            if artifact.parent is not None:
                parent = self.pending.get(artifact.parent) or self.committed.get(artifact.parent)
                if parent is None:
                    continue  # its parent was skipped
            pending = self._add(artifact, parent)
            self.pending[artifact.key] = pending
            if keep or artifact.kind in KEEP_KINDS:
                self.keep.add(artifact.key)
            added.append(pending)
            size = pending.content.size if pending.content else 0
            self.in_batch = (self.in_batch[0] + 1, self.in_batch[1] + size)
        if self.in_batch[0] >= self.chunk_items or self.in_batch[1] >= self.chunk_bytes:
            self.commit()
        return added

    def _add(self, artifact: Artifact, parent: Any) -> PendingItem:
        assert self.batch is not None
        common = dict(kind=artifact.kind, name=artifact.name, source=artifact.source, parent=parent,
                      metadata=artifact.metadata, warnings=artifact.warnings, media_type=artifact.media_type)
        if artifact.opener is None:
            return self.batch.add_record(**common)  # type: ignore[arg-type]
        before = self.done

        def step(done: int, _total: int | None, label: str) -> None:
            self.progress(before + done, self.total, label)

        with artifact.opener() as stream:
            pending = self.batch.add_content(stream, extra_hashes=self.extra_hashes, total=artifact.size,
                                             progress=step, cancel=self.cancel, **common)  # type: ignore[arg-type]
        self.done += pending.content.size if pending.content else 0
        return pending

    def commit(self) -> None:
        if self.batch is None:
            return
        batch, self.batch = self.batch, None
        for item in batch.commit():
            self.result.items += 1
            self.result.bytes += item.size or 0
            self.result.warnings += len(item.warnings)
            if item.kind == KIND_MESSAGE:
                self.result.messages += 1
            elif item.kind == KIND_ATTACHMENT:
                self.result.attachments += 1
            if item.parent_id is None:
                self.result.roots.append(item)
        for key in self.keep:
            pending = self.pending.get(key)
            if pending is not None and pending.item is not None:
                self.committed[key] = pending.item.id
        self.pending = {}
        self.in_batch = (0, 0)

    def discard(self) -> None:
        if self.batch is not None:
            self.batch.discard()
            self.batch = None


def import_mail(vault: Vault, case_ref: str | int, paths: list[Path], options: MailOptions = MailOptions(), *,
                extra_hashes: tuple[str, ...] = (), chunk_items: int = CHUNK_ITEMS, chunk_bytes: int = CHUNK_BYTES,
                workers: int | None = None, progress: Progress = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> ImportResult:
    """Import e-mail sources into a case; see the module docstring for what is stored."""
    case = case_access.reach_case(vault, case_ref, "mail add")
    reader = MessageReader(options)
    sources, refused = open_sources([Path(p) for p in paths], reader)
    if not sources:
        raise UsageError("nothing to import: " + "; ".join(f"{p}: {r}" for p, r in refused),
                         message_vi="không có gì để nhập: " + "; ".join(f"{p}: {r}" for p, r in refused))
    result = ImportResult(skipped=list(refused))
    total = sum(_safe_total(s) for s in sources) or None
    store = ChunkedStore(vault, case, result, extra_hashes=extra_hashes, chunk_items=chunk_items,
                         chunk_bytes=chunk_bytes, progress=progress, cancel=cancel, total=total)
    cancelled = False
    try:
        for source in sources:
            _import_source(store, source, result, default_workers() if workers is None else workers)
        store.commit()
    except BaseException:
        cancelled = True
        store.discard()
        raise
    finally:
        for source in sources:
            result.skipped += [s for s in source.skipped if s not in result.skipped]
            result.incomplete += [s for s in source.incomplete if s not in result.incomplete]
            result.ignored += getattr(source, "ignored", [])
            note = getattr(source, "scan_note", None)
            if note:
                result.notes.append(f"{source.display}: {note}")
        _log(vault, case, "mail.import", result, options.to_json(), cancelled)
    _analyse(vault, case, result, cancel)
    return result


def _analyse(vault: Vault, case: Case, result: ImportResult, cancel: CancelToken) -> None:
    """Search index, entities and timeline of what was imported, as after every acquisition."""
    if result.items:
        from .analysis import after_commit

        after_commit(vault, case, result.roots or result.containers, cancel=cancel)


def _safe_total(source: Source) -> int:
    try:
        return source.total_bytes()
    except OSError:
        return 0


def _import_source(store: ChunkedStore, source: Source, result: ImportResult, workers: int) -> None:
    container = None
    try:
        container = source.container()
    except OSError as exc:
        source._skip(source.display, f"cannot be read: {exc.strerror or exc}")
        return
    if container is not None:
        try:
            added = store.add_group([container], keep=True)
        except SourceError as exc:
            source._skip(source.display, str(exc))
            return
        store.commit()  # the container first: its id is needed by every message
        if added and added[0].item is not None:
            result.containers.append(added[0].item)
    jobs = source.jobs()
    if jobs is None:
        for group in source.groups():
            _store_group(store, source, group)
    else:
        for job, parsed_group, problem in parsed(source.reader, jobs, workers=workers):
            if parsed_group is None:
                source._skip(job.source, problem or "could not be parsed")
                continue
            _store_group(store, source, parsed_group)
    result.sources.append({"path": source.display, "format": source.format, "messages": source.messages,
                           "skipped": len(source.skipped)})


def _store_group(store: ChunkedStore, source: Source, group: list[Artifact]) -> None:
    store.add_group(group)
    head = group[0]
    truncated = head.kind == KIND_MESSAGE and any(w.code == "message_truncated" for w in head.warnings)
    if truncated and not any(place == head.source for place, _ in source.incomplete):
        source.incomplete.append((head.source, "the message ends early (MIME structure or file cut off)"))


def _log(vault: Vault, case: Case, action: str, result: ImportResult, options: dict[str, Any],
         cancelled: bool) -> None:
    try:
        vault.log(action, case=case, details={
            "options": options, "sources": result.sources, "messages": result.messages,
            "attachments": result.attachments, "items": result.items, "bytes": result.bytes,
            "skipped": len(result.skipped), "incomplete": len(result.incomplete), "notes": result.notes,
            "cancelled": cancelled,
            "pid": os.getpid()})
    except Exception:  # the log entry must not hide the error that stopped the import
        if not cancelled:
            raise


# -- reading a stored message -----------------------------------------------------------------------------
def read_content(vault: Vault, item: Item, limit: int = READ_LIMIT) -> bytes:
    """An item's decrypted content (each segment authenticated as it is read), logged as a viewing."""
    if not item.has_content:
        return b""
    if (item.size or 0) > limit:
        raise UsageError(f"item {item.id} is {item.size} bytes; larger than {limit} bytes cannot be shown here",
                         message_vi=f"mục {item.id} có {item.size} byte; không hiển thị được ở đây mục lớn hơn {limit} byte")
    data = b"".join(vault.read_item(item))
    vault.record_view(item)
    return data


@dataclass
class MessageView:
    """What a person reads of a message: headers as written, bodies as text/HTML, attachments, route, checks."""

    item: Item
    headers: list[tuple[str, str]]
    plain: str
    html: str | None
    attachments: list[Any]
    received: list[dict[str, Any]]
    authenticity: dict[str, Any] | None
    problems: list[str]


def message_view(vault: Vault, item_ref: int | str) -> MessageView:
    item = case_access.reach_item(vault, item_ref, "mail show")
    if item.kind != KIND_MESSAGE:
        raise UsageError(f"item {item.id} is a {item.kind}, not a message",
                         message_vi=f"mục {item.id} là {item.kind}, không phải thư điện tử")
    return describe_message(item, read_content(vault, item), vault.list_items(item.case_id, parent_id=item.id))


def describe_message(item: Item, data: bytes, children: list[Any]) -> MessageView:
    """What a reader sees of a message whose bytes are already read (the app's viewer has them)."""
    msg = parse_bytes(data)
    headers = [(name, decode_value(value)[0]) for name, value in msg.raw_items()]
    found = structure(msg, data)
    plain_parts: list[str] = []
    html_parts: list[str] = []
    problems = list(found.problems)
    for body in found.bodies:
        text, problem = body_text(msg, body)
        if problem:
            problems.append(problem)
        (html_parts if body.content_type == "text/html" else plain_parts).append(text)
    summary = item.metadata.get("message") or {}
    plain = "\n\n".join(plain_parts)
    if not plain and html_parts:
        from collectors.messages.mime import html_to_text

        plain = "\n\n".join(html_to_text(h) for h in html_parts)
    return MessageView(item, headers, plain, "\n".join(html_parts) if html_parts else None,
                       [c for c in children if c.kind == KIND_ATTACHMENT], summary.get("received") or [],
                       summary.get("authenticity"), problems)


def recheck(vault: Vault, item_ref: int | str, *, dns_answers: list[dict[str, Any]] | None = None,
            fetch_dns: bool = False, trusted_hosts: tuple[str, ...] | None = None,
            dns_server: str | None = None) -> dict[str, Any]:
    """Repeat a message's DKIM/ARC checks, by default from the DNS answers recorded at import.

    The result is not written into the item (its record is fixed at acquisition); it is
    logged as a ``mail.recheck`` custody entry with what was used and what came out.
    """
    item = case_access.reach_item(vault, item_ref, "mail recheck")
    if item.kind != KIND_MESSAGE:
        raise UsageError(f"item {item.id} is a {item.kind}, not a message",
                         message_vi=f"mục {item.id} là {item.kind}, không phải thư điện tử")
    summary = item.metadata.get("message") or {}
    recorded = (summary.get("authenticity") or {}).get("dns") or []
    trusted = tuple(trusted_hosts) if trusted_hosts is not None else ()
    data = read_content(vault, item)
    msg = parse_bytes(data)
    raw_headers = [(n, str(v)) for n, v in msg.raw_items()]
    if item.metadata.get("reconstructed"):
        outcome = auth.not_checkable(raw_headers, "the message was rebuilt from stored properties; its bytes are "
                                     "not the ones that were signed", trusted)
        source = "none"
    else:
        usable = [r for r in recorded if r.get("status") in ("answer", "no record")]
        if dns_answers is not None:
            dns = auth.DnsAnswers.from_records(dns_answers, fetch=fetch_dns, resolver=auth.resolver_for(dns_server))
            source = "supplied"
        elif fetch_dns:
            dns = auth.DnsAnswers(fetch=True, resolver=auth.resolver_for(dns_server))
            source = "fetched"
        else:
            dns = auth.DnsAnswers.from_records(usable, source="recorded")
            source = "recorded"
        outcome = auth.check(data, raw_headers, dns, trusted)
    outcome["dns_source"] = source
    outcome["received"] = hop_table(raw_all(msg, "Received"), trusted) if trusted_hosts else None
    vault.log("mail.recheck", item=item, details={
        "dns_source": source, "dkim": [{k: r.get(k) for k in ("index", "domain", "selector", "result")}
                                       for r in outcome.get("dkim") or []],
        "arc": (outcome.get("arc") or {}).get("result"), "dns": outcome.get("dns")})
    return outcome


def load_dns_answers(path: Path) -> list[dict[str, Any]]:
    """A JSON file of DNS answers: ``{"name": "txt", …}``, or a list of ``{"name", "answer"}`` (as recorded)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read DNS answers ({exc})",
                         message_vi=f"{path}: không đọc được các câu trả lời DNS ({exc})") from exc
    if isinstance(data, dict):
        return [{"name": k, "answer": v, "status": "answer" if v else "no record"} for k, v in data.items()]
    if isinstance(data, list) and all(isinstance(r, dict) and "name" in r for r in data):
        return [dict(r, status=r.get("status") or ("answer" if r.get("answer") else "no record")) for r in data]
    raise UsageError(f"{path}: expected an object of name → TXT record, or a list of {{name, answer}}",
                     message_vi=f"{path}: cần một đối tượng tên → bản ghi TXT, hoặc danh sách {{name, answer}}")


# -- chat exports -----------------------------------------------------------------------------------------
def import_chat(vault: Vault, case_ref: str | int, paths: list[Path], *, exporter: str | None = None,
                timezone: str | None = None, extra_hashes: tuple[str, ...] = (), chunk_items: int = CHUNK_ITEMS,
                chunk_bytes: int = CHUNK_BYTES, progress: Progress = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> ImportResult:
    """Import chat exports (Telegram Desktop JSON, Facebook DYI JSON/HTML) into a case.

    Each conversation is one ``conversation`` item whose content is its rows (JSON Lines,
    see ``collectors.messages.chat.model``); the export's files are kept as they are, the
    media under the conversation that names them. Missing media are skipped with their place.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from collectors.messages.chat.source import ChatSource, detect

    from .settings import get

    case = case_access.reach_case(vault, case_ref, "chat add")
    zone_name = timezone or str(get(vault, "timezone"))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {zone_name!r}", message_vi=f"múi giờ không xác định {zone_name!r}") from exc
    sources: list[ChatSource] = []
    refused: list[tuple[str, str]] = []
    for path in paths:
        if not Path(path).exists():
            refused.append((str(path), "no such file or folder"))
            continue
        found = detect(Path(path), exporter)
        if found is None:
            refused.append((str(path), "not a chat export this tool reads (Telegram Desktop result.json, "
                                       "Facebook messages folder)"))
            continue
        sources.append(ChatSource(Path(path), found[0], found[1], zone))
    if not sources:
        raise UsageError("nothing to import: " + "; ".join(f"{p}: {r}" for p, r in refused),
                         message_vi="không có gì để nhập: " + "; ".join(f"{p}: {r}" for p, r in refused))
    result = ImportResult(skipped=list(refused))
    total = sum(s.total_bytes() for s in sources) or None
    store = ChunkedStore(vault, case, result, extra_hashes=extra_hashes, chunk_items=chunk_items,
                         chunk_bytes=chunk_bytes, progress=progress, cancel=cancel, total=total)
    cancelled = False
    try:
        for source in sources:
            for group in source.groups():
                store.add_group(group)
            result.sources.append({"path": source.display, "format": source.exporter.format,
                                   "conversations": source.conversations, "messages": source.messages,
                                   "skipped": len(source.skipped)})
        store.commit()
    except BaseException:
        cancelled = True
        store.discard()
        raise
    finally:
        for source in sources:
            result.skipped += source.skipped
            result.incomplete += source.incomplete
        result.messages = sum(s.messages for s in sources)
        _log(vault, case, "chat.import", result, {"exporter": exporter, "timezone": zone.key}, cancelled)
    _analyse(vault, case, result, cancel)
    return result


def conversation_rows(vault: Vault, item_ref: int | str, *, start: int = 0,
                      limit: int | None = None) -> tuple[Item, list[dict[str, Any]]]:
    """Rows ``start`` … ``start + limit`` of a conversation (read from the vault, logged as a viewing)."""
    from collectors.messages.chat.model import read_rows

    item = case_access.reach_item(vault, item_ref, "chat show")
    if item.kind != "conversation":
        raise UsageError(f"item {item.id} is a {item.kind}, not a conversation",
                         message_vi=f"mục {item.id} là {item.kind}, không phải cuộc trò chuyện")
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(read_rows(vault.read_item(item))):
        if index < start:
            continue
        if limit is not None and len(rows) >= limit:
            break
        rows.append(row)
    vault.record_view(item, purpose=f"rows {start + 1}-{start + len(rows)}")
    return item, rows


def make_excerpt(vault: Vault, item_ref: int | str, first: int, last: int, *, note: str = "") -> Item:
    """A ``conversation_excerpt`` of rows ``first``…``last`` (1-based): the range chosen for a report.

    Its content is those rows exactly as the conversation holds them (JSON Lines), so its hash can
    be checked against the conversation's; the choice is logged as the item's acquisition.
    """
    from collectors.messages.chat.model import ROWS_MEDIA_TYPE, read_rows

    item = case_access.reach_item(vault, item_ref, "chat excerpt")
    if item.kind != "conversation":
        raise UsageError(f"item {item.id} is a {item.kind}, not a conversation",
                         message_vi=f"mục {item.id} là {item.kind}, không phải cuộc trò chuyện")
    if first < 1 or last < first:
        raise UsageError("choose rows FIRST ≤ LAST, counted from 1", message_vi="hãy chọn các dòng ĐẦU ≤ CUỐI, đếm từ 1")
    lines: list[bytes] = []
    times: list[str] = []
    for index, row in enumerate(read_rows(vault.read_item(item)), start=1):
        if index > last:
            break
        if index >= first:
            lines.append(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
            if row.get("time"):
                times.append(row["time"])
    if not lines:
        raise UsageError(f"conversation {item.id} has no rows {first}–{last}",
                         message_vi=f"cuộc trò chuyện {item.id} không có các dòng {first}–{last}")
    chat = item.metadata.get("chat") or {}
    metadata = {"chat_excerpt": {"conversation": item.id, "conversation_sha256": item.sha256,
                                 "first_row": first, "last_row": first + len(lines) - 1,
                                 "first_anchor": f"m{first}", "last_anchor": f"m{first + len(lines) - 1}",
                                 "first_time": min(times) if times else None, "last_time": max(times) if times else None,
                                 "name": chat.get("name"), "platform": chat.get("platform"), "note": note}}
    import io

    case = vault.get_case(item.case_id)
    with vault.batch(case) as batch:
        pending = batch.add_content(io.BytesIO(b"".join(lines)), kind="conversation_excerpt",
                                    name=f"{item.name} m{first}–m{first + len(lines) - 1}",
                                    source=f"item {item.id} rows {first}–{first + len(lines) - 1}", parent=item.id,
                                    media_type=ROWS_MEDIA_TYPE, metadata=metadata)
    assert pending.item is not None
    return pending.item
