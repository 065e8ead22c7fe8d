"""How this machine reaches a target: the local address the system routes from, and the public address an echo
service the examiner set saw (or why it was not measured). Recorded with monitoring checks and worker captures.
"""

from __future__ import annotations

import socket
from typing import Any

from evidence_store import iso_utc


def measure_egress(host: str, echo: str, not_set_note: str) -> dict[str, Any]:
    """The facts, never a guess: each one measured, or a note saying why it was not (``not_set_note`` names the
    setting or option that would set the echo service)."""
    facts: dict[str, Any] = {"measured_at": iso_utc()}
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:  # connect() on UDP sends nothing
            probe.connect((socket.getaddrinfo(host, 80, family)[0][4][0], 80))
            facts["local_address"] = probe.getsockname()[0]
    except OSError as exc:
        facts["local_address_error"] = str(exc)
    if not echo:
        facts["public_address"] = None
        facts["public_address_note"] = f"not measured: no echo service set ({not_set_note})"
        return facts
    import urllib.request

    try:
        with urllib.request.urlopen(echo, timeout=10) as answer:  # noqa: S310 - an address the examiner set
            facts["public_address"] = answer.read(200).decode("ascii", "replace").strip()
            facts["public_address_source"] = echo
    except (OSError, ValueError) as exc:
        facts["public_address"] = None
        facts["public_address_note"] = f"the echo service {echo} did not answer: {exc}"
    return facts
