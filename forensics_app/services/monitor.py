"""The monitoring desk: watches, and checks that are full evidential captures.

A watch (a page, a social post, a listing of posts, an RSS/Atom feed) is kept in
the vault with its schedule (:mod:`.monitor_schedule`). A check is a capture
through the same web/social pipeline as ``forensics capture`` (WARC, screenshots,
provenance, one vault batch), then a judgement (:mod:`.monitor_judge`): what
changed against the watch's last good capture, stored as derived items with
their rule, and what the page's state proves (a failure is never a removal).

:func:`run_checks` is the unit a worker could run (issue 19): given watch rows it
captures and judges them. The check's run row is written before the capture
starts, so a process killed in the middle leaves a ``running`` row that
:func:`recover` completes from what was stored (the capture is one batch: fully
stored or not at all).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.web import CaptureOptions, normalise_url
from evidence_store import Cancelled, CancelToken, ForensicsError, UsageError, Vault, iso_utc, parse_iso, utc_now
from evidence_store import monitor_store as store
from evidence_store.tasks import NEVER_CANCELLED

from . import case_access, settings
from .monitor_diff import Focus, check_focus
from .monitor_schedule import DEFAULT_ZONE, Schedule, first_time, make_schedule, next_time
from .watches import reach_watch

KINDS = ("page", "social", "listing", "feed")
STATUSES = ("unchanged", "changed", "new_posts", "removed", "unavailable", "failed")
CAPTURE_NEW = ("keywords", "all", "none")
Clock = Callable[[], datetime]
#: (vault, watches, run id per watch id, batch id, options, concurrency, cancel, on_outcome) -> outcomes
GroupCapture = Callable[..., list["CheckOutcome"]]


@dataclass
class CheckOutcome:
    watch_id: int
    run_id: int
    target: str
    status: str
    reason: str = ""
    summary: str = ""
    capture_item_id: int | None = None
    items: list[int] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"watch_id": self.watch_id, "run_id": self.run_id, "target": self.target, "status": self.status,
                "reason": self.reason, "summary": self.summary, "capture_item_id": self.capture_item_id,
                "items": self.items, "alerts": self.alerts}


# -- watches ----------------------------------------------------------------------------------------------------
def vault_zone(vault: Vault) -> str:
    return str(settings.get(vault, "timezone") or DEFAULT_ZONE)


def guess_kind(url: str, social: bool) -> str:
    path = url.lower().split("?")[0]
    if path.endswith((".rss", ".atom", "/feed", "/rss", "/atom.xml", "/rss.xml", "/feed.xml")):
        return "feed"
    if social:
        from collectors.social.platforms import detect

        return "social" if detect(url).post_id else "listing"
    return "page"


def add_watches(vault: Vault, case_ref: str | int, targets: Sequence[str], *, kind: str | None = None,
                social: bool = False, every: str | None = None, cron: str | None = None,
                windows: Sequence[str] = (), zone: str | None = None, jitter: str | int = 0, profile: str = "",
                keywords: Sequence[str] = (), include: Sequence[str] = (), exclude: Sequence[str] = (),
                ignore: Sequence[str] = (), allow_private_addresses: bool = False, capture_new: str = "keywords",
                removal_after: int = 2, failing_after: int = 3, clock: Clock = utc_now) -> list[store.WatchRow]:
    """New watches in a case; every bad part fails before anything is stored."""
    case = case_access.reach_case(vault, case_ref, "watch add")
    case.require_open("watching for it", "theo dõi cho vụ việc này")
    if not targets:
        raise UsageError("no address to watch", message_vi="không có địa chỉ nào để theo dõi")
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown watch kind {kind!r}; one of {', '.join(KINDS)}",
                         message_vi=f"loại theo dõi không xác định {kind!r}; dùng một trong {', '.join(KINDS)}")
    if capture_new not in CAPTURE_NEW:
        raise UsageError(f"--capture-new must be one of {', '.join(CAPTURE_NEW)}",
                         message_vi=f"cách thu thập trang mới phải là một trong {', '.join(CAPTURE_NEW)}")
    if removal_after < 1 or failing_after < 1:
        raise UsageError("--removal-after and --failing-after must be at least 1",
                         message_vi="số lần trước khi coi là bị gỡ và số lần lỗi trước khi báo phải ít nhất là 1")
    schedule = make_schedule(every=every, cron=cron, windows=windows, zone=zone or vault_zone(vault), jitter=jitter)
    focus = Focus(tuple(include), tuple(exclude), tuple(ignore))
    check_focus(focus)
    if profile:
        from evidence_store.profiles import LoginProfiles

        LoginProfiles(vault).get(profile)  # an unknown name fails now
    urls = list(dict.fromkeys(normalise_url(t) for t in targets))
    config = {"schedule": schedule.to_json(), "include": list(include), "exclude": list(exclude),
              "ignore": list(ignore), "keywords": [k.strip() for k in keywords if k.strip()], "profile": profile,
              "allow_private_addresses": allow_private_addresses, "capture_new": capture_new,
              "removal_after": removal_after, "failing_after": failing_after}
    first = iso_utc(first_time(schedule, clock()))
    return store.add_watches(vault, case, [(u, kind or guess_kind(u, social), {**config}, first) for u in urls])


def schedule_of(watch: store.WatchRow) -> Schedule:
    return Schedule.from_json(watch.config.get("schedule") or {})


def watch_detail(vault: Vault, ref: str | int, runs: int = 5) -> tuple[store.WatchRow, list[Any]]:
    """A watch and its last finished checks."""
    watch = reach_watch(vault, ref, "watch show")
    return watch, store.last_finished_runs(vault, watch.id, runs)


def pause(vault: Vault, ref: str | int) -> store.WatchRow:
    return store.set_watch_status(vault, reach_watch(vault, ref, "watch pause").id, store.PAUSED)


def resume(vault: Vault, ref: str | int, clock: Clock = utc_now) -> store.WatchRow:
    watch = reach_watch(vault, ref, "watch resume")
    due = iso_utc(first_time(schedule_of(watch), clock()))
    return store.set_watch_status(vault, watch.id, store.ACTIVE, next_due=due)


def remove(vault: Vault, ref: str | int, reason: str = "") -> store.WatchRow:
    return store.set_watch_status(vault, reach_watch(vault, ref, "watch remove").id, store.REMOVED, reason=reason)


# -- checks -----------------------------------------------------------------------------------------------------
def check_options(vault: Vault, watch: store.WatchRow, base: CaptureOptions | None) -> CaptureOptions:
    """A check's capture options: the vault's (or the caller's) with the watch's profile and address rule. PDF, MHTML
    and the WACZ are left out: the WARC (with revisit records), screenshots, HTML and provenance are the evidence of
    each version; what is identical to an earlier check is then stored once."""
    from .web import effective_options

    options = effective_options(vault, base)
    return options.with_changes(profile=str(watch.config.get("profile") or ""), pdf=False, mhtml=False, video=False,
                                wacz=False,
                                allow_private_addresses=bool(watch.config.get("allow_private_addresses"))
                                or options.allow_private_addresses)


def uses_social_pipeline(watch: store.WatchRow) -> bool:
    """Social posts, and listings on a platform the social readers know; a plain site's listing is a web page."""
    if watch.kind == "social":
        return True
    if watch.kind != "listing":
        return False
    from collectors.social.platforms import detect

    return detect(watch.target).platform != "generic"


def _groups(watches: Sequence[store.WatchRow], options: dict[int, CaptureOptions]) -> list[list[store.WatchRow]]:
    """Watches captured together: same case, same pipeline and options, each address once."""
    groups: dict[tuple[Any, ...], list[list[store.WatchRow]]] = {}
    for w in watches:
        key = (w.case_id, uses_social_pipeline(w), options[w.id])
        lists = groups.setdefault(key, [[]])
        for group in lists:
            if all(x.target != w.target for x in group):
                group.append(w)
                break
        else:
            lists.append([w])
    return [g for lists in groups.values() for g in lists if g]


def run_checks(vault: Vault, watches: Sequence[store.WatchRow], *, clock: Clock = utc_now,
               options: CaptureOptions | None = None, concurrency: int = 4, cancel: CancelToken = NEVER_CANCELLED,
               rng: random.Random | None = None, on_outcome: Callable[[CheckOutcome], None] | None = None,
               capture_group: GroupCapture | None = None) -> list[CheckOutcome]:
    """Check these watches now: capture each (``concurrency`` at a time), judge, store; one outcome per watch.

    ``capture_group`` replaces the browser capture of a group (the scheduler simulation, a remote worker)."""
    from .monitor_judge import judge_failure

    if not watches:
        return []
    for case_id in {w.case_id for w in watches}:
        case = vault.get_case(case_id)
        case.require_open("checking its watches", "kiểm tra các mục theo dõi của nó")
    now = clock()
    per_watch = {w.id: check_options(vault, w, options) for w in watches}
    runs: dict[int, int] = {}
    outcomes: list[CheckOutcome] = []
    for group in _groups(watches, per_watch):
        batch = "monitor-" + hashlib.sha256(
            "|".join(f"{w.uid}@{iso_utc(now)}" for w in group).encode()).hexdigest()[:16]
        for w in group:
            due = w.next_due or iso_utc(now)
            runs[w.id] = store.start_run(vault, w, due, iso_utc(next_time(schedule_of(w), now, rng)),
                                         facts={"batch": batch, "scheduled_for": due})
        try:
            outcomes += (capture_group or _capture_group)(vault, group, runs, batch, per_watch[group[0].id],
                                                          concurrency, cancel, on_outcome)
        except Cancelled:
            raise  # the runs stay "running": the next monitor marks them interrupted and checks again
        except ForensicsError as exc:
            for w in group:
                if store.get_run(vault, runs[w.id]).status == store.RUNNING:
                    outcome = judge_failure(vault, store.get_watch(vault, w.id), runs[w.id], str(exc))
                    outcomes.append(outcome)
                    if on_outcome is not None:
                        on_outcome(outcome)
    for outcome in outcomes:
        if outcome.status == "new_posts":
            _capture_new_posts(vault, outcome, options, concurrency, cancel)
    return outcomes


def _capture_new_posts(vault: Vault, outcome: CheckOutcome, options: CaptureOptions | None, concurrency: int,
                       cancel: CancelToken) -> None:
    """New posts a listing or feed check found (those matching the keywords, or all) captured as social posts."""
    from .social import capture_social

    run = store.get_run(vault, outcome.run_id)
    urls = list(run.facts.get("new_posts_to_capture") or [])
    if not urls:
        return
    watch = store.get_watch(vault, outcome.watch_id)
    chosen = check_options(vault, watch, options)
    result = capture_social(vault, watch.case_id, urls, options=chosen, profile=chosen.profile,
                            concurrency=concurrency, batch_id=f"monitor-posts-{watch.uid[:8]}-{run.id}",
                            cancel=cancel, remote=on_workers(vault, chosen))
    ids = [o.web.item.id for o in result.outcomes if o.web.item is not None]
    store.add_run_items(vault, run.id, ids, "new posts captured")
    outcome.items.extend(ids)


def _capture_group(vault: Vault, group: list[store.WatchRow], runs: dict[int, int], batch: str,
                   options: CaptureOptions, concurrency: int, cancel: CancelToken,
                   on_outcome: Callable[[CheckOutcome], None] | None) -> list[CheckOutcome]:
    from .monitor_judge import egress_facts, judge

    by_url = {w.target: w for w in group}
    remote = on_workers(vault, options)
    # a worker writes whole WARC records (it holds no earlier payloads), and its egress is in the capture's provenance
    revisits = None if remote else store.payload_index(vault)
    egress = ({"measured_by": "the capture worker", "see": "the capture's provenance: environment.egress and clock"}
              if remote else egress_facts(vault, group[0].target))
    done: list[CheckOutcome] = []

    def finished(url: str, item: Any, children: Any, error: str, record: dict[str, Any] | None) -> None:
        watch = store.get_watch(vault, by_url[url].id)
        outcome = judge(vault, watch, runs[watch.id], item, children, error, record, egress=egress,
                        options=options)
        done.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    case = group[0].case_id
    urls = list(by_url)
    if uses_social_pipeline(group[0]):
        from .social import PostOutcome, capture_social

        def social_done(o: PostOutcome) -> None:
            finished(o.url, o.web.item, o.web.children, o.web.error, o.record)

        capture_social(vault, case, urls, options=options, profile=options.profile, concurrency=concurrency,
                       batch_id=batch, cancel=cancel, on_outcome=social_done, revisits=revisits, media=False,
                       remote=remote)
    else:
        from .web import UrlOutcome, capture_web

        def web_done(o: UrlOutcome) -> None:
            finished(o.url, o.item, o.children, o.error, None)

        capture_web(vault, case, urls, options=options, concurrency=concurrency, batch_id=batch, cancel=cancel,
                    on_outcome=web_done, revisits=revisits, remote=remote)
    return done


def on_workers(vault: Vault, options: CaptureOptions) -> bool:
    """Checks run on the capture workers (issue 19) when the vault says so (``remote_monitoring``, with a broker
    configured); a watch with a login profile is checked here, since profiles never leave the workstation."""
    if options.profile or not settings.get(vault, "remote_monitoring"):
        return False
    from .remote_desk import configured

    return configured(vault)


def run_due(vault: Vault, *, clock: Clock = utc_now, options: CaptureOptions | None = None, concurrency: int = 4,
            cancel: CancelToken = NEVER_CANCELLED, rng: random.Random | None = None,
            on_outcome: Callable[[CheckOutcome], None] | None = None,
            capture_group: GroupCapture | None = None) -> list[CheckOutcome]:
    """Every watch whose time has come, once each, however long ago it fell due (catch-up without bursts)."""
    recovered = recover(vault, options=options)
    due = store.due_watches(vault, iso_utc(clock()))
    open_cases = {c.id for c in vault.list_cases() if c.status == "open"}
    runnable = [w for w in due if w.case_id in open_cases]
    for w in due:
        if w.case_id not in open_cases:  # a closed case's watch is paused (logged); resume it after reopening
            store.set_watch_status(vault, w.id, store.PAUSED, reason="case closed")
    return recovered + run_checks(vault, runnable, clock=clock, options=options, concurrency=concurrency,
                                  cancel=cancel, rng=rng, on_outcome=on_outcome, capture_group=capture_group)


def recover(vault: Vault, *, options: CaptureOptions | None = None) -> list[CheckOutcome]:
    """Finish checks a killed process left running: judged from the stored capture, or marked interrupted (the
    watch is then due again at once)."""
    from .monitor_judge import judge, stored_capture

    outcomes = []
    for run in store.unfinished_runs(vault):
        watch = store.get_watch(vault, run.watch_id)
        found = stored_capture(vault, watch, run)
        if found is not None:
            item, children, record = found
            outcomes.append(judge(vault, watch, run.id, item, children, "", record, egress=run.facts.get("egress"),
                                  options=check_options(vault, watch, options)))
            continue
        store.finish_run(vault, run.id, store.RunResult(
            status=store.INTERRUPTED, reason="the process running this check stopped before its capture was stored",
            watch={"next_due": iso_utc()} if watch.status == store.ACTIVE else {}))
    return outcomes


def history(vault: Vault, ref: str | int) -> dict[str, Any]:
    watch = reach_watch(vault, ref, "watch history")
    rows = store.runs(vault, watch.id)
    changes = []
    for run in rows:
        for item_id in run.items:
            item = vault.get_item(item_id)
            if item.kind == "monitoring_change":
                changes.append({"run": run.id, "item_id": item.id, "detected_at": item.metadata.get("detected_at"),
                                "summary": item.metadata.get("summary"), "rule": item.metadata.get("rule"),
                                "change": item.metadata.get("change")})
    return {"watch": watch.to_json(), "versions": [r.to_json() for r in rows], "changes": changes}


def next_run_in(vault: Vault, now: datetime) -> float | None:
    due = store.next_due_time(vault)
    return None if due is None else max(0.0, (parse_iso(due) - now).total_seconds())
