"""Keeping an investigation account's session out of the evidence: request-header values redacted in the WARC.

With a login profile, every request the browser sends carries the account's
session (``Cookie``, sometimes ``Authorization``). Written to the WARC as sent,
an exported package would hand that session to anyone who reads it. So, when a
profile is used (or the examiner asks for it always), the WARC *request*
records get those header values replaced by a fixed marker: the header names
stay, so a reader sees that a credential was sent and where. The server
received the real values; *response* records are never touched (byte-exact as
received). Each replacement is counted and documented as a change made by the
collection (provenance and a warning on the capture).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Request headers whose values are credentials (compared without case).
CREDENTIAL_HEADERS = ("Cookie", "Authorization", "Proxy-Authorization")
MARKER_PROFILE = "[redacted by forensics-toolkit: login-profile session]"
MARKER_ALWAYS = "[redacted by forensics-toolkit: credential]"


@dataclass(frozen=True)
class RedactionPolicy:
    """Which request-header values to replace in the WARC, by what, and why (empty ``headers``: none)."""

    headers: tuple[str, ...] = ()
    marker: str = MARKER_PROFILE
    reason: str = ""

    @property
    def active(self) -> bool:
        return bool(self.headers)

    @classmethod
    def for_capture(cls, *, profile: str, always: bool) -> RedactionPolicy:
        if profile:
            return cls(CREDENTIAL_HEADERS, MARKER_PROFILE, f"login profile {profile!r} used: its session must not "
                                                           "leave the vault with the evidence")
        if always:
            return cls(CREDENTIAL_HEADERS, MARKER_ALWAYS, "the examiner chose to redact credentials in every capture")
        return cls()

    def describe(self) -> str:
        """One line for the WARC's warcinfo record: a reader of the WARC alone learns what was done."""
        return (f"values of the request headers {', '.join(self.headers)} in request records replaced by "
                f"'{self.marker}' ({self.reason}); response records are as received")


def redact_request(data: bytes, policy: RedactionPolicy) -> tuple[bytes, list[str]]:
    """``data`` (a request as sent: head, blank line, body) with the credential values replaced.

    Returns the new bytes and the names of the headers redacted, in order (empty: ``data`` unchanged).
    Folded continuation lines of a redacted header are dropped with it; the body is left as it was.
    """
    if not policy.active:
        return data, []
    head, sep, body = data.partition(b"\r\n\r\n")
    wanted = {name.lower().encode("ascii") for name in policy.headers}
    marker = policy.marker.encode("ascii")
    lines = head.split(b"\r\n")
    out, redacted, folding = [lines[0]], [], False
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):  # obs-fold: continues the previous header
            if not folding:
                out.append(line)
            continue
        name, colon, _ = line.partition(b":")
        folding = bool(colon) and name.strip().lower() in wanted
        if folding:
            out.append(name + b": " + marker)
            redacted.append(name.strip().decode("latin-1"))
        else:
            out.append(line)
    if not redacted:
        return data, []
    return b"\r\n".join(out) + sep + body, redacted


def redaction_change(policy: RedactionPolicy, redactions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The provenance entry of 'changes made by the collection' for these redactions (None: nothing changed)."""
    if not redactions:
        return None
    counts: dict[str, int] = {}
    for entry in redactions:
        for name in entry["headers"]:
            counts[name] = counts.get(name, 0) + 1
    return {
        "change": "request_header_values_redacted",
        "what": "WARC request records",
        "headers": sorted(counts), "values_replaced": counts, "request_records": len(redactions),
        "marker": policy.marker, "reason": policy.reason,
        "en": (f"In {len(redactions)} WARC request record(s) the values of the {', '.join(sorted(counts))} "
               f"header(s) were replaced by '{policy.marker}' before the record was written ({policy.reason}). "
               "The header names were kept; the server received the real values; response records are "
               "byte-exact as received. The request records' digests are of the redacted records."),
        "vi": (f"Trong {len(redactions)} bản ghi yêu cầu của WARC, giá trị các tiêu đề {', '.join(sorted(counts))} "
               f"đã được thay bằng '{policy.marker}' trước khi ghi để không làm lộ phiên đăng nhập. Tên tiêu đề "
               "được giữ nguyên; máy chủ nhận giá trị thật; các bản ghi phản hồi giữ nguyên từng byte như đã nhận. "
               "Giá trị băm của bản ghi yêu cầu là của bản đã che giấu."),
        "records": [{"url": e["url"], "headers": e["headers"], "request_record": e["request_record"]}
                    for e in redactions[:200]],
        "records_listed": min(len(redactions), 200),
    }
