"""What may be captured: URL checks, name resolution and the address policy.

Only ``http`` and ``https`` are captured; ``file:``, ``javascript:``, ``data:``
and the rest are refused before a browser starts. The same address policy is
applied by the recording proxy to every request the page makes, so a captured
page cannot reach the examiner's own machine or network unless the examiner
allows it (``allow_private_addresses``).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evidence_store.errors import SourceError, UsageError, bilingual

SCHEMES = ("http", "https")


def normalise_url(text: str) -> str:
    """A checked absolute URL; a bare host name gets ``https://``. Raises UsageError on anything else."""
    raw = text.strip()
    if not raw:
        raise UsageError("empty URL", message_vi="địa chỉ URL trống")
    if any(c.isspace() for c in raw):
        raise UsageError(f"malformed URL {text!r}: it contains spaces",
                         message_vi=f"địa chỉ URL sai định dạng {text!r}: có dấu cách")
    parts = urlsplit(raw)
    if not parts.scheme and not raw.startswith("//") and "." in raw.split("/")[0]:
        parts = urlsplit("https://" + raw)
    scheme = parts.scheme.lower()
    if scheme and scheme not in SCHEMES:
        raise UsageError(f"refused URL {text!r}: only http and https pages can be captured, not {scheme}:",
                         message_vi=f"từ chối địa chỉ {text!r}: chỉ thu thập được trang http và https, không phải {scheme}:")
    if not scheme or not parts.netloc or not parts.hostname:
        raise UsageError(f"malformed URL {text!r}: expected something like https://example.com/page",
                         message_vi=f"địa chỉ URL sai định dạng {text!r}: cần có dạng như https://example.com/trang")
    try:
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"malformed URL {text!r}: bad port",
                         message_vi=f"địa chỉ URL sai định dạng {text!r}: cổng không hợp lệ") from exc
    host = parts.hostname
    try:
        host.encode("idna") if not _is_ip(host) else None
    except UnicodeError as exc:
        raise UsageError(f"malformed URL {text!r}: bad host name",
                         message_vi=f"địa chỉ URL sai định dạng {text!r}: tên máy chủ không hợp lệ") from exc
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"malformed URL {text!r}: bad port",
                         message_vi=f"địa chỉ URL sai định dạng {text!r}: cổng không hợp lệ")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, parts.fragment))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def is_restricted(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: the examiner's side of the network."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return bool(ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified)


class AddressBlocked(SourceError):
    """A request to an address the policy forbids (loopback or private without the examiner's consent)."""


@dataclass
class Resolution:
    host: str
    addresses: list[str]
    source: str
    resolved_at: str
    duration_ms: int
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "addresses": self.addresses, "source": self.source,
                "resolved_at": self.resolved_at, "duration_ms": self.duration_ms, "error": self.error}


@dataclass
class Resolver:
    """Resolves names the way the proxy will connect, and remembers every answer for the provenance."""

    host_map: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Resolution] = field(default_factory=dict)

    def resolve(self, host: str, port: int) -> list[str]:
        from evidence_store.canonical import iso_utc

        host = host.lower().strip("[]")
        start = time.monotonic()
        error_vi = ""
        if host in self.host_map:
            addresses, source, error = [self.host_map[host]], "host rule set by the examiner", ""
        elif _is_ip(host):
            addresses, source, error = [host], "IP literal in the URL", ""
        else:
            source = "system resolver (getaddrinfo)"
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
                error = ""
            except socket.gaierror as exc:
                addresses, error = [], exc.strerror or str(exc)
                error_vi = bilingual(exc)[1]
        answer = Resolution(host, addresses, source, iso_utc(), int((time.monotonic() - start) * 1000), error)
        self.answers.setdefault(host, answer)
        if error:
            raise SourceError(f"cannot resolve host {host}: {error}", host=host,
                              message_vi=f"không phân giải được tên miền {host}: {error_vi}")
        return addresses


def check_address(address: str, allow_private: bool, host: str) -> None:
    if not allow_private and is_restricted(address):
        raise AddressBlocked(
            f"{host} resolves to {address}, a loopback or private address; refused so that a captured page "
            "cannot reach this machine or its network",
            host=host, address=address,
            message_vi=f"{host} trỏ tới {address}, một địa chỉ nội bộ (máy này hoặc mạng riêng); bị từ chối để trang được thu "
                       "thập không truy cập được máy này hay mạng của nó",
            remedy="allow_private_addresses")


def connect(resolver: Resolver, host: str, port: int, *, allow_private: bool, timeout: float) -> socket.socket:
    """Open a TCP connection the way the policy allows; tries each permitted address in turn."""
    addresses = resolver.resolve(host, port)
    allowed = [a for a in addresses if allow_private or not is_restricted(a)]
    if not allowed:
        check_address(addresses[0], allow_private, host)
    last: OSError | None = None
    for address in allowed:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    assert last is not None
    raise last


def dns_details(hosts: list[str], timeout: float = 1.5) -> dict[str, Any]:
    """Answers from the configured DNS servers (A/AAAA/CNAME with TTLs), where dnspython can reach them.

    The proxy's own answers (what was actually connected to) are recorded separately;
    this adds what a DNS server said, for the examiner to compare.
    """
    try:
        import dns.resolver
    except ImportError:
        return {"error": "dnspython is not installed"}
    try:
        resolver = dns.resolver.Resolver()
    except Exception as exc:  # no resolv.conf
        return {"error": f"no DNS configuration: {exc}"}
    resolver.lifetime = timeout
    out: dict[str, Any] = {"nameservers": [str(n) for n in resolver.nameservers], "hosts": {}}
    for host in hosts:
        entry: dict[str, Any] = {}
        for rtype in ("A", "AAAA"):
            try:
                answer = resolver.resolve(host, rtype)
                entry[rtype] = {"addresses": [r.to_text() for r in answer], "ttl": answer.rrset.ttl if answer.rrset else None,
                                "canonical_name": str(answer.canonical_name)}
            except Exception as exc:  # NXDOMAIN, NoAnswer, timeout: each is an answer worth keeping
                entry[rtype] = {"error": type(exc).__name__}
        out["hosts"][host] = entry
    return out
