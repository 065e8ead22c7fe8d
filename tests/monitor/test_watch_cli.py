"""`forensics watch …` and `forensics monitor --once` through the real command line."""

from __future__ import annotations

import json
import signal

import pytest

from tests.conftest import Cli
from tests.monitor.site import MonitorSite

FAST = json.dumps({"allow_private_addresses": True, "load_timeout": 8, "idle_timeout": 3, "scroll_time_limit": 4,
                   "page_timeout": 40, "ntp_server": "127.0.0.1:9", "ntp_timeout": 1})


@pytest.fixture
def desk(cli_vault: Cli) -> Cli:
    assert cli_vault("case", "new", "--number", "GS-1", "--title", "Giám sát").code == 0
    assert cli_vault("settings", "set", "capture_defaults", FAST).code == 0
    return cli_vault


def test_watch_add_list_show_pause_resume_remove(desk: Cli) -> None:
    added = desk("watch", "add", "https://example.org/a", "https://example.org/b", "--case", "GS-1", "--every", "2h",
                 "--window", "mon-fri 07:00-22:00", "--jitter", "5m", "--keywords", "lừa đảo,chuyen khoan",
                 "--include", "#main", "--ignore", r"\d+ lượt xem", "--json")
    assert added.code == 0, added.err
    rows = added.json()
    assert [r["target"] for r in rows] == ["https://example.org/a", "https://example.org/b"]  # type: ignore[index]
    first = rows[0]  # type: ignore[index]
    assert first["config"]["schedule"] == {"every": 7200, "cron": None, "windows": ["mon,tue,wed,thu,fri 07:00-22:00"],
                                           "zone": "Asia/Ho_Chi_Minh", "jitter": 300}
    assert first["config"]["keywords"] == ["lừa đảo", "chuyen khoan"]
    plain = desk("watch", "add", "https://example.org/c", "--case", "GS-1", "--cron", "0 */3 * * *")
    assert plain.code == 0 and plain.out.strip().isdigit()
    listed = desk("watch", "list", "--json").json()
    assert len(listed) == 3  # type: ignore[arg-type]
    wid = str(first["id"])
    assert desk("watch", "pause", wid, "--json").json()["status"] == "paused"  # type: ignore[index]
    assert desk("watch", "resume", wid, "--json").json()["status"] == "active"  # type: ignore[index]
    assert desk("watch", "remove", wid, "--json").json()["status"] == "removed"  # type: ignore[index]
    assert len(desk("watch", "list", "--json").json()) == 2  # type: ignore[arg-type]
    shown = desk("watch", "show", wid, "--json").json()
    assert shown["status"] == "removed" and shown["recent_checks"] == []  # type: ignore[index]
    actions = [e["action"] for e in desk("custody", "log", "--json").json()]  # type: ignore[union-attr]
    assert actions.count("monitor.watch.add") == 3
    for action in ("monitor.watch.pause", "monitor.watch.resume", "monitor.watch.remove"):
        assert action in actions
    assert "removed" in desk("watch", "resume", wid).one_line_error()


@pytest.mark.parametrize(("args", "message"), [
    (("--cron", "0 25 * * *"), "invalid cron expression"),
    (("--zone", "Mars/Olympus"), "unknown time zone"),
    (("--every", "5s"), "shorter than a minute"),
    (("--include", "div[["), "invalid CSS selector"),
    (("--ignore", "(unclosed"), "invalid ignore pattern"),
    (("--window", "07:00"), "invalid time window"),
])
def test_bad_watch_input_is_one_line_exit_2(desk: Cli, args: tuple[str, ...], message: str) -> None:
    result = desk("watch", "add", "https://example.org/a", "--case", "GS-1", *args)
    assert message in result.one_line_error()
    assert desk("watch", "list", "--json").json() == []


def test_a_watch_on_a_closed_case_is_refused(desk: Cli) -> None:
    assert desk("case", "close", "GS-1").code == 0
    assert "closed" in desk("watch", "add", "https://example.org/a", "--case", "GS-1").one_line_error()


def test_watch_run_and_monitor_once_print_per_check(desk: Cli, monitor_site: MonitorSite) -> None:
    url = f"{monitor_site.base}/p/cli"
    assert desk("settings", "set", "monitor_egress_echo_url", f"{monitor_site.base}/ip").code == 0
    wid = desk("watch", "add", url, "--case", "GS-1", "--allow-private-addresses").out.strip()
    first = desk("monitor", "--once", "--json")
    assert first.code == 0, first.err
    assert [(o["watch_id"], o["status"]) for o in first.json()] == [(int(wid), "unchanged")]  # type: ignore[union-attr]
    again = desk("monitor", "--once", "--json")
    assert again.json() == []  # nothing due: the next check is 6 h away
    run = desk("watch", "run", wid)
    assert run.code == 0, run.err
    fields = run.out.strip().split("\t")
    assert fields[0] == wid and fields[1] == "unchanged" and fields[2] == "no change" and fields[3].startswith("items ")
    history = desk("watch", "history", wid, "--json").json()
    assert [v["status"] for v in history["versions"]] == ["unchanged", "unchanged"]  # type: ignore[index]
    egress = history["versions"][0]["facts"]["egress"]  # type: ignore[index]
    assert egress["public_address"] == "127.0.0.1" and egress["public_address_source"].endswith("/ip")
    assert egress["local_address"] == "127.0.0.1" and "clock" in egress


@pytest.mark.slow
def test_kill_9_during_a_check_loses_nothing_and_the_next_run_resumes(desk: Cli, monitor_site: MonitorSite) -> None:
    monitor_site.state.hang_seen.clear()
    monitor_site.state.hang_release.clear()
    wid = desk("watch", "add", f"{monitor_site.base}/hang/k", "--case", "GS-1", "--allow-private-addresses").out.strip()
    import subprocess
    import sys

    env = {**desk.env}
    import os

    process = subprocess.Popen([sys.executable, "-m", "forensics_app.cli.main", "watch", "run", wid],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert monitor_site.state.hang_seen.wait(90), "the check never reached the site"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        monitor_site.state.hang_release.set()
    result = desk("watch", "run", "--due", "--json")  # the killed check: interrupted, and the watch due again
    assert result.code == 0, result.err
    statuses = [o["status"] for o in result.json()]  # type: ignore[union-attr]
    assert statuses == ["unchanged"]
    history = desk("watch", "history", wid, "--json").json()
    assert [v["status"] for v in history["versions"]] == ["interrupted", "unchanged"]  # type: ignore[index]


def test_checks_of_a_closed_case_are_refused_and_its_due_watches_paused(desk: Cli) -> None:
    wid = desk("watch", "add", "https://example.org/a", "--case", "GS-1").out.strip()
    assert desk("case", "close", "GS-1").code == 0
    assert "case GS-1 is closed" in desk("watch", "run", wid).one_line_error()
    once = desk("monitor", "--once", "--json")
    assert once.code == 0 and once.json() == []
    shown = desk("watch", "show", wid, "--json").json()
    assert shown["status"] == "paused" and shown["recent_checks"] == []  # type: ignore[index]
    pause = [e for e in desk("custody", "log", "--json").json() if e["action"] == "monitor.watch.pause"]  # type: ignore[union-attr]
    assert pause[0]["details"]["reason"] == "case closed"  # type: ignore[index]
