"""The settings every part of the toolkit reads, with their defaults.

Agency, unit and place names are settings, never hard-coded (provinces and
departments were merged in 2025 and will change again).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from evidence_store import DEFAULT_ZONE, UsageError, Vault, checked_zone_name


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
    Setting("timezone", DEFAULT_ZONE, "Local time zone", "Múi giờ địa phương"),
    Setting("browser_path", "", "Browser executable (empty: find one)", "Đường dẫn trình duyệt (để trống: tự tìm)"),
    Setting("ntp_server", "pool.ntp.org", "NTP server for the clock check", "Máy chủ NTP kiểm tra đồng hồ"),
    Setting("tsa_urls", [], "Timestamp authorities (RFC 3161 URLs)", "Tổ chức cấp dấu thời gian (URL RFC 3161)"),
    Setting("tsa_roots", [], "Trusted root certificates of the timestamp authorities (PEM)",
            "Chứng thư gốc tin cậy của tổ chức cấp dấu thời gian (PEM)"),
    Setting("statistics_case", "THONG-KE", "Case that keeps statistics reports over all cases",
            "Vụ việc lưu các báo cáo thống kê chung"),
    Setting("idle_lock_minutes", 15, "Lock the app after this many idle minutes", "Khoá ứng dụng sau số phút không dùng"),
    Setting("capture_defaults", {}, "Default web capture options", "Tuỳ chọn thu thập trang web mặc định"),
    Setting("witness_dirs", [], "Extra folders where custody-log checkpoints are witnessed (e.g. a removable drive)",
            "Thư mục lưu thêm bản chứng kiến điểm kiểm tra nhật ký (ví dụ ổ đĩa rời)"),
    Setting("tips_case", "TIN-BAO", "Case that keeps the files sent with community reports",
            "Vụ việc lưu các tệp gửi kèm tin báo"),
    Setting("monitor_email", {}, "Monitoring alerts by e-mail: host, port, security (starttls|tls), from, to, user "
            "(password in FORENSICS_SMTP_PASSWORD)", "Gửi cảnh báo giám sát qua thư điện tử: host, port, security "
            "(starttls|tls), from, to, user (mật khẩu trong FORENSICS_SMTP_PASSWORD)"),
    Setting("monitor_webhook", {}, "Monitoring alerts to a webhook: url (token in FORENSICS_WEBHOOK_TOKEN)",
            "Gửi cảnh báo giám sát tới webhook: url (mã thông báo trong FORENSICS_WEBHOOK_TOKEN)"),
    Setting("monitor_egress_echo_url", "", "Address that answers with the caller's public IP (egress of each check)",
            "Địa chỉ trả về IP công khai của máy gọi (địa chỉ ra mạng của mỗi lần kiểm tra)"),
    Setting("broker_url", "", "Message broker of the capture workers, amqp://user@host:5672/vhost (password in "
            "FORENSICS_BROKER_PASSWORD); empty: every capture runs on this workstation",
            "Máy chủ hàng đợi của các máy thu thập, amqp://user@host:5672/vhost (mật khẩu trong "
            "FORENSICS_BROKER_PASSWORD); để trống: mọi lần thu thập chạy trên máy này"),
    Setting("remote_staging", "", "Where the workers leave sealed capture bundles: a shared folder (as mounted here) "
            "or an S3-compatible store, s3://bucket/prefix (credentials in FORENSICS_S3_ACCESS_KEY and "
            "FORENSICS_S3_SECRET_KEY)", "Nơi máy thu thập để các gói thu thập đã niêm phong: thư mục dùng chung (theo "
            "đường dẫn trên máy này) hoặc kho tương thích S3, s3://bucket/prefix (thông tin đăng nhập trong "
            "FORENSICS_S3_ACCESS_KEY và FORENSICS_S3_SECRET_KEY)"),
    Setting("remote_s3_endpoint", "", "Address of the S3-compatible staging store (e.g. http://minio:9000); "
            "empty: AWS S3. FORENSICS_S3_ENDPOINT overrides it", "Địa chỉ kho trung chuyển tương thích S3 (ví dụ "
            "http://minio:9000); để trống: AWS S3. Biến FORENSICS_S3_ENDPOINT được ưu tiên"),
    Setting("remote_queue", "forensics.capture", "Queue of the capture workers", "Hàng đợi của các máy thu thập"),
    Setting("remote_host_limits", {"concurrency": 2, "per_minute": 30}, "Per site on the workers: captures at once "
            "and started per minute ({\"concurrency\": 2, \"per_minute\": 30, \"hosts\": {\"facebook\": {…}}})",
            "Mỗi trang web trên các máy thu thập: số lần thu thập cùng lúc và số lần bắt đầu mỗi phút"),
    Setting("remote_monitoring", False, "Monitoring checks run on the capture workers (when a broker is set)",
            "Các lần kiểm tra giám sát chạy trên máy thu thập (khi đã cấu hình hàng đợi)"),
)
BY_KEY = {s.key: s for s in KNOWN}
#: each setting's name in both languages (how a custody entry's change is worded)
SETTING_NAMES = {s.key: (s.en, s.vi) for s in KNOWN}


def get(vault: Vault, key: str) -> Any:
    if key not in BY_KEY:
        raise UsageError(f"unknown setting {key!r}; known: {', '.join(BY_KEY)}",
                         message_vi=f"cài đặt không xác định {key!r}; các cài đặt có: {', '.join(BY_KEY)}")
    return vault.get_setting(key, BY_KEY[key].default)


def local_zone(vault: Vault) -> str:
    """The zone local times are shown in (the ``timezone`` setting)."""
    return str(get(vault, "timezone") or DEFAULT_ZONE)


def all_settings(vault: Vault) -> dict[str, Any]:
    stored = vault.settings()
    return {s.key: stored.get(s.key, s.default) for s in KNOWN} | {
        k: v for k, v in stored.items() if k not in BY_KEY}


def _urls(value: Any) -> list[str]:
    from urllib.parse import urlsplit

    items = [value] if isinstance(value, str) else list(value or [])
    urls = [str(u).strip() for u in items if str(u).strip()]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"timestamp authority {url!r} is not an http(s) URL",
                             message_vi=f"địa chỉ tổ chức cấp dấu thời gian {url!r} không phải URL http(s)")
    return urls


def _language(value: Any) -> str:
    if value not in ("vi", "en"):
        raise UsageError(f"language must be vi or en, not {value!r}", message_vi="ngôn ngữ phải là vi hoặc en")
    return str(value)


def _minutes(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 24 * 60:
        raise UsageError(f"idle lock must be 0 (never) to 1440 minutes, not {value!r}",
                         message_vi="thời gian tự khoá phải từ 0 (không khoá) đến 1440 phút")
    return minutes


def _folders(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    return [str(p).strip() for p in items if str(p).strip()]


def _broker(value: Any) -> str:
    text = str(value or "").strip()
    if text:
        from .remote_engine import broker_url

        broker_url(text)
    return text


def _host_limits(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError("remote_host_limits is a JSON object: {\"concurrency\": 2, \"per_minute\": 30}",
                         message_vi="remote_host_limits phải là đối tượng JSON")
    from .remote_desk import DEFAULT_LIMITS, parse_limit

    parse_limit(value, DEFAULT_LIMITS)
    for host, limit in dict(value.get("hosts") or {}).items():
        if not isinstance(limit, dict):
            raise UsageError(f"remote_host_limits: the limit of {host} is not an object",
                                 message_vi=f"remote_host_limits: giới hạn của {host} phải là đối tượng JSON")
        parse_limit(limit, {**DEFAULT_LIMITS, **value})
    return dict(value)


def _staging(value: Any) -> str:
    text = str(value or "").strip()
    if text.startswith("s3://"):
        from .remote_staging import open_staging

        open_staging(text)  # the form only; the store is reached when the desk collects
    return text


def _s3_endpoint(value: Any) -> str:
    """An address only: credentials never go in a setting (settings are logged in the custody log)."""
    from urllib.parse import urlsplit

    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.username or parts.password:
        raise UsageError("remote_s3_endpoint must not hold credentials: set FORENSICS_S3_ACCESS_KEY and "
                         "FORENSICS_S3_SECRET_KEY in the environment instead",
                         message_vi="remote_s3_endpoint không được chứa thông tin đăng nhập: hãy đặt "
                         "FORENSICS_S3_ACCESS_KEY và FORENSICS_S3_SECRET_KEY trong biến môi trường")
    if text and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise UsageError(f"remote_s3_endpoint must be an http:// or https:// address, not {text!r}",
                         message_vi=f"remote_s3_endpoint phải là địa chỉ http:// hoặc https://, không phải {text!r}")
    return text


VALIDATORS = {"timezone": lambda value: checked_zone_name(str(value)), "tsa_urls": _urls, "language": _language,
              "idle_lock_minutes": _minutes, "witness_dirs": _folders, "broker_url": _broker,
              "remote_host_limits": _host_limits, "remote_staging": _staging, "remote_s3_endpoint": _s3_endpoint}


def validate(key: str, value: Any) -> Any:
    """The value to store for ``key``, or a UsageError saying what is wrong (the same rule for both shells)."""
    check = VALIDATORS.get(key)
    return check(value) if check else value


def set_settings(vault: Vault, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate every change first, then store them all in one transaction (each logged)."""
    checked = {key: validate(key, value) for key, value in changes.items()}
    with vault.transaction():
        for key, value in checked.items():
            vault.set_setting(key, value)
    return checked
