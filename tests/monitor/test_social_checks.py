"""A watched Facebook post on the local platform: comments added, vanished and edited, the text edited, then
the platform's own "content isn't available" on consecutive checks (removed), and a group post behind a login
wall (never removed). Real Chromium and the real social readers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from evidence_store import Vault
from evidence_store import monitor_store as store
from forensics_app.services import monitor
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.social.conftest import site_options
from tests.social.pages.data import FakePost, make_comments, person

pytestmark = pytest.mark.slow
POST = "pfbidMonitor01"
GROUP_POST = "7901"


@pytest.fixture(scope="module")
def social_rounds(tmp_path_factory: pytest.TempPathFactory, platforms: Any) -> Iterator[tuple[Vault, Any, list[Any]]]:
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    vault = Vault.create(tmp_path_factory.mktemp("soc") / "vault", PASSPHRASE, "Lê Văn Giám Sát")
    case = vault.create_case("GS-MXH", "Giám sát mạng xã hội")
    posts = platforms.data["facebook"]
    posts[POST] = FakePost(POST, person(1), "Bài đăng ban đầu về giá vàng hôm nay", comments=make_comments(4, prefix="m"))
    posts[GROUP_POST] = FakePost(GROUP_POST, person(2), "Bài trong nhóm kín", comments=make_comments(1, prefix="g"))
    post_watch = monitor.add_watches(vault, case.id, [f"https://www.facebook.com/giavang/posts/{POST}"], social=True,
                                     keywords=["lừa đảo"], removal_after=2)[0]
    group_watch = monitor.add_watches(vault, case.id, [f"https://www.facebook.com/groups/kin/posts/{GROUP_POST}"],
                                      social=True)[0]
    options = site_options(platforms)
    rounds: list[dict[str, monitor.CheckOutcome]] = []

    def run() -> None:
        rows = [store.get_watch(vault, w.id) for w in (post_watch, group_watch)]
        out = monitor.run_checks(vault, rows, options=options)
        rounds.append({"post" if o.watch_id == post_watch.id else "group": o for o in out})

    run()
    old = posts[POST]
    comments = old.comments[:1] + old.comments[2:]  # the second comment vanishes
    comments[0] = replace(comments[0], text="Bình luận đã sửa: đây là lừa đảo")
    comments.append(replace(old.comments[0], id="m00099", text="Bình luận mới xuất hiện"))
    posts[POST] = replace(old, text="Bài đăng đã sửa về giá vàng hôm nay", comments=comments)
    run()
    del posts[POST]
    run()
    run()
    yield vault, (post_watch, group_watch), rounds
    assert_verifies_clean(vault)
    vault.close()


def test_social_watch_kinds(social_rounds: tuple[Vault, Any, list[Any]]) -> None:
    _vault, (post_watch, group_watch), _rounds = social_rounds
    assert post_watch.kind == "social" and group_watch.kind == "social"


def test_comments_and_text_edits_are_a_social_diff(social_rounds: tuple[Vault, Any, list[Any]]) -> None:
    vault, _watches, rounds = social_rounds
    assert rounds[0]["post"].status == "unchanged"
    second = rounds[1]["post"]
    assert second.status == "changed", second
    assert "comments +1/−1/edited 1" in second.summary and "post edited" in second.summary
    assert "keywords: lừa đảo" in second.summary
    import json

    change = next(vault.get_item(i) for i in second.items if vault.get_item(i).kind == "monitoring_change")
    social = json.loads(b"".join(vault.read_item(change)))["change"]["social"]
    assert [c["text"] for c in social["comments_added"]] == ["Bình luận mới xuất hiện"]
    assert [c["text"][:15] for c in social["comments_vanished"]] == ["Bình luận số 2:"]
    assert social["comments_edited"][0]["after"] == "Bình luận đã sửa: đây là lừa đảo"
    assert "comments" not in social["counts"]  # one gone, one new: the count is the same, and not reported


def test_platform_says_removed_on_two_checks_is_a_removal(social_rounds: tuple[Vault, Any, list[Any]]) -> None:
    _vault, _watches, rounds = social_rounds
    third, fourth = rounds[2]["post"], rounds[3]["post"]
    assert third.status == "unavailable" and "the platform says" in third.summary and "(1 of 2)" in third.summary
    assert fourth.status == "removed" and "Nội dung này hiện không hiển thị" in fourth.summary


def test_a_login_wall_is_never_a_removal(social_rounds: tuple[Vault, Any, list[Any]]) -> None:
    vault, (_post, group_watch), rounds = social_rounds
    assert [r["group"].status for r in rounds] == ["unavailable"] * 4
    assert all("login wall" in r["group"].summary for r in rounds)
    assert store.get_watch(vault, group_watch.id).removed_at is None
