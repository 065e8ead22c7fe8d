"""The readers on real saved platform pages (fixtures/social: origins and licences in its README),
against the facts read by hand from each page (facts.json). No browser: the readers are pure functions of the
saved DOM; tests/social/test_capture_corpus.py serves some of the same pages through the real browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.social import health
from collectors.social.extract import read_post
from collectors.social.page import PageDocument


@pytest.fixture(scope="module")
def corpus(repo_fixtures: Path) -> Path:
    folder = repo_fixtures / "social"
    if not (folder / "facts.json").is_file():
        pytest.fail(f"the social corpus is missing at {folder}", pytrace=False)
    return folder


def _facts(corpus: Path) -> dict[str, dict]:
    return json.loads((corpus / "facts.json").read_text("utf-8"))["pages"]


def test_every_hand_read_fact_holds(corpus: Path) -> None:
    wrong = {r.page: r.got for r in health.run(corpus) if r.right != len(r.checked)}
    assert wrong == {}


def test_every_platform_is_in_the_corpus_and_reads_fully(corpus: Path) -> None:
    table = health.by_platform(health.run(corpus))
    assert {"facebook", "youtube", "tiktok", "x", "telegram", "instagram", "reddit", "bluesky"} <= set(table)
    assert {p: e["state"] for p, e in table.items()} == dict.fromkeys(table, "fully")


def test_the_workstation_check_names_every_reader_no_real_page_tests() -> None:
    from collectors.social.extractors.base import registered
    from forensics_app.services.social_health import reader_health

    _status, (en, vi), data = reader_health()
    readers = data["readers"]
    assert set(registered()) - {"generic"} <= set(readers)  # every platform reader, with or without a page
    unchecked = sorted(p for p, e in readers.items() if e["state"] == "unchecked")
    assert all(readers[p]["pages"] == 0 for p in unchecked)
    for platform in unchecked:  # named in both languages, never counted as read
        assert platform in en.split("not checked, no real page in the corpus: ")[1]
        assert platform in vi.split("chưa kiểm tra, không có trang thật trong bộ trang: ")[1]


def _read(corpus: Path, name: str) -> dict:
    facts = _facts(corpus)[name]
    html = (corpus / "pages" / name).read_text("utf-8", errors="replace")
    return read_post(PageDocument(facts["url"], facts["url"], html, health.READ_AT, "UTC"))[0].to_json()


def test_x_text_keeps_mentions_inline_and_spaces_as_shown(corpus: Path) -> None:
    record = _read(corpus, "x-2026-post-uasmart.html")
    assert "con @patoroco, @flopezluis, Katia" in record["text"] and "\n" not in record["text"]
    assert "@foxandfriends  His District" in _read(corpus, "x-2025-post-trump.html")["text"]


def test_every_field_says_which_layer_read_it(corpus: Path) -> None:
    record = _read(corpus, "facebook-2023-post-littlemix.html")
    assert record["fields"]["text"]["layer"] == "schema.org" and record["fields"]["published"]["layer"] == "schema.org"
    insta = _read(corpus, "instagram-2024-post-photo.html")
    assert insta["fields"]["counts.likes"]["layer"] == "meta tags"
    assert "rules/meta.json" in insta["fields"]["counts.likes"]["rule"]
    assert insta["counts"]["likes"] == {"value": 298000, "shown": "298K", "approximate": True,
                                        "source": "meta tag og:description"}
    tiktok = _read(corpus, "tiktok-2025-video.html")
    assert tiktok["fields"]["author.id"]["layer"] == "embedded data"
    assert all(f["layer"] and f["rule"] for r in (record, insta, tiktok) for f in r["fields"].values())


def test_the_authors_picture_is_not_the_posts_media(corpus: Path) -> None:
    record = _read(corpus, "bluesky-2026-post.html")
    assert [m for m in record["media"] if m["role"] == "post"] == []
    assert record["post_id"] == "3mddvy5bv6k27" and "'" in record["text"] and "&#39;" not in record["text"]


def test_honest_status_on_real_pages(corpus: Path) -> None:
    """A page our reader does not understand is 'not recognised', never 'removed'; a platform's own status is
    'unavailable' with its words; a login page is a login wall."""
    assert _read(corpus, "facebook-2018-video-afcajax.html")["availability"]["status"] == "not_recognised"
    unplayable = _read(corpus, "youtube-2026-video.html")["availability"]
    assert unplayable["status"] == "unavailable" and "UNPLAYABLE" in unplayable["rule"]
    assert _read(corpus, "facebook-2022-login.html")["availability"]["status"] == "login_required"


def test_comment_count_as_the_page_shows_it(corpus: Path) -> None:
    comments = _read(corpus, "youtube-2024-video.html")["counts"]["comments"]
    assert comments["shown"] == "1 K" and comments["approximate"] is True
