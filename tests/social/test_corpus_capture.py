"""The real saved pages through the real browser: ``forensics capture social`` on the corpus served unchanged over
HTTPS under each page's real host name, one page per platform. The facts read by hand from each page
(fixtures/social/facts.json) must still hold once Chromium has rendered it and the capture has read the
rendered DOM (the pages' scripts and media are answered 404: the markup as saved is all the browser gets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.social.health import check_record
from tests.conftest import Cli

from .corpus_site import CorpusSite

pytestmark = pytest.mark.slow

ONE_PER_PLATFORM = ["bluesky-2026-post.html", "facebook-2022-post-ironmaiden.html", "instagram-2021-integration.html",
                    "reddit-2026-post.html", "telegram-2023-s-topwar.html#71008", "tiktok-2022-video.html",
                    "x-2026-post-uasmart.html", "youtube-2024-video.html"]


@pytest.fixture(scope="module")
def corpus_site(repo_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusSite]:
    site = CorpusSite(repo_fixtures / "social", ONE_PER_PLATFORM, tmp_path_factory.mktemp("corpus-tls"))
    yield site
    site.stop()


def test_real_pages_captured_in_the_browser_keep_their_hand_read_facts(cli_vault: Cli, corpus_site: CorpusSite,
                                                                       tmp_path: Path) -> None:
    assert cli_vault("settings", "set", "ntp_server", "127.0.0.1:9").code == 0  # no time server here
    assert cli_vault("case", "new", "--number", "VV-MXH-THAT", "--title", "Trang thật đã lưu").code == 0
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(corpus_site.facts[name]["url"] for name in ONE_PER_PLATFORM) + "\n")
    rules = [arg for rule in corpus_site.host_rules for arg in ("--host-rule", rule)]
    done = cli_vault("capture", "social", "--case", "VV-MXH-THAT", "--urls-file", str(urls), "--concurrency", "2",
                     "--comments", "all", "--json", "--allow-private-addresses", "--ca-file",
                     str(corpus_site.tls.cert_pem), "--timeout", "300", *rules)
    assert done.code == 0, done.err
    results = {r["url"]: r for r in done.json()["results"]}  # type: ignore[index]
    wrong = {}
    for name in ONE_PER_PLATFORM:
        facts = corpus_site.facts[name]
        result = results[facts["url"]]
        assert result["status"] == "captured" and result["platform"] == facts["platform"], result
        checked = check_record(result["record"], name, facts)
        assert len(checked.checked) >= 3, name  # each page is checked on several facts
        if checked.right != len(checked.checked):
            wrong[name] = checked.got
        record = result["record"]
        expected = record.get("comments_expected")
        if expected is not None and record["comments_count"] < expected:  # never silence: "N of M" with the reason
            warning = next(w for w in result["warnings"] if w["code"] == "comments_incomplete")
            assert f"{record['comments_count']} of " in warning["message"] and "reason" in warning["message"]
            assert warning["details"]["recorded"] == record["comments_count"]
            assert warning["details"]["expected"] == expected, warning
    assert not wrong, wrong
    served = {(host, path) for host, path in corpus_site.seen}
    assert all(key in served for key in corpus_site.pages)  # every page was fetched by the browser from the site
