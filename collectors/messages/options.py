"""What an e-mail import can be asked for, declared once (CLI flags, GUI form, the provenance record)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PARSE_BYTES = 256 * 1024 * 1024  # larger messages are stored whole, their MIME parts not split out


@dataclass(frozen=True)
class MailOptions:
    trusted_hosts: tuple[str, ...] = ()
    """Mail servers the examiner trusts (e.g. the recipient's own): their Received headers are 'trusted'."""
    fetch_dns: bool = False
    """Look DKIM/ARC keys up in DNS now (this reaches the sender's DNS servers); answers are recorded."""
    dns_answers: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    """DNS answers supplied by the examiner (``{"name", "answer"}``), used before any fetch."""
    dns_server: str | None = None
    """``host`` or ``host:port`` of the DNS resolver to ask (default: the system's)."""
    authenticity: bool = True
    max_parse_bytes: int = MAX_PARSE_BYTES

    def to_json(self) -> dict[str, Any]:
        return {"trusted_hosts": list(self.trusted_hosts), "fetch_dns": self.fetch_dns,
                "dns_answers_supplied": len(self.dns_answers), "dns_server": self.dns_server,
                "authenticity": self.authenticity}
