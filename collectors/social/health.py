"""Reader health: every reader run on the corpus of real saved pages, compared with the facts read by hand.

The corpus (``pages/``, ``facts.json``, ``README.md`` with each page's origin
and licence) lives in the repository (``fixtures/social`` in a source
checkout; inside a bundle, ``social-corpus`` beside the code) or
wherever ``FORENSICS_SOCIAL_CORPUS`` points. Per platform a field is *read*
when the record holds the hand-read value; a platform reads *fully* when every
checked field of every page is read, *partly* when some are, *not* when none.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .extract import read_post
from .page import PageDocument

READ_AT = datetime(2026, 12, 1, tzinfo=UTC)  # a fixed reading time: relative dates resolve the same every run


def corpus_folder() -> Path | None:
    """Where the corpus is, or None when this installation has none."""
    candidates = []
    if os.environ.get("FORENSICS_SOCIAL_CORPUS"):
        candidates.append(Path(os.environ["FORENSICS_SOCIAL_CORPUS"]))
    if getattr(sys, "frozen", False):
        candidates.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "social-corpus")
    root = Path(__file__).resolve().parents[2]
    candidates.append(root / "fixtures" / "social")
    return next((c for c in candidates if (c / "facts.json").is_file()), None)


@dataclass
class PageResult:
    page: str
    platform: str
    checked: dict[str, bool] = field(default_factory=dict)  # field → read right
    got: dict[str, Any] = field(default_factory=dict)  # what the reader recorded, for the mismatches

    @property
    def right(self) -> int:
        return sum(self.checked.values())


def check_page(folder: Path, name: str, facts: dict[str, Any]) -> PageResult:
    """``facts["page"]`` names the saved file when one page is read for several posts (a channel's preview)."""
    path = folder / "pages" / facts.get("page", name)
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    doc = PageDocument(facts["url"], facts["url"], raw.decode("utf-8", "replace"), READ_AT, "UTC")
    return check_record(read_post(doc)[0].to_json(), name, facts)


def check_record(record: dict[str, Any], name: str, facts: dict[str, Any]) -> PageResult:
    """A record (read here from the saved page, or by a capture of it in the browser) against the hand-read facts."""
    result = PageResult(name, facts["platform"])
    author = record["author"]
    published = (record.get("published") or {}).get("utc") or ""
    simple = {"status": record["availability"]["status"], "author_name": author["name"],
              "author_handle": author["handle"], "author_id": author["id"], "published_utc": published,
              "title": record["title"], "text": record["text"]}
    for key, got in simple.items():
        if key in facts:
            result.checked[key] = got == facts[key]
            if not result.checked[key]:
                result.got[key] = got
    if "published_day" in facts:  # the page shows a day only: the record's interval must hold that day
        result.checked["published_day"] = published[:10] <= facts["published_day"] and bool(published)
    if "text_starts" in facts:
        result.checked["text"] = record["text"].startswith(facts["text_starts"])
        if not result.checked["text"]:
            result.got["text"] = record["text"][:120]
    for name_, value in (facts.get("counts") or {}).items():
        got_count = (record["counts"].get(name_) or {}).get("value")
        result.checked[f"counts.{name_}"] = got_count == value
        if got_count != value:
            result.got[f"counts.{name_}"] = got_count
    if facts.get("media_post") is not None:
        own = [m for m in record["media"] if m["role"] in ("post", "")]
        result.checked["media_post"] = len(own) == facts["media_post"]
        if not result.checked["media_post"]:
            result.got["media_post"] = [m["url"][:80] for m in own]
    if "media_duration_seconds" in facts:  # the lengths the page shows for the post's videos
        lengths = [m["duration_seconds"] for m in record["media"] if m["type"] == "video"]
        result.checked["media_duration"] = lengths == facts["media_duration_seconds"]
        if not result.checked["media_duration"]:
            result.got["media_duration"] = lengths
    if "comments_shown" in facts:
        result.checked["comments_shown"] = record["comments_count"] == facts["comments_shown"]
    return result


def run(folder: Path | None = None) -> list[PageResult]:
    folder = folder or corpus_folder()
    if folder is None:
        return []
    facts = json.loads((folder / "facts.json").read_text("utf-8"))["pages"]
    return [check_page(folder, name, page) for name, page in facts.items()]


def by_platform(results: list[PageResult]) -> dict[str, dict[str, Any]]:
    """Per platform: pages, fields checked and read, and fully / partly / not."""
    out: dict[str, dict[str, Any]] = {}
    for result in results:
        entry = out.setdefault(result.platform, {"pages": 0, "checked": 0, "right": 0, "fields": {}})
        entry["pages"] += 1
        entry["checked"] += len(result.checked)
        entry["right"] += result.right
        for key, ok in result.checked.items():
            seen = entry["fields"].setdefault(key, [0, 0])
            seen[0] += int(ok)
            seen[1] += 1
    for entry in out.values():
        entry["state"] = "fully" if entry["right"] == entry["checked"] else "partly" if entry["right"] else "not"
    return out
