"""The shared reading logic, without a browser: counts, text, availability, links, cookies, readers on small pages.

Table-driven where the input is what platforms show, in Vietnamese and English.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.social.availability import judge
from collectors.social.counts import parse_count
from collectors.social.extract import read_post
from collectors.social.extractors.base import registered
from collectors.social.extractors.facebook import person_from_link
from collectors.social.media import _cookie, _write_cookie_file
from collectors.social.page import PageDocument, best_from_srcset, hashtags, mentions, text_of
from collectors.social.platforms import detect
from collectors.social.post_record import comment_rows

CAPTURED = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("shown, value, approximate", [
    ("1.234", 1234, False), ("1,234", 1234, False), ("1 234 567", 1234567, False), ("1.234.567 lượt xem", 1234567, False),
    ("245 bình luận", 245, False), ("37 lượt chia sẻ", 37, False), ("8901 views", 8901, False), ("5", 5, False),
    ("1,2K", 1200, True), ("1.2K", 1200, True), ("12 N", 12000, True), ("2,5 N người theo dõi", 2500, True),
    ("1,5 Tr", 1500000, True), ("3 triệu", 3000000, True), ("2.4M views", 2400000, True), ("1 tỷ", 10**9, True),
    ("Tất cả cảm xúc: 1,2K", 1200, True), ("12.3K subscribers", 12300, True), ("89K views", 89000, True),
])
def test_counts_as_platforms_show_them(shown: str, value: int, approximate: bool) -> None:
    assert parse_count(shown) == (value, approximate)


@pytest.mark.parametrize("shown", ["", "không có", "no comments", "5 năm"[2:]])
def test_not_a_count(shown: str) -> None:
    assert parse_count(shown) is None


def _doc(html: str, url: str = "https://tin.example.vn/bai/1") -> PageDocument:
    return PageDocument(url, url, html, CAPTURED, "Asia/Ho_Chi_Minh")


def test_text_is_read_as_a_browser_shows_it() -> None:
    doc = _doc("<div id=x>  Dòng   một\n   vẫn dòng một<br>Dòng hai<p>Đoạn <b>ba</b></p><script>bí mật()</script>"
               "<img alt='😮'> cuối</div>")
    assert text_of(doc.first("#x")) == "Dòng một vẫn dòng một\nDòng hai\nĐoạn ba\n😮 cuối"
    assert hashtags("Tin #nóng_hổi, #canhbao. email@ví.dụ #1") == ["#nóng_hổi", "#canhbao", "#1"]
    assert mentions("cc @nguyen.van_a và @b, email a@b.vn") == ["@nguyen.van_a"]
    assert best_from_srcset("a.jpg 320w, b.jpg 1080w, c.jpg 640w") == "b.jpg"
    assert doc.select("div", doc.first("#x")) == []  # descendants only, never the element itself


@pytest.mark.parametrize("href, name, expected", [
    ("https://www.facebook.com/profile.php?id=100012345&comment_id=Y29t&__cft__[0]=AZ", "A",
     ("", "100012345", "https://www.facebook.com/profile.php?id=100012345")),
    ("https://www.facebook.com/nguyen.van.a?comment_id=Y29t&__tn__=R", "B",
     ("nguyen.van.a", "", "https://www.facebook.com/nguyen.van.a")),
    ("https://www.facebook.com/people/Tran-B/100077/", "C", ("", "100077", "https://www.facebook.com/people/Tran-B/100077/")),
])
def test_facebook_identity_from_links(href: str, name: str, expected: tuple[str, str, str]) -> None:
    person = person_from_link(href, name)
    assert (person.handle, person.id, person.profile_url) == expected and person.name == name


@pytest.mark.parametrize("url, text, extracted, status, reason", [
    ("https://www.facebook.com/checkpoint/828281/", "", False, "checkpoint", "https://www.facebook.com/checkpoint/828281/"),
    ("https://www.facebook.com/login/?next=x", "Đăng nhập Facebook", False, "login_required",
     "https://www.facebook.com/login/?next=x"),
    ("https://www.instagram.com/accounts/login/", "", False, "login_required", "https://www.instagram.com/accounts/login/"),
    ("https://x.com/i/flow/login", "", False, "login_required", "https://x.com/i/flow/login"),
    ("https://www.facebook.com/groups/a/posts/1", "Bạn phải đăng nhập để tiếp tục.", False, "login_required",
     "Bạn phải đăng nhập để tiếp tục"),
    ("https://www.facebook.com/a/posts/1", "Nội dung này hiện không hiển thị", False, "unavailable",
     "Nội dung này hiện không hiển thị"),
    ("https://www.facebook.com/a/posts/1", "This content isn't available right now", False, "unavailable",
     "This content isn't available right now"),
    ("https://x.com/a/status/1", "Hmm...this page doesn\u2019t exist.", False, "unavailable", "Hmm...this page doesn't exist"),
    ("https://www.youtube.com/watch?v=a", "Video này đã bị người tải lên xóa", False, "unavailable",
     "Video này đã bị người tải lên xóa"),
    ("https://www.facebook.com/a/posts/1", "Tài khoản của bạn đã bị khóa", False, "checkpoint",
     "Tài khoản của bạn đã bị khóa"),
    ("https://www.facebook.com/a/posts/1", "a quote: 'Video unavailable' inside a post that is there", True,
     "available", ""),
    ("https://www.facebook.com/a/posts/1", "Đăng nhập · Xem thêm trên Facebook", True, "available", ""),
    ("https://t.me/s/kenh/150", "other posts of the channel", False, "not_recognised", ""),  # said nothing
])
def test_availability(url: str, text: str, extracted: bool, status: str, reason: str) -> None:
    found = judge(url, text, extracted=extracted)
    assert (found.status, found.reason) == (status, reason)
    assert found.rule and found.rule_vi and found.rule != found.rule_vi


def test_every_platform_has_a_reader_and_detection_picks_it() -> None:
    readers = registered()
    assert set(readers) == {"generic", "facebook", "youtube", "tiktok", "x", "telegram", "zalo", "instagram"}
    for url, name in (("https://www.facebook.com/a/posts/1", "facebook"), ("https://youtu.be/abcdefghijk", "youtube"),
                      ("https://www.tiktok.com/@a/video/1", "tiktok"), ("https://twitter.com/a/status/1", "x"),
                      ("https://t.me/s/kenh/1", "telegram"), ("https://zalo.me/123456789", "zalo"),
                      ("https://www.instagram.com/reel/Abc/", "instagram"), ("https://tin.example.vn/a", "generic")):
        assert readers[detect(url).platform].name == name


def test_a_telegram_preview_without_the_post_is_not_read_from_the_channels_tags() -> None:
    """t.me/s/ lists the channel's other posts; its og:title and og:image name the channel, not a post."""
    from tests.social.pages.data import FakePost, person
    from tests.social.pages.telegram import preview

    html = preview("kenh", {"kenh/1": FakePost("tg1", person(6), "Tin thứ nhất", views=10)}).replace(
        "</head>", '<meta property="og:image" content="https://cdn4.cdn-telegram.org/file/kenh_avatar.jpg"></head>')
    record, _ = read_post(_doc(html, "https://t.me/s/kenh/9"))
    assert record.availability.status == "not_recognised" and record.author.name == ""
    assert record.media == [] and record.text == ""
    found, _ = read_post(_doc(html, "https://t.me/s/kenh/1"))
    assert found.availability.status == "available" and found.text.startswith("Tin thứ nhất")


def test_a_platforms_shared_picture_is_not_added_to_media_the_reader_read() -> None:
    """A Facebook video page's og:image is the video's still: the video (with its poster) is the post's media."""
    from tests.social.pages.data import FakePost, person
    from tests.social.pages.facebook import post_page

    post = FakePost("1234567890123456", person(1), "Video thử", images=0, video=True)
    record, _ = read_post(_doc(post_page(post, "/a/videos/1234567890123456"),
                               "https://www.facebook.com/a/videos/1234567890123456"))
    assert [(m.type, m.role) for m in record.media] == [("video", "post")]
    assert record.media[0].poster.endswith("_poster.jpg")


def test_a_broken_reader_is_a_note_not_a_crash() -> None:
    html = ('<div role="main"><div aria-labelledby="a" aria-describedby="b"><div data-ad-rendering-role="profile_name">'
            '<h2><a href="https://www.facebook.com/a">A</a></h2></div>'
            '<script type="application/json">{"creation_time": "not a time", "post_id": "1"}</script></div></div>')
    record, _ = read_post(_doc(html, "https://www.facebook.com/a/posts/1"))
    assert record.author.name == "A" and record.published is not None
    assert record.published.utc is None and record.published.rule == "not understood: kept as shown"


def test_x_counts_in_vietnamese_and_comment_rows() -> None:
    html = ('<article data-testid="tweet"><div data-testid="User-Name"><a href="/ten_a"><span>Tên A</span></a>'
            '<a href="/ten_a"><span>@ten_a</span></a></div><a href="/ten_a/status/77"><time datetime="2025-11-01T00:00:00.000Z">'
            '1 thg 11</time></a><div data-testid="tweetText"><span>Nội dung</span></div><div role="group" aria-label='
            '"12 câu trả lời, 3 bài đăng lại, 1,2 N lượt thích, 7 dấu trang, 8.901 lượt xem"></div></article>'
            '<article data-testid="tweet"><div data-testid="User-Name"><a href="/b"><span>B</span></a><a href="/b">'
            '<span>@b</span></a></div><a href="/b/status/78"><time datetime="2025-11-01T01:00:00.000Z">1 giờ</time></a>'
            '<div data-testid="tweetText"><span>Trả lời</span></div></article>')
    record, _ = read_post(_doc(html, "https://x.com/ten_a/status/77"))
    values = {k: (v.value, v.approximate) for k, v in record.counts.items()}
    assert values == {"comments": (12, False), "reposts": (3, False), "likes": (1200, True), "bookmarks": (7, False),
                      "views": (8901, False)}
    rows = comment_rows(record.to_json())
    assert rows == [{"no": 1, "id": "78", "author": "B", "handle": "@b", "author_id": "", "profile_url": "https://x.com/b",
                     "time_utc": "2025-11-01T01:00:00Z", "time_shown": "2025-11-01T01:00:00.000Z (shown: 1 giờ)",
                     "text": "Trả lời", "reply_to": "77", "depth": 1}]


def test_cookies_for_media_and_ytdlp(tmp_path: Path) -> None:
    cookies = [{"name": "c_user", "value": "1000", "domain": ".facebook.com", "path": "/", "expires": -1,
                "httpOnly": False, "secure": True},
               {"name": "xs", "value": "bí-mật", "domain": ".facebook.com", "path": "/", "expires": 1893456000.5,
                "httpOnly": True, "secure": True},
               {"name": "other", "value": "x", "domain": "www.tiktok.com", "path": "/", "expires": -1,
                "httpOnly": False, "secure": False}]
    jar = http.cookiejar.CookieJar()
    for c in cookies:
        jar.set_cookie(_cookie(c))
    request = urllib.request.Request("https://scontent.facebook.com/v/photo.jpg")
    jar.add_cookie_header(request)
    assert request.get_header("Cookie") in ("c_user=1000; xs=bí-mật", "xs=bí-mật; c_user=1000")
    path = tmp_path / "cookies.txt"
    _write_cookie_file(path, cookies)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = http.cookiejar.MozillaCookieJar(str(path))
    loaded.load(ignore_discard=True, ignore_expires=True)
    assert {(c.name, c.domain) for c in loaded} == {("c_user", ".facebook.com"), ("xs", ".facebook.com"),
                                                    ("other", "www.tiktok.com")}


def test_account_from_the_platforms_own_cookies() -> None:
    from forensics_app.services.profiles import describe_account

    state = {"cookies": [
        {"name": "c_user", "value": "100090000000001", "domain": ".facebook.com"},
        {"name": "xs", "value": "bí-mật", "domain": ".facebook.com"},
        {"name": "twid", "value": "u%3D1234567890", "domain": ".x.com"},
        {"name": "ds_user_id", "value": "55667788", "domain": ".instagram.com"},
        {"name": "sessionid", "value": "bí-mật-2", "domain": ".tiktok.com"}]}
    account = describe_account(state, "", "https://www.facebook.com/login/", "https://www.facebook.com/")
    assert account["label"] == "facebook 100090000000001, instagram 55667788, x 1234567890"
    assert {"platform": "tiktok", "session_cookie": "sessionid"} in account["detected"]
    assert "bí-mật" not in str(account)  # session values never leave the encrypted profile
    assert describe_account(state, "Tài khoản 1", "u", "r")["label"] == "Tài khoản 1"


@pytest.mark.parametrize("platform, kind, label, matches", [
    ("facebook", "see_more", "Xem thêm", True), ("facebook", "see_more", "See more", True),
    ("facebook", "see_more", "Xem thêm bình luận", False),
    ("facebook", "more_comments", "Xem thêm bình luận", True), ("facebook", "more_comments", "Xem thêm 12 bình luận", True),
    ("facebook", "more_comments", "Xem 5 bình luận trước", True), ("facebook", "more_comments", "View more comments", True),
    ("facebook", "more_comments", "View 3 previous comments", True), ("facebook", "more_comments", "Thích", False),
    ("facebook", "more_replies", "Xem tất cả 3 phản hồi", True), ("facebook", "more_replies", "View all 3 replies", True),
    ("facebook", "more_replies", "View 1 reply", True), ("facebook", "more_replies", "Trần B đã phản hồi · 2 phản hồi", True),
    ("facebook", "more_replies", "Phản hồi", False),
    ("facebook", "ordering_open", "Phù hợp nhất", True), ("facebook", "ordering_open", "Most relevant", True),
    ("youtube", "more_replies", "12 phản hồi", True), ("youtube", "more_replies", "Show more replies", True),
    ("youtube", "see_more", "...thêm", True), ("youtube", "see_more", "…more", True),
    ("tiktok", "more_replies", "Xem 3 câu trả lời", True), ("tiktok", "more_replies", "View 2 replies", True),
    ("x", "more_comments", "Show more replies", True), ("x", "more_comments", "Hiện thêm câu trả lời", True),
    ("instagram", "more_comments", "Tải thêm bình luận", True), ("instagram", "more_replies", "Xem câu trả lời (4)", True),
    ("instagram", "more_replies", "View replies (1)", True),
])
def test_expansion_labels_in_both_languages(platform: str, kind: str, label: str, matches: bool) -> None:
    import re

    patterns = getattr(registered()[platform].spec, kind)
    assert any(re.fullmatch(p, label, re.IGNORECASE) for p in patterns) is matches
