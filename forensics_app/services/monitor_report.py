"""What reports take from monitoring: a "changes over time" record per watch, and the period's counts.

A court report shows evidence items, so the history of a watch is first fixed
as one: a ``monitoring_history`` item (JSON) with every check (time, state,
the capture and the hashes of its screenshot, HTML and WARC), every change with
its rule and word redline, first seen / last seen / removed with the rule that
decided it. It is recorded when a court report is made and the watch has had a
check since its last record, so each report shows the history as it stood.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from evidence_store import Case, Item, Vault, iso_utc, tip_store
from evidence_store import monitor_store as store

FORMAT = "forensics-toolkit/monitoring-history/1"


def history_record(vault: Vault, watch: store.WatchRow) -> dict[str, Any]:
    versions, changes = [], []
    first_seen = last_seen = None
    for run in store.runs(vault, watch.id):
        if run.status in (store.RUNNING,):
            continue
        version: dict[str, Any] = {"run": run.id, "time": run.started_at, "status": run.status, "reason": run.reason,
                                   "summary": run.summary, "capture_item": run.capture_item_id,
                                   "state": run.facts.get("state")}
        if run.capture_item_id:
            for child in vault.list_items(parent_id=run.capture_item_id):
                if child.kind in ("screenshot", "html", "warc") and child.sha256:
                    version[f"{child.kind}_sha256"] = child.sha256
            if run.facts.get("state") == "available":
                first_seen = first_seen or run.started_at
                last_seen = run.started_at
        for item_id in run.items:
            item = vault.get_item(item_id)
            if item.kind != "monitoring_change":
                continue
            body = json.loads(b"".join(vault.read_item(item)))
            change = body.get("change") or {}
            visual = [c.id for c in vault.list_items(parent_id=item.id, kind="monitoring_visual_diff")]
            changes.append({"item": item.id, "run": run.id, "detected_at": body.get("detected_at"),
                            "what": body.get("what"), "summary": item.metadata.get("summary"),
                            "rule": body.get("rule"), "sha256": item.sha256,
                            "text_ops": ((change.get("text") or {}).get("ops") or [])[:400],
                            "visual_percent": (change.get("visual") or {}).get("percent_changed"),
                            "visual_items": visual, "removed": change.get("removed")})
            version["change_item"] = item.id
        versions.append(version)
    removal = next((c["removed"] for c in reversed(changes) if c.get("removed")), None)
    return {"format": FORMAT, "watch": watch.uid, "watch_id": watch.id, "target": watch.target, "kind": watch.kind,
            "schedule": watch.config.get("schedule"), "recorded_at": iso_utc(), "first_seen": first_seen,
            "last_seen": last_seen, "removed_at": watch.removed_at, "removal": removal,
            "checks": len(versions), "versions": versions, "changes": changes}


def record_histories(vault: Vault, case: Case) -> list[Item]:
    """A ``monitoring_history`` item for each watch of the case checked since its last one."""
    made = []
    existing: dict[str, int] = {}
    for item in vault.list_items(case.id, kind="monitoring_history"):
        existing[str(item.metadata.get("watch"))] = max(existing.get(str(item.metadata.get("watch")), 0),
                                                       int(item.metadata.get("last_run") or 0))
    for watch in store.list_watches(vault, case_id=case.id, include_removed=True):
        runs = [r for r in store.runs(vault, watch.id) if r.finished_at]
        if not runs or runs[-1].id <= existing.get(watch.uid, 0):
            continue
        record = history_record(vault, watch)
        body = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
        with vault.batch(case) as batch:
            pending = batch.add_content(io.BytesIO(body), kind="monitoring_history",
                                        name=f"history-watch{watch.id}-to-run{runs[-1].id}.json", source=watch.target,
                                        media_type="application/json",
                                        metadata={"watch": watch.uid, "watch_id": watch.id, "last_run": runs[-1].id,
                                                  "checks": record["checks"], "changes": len(record["changes"]),
                                                  "first_seen": record["first_seen"],
                                                  "last_seen": record["last_seen"], "removed_at": watch.removed_at})
        if pending.item is not None:
            made.append(pending.item)
    return made


def monitoring_stats(vault: Vault, start: str, end: str, bucket: Callable[[str], str],
                     case_ids: set[int], *, every_tip: bool) -> dict[str, Any]:
    """Watches, checks, changes, removals, alerts and community reports in [start, end), also per bucket."""
    events = store.period_events(vault, start, end)
    runs = [r for r in events["runs"] if r[2] in case_ids]
    alerts = [a for a in events["alerts"] if a[2] in case_ids]
    watches = [w for w in events["watches"] if w[2] in case_ids]
    tips = [t for t in tip_store.period_rows(vault, start, end) if every_tip or t[4] in case_ids]
    statuses = Counter(r[1] for r in runs)
    buckets: dict[str, Counter[str]] = {}
    for when, status, _case in runs:
        counter = buckets.setdefault(bucket(when), Counter())
        counter["checks"] += 1
        counter["changes"] += status in ("changed", "new_posts")
        counter["removals"] += status == "removed"
    for when, _kind, _case in alerts:
        buckets.setdefault(bucket(when), Counter())["alerts"] += 1
    for tip in tips:
        buckets.setdefault(bucket(tip[0]), Counter())["tips"] += 1
    return {
        "watches_added": sum(1 for w in watches if w[0] >= start),
        "watches_active": sum(1 for w in watches if w[1] == store.ACTIVE),
        "checks": len(runs), "checks_by_status": dict(statuses),
        "changes": statuses["changed"] + statuses["new_posts"], "removals": statuses["removed"],
        "failures": statuses["failed"], "alerts": len(alerts), "alerts_by_kind": dict(Counter(a[1] for a in alerts)),
        "tips": len(tips), "tips_by_status": dict(Counter(t[1] for t in tips)),
        "tips_by_outcome": dict(Counter(t[2] or "pending" for t in tips)),
        "tips_by_channel": dict(Counter(t[3] for t in tips)),
        "by_bucket": [(label, dict(counter)) for label, counter in sorted(buckets.items())],
    }
