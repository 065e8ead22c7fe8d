"""Browser history and downloads from Chrome/Edge (``History``) and Firefox (``places.sqlite``).

The rows are what investigators ask for first: which URL, when (UTC), how often,
and what was downloaded where. The database is parsed in memory (never a file on
disk, see :mod:`.sqlite_memory`), with its ``-wal`` log applied when the image
has one, so recent rows not yet checkpointed are included.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from .sqlite_memory import MAX_BYTES, open_in_memory

MAX_ROWS = 20_000
_CHROME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHROME_TRANSITIONS = {0: "link", 1: "typed", 2: "auto_bookmark", 3: "auto_subframe", 4: "manual_subframe",
                       5: "generated", 6: "auto_toplevel", 7: "form_submit", 8: "reload", 9: "keyword",
                       10: "keyword_generated"}
_CHROME_DOWNLOAD_STATES = {0: "in progress", 1: "complete", 2: "cancelled", 3: "interrupted", 4: "interrupted"}
_FIREFOX_VISIT_TYPES = {1: "link", 2: "typed", 3: "bookmark", 4: "embed", 5: "redirect_permanent",
                        6: "redirect_temporary", 7: "download", 8: "framed_link", 9: "reload"}
_FIREFOX_DOWNLOAD_STATES = {0: "in progress", 1: "complete", 2: "failed", 3: "cancelled", 4: "paused"}


def browser_kind(name: bytes, head: bytes) -> str | None:
    """``chrome`` for a Chromium ``History`` database, ``firefox`` for ``places.sqlite``."""
    if not head.startswith(b"SQLite format 3\x00"):
        return None
    if name == b"History":
        return "chrome"
    if name == b"places.sqlite":
        return "firefox"
    return None


def _chrome_time(value: Any) -> str | None:
    if not value:
        return None
    try:
        return (_CHROME_EPOCH + timedelta(microseconds=int(value))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, ValueError):
        return None


def _unix_micro(value: Any) -> str | None:
    if not value:
        return None
    try:
        return (_UNIX_EPOCH + timedelta(microseconds=int(value))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, ValueError):
        return None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def parse_history(db: bytes, wal: bytes | None, kind: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows, problems) from a browser database held in memory; rows capped at MAX_ROWS."""
    problems: list[str] = []
    if len(db) + len(wal or b"") > MAX_BYTES:
        return [], [f"the database and its log are {len(db) + len(wal or b'')} bytes, over the "
                    f"{MAX_BYTES >> 20} MiB parsed in memory: not parsed (the file itself is in the vault)"]
    try:
        conn = open_in_memory(db, wal)
        conn.row_factory = sqlite3.Row
    except sqlite3.Error as exc:
        return [], [f"cannot open the database: {exc}"]
    try:
        rows = _chrome(conn) if kind == "chrome" else _firefox(conn)
    except sqlite3.Error as exc:
        return [], [f"the database cannot be read as {kind} history: {exc}"]
    finally:
        conn.close()
    if len(rows) > MAX_ROWS:
        problems.append(f"{len(rows)} rows; the first {MAX_ROWS} are kept as metadata (the database itself is in "
                        "the vault)")
        rows = rows[:MAX_ROWS]
    return rows, problems


def _chrome(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    tables = _tables(conn)
    rows: list[dict[str, Any]] = []
    if {"urls", "visits"} <= tables:
        for r in conn.execute(
                "SELECT v.id, u.url, u.title, v.visit_time, v.transition, u.visit_count, u.typed_count"
                " FROM visits v JOIN urls u ON u.id = v.url ORDER BY v.visit_time, v.id"):
            rows.append({"browser": "chrome", "type": "visit", "time_utc": _chrome_time(r["visit_time"]),
                         "url": r["url"], "title": r["title"], "visit_count": r["visit_count"],
                         "typed_count": r["typed_count"],
                         "transition": _CHROME_TRANSITIONS.get(int(r["transition"] or 0) & 0xFF, "other")})
    if "downloads" in tables:
        chains: dict[int, str] = {}
        if "downloads_url_chains" in tables:
            for r in conn.execute("SELECT id, url FROM downloads_url_chains ORDER BY id, chain_index"):
                chains[r["id"]] = r["url"]  # the last URL of the chain is where the bytes came from
        for r in conn.execute("SELECT * FROM downloads ORDER BY start_time, id"):
            keys = r.keys()
            rows.append({"browser": "chrome", "type": "download", "time_utc": _chrome_time(r["start_time"]),
                         "end_time_utc": _chrome_time(r["end_time"]) if "end_time" in keys else None,
                         "url": chains.get(r["id"]) or (r["tab_url"] if "tab_url" in keys else None),
                         "target_path": r["target_path"] if "target_path" in keys else None,
                         "received_bytes": r["received_bytes"], "total_bytes": r["total_bytes"],
                         "state": _CHROME_DOWNLOAD_STATES.get(r["state"], str(r["state"])),
                         "referrer": r["referrer"] if "referrer" in keys else None,
                         "mime_type": r["mime_type"] if "mime_type" in keys else None})
    return rows


def _firefox(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    import json

    tables = _tables(conn)
    rows: list[dict[str, Any]] = []
    if {"moz_places", "moz_historyvisits"} <= tables:
        for r in conn.execute(
                "SELECT v.id, p.url, p.title, v.visit_date, v.visit_type, p.visit_count"
                " FROM moz_historyvisits v JOIN moz_places p ON p.id = v.place_id ORDER BY v.visit_date, v.id"):
            rows.append({"browser": "firefox", "type": "visit", "time_utc": _unix_micro(r["visit_date"]),
                         "url": r["url"], "title": r["title"], "visit_count": r["visit_count"],
                         "transition": _FIREFOX_VISIT_TYPES.get(r["visit_type"], str(r["visit_type"]))})
    if {"moz_annos", "moz_anno_attributes", "moz_places"} <= tables:
        downloads: dict[int, dict[str, Any]] = {}
        for r in conn.execute(
                "SELECT a.place_id, n.name, a.content, a.dateAdded, p.url FROM moz_annos a"
                " JOIN moz_anno_attributes n ON n.id = a.anno_attribute_id JOIN moz_places p ON p.id = a.place_id"
                " WHERE n.name LIKE 'downloads/%' ORDER BY a.place_id"):
            row = downloads.setdefault(r["place_id"], {"browser": "firefox", "type": "download", "url": r["url"],
                                                       "time_utc": _unix_micro(r["dateAdded"])})
            if r["name"] == "downloads/destinationFileURI":
                row["target_path"] = r["content"]
            elif r["name"] == "downloads/metaData":
                try:
                    meta = json.loads(r["content"])
                except (TypeError, ValueError):
                    continue
                row["state"] = _FIREFOX_DOWNLOAD_STATES.get(meta.get("state"), str(meta.get("state")))
                row["total_bytes"] = meta.get("fileSize")
                if meta.get("endTime"):
                    row["end_time_utc"] = _unix_micro(int(meta["endTime"]) * 1000)
        rows.extend(downloads.values())
    return rows
