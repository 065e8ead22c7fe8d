"""Exhibits of monitoring (issue 15): "changes over time" of a watched page or post, each change with its
redline, and the three-panel screenshot comparison.

The history is an item (``monitoring_history``, JSON, recorded when the report
was made): every check with its time, state and the hashes of what it stored;
first seen, last seen and removal with the rule that decided it. Its changes
show the words removed (struck, red) and added (underlined, green), and the
comparison images when the report holds them.
"""

from __future__ import annotations

import json
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from evidence_store import Item

from .exhibit_kinds import image_exhibit
from .exhibits import ExhibitRenderer, register_exhibit
from .i18n import local_text, utc_text
from .layout import CONTENT_WIDTH, Styles, grid_table, kv_table
from .model import ReportContext
from .strings import STRINGS
from .text import markup, mono

JSON_LIMIT = 16 * 1024 * 1024
REDLINE_WORDS = 3000

TEXTS: dict[str, tuple[str, str]] = {
    "method.monitoring": (
        "<b>Monitoring</b>: the page or post was captured again on a schedule, each time completely (WARC, "
        "screenshots, HTML, provenance); what was identical to an earlier check is stored once and the WARC "
        "refers to the earlier record (revisit). Changes were found by fixed rules (word-level text comparison "
        "after the watch's selectors, screenshot comparison with OpenCV, links, social records), each recorded "
        "with its rule. A removal is recorded only when the platform said the content is unavailable, or the server "
        "answered 404/410, on the stated number of consecutive checks.",
        "<b>Giám sát</b>: trang hoặc bài đăng được thu thập lại theo lịch, mỗi lần đầy đủ (WARC, ảnh chụp, HTML, "
        "nguồn gốc); phần giống hệt lần kiểm tra trước được lưu một lần và WARC tham chiếu bản ghi trước (revisit). "
        "Thay đổi được xác định theo quy tắc cố định (so sánh văn bản theo từ sau bộ chọn của mục theo dõi, so sánh "
        "ảnh chụp bằng OpenCV, liên kết, bản ghi mạng xã hội), mỗi thay đổi ghi kèm quy tắc. Việc gỡ bỏ chỉ được "
        "ghi nhận khi nền tảng cho biết nội dung không còn hiển thị, hoặc máy chủ trả lời 404/410, trong số lần "
        "kiểm tra liên tiếp đã nêu."),
    "limit.monitoring": (
        "A check shows the page as served to this workstation at that time; a failed check (no answer, a login "
        "wall, a page the reader did not recognise) says nothing about whether the content still exists.",
        "Mỗi lần kiểm tra cho thấy trang như được phục vụ cho máy trạm này tại thời điểm đó; lần kiểm tra không "
        "thành công (không phản hồi, yêu cầu đăng nhập, trang không nhận dạng được) không cho biết nội dung còn "
        "hay không."),
    "kind.monitoring_history": ("changes over time (monitoring)", "diễn biến thay đổi theo thời gian (giám sát)"),
    "kind.monitoring_change": ("change found by monitoring", "thay đổi phát hiện khi giám sát"),
    "kind.monitoring_visual_diff": ("screenshot comparison", "so sánh ảnh chụp"),
    "kind.tip_attachment": ("file sent with a community report", "tệp gửi kèm tin báo"),
}
for _key, _value in TEXTS.items():
    STRINGS.setdefault(_key, _value)

S: dict[str, tuple[str, str]] = {
    "target": ("Watched address", "Địa chỉ theo dõi"), "checks": ("Checks", "Số lần kiểm tra"),
    "first_seen": ("First seen", "Thấy lần đầu"), "last_seen": ("Last seen", "Thấy lần cuối"),
    "removed": ("Removed at", "Bị gỡ lúc"), "removal_rule": ("Removal decided by", "Căn cứ xác định bị gỡ"),
    "versions": ("Every check", "Các lần kiểm tra"), "changes": ("Changes", "Các thay đổi"),
    "col.time": ("Time (UTC / local)", "Thời điểm (UTC / địa phương)"), "col.status": ("Result", "Kết quả"),
    "col.capture": ("Capture", "Lần thu thập"), "col.hashes": ("SHA-256 (screenshot / HTML / WARC)",
                                                               "SHA-256 (ảnh chụp / HTML / WARC)"),
    "rule": ("Rule", "Quy tắc"), "redline": ("Text: removed words struck, added words underlined",
                                            "Văn bản: từ bị xoá gạch ngang, từ thêm gạch chân"),
    "visual": ("Screenshots: previous | current | difference", "Ảnh chụp: trước | hiện tại | khác biệt"),
    "none": ("—", "—"),
    "shown_as": ("the exhibit of item {id}", "xem mục chứng cứ {id}"),
    "not_included": ("item {id} (not in this report)", "mục {id} (không có trong báo cáo này)"),
    "status.unchanged": ("unchanged", "không đổi"), "status.changed": ("changed", "có thay đổi"),
    "status.new_posts": ("new posts", "có bài mới"), "status.removed": ("removed", "đã bị gỡ"),
    "status.unavailable": ("unavailable", "không truy cập được"), "status.failed": ("failed", "không thành công"),
    "status.interrupted": ("interrupted", "bị gián đoạn"),
}


def s(key: str, lang: str) -> str:
    en, vi = S[key]
    return vi if lang == "vi" else en


def _when(value: str | None, ctx: ReportContext) -> str:
    return f"{utc_text(value)} / {local_text(value, ctx.tz)}" if value else s("none", ctx.lang)


def _json(item: Item, ctx: ReportContext) -> dict[str, Any]:
    if ctx.content is None or not item.has_content:
        return {}
    try:
        return dict(json.loads(ctx.content.read(item, JSON_LIMIT) or b"{}"))
    except ValueError:
        return {}


def redline(ops: list[list[str]], styles: Styles) -> list[Flowable]:
    parts, words = [], 0
    for op, text in ops:
        words += len(text.split())
        if words > REDLINE_WORDS:
            parts.append(" […]")
            break
        if op == "equal":
            parts.append(markup(text, limit=4000))
        elif op == "delete":
            parts.append(f"<strike><font color='#b00000'>{markup(text, limit=4000)}</font></strike>")
        else:
            parts.append(f"<u><font color='#006000'>{markup(text, limit=4000)}</font></u>")
    return [Paragraph(" ".join(parts), styles.cell)] if parts else []


def _change_flowables(change: dict[str, Any], ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [kv_table([(s("rule", lang), markup(change.get("rule") or "", limit=2000)),
                                     ("", markup(change.get("summary") or "", limit=1000))], styles)]
    if change.get("text_ops"):
        out += [Paragraph(s("redline", lang), styles.small), *redline(change["text_ops"], styles)]
    items = ctx.item_by_id()
    for image_id in change.get("visual_items") or []:  # each image is printed once, as its own exhibit
        percent = change.get("visual_percent")
        where = s("shown_as", lang).format(id=image_id) if image_id in items else s("not_included", lang).format(
            id=image_id)
        out.append(Paragraph(f"{s('visual', lang)}: {percent}% — {where}", styles.small))
    return out


@register_exhibit("monitoring_history")
class MonitoringHistoryExhibit(ExhibitRenderer):
    method_key = "method.monitoring"
    limitation_keys = ("limit.monitoring",)
    skip_metadata = ("watch", "watch_id", "last_run", "checks", "changes", "first_seen", "last_seen", "removed_at")

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        lang = ctx.lang
        data = _json(item, ctx)
        if not data:
            return []
        removal = data.get("removal") or {}
        rows = [(s("target", lang), markup(data.get("target"), limit=500)),
                (s("checks", lang), str(data.get("checks", 0))),
                (s("first_seen", lang), _when(data.get("first_seen"), ctx)),
                (s("last_seen", lang), _when(data.get("last_seen"), ctx)),
                (s("removed", lang), _when(data.get("removed_at"), ctx))]
        if removal:
            rows.append((s("removal_rule", lang), markup(f"{removal.get('rule', '')} ({removal.get('reason', '')})",
                                                         limit=1000)))
        out: list[Flowable] = [kv_table(rows, styles)]
        table = []
        for v in data.get("versions") or []:
            hashes = " / ".join((v.get(f"{k}_sha256") or "—")[:16] for k in ("screenshot", "html", "warc"))
            status = S.get(f"status.{v.get('status')}")
            table.append([_when(v.get("time"), ctx),
                          markup(((status[1] if lang == "vi" else status[0]) if status else v.get("status")) + ": "
                                 + (v.get("summary") or v.get("reason") or ""), limit=300),
                          str(v.get("capture_item") or "—"), mono(hashes)])
        if table:
            out += [Paragraph(s("versions", lang), styles.h3),
                    grid_table([s("col.time", lang), s("col.status", lang), s("col.capture", lang),
                                s("col.hashes", lang)], table,
                               [45 * mm, 55 * mm, 16 * mm, CONTENT_WIDTH - 116 * mm], styles)]
        for change in data.get("changes") or []:
            out.append(Paragraph(f"{s('changes', lang)}: {_when(change.get('detected_at'), ctx)} "
                                 f"(item {change.get('item')})", styles.h3))
            out += _change_flowables(change, ctx, styles)
        return out


@register_exhibit("monitoring_change")
class MonitoringChangeExhibit(ExhibitRenderer):
    method_key = "method.monitoring"
    limitation_keys = ("limit.monitoring",)
    skip_metadata = ("change",)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        data = _json(item, ctx)
        ops = ((data.get("change") or {}).get("text") or {}).get("ops") or []
        out: list[Flowable] = [kv_table([(s("rule", ctx.lang), markup(data.get("rule") or "", limit=2000))], styles)]
        if ops:
            out += [Paragraph(s("redline", ctx.lang), styles.small), *redline(ops, styles)]
        return out


@register_exhibit("monitoring_visual_diff")
class MonitoringVisualExhibit(ExhibitRenderer):
    method_key = "method.monitoring"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        return image_exhibit(item, ctx, styles)


@register_exhibit("tip_attachment")
class TipAttachmentExhibit(ExhibitRenderer):
    """A file a citizen sent: shown like any file (an image inline); the reporter is never printed."""

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        if (item.media_type or "").startswith("image/"):
            return image_exhibit(item, ctx, styles)
        return super().body(item, ctx, styles)
