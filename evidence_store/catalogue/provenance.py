"""The names of a capture's provenance facts, in both languages (the readable summary's row labels)."""

from __future__ import annotations

from . import MissingText, pick

FIELDS: dict[str, tuple[str, str]] = {
    "requested_url": ("Address asked for", "Địa chỉ yêu cầu"),
    "final_url": ("Page reached", "Trang nhận được"),
    "redirects": ("Redirects", "Chuyển hướng"),
    "answer": ("Server's answer", "Máy chủ trả lời"),
    "title": ("Page title", "Tiêu đề trang"),
    "servers": ("Servers (address and port)", "Máy chủ (địa chỉ và cổng)"),
    "certificate": ("Certificate", "Chứng thư"),
    "certificate_none": ("Certificate", "Chứng thư"),
    "time": ("Time of the capture", "Thời gian thu thập"),
    "clock": ("Workstation clock", "Đồng hồ máy trạm"),
    "browser": ("Browser", "Trình duyệt"),
    "device": ("Device and window", "Thiết bị và khung nhìn"),
    "examiner": ("Examiner", "Cán bộ thực hiện"),
    "account": ("Account used", "Tài khoản đã dùng"),
    "workstation": ("Workstation", "Máy trạm"),
    "tool": ("Tool", "Công cụ"),
    "complete": ("Completeness", "Mức đầy đủ"),
    "warnings": ("Warnings", "Cảnh báo"),
    "changes": ("Changes made by the collection", "Thay đổi do việc thu thập"),
}


def field_name(key: str, lang: str) -> str:
    try:
        return pick(FIELDS[key], lang)
    except KeyError:
        raise MissingText(f"provenance.{key}") from None
