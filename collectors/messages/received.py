"""The route a message took: its ``Received:`` headers as a hop table.

Each server that handles a message adds a ``Received:`` header on top, so the
bottom header is the first hop and the top one the last. Only headers added by
servers the examiner trusts (typically the recipient's own mail servers) can be
relied on; everything below the first header not added by a trusted server could
have been written by the sender and is marked ``claimed``. With no trusted server
named, no hop is assessed (``unassessed``) rather than guessed.

Hop fields follow RFC 5321 section 4.4 (``from``, ``by``, ``via``, ``with``,
``id``, ``for``, then ``;`` and the date); the raw header is kept beside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .headers import decode_value, parse_date

CLAUSES = ("from", "by", "via", "with", "id", "for")
_CLAUSE = re.compile(r"(?:^|\s)(from|by|via|with|id|for)\s+", re.IGNORECASE)
_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")


def _strip_comments(text: str) -> tuple[str, list[str]]:
    """Text outside parentheses and the comments themselves (nested comments kept whole)."""
    outside, comments, depth, current = [], [], 0, []
    for ch in text:
        if ch == "(":
            if depth:
                current.append(ch)
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth:
                current.append(ch)
            else:
                comments.append("".join(current).strip())
                current = []
                outside.append(" ")
        elif depth:
            current.append(ch)
        else:
            outside.append(ch)
    return "".join(outside), comments


def parse_received(raw: str) -> dict[str, Any]:
    """One ``Received:`` header split into its clauses, with the addresses and the time it states."""
    text, _ = decode_value(raw)
    body, _, when = text.rpartition(";")
    if not body:
        body, when = text, ""
    hop: dict[str, Any] = {k: None for k in CLAUSES}
    # Clause boundaries are found outside comments, so "(Postfix) with ESMTP" is read right.
    plain, _ = _strip_comments(body)
    matches = list(_CLAUSE.finditer(plain))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(plain)
        value = " ".join(plain[match.end():end].split())
        key = match.group(1).lower()
        if hop[key] is None and value:
            hop[key] = value
    # The comments after "from" and "by" hold the looked-up name and the IP address the server saw.
    hop["from_detail"] = _detail(body, "from")
    hop["by_detail"] = _detail(body, "by")
    ips = _IP.findall(hop["from_detail"] or "") or _IP.findall(hop["from"] or "")
    hop["from_ip"] = ips[0] if ips else None
    date, problem = parse_date(when.strip() or None)
    hop["time"] = date["date"]
    hop["time_text"] = date["date_header"]
    hop["utc_offset"] = date["utc_offset"]
    hop["time_problem"] = problem if when.strip() else "no date after ';'"
    hop["raw"] = text
    return hop


def _detail(body: str, clause: str) -> str | None:
    """The comment right after a clause's host name: ``from a.example (b.example [192.0.2.1])``."""
    match = re.search(rf"(?:^|\s){clause}\s+\S+\s*\(", body, re.IGNORECASE)
    if not match:
        return None
    start, depth = match.end(), 1
    for index in range(start, len(body)):
        if body[index] == "(":
            depth += 1
        elif body[index] == ")":
            depth -= 1
            if depth == 0:
                return " ".join(body[start:index].split())
    return None


def _host_matches(host: str | None, trusted: Iterable[str]) -> bool:
    if not host:
        return False
    name = host.split()[0].strip("[]").lower().rstrip(".")
    for pattern in trusted:
        p = pattern.lower().strip().rstrip(".")
        if p and (name == p or name.endswith("." + p.lstrip("*."))):
            return True
    return False


def hop_table(values: list[str], trusted_hosts: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Hops from first (the bottom header) to last, with time gaps and the trust assessment.

    ``trust``: ``trusted`` (added by a server the examiner marked trusted, above any
    untrusted one), ``claimed`` (below that boundary: may have been written by the
    sender), ``unassessed`` (no trusted server was named).
    """
    trusted = [t for t in trusted_hosts if t.strip()]
    parsed = [parse_received(v) for v in values]  # top (last hop) first
    trust: list[str] = []
    boundary_open = True
    for hop in parsed:
        if not trusted:
            trust.append("unassessed")
        elif boundary_open and _host_matches(hop["by"], trusted):
            trust.append("trusted")
        else:
            boundary_open = False
            trust.append("claimed")
    hops: list[dict[str, Any]] = []
    previous: datetime | None = None
    for number, (hop, mark) in enumerate(zip(reversed(parsed), reversed(trust), strict=True), start=1):
        moment = datetime.fromisoformat(hop["time"].replace("Z", "+00:00")) if hop["time"] else None
        gap = int((moment - previous).total_seconds()) if moment and previous else None
        row = {"hop": number, **hop, "gap_seconds": gap, "trust": mark}
        if gap is not None and gap < 0:
            row["note"] = f"this hop's time is {-gap} s before the previous hop's (clocks differ, or a header was altered)"
        hops.append(row)
        previous = moment or previous
    return hops
