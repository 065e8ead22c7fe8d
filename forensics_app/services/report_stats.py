"""Figures for the periodic statistics report, counted straight from the vault's tables.

Platforms come from what collectors recorded (``provenance.platform`` or a
``platform`` key); domains from the URL of each web capture. Buckets over time
are calendar months in the local zone (days when the period is under two months).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from evidence_store import Case, Vault, iso_utc, parse_iso, zone_info
from report_templates import StatsBucket, StatsData, t

from .monitor_report import monitoring_stats
from .report_context import DateRange

WEB_KINDS = ("web_capture", "social_post")


def gather_stats(vault: Vault, when: DateRange, tz_name: str, lang: str, *, case: Case | None = None,
                 exclude_case: int | None = None) -> StatsData:
    tz = zone_info(tz_name)
    start = when.start or _first_activity(vault)
    end = when.end or parse_iso(iso_utc())
    cases = {c.id: c for c in vault.list_cases() if (case is None or c.id == case.id) and c.id != exclude_case}
    lo, hi = iso_utc(start), iso_utc(end)
    rows = vault.acquired_between(lo, hi)
    examiners = {e.id: e.name for e in vault.list_examiners()}
    by_kind: Counter[str] = Counter()
    kind_bytes: Counter[str] = Counter()
    platforms: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    per_case: Counter[int] = Counter()
    case_bytes: Counter[int] = Counter()
    per_examiner: Counter[str] = Counter()
    items_by_bucket: Counter[str] = Counter()
    total = 0
    count = 0
    monthly = (end - start) >= timedelta(days=60)
    for _item_id, case_id, kind, source, size, metadata, acquired_at, examiner_id in rows:
        if case_id not in cases or kind == "report":
            continue
        count += 1
        total += size or 0
        by_kind[kind] += 1
        kind_bytes[kind] += size or 0
        per_case[case_id] += 1
        case_bytes[case_id] += size or 0
        per_examiner[examiners.get(examiner_id, str(examiner_id))] += 1
        items_by_bucket[_bucket(acquired_at, tz, monthly)] += 1
        if kind in WEB_KINDS:
            meta = json.loads(metadata)
            platform = _platform(meta) or _platform_of_url(meta, source)
            if platform:
                platforms[platform] += 1
            if kind == "web_capture":
                domain = _domain(meta, source)
                if domain:
                    domains[domain] += 1
    opened = [c for c in cases.values() if lo <= c.created_at < hi]
    cases_by_bucket = Counter(_bucket(c.created_at, tz, monthly) for c in opened)
    actions = Counter(vault.custody_action_counts(lo, hi, ("report.generate", "package.export")))
    involved = set(per_case) | {c.id for c in opened}
    return StatsData(
        start=lo, end=hi,
        scope=case.number if case else t("stats.all_cases", lang),
        cases_opened=tuple((c.number, c.title, c.created_at) for c in sorted(opened, key=lambda c: c.created_at)),
        cases_total=len(per_case), items_total=count, bytes_total=total,
        by_kind=tuple((k, n, kind_bytes[k]) for k, n in by_kind.most_common()),
        by_platform=tuple(platforms.most_common()), by_domain=tuple(domains.most_common()),
        by_case=tuple((cases[i].number, cases[i].title, per_case[i], case_bytes[i])
                      for i in sorted(involved, key=lambda i: cases[i].number)),
        over_time=tuple(StatsBucket(label, cases_by_bucket[label], items_by_bucket[label])
                        for label in _buckets(start, end, tz, monthly)),
        reports=int(actions.get("report.generate", 0)), exports=int(actions.get("package.export", 0)),
        examiners=tuple(per_examiner.most_common()),
        monitoring=monitoring_stats(vault, lo, hi, lambda moment: _bucket(moment, tz, monthly), set(cases),
                                    every_tip=case is None),
    )


def _first_activity(vault: Vault) -> datetime:
    first = vault.first_activity()
    return parse_iso(first) if first else parse_iso(iso_utc())


def _bucket(moment: str, tz: Any, monthly: bool) -> str:
    local = parse_iso(moment).astimezone(tz)
    return local.strftime("%Y-%m") if monthly else local.strftime("%Y-%m-%d")


def _buckets(start: datetime, end: datetime, tz: Any, monthly: bool) -> list[str]:
    labels: list[str] = []
    cursor = start.astimezone(tz)
    last = (end - timedelta(microseconds=1)).astimezone(tz)
    while cursor <= last and len(labels) < 400:
        label = cursor.strftime("%Y-%m") if monthly else cursor.strftime("%Y-%m-%d")
        if label not in labels:
            labels.append(label)
        cursor = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1) if monthly else cursor + timedelta(days=1)
    return labels


def _platform(meta: dict[str, Any]) -> str:
    prov = meta["provenance"] if isinstance(meta.get("provenance"), dict) else {}
    value = prov.get("platform") or meta.get("platform")
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value else ""


def _platform_of_url(meta: dict[str, Any], source: str) -> str:
    """The social collector's classification of the captured URL ("generic" sites are not platforms)."""
    from collectors.social.platforms import platform_of

    prov = meta["provenance"] if isinstance(meta.get("provenance"), dict) else {}
    name = platform_of(str(prov.get("final_url") or prov.get("requested_url") or source))
    return "" if name == "generic" else name


def _domain(meta: dict[str, Any], source: str) -> str:
    prov = meta["provenance"] if isinstance(meta.get("provenance"), dict) else {}
    url = str(prov.get("final_url") or prov.get("requested_url") or source)
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")

