"""One catalog, both languages, glossary terms, and switching while the window is open."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from forensics_app.gui import i18n
from forensics_app.gui.texts import TEXTS

GUI = Path(i18n.__file__).resolve().parent
KEY = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"
USES = [
    re.compile(rf'\btr\(\s*"({KEY})"'),
    re.compile(rf'\bbind\([^()]*?,\s*"set[A-Za-z]+",\s*"({KEY})"'),
    re.compile(rf'(?:title_key|start_key)\s*=\s*"({KEY})"'),
    re.compile(rf'self\._(?:action|tool)\(\s*"({KEY})"'),
    re.compile(rf'\ba\(\s*"({KEY})"'),
    re.compile(rf'\bmenu\(\s*"({KEY})"'),
    re.compile(rf'_QuickDialog\.__init__|super\(\).__init__\(workspace, parent, "({KEY})"\)'),
]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_exists_in_both_languages_with_the_same_fields() -> None:
    for key, (en, vi) in TEXTS.items():
        assert en.strip() and vi.strip(), key
        assert _fields(en) == _fields(vi), f"{key}: {_fields(en)} != {_fields(vi)}"


def test_every_key_the_code_uses_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in GUI.rglob("*.py"):
        source = path.read_text("utf-8")
        for pattern in USES:
            used.update(m for m in pattern.findall(source) if m)
    assert len(used) > 150
    missing = sorted(k for k in used if k not in TEXTS)
    assert not missing, missing
    # keys built at run time
    for prefix, names in (("strength", ("weak", "fair", "strong")),
                          ("items.col", ("id", "kind", "name", "source", "acquired_at", "size", "sha256",
                                         "warnings")),
                          ("custody.col", ("seq", "time", "examiner", "action", "item", "details")),
                          ("detail", ("id", "kind", "name", "source", "acquired", "examiner", "size",
                                      "media_type", "uid")),
                          ("settings", ("agency", "parent_agency", "unit", "place"))):
        for name in names:
            assert f"{prefix}.{name}" in TEXTS
    for kind in ("folder", "file", "web_capture", "screenshot", "pdf", "warc", "wacz", "provenance",
                 "disk_image", "extracted_file", "report", "social_post", "media", "screenshot_element"):
        assert f"kind.{kind}" in TEXTS


def test_vietnamese_uses_the_glossary_terms() -> None:
    vi = {key: pair[1] for key, pair in TEXTS.items()}
    assert "vụ việc" in vi["action.new.case"].lower()
    assert vi["tab.custody"] == "Nhật ký lưu giữ chứng cứ"
    assert "giá trị băm" in vi["preview.hashes"].lower()
    assert "kiểm tra tính toàn vẹn" in vi["verify.title"].lower()
    assert "kho chứng cứ" in vi["welcome.create"].lower()
    assert vi["kind.disk_image"] == "Ảnh đĩa"
    assert "gói chứng cứ" in vi["action.package"].lower()
    assert "cán bộ thu thập" in vi["field.examiner"].lower()
    assert "dấu thời gian" in vi["settings.tsa"].lower()


def test_switching_language_retranslates_the_visible_window(window: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    def visible_texts() -> dict[str, str]:
        menus = [m.title() for m, _ in window._menus]
        header = window.evidence.model.headerData(2, Qt.Orientation.Horizontal)
        return {"menus": "|".join(menus), "new_case": window.act_new_case.text(), "tab": window.center_tabs.tabText(1),
                "header": header, "count": window.evidence.count.text(), "state": window.state_label.text(),
                "preview_tab": window.preview.tabs.tabText(0), "search": window.evidence.search.placeholderText(),
                "kind_cell": window.evidence.model.index(0, 1).data(), "title": window.windowTitle()}

    english = visible_texts()
    assert english["new_case"] == "New case…" and english["tab"] == "Custody log" and english["header"] == "Name"
    window.set_language("vi")
    vietnamese = visible_texts()
    assert vietnamese["new_case"] == "Vụ việc mới…"
    assert vietnamese["tab"] == "Nhật ký lưu giữ chứng cứ"
    assert vietnamese["header"] == "Tên"
    assert vietnamese["kind_cell"] == "Thư mục"
    assert vietnamese["count"].endswith("mục chứng cứ")
    assert vietnamese["state"] == "Đã mở khoá"
    changed = [k for k in english if english[k] == vietnamese[k]]
    assert not changed, changed
    window.set_language("en")
    assert visible_texts() == english
    # remembered for the next start (the first screen speaks it before any vault is open)
    from forensics_app.gui.prefs import Prefs

    window.set_language("vi")
    assert Prefs.load().language == "vi"


def test_open_dialogs_follow_the_switch(window: Any) -> None:
    examiners = window.open_dialog("examiners")
    settings = window.open_dialog("settings")
    assert examiners.table.horizontalHeaderItem(0).text() == "Name"
    settings.language.setCurrentIndex(0)  # Tiếng Việt, from inside the settings dialog
    assert examiners.table.horizontalHeaderItem(0).text() == "Họ tên"
    assert examiners.windowTitle() == "Cán bộ thu thập" and settings.windowTitle() == "Cài đặt"
    assert window.preview.tabs.tabText(1) == "Chi tiết"
    window.set_language("en")
    assert examiners.table.horizontalHeaderItem(0).text() == "Name"
