"""`forensics worker` and `--remote` at the command line (no broker needed), and the per-host limits."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from forensics_app.services.remote_desk import HostLimit, HostLimiter, host_key
from forensics_app.services.remote_engine import broker_url, redact, task_id_for
from tests.conftest import Cli


def test_keygen_prints_the_fingerprint_and_keeps_the_key_private(cli: Cli, tmp_path: Path) -> None:
    key = tmp_path / "w" / "worker-key.pem"
    made = cli("worker", "keygen", "--key", str(key), "--json")
    assert made.code == 0, made.err
    facts = made.json()
    assert facts["fingerprint"].startswith("ed25519:") and facts["public_key"].startswith("ed25519:")  # type: ignore[index]
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert "Traceback" not in (again := cli("worker", "keygen", "--key", str(key))).err
    assert "already holds a worker key" in again.one_line_error()
    shown = cli("worker", "show-key", "--key", str(key), "--json")
    assert shown.json() == facts
    key.chmod(0o644)
    assert "can be read by other users" in cli("worker", "show-key", "--key", str(key)).one_line_error()


def test_enrol_list_revoke_at_the_desk(cli_vault: Cli, tmp_path: Path) -> None:
    key = tmp_path / "worker-key.pem"
    facts = cli_vault("worker", "keygen", "--key", str(key), "--json").json()
    line, fingerprint = facts["public_key"], facts["fingerprint"]  # type: ignore[index]
    assert "not the key the worker printed" in cli_vault(
        "worker", "enroll", "w1", "--key", line, "--fingerprint", "ed25519:1111 2222 3333 4444 5555 6666 7777 8888"
    ).one_line_error()
    assert "ed25519:<base64>" in cli_vault("worker", "enroll", "w1", "--key", "rsa:AAAA").one_line_error()
    enrolled = cli_vault("worker", "enroll", "w1", "--key", line, "--fingerprint", fingerprint, "--note", "phòng máy 2")
    assert enrolled.code == 0, enrolled.err
    assert "already enrolled" in cli_vault("worker", "enroll", "w2", "--key", line).one_line_error()
    listed = cli_vault("worker", "list", "--json").json()
    assert [(w["name"], w["fingerprint"], w["status"], w["note"]) for w in listed] == [  # type: ignore[union-attr]
        ("w1", fingerprint, "active", "phòng máy 2")]
    assert cli_vault("worker", "revoke", "w1", "--reason", "máy bị cài lại").code == 0
    out = tmp_path / "trust.json"
    assert cli_vault("trust", "export", "--out", str(out)).code == 0
    workers = json.loads(out.read_text())["workers"]
    assert [(w["name"], w["status"]) for w in workers] == [("w1", "revoked")]
    desk_key = cli_vault("worker", "desk-key")
    assert desk_key.code == 0 and desk_key.out.strip().startswith("age1")


def test_remote_capture_without_workers_is_a_clear_error(cli_vault: Cli) -> None:
    assert cli_vault("case", "new", "--number", "VV-1", "--title", "t").code == 0
    error = cli_vault("capture", "web", "https://example.org/", "--case", "VV-1", "--remote").one_line_error()
    assert "no capture workers are configured" in error
    assert "RabbitMQ URL" in cli_vault("settings", "set", "broker_url", "http://broker:15672").one_line_error()
    assert cli_vault("settings", "set", "broker_url", "amqp://forensics@broker:5672/forensics").code == 0
    assert cli_vault("settings", "set", "remote_staging", "/srv/staging").code == 0
    profile = cli_vault("capture", "web", "https://example.org/", "--case", "VV-1", "--remote", "--profile", "tk1")
    assert "login profiles stay on this workstation" in profile.one_line_error()
    bad_limits = cli_vault("settings", "set", "remote_host_limits", '{"concurrency": 0}')
    assert "at least 1" in bad_limits.one_line_error()
    assert "needs --broker" in cli_vault("worker", env={"FORENSICS_BROKER_URL": ""}).one_line_error()


def test_host_limiter_bounds_each_host_and_lets_others_go() -> None:
    now = [100.0]
    limits = {"facebook": HostLimit(1, 6)}
    limiter = HostLimiter(lambda h: limits.get(h, HostLimit(2, 60)), clock=lambda: now[0])
    assert limiter.wait("facebook") == 0
    limiter.start("facebook")
    assert limiter.wait("facebook") == float("inf")  # one at a time on the platform
    assert limiter.wait("example.org") == 0  # another host is not held up
    limiter.finish("facebook")
    assert limiter.wait("facebook") == pytest.approx(10.0)  # 6 a minute: ten seconds apart
    now[0] += 10
    assert limiter.wait("facebook") == 0
    limiter.start("example.org")
    assert limiter.wait("example.org") == pytest.approx(1.0)
    now[0] += 1
    limiter.start("example.org")
    assert limiter.wait("example.org") == float("inf")  # two at a time


def test_host_key_counts_a_platform_once() -> None:
    assert {host_key(u) for u in ("https://www.facebook.com/a/posts/1", "https://m.facebook.com/story.php?id=1",
                                  "https://facebook.com/x")} == {"facebook"}
    assert host_key("https://www.baomau.vn/bai-viet/1") == host_key("https://baomau.vn/") == "baomau.vn"
    assert host_key("https://m.vn/") == "m.vn"


def test_task_ids_and_broker_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert task_id_for("case", "batch", "https://a/") == task_id_for("case", "batch", "https://a/")
    assert len({task_id_for("case", "batch", "https://a/"), task_id_for("case", "batch2", "https://a/"),
                task_id_for("case2", "batch", "https://a/"), task_id_for("case", "batch", "https://b/")}) == 4
    monkeypatch.setenv("FORENSICS_BROKER_PASSWORD", "p@ss word")
    url = broker_url("amqp://forensics@broker:5672/forensics")
    assert url == "amqp://forensics:p%40ss%20word@broker:5672/forensics"
    assert redact(url) == "amqp://forensics:***@broker:5672/forensics"
    monkeypatch.delenv("FORENSICS_BROKER_PASSWORD")
    (tmp_path / "broker-password").write_text("từ-systemd\n", "utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert "@broker" in broker_url("amqp://forensics@broker/forensics") and os.environ.get("FORENSICS_BROKER_PASSWORD") is None
    assert broker_url("amqp://forensics@broker/forensics").startswith("amqp://forensics:t%E1%BB%AB-systemd@")
