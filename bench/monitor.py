"""Benchmark: the monitoring desk (issue 15).

Part 1, real captures (Chromium, the recording proxy, the vault) of a local site on 127.0.0.1
(tests/monitor/site.py: a news article page of about 12 kB of Vietnamese text with a stylesheet and an
image, per watch):

  round 0   every watch's first check (the baseline: full captures)
  round 1   10 % of the pages changed (the others unchanged)
  round 2   nothing changed (every check unchanged)
  capture   ``capture_web`` of the same pages, 4 at a time, with the default options (WARC, WACZ, PDF, MHTML,
            screenshots: what `forensics capture web --concurrency 4` stores), and with the options a check
            uses (no PDF, MHTML or WACZ), in the same run

  Reported: checks per hour; time and bytes added to the vault by an unchanged check against a full capture
  (targets: bytes <= 5 %; check throughput >= 0.8 x the 4-way capture throughput).

Part 2, a simulated 30 days with a fast clock (the scheduler, the vault's schedule table and every check's
run row and custody entry; the capture itself stubbed): hourly, 6-hourly-with-jitter and office-hours cron
watches, and a 3-day gap (the machine asleep) in the middle. Reported: memory at day 1 and day 30, one run
per due time, the catch-up after the gap (each overdue watch once).

    .venv/bin/python bench/monitor.py [--watches 200] [--concurrency 4] [--sim-watches 60] [--days 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")

from collectors.web import CaptureOptions  # noqa: E402
from evidence_store import Vault, iso_utc, parse_iso  # noqa: E402
from evidence_store import monitor_store as store  # noqa: E402
from forensics_app.services import monitor, monitor_daemon  # noqa: E402
from tests.monitor.site import MonitorSite  # noqa: E402

PASSPHRASE = "bench passphrase, not for evidence"


def options() -> CaptureOptions:
    return CaptureOptions(allow_private_addresses=True, ntp_server="127.0.0.1:9", ntp_timeout=1)


def blob_sizes(vault: Vault, capture_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    return {c: [(i.blob, i.size or 0) for i in vault.list_items(parent_id=c) if i.blob] for c in capture_ids}


def new_bytes(per_capture: dict[int, list[tuple[str, int]]], known: set[str]) -> dict[int, int]:
    """Plaintext bytes each capture added (blobs the vault did not hold before)."""
    out = {}
    for capture, blobs in per_capture.items():
        added = 0
        for name, size in blobs:
            if name not in known:
                known.add(name)
                added += size
        out[capture] = added
    return out


def part_one(count: int, concurrency: int, folder: Path) -> dict[str, Any]:
    site = MonitorSite()
    vault = Vault.create(folder / "vault", PASSPHRASE, "Bench")
    try:
        case = vault.create_case("BENCH-MON", "monitoring bench")
        urls = [f"{site.base}/p/page{i:03d}" for i in range(count)]
        watches = monitor.add_watches(vault, case.id, urls, allow_private_addresses=True)
        known: set[str] = set()
        rounds = []
        for label, changed in (("baseline", 0), ("10% changed", count // 10), ("unchanged", 0)):
            for i in range(changed):
                site.page(f"page{i * 10:03d}").version += 1
            before = vault.stored_bytes()
            started = time.monotonic()
            outcomes = monitor.run_checks(vault, [store.get_watch(vault, w.id) for w in watches],
                                          options=options(), concurrency=concurrency)
            elapsed = time.monotonic() - started
            added = new_bytes(blob_sizes(vault, [o.capture_item_id for o in outcomes if o.capture_item_id]), known)
            statuses = Counter(o.status for o in outcomes)
            rounds.append({"round": label, "seconds": elapsed, "checks": len(outcomes),
                           "checks_per_hour": len(outcomes) / elapsed * 3600, "statuses": dict(statuses),
                           "vault_bytes_added": vault.stored_bytes() - before,
                           "unchanged_bytes": [added[o.capture_item_id] for o in outcomes
                                               if o.status == "unchanged" and o.capture_item_id],
                           "all_bytes": [added[o.capture_item_id] for o in outcomes if o.capture_item_id]})
        from forensics_app.services.web import capture_web

        plain = vault.create_case("BENCH-CAP", "capture bench")
        started = time.monotonic()
        result = capture_web(vault, plain.id, urls, options=options(), concurrency=concurrency)
        capture_seconds = time.monotonic() - started
        default_sizes = [sum(size for _name, size in blobs)
                         for blobs in blob_sizes(vault, [o.item.id for o in result.outcomes if o.item]).values()]
        lean = vault.create_case("BENCH-CAP-LEAN", "capture bench, check options")
        started = time.monotonic()
        capture_web(vault, lean.id, urls, options=options().with_changes(pdf=False, mhtml=False, wacz=False),
                    concurrency=concurrency)
        lean_seconds = time.monotonic() - started
    finally:
        vault.close()
        site.stop()
    full = rounds[0]["all_bytes"]
    unchanged = rounds[2]["unchanged_bytes"]
    return {"rounds": rounds, "capture_seconds": capture_seconds, "lean_capture_seconds": lean_seconds,
            "default_capture_mean_bytes": sum(default_sizes) / max(1, len(default_sizes)),
            "count": count, "full_mean_bytes": sum(full) / len(full),
            "unchanged_mean_bytes": sum(unchanged) / max(1, len(unchanged))}


class FastClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def part_two(watch_count: int, days: int, folder: Path) -> dict[str, Any]:
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
    clock = FastClock(start)
    vault = Vault.create(folder / "sim", PASSPHRASE, "Bench")
    case = vault.create_case("SIM", "30 days")
    third = watch_count // 3
    hourly = monitor.add_watches(vault, case.id, [f"https://h{i}.example.vn/" for i in range(third)], every="1h",
                                 clock=clock)
    jittered = monitor.add_watches(vault, case.id, [f"https://j{i}.example.vn/" for i in range(third)], every="6h",
                                   jitter="10m", clock=clock)
    office = monitor.add_watches(vault, case.id, [f"https://c{i}.example.vn/" for i in range(third)],
                                 cron="*/30 8-17 * * mon-fri", windows=["mon-fri 08:00-18:00"], clock=clock)
    gap_start, gap_end = start + timedelta(days=10, hours=5, minutes=7), start + timedelta(days=13, hours=5, minutes=7)
    rounds: list[int] = []

    def stub(vault_: Vault, group: list[store.WatchRow], runs: dict[int, int], *_args: Any) -> list[Any]:
        out = []
        for w in group:
            store.finish_run(vault_, runs[w.id], store.RunResult(status="unchanged", summary="simulated"))
            out.append(monitor.CheckOutcome(w.id, runs[w.id], w.target, "unchanged"))
        rounds.append(len(group))
        return out

    memory: dict[str, float] = {}
    end = start + timedelta(days=days)
    tracemalloc.start()
    started = time.monotonic()

    def wait(seconds: float) -> bool:
        target = clock.now + timedelta(seconds=seconds)
        if clock.now < gap_start <= target:  # asleep for three days: the clock jumps
            target = gap_end
        clock.now = target
        day = (clock.now - start).days
        if day >= 1 and "day1_heap" not in memory:
            memory["day1_heap"] = tracemalloc.get_traced_memory()[0]
            memory["day1_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return clock.now >= end

    monitor_daemon.run(vault, clock=clock, wait=wait, poll=3600, capture_group=stub)
    seconds = time.monotonic() - started
    memory["end_heap"] = tracemalloc.get_traced_memory()[0]
    memory["end_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.stop()
    result: dict[str, Any] = {"seconds": seconds, "memory": memory, "largest_round": max(rounds),
                              "rounds": len(rounds), "watches": 3 * third}
    for name, group in (("hourly", hourly), ("6h+jitter", jittered), ("office cron", office)):
        per_watch = []
        for w in group:
            runs = [r for r in store.runs(vault, w.id) if r.status != "running"]
            dues = [parse_iso(r.due_at) for r in runs]
            duplicates = len(dues) - len(set(dues))
            # the one run due inside the gap is the catch-up, started when the clock came back
            in_gap = [d for d in dues if gap_start < d < gap_end]
            per_watch.append((len(runs), duplicates, len(in_gap)))
        expected = _expected(name, start, end, gap_start, gap_end)
        result[name] = {"runs_per_watch": sorted({p[0] for p in per_watch}), "expected": expected,
                        "duplicate_due_times": sum(p[1] for p in per_watch),
                        "runs_due_inside_gap": sorted({p[2] for p in per_watch})}
    vault.close()
    return result


def _expected(name: str, start: datetime, end: datetime, gap_start: datetime, gap_end: datetime) -> str:
    """The count an independent reckoning gives (without jitter, exact; with it, a range)."""
    if name == "hourly":  # on the hour up to the gap, one catch-up at its end, then hourly from there
        before = int((gap_start - start).total_seconds() // 3600) + 1
        after = int((end - gap_end).total_seconds() // 3600) + 1
        return f"{before + after} (= {before} before the gap + 1 catch-up + {after - 1} after)"
    if name == "6h+jitter":
        span = (gap_start - start).total_seconds() + (end - gap_end).total_seconds()
        return f"{int(span // (6 * 3600 + 600))}..{int(span // (6 * 3600)) + 2}"
    from zoneinfo import ZoneInfo

    from croniter import croniter

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    times = []
    it = croniter("*/30 8-17 * * mon-fri", start.astimezone(zone))
    while True:
        moment = it.get_next(datetime)
        if moment >= end:
            break
        times.append(moment)
    kept = [m for m in times if not (gap_start < m < gap_end)]
    return f"{len(kept) + 1} (= 1 first check + {len(kept)} cron times outside the gap; the overdue one is " \
           f"the catch-up)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sim-watches", type=int, default=60)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-captures", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        folder = Path(tmp)
        print(f"# monitoring bench, {iso_utc()}, {os.cpu_count()} cores")
        sim = part_two(args.sim_watches, args.days, folder)
        print(f"\n## simulated {args.days} days, {sim['watches']} watches, fast clock ({sim['seconds']:.1f} s)")
        m = sim["memory"]
        print(f"python heap: day 1 {m['day1_heap'] / 1e6:.1f} MB, day {args.days} {m['end_heap'] / 1e6:.1f} MB; "
              f"max RSS day 1 {m['day1_rss'] / 1024:.0f} MB, end {m['end_rss'] / 1024:.0f} MB")
        print(f"monitor rounds: {sim['rounds']}; most checks in one round: {sim['largest_round']} "
              f"(a watch runs at most once per round)")
        for name in ("hourly", "6h+jitter", "office cron"):
            r = sim[name]
            print(f"{name:12} runs per watch {r['runs_per_watch']} expected {r['expected']}; duplicate due times "
                  f"{r['duplicate_due_times']}; runs per watch due inside the 3-day gap (the catch-up) "
                  f"{r['runs_due_inside_gap']}")
        if args.skip_captures:
            return
        real = part_one(args.watches, args.concurrency, folder)
        print(f"\n## {real['count']} watches of the local site, {args.concurrency} at a time")
        for r in real["rounds"]:
            print(f"{r['round']:12} {r['seconds']:7.1f} s  {r['checks_per_hour']:7.0f} checks/h  {r['statuses']}  "
                  f"vault +{r['vault_bytes_added'] / 1e6:.1f} MB")
        cap = real["count"] / real["capture_seconds"] * 3600
        lean = real["count"] / real["lean_capture_seconds"] * 3600
        print(f"capture web, default options: {real['capture_seconds']:.1f} s = {cap:.0f} captures/h; "
              f"with the checks' options: {real['lean_capture_seconds']:.1f} s = {lean:.0f}/h")
        unchanged_rate = real["rounds"][2]["checks_per_hour"]
        print(f"unchanged-check throughput / 4-way capture throughput: {unchanged_rate / cap:.2f} (target >= 0.8); "
              f"/ capture with the same options: {unchanged_rate / lean:.2f}")
        unchanged_b, first_b = real["unchanged_mean_bytes"], real["full_mean_bytes"]
        default_b = real["default_capture_mean_bytes"]
        print(f"bytes added per unchanged check {unchanged_b / 1e3:.1f} kB = {unchanged_b / first_b:.1%} of a first "
              f"check ({first_b / 1e3:.1f} kB) and {unchanged_b / default_b:.1%} of a default `capture web` "
              f"({default_b / 1e3:.1f} kB) (target <= 5 %)")
        base = real["rounds"][0]["seconds"] / real["count"]
        same = real["rounds"][2]["seconds"] / real["count"]
        print(f"time per check (wall / checks): first check {base:.2f} s, unchanged check {same:.2f} s")


if __name__ == "__main__":
    main()
