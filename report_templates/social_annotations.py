"""The examiner's entries beside what the tool read, in a social post's exhibit (Vietnamese or English).

An ``annotation`` item (a child of the social capture, see CONTRIBUTING.md)
holds fields the examiner entered by hand, where the page shows them (a region
of a stored screenshot, or a DOM path of the stored page), who entered them,
when and why. The machine-read record is never changed: the report prints the
two side by side, "read by the tool" and "entered by examiner X from the
screenshot at …", so a reader can tell them apart and check the second against
the screenshot.
"""

from __future__ import annotations

import json
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from evidence_store import Item

from .exhibits import ExhibitRenderer, register_exhibit
from .i18n import local_text, utc_text
from .layout import CONTENT_WIDTH, Styles, grid_table, kv_table
from .model import ReportContext
from .text import markup, mono

ANNOTATION_LIMIT = 1024 * 1024

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("Completed by the examiner", "Thông tin do giám định viên bổ sung"),
    "intro": ("The tool's record is unchanged. Each value below was entered by hand by the examiner named, "
              "pointing at where the capture shows it; check it against that screenshot or element.",
              "Bản ghi do công cụ đọc được giữ nguyên. Mỗi giá trị dưới đây do giám định viên có tên nhập tay, chỉ rõ "
              "vị trí hiển thị trong bản thu thập; hãy đối chiếu với ảnh chụp hoặc phần tử trang đó."),
    "col.field": ("Field", "Trường"),
    "col.tool": ("Read by the tool", "Công cụ đọc được"),
    "col.examiner": ("Entered by the examiner", "Giám định viên nhập"),
    "not_read": ("— (not read)", "— (không đọc được)"),
    "entered_by": ("entered by examiner {name} on {utc} ({local})", "do giám định viên {name} nhập lúc {utc} ({local})"),
    "from_shot": ("from the screenshot item #{id} (SHA-256 {sha}) at x={x}, y={y}, {w}×{h} px",
                  "từ ảnh chụp màn hình mục #{id} (SHA-256 {sha}) tại x={x}, y={y}, {w}×{h} px"),
    "from_dom": ("from the page element {path} of the stored page", "từ phần tử trang {path} của trang đã lưu"),
    "reason": ("reason", "lý do"),
    "annotation_item": ("annotation item #{id}", "mục chú thích #{id}"),
    "see_below": ("see the examiner's entry below", "xem giá trị giám định viên nhập bên dưới"),
    "for_record": ("For the record", "Cho bản ghi"),
    "fields": ("Fields entered", "Các trường đã nhập"),
    "where": ("Where the capture shows it", "Vị trí trên bản thu thập"),
    "unreadable": ("The annotation could not be read: {reason}", "Không đọc được chú thích: {reason}"),
}
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "author.name": ("author's name", "tên tác giả"), "author.handle": ("author's handle", "tên tài khoản tác giả"),
    "author.id": ("author's id", "mã tác giả"), "author.profile_url": ("author's profile", "trang cá nhân tác giả"),
    "published": ("published", "thời điểm đăng"), "title": ("title", "tiêu đề"), "text": ("text", "nội dung"),
    "post_id": ("post id", "mã bài đăng"),
}
COUNT_LABELS: dict[str, tuple[str, str]] = {
    "likes": ("likes", "lượt thích"), "reactions": ("reactions", "cảm xúc"), "comments": ("comments", "bình luận"),
    "shares": ("shares", "lượt chia sẻ"), "views": ("views", "lượt xem"), "reposts": ("reposts", "lượt đăng lại"),
}


def st(key: str, lang: str, **values: object) -> str:
    en, vi = STRINGS[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def field_label(name: str, lang: str) -> str:
    if name.startswith("counts."):
        en, vi = COUNT_LABELS.get(name[7:], (name[7:], name[7:]))
    else:
        en, vi = FIELD_LABELS.get(name, (name, name))
    return vi if lang == "vi" else en


def annotations_for(record_item: Item, ctx: ReportContext) -> list[tuple[Item, dict[str, Any]]]:
    """The annotation items in the report that complete this record, oldest first, with their content."""
    out = []
    for item in ctx.items:
        meta = item.metadata.get("annotation") or {}
        if item.kind == "annotation" and meta.get("record_item") == record_item.id:
            data = read_annotation(item, ctx)
            if data is not None:
                out.append((item, data))
    return sorted(out, key=lambda pair: (pair[0].acquired_at, pair[0].id))


def read_annotation(item: Item, ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.content is None or not item.has_content:
        return None
    raw = ctx.content.read(item, ANNOTATION_LIMIT)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def machine_value(record: dict[str, Any], name: str) -> str:
    """What the tool's record holds for a field, as text ('' when it read nothing)."""
    if name.startswith("counts."):
        count = (record.get("counts") or {}).get(name[7:]) or {}
        value = count.get("value")
        return "" if value is None else f"{value} (“{count.get('shown', '')}”)"
    if name == "published":
        when = record.get("published") or {}
        return str(when.get("utc") or when.get("shown") or "")
    node: Any = record
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def where_text(data: dict[str, Any], lang: str) -> str:
    where = data.get("where") or {}
    region = where.get("region_px")
    if region:
        return st("from_shot", lang, id=where.get("screenshot_item", "?"), sha=mono(str(where.get("screenshot_sha256",
                  ""))[:16] + "…"), x=region.get("x"), y=region.get("y"), w=region.get("w"), h=region.get("h"))
    return st("from_dom", lang, path=mono(where.get("dom_path", ""), limit=300))


def who_text(item: Item, data: dict[str, Any], ctx: ReportContext) -> str:
    name = (data.get("examiner") or {}).get("name") or item.examiner
    return st("entered_by", ctx.lang, name=markup(name, limit=120), utc=utc_text(item.acquired_at),
              local=local_text(item.acquired_at, ctx.tz))


def annotated_fields(entries: list[tuple[Item, dict[str, Any]]]) -> set[str]:
    return {str(f.get("field")) for _item, data in entries for f in data.get("fields") or []}


def annotation_section(record: dict[str, Any], entries: list[tuple[Item, dict[str, Any]]], ctx: ReportContext,
                       styles: Styles) -> list[Flowable]:
    """One row per field entered: the tool's value, then the examiner's with who, when, from where and why."""
    if not entries:
        return []
    lang = ctx.lang
    rows = []
    for item, data in entries:
        provenance = "<br/>".join([who_text(item, data, ctx), where_text(data, lang),
                                   f"{st('reason', lang)}: {markup(str(data.get('reason', '')), limit=500)}",
                                   st("annotation_item", lang, id=item.id)])
        for entry in data.get("fields") or []:
            name = str(entry.get("field", ""))
            tool = machine_value(record, name)
            rows.append([markup(field_label(name, lang)),
                         markup(tool, multiline=True, limit=2000) if tool else st("not_read", lang),
                         f"<b>{markup(str(entry.get('value', '')), multiline=True, limit=2000)}</b><br/>{provenance}"])
    widths = [28 * mm, 52 * mm, CONTENT_WIDTH - 80 * mm]
    header = [st(k, lang) for k in ("col.field", "col.tool", "col.examiner")]
    return [Paragraph(st("title", lang), styles.h3), Paragraph(st("intro", lang), styles.small),
            grid_table(header, rows, widths, styles)]


@register_exhibit("annotation")
class AnnotationExhibit(ExhibitRenderer):
    """The annotation item on its own: fields, who, where, why (its JSON is in the evidence package)."""

    method_key = "method.social"
    skip_metadata = ("annotation",)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        lang = ctx.lang
        data = read_annotation(item, ctx)
        if data is None:
            return [Paragraph(st("unreadable", lang, reason="JSON"), styles.small)]
        fields = "<br/>".join(f"{markup(field_label(str(f.get('field', '')), lang))}: "
                              f"<b>{markup(str(f.get('value', '')), multiline=True, limit=2000)}</b>"
                              for f in data.get("fields") or [])
        rows = [(st("for_record", lang), f"#{data.get('record_item', '?')}"), (st("fields", lang), fields),
                (st("col.examiner", lang), who_text(item, data, ctx)), (st("where", lang), where_text(data, lang)),
                (st("reason", lang).capitalize(), markup(str(data.get("reason", "")), limit=500))]
        return [kv_table(rows, styles)]
