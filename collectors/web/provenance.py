"""The provenance record of one capture, and the summary kept on the capture item.

It answers LEGAL.md's questions from data the tool recorded itself: what was
asked and what was reached (redirects with status), what the server said
(status line and headers of the main document, server IPs and ports, TLS
chains, DNS answers), what the page declared (title, Open Graph, Twitter card,
JSON-LD, links), with what (browser, user agent, viewport, tool and its code
hash), by whom, where and when (UTC, measured clock offset).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from evidence_store.hashing import hash_stream

from .exchanges import parse_head, servers
from .state import CaptureFile

FORMAT = "forensics-toolkit/web-capture-provenance/1"

#: Warning codes that mean the capture is partial (the rest are facts worth noting).
PARTIAL: set[str] = {
    "load_timeout", "redirect_loop", "network_not_idle", "scroll_time_limit", "scroll_height_limit", "page_cut",
    "response_truncated", "requests_failed", "requests_cut", "requests_blocked", "download_failed", "tls_not_verified",
    "navigation_error", "snapshot_failed", "behaviour_failed",
}


def register_partial_codes(*codes: str) -> None:
    """Warning codes of an extension (the social capture's login wall …) that also make a capture partial."""
    PARTIAL.update(codes)


def file_sha256(file: Any) -> str:
    """SHA-256 of a :class:`.state.CaptureFile` (in the memory folder or sealed)."""
    with file.open() as handle:
        return hash_stream(handle, ("sha256",))["sha256"]


def build_provenance(*, requested: str, chain: dict[str, Any], journal: Any, resolver: Any, dns: dict[str, Any],
                     page: dict[str, Any], browser: dict[str, Any], context: dict[str, Any],
                     environment: dict[str, Any], options: dict[str, Any], started_at: str, ended_at: str,
                     events: list[dict[str, Any]], facts: dict[str, Any], files: list[CaptureFile],
                     warnings: list[Any], mode: str, changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    final = chain.get("final")
    main: dict[str, Any] = {}
    if final is not None:
        status_line, code, headers = parse_head(final["raw_head"])
        main = {"url": final["url"], "status": code, "status_line": status_line, "headers": headers,
                "remote_ip": final["remote_ip"], "remote_port": final["remote_port"],
                "content_type": final["content_type"], "size_on_wire": final["size"],
                "payload_digest": final["payload_digest"], "warc_record_id": final["response_record"]["id"],
                "received_at": final["timestamp"]}
    hosts = sorted({urlsplit(e["url"]).hostname or "" for e in journal.exchanges} | set(resolver.answers))
    exchanges = [{k: v for k, v in e.items() if k != "raw_head"} | {"status_line": parse_head(e["raw_head"])[0]}
                 for e in journal.exchanges]
    return {
        "format": FORMAT,
        "requested_url": requested,
        "final_url": chain.get("final_url", requested),
        "mode": mode,
        "complete": not any(w.code in PARTIAL for w in warnings),
        "redirects": chain.get("hops", []),
        "redirect_loop": bool(chain.get("loop") or chain.get("too_many")),
        "main_document": main,
        "http_status": main.get("status"),
        "servers": servers(journal.exchanges),
        "tls": journal.tls,
        "dns": {"resolved_by_proxy": {h: a.to_json() for h, a in resolver.answers.items()},
                "dns_servers": dns, "hosts_seen": hosts},
        "page": page,
        "browser": browser,
        "emulation": context,
        "capture_options": options,
        "environment": environment,
        "started_at": started_at,
        "ended_at": ended_at,
        "time_zone": "UTC",
        "events": events,
        "behaviours": facts.get("behaviours_run", []),
        "scroll": facts.get("scroll", {}),
        "account": facts.get("account"),  # the login profile's account, set by whoever loaded the profile
        "timings_ms": facts.get("timings_ms", {}),
        "failed_requests": journal.failures,
        "exchanges": exchanges,
        "artifacts": [{"kind": f.kind, "name": f.name, "media_type": f.media_type,
                       "size": f.size(), "sha256": file_sha256(f)} for f in files],
        "warnings": [w.to_json() for w in warnings],
        # what the collection itself changed in the evidence it wrote (none: an empty list)
        "changes_made_by_collection": list(changes or []),
        "method": ("Chromium driven by Playwright in a fresh browser context; all traffic through a recording "
                   "proxy on 127.0.0.1 (warcprox) that verified origin TLS certificates and wrote the bytes as "
                   "received to the WARC; the proxy spoke HTTP/1.1 to the origin servers"),
    }


def summarise(provenance: dict[str, Any]) -> dict[str, Any]:
    """The part kept on the capture item (reports and the GUI read it without opening the JSON)."""
    main = provenance.get("main_document", {})
    page = provenance.get("page", {})
    tls = {endpoint: {"protocol": t.get("protocol"), "cipher": t.get("cipher"), "verified": t.get("verified"),
                      "error": t.get("verification_error"),
                      "leaf_sha256": (t.get("chain") or [{}])[0].get("sha256_fingerprint"),
                      "leaf_subject": (t.get("chain") or [{}])[0].get("subject"),
                      "leaf_issuer": (t.get("chain") or [{}])[0].get("issuer"),
                      "leaf_not_before": (t.get("chain") or [{}])[0].get("not_before"),
                      "leaf_not_after": (t.get("chain") or [{}])[0].get("not_after")}
           for endpoint, t in provenance.get("tls", {}).items()}
    env = provenance.get("environment", {})
    return {
        "format": provenance["format"],
        "requested_url": provenance["requested_url"],
        "final_url": provenance["final_url"],
        "mode": provenance["mode"],
        "complete": provenance["complete"],
        "http_status": provenance.get("http_status"),
        "status_line": main.get("status_line"),
        "content_type": main.get("content_type"),
        "redirects": [{"url": h["url"], "status": h["status"], "location": h.get("location")}
                      for h in provenance.get("redirects", [])],
        "redirect_loop": provenance.get("redirect_loop"),
        "title": page.get("title", ""),
        "servers": [f"{s['host']} {s['ip']}:{s['port']}" for s in provenance.get("servers", [])],
        "tls": tls,
        "browser": provenance.get("browser", {}).get("version"),
        "user_agent": provenance.get("emulation", {}).get("user_agent"),
        "viewport": provenance.get("emulation", {}).get("viewport"),
        "device": provenance.get("emulation", {}).get("device"),
        "tool": env.get("tool"),
        "examiner": env.get("examiner"),
        "account": provenance.get("account"),
        "workstation": (env.get("host") or {}).get("hostname"),
        "clock": env.get("clock"),
        "started_at": provenance["started_at"],
        "ended_at": provenance["ended_at"],
        "warnings": [w["code"] for w in provenance.get("warnings", [])],
        "changes_made_by_collection": [{"change": c["change"], "en": c["en"], "vi": c["vi"]}
                                       for c in provenance.get("changes_made_by_collection", [])],
    }
