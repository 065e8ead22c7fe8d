"""The schedule: intervals, cron in the vault's zone, weekday windows, jitter, catch-up once (a fast clock)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evidence_store import UsageError
from forensics_app.services.monitor_schedule import first_time, make_schedule, next_time, parse_window

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM).astimezone(UTC)


def test_interval_counts_from_now_so_a_long_gap_runs_once() -> None:
    schedule = make_schedule(every="6h")
    now = local(2026, 3, 2, 10, 0)
    assert next_time(schedule, now) == now + timedelta(hours=6)
    # the monitor was off for three days: the overdue watch runs now, and next in 6 h, not 12 times in a row
    later = now + timedelta(days=3)
    assert next_time(schedule, later) == later + timedelta(hours=6)


def test_cron_is_read_in_the_schedule_zone() -> None:
    schedule = make_schedule(cron="30 8 * * mon-fri", zone="Asia/Ho_Chi_Minh")
    friday_evening = local(2026, 3, 6, 18, 0)
    assert next_time(schedule, friday_evening) == local(2026, 3, 9, 8, 30)  # Monday 08:30 local = 01:30 UTC
    assert next_time(schedule, friday_evening).hour == 1


def test_windows_per_weekday_move_a_time_to_the_next_allowed_start() -> None:
    schedule = make_schedule(every="2h", windows=["mon-fri 07:00-22:00", "sat 09:00-12:00"])
    assert next_time(schedule, local(2026, 3, 2, 21, 30)) == local(2026, 3, 3, 7, 0)  # Mon 23:30 → Tue 07:00
    assert next_time(schedule, local(2026, 3, 6, 21, 0)) == local(2026, 3, 7, 9, 0)  # Fri 23:00 → Sat 09:00
    assert next_time(schedule, local(2026, 3, 7, 11, 0)) == local(2026, 3, 9, 7, 0)  # Sat 13:00 → Mon 07:00
    assert first_time(schedule, local(2026, 3, 8, 10, 0)) == local(2026, 3, 9, 7, 0)  # a Sunday: wait


def test_window_across_midnight() -> None:
    schedule = make_schedule(every="1h", windows=["22:00-06:00"])
    assert next_time(schedule, local(2026, 3, 2, 23, 0)) == local(2026, 3, 3, 0, 0)
    assert next_time(schedule, local(2026, 3, 3, 5, 30)) == local(2026, 3, 3, 22, 0)


def test_dst_zone_keeps_local_office_hours() -> None:
    schedule = make_schedule(cron="0 9 * * *", zone="Europe/Berlin")
    before = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # clocks go forward in the night to 29 March
    first = next_time(schedule, before)
    second = next_time(schedule, first)
    assert first.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 and first.hour == 8
    assert second.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 and second.hour == 7


def test_jitter_stays_within_its_bound_and_varies() -> None:
    schedule = make_schedule(every="1h", jitter="10m")
    now = local(2026, 3, 2, 10, 0)
    rng = random.Random(7)
    times = [next_time(schedule, now, rng) for _ in range(50)]
    assert all(now + timedelta(hours=1) <= t <= now + timedelta(hours=1, minutes=10) for t in times)
    assert len(set(times)) > 40


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cron": "61 * * * *"}, "invalid cron expression"),
    ({"cron": "* * *"}, "invalid cron expression"),
    ({"zone": "Asia/Hanoi_City"}, "unknown time zone"),
    ({"every": "10s"}, "shorter than a minute"),
    ({"every": "six hours"}, "invalid interval"),
    ({"windows": ["25:00-26:00"]}, "invalid time window"),
    ({"windows": ["funday 07:00-08:00"]}, "invalid weekdays"),
    ({"every": "1h", "cron": "0 * * * *"}, "not both"),
])
def test_bad_schedules_are_refused_with_the_reason(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make_schedule(**kwargs)  # type: ignore[arg-type]


def test_window_text_round_trips() -> None:
    assert parse_window("sat,sun 09:00-12:00").to_text() == "sat,sun 09:00-12:00"
    assert parse_window("07:00-24:00").to_text() == "07:00-00:00"
