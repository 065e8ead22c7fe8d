"""How far the workstation's clock is from a time server (the court asks "how do you know the time?")."""

from __future__ import annotations

from typing import Any

from evidence_store.canonical import iso_utc


def measure_clock(server: str, timeout: float = 2.0, port: int = 123) -> dict[str, Any]:
    """Offset of the local clock against an NTP server; ``checked`` is False when none answered.

    ``server`` may be ``host`` or ``host:port``. Offsets are in milliseconds
    (positive: the local clock is behind the server).
    """
    import ntplib

    if not server:
        return {"checked": False, "server": "", "error": "no NTP server configured", "at": iso_utc()}
    host, _, port_text = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    host = host or server
    try:
        port = int(port_text) if port_text else port
    except ValueError:
        host, port = server, 123
    try:
        response = ntplib.NTPClient().request(host, version=3, port=port, timeout=timeout)
    except (ntplib.NTPException, OSError) as exc:
        return {"checked": False, "server": server, "error": str(exc) or type(exc).__name__, "at": iso_utc()}
    return {
        "checked": True,
        "server": server,
        "offset_ms": round(response.offset * 1000, 3),
        "delay_ms": round(response.delay * 1000, 3),
        "stratum": response.stratum,
        "reference": ntplib.ref_id_to_text(response.ref_id, response.stratum),
        "at": iso_utc(),
    }
