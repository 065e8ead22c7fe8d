"""Texts of the Monitoring tab: ``key: (en, vi)`` (terms from ../shared/GLOSSARY.md).

Apart from the view so the main window can label the tab without loading the view and its
stores (the view is built when first needed: ``gui.deferred``); ``t(key)`` follows the app's
current language.
"""

from __future__ import annotations

from typing import Any

from evidence_store.catalogue import lookup

from . import i18n

TEXTS: dict[str, tuple[str, str]] = {
    "tab.monitoring": ("Monitoring", "Giám sát"),
    "mon.col.id": ("Watch", "Mục theo dõi"),
    "mon.col.target": ("Address", "Địa chỉ"),
    "mon.col.kind": ("Kind", "Loại"),
    "mon.col.status": ("Status", "Trạng thái"),
    "mon.col.next": ("Next check", "Lần kiểm tra tới"),
    "mon.col.change": ("Last change", "Thay đổi gần nhất"),
    "mon.col.unread": ("Unread alerts", "Cảnh báo chưa đọc"),
    "mon.check_now": ("Check now", "Kiểm tra ngay"),
    "mon.pause": ("Pause / resume", "Tạm dừng / tiếp tục"),
    "mon.refresh": ("Refresh", "Làm mới"),
    "mon.mark_read": ("Mark read", "Đánh dấu đã đọc"),
    "mon.alerts": ("Alerts", "Cảnh báo"),
    "mon.previous": ("Previous version", "Phiên bản trước"),
    "mon.current": ("Current version", "Phiên bản hiện tại"),
    "mon.visual": ("Screenshots: previous | current | difference", "Ảnh chụp: trước | hiện tại | khác biệt"),
    "mon.no_change": ("Choose an alert of a change to see it side by side.",
                      "Chọn một cảnh báo thay đổi để xem so sánh hai bên."),
    "mon.notify": ("{count} new monitoring alert(s)", "{count} cảnh báo giám sát mới"),
    "mon.summary": ("{watches} watch(es), {unread} unread alert(s)", "{watches} mục theo dõi, {unread} cảnh báo chưa đọc"),
    "mon.rule": ("Rule: {rule}", "Quy tắc: {rule}"),
    "mon.status.active": ("active", "đang theo dõi"),
    "mon.status.paused": ("paused", "tạm dừng"),
    "mon.status.removed": ("stopped", "đã dừng theo dõi"),
    "mon.status.removed_seen": ("removed at source", "đã bị gỡ tại nguồn"),
    "mon.health.ok": ("working", "hoạt động bình thường"),
    "mon.health.failing": ("failing", "lỗi liên tiếp"),
    "mon.kind.page": ("page", "trang web"), "mon.kind.social": ("social media post", "bài đăng mạng xã hội"),
    "mon.kind.listing": ("list of posts", "danh sách bài đăng"),
    "mon.kind.feed": ("news feed (RSS/Atom)", "nguồn tin (RSS/Atom)"),
    "mon.tip.channel.hotline": ("hotline", "đường dây nóng"), "mon.tip.channel.email": ("e-mail", "thư điện tử"),
    "mon.tip.channel.web_form": ("web form", "biểu mẫu web"), "mon.tip.channel.in_person": ("in person", "trực tiếp"),
    "mon.tip.channel.agency": ("another agency", "cơ quan khác chuyển đến"),
    "mon.tip.channel.social_media": ("social media", "mạng xã hội"), "mon.tip.channel.other": ("other", "khác"),
    "mon.tips": ("Community reports", "Tin báo"),
    "mon.tip.col.id": ("Report", "Tin báo"), "mon.tip.col.received": ("Received", "Tiếp nhận"),
    "mon.tip.col.channel": ("Channel", "Kênh"), "mon.tip.col.status": ("Status", "Trạng thái"),
    "mon.tip.col.case": ("Case", "Vụ việc"), "mon.tip.col.urls": ("Reported addresses", "Địa chỉ được báo"),
    "mon.tip.capture": ("Capture the addresses", "Thu thập các địa chỉ"),
    "mon.tip.watch": ("Watch the addresses", "Theo dõi các địa chỉ"),
    "mon.tip.received": ("received", "đã tiếp nhận"), "mon.tip.assessing": ("assessing", "đang xác minh"),
    "mon.tip.violation": ("violation", "có vi phạm"), "mon.tip.no_violation": ("no violation", "không vi phạm"),
    "mon.tip.handled": ("handled", "đã xử lý"),
}


def t(key: str, **fmt: Any) -> str:
    """The text of ``key`` in the app's language; a missing key raises ``MissingText`` like every catalogue."""
    return lookup(TEXTS, key, i18n.current(), **fmt)
