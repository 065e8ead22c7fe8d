"""Table-driven: what platforms show, in Vietnamese and English, read as absolute UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collectors.social.timeparse import parse_time

# Captured on Tuesday 2026-11-10 at 08:30 UTC = 15:30 in Hanoi (UTC+7).
CAPTURED = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)

CASES = [
    # (shown, expected UTC, precision in seconds, a word that must be in the rule)
    ("2 giờ", "2026-11-10T05:30:00Z", 3600, "relative"),
    ("2 giờ trước", "2026-11-10T05:30:00Z", 3600, "relative"),
    ("5 phút", "2026-11-10T08:24:00Z", 60, "relative"),
    ("3 ngày", "2026-11-06T08:30:00Z", 86400, "relative"),
    ("1 tuần", "2026-10-27T08:30:00Z", 7 * 86400, "relative"),
    ("Vừa xong", "2026-11-10T08:29:00Z", 60, "just now"),  # [capture - 1 min, capture]
    ("Hôm qua lúc 14:05", "2026-11-09T07:05:00Z", 59, "hôm qua"),
    ("Hôm nay lúc 09:15", "2026-11-10T02:15:00Z", 59, "hôm nay"),
    ("Hôm qua", "2026-11-08T17:00:00Z", 86399, "no time of day"),
    ("3 thg 5", "2026-05-02T17:00:00Z", 86399, "capture year"),
    ("3 thg 5 lúc 14:05", "2026-05-03T07:05:00Z", 59, "capture year"),
    ("25 thg 12", "2025-12-24T17:00:00Z", 86399, "previous year"),
    ("14 tháng 3, 2023", "2023-03-13T17:00:00Z", 86399, "with its year"),
    ("14/3/2023 lúc 10:30", "2023-03-14T03:30:00Z", 59, "with its year"),
    ("Thứ Hai lúc 10:00", "2026-11-09T03:00:00Z", 59, "most recent"),
    ("Chủ nhật", "2026-11-07T17:00:00Z", 86399, "most recent"),
    ("5h", "2026-11-10T02:30:00Z", 3600, "relative"),
    ("2m", "2026-11-10T08:27:00Z", 60, "relative"),
    ("3d", "2026-11-06T08:30:00Z", 86400, "relative"),
    ("1w", "2026-10-27T08:30:00Z", 7 * 86400, "relative"),
    ("2 hours ago", "2026-11-10T05:30:00Z", 3600, "relative"),
    ("an hour ago", "2026-11-10T06:30:00Z", 3600, "relative"),
    ("Just now", "2026-11-10T08:29:00Z", 60, "just now"),
    ("Yesterday at 2:05 PM", "2026-11-09T07:05:00Z", 59, "yesterday"),
    ("Yesterday at 12:10 AM", "2026-11-08T17:10:00Z", 59, "yesterday"),
    ("Monday at 10:00 AM", "2026-11-09T03:00:00Z", 59, "most recent"),
    ("May 3", "2026-05-02T17:00:00Z", 86399, "capture year"),
    ("May 3 at 2:05 PM", "2026-05-03T07:05:00Z", 59, "capture year"),
    ("Sept 30, 2024", "2024-09-29T17:00:00Z", 86399, "with its year"),
    ("3 March 2023", "2023-03-02T17:00:00Z", 86399, "with its year"),
    ("December 25", "2025-12-24T17:00:00Z", 86399, "previous year"),
    ("2026-11-01T12:00:00Z", "2026-11-01T12:00:00Z", 0, "own offset"),
    ("2026-11-01T12:00:00+07:00", "2026-11-01T05:00:00Z", 0, "own offset"),
    ("2026-11-01 12:00:00", "2026-11-01T05:00:00Z", 0, "local time"),
    ("1762000000", "2025-11-01T12:26:40Z", 0, "unix"),
    ("1762000000000", "2025-11-01T12:26:40Z", 0, "milliseconds"),
    ("11-5", "2026-11-04T17:00:00Z", 86399, "tiktok"),
    ("12-25", "2025-12-24T17:00:00Z", 86399, "previous year"),
    ("2024-1-15", "2024-01-14T17:00:00Z", 86399, "year-month-day"),
    ("2 ngày trước", "2026-11-07T08:30:00Z", 86400, "relative"),
]


@pytest.mark.parametrize("shown,expected,precision,rule_word", CASES)
def test_reads_platform_times(shown: str, expected: str, precision: int, rule_word: str) -> None:
    parsed = parse_time(shown, CAPTURED)
    assert parsed is not None, shown
    assert parsed.utc == expected
    assert parsed.precision_seconds == precision
    assert rule_word.lower() in parsed.rule.lower()
    assert parsed.text == shown


@pytest.mark.parametrize("shown", ["", "Xem thêm", "Like", "hello world", "32 thg 13", "25:99", "3 foos"])
def test_refuses_what_is_not_a_time(shown: str) -> None:
    assert parse_time(shown, CAPTURED) is None


def test_other_time_zone_setting() -> None:
    parsed = parse_time("Hôm qua lúc 14:05", CAPTURED, zone="UTC")
    assert parsed is not None and parsed.utc == "2026-11-09T14:05:00Z" and "UTC" in parsed.rule


def test_naive_capture_time_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_time("2 giờ", datetime(2026, 1, 1))


@pytest.mark.parametrize("shown", [c[0] for c in CASES])
def test_every_rule_is_also_in_vietnamese(shown: str) -> None:
    parsed = parse_time(shown, CAPTURED)
    assert parsed is not None and parsed.rule_vi and parsed.rule_vi != parsed.rule
    assert parsed.to_json()["rule_vi"] == parsed.rule_vi
