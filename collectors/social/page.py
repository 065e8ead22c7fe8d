"""The page as the extractors see it: the rendered DOM after expansion, plus helpers every platform needs.

Extraction reads the HTML the browser rendered (the same DOM the snapshot keeps),
so it is a pure function of that text: testable without a browser, repeatable
by anyone from the stored ``html`` item. Helpers cover what all platforms have
in common: embedded JSON (``<script type="application/json">``, ``var x = {...};``),
times shown as text, counts shown as "1,2K", hashtags and mentions in text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeAlias
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
from lxml.cssselect import CSSSelector

from .counts import parse_count
from .post_record import Count, TimeValue
from .timeparse import parse_time

NOT_UNDERSTOOD = ("not understood: kept as shown", "không đọc được: giữ nguyên như trang hiển thị")
Element: TypeAlias = Any  # lxml.html.HtmlElement (lxml ships no type information)


@dataclass
class PageDocument:
    url: str  # what was asked for
    final_url: str  # where the browser ended up
    html: str
    captured_at: datetime  # when the DOM was read (aware, UTC)
    zone: str  # the browser's time zone: wall-clock times on the page are in it
    extras: dict[str, Any] = field(default_factory=dict)  # fetched alongside the page (oEmbed answer)
    _selectors: dict[str, CSSSelector] = field(default_factory=dict, repr=False)

    @cached_property
    def tree(self) -> Element:
        return lxml.html.document_fromstring(self.html or "<html></html>")

    # -- DOM ---------------------------------------------------------------------------------------------
    def select(self, css: str, root: Element | None = None) -> list[Element]:
        selector = self._selectors.get(css)
        if selector is None:
            selector = self._selectors[css] = CSSSelector(css, translator="html")
        if root is None:
            return list(selector(self.tree))
        return [e for e in selector(root) if e is not root]  # descendants only (cssselect includes the root)

    def first(self, css: str, root: Element | None = None) -> Element | None:
        found = self.select(css, root)
        return found[0] if found else None

    def text(self, css: str, root: Element | None = None) -> str:
        node = self.first(css, root)
        return text_of(node) if node is not None else ""

    def attr(self, css: str, name: str, root: Element | None = None) -> str:
        node = self.first(css, root)
        return str(node.get(name) or "") if node is not None else ""

    def absolute(self, href: str) -> str:
        return urljoin(self.final_url or self.url, href) if href else ""

    def meta(self, key: str) -> str:
        """``<meta property|name|itemprop=key content=…>``."""
        for attr in ("property", "name", "itemprop"):
            node = self.first(f'meta[{attr}="{key}"]')
            if node is not None and node.get("content"):
                return str(node.get("content"))
        return ""

    @cached_property
    def visible_text(self) -> str:
        body = self.first("body")
        return text_of(body) if body is not None else ""

    # -- embedded data ----------------------------------------------------------------------------------
    def json_scripts(self, css: str = 'script[type="application/json"]') -> Iterator[Any]:
        for node in self.select(css):
            raw = node.text or ""
            if not raw.strip():
                continue
            try:
                yield json.loads(raw)
            except ValueError:
                continue

    def assigned_json(self, name: str) -> Any:
        """``var name = {...};`` / ``window["name"] = {...};`` in an inline script (YouTube's ytInitialData)."""
        pattern = re.compile(r"(?:var\s+|window\[\"|window\.)" + re.escape(name) + r"\"?\]?\s*=\s*")
        for node in self.select("script"):
            raw = node.text or ""
            match = pattern.search(raw)
            if match is None:
                continue
            try:
                value, _end = json.JSONDecoder().raw_decode(raw, match.end())
            except ValueError:
                continue
            return value
        return None

    # -- values ------------------------------------------------------------------------------------------
    def time(self, shown: str, source: str = "shown text") -> TimeValue | None:
        shown = " ".join((shown or "").split())
        if not shown:
            return None
        parsed = parse_time(shown, self.captured_at, self.zone)
        if parsed is None:
            return TimeValue(None, shown, NOT_UNDERSTOOD[0], None, source, NOT_UNDERSTOOD[1])
        return TimeValue(parsed.utc, shown, parsed.rule, parsed.precision_seconds, source, parsed.rule_vi)

    def exact_time(self, value: str | int | float | None, source: str) -> TimeValue | None:
        """A machine-readable time (ISO 8601 attribute, Unix epoch in embedded data)."""
        if value in (None, "", 0):
            return None
        text = str(int(value)) if isinstance(value, (int, float)) else str(value).strip()
        parsed = parse_time(text, self.captured_at, self.zone)
        if parsed is None:
            return TimeValue(None, text, NOT_UNDERSTOOD[0], None, source, NOT_UNDERSTOOD[1])
        return TimeValue(parsed.utc, text, parsed.rule, parsed.precision_seconds, source, parsed.rule_vi)

    def count(self, shown: str, source: str = "shown text") -> Count | None:
        shown = " ".join((shown or "").split())
        parsed = parse_count(shown)
        if parsed is None:
            return None
        value, approximate = parsed
        return Count(value, shown, approximate, source)


def exact_count(value: Any, source: str) -> Count | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return Count(number, str(value), False, source)


def text_of(node: Element | None) -> str:
    """Text as a reader sees it: white space collapsed as browsers do, line breaks at <br> and block ends."""
    if node is None:
        return ""
    parts: list[str] = []

    def add(text: str | None) -> None:
        if text:
            parts.append(re.sub(r"\s+", " ", text))

    def walk(el: Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "template", "noscript"):
            return
        if tag == "br":
            parts.append("\n")
        if tag == "img" and el.get("alt") and len(el.get("alt") or "") <= 4:  # emoji drawn as images
            parts.append(el.get("alt") or "")
        if tag in BLOCKS:
            parts.append("\n")
        if tag:
            add(el.text)
        for child in el:
            walk(child)
            add(child.tail)
        if tag in BLOCKS:
            parts.append("\n")

    walk(node)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line).strip()


def preformatted_text(node: Element | None) -> str:
    """Text of an element the platform lays out inline with ``white-space: pre-wrap`` (X's post text): every
    child is part of the line (a mention wrapped in a ``<div>`` stays inline), spaces and line breaks are kept
    as written, ``<br>`` is a line break, emoji drawn as images keep their ``alt``."""
    if node is None:
        return ""
    parts: list[str] = []

    def walk(el: Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "template", "noscript"):
            return
        if tag == "br":
            parts.append("\n")
        if tag == "img" and el.get("alt") and len(el.get("alt") or "") <= 4:
            parts.append(el.get("alt") or "")
        if tag and el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node)
    return "".join(parts).strip()


BLOCKS = frozenset(("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
                    "article", "header", "footer", "tr", "table", "pre"))


def walk_json(value: Any) -> Iterator[dict[str, Any]]:
    """Every dictionary inside a JSON value, depth first (embedded data is deeply nested)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend(reversed(current))


def dom_id(text: str) -> str:
    """A stable id for a comment whose platform shows none: a digest of its text as rendered."""
    return "dom-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def query_param(url: str, name: str) -> str:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else ""


def without_tracking(url: str, keep: tuple[str, ...] = ()) -> str:
    """A profile or post address without the platform's tracking parameters (``__cft__``, ``comment_id`` …)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    kept = "&".join(f"{k}={v[0]}" for k, v in query.items() if k in keep)
    return parts._replace(query=kept, fragment="").geturl()


HASHTAG = re.compile(r"(?<![\w&/])#([^\s#@.,;:!?()\[\]{}\"'“”]+)")
MENTION = re.compile(r"(?<![\w/])@([A-Za-z0-9_.]{2,30})")
LINK = re.compile(r"https?://[^\s<>\"'“”]+")


def hashtags(text: str) -> list[str]:
    return list(dict.fromkeys("#" + m.rstrip(".,") for m in HASHTAG.findall(text)))


def mentions(text: str) -> list[str]:
    return list(dict.fromkeys("@" + m.rstrip(".") for m in MENTION.findall(text)))


def links(text: str) -> list[str]:
    return list(dict.fromkeys(m.rstrip(".,)") for m in LINK.findall(text)))


def best_from_srcset(srcset: str) -> str:
    """The widest candidate of a ``srcset`` ("a.jpg 320w, b.jpg 1080w")."""
    best, best_w = "", -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        width = 1.0
        if len(bits) > 1:
            try:
                width = float(bits[1].rstrip("wx"))
            except ValueError:
                width = 1.0
        if width > best_w:
            best, best_w = bits[0], width
    return best


def image_url(node: Element) -> str:
    """The best address of an ``<img>``: srcset's widest, else src, else the lazy-loading attributes."""
    for attr in ("srcset", "data-srcset"):
        if node.get(attr):
            return best_from_srcset(str(node.get(attr)))
    for attr in ("src", "data-src", "data-original", "data-lazy-src"):
        value = str(node.get(attr) or "")
        if value and not value.startswith("data:"):
            return value
    return ""


BACKGROUND = re.compile(r"background-image\s*:\s*url\((['\"]?)(?P<url>[^'\")]+)\1\)")


def background_url(node: Element) -> str:
    match = BACKGROUND.search(str(node.get("style") or ""))
    return match.group("url") if match else ""
