"""The pure change rules: Vietnamese text, selectors and ignore patterns, links, keywords, feeds, screenshots."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np

from forensics_app.services.monitor_diff import (
    Focus,
    feed_diff,
    feed_entries,
    keyword_hits,
    link_diff,
    page_links,
    page_text,
    text_diff,
    visual_diff,
)

PAGE = """<html><body><nav><a href="/">Trang chủ</a></nav><div id="ad">Quảng cáo 123</div>
<article id="main"><h1>Thông báo</h1><p>Người dân cần cảnh giác với lời mời chuyển khoản.</p>
<a href="/bai/1#binh-luan">Bài 1</a><a href="https://khac.vn/x">ngoài</a><a href="javascript:void(0)">js</a>
<script>var x = "không tính";</script><p class="views">1234 lượt xem</p></article></body></html>"""


def test_selectors_and_ignore_patterns_decide_the_text() -> None:
    focus = Focus(include=("#main",), exclude=(".views",), ignore=(r"\d+ lượt xem",))
    text = page_text(PAGE, focus)
    assert text == "Thông báo Người dân cần cảnh giác với lời mời chuyển khoản. Bài 1ngoàijs"  # inline: as shown
    assert "Quảng cáo" not in text and "không tính" not in text
    assert "lượt xem" not in page_text(PAGE, Focus(include=("#main",), ignore=(r"\d+ lượt xem",)))


def test_combining_marks_and_precomposed_vietnamese_are_the_same_words() -> None:
    decomposed = unicodedata.normalize("NFD", "chuyển khoản ngay")
    a = page_text("<p>chuyển khoản ngay</p>", Focus())
    b = page_text(f"<p>{decomposed}</p>", Focus())
    assert not text_diff(a, b)["changed"]
    tone = text_diff("giá vàng tăng mua ngay", "giá vàng tăng múa ngay")  # one tone mark is one changed word
    assert (tone["words_added"], tone["words_removed"]) == (1, 1)
    assert ["delete", "mua"] in tone["ops"] and ["insert", "múa"] in tone["ops"]


def test_word_diff_counts_and_operations() -> None:
    diff = text_diff("Ủy ban thông báo lịch họp", "Ủy ban thông báo hoãn lịch họp sáng mai")
    assert diff["changed"] and diff["words_added"] == 3 and diff["words_removed"] == 0
    assert [op for op in diff["ops"] if op[0] != "equal"] == [["insert", "hoãn"], ["insert", "sáng mai"]]


def test_links_are_absolute_without_fragments_and_diffed() -> None:
    links = page_links(PAGE, "https://tin.example.vn/muc/", Focus(include=("#main",)))
    assert links == {"https://tin.example.vn/bai/1": "Bài 1", "https://khac.vn/x": "ngoài"}
    diff = link_diff(links, {**links, "https://tin.example.vn/bai/2": "Bài 2"})
    assert diff["added"] == [{"url": "https://tin.example.vn/bai/2", "text": "Bài 2"}] and diff["removed"] == []


def test_keywords_with_marks_match_only_with_them_and_without_marks_match_both() -> None:
    texts = ["Cảnh báo LỪA ĐẢO qua mạng", "Nhóm múa dân gian"]
    assert set(keyword_hits(["lừa đảo", "lua dao", "mua", "múa", "lửa"], texts)) == {"lừa đảo", "lua dao", "mua", "múa"}
    assert keyword_hits(["múa"], ["mua sắm"]) == {}
    assert keyword_hits(["ban"], ["bạn bè"]) == {"ban": ["bạn bè"]}
    assert keyword_hits(["ban"], ["Ủy ban"]) and not keyword_hits(["ban"], ["bandit"])


def test_rss_and_atom_entries() -> None:
    rss = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Tin 1</title><link>https://a.vn/1</link><guid>g1</guid><description>&lt;b&gt;M\xe1\xbb\x99t&lt;/b&gt;</description></item>
</channel></rss>"""
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><id>urn:1</id><title>Tin A</title><link href="https://a.vn/a"/><updated>2026-01-02T03:04:05Z</updated></entry>
<entry><id>urn:2</id><title>Tin B</title><link href="https://a.vn/b"/><updated>2026-01-03T03:04:05Z</updated></entry></feed>"""
    one = feed_entries(rss)
    assert one == [{"id": "g1", "link": "https://a.vn/1", "title": "Tin 1", "summary": "Một", "published": ""}]
    two = feed_entries(atom)
    assert [e["id"] for e in two] == ["urn:1", "urn:2"] and two[1]["link"] == "https://a.vn/b"
    diff = feed_diff(two[:1], two)
    assert [e["title"] for e in diff["added"]] == ["Tin B"] and diff["removed"] == []


def _png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def test_visual_diff_percent_and_three_panels() -> None:
    before = np.full((300, 600, 3), 255, np.uint8)
    after = before.copy()
    after[0:30, 0:60] = (0, 0, 0)  # 1 % of the pixels
    info, panel = visual_diff(_png(before), _png(after))
    assert info["changed"] and abs(info["percent_changed"] - 1.0) < 0.01
    image = cv2.imdecode(np.frombuffer(panel, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (300, 600 * 3 + 16, 3)
    assert tuple(image[10, 2 * 608 + 10]) == (0, 0, 255)  # the difference panel marks it red
    same, _ = visual_diff(_png(before), _png(before))
    assert not same["changed"] and same["percent_changed"] == 0.0
