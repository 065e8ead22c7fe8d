"""``forensics capture web`` as examiners use it: batches, JSON, resume, TLS choices and every kind of bad input.

Each failing case must print one clear line, exit 2, add nothing and leave the
vault verifying clean (the ``cli_vault`` fixture checks it after each test).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

pytestmark = pytest.mark.slow

FAST = ["--allow-private-addresses", "--timeout", "30"]


@pytest.fixture
def case_cli(cli_vault: Cli) -> Cli:
    assert cli_vault("case", "new", "--number", "VV-CLI-1", "--title", "Thử CLI").code == 0
    return cli_vault




@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http://", "malformed URL"),
    ("http://exa mple.com/", "malformed URL"),
    ("not a url", "malformed URL"),
])
def test_refused_urls(case_cli: Cli, url: str, words: str) -> None:
    line = case_cli("capture", "web", url, "--case", "VV-CLI-1").one_line_error()
    assert words in line
    assert case_cli.items() == []


def test_dns_failure_and_connection_refused(case_cli: Cli) -> None:
    line = case_cli("capture", "web", "http://no-such-host.invalid/", "--case", "VV-CLI-1").one_line_error()
    assert "cannot resolve host no-such-host.invalid" in line
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    line = case_cli("capture", "web", f"http://127.0.0.1:{port}/", "--case", "VV-CLI-1", *FAST).one_line_error()
    assert f"connection refused by 127.0.0.1:{port}" in line
    assert case_cli.items() == []


def test_loopback_refused_unless_allowed(case_cli: Cli, http_site: str) -> None:
    line = case_cli("capture", "web", http_site + "/", "--case", "VV-CLI-1").one_line_error()
    assert "--allow-private-addresses" in line and "loopback or private" in line
    assert case_cli.items() == []


def test_browser_missing_or_broken(case_cli: Cli, http_site: str, tmp_path: Path) -> None:
    line = case_cli("capture", "web", http_site + "/", "--case", "VV-CLI-1", *FAST,
                    env={"FORENSICS_CHROMIUM": str(tmp_path / "no-browser")}).one_line_error()
    assert "apt-get install chromium" in line
    broken = tmp_path / "broken-browser"
    broken.write_text("#!/bin/sh\necho 'this browser is broken' >&2\nexit 1\n")
    broken.chmod(0o755)
    line = case_cli("capture", "web", http_site + "/", "--case", "VV-CLI-1", *FAST,
                    env={"FORENSICS_CHROMIUM": str(broken)}).one_line_error()
    assert "cannot start the browser" in line
    assert case_cli.items() == []


def test_untrusted_certificate_refused_then_captured_with_insecure(case_cli: Cli, https_site: str,
                                                                   site_tls: Any) -> None:
    line = case_cli("capture", "web", https_site + "/", "--case", "VV-CLI-1", *FAST).one_line_error()
    assert "TLS certificate of localhost" in line and "--insecure" in line
    assert case_cli.items() == []
    result = case_cli("capture", "web", https_site + "/", "--case", "VV-CLI-1", "--insecure", "--json", *FAST)
    assert result.code == 0, result.err
    (entry,) = result.json()["results"]  # type: ignore[index]
    codes = [w["code"] for w in entry["warnings"]]
    assert "tls_not_verified" in codes and entry["complete"] is False
    shown = case_cli("items", "show", str(entry["item_id"]), "--json").json()
    tls = shown["metadata"]["provenance"]["tls"]  # type: ignore[index]
    (facts,) = tls.values()
    assert facts["verified"] is False and "self-signed" in facts["error"]
    assert facts["leaf_sha256"] == site_tls.fingerprint


def test_batch_json_resume_and_urls_file(case_cli: Cli, http_site: str, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# danh sách\n{http_site}/\n\n{http_site}/redirect/1\n{http_site}/status/404\n", "utf-8")
    first = case_cli("capture", "web", "--urls-file", str(urls), "--case", "VV-CLI-1", "--concurrency", "2",
                     "--json", *FAST)
    assert first.code == 0, first.err
    results = first.json()["results"]  # type: ignore[index]
    assert [r["status"] for r in results] == ["captured"] * 3
    for entry in results:
        kinds = {c["kind"] for c in entry["children"]}
        assert {"screenshot", "html", "warc", "wacz", "provenance"} <= kinds
        assert all(len(c["sha256"]) == 64 for c in entry["children"])
    assert results[2]["http_status"] == 404
    assert any(w["code"] == "http_error_status" for w in results[2]["warnings"])
    assert results[1]["final_url"].endswith("/redirect/final")
    again = case_cli("capture", "web", "--urls-file", str(urls), "--case", "VV-CLI-1", "--json", *FAST)
    assert again.code == 0, again.err
    rerun = again.json()["results"]  # type: ignore[index]
    assert [r["status"] for r in rerun] == ["skipped"] * 3
    assert [r["item_id"] for r in rerun] == [r["item_id"] for r in results]
    captures = [i for i in case_cli.items() if i["kind"] == "web_capture"]
    assert len(captures) == 3
    log = case_cli("custody", "log", "--json")
    assert log.code == 0 and log.out.count("web.capture_batch") == 2  # each run is in the custody log


def test_table_output_and_named_options(case_cli: Cli, http_site: str) -> None:
    result = case_cli("capture", "web", http_site + "/alert", "--case", "VV-CLI-1", "-o", "pdf=false",
                      "-o", "behaviours=network_idle", *FAST)
    assert result.code == 0, result.err
    assert "captured" in result.out and "dialog_dismissed" in result.out
    items = case_cli.items()
    parent = next(i for i in items if i["kind"] == "web_capture")
    assert json.dumps(parent["metadata"]["provenance"]["title"], ensure_ascii=False) == '"Cảnh báo"'
    assert "pdf" not in {i["kind"] for i in items} and "html" in {i["kind"] for i in items}


def test_named_options_are_checked(case_cli: Cli) -> None:
    assert "unknown capture option(s): vidoe" in (
        case_cli("capture", "web", "https://example.com/", "--case", "VV-CLI-1", "-o", "vidoe=1").one_line_error())
    assert "whole number" in (
        case_cli("capture", "web", "https://example.com/", "--case", "VV-CLI-1", "-o", "page_timeout=soon").one_line_error())
    listing = case_cli("capture", "options", "--json")
    assert listing.code == 0
    rows = {r["name"]: r for r in listing.json()}  # type: ignore[union-attr]
    assert rows["video"]["vi"] and rows["insecure"]["flag"] == "--insecure"
