"""DKIM and ARC checks (dkimpy) whose DNS answers are recorded, and the receiving servers' own claims.

A DKIM signature can only be checked against the signer's public key, published
in DNS. Keys rotate and are removed, so a check made today may be impossible next
year: every DNS answer the check used (or failed to get) is recorded with where it
came from and when, and the check can be repeated from those records alone.

What is said, and what is not: ``pass`` means the signature verifies with the key
in the recorded answer; ``fail`` means it does not (the message may have been
changed after signing, or the recorded key is not the one it was signed with);
``not checked`` means the check could not be made, with the reason. None of them
means "forged" or "genuine": a signature shows what the signing domain's server
sent, not who wrote it. SPF, DMARC and the receiving servers' own DKIM results
(``Authentication-Results``, ``Received-SPF``, ``ARC-Authentication-Results``)
are reported as claims of the server that wrote them.

DNS look-ups only happen when the examiner asks (``fetch``): a look-up of
``selector._domainkey.domain`` reaches the sender's DNS servers and can tell them
someone is examining the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NOTE = ("A failed or impossible check does not mean the message was forged; a passing one shows which "
        "domain's server signed it, not who wrote it.")
NOTE_VI = ("Kiểm tra không đạt hoặc không thực hiện được không có nghĩa thư bị giả mạo; kiểm tra đạt chỉ cho biết "
           "máy chủ của tên miền nào đã ký thư, không cho biết ai là người viết.")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dns_key(name: str | bytes) -> str:
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    return text.strip().lower().rstrip(".")


@dataclass
class DnsAnswers:
    """Where TXT answers come from (``recorded``/``supplied`` answers, else a live ``fetch`` if allowed),
    and the log of every answer used: what the item keeps so the check can be repeated."""

    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetch: bool = False
    resolver: Any = None  # a dns.resolver.Resolver (tests point one at a local server)
    timeout: float = 5.0
    used: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], *, source: str = "supplied", fetch: bool = False,
                     resolver: Any = None) -> DnsAnswers:
        """Answers given as our own recorded form (``{"name", "answer", ...}``) or as ``{"name": txt}`` pairs."""
        known: dict[str, dict[str, Any]] = {}
        for record in records:
            entry = dict(record)
            entry.setdefault("type", "TXT")
            entry.setdefault("status", "answer" if entry.get("answer") else "no record")
            entry["source"] = entry.get("source") if source == "recorded" else source
            known[dns_key(entry["name"])] = entry
        return cls(known=known, fetch=fetch, resolver=resolver)

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], *, fetch: bool = False) -> DnsAnswers:
        """``{"sel._domainkey.example.com": "v=DKIM1; k=rsa; p=…"}``, or a list of recorded answers."""
        records = [{"name": k, "answer": v, "status": "answer" if v else "no record"} for k, v in mapping.items()]
        return cls.from_records(records, fetch=fetch)

    def lookup(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        """dkimpy's ``dnsfunc``: the TXT record as bytes, ``None`` for no record; raises when unknown."""
        key = dns_key(name)
        entry = self.known.get(key)
        if entry is None and self.fetch:
            entry = self._fetch(key)
            self.known[key] = entry
        if entry is None:
            entry = {"name": key, "type": "TXT", "answer": None, "status": "not available",
                     "source": None, "at": None,
                     "error": "no DNS answer was available: none recorded or supplied, and fetching was not asked for"}
            self.known[key] = entry
        if entry not in self.used:
            self.used.append(entry)
        if entry.get("status") in ("not available", "error"):
            raise DnsUnavailable(entry.get("error") or "no DNS answer")
        answer = entry.get("answer")
        return answer.encode("utf-8") if isinstance(answer, str) else None

    def _fetch(self, key: str) -> dict[str, Any]:
        import dns.exception
        import dns.rdatatype
        import dns.resolver

        resolver = self.resolver or dns.resolver.Resolver()
        servers = [str(s) for s in getattr(resolver, "nameservers", [])]
        entry: dict[str, Any] = {"name": key, "type": "TXT", "answer": None, "source": "fetched", "at": _now(),
                                 "resolver": ", ".join(servers) or None, "error": None}
        try:
            answer = resolver.resolve(key + ".", dns.rdatatype.TXT, lifetime=self.timeout, raise_on_no_answer=False)
            texts = [b"".join(r.strings).decode("utf-8", "replace") for rr in answer.response.answer
                     if rr.rdtype == dns.rdatatype.TXT for r in rr]
            entry["answer"] = texts[0] if texts else None
            entry["all_answers"] = texts
            entry["ttl"] = answer.rrset.ttl if answer.rrset is not None else None
            entry["status"] = "answer" if texts else "no record"
        except dns.resolver.NXDOMAIN:
            entry["status"] = "no record"
            entry["error"] = "NXDOMAIN: the name does not exist"
        except (dns.exception.DNSException, OSError) as exc:
            entry["status"] = "error"
            entry["error"] = f"DNS query failed: {type(exc).__name__}: {exc}"
        return entry


def resolver_for(server: str | None) -> Any:
    """A dnspython resolver asking ``host[:port]`` (None: the system's configuration)."""
    if not server:
        return None
    import dns.resolver

    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host or server]
    if port:
        resolver.port = int(port)
    return resolver


class DnsUnavailable(Exception):
    """No DNS answer could be had for a name (not recorded, not supplied, not fetched or the query failed)."""


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _logger() -> tuple[logging.Logger, _Capture]:
    logger = logging.Logger("dkim-capture")
    handler = _Capture()
    logger.addHandler(handler)
    return logger, handler


def _tags(value: str) -> dict[str, str]:
    out = {}
    for part in value.split(";"):
        if "=" in part:
            key, _, val = part.partition("=")
            out[key.strip().lower()] = "".join(val.split())
    return out


def check_dkim(data: bytes, signatures: list[str], dns: DnsAnswers) -> list[dict[str, Any]]:
    """One result per ``DKIM-Signature`` header, top first."""
    import dkim

    results = []
    for index, header in enumerate(signatures):
        tags = _tags(header)
        row: dict[str, Any] = {"index": index, "domain": tags.get("d"), "selector": tags.get("s"),
                               "algorithm": tags.get("a"), "identity": tags.get("i"),
                               "signed_headers": tags.get("h"), "signed_at": _epoch(tags.get("t")),
                               "expires_at": _epoch(tags.get("x")), "body_length_limit": tags.get("l"),
                               "dns_name": f"{tags.get('s')}._domainkey.{tags.get('d')}".lower()
                               if tags.get("s") and tags.get("d") else None}
        logger, capture = _logger()
        try:
            verifier = dkim.DKIM(data, logger=logger, minkey=1024, timeout=int(dns.timeout))
            ok = verifier.verify(idx=index, dnsfunc=dns.lookup)
        except DnsUnavailable as exc:  # dkimpy lets our own exception through from the look-up
            row.update(result="not checked", reason=str(exc))
        except dkim.ValidationError as exc:
            row.update(result="fail", reason=_reason(str(exc)))
            if b"\n>From " in data:
                row["reason"] += ("; note: this message has lines beginning '>From ', the quoting mbox files apply "
                                  "to lines that began 'From ': that alone changes the body that was signed")
        except dkim.DKIMException as exc:
            row.update(result="not checked", reason=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a malformed signature dkimpy did not anticipate must not stop the import
            row.update(result="not checked", reason=f"the signature could not be checked: {type(exc).__name__}: {exc}")
        else:
            if ok:
                row.update(result="pass", reason="the signature verifies with the key in the recorded DNS answer")
            else:
                row.update(_false_reason(capture.lines, row, dns))
        results.append(row)
    return results


def _false_reason(lines: list[str], row: dict[str, Any], dns: DnsAnswers) -> dict[str, str]:
    text = " ".join(lines)
    entry = dns.known.get(row.get("dns_name") or "")
    if entry is not None and entry.get("status") in ("not available", "error"):
        return {"result": "not checked", "reason": entry.get("error") or "no DNS answer"}
    if "missing public key" in text or (entry is not None and entry.get("status") == "no record"):
        return {"result": "not checked",
                "reason": f"DNS has no key at {row.get('dns_name')} (the key may have been removed or rotated since "
                          "the message was sent)"}
    if "KeyFormatError" in text or "key" in text.lower() and "valid" not in text.lower():
        return {"result": "not checked", "reason": f"the published key cannot be used: {text[:300]}"}
    return {"result": "fail", "reason": "the signature does not match the signed headers with the key in the recorded DNS "
                                        "answer (headers changed after signing, or a different key)"}


def _reason(text: str) -> str:
    if text.startswith("body hash mismatch"):
        return "the body hash does not match: the body was changed after signing (or cut by a length limit)"
    return text[:300]


def _epoch(value: str | None) -> str | None:
    if not value or not value.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return None


def check_arc(data: bytes, dns: DnsAnswers) -> dict[str, Any]:
    import dkim

    logger, _capture = _logger()
    start = len(dns.used)
    try:
        cv, results, reason = dkim.ARC(data, logger=logger, minkey=1024).verify(dnsfunc=dns.lookup)
    except DnsUnavailable as exc:
        return {"result": "not checked", "reason": str(exc)}
    except Exception as exc:
        return {"result": "not checked", "reason": f"the ARC set could not be checked: {type(exc).__name__}: {exc}"}
    label = {b"pass": "pass", b"fail": "fail", b"none": "none"}.get(cv or b"", "fail")
    unavailable = [e for e in dns.used[start:] if e.get("status") in ("not available", "error", "no record")]
    if label == "fail" and unavailable:
        return {"result": "not checked", "reason": "; ".join(str(e.get("error") or f"no key at {e['name']}")
                                                               for e in unavailable)}
    instances = [{"instance": r.get("instance"), "seal_valid": r.get("as-valid"),
                  "message_signature_valid": r.get("ams-valid"),
                  "chain_status": (r.get("cv") or b"").decode("ascii", "replace"),
                  "sealer": (r.get("as-domain") or b"").decode("ascii", "replace")} for r in results]
    return {"result": label, "reason": str(reason), "instances": instances}


def claims(headers: list[tuple[str, str]], trusted_hosts: Iterable[str] = ()) -> list[dict[str, Any]]:
    """What receiving servers wrote about SPF, DKIM, DMARC and ARC: claims, each with who made it."""
    import authres

    trusted = [t.lower().rstrip(".") for t in trusted_hosts if t.strip()]
    out: list[dict[str, Any]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in ("authentication-results", "arc-authentication-results"):
            text = " ".join(value.split())
            if lower == "arc-authentication-results" and text.lower().startswith("i="):
                text = text.split(";", 1)[1].strip() if ";" in text else text
            entry: dict[str, Any] = {"header": name, "raw": text}
            try:
                parsed = authres.AuthenticationResultsHeader.parse_value(text)
            except Exception as exc:  # authres raises its own SyntaxError subclasses and others
                entry.update(authserv_id=None, results=[], problem=f"could not be parsed: {exc}")
            else:
                entry["authserv_id"] = parsed.authserv_id
                entry["results"] = [{"method": r.method, "result": r.result, "reason": r.reason,
                                     "properties": {f"{p.type}.{p.name}": p.value for p in r.properties}}
                                    for r in parsed.results]
            out.append(entry)
        elif lower == "received-spf":
            text = " ".join(value.split())
            result = text.split()[0].lower() if text else ""
            out.append({"header": name, "raw": text, "authserv_id": None,
                        "results": [{"method": "spf", "result": result, "reason": None, "properties": {}}]})
    for entry in out:
        server = (entry.get("authserv_id") or "").lower()
        entry["claimed_by_trusted_server"] = bool(server) and any(server == t or server.endswith("." + t)
                                                                  for t in trusted)
    return out


def check(data: bytes, headers: list[tuple[str, str]], dns: DnsAnswers,
          trusted_hosts: Iterable[str] = ()) -> dict[str, Any]:
    """The ``authenticity`` metadata of a message: DKIM, ARC, claims, and every DNS answer used."""
    signatures = [v for n, v in headers if n.lower() == "dkim-signature"]
    has_arc = any(n.lower() == "arc-seal" for n, _ in headers)
    dns.used = []  # the answers this message's checks use (the cache of known answers is shared)
    result: dict[str, Any] = {"checked_at": _now()}
    result["dkim"] = check_dkim(data, signatures, dns) if signatures else []
    result["arc"] = check_arc(data, dns) if has_arc else None
    result["claims"] = claims(headers, trusted_hosts)
    result["dns"] = [dict(e) for e in dns.used]
    result["note"] = NOTE
    result["note_vi"] = NOTE_VI
    return result



def not_checkable(headers: list[tuple[str, str]], reason: str, trusted_hosts: Iterable[str] = ()) -> dict[str, Any]:
    """For a rebuilt message: its signatures listed as not checked (its bytes are not the signed ones)."""
    rows = []
    for index, header in enumerate(v for n, v in headers if n.lower() == "dkim-signature"):
        tags = _tags(header)
        rows.append({"index": index, "domain": tags.get("d"), "selector": tags.get("s"), "algorithm": tags.get("a"),
                     "result": "not checked", "reason": reason})
    has_arc = any(n.lower() == "arc-seal" for n, _ in headers)
    return {"checked_at": _now(), "dkim": rows,
            "arc": {"result": "not checked", "reason": reason} if has_arc else None,
            "claims": claims(headers, trusted_hosts), "dns": [], "note": NOTE, "note_vi": NOTE_VI}
