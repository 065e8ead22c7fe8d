"""Reading what the proxy recorded: headers as sent, the redirect chain, servers contacted.

Everything here comes from the raw bytes the server sent (the WARC's view),
not from the browser's, so the provenance says what was on the wire.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag, urljoin


def parse_head(raw: str) -> tuple[str, int | None, list[list[str]]]:
    """Status line, status code and headers (in order, duplicates kept) of a raw response head."""
    lines = raw.split("\r\n\r\n", 1)[0].split("\r\n")
    status_line = lines[0] if lines else ""
    try:
        code: int | None = int(status_line.split()[1])
    except (IndexError, ValueError):
        code = None
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append([name.strip(), value.strip()])
    return status_line, code, headers


def header(headers: list[list[str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name.lower()), "")


def _strip(url: str) -> str:
    return urldefrag(url)[0]


def find_exchange(exchanges: list[dict[str, Any]], url: str,
                  used: frozenset[int] | set[int] = frozenset()) -> tuple[int, dict[str, Any] | None]:
    """The earliest-started GET of ``url`` not in ``used`` (its index and itself).

    The proxy records an exchange when it ends, so the journal is in order of completion: on a busy machine the
    next hop of a redirect can be recorded before the hop that sent the browser to it. The exchange's timestamp
    (when its fetch began) orders them as they happened; the index breaks ties.
    """
    target = _strip(url)
    matches = [(exchange["timestamp"], index) for index, exchange in enumerate(exchanges)
               if index not in used and exchange["method"] == "GET" and _strip(exchange["url"]) == target]
    if not matches:
        return -1, None
    index = min(matches)[1]
    return index, exchanges[index]


def redirect_chain(exchanges: list[dict[str, Any]], start: str, limit: int) -> dict[str, Any]:
    """Follow Location headers from ``start`` through the recorded exchanges, each exchange used once."""
    hops: list[dict[str, Any]] = []
    url, used, seen = start, set[int](), set[str]()
    loop = False
    while True:
        position, exchange = find_exchange(exchanges, url, used)
        if exchange is None:
            return {"hops": hops, "final_url": url, "final": None, "loop": loop, "too_many": False}
        used.add(position)
        status_line, code, headers = parse_head(exchange["raw_head"])
        hop = {"url": exchange["url"], "status": code, "status_line": status_line,
               "remote": f"{exchange['remote_ip']}:{exchange['remote_port']}", "at": exchange["timestamp"]}
        location = header(headers, "location")
        if code is not None and 300 <= code < 400 and location:
            hop["location"] = location
            hops.append(hop)
            key = _strip(exchange["url"])
            if key in seen:
                loop = True
            seen.add(key)
            if len(hops) > limit:
                return {"hops": hops, "final_url": exchange["url"], "final": None, "loop": loop, "too_many": True}
            url = urljoin(exchange["url"], location)
            continue
        return {"hops": hops, "final_url": exchange["url"], "final": exchange, "loop": loop, "too_many": False}


def servers(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every server contacted: host, IP address and port, with how many responses came from it."""
    table: dict[tuple[str, str, Any], dict[str, Any]] = {}
    for exchange in exchanges:
        from urllib.parse import urlsplit

        host = urlsplit(exchange["url"]).hostname or ""
        key = (host, exchange["remote_ip"], exchange["remote_port"])
        row = table.setdefault(key, {"host": host, "ip": exchange["remote_ip"], "port": exchange["remote_port"],
                                     "responses": 0, "bytes": 0})
        row["responses"] += 1
        row["bytes"] += exchange["size"] or 0
    return sorted(table.values(), key=lambda r: (r["host"], r["ip"], r["port"] or 0))


def extract_body(warc: Any, offset: int, target: Any) -> int:
    """The entity body of one response record (transfer and content encodings undone), as a user would save it."""
    from warcio.archiveiterator import ArchiveIterator

    from . import warcio_compat  # noqa: F401 (brotli bodies)

    with warc.open() as handle:  # a sealed file (see .staging)
        handle.seek(offset)
        for record in ArchiveIterator(handle):
            stream = record.content_stream()
            size = 0
            while True:
                block = stream.read(1 << 20)
                if not block:
                    return size
                target.write(block)
                size += len(block)
    return 0
