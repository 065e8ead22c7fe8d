"""Gather what a report shows from the vault: items, sessions, custody entries, people, settings.

The templates receive plain data (``report_templates.ReportContext``) and a
content reader; nothing here writes the vault. Which content the reader
decrypted is remembered so the report service can log the viewing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from evidence_store import Case, Item, UsageError, Vault, iso_utc, parse_iso, zone_info
from report_templates import (
    CertInfo,
    CheckpointInfo,
    CustodyRow,
    Organisation,
    Person,
    Session,
    TimestampInfo,
)
from report_templates.metadata import provenance_of

from . import settings
from .timestamps import Token, cert_facts, logged_tokens

GROUPED_KINDS = ("file", "folder", "symlink")  # acquired together by one `files add`


@dataclass(frozen=True)
class DateRange:
    start: datetime | None = None
    end: datetime | None = None

    def contains(self, moment: str) -> bool:
        when = parse_iso(moment)
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)

    def text(self, tz_name: str) -> str:
        if self.start is None and self.end is None:
            return ""
        tz = zone_info(tz_name)
        first = self.start.astimezone(tz).date().isoformat() if self.start else "…"
        last = (self.end - timedelta(microseconds=1)).astimezone(tz).date().isoformat() if self.end else "…"
        return f"{first} – {last} ({tz_name})"


_PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


def parse_range(date_from: str | None, date_to: str | None, tz_name: str, period: str | None = None) -> DateRange:
    """Dates in the local zone: ``--from 2026-01-01 --to 2026-06-30`` (whole days) or ``--period 2026-H1``.

    Periods: ``2026`` (year), ``2026-H1``/``H2`` (six months), ``2026-Q3``, ``2026-07`` (month).
    """
    tz = zone_info(tz_name)
    if period:
        if date_from or date_to:
            raise UsageError("give either --period or --from/--to, not both",
                             message_vi="chỉ chọn một kỳ báo cáo hoặc khoảng ngày, không chọn cả hai")
        match = _PERIOD.match(period.strip().upper())
        if not match:
            raise UsageError(f"period {period!r} must look like 2026, 2026-H1, 2026-Q3 or 2026-07",
                             message_vi=f"kỳ báo cáo {period!r} phải có dạng 2026, 2026-H1, 2026-Q3 hoặc 2026-07")
        year, part = int(match.group(1)), match.group(2)
        first, months = 1, 12
        if part and part.startswith("H"):
            first, months = (1 if part == "H1" else 7), 6
        elif part and part.startswith("Q"):
            first, months = 3 * (int(part[1]) - 1) + 1, 3
        elif part:
            first, months = int(part), 1
            if not 1 <= first <= 12:
                raise UsageError(f"month {part} does not exist", message_vi=f"tháng {part} không tồn tại")
        first_day = datetime(year, first, 1, tzinfo=tz)
        end_month = first + months
        after = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=tz)
        return DateRange(first_day.astimezone(UTC), after.astimezone(UTC))
    start = _parse_day(date_from, tz, "--from") if date_from else None
    end = _parse_day(date_to, tz, "--to", end=True) if date_to else None
    if start and end and end <= start:
        raise UsageError("--to is before --from", message_vi="ngày kết thúc trước ngày bắt đầu")
    return DateRange(start, end)


def _parse_day(text: str, tz: Any, option: str, *, end: bool = False) -> datetime:
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
            return moment.astimezone(UTC)
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise UsageError(f"{option} {text!r} is not a date (YYYY-MM-DD)",
                         message_vi=f"{text!r} không phải ngày (YYYY-MM-DD)") from exc
    if end:
        day += timedelta(days=1)  # the whole last day is included
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


# -- items and sessions -----------------------------------------------------------------------------
def parse_ids(text: str | Iterable[str] | None) -> list[str]:
    if text is None:
        return []
    parts = text.split(",") if isinstance(text, str) else [p for chunk in text for p in str(chunk).split(",")]
    return [p.strip() for p in parts if p.strip()]


def select_items(vault: Vault, case: Case, item_refs: list[str], when: DateRange,
                 *, include_reports: bool = False) -> list[Item]:
    """The case's items (or those asked for, with their parts and the records they belong to)."""
    everything = vault.list_items(case.id)
    by_id = {i.id: i for i in everything}
    children: dict[int | None, list[Item]] = {}
    for item in everything:
        children.setdefault(item.parent_id, []).append(item)
    if item_refs:
        chosen: set[int] = set()
        for ref in item_refs:
            item = vault.get_item(ref)
            if item.case_id != case.id:
                raise UsageError(f"item {ref} belongs to another case, not {case.number}",
                                 message_vi=f"mục {ref} thuộc vụ việc khác, không phải {case.number}")
            chosen |= _subtree(item, children)
    else:
        chosen = {i.id for i in everything if include_reports or i.kind != "report"}
        chosen -= {d for i in everything if i.kind == "report" and not include_reports for d in _subtree(i, children)}
    if when.start or when.end:
        chosen = {i for i in chosen if when.contains(by_id[i].acquired_at)}
    for item_id in list(chosen):  # keep the records an item belongs to (its capture, its folder)
        parent = by_id[item_id].parent_id
        while parent is not None and parent not in chosen:
            chosen.add(parent)
            parent = by_id[parent].parent_id
    return [by_id[i] for i in sorted(chosen)]


def _subtree(item: Item, children: dict[int | None, list[Item]]) -> set[int]:
    found, stack = set(), [item]
    while stack:
        current = stack.pop()
        found.add(current.id)
        stack.extend(children.get(current.id, []))
    return found


def acquisition_seqs(vault: Vault, case: Case) -> tuple[dict[int, int], dict[int, str]]:
    """Item id -> seq and time of its acquisition entry in the custody log."""
    found = vault.acquisitions(case.id)
    return {i: seq for i, (seq, _when) in found.items()}, {i: when for i, (_seq, when) in found.items()}


def build_sessions(vault: Vault, case: Case, items: list[Item], seqs: dict[int, int],
                   times: dict[int, str]) -> list[Session]:
    """One session per capture or disk image; local files added in one uninterrupted run form one session."""
    ids = {i.id for i in items}
    children: dict[int, list[Item]] = {}
    for item in items:
        if item.parent_id in ids:
            children.setdefault(item.parent_id, []).append(item)  # type: ignore[arg-type]
    roots = [i for i in items if i.parent_id not in ids]
    other_actions = vault.custody_seqs_other_than("item.acquire")
    groups: list[list[Item]] = []
    for root in sorted(roots, key=lambda i: seqs.get(i.id, 1 << 62)):
        last = groups[-1][-1] if groups else None
        if (last is not None and root.kind in GROUPED_KINDS and last.kind in GROUPED_KINDS
                and root.examiner == last.examiner and _uninterrupted(seqs.get(last.id), seqs.get(root.id),
                                                                       other_actions)):
            groups[-1].append(root)
        else:
            groups.append([root])
    sessions = []
    for group in groups:
        members: list[Item] = []
        for root in group:
            stack = [root]
            while stack:
                current = stack.pop(0)
                members.append(current)
                stack = children.get(current.id, []) + stack
        moments = [m.acquired_at for m in members] + [times[m.id] for m in members if m.id in times]
        start, end = _span(group[0], moments)
        sessions.append(Session(kind=_session_kind(group[0]), roots=tuple(group), items=tuple(members),
                                start=start, end=end, examiners=tuple(dict.fromkeys(m.examiner for m in members))))
    return sessions


def _uninterrupted(first: int | None, second: int | None, others: list[int]) -> bool:
    if first is None or second is None:
        return False
    import bisect

    return bisect.bisect_right(others, first) == bisect.bisect_left(others, second)


def _span(root: Item, moments: list[str]) -> tuple[str, str]:
    prov = provenance_of(root)
    ordered = sorted(moments, key=parse_iso)
    start = str(prov.get("started_at") or ordered[0])
    end = str(prov.get("ended_at") or prov.get("finished_at") or ordered[-1])
    return start, end


def _session_kind(root: Item) -> str:
    return {"web_capture": "web", "disk_image": "disk", "social_post": "web"}.get(
        root.kind, "files" if root.kind in GROUPED_KINDS else "other")


# -- custody, people, organisation --------------------------------------------------------------------
def custody_rows(vault: Vault, case: Case, items: list[Item], lang: str = "vi") -> list[CustodyRow]:
    """The case's entries about these items: the facts in words for the table, the entry whole for the appendix."""
    from evidence_store.catalogue.actions import facts

    names = {i.id: i.name for i in items}
    rows = []
    for entry in vault.custody.entries(case_id=case.id):
        record = entry.record
        item_id = (record.get("item") or {}).get("id")
        if item_id is not None and item_id not in names:
            continue
        details = record.get("details") or {}
        rows.append(CustodyRow(seq=entry.seq, time=record["time"], examiner=record["examiner"]["name"],
                               action=record["action"], case_id=case.id, item_id=item_id, details=details,
                               facts=facts(record["action"], details, lang, settings.SETTING_NAMES),
                               item_name=names.get(item_id, "") if item_id is not None else "",
                               canonical=entry.entry.decode("utf-8"), leaf_hash=entry.leaf_hash,
                               signature=entry.signature))
    return rows


def organisation(vault: Vault, case: Case | None) -> Organisation:
    values = settings.all_settings(vault)
    return Organisation(
        parent_agency=str(values.get("parent_agency") or ""),
        agency=str(values.get("agency") or (case.agency if case else "") or ""),
        unit=str(values.get("unit") or (case.unit if case else "") or ""),
        place=str(values.get("place") or ""),
    )


def people(vault: Vault, names: Iterable[str]) -> list[Person]:
    known = {e.name: e for e in vault.list_examiners()}
    out = []
    for name in dict.fromkeys(names):
        examiner = known.get(name)
        if examiner:
            out.append(Person(examiner.name, examiner.position, examiner.unit or examiner.agency,
                              fingerprint=examiner.fingerprint))
        else:
            out.append(Person(name))
    return out


def acting_examiner(vault: Vault) -> Person:
    examiner = vault.examiner
    return Person(examiner.name, examiner.position, examiner.unit or examiner.agency, fingerprint=examiner.fingerprint)


# -- checkpoints and timestamps ---------------------------------------------------------------------
def checkpoint_info(point: dict[str, Any]) -> CheckpointInfo:
    from evidence_store.checkpoint import parse_checkpoint

    parsed, _signatures = parse_checkpoint(point["checkpoint"])
    stamp = next((ext[5:] for ext in parsed.extensions if ext.startswith("time ")), iso_utc())
    from evidence_store.checkpoint import parse_verifier_key
    from evidence_store.identity import fingerprint

    key = parse_verifier_key(point["verifier_key"])
    return CheckpointInfo(note=point["checkpoint"], verifier_key=point["verifier_key"], size=parsed.size,
                          root_hex=parsed.root.hex(), examiner=point["examiner"], time=stamp,
                          signer_fingerprint=fingerprint(key.alg, key.public_key))


def timestamp_info(token: Token, subject: str, *, checkpoint_size: int | None = None, file: str = "") -> TimestampInfo:
    chain = []
    for pem in token.chain:
        try:
            chain.append(CertInfo(**cert_facts(pem)))
        except ValueError:
            continue
    return TimestampInfo(subject=subject, tsa_url=token.tsa_url, tsa_name=token.tsa_name or token.tsa_url,
                         gen_time=token.gen_time or iso_utc(), serial=token.serial, policy=token.policy,
                         hash_algorithm=token.hash_algorithm, imprint=token.data_sha256, chain=tuple(chain),
                         verified=token.verified, problem=token.problem, checkpoint_size=checkpoint_size, file=file)


def item_timestamps(vault: Vault, seqs: dict[int, int]) -> dict[int, TimestampInfo]:
    """For each item: the earliest verified token whose checkpoint covers its acquisition entry."""
    tokens = [(int(details["checkpoint_size"]), token) for _seq, token, details in logged_tokens(vault)
              if token.verified and isinstance(details.get("checkpoint_size"), int)]
    tokens.sort(key=lambda pair: pair[1].gen_time)
    found: dict[int, TimestampInfo] = {}
    cache: dict[int, TimestampInfo] = {}
    for item_id, seq in seqs.items():
        for size, token in tokens:
            if size > seq:
                key = id(token)
                if key not in cache:
                    cache[key] = timestamp_info(token, f"checkpoint {size}", checkpoint_size=size)
                found[item_id] = cache[key]
                break
    return found


def clock_facts(tokens: list[Token], lang: str) -> dict[str, str]:
    """The report host's clock measured against the first TSA that answered.

    The offset is local time at the middle of the round trip minus the TSA's
    time; a TSA that states whole seconds only makes it exact to one second.
    """
    from report_templates import t

    for token in tokens:
        if token.clock_offset_ms is not None and token.der:
            sign = "+" if token.clock_offset_ms >= 0 else "−"
            whole = token.gen_time.endswith(".000000Z")
            return {"source": f"RFC 3161: {token.tsa_name or token.tsa_url}",
                    "offset": t("env.clock_measured", lang, offset=f"{sign}{abs(token.clock_offset_ms) / 1000:.3f}",
                                rtt=token.round_trip_ms or 0, resolution="1" if whole else "0.001")}
    return {}
