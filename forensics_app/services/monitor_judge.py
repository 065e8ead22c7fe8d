"""Judging one check: what the page's state proves, what changed, what is stored and raised.

States, from the capture's own evidence (the rule is recorded with each):

- ``platform_removed``: the platform's reader says the content is not available (its words are the reason);
- ``http_gone``: the server answered 404 or 410;
- ``login_wall``: a login wall or checkpoint hides the content (401/403, or the social reader says so);
- ``network_failure``: no HTTP answer (timeout, DNS, refused) or the capture itself failed;
- ``not_recognised``: our reader did not recognise the page.

Only the first two, on ``removal_after`` consecutive checks, make a ``removed`` event; the others are
failures or unavailability and say so. ``failing_after`` failures in a row mark the watch failing (an
alert); it is never removed for that.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlsplit

from collectors.web import CaptureOptions
from evidence_store import Item, Vault, iso_utc
from evidence_store import monitor_store as store

from . import settings
from .egress import measure_egress
from .monitor import CheckOutcome
from .monitor_diff import (
    Focus,
    feed_diff,
    feed_entries,
    keyword_hits,
    link_diff,
    page_links,
    page_text,
    social_diff,
    text_diff,
    visual_diff,
)

GONE = ("platform_removed", "http_gone")
REMOVAL_RULE = ("removed: {reason} seen on {n} consecutive check(s) (the watch's removal_after); a network failure, "
                "a login wall or an unrecognised page never counts")


def _read(vault: Vault, item: Item | None) -> bytes:
    return b"".join(vault.read_item(item)) if item is not None else b""


def _children(vault: Vault, item: Item, children: Any) -> dict[str, Item]:
    found: dict[str, Item] = {}
    for child in list(children or []) or vault.list_items(parent_id=item.id):
        found.setdefault(child.kind, child)
    return found


def _state(item: Item | None, error: str, record: dict[str, Any] | None) -> tuple[str, str]:
    """(state, reason) of a capture; state '' when the content was seen."""
    if item is None:
        return "network_failure", error or "the capture failed"
    prov = item.metadata.get("provenance") or {}
    status = prov.get("http_status")
    availability = (record or {}).get("availability") or {}
    kind = availability.get("status")
    if kind == "unavailable":
        return "platform_removed", f"the platform says: {availability.get('reason', '')}".strip()
    if kind in ("login_required", "checkpoint"):
        return "login_wall", f"{kind}: {availability.get('reason', '')}"
    if kind == "network_failure":
        return "network_failure", str(availability.get("reason") or "network failure")
    if status is None:
        warning = next((w.message for w in item.warnings if w.code in ("navigation_error", "navigation_timeout")), "")
        return "network_failure", warning or "no HTTP response was received"
    if status in (404, 410):
        return "http_gone", f"HTTP {status} {prov.get('status_line') or ''}".strip()
    if status in (401, 403):
        return "login_wall", f"HTTP {status}: the server asks for a login or refuses access"
    if status >= 500:
        return "network_failure", f"HTTP {status}: the server failed to answer"
    if kind == "not_recognised":
        return "not_recognised", str(availability.get("reason") or "the reader did not recognise a post")
    return "", ""


def judge_failure(vault: Vault, watch: store.WatchRow, run_id: int, error: str) -> CheckOutcome:
    return judge(vault, watch, run_id, None, [], error, None, egress=None, options=None)


def judge(vault: Vault, watch: store.WatchRow, run_id: int, item: Item | None, children: Any, error: str,
          record: dict[str, Any] | None, *, egress: dict[str, Any] | None,
          options: CaptureOptions | None) -> CheckOutcome:
    """Judge a stored capture (or a failed one) against the watch's last good version; store and return it."""
    state, reason = _state(item, error, record if watch.kind == "social" else None)
    facts: dict[str, Any] = {"state": state or "available", "egress": _egress_with_clock(egress, item)}
    result = store.RunResult(status="failed", reason=reason, capture_item_id=item.id if item else None,
                             items=[item.id] if item else [], facts=facts)
    removal_after = int(watch.config.get("removal_after") or 2)
    failing_after = int(watch.config.get("failing_after") or 3)
    if state in ("network_failure", "not_recognised", "login_wall"):
        failures = watch.failures + (state != "login_wall")
        result.status = "unavailable" if state == "login_wall" else "failed"
        result.summary = {"login_wall": "login wall: content hidden", "not_recognised": "page not recognised",
                          "network_failure": f"failed: {reason}"}[state]
        result.watch = {"failures": failures, "gone_streak": 0}
        if state != "login_wall" and failures >= failing_after and watch.health != "failing":
            result.watch["health"] = "failing"
            result.alerts.append(("failing", _pair(f"failing: {failures} checks in a row failed ({reason})",
                                                   f"lỗi liên tiếp: {failures} lần kiểm tra không thành công ({reason})"),
                                  item.id if item else None))
    elif state in GONE:
        streak = watch.gone_streak + 1
        result.watch = {"gone_streak": streak, "failures": 0, "health": "ok"}
        result.status, result.summary = "unavailable", f"{reason} ({streak} of {removal_after})"
        if streak >= removal_after and watch.removed_at is None:
            assert item is not None
            rule = REMOVAL_RULE.format(reason=state, n=streak)
            change = _store_change(vault, watch, run_id, item, "removed", {"removed": {
                "state": state, "reason": reason, "consecutive": streak, "rule": rule,
                "last_seen_item": watch.baseline_item_id}}, rule, f"removed ({reason})", None)[0]
            result.status, result.summary = "removed", f"removed: {reason} on {streak} consecutive checks"
            result.items.append(change.id)
            result.watch["removed_at"] = iso_utc()
            result.watch["last_change"] = change.metadata["detected_at"]
            result.alerts.append(("removed", _pair(f"removed: {reason} on {streak} consecutive checks",
                                                   f"đã bị gỡ: {reason} trong {streak} lần kiểm tra liên tiếp"),
                                  change.id))
    else:
        assert item is not None
        _compare(vault, watch, run_id, item, children, record, result)
    result.payloads = _payloads(vault, item, children)
    store.finish_run(vault, run_id, result)
    return CheckOutcome(watch.id, run_id, watch.target, result.status, result.reason, result.summary,
                        result.capture_item_id, result.items, [a[0] for a in result.alerts])


def _pair(en: str, vi: str) -> str:
    return json.dumps({"en": en, "vi": vi}, ensure_ascii=False)


def _compare(vault: Vault, watch: store.WatchRow, run_id: int, item: Item, children: Any,
             record: dict[str, Any] | None, result: store.RunResult) -> None:
    """The content was seen: diff it against the last good version."""
    focus = Focus.from_config(watch.config)
    parts = _children(vault, item, children)
    result.watch = {"failures": 0, "gone_streak": 0, "health": "ok", "baseline_item_id": item.id}
    reappeared = watch.removed_at is not None
    if reappeared:
        result.watch["removed_at"] = None
    base = vault.get_item(watch.baseline_item_id) if watch.baseline_item_id else None
    final_url = (item.metadata.get("provenance") or {}).get("final_url") or watch.target
    html = _read(vault, parts.get("html")).decode("utf-8", "replace")
    current_text, current_links = page_text(html, focus), page_links(html, final_url, focus)
    entries = _feed(vault, item, parts, watch) if watch.kind == "feed" else []
    result.facts["words"] = len(current_text.split())
    result.facts["links"] = len(current_links)
    if watch.kind == "feed":
        result.facts["feed_entries"] = entries
    if base is None:
        result.status, result.summary = "unchanged", "first version (baseline)"
        return
    base_parts = _children(vault, base, None)
    base_html = _read(vault, base_parts.get("html")).decode("utf-8", "replace")
    base_url = (base.metadata.get("provenance") or {}).get("final_url") or watch.target
    change: dict[str, Any] = {}
    text = text_diff(page_text(base_html, focus), current_text)
    if text["changed"]:
        change["text"] = text
    links = link_diff(page_links(base_html, base_url, focus), current_links)
    if links["changed"] and watch.kind in ("listing", "page"):
        change["links"] = links
    if watch.kind == "feed":
        previous = _previous_entries(vault, watch)
        feed = feed_diff(previous, entries)
        if feed["changed"]:
            change["feed"] = feed
    if record is not None:
        old_record = _record(vault, base_parts.get("social_post"))
        if old_record:
            social = social_diff(old_record, record)
            if social["changed"]:
                change["social"] = social
    image = None
    shot_old, shot_new = base_parts.get("screenshot"), parts.get("screenshot")
    if shot_old is not None and shot_new is not None and (change or shot_old.sha256 != shot_new.sha256):
        visual, image = visual_diff(_read(vault, shot_old), _read(vault, shot_new))
        threshold = float(watch.config.get("visual_threshold", 1.0))
        visual["counts_from_percent"] = threshold
        # a few pixels (a rotating banner outside the watched part) are no change of their own; with a change
        # seen otherwise, the picture is kept whatever its size
        if visual["changed"] and (change or visual["percent_changed"] >= threshold):
            change["visual"] = visual
        else:
            image = None
    new_posts = _new_posts(watch, change)
    hits = keyword_hits(watch.config.get("keywords") or [], _new_texts(change, new_posts))
    if hits:
        change["keywords"] = hits
    if not change and not reappeared:
        result.status, result.summary = "unchanged", "no change"
        return
    summary, summary_vi = describe(change, reappeared)
    rules = "; ".join(str(v.get("rule")) for k, v in change.items() if isinstance(v, dict) and v.get("rule"))
    stored, *pictures = _store_change(vault, watch, run_id, item, "changed",
                                      {**change, "previous_item": base.id, "reappeared": reappeared},
                                      rules or "the content was seen again after a removal", summary, image)
    result.items += [stored.id, *(p.id for p in pictures)]
    result.watch["last_change"] = stored.metadata["detected_at"]
    result.status, result.summary = ("new_posts" if new_posts else "changed"), summary
    result.alerts.append(("new_posts" if new_posts else "changed", _pair(summary, summary_vi), stored.id))
    if hits:
        result.alerts.append(("keyword", _pair("keywords: " + ", ".join(hits), "từ khoá: " + ", ".join(hits)),
                              stored.id))
    if new_posts and watch.config.get("capture_new") != "none":
        keywords = watch.config.get("keywords") or []
        chosen = [p["url"] for p in new_posts if watch.config.get("capture_new") == "all"
                  or (keywords and keyword_hits(keywords, [p.get("text", "")]))]
        result.facts["new_posts"] = [p["url"] for p in new_posts]
        result.facts["new_posts_to_capture"] = chosen


def describe(change: dict[str, Any], reappeared: bool = False) -> tuple[str, str]:
    """One line for alerts and lists, English and Vietnamese."""
    en: list[str] = []
    vi: list[str] = []
    if reappeared:
        en.append("seen again after removal")
        vi.append("xuất hiện lại sau khi bị gỡ")
    if "text" in change:
        t = change["text"]
        en.append(f"text +{t['words_added']}/−{t['words_removed']} words")
        vi.append(f"văn bản +{t['words_added']}/−{t['words_removed']} từ")
    if "links" in change:
        c = change["links"]
        en.append(f"links +{len(c['added'])}/−{len(c['removed'])}")
        vi.append(f"liên kết +{len(c['added'])}/−{len(c['removed'])}")
    if "feed" in change:
        c = change["feed"]
        en.append(f"feed entries +{len(c['added'])}/−{len(c['removed'])}")
        vi.append(f"mục tin +{len(c['added'])}/−{len(c['removed'])}")
    if "social" in change:
        s = change["social"]
        en.append(f"comments +{len(s['comments_added'])}/−{len(s['comments_vanished'])}/edited "
                  f"{len(s['comments_edited'])}" + (", post edited" if s["post_edited"] else "")
                  + (f", counts {', '.join(s['counts'])}" if s["counts"] else ""))
        vi.append(f"bình luận +{len(s['comments_added'])}/−{len(s['comments_vanished'])}/sửa "
                  f"{len(s['comments_edited'])}" + (", bài đăng bị sửa" if s["post_edited"] else "")
                  + (f", số liệu {', '.join(s['counts'])}" if s["counts"] else ""))
    if "visual" in change:
        en.append(f"{change['visual']['percent_changed']}% of the screenshot")
        vi.append(f"{change['visual']['percent_changed']}% ảnh chụp")
    if "keywords" in change:
        en.append("keywords: " + ", ".join(change["keywords"]))
        vi.append("từ khoá: " + ", ".join(change["keywords"]))
    return "; ".join(en) or "changed", "; ".join(vi) or "có thay đổi"


def _new_posts(watch: store.WatchRow, change: dict[str, Any]) -> list[dict[str, str]]:
    if watch.kind == "feed" and "feed" in change:
        return [{"url": e["link"], "text": f"{e['title']} {e['summary']}"} for e in change["feed"]["added"] if e["link"]]
    if watch.kind == "listing" and "links" in change:
        host = urlsplit(watch.target).hostname
        return [{"url": e["url"], "text": e["text"]} for e in change["links"]["added"]
                if urlsplit(e["url"]).hostname == host]
    return []


def _new_texts(change: dict[str, Any], new_posts: list[dict[str, str]]) -> list[str]:
    texts = [" ".join(op[1] for op in change.get("text", {}).get("ops", []) if op[0] == "insert")]
    texts += [p["text"] for p in new_posts]
    social = change.get("social") or {}
    texts += [c["text"] for c in social.get("comments_added", [])]
    texts += [str(c.get("after") or "") for c in social.get("comments_edited", [])]
    return [t for t in texts if t]


def _store_change(vault: Vault, watch: store.WatchRow, run_id: int, parent: Item, what: str,
                  change: dict[str, Any], rule: str, summary: str, image: bytes | None) -> list[Item]:
    """The derived item (JSON of the change, with its rule) under the capture that showed it, and the
    three-panel image under it; those a recovered check already stored are returned instead."""
    for child in vault.list_items(parent_id=parent.id, kind="monitoring_change"):
        if child.metadata.get("run") == run_id:
            return [child, *vault.list_items(parent_id=child.id, kind="monitoring_visual_diff")]
    detected = iso_utc()
    body = json.dumps({"format": "forensics-toolkit/monitoring-change/1", "watch": watch.uid, "target": watch.target,
                       "run": run_id, "what": what, "detected_at": detected, "rule": rule, "change": change},
                      ensure_ascii=False, indent=1, default=str).encode("utf-8")
    case = vault.get_case(watch.case_id)
    counts = {k: _count(v) for k, v in change.items() if isinstance(v, dict)}
    with vault.batch(case) as batch:
        pending = [batch.add_content(io.BytesIO(body), kind="monitoring_change", name=f"change-{what}-run{run_id}.json",
                                     source=watch.target, parent=parent, media_type="application/json",
                                     metadata={"detected_at": detected, "summary": summary, "rule": rule,
                                               "watch": watch.uid, "watch_id": watch.id, "run": run_id,
                                               "what": what, "change": counts})]
        if image is not None:
            pending.append(batch.add_content(io.BytesIO(image), kind="monitoring_visual_diff",
                                             name=f"visual-diff-run{run_id}.png", source=watch.target,
                                             parent=pending[0], media_type="image/png",
                                             metadata={"what": "previous | current | difference (red)", "run": run_id,
                                                       "rule": change.get("visual", {}).get("rule")}))
    items = [p.item for p in pending if p.item is not None]
    from .analysis import after_commit  # the change joins the timeline and the search index at once

    after_commit(vault, case, items)
    return items


def _count(value: dict[str, Any]) -> Any:
    for key in ("percent_changed", "words_added"):
        if key in value:
            return {k: value[k] for k in ("percent_changed", "words_added", "words_removed") if k in value}
    return {k: len(v) for k, v in value.items() if isinstance(v, list)}


def _record(vault: Vault, item: Item | None) -> dict[str, Any]:
    if item is None:
        return {}
    try:
        return dict(json.loads(_read(vault, item)))
    except ValueError:
        return {}


def _feed(vault: Vault, item: Item, parts: dict[str, Item], watch: store.WatchRow) -> list[dict[str, str]]:
    """Entries of the feed's final response, read from the WARC; a revisit record means the same document as
    before, so the previous entries stand."""
    body = _final_body(vault, item, parts)
    if body is None:
        return _previous_entries(vault, watch)
    return feed_entries(body)


def _previous_entries(vault: Vault, watch: store.WatchRow) -> list[dict[str, str]]:
    for run in store.last_finished_runs(vault, watch.id, 50):
        if "feed_entries" in run.facts:
            return list(run.facts["feed_entries"])
    return []


def _final_body(vault: Vault, item: Item, parts: dict[str, Item]) -> bytes | None:
    from warcio.archiveiterator import ArchiveIterator

    final = (item.metadata.get("provenance") or {}).get("final_url") or item.source
    warc = parts.get("warc")
    if warc is None:
        return b""
    for record in ArchiveIterator(io.BytesIO(_read(vault, warc))):
        if record.rec_headers.get_header("WARC-Target-URI") != final:
            continue
        if record.rec_type == "revisit":
            return None
        if record.rec_type == "response":
            return bytes(record.content_stream().read())
    return b""


def _payloads(vault: Vault, item: Item | None, children: Any) -> list[tuple[str, str, str, str, int]]:
    """This capture's 2xx response records (not revisits), for later checks' revisit records."""
    if item is None:
        return []
    parts = _children(vault, item, children)
    prov, warc = parts.get("provenance"), parts.get("warc")
    if prov is None or warc is None:
        return []
    try:
        exchanges = json.loads(_read(vault, prov)).get("exchanges") or []
    except ValueError:
        return []
    out = []
    for e in exchanges:
        if e.get("revisit_of") or not e.get("payload_digest") or not 200 <= int(e.get("status") or 0) < 300:
            continue
        if e.get("truncated"):
            continue
        stamp = str(e.get("timestamp") or "")
        out.append((e["payload_digest"], e["response_record"]["id"], e["url"], stamp[:19] + "Z" if stamp else "",
                    warc.id))
    return out


def stored_capture(vault: Vault, watch: store.WatchRow, run: store.RunRow
                   ) -> tuple[Item, list[Item], dict[str, Any] | None] | None:
    """The capture a killed check stored, if it did (found by its batch id)."""
    batch = run.facts.get("batch")
    for item in vault.list_items(watch.case_id, kind="web_capture"):
        if item.metadata.get("batch") == batch and (item.metadata.get("requested_url") or item.source) == watch.target:
            children = vault.list_items(parent_id=item.id)
            post = next((c for c in children if c.kind == "social_post"), None)
            return item, children, (_record(vault, post) if post is not None else None)
    return None


def egress_facts(vault: Vault, target: str) -> dict[str, Any]:
    """How this check reached the target: the local address the system routes it from, and the public address a
    configured echo service saw (``monitor_egress_echo_url``), or why it was not measured."""
    host = urlsplit(target).hostname or ""
    echo = str(settings.get(vault, "monitor_egress_echo_url") or "")
    return measure_egress(host, echo, "setting monitor_egress_echo_url")


def _egress_with_clock(egress: dict[str, Any] | None, item: Item | None) -> dict[str, Any]:
    facts = dict(egress or {})
    clock = ((item.metadata.get("provenance") or {}).get("clock") if item else None)
    if clock is not None:
        facts["clock"] = clock
    return facts
