"""``forensics capture social`` as examiners use it: the JSON with the record, --comments N, resume, bad input.

Every refused command prints one line, exits 2, adds nothing, and the vault
verifies clean afterwards (``cli_vault``).
"""

from __future__ import annotations

import pytest

from tests.conftest import Cli

from .conftest import AUTHOR, FB_POST
from .site import PlatformSite

pytestmark = pytest.mark.slow
POST_URL = f"https://www.facebook.com/{AUTHOR.handle}/posts/{FB_POST.id}"


def _site(site: PlatformSite) -> list[str]:
    rules = [arg for rule in site.host_rules for arg in ("--host-rule", rule)]
    return [*rules, "--ca-file", str(site.tls.cert_pem), "--allow-private-addresses", "--timeout", "120"]


@pytest.fixture
def case_cli(cli_vault: Cli) -> Cli:
    assert cli_vault("settings", "set", "ntp_server", "127.0.0.1:9").code == 0  # no NTP server reachable here
    assert cli_vault("case", "new", "--number", "VV-MXH-CLI", "--title", "Thử CLI mạng xã hội").code == 0
    return cli_vault




def test_capture_json_with_a_comment_limit_then_resume(case_cli: Cli, platform_site: PlatformSite) -> None:
    args = ["capture", "social", POST_URL, "--case", "VV-MXH-CLI", "--comments", "25", "--json", *_site(platform_site)]
    done = case_cli(*args)
    assert done.code == 0, done.err
    (result,) = done.json()["results"]  # type: ignore[index]
    assert result["status"] == "captured" and result["platform"] == "facebook" and result["post_id"] == FB_POST.id
    record = result["record"]
    assert record["author"]["id"] == AUTHOR.id and record["published"]["utc"] == "2025-11-01T12:26:40Z"
    shown = record["comments_count"]
    assert 25 <= shown < len(FB_POST.comments), "the limit stops the expansion, not the recording"
    assert record["expansion"]["stopped"] == "limit of 25 comments reached" and record["expansion"]["limit"] == 25
    codes = [w["code"] for w in result["warnings"]]
    assert "comments_incomplete" not in codes  # fewer than the platform's count, but as asked
    kinds = {c["kind"] for c in result["children"]}
    assert {"social_post", "media", "screenshot_element", "warc", "wacz"} <= kinds
    assert result["record_item_id"] in {c["id"] for c in result["children"]}
    items_before = len(case_cli.items())
    again = case_cli(*args)
    assert again.code == 0 and again.json()["results"][0]["status"] == "skipped"  # type: ignore[index]
    assert again.json()["results"][0]["record"] == record  # type: ignore[index]
    assert len(case_cli.items()) == items_before
    shown_item = case_cli("items", "show", str(result["record_item_id"]), "--json")
    assert shown_item.code == 0 and shown_item.json()["metadata"]["social"]["comments"] == shown  # type: ignore[index]


@pytest.mark.parametrize("args, words", [
    (["file:///etc/passwd"], "only http and https"),
    (["https://www.facebook.com/x/posts/1", "--comments", "lots"], "--comments must be 'all' or a whole number"),
    (["https://www.facebook.com/x/posts/1", "--comments", "-3"], "--comments must be 'all' or a whole number"),
    (["https://www.facebook.com/x/posts/1", "--host-rule", "nonsense"], "must look like 'MAP example.test"),
    (["https://www.facebook.com/x/posts/1", "--case", "VV-KHONG-CO"], "no case 'VV-KHONG-CO'"),
])
def test_bad_input_is_one_line_and_adds_nothing(case_cli: Cli, args: list[str], words: str) -> None:
    case = [] if "--case" in args else ["--case", "VV-MXH-CLI"]
    line = case_cli("capture", "social", *args, *case).one_line_error()
    assert words in line
    assert case_cli.items() == []


def test_no_url_and_closed_case(case_cli: Cli) -> None:
    assert case_cli("capture", "social", "--case", "VV-MXH-CLI").code == 2
    assert case_cli("case", "close", "VV-MXH-CLI").code == 0
    line = case_cli("capture", "social", POST_URL, "--case", "VV-MXH-CLI").one_line_error()
    assert "closed" in line and case_cli.items() == []
