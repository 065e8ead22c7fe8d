"""Every platform captured for real: Chromium on the local platform pages under their real host names.

One ``capture_social`` batch (one browser, two posts at a time) into a module
vault; each test reads what was stored and compares it with what the pages
showed (tests/social/pages). The vault must verify clean at the end.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Item, parse_iso
from forensics_app.services.reports import ReportOptions, generate_report
from forensics_app.services.social import PostOutcome, SocialBatchResult, capture_social
from tests.reports.conftest import pdf_text, squash

from .conftest import (
    AUTHOR,
    CLIP,
    FB_POST,
    FB_VIDEO,
    FORUM,
    IG_POST,
    TG_POSTS,
    TT_VIDEO,
    X_POST,
    YT_VIDEO,
    ZALO_ARTICLE,
    ModuleVault,
    site_options,
)
from .pages.data import HOSTILE, FakeComment
from .pages.facebook import comment_id
from .site import PlatformSite

pytestmark = pytest.mark.slow

URLS = {
    "facebook": f"https://www.facebook.com/{AUTHOR.handle}/posts/{FB_POST.id}",
    "facebook_video": f"https://www.facebook.com/{AUTHOR.handle}/videos/{FB_VIDEO.id}",
    "facebook_removed": "https://www.facebook.com/story.php?story_fbid=9999999&id=100012345678901",
    "facebook_group": "https://www.facebook.com/groups/hoimuaban/posts/7001",
    "youtube": f"https://www.youtube.com/watch?v={YT_VIDEO.id}",
    "youtube_short": f"https://www.youtube.com/shorts/{YT_VIDEO.id}",
    "youtube_removed": "https://www.youtube.com/watch?v=GoneGone123",
    "tiktok": f"https://www.tiktok.com/@{TT_VIDEO.author.handle}/video/{TT_VIDEO.id}",
    "tiktok_removed": f"https://www.tiktok.com/@{TT_VIDEO.author.handle}/video/7430000000000000999",
    "x": f"https://x.com/{X_POST.author.handle.replace('.', '_')}/status/{X_POST.id}",
    "x_removed": "https://x.com/someone/status/1850000000000000999",
    "telegram": "https://t.me/s/tinnhanh24h/102",
    "telegram_video": "https://t.me/s/tinnhanh24h/103",
    "telegram_removed": "https://t.me/s/tinnhanh24h/150",
    "zalo": f"https://zalo.me/s/4318079123456789012/{ZALO_ARTICLE.id}",
    "zalo_oa": "https://zalo.me/4318079123456789012",
    "zalo_removed": "https://zalo.me/s/4318079123456789012/bai-viet-9",
    "instagram": f"https://www.instagram.com/p/{IG_POST.id}/",
    "forum": f"https://tin.example.vn/dien-dan/{FORUM.id}",
    "clip": f"https://tin.example.vn/video/{CLIP.id}",
}


class Captured:
    def __init__(self, holder: ModuleVault, result: SocialBatchResult, site: PlatformSite) -> None:
        self.holder, self.vault, self.result, self.site = holder, holder.vault, result, site
        self.by_url = {o.url: o for o in result.outcomes}

    def __getitem__(self, key: str) -> PostOutcome:
        return self.by_url[URLS[key]]

    def record(self, key: str) -> dict[str, Any]:
        outcome = self[key]
        assert outcome.status == "captured", outcome.web.error
        assert outcome.record is not None
        return outcome.record

    def children(self, key: str) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        item = self[key].web.item
        assert item is not None
        for child in self.vault.list_items(parent_id=item.id):
            out.setdefault(child.kind, []).append(child)
        return out

    def codes(self, key: str) -> list[str]:
        item = self[key].web.item
        assert item is not None
        return [w.code for w in item.warnings]

    def content(self, item: Item) -> bytes:
        return b"".join(self.vault.read_item(item))


@pytest.fixture(scope="module")
def captured(module_vault: ModuleVault, platform_site: PlatformSite) -> Captured:
    progress: list[tuple[int, int | None, str]] = []
    result = capture_social(module_vault.vault, module_vault.case.id, list(URLS.values()),
                            options=site_options(platform_site), concurrency=2,
                            progress=lambda done, total, label: progress.append((done, total, label)))
    assert [o.status for o in result.outcomes] == ["captured"] * len(URLS), [o.web.error for o in result.outcomes]
    assert progress[-1][:2] == (len(URLS), len(URLS))
    return Captured(module_vault, result, platform_site)


# -- Facebook ---------------------------------------------------------------------------------------------
def test_facebook_post_record(captured: Captured) -> None:
    record = captured.record("facebook")
    assert record["platform"] == "facebook" and record["content_type"] == "post" and record["post_id"] == FB_POST.id
    assert record["author"] == {"name": AUTHOR.name, "handle": AUTHOR.handle, "id": AUTHOR.id, "verified": None,
                                "profile_url": f"https://www.facebook.com/{AUTHOR.handle}"}
    published = record["published"]
    assert published["utc"] == "2025-11-01T12:26:40Z" and published["precision_seconds"] == 0
    assert "creation_time" in published["source"] and "Hôm qua lúc 14:05" in published["rule"]
    assert FB_POST.hidden_tail in record["text"], "'Xem thêm' was not expanded"
    assert record["text"].startswith(FB_POST.text) and not record["text"].endswith("Xem thêm")
    assert record["hashtags"] == ["#tinnong", "#canhbao"] and record["mentions"] == ["Trần Thị Bình"]
    assert record["links"] == ["https://vnexpress.net/bai-viet-1.html"]  # l.facebook.com redirect decoded
    counts = record["counts"]
    assert counts["reactions"] == {"value": 1200, "shown": "1,2K", "approximate": True,
                                   "source": "shown text ('All reactions')"}
    assert counts["comments"]["value"] == len(FB_POST.comments) == 53 and counts["shares"]["value"] == 37
    assert record["availability"]["status"] == "available"
    assert record["account"] is None


def test_facebook_comments_all_pages_replies_and_ordering(captured: Captured) -> None:
    record = captured.record("facebook")
    comments = record["comments"]
    assert record["comments_count"] == len(comments) == len(FB_POST.comments)
    assert [c["id"] for c in comments] == [comment_id(c) for c in _page_order(FB_POST.comments)]
    hidden = next(c for c in FB_POST.comments if c.hidden_unless_all)
    assert any(c["text"] == hidden.text for c in comments), "the 'Tất cả bình luận' ordering was not chosen"
    expansion = record["expansion"]
    assert expansion["ordering"] == "Tất cả bình luận" and expansion["stopped"] == "nothing left to expand"
    assert expansion["clicks"]["more_comments"] >= 2 and expansion["clicks"]["more_replies"] == 4
    assert expansion["dialogs_closed"] and "Xem thêm trên Facebook" in expansion["dialogs_closed"][0]
    by_id = {c["id"]: c for c in comments}
    for fake in FB_POST.comments:
        got = by_id[comment_id(fake)]
        assert got["text"] == fake.text and got["author"]["name"] == fake.author.name
        numeric = int(fake.author.id) % 3 == 0
        assert got["author"]["id"] == (fake.author.id if numeric else "")
        assert got["author"]["handle"] == ("" if numeric else fake.author.handle)
        assert "comment_id" not in got["author"]["profile_url"]  # tracking parameters removed
        assert got["reply_to"] == (comment_id(next(p for p in FB_POST.comments if p.id == fake.reply_to))
                                   if fake.reply_to else "")
        assert got["time"]["shown"] == fake.shown_time
        assert (got["reactions"] or {}).get("value", 0) == fake.likes
    hostile = by_id[comment_id(FB_POST.comments[2])]
    assert hostile["text"] == f"Bình luận số 3: {HOSTILE}"  # markup kept literally, not interpreted


def test_relative_times_resolved_against_the_capture_time(captured: Captured) -> None:
    record = captured.record("facebook")
    captured_at = parse_iso(record["captured_at"])
    for comment in record["comments"]:
        when = comment["time"]
        shown, utc = when["shown"], parse_iso(when["utc"])
        if shown == "2 phút":
            assert utc == captured_at - timedelta(minutes=3) and when["precision_seconds"] == 60
            assert "relative" in when["rule"]
        elif shown == "3 giờ":
            assert utc == captured_at - timedelta(hours=4) and when["precision_seconds"] == 3600
        elif shown == "Vừa xong":
            assert utc == captured_at - timedelta(minutes=1) and when["precision_seconds"] == 60  # the minute before
            assert "just now" in when["rule"]
        elif shown == "Hôm qua":
            assert "hôm qua" in when["rule"] and when["precision_seconds"] == 86399
    assert record["time_zone"]  # the browser's zone, in which the page showed wall-clock times


def test_facebook_items_one_batch_media_and_screenshots(captured: Captured) -> None:
    outcome = captured["facebook"]
    children = captured.children("facebook")
    assert {"social_post", "media", "screenshot_element", "screenshot", "html", "warc", "wacz",
            "provenance"} <= set(children)
    (post_item,) = children["social_post"]
    assert post_item.media_type == "application/json"
    summary = post_item.metadata["social"]
    assert summary["platform"] == "facebook" and summary["comments"] == 53 and summary["author_id"] == AUTHOR.id
    assert json.loads(captured.content(post_item)) == outcome.record
    record = outcome.record or {}
    media_items = {m.sha256: m for m in children["media"]}
    assert len(record["media"]) == 2 and all(m["status"] == "downloaded" for m in record["media"])
    for medium in record["media"]:
        (entry,) = medium["files"]
        item = media_items[entry["sha256"]]  # the record's hash is the vault's hash of the stored copy
        assert item.size == entry["size"] and item.metadata["via"] == "direct"
        assert item.metadata["url"] == medium["url"] and item.media_type == "image/jpeg"
    # the lazy photo: the page's own script loaded it (the rendered DOM has its real address)
    html = captured.content(children["html"][0]).decode()
    assert f'src="https://scontent.xx.fbcdn.net/v/t39.30808-6/{FB_POST.id}_2_n.jpg' in html
    # media went through the recording proxy: they are in the WARC too
    provenance = json.loads(captured.content(children["provenance"][0]))
    fetched = {e["url"] for e in provenance["exchanges"]}
    assert all(m["url"] in fetched for m in record["media"])
    shot = children["screenshot_element"][0]
    assert record["element_screenshot"]["sha256"] == shot.sha256
    from PIL import Image, ImageChops

    full = Image.open(io.BytesIO(captured.content(children["screenshot"][0])))
    element = Image.open(io.BytesIO(captured.content(shot)))
    assert 100 < element.height < full.height and element.width <= full.width
    # the post was on screen whole, so it was shot as shown (no full-page layout): the same pixels as that part
    # of the full-page screenshot
    assert shot.metadata["shot"] == "viewport"
    clip = record["element_screenshot"]["clip_css_px"]
    left, top = round(clip["x"]), round(clip["y"])
    part = full.convert("RGB").crop((left, top, left + element.width, top + element.height))
    assert ImageChops.difference(part, element.convert("RGB")).getbbox() is None
    # one vault batch: the capture's rows were committed together (consecutive custody entries)
    ids = {outcome.web.item.id} | {c.id for group in children.values() for c in group}  # type: ignore[union-attr]
    seqs = sorted(e.seq for e in captured.vault.custody.entries()
                  if e.record["action"] == "item.acquire" and (e.record.get("item") or {}).get("id") in ids)
    assert len(seqs) == len(ids) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_facebook_video_best_quality(captured: Captured) -> None:
    record = captured.record("facebook_video")
    assert record["content_type"] == "video" and record["post_id"] == FB_VIDEO.id
    (video,) = record["media"]
    assert video["url"].endswith(f"{FB_VIDEO.id}-hd.mp4?efg=2"), "the HD address of the embedded data comes first"
    assert f"{FB_VIDEO.id}.mp4?efg=1" in " ".join(video["alternatives"])
    assert video["status"] == "downloaded" and video["poster"].endswith("_poster.jpg")
    (item,) = captured.children("facebook_video")["media"]
    assert item.sha256 == video["files"][0]["sha256"] and item.size == len(captured.site.video)
    assert len(record["comments"]) == 3


def test_wacz_with_the_record_validates(captured: Captured, tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    (wacz,) = captured.children("facebook")["wacz"]
    path = captured.vault.export_item(wacz, tmp_path)
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(path)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(path) as archive:
        record = json.loads(archive.read("attachments/facebook-post.json"))
    assert record == captured.record("facebook")


def test_removed_post_login_wall(captured: Captured) -> None:
    removed = captured.record("facebook_removed")
    assert removed["availability"]["status"] == "unavailable"
    assert removed["availability"]["reason"] == "Nội dung này hiện không hiển thị"
    assert "content_unavailable" in captured.codes("facebook_removed")
    assert removed["media"] == [] and removed["comments"] == []
    wall = captured.record("facebook_group")
    assert wall["availability"]["status"] == "login_required" and "/login/" in wall["availability"]["reason"]
    assert "login_wall" in captured.codes("facebook_group")
    item = captured["facebook_group"].web.item
    assert item is not None and item.metadata["complete"] is False
    assert item.metadata["provenance"]["final_url"].startswith("https://www.facebook.com/login/")


# -- YouTube, TikTok, X -------------------------------------------------------------------------------------
def test_youtube(captured: Captured) -> None:
    record = captured.record("youtube")
    assert record["post_id"] == YT_VIDEO.id and record["title"] == YT_VIDEO.text[:60]
    assert record["author"]["handle"] == f"@{YT_VIDEO.author.handle}" and record["author"]["id"].startswith("UC")
    assert record["published"]["utc"] == "2025-11-01T12:26:40Z"  # 05:26:40-07:00
    assert record["counts"]["views"]["value"] == 123456 and record["counts"]["likes"]["value"] == 4321
    assert record["hashtags"] == ["#canhbao"]
    # every comment, or (on a loaded machine) a warning that says how many of how many and why
    expected = record["counts"]["comments"]["value"]
    assert expected == len(YT_VIDEO.comments)
    if len(record["comments"]) < expected:
        warning = next(w for w in captured["youtube"].web.item.warnings  # type: ignore[union-attr]
                       if w.code == "comments_incomplete")
        assert f"{len(record['comments'])} of {expected}" in warning.message and "reason" in warning.message
        pytest.skip(f"loaded machine: {len(record['comments'])} of {expected} comments, said in a warning")
    assert record["expansion"]["clicks"]["more_replies"] == 4 and record["expansion"]["clicks"]["pane_scrolls"] >= 1
    texts = [c["text"] for c in record["comments"]]
    assert texts == [c.text for c in _page_order(YT_VIDEO.comments)]
    replies = [c for c in record["comments"] if c["reply_to"]]
    assert len(replies) == 8 and all(r["depth"] == 1 for r in replies)
    assert record["comments"][0]["author"]["handle"] == "@" + YT_VIDEO.comments[0].author.handle
    video = next(m for m in record["media"] if m["type"] == "video")
    # yt-dlp cannot reach YouTube's player API here: its failure is recorded, the page's own address used
    assert video["status"] == "downloaded" and video["files"][0]["via"] == "direct" and "yt-dlp" in video["error"]
    assert "ytdlp_failed" in captured.codes("youtube") and "media_failed" not in captured.codes("youtube")
    short = captured.record("youtube_short")
    assert short["content_type"] == "short" and short["post_id"] == YT_VIDEO.id and short["author"] == record["author"]
    if len(short["comments"]) < expected:  # the short's expansion ran out of time on a loaded machine: said, with why
        warnings = captured["youtube_short"].web.item.warnings  # type: ignore[union-attr]
        said = [w for w in warnings if w.code == "comments_incomplete"]
        assert said and said[0].details["reason"] == "time_limit", [w.message for w in warnings]
        assert said[0].details["recorded"] == len(short["comments"])
        assert f"{len(short['comments'])} of {expected}" in said[0].message
    else:
        assert [c["text"] for c in short["comments"]] == texts
    removed = captured.record("youtube_removed")
    assert removed["availability"]["status"] == "unavailable"
    assert "Video không khả dụng" in removed["availability"]["reason"]
    assert "Video này đã bị người tải lên xóa" in removed["availability"]["reason"]


def test_tiktok_video_through_ytdlp(captured: Captured) -> None:
    record = captured.record("tiktok")
    author = TT_VIDEO.author
    assert record["author"] == {"name": author.name, "handle": "@" + author.handle, "id": author.id, "verified": False,
                                "profile_url": f"https://www.tiktok.com/@{author.handle}"}
    assert record["published"]["utc"] == "2025-11-01T12:26:40Z"
    assert record["hashtags"] == ["#tintuc", "#canhbao"] and record["mentions"] == ["@nguoidung.0007"]
    assert record["counts"]["views"]["value"] == TT_VIDEO.views and record["counts"]["likes"]["value"] == 12345
    assert len(record["comments"]) == len(TT_VIDEO.comments) == 29  # 25 and 4 replies, over two scrolled pages
    replies = [c for c in record["comments"] if c["reply_to"]]
    parents = {c["id"]: c for c in record["comments"] if not c["reply_to"]}
    assert len(replies) == 4 and all(parents[r["reply_to"]]["text"].startswith("Bình luận số") for r in replies)
    (video,) = record["media"]
    assert video["status"] == "downloaded" and video["files"][0]["via"].startswith("yt-dlp ")
    assert "TikTok" in video["files"][0]["via"]
    (item,) = captured.children("tiktok")["media"]
    assert item.sha256 == video["files"][0]["sha256"] and item.size == len(captured.site.video)
    removed = captured.record("tiktok_removed")
    assert removed["availability"]["status"] == "unavailable" and "10204" in removed["availability"]["reason"]
    # its error page has a <main> (the reader's post element): shot while the page was read, then not kept
    assert removed["element_screenshot"] is None and "screenshot_element" not in captured.children("tiktok_removed")


def test_x_post_replies_and_failed_video(captured: Captured) -> None:
    record = captured.record("x")
    assert record["post_id"] == X_POST.id and record["author"]["handle"] == "@nguoidung_0005"
    assert record["author"]["verified"] is True and record["published"]["utc"] == "2025-11-01T12:26:40Z"
    counts = {k: (v["value"], v["approximate"]) for k, v in record["counts"].items()}
    assert counts == {"comments": (25, False), "reposts": (34, False), "likes": (1234, False), "bookmarks": (7, False),
                      "views": (89000, True)}
    assert record["links"] == ["https://vnexpress.net/bai-viet-2.html"]  # the t.co link's real target
    assert len(record["comments"]) == 25 and all(c["reply_to"] == X_POST.id for c in record["comments"])
    assert record["comments"][-1]["author"]["handle"] == "@" + X_POST.comments[-1].author.handle.replace(".", "_")
    image = next(m for m in record["media"] if m["type"] == "image")
    assert image["url"].endswith("name=orig") and image["status"] == "downloaded"
    video = next(m for m in record["media"] if m["type"] == "video")
    assert video["status"] == "failed" and video["url"] == ""  # blob: only: never a silent gap
    assert {"ytdlp_failed", "media_failed"} <= set(captured.codes("x"))
    item = captured["x"].web.item
    assert item is not None and item.metadata["complete"] is False
    removed = captured.record("x_removed")
    assert removed["availability"]["status"] == "unavailable"


# -- Telegram, Zalo, Instagram, other sites --------------------------------------------------------------------
def test_telegram(captured: Captured) -> None:
    record = captured.record("telegram")
    post = TG_POSTS["tinnhanh24h/102"]
    assert record["post_id"] == "tinnhanh24h/102" and record["text"].startswith(post.text)
    assert record["author"]["name"] == "Kênh Tin Nhanh 24h" and record["author"]["handle"] == "@tinnhanh24h"
    assert record["counts"]["views"]["value"] == 5400
    assert record["counts"]["reactions"] == {"value": 1287, "shown": "👍1,2K 😡87", "approximate": True,
                                             "source": "shown text (reactions, summed)"}
    assert [m["url"] for m in record["media"]] == [f"https://cdn4.cdn-telegram.org/file/tg102_{i}.jpg" for i in (1, 2)]
    assert record["comments_public"] is False and "comments_incomplete" not in captured.codes("telegram")
    # no comments on Telegram's pages, so none can load late: the expansion stops after a second look, not 2 s
    assert record["expansion"]["stopped"] == "nothing left to expand" and record["expansion"]["idle_rounds"] == 2
    video = captured.record("telegram_video")
    assert [m["type"] for m in video["media"]] == ["video"] and video["media"][0]["status"] == "downloaded"
    # the preview lists the channel's other posts and says nothing of this one: not recognised, never "removed"
    missing = captured.record("telegram_removed")
    assert missing["availability"]["status"] == "not_recognised"
    assert "reader_not_recognised" in captured.codes("telegram_removed")
    assert "content_unavailable" not in captured.codes("telegram_removed")


def test_zalo(captured: Captured) -> None:
    record = captured.record("zalo")
    assert record["author"] == {"name": "Cổng Thông Tin Phường Thử Nghiệm", "handle": "", "id": "4318079123456789012",
                                "profile_url": "https://zalo.me/4318079123456789012", "verified": True}
    assert record["title"] == ZALO_ARTICLE.text[:60]
    assert record["published"]["utc"] == "2025-10-31T17:00:00Z" and record["published"]["precision_seconds"] == 86399
    assert "Vietnam" in record["published"]["rule"]
    assert record["counts"]["views"]["value"] == 4321 and record["counts"]["likes"]["value"] == 56
    assert [m["status"] for m in record["media"]] == ["downloaded", "downloaded"]  # lazy images, both
    html = captured.content(captured.children("zalo")["html"][0]).decode()
    assert 'src="https://photo-stal-1.zadn.vn/article/bai-viet-1_2.jpg"' in html  # loaded by scrolling
    oa = captured.record("zalo_oa")
    assert oa["content_type"] == "official_account" and oa["author"]["id"] == "4318079123456789012"
    assert oa["counts"]["followers"]["value"] == 12345 and oa["media"][0]["role"] == "avatar"
    removed = captured.record("zalo_removed")
    assert removed["availability"]["status"] == "unavailable"
    assert removed["availability"]["reason"] == "Bài viết không tồn tại hoặc đã bị xóa"


def test_instagram(captured: Captured) -> None:
    record = captured.record("instagram")
    author = IG_POST.author
    assert record["author"]["id"] == author.id and record["author"]["handle"] == "@" + author.handle
    assert record["published"]["utc"] == "2025-11-01T12:26:40Z" and record["counts"]["likes"]["value"] == 4321
    assert record["media"][0]["width"] == 1080 and record["media"][0]["status"] == "downloaded"
    assert len(record["comments"]) == len(IG_POST.comments) == 33
    assert [c["text"] for c in record["comments"]] == [c.text for c in _page_order(IG_POST.comments)]
    reply = next(c for c in record["comments"] if c["reply_to"])
    assert reply["depth"] == 1 and reply["time"]["precision_seconds"] == 0
    assert record["expansion"]["dialogs_closed"]  # the login pop-up was closed


def test_generic_structured_data(captured: Captured) -> None:
    forum = captured.record("forum")
    assert forum["platform"] == "generic" and forum["sources"] == ["schema.org (JSON-LD)"]
    assert forum["author"]["name"] == FORUM.author.name and forum["author"]["handle"] == "@" + FORUM.author.handle
    assert forum["published"]["utc"] == "2025-11-01T12:26:40Z"
    assert forum["counts"]["likes"]["value"] == 77 and len(forum["comments"]) == len(FORUM.comments) == 6
    replies = [c for c in forum["comments"] if c["reply_to"]]
    assert len(replies) == 2 and all(r["reply_to"].endswith(("#c00002", "#c00004")) for r in replies)
    clip = captured.record("clip")
    assert clip["sources"] == ["schema.org (microdata)", "Open Graph", "oEmbed"]
    assert clip["author"]["name"] == CLIP.author.name  # only the oEmbed answer names the author
    assert {m["type"]: m["status"] for m in clip["media"]} == {"video": "downloaded", "image": "downloaded"}


def test_court_report_shows_posts_and_comment_tables(captured: Captured, tmp_path: Path) -> None:
    vault, case = captured.vault, captured.holder.case
    chosen = tuple(str(captured[key].web.item.id) for key in ("facebook", "facebook_removed", "facebook_group",
                                                               "x"))  # type: ignore[union-attr]
    texts = {}
    for lang in ("vi", "en"):
        out = tmp_path / f"report-{lang}.pdf"
        generate_report(vault, case.number, out, ReportOptions(kind="court", lang=lang, items=chosen))
        texts[lang] = squash(pdf_text(out))
    vi, en = texts["vi"], texts["en"]
    for word in ("Bảngbìnhluận(53bìnhluận)", "Ngườibìnhluận(tàikhoản)", "KHÔNGCÒNHIỂNTHỊ",
                 "BỊCHEBỞIYÊUCẦUĐĂNGNHẬP", "Thờiđiểmđăng"):
        assert word in vi, word
    for word in ("Commenttable(53comments)", "Commenter(account)", "NOTAVAILABLE", "HIDDENBEHINDALOGINWALL"):
        assert word in en, word
    for text in (vi, en):
        assert squash(AUTHOR.name) in text and squash(AUTHOR.id) in text
        last = FB_POST.comments[-1]
        assert squash(last.text.split("?")[0]) in text and squash(last.author.name) in text
        assert squash(f"Bình luận số 3: {HOSTILE}") in text  # printed literally
        assert "2025-11-0112:26:40" in text  # published, UTC
        assert squash(X_POST.comments[0].author.name) in text and "@nguoidung_0003" in text


def _page_order(comments: list[FakeComment]) -> list[FakeComment]:
    """Top-level comments in order, each followed by its replies (as the pages render them)."""
    out = []
    for comment in comments:
        if not comment.reply_to:
            out.append(comment)
            out.extend(c for c in comments if c.reply_to == comment.id)
    return out
