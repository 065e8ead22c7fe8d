"""What changed between two checks of a watch: text, links, screenshots, social records, feed entries.

Pure functions of two captures' parts (no vault): each returns a JSON-ready
result with the rule that produced it, so the stored change item says how it was
decided. Text is compared word by word after the watch's include/exclude CSS
selectors and ignore patterns, in Unicode NFC (a Vietnamese word typed with
combining tone marks is the same word as its precomposed form; a changed tone
mark is a changed word). Screenshots are compared with OpenCV.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

TEXT_RULE = "word-level diff (difflib) of the visible text, NFC, whitespace collapsed"
LINK_RULE = "set difference of the absolute link targets (fragment removed) in the watched part of the page"
VISUAL_RULE = "OpenCV absdiff of the screenshots scaled to one width; a pixel counts when a channel moved by more than {t}"
SOCIAL_RULE = "post text, counts and comments (by id, else author + text) of the two social records"
FEED_RULE = "entries (by id, else link) of the two RSS/Atom documents, read by feedparser"
_DROP = ("script", "style", "noscript", "template", "svg")
_BLOCKS = frozenset(("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
                     "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
                     "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead",
                     "tr", "ul"))
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Focus:
    """What part of a page counts for a watch."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()  # regular expressions removed from the text before comparing

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Focus:
        return cls(tuple(config.get("include") or ()), tuple(config.get("exclude") or ()),
                   tuple(config.get("ignore") or ()))


def check_focus(focus: Focus) -> None:
    """Bad selectors or patterns fail when the watch is added, not at its first check."""
    from cssselect import GenericTranslator, SelectorError

    from evidence_store import UsageError

    for selector in (*focus.include, *focus.exclude):
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as exc:
            raise UsageError(f"invalid CSS selector {selector!r}: {exc}",
                             message_vi=f"bộ chọn CSS không hợp lệ {selector!r}: {exc}") from None
    for pattern in focus.ignore:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"invalid ignore pattern {pattern!r}: {exc}",
                             message_vi=f"mẫu bỏ qua không hợp lệ {pattern!r}: {exc}") from None


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _roots(html: str, focus: Focus) -> list[Any]:
    import lxml.html

    if not html.strip():
        return []
    doc = lxml.html.document_fromstring(html)
    for bad in doc.xpath("|".join(f"//{tag}" for tag in _DROP)):
        bad.drop_tree()
    for selector in focus.exclude:
        for element in doc.cssselect(selector):
            if element.getparent() is not None:
                element.drop_tree()
    if focus.include:
        return [e for selector in focus.include for e in doc.cssselect(selector)]
    body = doc.find("body")
    return [body if body is not None else doc]


def page_text(html: str, focus: Focus) -> str:
    """The watched part's visible text, normalised, with ignore patterns removed."""
    text = normalise(" ".join(_visible_text(root) for root in _roots(html, focus)))
    for pattern in focus.ignore:
        text = re.sub(pattern, " ", text)
    return normalise(text)


def _visible_text(root: Any) -> str:
    """Text as a reader sees it: block elements apart, inline ones run together (``<b>chuy</b>ển`` is one word)."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        block = isinstance(element.tag, str) and element.tag.lower() in _BLOCKS
        if block:
            parts.append(" ")
        if isinstance(element.tag, str) and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" ")

    try:
        walk(root)
    except RecursionError:  # a pathologically deep page: its text without block separation
        return str(root.text_content())
    return "".join(parts)


def page_links(html: str, base: str, focus: Focus) -> dict[str, str]:
    """Absolute link target -> its text, in the watched part of the page."""
    links: dict[str, str] = {}
    for root in _roots(html, focus):
        for anchor in root.iter("a"):
            href = (anchor.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
                continue
            target = urldefrag(urljoin(base, href))[0]
            links.setdefault(target, normalise(anchor.text_content())[:300])
    return links


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def text_diff(old: str, new: str) -> dict[str, Any]:
    """Word operations (equal runs shortened to their ends) and counts; ``changed`` False when equal."""
    a, b = words(old), words(new)
    ops: list[list[Any]] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            run = a[i1:i2]
            ops.append(["equal", " ".join(run) if len(run) <= 24 else " ".join(run[:10]) + " … " + " ".join(run[-10:])])
            continue
        if tag in ("delete", "replace"):
            ops.append(["delete", " ".join(a[i1:i2])])
            removed += i2 - i1
        if tag in ("insert", "replace"):
            ops.append(["insert", " ".join(b[j1:j2])])
            added += j2 - j1
    return {"changed": bool(added or removed), "words_added": added, "words_removed": removed,
            "words_before": len(a), "words_after": len(b), "ops": ops, "rule": TEXT_RULE}


def link_diff(old: dict[str, str], new: dict[str, str]) -> dict[str, Any]:
    added = [{"url": u, "text": new[u]} for u in new if u not in old]
    gone = [{"url": u, "text": old[u]} for u in old if u not in new]
    return {"changed": bool(added or gone), "added": added, "removed": gone, "rule": LINK_RULE}


def visual_diff(old_png: bytes, new_png: bytes, *, threshold: int = 24, width: int = 600,
                max_height: int = 4000) -> tuple[dict[str, Any], bytes]:
    """Percent of pixels changed and a three-panel PNG (previous | current | difference in red)."""
    import cv2
    import numpy as np

    def load(data: bytes) -> Any:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("not a readable image")
        scale = width / image.shape[1]
        image = cv2.resize(image, (width, max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
        return image[:max_height]

    before, after = load(old_png), load(new_png)
    height = max(before.shape[0], after.shape[0])

    def pad(image: Any) -> Any:
        return cv2.copyMakeBorder(image, 0, height - image.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))

    before, after = pad(before), pad(after)
    moved = cv2.absdiff(before, after).max(axis=2) > threshold
    percent = float(moved.mean() * 100.0)
    marked = (after * 0.35 + 165).astype(np.uint8)
    marked[moved] = (0, 0, 255)
    gap = np.full((height, 8, 3), 128, np.uint8)
    ok, png = cv2.imencode(".png", np.hstack([before, gap, after, gap, marked]))
    if not ok:
        raise ValueError("the difference image could not be encoded")
    return ({"changed": percent > 0.0, "percent_changed": round(percent, 3), "threshold": threshold,
             "compared_width": width, "compared_height": height, "rule": VISUAL_RULE.format(t=threshold)},
            png.tobytes())


def _comment_key(comment: dict[str, Any]) -> str:
    if comment.get("id"):
        return "id:" + str(comment["id"])
    author = comment.get("author") or {}
    return "at:" + str(author.get("handle") or author.get("name") or "") + "|" + normalise(str(comment.get("text")))


def social_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New, edited and vanished comments; post text edits; count changes."""
    before = {_comment_key(c): c for c in old.get("comments") or []}
    after = {_comment_key(c): c for c in new.get("comments") or []}
    added = [_short(after[k]) for k in after if k not in before]
    vanished = [_short(before[k]) for k in before if k not in after]
    edited = [{"id": after[k].get("id"), "before": before[k].get("text"), "after": after[k].get("text")}
              for k in after if k in before and k.startswith("id:")
              and normalise(str(before[k].get("text"))) != normalise(str(after[k].get("text")))]
    counts = {}
    for name in sorted(set(old.get("counts") or {}) | set(new.get("counts") or {})):
        x = ((old.get("counts") or {}).get(name) or {}).get("value")
        y = ((new.get("counts") or {}).get(name) or {}).get("value")
        if x != y:
            counts[name] = {"before": x, "after": y}
    text = None
    if normalise(str(old.get("text") or "")) != normalise(str(new.get("text") or "")):
        text = text_diff(normalise(str(old.get("text") or "")), normalise(str(new.get("text") or "")))
    changed = bool(added or vanished or edited or counts or text)
    return {"changed": changed, "post_edited": text, "comments_added": added, "comments_vanished": vanished,
            "comments_edited": edited, "counts": counts, "rule": SOCIAL_RULE}


def _short(comment: dict[str, Any]) -> dict[str, Any]:
    author = comment.get("author") or {}
    return {"id": comment.get("id"), "author": author.get("name") or author.get("handle") or "",
            "text": str(comment.get("text") or "")[:500]}


def feed_entries(body: bytes) -> list[dict[str, str]]:
    import feedparser

    parsed = feedparser.parse(body)
    out = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "")
        out.append({"id": str(entry.get("id") or link), "link": link, "title": normalise(str(entry.get("title") or "")),
                    "summary": normalise(re.sub(r"<[^>]+>", " ", str(entry.get("summary") or "")))[:2000],
                    "published": str(entry.get("published") or entry.get("updated") or "")})
    return out


def feed_diff(old: Sequence[dict[str, str]], new: Sequence[dict[str, str]]) -> dict[str, Any]:
    before = {e["id"] for e in old}
    after = {e["id"] for e in new}
    added = [e for e in new if e["id"] not in before]
    gone = [e for e in old if e["id"] not in after]
    return {"changed": bool(added or gone), "added": added, "removed": gone, "rule": FEED_RULE}


def keyword_hits(keywords: Sequence[str], texts: Sequence[str]) -> dict[str, list[str]]:
    """Keywords found in new text, whole words, case-insensitive, with snippets. A keyword typed with Vietnamese
    marks matches only with those marks (``múa`` is not ``mua``); one typed without marks matches either way."""
    from .entity_rules import plain

    found: dict[str, list[str]] = {}
    for keyword in keywords:
        key = normalise(keyword)
        if not key:
            continue
        marked = plain(key) != key.lower()
        pattern = re.compile(r"(?<!\w)" + re.escape(key.lower() if marked else plain(key)) + r"(?!\w)")
        for text in texts:
            text = normalise(text)
            hay = text.lower() if marked else plain(text)
            match = pattern.search(hay)
            if match:
                found.setdefault(keyword, []).append(text[max(0, match.start() - 60):match.end() + 60])
    return found
