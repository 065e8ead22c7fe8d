"""Facts about how an item was acquired that more than one report prints: the tool, host and clock of a
session, and the hashes a record keeps for media left outside the vault."""

from __future__ import annotations

import json

from evidence_store import Item

from .i18n import t
from .metadata import provenance_of


def session_environment(root: Item, lang: str) -> dict[str, str]:
    """Tool, host and clock facts a collector recorded on the root item, whatever its kind."""
    meta = root.metadata
    prov = provenance_of(root)
    facts: dict[str, str] = {}
    tool = prov.get("tool") or meta.get("tool")
    if isinstance(tool, dict):
        facts["tool"] = " ".join(str(tool.get(k, "")) for k in ("name", "version")).strip()
        if tool.get("code_sha256"):
            facts["tool"] += f" ({str(tool['code_sha256'])[:16]}…)"
    elif tool:
        facts["tool"] = str(tool)
    tools = meta.get("tools")
    if isinstance(tools, dict) and tools:  # disk images: The Sleuth Kit and the container libraries
        facts["tool"] = ", ".join(f"{name} {version}" for name, version in tools.items())
    host = prov.get("workstation") or prov.get("host") or meta.get("host")
    if isinstance(host, dict):
        host = host.get("hostname") or json.dumps(host, ensure_ascii=False)
    if host:
        facts["host"] = str(host)
    clock = prov.get("clock") or prov.get("clock_offset") or meta.get("clock")
    if clock:
        facts["clock"] = clock_text(clock, lang)
    return facts


def clock_text(clock: object, lang: str) -> str:
    """An NTP measurement as a line: offset, server, round trip, stratum (or why it was not measured)."""
    if not isinstance(clock, dict):
        return str(clock)
    if clock.get("checked") is False:
        return t("env.clock_not_measured", lang, server=clock.get("server") or "—")
    if "offset_ms" in clock:
        return t("env.clock_ntp", lang, offset=f"{float(clock['offset_ms']):+.1f}", server=clock.get("server", ""),
                 delay=f"{float(clock.get('delay_ms') or 0):.1f}", stratum=clock.get("stratum", "—"))
    return ", ".join(f"{k}: {v}" for k, v in clock.items())


def media_hashes(item: Item) -> dict[str, str]:
    """Hashes a record keeps in its metadata for media not stored in the vault (a disk image without --copy)."""
    hashes = item.metadata.get("hashes")
    return {k: str(v) for k, v in hashes.items() if isinstance(v, str)} if isinstance(hashes, dict) else {}
