"""Expansion on a slow platform: every "more comments" / "more replies" click waits for the comments it loads
(not for the spinner that shows first), choosing "All comments" waits for the comments of that ordering, and
closing the login pop-up waits until it is gone, so nothing is missed, nothing is clicked twice and no round is
wasted looking at a page that is still loading."""

from __future__ import annotations

import pytest

from forensics_app.services.social import capture_social

from .conftest import AUTHOR, ModuleVault, site_options
from .pages.data import FakePost, make_comments
from .pages.facebook import comment_id
from .site import PlatformSite

pytestmark = pytest.mark.slow
DELAY = 0.4  # seconds per comment page and per replies request: well above the old 120 ms settle, well under
#   the 1.5 s of silence a loading click tolerates


def test_slow_replies_and_pages_all_recorded_without_idle_rounds(module_vault: ModuleVault,
                                                                 platform_site: PlatformSite) -> None:
    post = FakePost("pfbidSLOW", AUTHOR, "Bài trên một nền tảng chậm", images=0, page_size=20,
                    hidden_tail="Phần cuối của bài, sau Xem thêm.", popup_close_ms=150,
                    comments=make_comments(50, replies_every=10, replies=2, prefix="s"))
    platform_site.data["facebook"][post.id] = post
    platform_site.options["ajax_delay"] = DELAY
    try:
        result = capture_social(module_vault.vault, module_vault.case.id,
                                [f"https://www.facebook.com/{AUTHOR.handle}/posts/{post.id}"],
                                options=site_options(platform_site), media=False)
    finally:
        platform_site.options.pop("ajax_delay")
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.web.error
    record = outcome.record
    assert record is not None
    assert record["comments_count"] == len(post.comments) == 60
    assert {c["id"] for c in record["comments"]} == {comment_id(c) for c in post.comments}
    assert post.hidden_tail in record["text"]
    expansion = record["expansion"]
    assert expansion["stopped"] == "nothing left to expand"
    # the new ordering's first page came (0.4 s) before the expansion started: not a network pause, not a spinner
    assert expansion["ordering"] == "Tất cả bình luận" and expansion["ordering_settled"] == "comments arrived"
    # the pop-up fades out for 150 ms: closed once, and the capture went on only once it was gone
    assert len(expansion["dialogs_closed"]) == 1 and "dialogs_lingering" not in expansion, expansion
    # 'All comments' reloads the first page; then 2 more pages, and 5 comments with replies: one click each
    assert expansion["clicks"]["more_comments"] == 2 and expansion["clicks"]["more_replies"] == 5
    # a round per page of comments (its replies with it), then rounds that find nothing: a click that returned on
    # the spinner would add an idle round (and a network wait) after every page
    assert expansion["rounds"] - expansion["idle_rounds"] <= 3, expansion


def test_all_comments_that_change_nothing(module_vault: ModuleVault, platform_site: PlatformSite) -> None:
    """A platform that already shows every comment: choosing "All comments" loads nothing, and the capture goes
    on once the network stayed quiet (no comments are waited for that will not come)."""
    post = FakePost("pfbidSAME", AUTHOR, "Bài mà mọi bình luận đã hiện sẵn", images=0, page_size=20,
                    ordering_reloads=False, comments=make_comments(30, prefix="q"))
    platform_site.data["facebook"][post.id] = post
    result = capture_social(module_vault.vault, module_vault.case.id,
                            [f"https://www.facebook.com/{AUTHOR.handle}/posts/{post.id}"],
                            options=site_options(platform_site), media=False)
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.web.error
    record = outcome.record
    assert record is not None
    assert {c["id"] for c in record["comments"]} == {comment_id(c) for c in post.comments}
    expansion = record["expansion"]
    assert expansion["ordering"] == "Tất cả bình luận" and expansion["ordering_settled"] == "network quiet"
    assert expansion["clicks"]["more_comments"] == 1 and expansion["stopped"] == "nothing left to expand"


def test_lazy_list_that_asks_late_is_read_to_its_end(module_vault: ModuleVault, platform_site: PlatformSite) -> None:
    """A comment pane whose next page is asked for only 0.9 s after its end came into view (a busy page's
    IntersectionObserver and timers run late): the network is quiet meanwhile, and comments arrive between two
    rounds. Every comment is recorded; the expansion stops only after rounds that found nothing for a while,
    never saying "nothing left" while the page was still about to load."""
    post = FakePost("LateLoad123", AUTHOR, "Video có danh sách bình luận tải chậm", views=10, page_size=10,
                    load_start_ms=900, comments=make_comments(45, prefix="y"))
    platform_site.data["youtube"][post.id] = post
    result = capture_social(module_vault.vault, module_vault.case.id, [f"https://www.youtube.com/shorts/{post.id}"],
                            options=site_options(platform_site), media=False)
    (outcome,) = result.outcomes
    assert outcome.status == "captured", outcome.web.error
    record = outcome.record
    assert record is not None and record["content_type"] == "short"
    assert [c["text"] for c in record["comments"]] == [c.text for c in post.top_level]
    expansion = record["expansion"]
    assert expansion["stopped"] == "nothing left to expand" and expansion["idle_rounds"] >= 2, expansion
    assert "comments_incomplete" not in {w.code for w in outcome.web.item.warnings}  # type: ignore[union-attr]
