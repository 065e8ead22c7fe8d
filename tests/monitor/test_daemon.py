"""The monitor loop with a fast clock (no sleeps, no browser: the capture is stubbed): one run per due time,
a gap (the machine asleep, a clock jump) caught up once per watch, alerts delivered each round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from evidence_store import Case, Vault, parse_iso
from evidence_store import monitor_store as store
from forensics_app.services import monitor, monitor_daemon


class FastClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_two_days_with_a_gap(vault: Vault, case: Case) -> None:
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    clock = FastClock(start)
    hourly = monitor.add_watches(vault, case.id, ["https://a.example.vn/"], every="1h", clock=clock)[0]
    office = monitor.add_watches(vault, case.id, ["https://b.example.vn/"], cron="0 9-17 * * *",
                                 windows=["09:00-18:00"], clock=clock)[0]
    gap_start, gap_end = start + timedelta(hours=20, minutes=30), start + timedelta(hours=30, minutes=30)
    end = start + timedelta(days=2)
    per_round: list[int] = []

    def stub(vault_: Vault, group: list[store.WatchRow], runs: dict[int, int], *_args: Any) -> list[Any]:
        per_round.append(len(group))
        out = []
        for w in group:
            store.finish_run(vault_, runs[w.id], store.RunResult(status="unchanged", summary="stub"))
            out.append(monitor.CheckOutcome(w.id, runs[w.id], w.target, "unchanged"))
        return out

    def wait(seconds: float) -> bool:
        target = clock.now + timedelta(seconds=seconds)
        clock.now = gap_end if clock.now < gap_start <= target else target
        return clock.now >= end

    monitor_daemon.run(vault, clock=clock, wait=wait, poll=3600, capture_group=stub)
    hourly_dues = [parse_iso(r.due_at) for r in store.runs(vault, hourly.id)]
    expected = [start + timedelta(hours=h) for h in range(21)] + [start + timedelta(hours=21)]  # 21:00 is overdue
    expected += [gap_end + timedelta(hours=h) for h in range(1, 18)]
    assert hourly_dues == expected  # every hour once; after the gap one catch-up, then hourly from its time
    office_dues = [parse_iso(r.due_at).astimezone(monitor_daemon_zone()) for r in store.runs(vault, office.id)]
    assert all(9 <= d.hour <= 17 for d in office_dues[1:])
    assert len(office_dues) == len(set(office_dues))
    assert max(per_round) <= 2  # never more than one check per watch in a round
    assert not store.unfinished_runs(vault)


def monitor_daemon_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")
