"""When a watch is checked next: an interval or a cron expression, weekday time windows, the vault's zone, jitter.

The next time is always computed from *now* (the moment a check starts), never
by adding intervals to a past due time: a monitor that was stopped for a day, or
a laptop that slept, runs each overdue watch once and goes on from there, with
no burst of make-up checks. Cron expressions are read by croniter (the
maintained parser behind many schedulers); windows and cron are evaluated in
the schedule's zone (the vault's ``timezone`` setting unless the watch says
otherwise), so "07:00-22:00" means local office hours across DST changes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from evidence_store import DEFAULT_ZONE, UsageError, checked_zone_name

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MIN_INTERVAL = 60


@dataclass(frozen=True)
class Window:
    """Allowed check times on some weekdays: [start, end) local time; an end at or before the start crosses midnight."""

    days: tuple[int, ...]
    start: time
    end: time

    def to_text(self) -> str:
        days = "" if len(self.days) == 7 else ",".join(DAYS[d] for d in self.days) + " "
        return f"{days}{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Schedule:
    every: int | None = None  # seconds
    cron: str | None = None
    windows: tuple[Window, ...] = ()
    zone: str = DEFAULT_ZONE
    jitter: int = 0  # seconds, added at random to each next time

    def to_json(self) -> dict[str, Any]:
        return {"every": self.every, "cron": self.cron, "windows": [w.to_text() for w in self.windows],
                "zone": self.zone, "jitter": self.jitter}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        return make_schedule(every=data.get("every"), cron=data.get("cron"), windows=data.get("windows") or (),
                             zone=data.get("zone") or DEFAULT_ZONE, jitter=data.get("jitter") or 0)


def parse_interval(text: str | int) -> int:
    """``90s``, ``15m``, ``6h``, ``1d``, ``2w`` or seconds; at least a minute."""
    raw = str(text).strip().lower()
    match = re.fullmatch(r"(\d+)\s*([smhdw]?)", raw)
    if not match:
        raise UsageError(f"invalid interval {text!r}: use a number with s, m, h, d or w (e.g. 6h)",
                         message_vi=f"khoảng thời gian không hợp lệ {text!r}: dùng một số với s, m, h, d hoặc w (ví dụ 6h)")
    seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < MIN_INTERVAL:
        raise UsageError(f"interval {text!r} is shorter than a minute",
                         message_vi=f"khoảng thời gian {text!r} ngắn hơn một phút")
    return seconds


def _day_set(text: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in text.lower().split(","):
        ends = part.split("-")
        if not all(e in DAYS for e in ends) or len(ends) > 2:
            raise UsageError(f"invalid weekdays {text!r}: use mon…sun, ranges (mon-fri) or lists (sat,sun)",
                             message_vi=f"các ngày trong tuần không hợp lệ {text!r}: dùng mon…sun, khoảng (mon-fri) hoặc danh "
                                        "sách (sat,sun)")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.extend(span)
    return tuple(sorted(set(days)))


def parse_window(text: str) -> Window:
    """``07:00-22:00`` (every day) or ``mon-fri 07:00-22:00`` or ``sat,sun 09:00-12:00``."""
    parts = text.strip().split()
    if len(parts) not in (1, 2):
        raise UsageError(f"invalid time window {text!r}: use [DAYS ]HH:MM-HH:MM",
                         message_vi=f"khung giờ không hợp lệ {text!r}: dùng [NGÀY ]HH:MM-HH:MM")
    days = _day_set(parts[0]) if len(parts) == 2 else tuple(range(7))
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", parts[-1])
    if not match:
        raise UsageError(f"invalid time window {text!r}: use [DAYS ]HH:MM-HH:MM",
                         message_vi=f"khung giờ không hợp lệ {text!r}: dùng [NGÀY ]HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise UsageError(f"invalid time window {text!r}: hours 00-24, minutes 00-59",
                         message_vi=f"khung giờ không hợp lệ {text!r}: giờ 00-24, phút 00-59")
    end = time(0, 0) if h2 == 24 else time(h2, m2)
    return Window(days, time(h1, m1), end)


def check_cron(expression: str) -> str:
    from croniter import croniter

    text = " ".join(expression.split())
    if len(text.split()) != 5 or not croniter.is_valid(text):
        raise UsageError(f"invalid cron expression {expression!r}: five fields, minute hour day month weekday",
                         message_vi=f"biểu thức cron không hợp lệ {expression!r}: năm trường phút giờ ngày tháng thứ")
    return text


def make_schedule(*, every: str | int | None = None, cron: str | None = None, windows: Any = (),
                  zone: str = DEFAULT_ZONE, jitter: str | int = 0) -> Schedule:
    if every is not None and cron:
        raise UsageError("give either an interval (--every) or a cron expression (--cron), not both",
                         message_vi="chỉ dùng một khoảng thời gian hoặc một biểu thức cron, không dùng cả hai")
    interval = parse_interval(every) if every is not None else (None if cron else 6 * 3600)
    jitter_s = parse_interval(jitter) if jitter not in (0, "0", None, "") else 0
    return Schedule(every=interval, cron=check_cron(cron) if cron else None,
                    windows=tuple(w if isinstance(w, Window) else parse_window(str(w)) for w in windows),
                    zone=checked_zone_name(zone), jitter=jitter_s)


# -- the next time ----------------------------------------------------------------------------------------------
def _in_windows(schedule: Schedule, local: datetime) -> bool:
    if not schedule.windows:
        return True
    for w in schedule.windows:
        for back in (0, 1):  # today's windows, and yesterday's that cross midnight
            day = (local - timedelta(days=back)).date()
            if day.weekday() not in w.days:
                continue
            start = datetime.combine(day, w.start, local.tzinfo)
            end = datetime.combine(day if w.end > w.start else day + timedelta(days=1), w.end, local.tzinfo)
            if start <= local < end:
                return True
    return False


def _next_window_start(schedule: Schedule, local: datetime) -> datetime:
    best: datetime | None = None
    for offset in range(0, 9):
        day = (local + timedelta(days=offset)).date()
        for w in schedule.windows:
            if day.weekday() in w.days:
                start = datetime.combine(day, w.start, local.tzinfo)
                if start >= local and (best is None or start < best):
                    best = start
        if best is not None:
            return best
    raise UsageError("the time windows allow no time at all", message_vi="các khung giờ không chừa thời gian nào")


def next_time(schedule: Schedule, now: datetime, rng: random.Random | None = None) -> datetime:
    """The next check time after ``now`` (UTC, aware), inside the windows, with jitter."""
    zone = ZoneInfo(schedule.zone)
    local = now.astimezone(zone)
    if schedule.cron:
        from croniter import croniter

        runner = croniter(schedule.cron, local)
        candidate = runner.get_next(datetime)
        for _ in range(5000):  # the next cron time inside a window (a year of hourly times at most)
            if _in_windows(schedule, candidate):
                break
            candidate = runner.get_next(datetime)
        else:
            candidate = _next_window_start(schedule, candidate)
    else:
        assert schedule.every is not None
        candidate = (now + timedelta(seconds=schedule.every)).astimezone(zone)
        if not _in_windows(schedule, candidate):
            candidate = _next_window_start(schedule, candidate)
    if schedule.jitter:
        jittered = candidate + timedelta(seconds=(rng or random.SystemRandom()).uniform(0, schedule.jitter))
        if _in_windows(schedule, jittered):
            candidate = jittered
    return candidate.astimezone(UTC)


def first_time(schedule: Schedule, now: datetime, rng: random.Random | None = None) -> datetime:
    """A new watch is checked at once when ``now`` is inside its windows, else at the next window's start."""
    local = now.astimezone(ZoneInfo(schedule.zone))
    if _in_windows(schedule, local):
        return now.astimezone(UTC)
    return _next_window_start(schedule, local).astimezone(UTC)
