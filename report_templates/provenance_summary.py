"""A capture's provenance as a reader wants it: what was asked and what came back, in words.

The provenance record (``collectors.web.provenance``) is JSON with English keys,
made for machines and for the record. This module turns it (the full record or
the summary kept on the capture item) into labelled lines in Vietnamese or
English: the address asked for and the page reached, redirects with their
status, the server's answer, servers, the certificate's holder and issuer with
its validity, when (local time with its zone, and UTC) and whether the clock
was checked, the browser, the examiner, the account used and the warnings in
words. The desktop app's preview and the court report's exhibits show the same
lines; the full record stays one click (or one exhibit) away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from evidence_store.catalogue import MissingText, pick
from evidence_store.catalogue.provenance import field_name
from evidence_store.catalogue.warnings import label as warning_label

from .i18n import long_datetime, utc_text

_HTTP_REASONS = {200: ("OK", "thành công"), 201: ("Created", "đã tạo"), 204: ("No content", "không có nội dung"),
                 301: ("Moved permanently", "chuyển hẳn"), 302: ("Found elsewhere", "chuyển tạm"),
                 303: ("See other", "xem địa chỉ khác"), 304: ("Not modified", "không thay đổi"),
                 307: ("Temporary redirect", "chuyển hướng tạm"), 308: ("Permanent redirect", "chuyển hướng hẳn"),
                 400: ("Bad request", "yêu cầu không hợp lệ"), 401: ("Login required", "cần đăng nhập"),
                 403: ("Forbidden", "bị cấm truy cập"), 404: ("Not found", "không tìm thấy"),
                 410: ("Gone", "đã bị gỡ"), 429: ("Too many requests", "quá nhiều yêu cầu"),
                 451: ("Unavailable for legal reasons", "không cung cấp vì lý do pháp lý"),
                 500: ("Server error", "lỗi máy chủ"), 502: ("Bad gateway", "cổng nối lỗi"),
                 503: ("Service unavailable", "dịch vụ không sẵn sàng"), 504: ("Gateway timeout", "cổng nối quá hạn")}


@dataclass(frozen=True)
class SummaryLine:
    key: str  # a name of evidence_store.catalogue.provenance.FIELDS
    label: str
    value: str  # plain text (the caller escapes it for its markup)
    attention: bool = False  # a fact the reader should not miss (a certificate that did not verify, a partial page)


def is_provenance(record: Any) -> bool:
    return isinstance(record, dict) and str(record.get("format", "")).startswith("forensics-toolkit/web-capture")


def summary_lines(record: dict[str, Any], lang: str, tz: ZoneInfo) -> list[SummaryLine]:
    """The readable summary of a web capture's provenance (the full record or the item's summary of it)."""
    vi = lang == "vi"
    lines: list[SummaryLine] = []

    def add(key: str, value: str, attention: bool = False) -> None:
        if value:
            lines.append(SummaryLine(key, field_name(key, lang), value, attention))

    requested = str(record.get("requested_url") or "")
    final = str(record.get("final_url") or requested)
    add("requested_url", requested)
    if final != requested:
        add("final_url", final)
    hops = record.get("redirects") or []
    if hops:
        add("redirects", "\n".join(f"{h.get('status', '')} {status_words(h.get('status'), lang)}: "
                                   f"{h.get('url', '')} → {h.get('location') or ''}".strip() for h in hops))
    if record.get("redirect_loop"):
        add("redirects", "Chuyển hướng vòng lặp: không tới được trang nào" if vi
            else "Redirect loop: no page was reached", attention=True)
    add("answer", _answer(record, lang), attention=_status(record) is None or (_status(record) or 0) >= 400)
    title = (record.get("page") or {}).get("title") if "page" in record else record.get("title")
    add("title", str(title or ""))
    add("servers", ", ".join(_servers(record)))
    for endpoint, cert in _certificates(record).items():
        add("certificate", _certificate_text(endpoint, cert, lang, tz), attention=not cert.get("verified", True))
    add("time", _time_text(record, lang, tz))
    clock_text, clock_ok = _clock(record, lang)
    add("clock", clock_text, attention=not clock_ok)
    browser, device = _browser(record, lang)
    add("browser", browser)
    add("device", device)
    add("examiner", _examiner(record))
    account = record.get("account")
    add("account", _account(account) if account else ("Không (không đăng nhập)" if vi else "None (not logged in)"))
    add("workstation", _workstation(record))
    add("tool", _tool(record))
    complete = record.get("complete")
    if complete is not None:
        add("complete", ("Đầy đủ" if vi else "Complete") if complete else
            ("Chưa đầy đủ: xem các cảnh báo" if vi else "Partial: see the warnings"), attention=not complete)
    codes = [w if isinstance(w, str) else str(w.get("code", "")) for w in record.get("warnings") or []]
    add("warnings", "\n".join(_warning_words(c, lang) for c in codes if c), attention=bool(codes))
    changes = record.get("changes_made_by_collection") or []
    add("changes", "\n".join(str(c.get("vi" if vi else "en") or c.get("change", "")) for c in changes if isinstance(c, dict))
        or ("Không có" if vi else "None"))
    return lines


def status_words(status: Any, lang: str) -> str:
    try:
        code = int(status)
    except (TypeError, ValueError):
        return ""
    pair = _HTTP_REASONS.get(code)
    if pair is None:
        return ("chuyển hướng" if lang == "vi" else "redirect") if 300 <= code < 400 else (
            ("lỗi" if lang == "vi" else "error") if code >= 400 else "")
    return f"({pick(pair, lang)})"


def _status(record: dict[str, Any]) -> int | None:
    value = record.get("http_status")
    if value is None:
        value = (record.get("main_document") or {}).get("status")
    return int(value) if isinstance(value, int) else None


def _answer(record: dict[str, Any], lang: str) -> str:
    status = _status(record)
    if status is None:
        return "Không nhận được phản hồi HTTP nào" if lang == "vi" else "No HTTP response was received"
    content_type = record.get("content_type") or (record.get("main_document") or {}).get("content_type") or ""
    text = f"HTTP {status} {status_words(status, lang)}".strip()
    if content_type:
        text += (f", nội dung {content_type}" if lang == "vi" else f", {content_type}")
    return text


def _servers(record: dict[str, Any]) -> list[str]:
    servers = record.get("servers") or []
    out = []
    for server in servers:
        if isinstance(server, dict):
            out.append(f"{server.get('host', '')} ({server.get('ip', '')}:{server.get('port', '')})")
        else:
            host, _, address = str(server).partition(" ")
            out.append(f"{host} ({address})" if address else host)
    return out


def _certificates(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Endpoint -> {holder, issuer, not_before, not_after, verified, error, protocol} from either form."""
    out = {}
    for endpoint, tls in (record.get("tls") or {}).items():
        if not isinstance(tls, dict):
            continue
        leaf = (tls.get("chain") or [{}])[0] if "chain" in tls else {}
        out[endpoint] = {
            "holder": tls.get("leaf_subject") or leaf.get("subject") or "",
            "issuer": tls.get("leaf_issuer") or leaf.get("issuer") or "",
            "not_before": tls.get("leaf_not_before") or leaf.get("not_before") or "",
            "not_after": tls.get("leaf_not_after") or leaf.get("not_after") or "",
            "verified": bool(tls.get("verified")),
            "error": tls.get("error") or tls.get("verification_error") or "",
            "protocol": tls.get("protocol") or "",
        }
    return out


def distinguished_name(text: str) -> str:
    """``CN=example.vn,O=Example,C=VN`` -> ``example.vn (Example)``: the name and organisation a reader looks for."""
    parts: dict[str, str] = {}
    for piece in _split_rdn(text):
        key, _, value = piece.partition("=")
        parts.setdefault(key.strip().upper(), value.strip())
    name = parts.get("CN") or parts.get("O") or text
    organisation = parts.get("O")
    return f"{name} ({organisation})" if organisation and organisation != name else name


def _split_rdn(text: str) -> list[str]:
    out, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",+":
            out.append(current)
            current = ""
        else:
            current += char
    return out + [current] if current else out


def _certificate_text(endpoint: str, cert: dict[str, Any], lang: str, tz: ZoneInfo) -> str:
    vi = lang == "vi"
    lines = [endpoint]
    if cert["holder"]:
        lines.append(("Cấp cho: " if vi else "Issued to: ") + distinguished_name(cert["holder"]))
    if cert["issuer"]:
        lines.append(("Cấp bởi: " if vi else "Issued by: ") + distinguished_name(cert["issuer"]))
    if cert["not_before"] and cert["not_after"]:
        first, last = _date(cert["not_before"], tz), _date(cert["not_after"], tz)
        lines.append(f"Hiệu lực: từ {first} đến {last}" if vi else f"Valid from {first} to {last}")
    if cert["verified"]:
        lines.append("Đã xác minh" if vi else "Verified")
    else:
        lines.append(("Không xác minh được: " if vi else "Did not verify: ") + str(cert["error"]))
    return "\n".join(lines)


def _date(value: str, tz: ZoneInfo) -> str:
    try:
        return utc_text(value)[:10]
    except (ValueError, TypeError):
        return value


def _time_text(record: dict[str, Any], lang: str, tz: ZoneInfo) -> str:
    started, ended = record.get("started_at"), record.get("ended_at")
    if not started:
        return ""
    text = long_datetime(str(started), tz, lang, seconds=True)
    lines = [("Bắt đầu: " if lang == "vi" else "Started: ") + text + f" — {utc_text(str(started))}"]
    if ended:
        lines.append(("Kết thúc: " if lang == "vi" else "Ended: ") + long_datetime(str(ended), tz, lang, seconds=True)
                     + f" — {utc_text(str(ended))}")
    return "\n".join(lines)


def _clock(record: dict[str, Any], lang: str) -> tuple[str, bool]:
    vi = lang == "vi"
    clock = record.get("clock")
    if clock is None:
        clock = (record.get("environment") or {}).get("clock")
    if not isinstance(clock, dict):
        return ("Không có thông tin" if vi else "Not recorded"), False
    server = clock.get("server") or "—"
    if clock.get("checked") is False or "offset_ms" not in clock:
        return ((f"Chưa kiểm tra: máy chủ thời gian {server} không trả lời; thời điểm là giờ của máy trạm"
                 if vi else f"Not checked: the time server {server} did not answer; times are the workstation's"),
                False)
    offset = float(clock["offset_ms"])
    return ((f"Đã kiểm tra với {server}: lệch {offset:+.1f} ms" if vi
             else f"Checked against {server}: off by {offset:+.1f} ms"), True)


def _browser(record: dict[str, Any], lang: str) -> tuple[str, str]:
    browser = record.get("browser")
    if isinstance(browser, dict):
        browser = browser.get("version")
    emulation = record.get("emulation") or {}
    device = record.get("device") or emulation.get("device") or ""
    viewport = record.get("viewport") or emulation.get("viewport") or {}
    device_words = {"desktop": ("Desktop computer", "Máy tính để bàn"), "mobile": ("Mobile phone", "Điện thoại di động")}
    text = pick(device_words[device], lang) if device in device_words else str(device)
    if isinstance(viewport, dict) and viewport.get("width"):
        text += f", {viewport.get('width')} × {viewport.get('height')} px"
    return str(browser or ""), text.strip(", ")


def _examiner(record: dict[str, Any]) -> str:
    examiner = record.get("examiner")
    if examiner is None:
        examiner = (record.get("environment") or {}).get("examiner")
    if isinstance(examiner, dict):
        return ", ".join(str(examiner[k]) for k in ("name", "position", "unit", "agency") if examiner.get(k))
    return str(examiner or "")


def _account(account: Any) -> str:
    if isinstance(account, dict):
        return ", ".join(str(account[k]) for k in ("name", "platform", "account", "id", "profile") if account.get(k)) \
            or str(account)
    return str(account)


def _workstation(record: dict[str, Any]) -> str:
    host = record.get("workstation")
    if host is None:
        host = ((record.get("environment") or {}).get("host") or {}).get("hostname")
    return str(host or "")


def _tool(record: dict[str, Any]) -> str:
    tool = record.get("tool")
    if tool is None:
        tool = (record.get("environment") or {}).get("tool")
    if not isinstance(tool, dict):
        return str(tool or "")
    text = f"{tool.get('name', '')} {tool.get('version', '')}".strip()
    if tool.get("code_sha256"):
        text += f" (SHA-256 {str(tool['code_sha256'])[:16]}…)"
    return text


def _warning_words(code: str, lang: str) -> str:
    try:
        return warning_label(code, lang)
    except MissingText:
        return code
