"""Platform detection from real URL shapes (no network: detection reads the URL only)."""

from __future__ import annotations

import pytest

from collectors.social.platforms import detect

CASES = [
    ("https://www.facebook.com/permalink.php?story_fbid=pfbid0abc&id=100064", "facebook", "post", "pfbid0abc", "100064"),
    ("https://www.facebook.com/tuoitre/posts/pfbid02XyZ", "facebook", "post", "pfbid02XyZ", "tuoitre"),
    ("https://m.facebook.com/groups/123456/posts/987654/", "facebook", "group_post", "987654", "123456"),
    ("https://www.facebook.com/groups/congdong/permalink/555/", "facebook", "group_post", "555", "congdong"),
    ("https://www.facebook.com/photo/?fbid=10229&set=a.1", "facebook", "photo", "10229", None),
    ("https://www.facebook.com/photo.php?fbid=77", "facebook", "photo", "77", None),
    ("https://www.facebook.com/watch/?v=3141592", "facebook", "video", "3141592", None),
    ("https://www.facebook.com/reel/1234567890", "facebook", "reel", "1234567890", None),
    ("https://www.facebook.com/VTV24/videos/2718281828/", "facebook", "video", "2718281828", "VTV24"),
    ("https://www.facebook.com/share/p/1AbCdEf/", "facebook", "share", "1AbCdEf", None),
    ("https://www.facebook.com/some.page", "facebook", "profile", None, "some.page"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "youtube", "video", "dQw4w9WgXcQ", None),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube", "video", "dQw4w9WgXcQ", None),
    ("https://www.youtube.com/shorts/abcDEF12345", "youtube", "short", "abcDEF12345", None),
    ("https://www.youtube.com/@kenh14", "youtube", "channel", None, "@kenh14"),
    ("https://www.tiktok.com/@user.name/video/7300000000000000000", "tiktok", "video", "7300000000000000000", "@user.name"),
    ("https://x.com/VnExpress/status/1850000000000000000", "x", "post", "1850000000000000000", "VnExpress"),
    ("https://twitter.com/VnExpress/status/1850000000000000000/photo/1", "x", "post", "1850000000000000000", "VnExpress"),
    ("https://t.me/kenhtintuc/1234", "telegram", "channel_post", "kenhtintuc/1234", "kenhtintuc"),
    ("https://t.me/s/kenhtintuc/1234", "telegram", "channel_post", "kenhtintuc/1234", "kenhtintuc"),
    ("https://zalo.me/s/1234567890123/abcdef", "zalo", "oa_post", "abcdef", "1234567890123"),
    ("https://zalo.me/1234567890123", "zalo", "official_account", None, "1234567890123"),
    ("https://www.instagram.com/p/CxYz123AbC/", "instagram", "post", "CxYz123AbC", None),
    ("https://www.instagram.com/reel/CxYz123AbC/", "instagram", "reel", "CxYz123AbC", None),
    ("https://vnexpress.net/bai-viet-123.html", "generic", "page", None, None),
]


@pytest.mark.parametrize("url,platform,content,post_id,author", CASES)
def test_detects_platform_and_post(url: str, platform: str, content: str, post_id: str | None, author: str | None) -> None:
    match = detect(url)
    assert (match.platform, match.content, match.post_id, match.author_hint) == (platform, content, post_id, author)


def test_telegram_canonical_url_is_the_public_preview() -> None:
    assert detect("https://t.me/kenhtintuc/1234").canonical_url == "https://t.me/s/kenhtintuc/1234"


def test_lookalike_hosts_are_not_platforms() -> None:
    assert detect("https://facebook.com.evil.example/posts/1").platform == "generic"
    assert detect("https://notfacebook.com/a/posts/1").platform == "generic"
