"""Analysing evidence after it is acquired: text into the search index, entities, timeline events.

Runs over the items not yet analysed (incremental: after each acquisition, the
hook :func:`after_commit` does the new ones), a group at a time in one
transaction each, with progress and cancel between items; ``forensics index
rebuild`` forgets everything and does it again. A document that cannot be read
is recorded as not indexed with the reason; its name and metadata are still
indexed. Content is decrypted in memory only, never written anywhere.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from evidence_store import DEFAULT_ZONE, Case, Item, Vault, analysis_store, search_index
from evidence_store.analysis_store import ItemAnalysis
from evidence_store.entity_store import Occurrence
from evidence_store.errors import Cancelled, ForensicsError, IntegrityError
from evidence_store.search_index import INDEXED, NO_TEXT, NOT_INDEXED, IndexState, Piece
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import entity_pool, entity_rules, text_extract, timeline_sources
from .text_extract import NotExtractable

GROUP_ITEMS = 1000  # items per transaction (fewer, larger index segments)
GROUP_CHARS = 16_000_000  # or this much text, whichever comes first
_SETTING_AUTO = "analysis.auto_index"


@dataclass
class IndexReport:
    items: int = 0
    pieces: int = 0
    occurrences: int = 0
    events: int = 0
    not_indexed: list[tuple[int, str]] = field(default_factory=list)
    cancelled: bool = False
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "pieces": self.pieces, "occurrences": self.occurrences, "events": self.events,
                "not_indexed": [{"item_id": i, "reason": r} for i, r in self.not_indexed],
                "cancelled": self.cancelled, "error": self.error}


# -- one item --------------------------------------------------------------------------------------------------
def analyse_item(vault: Vault | None, item: Item, *, zone: str = DEFAULT_ZONE,
                 cancel: CancelToken = NEVER_CANCELLED, read: Callable[[], Iterator[bytes]] | None = None,
                 entities: bool = True) -> ItemAnalysis:
    """Pieces of text, entity occurrences and events of one item (its content decrypted in memory).

    ``read`` gives the content where it is already in memory (a disk extraction's reader analyses each small file
    as it stores it, see :func:`rebind`); by default it is read back from the vault. ``entities=False`` leaves the
    rules' occurrences in the pieces' text to the caller (:func:`with_text_entities`, another process's findings).
    """
    def content() -> Iterator[bytes]:
        if read is not None:
            return read()
        assert vault is not None
        return vault.read_item(item)

    extractor = text_extract.extractor_for(item.kind, item.name, item.media_type) if item.has_content else None
    pieces: list[Piece] = [Piece(item.id, item.case_id, item.kind, place, text)
                           for place, text in _metadata_texts(item) if text.strip()]
    record: Any = None
    status, reason, chars = NO_TEXT, "", 0
    if item.kind == "timeline" and item.has_content:
        extractor = "timeline"
    if extractor == "timeline":
        status = INDEXED
    elif extractor is not None:
        try:
            if extractor == "social_post":
                record = json.loads(b"".join(content()))
                found = iter(text_extract.social_pieces(record))
            else:
                found = text_extract.extract(extractor, content, size=item.size)
            for piece in found:
                cancel.check()  # a huge file is many pieces: stop between them
                pieces.append(Piece(item.id, item.case_id, item.kind, piece.place, piece.text))
                chars += len(piece.text)
            status = INDEXED
        except (NotExtractable, ValueError) as exc:
            status, reason = NOT_INDEXED, str(exc)
            pieces = [p for p in pieces if p.place in ("name", "metadata") or p.place.startswith(("history", "exif"))]
        except IntegrityError as exc:
            status, reason = NOT_INDEXED, f"content failed its integrity check: {exc}"
    elif item.has_content:
        reason = f"no text extractor for {item.media_type or 'this type'}"
    in_text = [entity_pool.found_in(piece.text) for piece in pieces] if entities else None
    occurrences = list(_occurrences(item, pieces, record, in_text))
    ctx = timeline_sources.Context(item, record, zone)
    events = timeline_sources.events_for(ctx)
    if item.kind == "conversation" and status == INDEXED:
        from collectors.messages.chat.model import read_rows

        events.extend(timeline_sources.conversation_events(ctx, read_rows(content())))
    if extractor == "timeline":
        from .timeline import imported_events

        assert vault is not None

        try:
            events.extend(imported_events(vault, item))
        except ForensicsError as exc:
            status, reason = NOT_INDEXED, str(exc)
    state = IndexState(item.id, item.case_id, status, reason, extractor or "", chars)
    return ItemAnalysis(state, pieces, occurrences, events)


def _metadata_texts(item: Item) -> Iterator[tuple[str, str]]:
    """Names, paths and the metadata worth searching: history titles/URLs, EXIF, capture and post summaries."""
    meta = item.metadata
    yield "name", f"{item.name}\n{item.source}" if item.source != item.name else item.name
    bits = []
    prov = meta.get("provenance") or {}
    bits += [str(prov.get(k) or "") for k in ("url", "final_url", "title")]
    social = meta.get("social") or {}
    bits += [str(social.get(k) or "") for k in ("author", "author_handle", "title", "text_excerpt", "url")]
    for key in ("from", "to", "subject", "message.from", "message.to", "message.subject", "chat.sender", "chat.text"):
        value = meta.get(key)
        if value:
            bits.append(", ".join(map(str, value)) if isinstance(value, list) else str(value))
    for key in ("message", "chat"):
        if isinstance(meta.get(key), dict):
            bits += [str(v) for k, v in meta[key].items() if k in ("from", "to", "subject", "sender", "text")]
    locator = meta.get("locator") or {}
    if locator.get("path"):
        bits.append(str(locator["path"]))
    text = "\n".join(b for b in bits if b)
    if text:
        yield "metadata", text
    for n, row in enumerate(meta.get("browser_history") or [], 1):
        yield f"history row {n}", " ".join(str(row.get(k) or "") for k in ("url", "title", "target_path"))
    for row in meta.get("exif") or []:
        yield "exif", " ".join(f"{k}: {v}" for k, v in row.items())


def _occurrences(item: Item, pieces: Sequence[Piece], record: Any,
                 found: Sequence[entity_pool.Found] | None) -> Iterator[Occurrence]:
    """The rules' findings in the pieces (none when ``found`` is None: left to the caller), then the record's."""
    for piece, rows in zip(pieces, found, strict=True) if found is not None else ():
        for entity_type, value, display, rule, snippet in rows:
            yield Occurrence(entity_type, value, display, item.id, item.case_id, piece.place, snippet, rule)
    if isinstance(record, dict):
        yield from _record_accounts(item, record)
    social = item.metadata.get("social") or {}
    if social.get("platform") and record is None:
        for value, display in entity_rules.account_value(social["platform"], social.get("author_handle") or "",
                                                         str(social.get("author_id") or "")):
            yield Occurrence("account", value, display, item.id, item.case_id, "post author",
                             social.get("author") or display, f"account.{social['platform']}.record")


def _record_accounts(item: Item, record: dict[str, Any]) -> Iterator[Occurrence]:
    """Authors and commenters of a social-post record as accounts (platform + handle + numeric id)."""
    platform = str(record.get("platform") or "")
    if not platform:
        return
    people = [("post author", record.get("author") or {}, (record.get("published") or {}).get("utc"))]
    people += [(f"comment {n}", c.get("author") or {}, (c.get("time") or {}).get("utc"))
               for n, c in enumerate(record.get("comments") or [], 1)]
    for place, person, when in people:
        handle, ident = str(person.get("handle") or ""), str(person.get("id") or "")
        for value, display in entity_rules.account_value(platform, handle, ident if ident.isdigit() else ""):
            yield Occurrence("account", value, display, item.id, item.case_id, place,
                             f"{person.get('name', '')} {person.get('profile_url', '')}".strip() or display,
                             f"account.{platform}.record", when)


# -- runs --------------------------------------------------------------------------------------------------------
def index_pending(vault: Vault, case: Case | None = None, *, progress: Progress = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> IndexReport:
    """Analyse every item not analysed yet (of one case, or of the vault). Cancel keeps what is stored.

    Two threads: one reads and analyses items (decryption, text, entities: on its own connection), this one
    writes the results (FTS5 and SQLCipher's page encryption run in C without the GIL), so the two overlap. On a
    large run from the main thread the entity rules (most of the Python work) run in a forked process
    (:mod:`.entity_pool`), so a second core works on them."""
    report = IndexReport()
    case_id = case.id if case else None
    total = search_index.count_to_index(vault, case_id)
    zone = str(vault.get_setting("timezone", DEFAULT_ZONE) or DEFAULT_ZONE)
    cases: dict[int, Case] = {}
    done = 0
    group: list[ItemAnalysis] = []
    chars = 0
    pool = entity_pool.EntityPool() if total >= entity_pool.MIN_ITEMS and entity_pool.available() else None
    analysed = _analysed(vault, case_id, zone, cancel, pool)  # the pool is forked before the thread starts
    try:
        for item, result in analysed:
            cancel.check()
            if group and (len(group) >= GROUP_ITEMS or chars >= GROUP_CHARS):
                _store(vault, cases, group, report)
                group, chars = [], 0
            group.append(result)
            chars += result.state.chars
            done += 1
            progress(done, total, item.name)
        cancel.check()
        if group:
            _store(vault, cases, group, report)
    except Cancelled:
        report.cancelled = True
    finally:
        analysed.close()  # stops the analysing thread
        if pool is not None:
            pool.close()
    return report


#: analysed ahead of the writer: a whole group's worth, so reading (and the rules process) go on while it commits
PIPELINE_ITEMS, PIPELINE_CHARS = GROUP_ITEMS, GROUP_CHARS
_DONE = object()


def _analysed(vault: Vault, case_id: int | None, zone: str, cancel: CancelToken,
              pool: entity_pool.EntityPool | None = None) -> Generator[tuple[Item, ItemAnalysis], None, None]:
    """(item, analysis) of every item not analysed yet, in id order, analysed by a second thread.

    Inside a transaction of the caller's (where another connection would not see its items), one thread does it."""
    if search_index.writing(vault):
        yield from _analysed_here(vault, vault, case_id, zone, cancel, pool)
        return
    import threading

    ready: deque[tuple[Any, int]] = deque()  # (value, its text's length), bounded in items and characters
    ahead = [0]
    changed = threading.Condition()
    stop = threading.Event()

    def put(value: Any, chars: int = 0) -> bool:
        with changed:
            while not stop.is_set() and ready and (len(ready) >= PIPELINE_ITEMS or ahead[0] + chars > PIPELINE_CHARS):
                changed.wait(0.2)
            if stop.is_set():
                return False
            ready.append((value, chars))
            ahead[0] += chars
            changed.notify_all()
            return True

    def produce() -> None:
        reader = vault.sibling()
        try:
            for pair in _analysed_here(vault, reader, case_id, zone, cancel, pool):
                if not put(pair, sum(len(p.text) for p in pair[1].pieces)):
                    return
        except BaseException as exc:  # handed to the writer, which raises it
            put(exc)
        finally:
            reader.close(witness=False)
            put(_DONE)

    worker = threading.Thread(target=produce, name="index-analyse", daemon=True)
    worker.start()
    try:
        while True:
            with changed:
                while not ready:
                    changed.wait()
                value, chars = ready.popleft()
                ahead[0] -= chars
                changed.notify_all()
            if value is _DONE:
                return
            if isinstance(value, BaseException):
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


POOL_BATCH_CHARS = 1_000_000  # text sent to the rules process at a time
POOL_AHEAD = 3  # batches in the rules process's hands (bounded memory; it is never idle while this one reads)


def _analysed_here(vault: Vault, reader: Vault, case_id: int | None, zone: str, cancel: CancelToken,
                   pool: entity_pool.EntityPool | None = None) -> Iterator[tuple[Item, ItemAnalysis]]:
    """(item, analysis) in id order; with a pool, the rules run there over batches of pieces while this reads on."""
    pending: deque[tuple[list[tuple[Item, ItemAnalysis]], Any]] = deque()
    batch: list[tuple[Item, ItemAnalysis]] = []
    chars = 0
    after = 0
    while True:
        ids = search_index.items_to_index(reader, case_id, after=after)
        if not ids:
            break
        after = ids[-1]
        for item_id in ids:
            cancel.check()
            item = reader.get_item(item_id)
            if pool is None:
                yield item, analyse_item(reader, item, zone=zone, cancel=cancel)
                continue
            result = analyse_item(reader, item, zone=zone, cancel=cancel, entities=False)
            batch.append((item, result))
            chars += sum(len(p.text) for p in result.pieces)
            if chars >= POOL_BATCH_CHARS:
                pending.append((batch, pool.submit([p.text for _item, r in batch for p in r.pieces])))
                batch, chars = [], 0
                while len(pending) > POOL_AHEAD:
                    yield from with_text_entities(*pending.popleft(), cancel=cancel)
    if pool is not None:
        if batch:
            pending.append((batch, pool.submit([p.text for _item, r in batch for p in r.pieces])))
        while pending:
            yield from with_text_entities(*pending.popleft(), cancel=cancel)


def with_text_entities(batch: list[tuple[Item, ItemAnalysis]], pending: Any,
                       cancel: CancelToken) -> Iterator[tuple[Item, ItemAnalysis]]:
    """The batch's analyses with the rules' findings in their pieces first (as :func:`analyse_item` orders them)."""
    found = iter(entity_pool.EntityPool.result(pending, cancel))
    for item, result in batch:
        rows = [next(found) for _piece in result.pieces]
        result.occurrences[:0] = _occurrences(item, result.pieces, None, rows)
        yield item, result


def _store(vault: Vault, cases: dict[int, Case], group: list[ItemAnalysis], report: IndexReport) -> None:
    """One transaction for the group, whatever its cases (one custody entry per case)."""
    by_case: dict[int, list[ItemAnalysis]] = {}
    for result in group:
        by_case.setdefault(result.state.case_id, []).append(result)
    for case_id in by_case:
        if case_id not in cases:
            cases[case_id] = vault.get_case(case_id)
    counts = analysis_store.store_cases(vault, [(cases[case_id], found) for case_id, found in by_case.items()])
    report.items += counts["items"]
    report.pieces += counts["pieces"]
    report.occurrences += counts["occurrences"]
    report.events += counts["events"]
    report.not_indexed += [(r.state.item_id, r.state.reason) for r in group if r.state.status == NOT_INDEXED]


def rebind(found: ItemAnalysis, item_id: int, case_id: int) -> ItemAnalysis:
    """What was found in an item analysed before it had its id (in a disk extraction's reader), now bound to it."""
    def bind(rows: list[Any]) -> list[Any]:
        return [replace(row, item_id=item_id, case_id=case_id) for row in rows]

    return ItemAnalysis(replace(found.state, item_id=item_id, case_id=case_id), bind(found.pieces),
                        bind(found.occurrences), bind(found.events))


def store_analysed(vault: Vault, case: Case, found: Sequence[ItemAnalysis]) -> None:
    """Store what was found in just-committed items of one case: one transaction (and custody entry) for them all,
    as they are in memory already (a disk extraction's chunk); each commit waits for the disk."""
    _store(vault, {case.id: case}, list(found), IndexReport())


def auto_zone(vault: Vault) -> str | None:
    """The zone analysis uses when it runs after each acquisition, or None when it does not (the setting)."""
    if vault.get_setting(_SETTING_AUTO, True) is False:
        return None
    return str(vault.get_setting("timezone", DEFAULT_ZONE) or DEFAULT_ZONE)


def rebuild(vault: Vault, case: Case | None = None, *, progress: Progress = no_progress,
            cancel: CancelToken = NEVER_CANCELLED) -> IndexReport:
    """Forget the index, entities and events, then analyse everything again."""
    analysis_store.clear(vault, case)
    return index_pending(vault, case, progress=progress, cancel=cancel)


def after_commit(vault: Vault, case: Case, items: Iterable[Item], *, progress: Progress = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> IndexReport | None:
    """The post-acquisition hook: analyse what was just stored (and anything left from an earlier run).

    Off when the vault's ``analysis.auto_index`` setting is false; a failure here never undoes an
    acquisition (the items are committed; `forensics index rebuild` redoes the analysis).
    """
    if cancel.cancelled or not list(items) or vault.get_setting(_SETTING_AUTO, True) is False:
        return None
    try:
        return index_pending(vault, case, progress=progress, cancel=cancel)
    except ForensicsError as exc:
        return IndexReport(error=str(exc))


def index_status(vault: Vault) -> dict[str, Any]:
    counts = search_index.index_counts(vault)
    return {"counts": counts, "pending": search_index.count_to_index(vault),
            "not_indexed": [{"item_id": s.item_id, "reason": s.reason, "extractor": s.extractor}
                            for s in search_index.index_states(vault, status=NOT_INDEXED)]}
