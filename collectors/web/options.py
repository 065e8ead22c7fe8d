"""Capture options, declared once (volatility3's habit): CLI flags, GUI forms and the provenance record.

Every field carries its help text in English and Vietnamese and, where the
command line exposes it, the flag name; :func:`describe_options` lists them for
shells, and :meth:`CaptureOptions.to_record` is what the provenance quotes.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

from evidence_store.errors import UsageError


def _opt(default: Any, en: str, vi: str, flag: str | None = None, **extra: Any) -> Any:
    meta = {"en": en, "vi": vi, "flag": flag, **extra}
    if isinstance(default, (list, dict, set)):
        raise TypeError("options are immutable: use a tuple")
    return field(default=default, metadata=meta)


#: Device presets for ``--mobile`` (Playwright's own descriptors need its registry; kept explicit here
#: so the provenance says exactly what was emulated).
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": (1280, 800), "scale": 1, "mobile": False, "touch": False, "user_agent": ""},
    "mobile": {
        "viewport": (390, 844), "scale": 3, "mobile": True, "touch": True,
        "user_agent": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/156.0.0.0 Mobile Safari/537.36"),
    },
}


@dataclass(frozen=True)
class CaptureOptions:
    """How one page is captured. Frozen: the same object is recorded in the provenance."""

    device: str = _opt("desktop", "Device emulated (desktop or mobile)", "Thiết bị giả lập (máy tính hoặc di động)",
                       choices=tuple(DEVICES))
    page_timeout: int = _opt(60, "Time limit for the whole page, seconds", "Giới hạn thời gian cho cả trang (giây)",
                             "--timeout")
    load_timeout: int = _opt(30, "Wait for the page's load event at most this long, seconds",
                             "Chờ sự kiện tải trang tối đa (giây)")
    idle_timeout: int = _opt(8, "Wait for the network to fall quiet at most this long, seconds",
                             "Chờ mạng yên tĩnh tối đa (giây)")
    scroll: bool = _opt(True, "Scroll through the page to load lazy content", "Cuộn trang để tải nội dung tải chậm")
    scroll_time_limit: int = _opt(20, "Stop scrolling after this many seconds", "Dừng cuộn sau số giây này")
    max_page_height: int = _opt(100_000, "Tallest page captured, CSS pixels (taller pages are cut, with a warning)",
                                "Chiều cao trang tối đa được chụp (px CSS; cao hơn bị cắt, có cảnh báo)")
    tile_height: int = _opt(8_000, "Screenshot tile height for tall pages, CSS pixels",
                            "Chiều cao mỗi mảnh ảnh chụp khi trang quá dài (px CSS)")
    video: bool = _opt(False, "Record a video of the capture session", "Quay video phiên thu thập", "--video")
    pdf: bool = _opt(True, "Print the page to PDF", "In trang ra PDF")
    mhtml: bool = _opt(True, "Save an MHTML archive of the page", "Lưu trang dạng MHTML")
    wacz: bool = _opt(True, "Package the WARC, screenshots and provenance as a WACZ for replay (monitoring re-checks "
                      "leave it out: their WARC refers to earlier captures)",
                      "Đóng gói WARC, ảnh chụp và nguồn gốc thành WACZ để xem lại (các lần kiểm tra giám sát bỏ qua: "
                      "WARC của chúng tham chiếu các lần thu thập trước)")
    mhtml_max_mb: int = _opt(16, "No MHTML for pages larger than this, MB (the WARC and HTML still hold them)",
                             "Không tạo MHTML cho trang lớn hơn (MB); WARC và HTML vẫn chứa trang")
    insecure: bool = _opt(False, "Capture even when the site's TLS certificate is not valid (the error is recorded)",
                          "Vẫn thu thập khi chứng chỉ TLS của trang không hợp lệ (lỗi được ghi lại)", "--insecure")
    allow_private_addresses: bool = _opt(
        False, "Allow the page to reach loopback and private addresses (off: a page cannot reach this machine)",
        "Cho phép trang truy cập địa chỉ nội bộ (tắt: trang không thể truy cập máy này)", "--allow-private-addresses")
    max_redirects: int = _opt(20, "Most redirects followed for the page", "Số lần chuyển hướng tối đa")
    max_resource_mb: int = _opt(512, "Largest single response recorded, MiB (larger ones are cut, with a warning)",
                                "Kích thước tối đa một phản hồi được ghi (MiB)")
    max_links: int = _opt(5_000, "Most outgoing links listed in the provenance", "Số liên kết tối đa được liệt kê")
    extra_ca_files: tuple[str, ...] = _opt((), "Extra CA certificates (PEM) trusted for origin TLS",
                                           "Chứng chỉ CA bổ sung (PEM) được tin cậy", "--ca-file")
    host_rules: tuple[str, ...] = _opt((), "Host resolver rules, e.g. 'MAP example.test 127.0.0.1'",
                                       "Quy tắc phân giải tên miền, ví dụ 'MAP example.test 127.0.0.1'", "--host-rule")
    behaviours: tuple[str, ...] = _opt(("scroll", "network_idle", "scroll_to_top"),
                                       "Page behaviours run before the snapshot, in order",
                                       "Các thao tác trên trang trước khi chụp, theo thứ tự")
    profile: str = _opt("", "Saved login profile (Playwright storage state); empty: a fresh context",
                        "Hồ sơ đăng nhập đã lưu; để trống: phiên mới sạch", "--profile")
    redact_credentials: bool = _opt(
        False, "Replace the values of Cookie and Authorization request headers in the WARC with a marker in every "
        "capture (always done when a login profile is used)",
        "Luôn che giấu giá trị tiêu đề yêu cầu Cookie và Authorization trong WARC (luôn áp dụng khi dùng hồ sơ "
        "đăng nhập)", "--redact-credentials")
    locale: str = _opt("", "Browser locale (e.g. vi-VN); empty: the browser's default",
                       "Ngôn ngữ trình duyệt (vd. vi-VN); trống: mặc định")
    ntp_server: str = _opt("", "NTP server for the clock check (empty: the vault setting)",
                           "Máy chủ NTP kiểm tra đồng hồ (trống: theo cài đặt)")
    ntp_timeout: int = _opt(2, "Wait for the NTP server at most this long, seconds", "Chờ máy chủ NTP tối đa (giây)")
    behaviour_settings: tuple[str, ...] = _opt(
        (), "Settings read by page behaviours, one 'name=value' each (e.g. 'social.comments=all')",
        "Thiết lập cho các thao tác trên trang, mỗi dòng 'tên=giá trị' (vd. 'social.comments=all')")

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise UsageError(f"unknown device {self.device!r}; choose one of {', '.join(DEVICES)}",
                             message_vi=f"thiết bị không xác định {self.device!r}; chọn một trong {', '.join(DEVICES)}")
        for name in ("page_timeout", "load_timeout", "idle_timeout", "tile_height", "max_page_height",
                     "max_resource_mb", "ntp_timeout", "mhtml_max_mb"):
            if int(getattr(self, name)) <= 0:
                raise UsageError(f"{name.replace('_', ' ')} must be a positive number",
                                 message_vi=f"{name.replace('_', ' ')} phải là số dương")
        if self.scroll_time_limit < 0 or self.max_redirects < 0 or self.max_links < 0:
            raise UsageError("limits cannot be negative", message_vi="giới hạn không được là số âm")
        for rule in self.host_rules:
            parse_host_rule(rule)
        for setting in self.behaviour_settings:
            parse_behaviour_setting(setting)

    # -- derived facts ----------------------------------------------------------
    @property
    def device_profile(self) -> dict[str, Any]:
        return DEVICES[self.device]

    @property
    def host_map(self) -> dict[str, str]:
        return dict(parse_host_rule(rule) for rule in self.host_rules)

    def behaviour_setting(self, name: str, default: str = "") -> str:
        """The value of ``name`` in :attr:`behaviour_settings` (the last one wins), else ``default``."""
        found = default
        for setting in self.behaviour_settings:
            key, value = parse_behaviour_setting(setting)
            if key == name:
                found = value
        return found

    def with_changes(self, **changes: Any) -> CaptureOptions:
        return replace(self, **changes)

    def to_record(self) -> dict[str, Any]:
        """The options as the provenance records them (JSON-ready, profile path reduced to its name)."""
        data = asdict(self)
        data["behaviours"] = list(self.behaviours)
        data["extra_ca_files"] = list(self.extra_ca_files)
        data["host_rules"] = list(self.host_rules)
        data["behaviour_settings"] = list(self.behaviour_settings)
        return data

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> CaptureOptions:
        """Build from settings or a form; unknown keys are an error (a typo must not be ignored)."""
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise UsageError(f"unknown capture option(s): {', '.join(sorted(unknown))}",
                             message_vi=f"tuỳ chọn thu thập không xác định: {', '.join(sorted(unknown))}")
        clean: dict[str, Any] = {}
        for key, value in values.items():
            default = known[key].default
            if isinstance(default, tuple):
                clean[key] = tuple(value)
            elif isinstance(default, bool):
                clean[key] = bool(value)
            elif isinstance(default, int):
                try:
                    clean[key] = int(value)
                except (TypeError, ValueError) as exc:
                    raise UsageError(f"capture option {key} must be a whole number, not {value!r}",
                                     message_vi=f"tuỳ chọn thu thập {key} phải là số nguyên, không phải {value!r}") from exc
            else:
                clean[key] = str(value)
        return cls(**clean)


def parse_host_rule(rule: str) -> tuple[str, str]:
    """``MAP host address`` (Chromium's --host-resolver-rules syntax, the subset we honour)."""
    parts = rule.split()
    if len(parts) != 3 or parts[0].upper() != "MAP":
        raise UsageError(f"host rule {rule!r} must look like 'MAP example.test 127.0.0.1'",
                         message_vi=f"quy tắc tên miền {rule!r} phải có dạng 'MAP example.test 127.0.0.1'")
    return parts[1].lower(), parts[2]


def parse_behaviour_setting(setting: str) -> tuple[str, str]:
    """``name=value``; the name is what a behaviour asks for (``social.comments``)."""
    key, sep, value = setting.partition("=")
    if not sep or not key.strip() or any(c.isspace() for c in key.strip()):
        raise UsageError(f"behaviour setting {setting!r} must look like 'name=value'",
                         message_vi=f"thiết lập hành vi {setting!r} phải có dạng 'tên=giá trị'")
    return key.strip(), value.strip()


def describe_options() -> list[dict[str, Any]]:
    """Name, type, default and bilingual help of every option (for forms and docs)."""
    rows = []
    for f in fields(CaptureOptions):
        default = None if f.default is MISSING else f.default
        rows.append({"name": f.name, "type": type(default).__name__, "default": default, **f.metadata})
    return rows
