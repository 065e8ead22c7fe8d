"""The settings every part of the toolkit reads, with their defaults.

Agency, unit and place names are settings, never hard-coded (provinces and
departments were merged in 2025 and will change again).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from evidence_store import UsageError, Vault


class Setting(NamedTuple):
    """A setting the app knows, its default and its description in both languages."""

    key: str
    default: Any
    en: str
    vi: str


KNOWN: tuple[Setting, ...] = (
    Setting("language", "vi", "Interface and report language (vi or en)", "Ngôn ngữ giao diện và báo cáo (vi hoặc en)"),
    Setting("agency", "", "Agency", "Cơ quan"),
    Setting("parent_agency", "", "Superior agency (for the form header)", "Cơ quan chủ quản (đầu biểu mẫu)"),
    Setting("unit", "", "Unit", "Đơn vị"),
    Setting("place", "", "Place (for minutes and reports)", "Địa điểm (ghi trong biên bản, báo cáo)"),
    Setting("timezone", "Asia/Ho_Chi_Minh", "Local time zone", "Múi giờ địa phương"),
    Setting("default_examiner", "", "Default examiner", "Cán bộ thực hiện mặc định"),
    Setting("browser_path", "", "Browser executable (empty: find one)", "Đường dẫn trình duyệt (để trống: tự tìm)"),
    Setting("ntp_server", "pool.ntp.org", "NTP server for the clock check", "Máy chủ NTP kiểm tra đồng hồ"),
    Setting("tsa_urls", [], "Timestamp authorities (RFC 3161 URLs)", "Tổ chức cấp dấu thời gian (URL RFC 3161)"),
    Setting("tsa_roots", [], "Trusted root certificates of the timestamp authorities (PEM)",
            "Chứng thư gốc tin cậy của tổ chức cấp dấu thời gian (PEM)"),
    Setting("statistics_case", "THONG-KE", "Case that keeps statistics reports over all cases",
            "Vụ việc lưu các báo cáo thống kê chung"),
    Setting("idle_lock_minutes", 15, "Lock the app after this many idle minutes", "Khoá ứng dụng sau số phút không dùng"),
    Setting("capture_defaults", {}, "Default web capture options", "Tuỳ chọn thu thập trang web mặc định"),
)
BY_KEY = {s.key: s for s in KNOWN}


def get(vault: Vault, key: str) -> Any:
    if key not in BY_KEY:
        raise UsageError(f"unknown setting {key!r}; known: {', '.join(BY_KEY)}")
    return vault.get_setting(key, BY_KEY[key].default)


def all_settings(vault: Vault) -> dict[str, Any]:
    stored = vault.settings()
    return {s.key: stored.get(s.key, s.default) for s in KNOWN} | {
        k: v for k, v in stored.items() if k not in BY_KEY}
