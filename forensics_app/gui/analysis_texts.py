"""Texts of the search, entity and timeline views: ``key: (en, vi)`` (terms from ../shared/GLOSSARY.md).

Kept apart from ``texts.TEXTS`` while the main window is being reworked; ``t(key)`` follows the
app's current language like ``i18n.tr``.
"""

from __future__ import annotations

from typing import Any

from evidence_store.catalogue import lookup

from . import i18n

TEXTS: dict[str, tuple[str, str]] = {
    "tab.search": ("Search", "Tìm kiếm"),
    "tab.timeline": ("Timeline", "Dòng thời gian"),
    "search.placeholder": ("Words (with or without marks), \"a phrase\", prefix*, OR, -excluded",
                           "Từ (có hoặc không dấu), \"cụm từ\", tiền tố*, OR, -loại trừ"),
    "search.run": ("Search", "Tìm"),
    "search.scope.case": ("This case", "Vụ việc này"),
    "search.scope.all": ("All cases", "Mọi vụ việc"),
    "search.entity": ("Entity card", "Thẻ thực thể"),
    "search.hits": ("{count} hit(s)", "{count} kết quả"),
    "search.cases": ("In cases: {cases}", "Có trong vụ việc: {cases}"),
    "search.open": ("Show the item", "Mở mục chứng cứ"),
    "search.col.case": ("Case", "Vụ việc"),
    "search.col.item": ("Item", "Mục"),
    "search.col.kind": ("Kind", "Loại"),
    "search.col.name": ("Name", "Tên"),
    "search.col.place": ("Place", "Vị trí"),
    "search.col.snippet": ("Text", "Đoạn văn bản"),
    "search.no_case": ("Choose a case, or search all cases.", "Hãy chọn vụ việc, hoặc tìm trong mọi vụ việc."),
    "entity.title": ("{type} {value}", "{type} {value}"),
    "entity.summary": ("{occurrences} occurrence(s) in {items} item(s) of {cases} case(s); first seen {first}, "
                       "last seen {last}",
                       "{occurrences} lần xuất hiện trong {items} mục của {cases} vụ việc; thấy lần đầu {first}, "
                       "lần cuối {last}"),
    "entity.linked": ("Appears with", "Xuất hiện cùng"),
    "entity.occurrences": ("Occurrences", "Các lần xuất hiện"),
    "entity.watched": ("On the watch list", "Trong danh sách theo dõi"),
    "entity.none": ("No entity matches this value.", "Không có thực thể nào khớp với giá trị này."),
    "timeline.from": ("From", "Từ"),
    "timeline.to": ("To", "Đến"),
    "timeline.source": ("Source", "Nguồn"),
    "timeline.source.all": ("All sources", "Mọi nguồn"),
    "timeline.kind": ("Item kind", "Loại mục"),
    "timeline.kind.all": ("All kinds", "Mọi loại"),
    "timeline.entity": ("Entity", "Thực thể"),
    "timeline.apply": ("Apply", "Áp dụng"),
    "timeline.reset": ("Whole case", "Toàn bộ vụ việc"),
    "timeline.count": ("{count} event(s)", "{count} sự kiện"),
    "timeline.loading": ("Loading…", "Đang tải…"),
    "timeline.approx": ("≈ density estimated from every {step}th event", "≈ mật độ ước tính theo mỗi {step} sự kiện"),
    "timeline.zoom": ("Wheel: zoom (years to seconds); drag: move; click: go to that time",
                      "Cuộn chuột: phóng to/thu nhỏ (năm đến giây); kéo: di chuyển; bấm: tới thời điểm đó"),
    "timeline.col.time": ("Time (UTC)", "Thời gian (UTC)"),
    "timeline.col.precision": ("Precision", "Độ chính xác"),
    "timeline.col.source": ("Source", "Nguồn"),
    "timeline.col.desc": ("Time of", "Loại thời gian"),
    "timeline.col.message": ("Event", "Sự kiện"),
    "timeline.col.item": ("Item", "Mục"),
}


def t(key: str, **fmt: Any) -> str:
    """Like ``i18n.tr``: a missing key raises ``MissingText`` (the catalogue's one behaviour)."""
    return lookup(TEXTS, key, i18n.current(), **fmt)
