"""One timeline per case: filters, custody actions, exports (Timesketch JSONL/CSV, plaso l2tcsv) and imports.

Stored events come from items (:mod:`.timeline_sources`, written at indexing);
custody actions are read from the custody log when asked for, so the timeline
always shows the log as it is. Exports stream in time order with bounded memory.
An outside timeline (psort's dynamic CSV, l2tcsv or JSON lines; Timesketch CSV
or JSONL) is imported as an item of kind ``timeline``: its file is evidence like
any other (hashed, encrypted, logged) and its events join the case's timeline.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from evidence_store import Case, Item, Vault, entity_store, timeline_store
from evidence_store.errors import SourceError, UsageError, bilingual
from evidence_store.streams import BlocksReader
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from evidence_store.timeline_store import Event, Filter

from .case_access import require_visible
from .timeline_sources import SECOND, label_of, to_us

FORMATS = ("jsonl", "csv", "l2tcsv")
TIMESKETCH_FIELDS = ("message", "datetime", "timestamp", "timestamp_desc", "case", "item_id", "sha256", "precision",
                     "end_datetime", "source", "kind")
L2TCSV_FIELDS = ("date", "time", "timezone", "MACB", "source", "sourcetype", "type", "user", "host", "short", "desc",
                 "version", "filename", "inode", "notes", "format", "extra")


def iso(us: int) -> str:
    """``2024-05-01T03:04:05.123456+00:00`` (Timesketch's datetime form; fraction only when there is one)."""
    seconds, micro = divmod(us, SECOND)
    try:
        base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    except (OverflowError, OSError, ValueError):
        base = "0001-01-01T00:00:00"
    return f"{base}.{micro:06d}+00:00" if micro else f"{base}+00:00"


@dataclass(frozen=True)
class TimelineQuery:
    case: Case
    start_us: int | None = None
    end_us: int | None = None
    sources: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None
    entity: str | None = None
    include_custody: bool = True


def parse_moment(text: str | None, *, end: bool = False) -> int | None:
    """A --from/--to value: a date (the whole day) or an ISO time; a time without a zone is UTC."""
    if not text:
        return None
    value = text.strip()
    if len(value) == 10:
        start = to_us(value + "T00:00:00Z")
        if start is None:
            raise UsageError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time",
                             message_vi=f"{text!r} không phải ngày (YYYY-MM-DD) hay thời điểm ISO 8601")
        return start + (86400 * SECOND if end else 0)
    parsed = to_us(value) or to_us(value + "Z")
    if parsed is None:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time",
                         message_vi=f"{text!r} không phải ngày (YYYY-MM-DD) hay thời điểm ISO 8601")
    return parsed


def build_filter(vault: Vault, query: TimelineQuery) -> Filter:
    item_ids = None
    if query.entity:
        from .entities import resolve

        ids: set[int] = set()
        for row in resolve(vault, query.entity):
            ids.update(o.item_id for o in entity_store.occurrences(vault, row.id, case_ids=[query.case.id]))
        item_ids = sorted(ids)
    sources = tuple(s for s in query.sources if s != "custody") if query.sources else None
    return Filter(case_ids=[query.case.id], start_us=query.start_us, end_us=query.end_us,
                  sources=sources if query.sources else None, kinds=query.kinds, item_ids=item_ids)


def custody_events(vault: Vault, query: TimelineQuery) -> list[Event]:
    """The case's custody actions as events (read from the log each time)."""
    if not query.include_custody or query.entity or (query.sources and "custody" not in query.sources):
        return []
    events = []
    for entry in vault.custody.entries(case_id=query.case.id):
        record = entry.record
        when = to_us(record.get("time"))
        if when is None:
            continue
        if (query.start_us is not None and when < query.start_us) or (query.end_us is not None and when >= query.end_us):
            continue
        item = record.get("item") or {}
        item_id = item.get("id") if isinstance(item, dict) else None
        if query.kinds:
            continue  # custody actions have no item kind to match
        action = record.get("action", "")
        examiner = (record.get("examiner") or {}).get("name", "") if isinstance(record.get("examiner"), dict) else \
            record.get("examiner", "")
        events.append(Event(query.case.id, item_id, when, when + 1, "1 µs", "custody", "custody",
                            "Custody action", f"{action} by {examiner}" + (f" (item {item_id})" if item_id else ""),
                            {"seq": entry.seq, "action": action}, -entry.seq))
    return events


def events(vault: Vault, query: TimelineQuery) -> Iterator[Event]:
    """Every event of the query in time order (stored events merged with custody actions)."""
    require_visible(vault, query.case, "timeline")
    flt = build_filter(vault, query)
    stored = timeline_store.iterate(vault, flt) if query.sources != ("custody",) else iter(())
    return heapq.merge(stored, custody_events(vault, query), key=lambda e: (e.time_us, e.id))


# -- the app's view ------------------------------------------------------------------------------------------------
def view_filter(vault: Vault, query: TimelineQuery) -> Filter:
    """The stored events a view shows (custody actions are in exports and the custody tab)."""
    require_visible(vault, query.case, "timeline view")
    return build_filter(vault, query)


def view_anchors(vault: Vault, flt: Filter, step: int) -> tuple[int, list[tuple[int, int]]]:
    return timeline_store.anchors(vault, flt, step)


def view_block(vault: Vault, flt: Filter, key: tuple[int, int], limit: int) -> list[Event]:
    return timeline_store.page_from(vault, flt, key, limit)


def view_density(vault: Vault, flt: Filter, start_us: int, end_us: int, bucket_us: int) -> list[tuple[int, int]]:
    ranged = Filter(flt.case_ids, max(start_us, flt.start_us or start_us), min(end_us, flt.end_us or end_us),
                    flt.sources, flt.kinds, flt.item_ids, flt.text)
    return timeline_store.density(vault, ranged, bucket_us)


def view_sources(vault: Vault, case: Case) -> list[tuple[str, int]]:
    require_visible(vault, case, "timeline view")
    return timeline_store.sources(vault, [case.id])


def view_kinds(vault: Vault, case: Case) -> list[tuple[str, int]]:
    return timeline_store.kinds(vault, [case.id])


# -- export ------------------------------------------------------------------------------------------------------
def _rows(vault: Vault, query: TimelineQuery) -> Iterator[tuple[Any, ...]]:
    """Raw rows in time order (stored events and custody actions): exports of millions stay fast."""
    flt = build_filter(vault, query)
    stored = timeline_store.iterate_rows(vault, flt) if query.sources != ("custody",) else iter(())
    custody = [(e.case_id, e.item_id, e.time_us, e.end_us, e.precision, e.source, e.kind, e.timestamp_desc,
                e.message, json.dumps(e.extra), e.id) for e in custody_events(vault, query)]
    return heapq.merge(stored, custody, key=lambda r: (r[2], r[10]))


def export(vault: Vault, query: TimelineQuery, fmt: str, out: Path, *, progress: Progress = no_progress,
           cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Write the timeline to ``out`` (jsonl, csv or l2tcsv); returns the number of events. Logged."""
    require_visible(vault, query.case, "timeline export")
    if fmt not in FORMATS:
        raise UsageError(f"unknown timeline format {fmt!r}: use one of {', '.join(FORMATS)}",
                         message_vi=f"định dạng dòng thời gian không xác định {fmt!r}: dùng một trong {', '.join(FORMATS)}")
    if out.exists():
        raise UsageError(f"{out} already exists; choose another file name",
                         message_vi=f"{out} đã tồn tại; hãy chọn tên tệp khác")
    hashes = timeline_store.item_hashes(vault, [query.case.id])
    names = timeline_store.item_names(vault, [query.case.id]) if fmt == "l2tcsv" else {}
    number = query.case.number
    count = 0
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            write = _writer(fmt, handle, number, hashes, names)
            for row in _rows(vault, query):
                write(row)
                count += 1
                if not count % 50000:
                    cancel.check()
                    progress(count, None, "events")
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}",
                         message_vi=f"không ghi được {out}: {bilingual(exc)[1]}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    vault.log("timeline.export", case=query.case, details={
        "format": fmt, "events": count, "destination": str(out.resolve()), "from": query.start_us,
        "to": query.end_us, "sources": list(query.sources or []), "entity": query.entity})
    return count


def _writer(fmt: str, handle: IO[str], case_number: str, hashes: dict[int, str],
            names: dict[int, str]) -> Callable[[tuple[Any, ...]], None]:
    """A function writing one raw row (timeline_store column order) in ``fmt``."""
    if fmt == "jsonl":
        encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
        case_json = encode(case_number)

        def write_jsonl(r: tuple[Any, ...]) -> None:
            item_id = r[1]
            head = (f'{{"message": {encode(r[8])}, "datetime": "{iso(r[2])}", "timestamp": {r[2]}, '
                    f'"timestamp_desc": {encode(r[7])}, "case": {case_json}, "item_id": '
                    f'{item_id if item_id is not None else "null"}, "sha256": "{hashes.get(item_id or 0, "")}", '
                    f'"precision": "{r[4]}", "end_datetime": "{iso(r[3])}", "source": "{r[5]}", "kind": "{r[6]}"')
            extra = r[9]
            handle.write(head + (", " + extra[1:] if extra != "{}" else "}") + "\n")

        return write_jsonl
    writer = csv.writer(handle)
    if fmt == "csv":
        writer.writerow(TIMESKETCH_FIELDS)
        case_field = _quoted(case_number)

        def write_csv(r: tuple[Any, ...]) -> None:  # text fields always quoted (RFC 4180): csv.writer is 3x slower
            item_id = r[1]
            handle.write(f'{_quoted(r[8])},{iso(r[2])},{r[2]},{_quoted(r[7])},{case_field},'
                         f'{item_id if item_id is not None else ""},{hashes.get(item_id or 0, "")},{r[4]},'
                         f'{iso(r[3])},{r[5]},{r[6]}\r\n')

        return write_csv
    writer.writerow(L2TCSV_FIELDS)

    def write_l2t(r: tuple[Any, ...]) -> None:
        stamp = iso(r[2])
        macb = str(json.loads(r[9]).get("macb", "")) if r[5] == "file_system" and r[9] != "{}" else ""
        flags = "".join(c if c in macb else "." for c in "MACB")
        item_id = r[1]
        extra = f"case: {case_number} item_id: {item_id or '-'} sha256: {hashes.get(item_id or 0, '-')}"
        writer.writerow((f"{stamp[5:7]}/{stamp[8:10]}/{stamp[0:4]}", stamp[11:19], "UTC", flags,
                         r[5].upper(), r[6], r[7], "-", "-", r[8][:80], r[8], "2",
                         names.get(item_id or 0, "-"), "-", f"precision {r[4]}", "forensics_toolkit", extra))

    return write_l2t


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# -- import ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedEvent:
    time_us: int
    precision_us: int
    desc: str
    message: str
    extra: dict[str, Any]


def detect_format(header: str) -> str:
    """Which outside format a timeline file is, from its first line."""
    line = header.lstrip("\ufeff").strip()
    if line.startswith("{"):
        return "jsonl"
    fields = [f.strip().strip('"') for f in next(csv.reader([line]))]
    if fields[:4] == ["date", "time", "timezone", "MACB"]:
        return "l2tcsv"
    if "message" in fields and ("datetime" in fields or "timestamp" in fields):
        return "csv"
    raise SourceError("not a timeline this tool reads: expected psort's dynamic CSV, l2tcsv or JSON lines, or "
                      "Timesketch's CSV/JSONL (a header with message and datetime/timestamp)",
                      message_vi="không phải dòng thời gian mà công cụ này đọc được: cần CSV động, l2tcsv hoặc JSON lines của "
                                 "psort, hoặc CSV/JSONL của Timesketch (có dòng tiêu đề với message và datetime/timestamp)")


def parse_timeline(blocks: Iterator[bytes]) -> Iterator[ParsedEvent]:
    """Events of an outside timeline file; a line that cannot be read raises SourceError with its number."""
    text = io.TextIOWrapper(io.BufferedReader(BlocksReader(blocks)), encoding="utf-8", errors="replace", newline="")
    first = text.readline()
    fmt = detect_format(first)
    if fmt == "jsonl":
        yield from _jsonl(first, text)
    elif fmt == "l2tcsv":
        yield from _l2tcsv(text)
    else:
        header = [f.strip() for f in next(csv.reader([first.lstrip("\ufeff")]))]
        yield from _dynamic_csv(header, text)


def _precision(datetime_text: str) -> int:
    """1 s for a whole-second time, else 1 µs (finer times are kept to the microsecond)."""
    clock = datetime_text[11:]
    return 1 if "." in clock or "," in clock else SECOND


def _jsonl(first: str, lines: IO[str]) -> Iterator[ParsedEvent]:
    for number, line in enumerate([first, *lines] if first else lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise SourceError(f"line {number} is not JSON: {exc}", message_vi=f"dòng {number} không phải JSON: {exc}") from exc
        when, precision = _when(data)
        if when is None:
            raise SourceError(f"line {number} has no readable timestamp or datetime",
                              message_vi=f"dòng {number} không có dấu thời gian đọc được")
        message = str(data.get("message") or data.get("body") or "")
        extra = {k: data[k] for k in ("parser", "data_type", "display_name", "filename", "hostname", "username",
                                      "sha256_hash") if data.get(k) not in (None, "", "-")}
        yield ParsedEvent(when, precision, str(data.get("timestamp_desc") or "Event time"), message,
                          {**extra, "line": number})


def _when(data: dict[str, Any]) -> tuple[int | None, int]:
    stamp = data.get("timestamp")
    if isinstance(stamp, (int, float)) or (isinstance(stamp, str) and stamp.isdigit()):
        value = int(stamp)
        dt = str(data.get("datetime") or "")
        return value, _precision(dt) if dt else (SECOND if value % SECOND == 0 else 1)
    dt = str(data.get("datetime") or "")
    return to_us(dt), _precision(dt)


def _dynamic_csv(header: list[str], lines: IO[str]) -> Iterator[ParsedEvent]:
    for number, row in enumerate(csv.reader(lines), 2):
        if not row:
            continue
        if len(row) != len(header):
            raise SourceError(f"line {number} has {len(row)} fields, the header {len(header)}",
                              message_vi=f"dòng {number} có {len(row)} trường, dòng tiêu đề có {len(header)}")
        data = dict(zip(header, row, strict=True))
        when, precision = _when(data)
        if when is None:
            raise SourceError(f"line {number}: no readable datetime or timestamp ({data.get('datetime', '')!r})",
                              message_vi=f"dòng {number}: không có thời điểm đọc được ({data.get('datetime', '')!r})")
        extra = {k: data[k] for k in ("source", "source_long", "parser", "display_name", "tag", "data_type")
                 if data.get(k) not in (None, "", "-")}
        yield ParsedEvent(when, precision, data.get("timestamp_desc") or "Event time", data.get("message", ""),
                          {**extra, "line": number})


def _l2tcsv(lines: IO[str]) -> Iterator[ParsedEvent]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for number, row in enumerate(csv.reader(lines), 2):
        if not row:
            continue
        if len(row) != len(L2TCSV_FIELDS):
            raise SourceError(f"line {number} has {len(row)} fields, l2tcsv has {len(L2TCSV_FIELDS)}",
                              message_vi=f"dòng {number} có {len(row)} trường, l2tcsv có {len(L2TCSV_FIELDS)}")
        data = dict(zip(L2TCSV_FIELDS, row, strict=True))
        try:
            month, day, year = data["date"].split("/")
            zone = data["timezone"] or "UTC"
            local = f"{year}-{month}-{day}T{data['time']}"
            when = to_us(local + "Z") if zone.upper() == "UTC" else to_us(local, default_zone=ZoneInfo(zone).key)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise SourceError(f"line {number}: unreadable date/time/timezone: {exc}",
                              message_vi=f"dòng {number}: không đọc được ngày, giờ hoặc múi giờ: {exc}") from exc
        if when is None:
            raise SourceError(f"line {number}: unreadable date {data['date']!r} {data['time']!r}",
                              message_vi=f"dòng {number}: không đọc được ngày giờ {data['date']!r} {data['time']!r}")
        extra = {"macb": data["MACB"], "source_short": data["source"], "sourcetype": data["sourcetype"],
                 "filename": data["filename"], "format": data["format"]}
        yield ParsedEvent(when, SECOND, data["type"] or "Event time", data["desc"],
                          {k: v for k, v in extra.items() if v not in ("", "-")} | {"line": number})


def imported_events(vault: Vault, item: Item) -> list[Event]:
    """The events of a ``timeline`` item (read from its content, in memory)."""
    return [Event(item.case_id, item.id, e.time_us, e.time_us + e.precision_us, label_of(e.precision_us), "import",
                  item.kind, e.desc, e.message, e.extra) for e in parse_timeline(vault.read_item(item))]


def import_timeline(vault: Vault, case_ref: str, path: Path, *, cancel: CancelToken = NEVER_CANCELLED) -> Item:
    """Store an outside timeline file as an item of the case (its events join the case's timeline)."""
    case = vault.get_case(case_ref)
    try:
        with path.open("rb") as handle:
            count, first, last = 0, None, None
            fmt = detect_format(handle.readline().decode("utf-8", "replace"))
            handle.seek(0)
            for event in parse_timeline(iter(lambda: handle.read(1 << 20), b"")):
                count += 1
                first = event.time_us if first is None else min(first, event.time_us)
                last = event.time_us if last is None else max(last, event.time_us)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}",
                          message_vi=f"không đọc được {path}: {bilingual(exc)[1]}") from exc
    if count == 0:
        raise SourceError(f"{path} holds no events", message_vi=f"{path} không có sự kiện nào")
    from collectors.base import Artifact

    from .ingest import store_artifacts

    artifact = Artifact(key="timeline", kind="timeline", name=path.name, source=str(path.resolve()),
                        opener=lambda: path.open("rb"), size=path.stat().st_size, media_type=_media(fmt),
                        metadata={"timeline": {"format": fmt, "events": count, "first": iso(first or 0),
                                               "last": iso(last or 0)}})
    result = store_artifacts(vault, case, [artifact], skip_unreadable=False, cancel=cancel)
    return result.items[0]


def _media(fmt: str) -> str:
    return "application/x-ndjson" if fmt == "jsonl" else "text/csv"
