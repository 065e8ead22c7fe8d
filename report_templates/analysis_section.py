"""Court-report sections from the analysis: links between evidence, and a timeline exhibit for a range.

"Links between evidence": the entities the examiner chose, every occurrence
(case, item, place, the text around it, the rule that found it), and a chart
of the entities linked by the items they share. "Timeline": the events of the
chosen range in UTC and local time, each with its precision and source item.
Both appear only when asked for (``ctx.analysis``), in Vietnamese or English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from .i18n import t
from .layout import CONTENT_WIDTH, Heading, Styles, grid_table
from .strings import STRINGS
from .text import markup

MM = 2.8346
CHUNK = 60
TIMELINE_LIMIT = 2000  # rows in the exhibit; the rest is said, and exported with `forensics timeline`

STRINGS.update({
    "analysis.links": ("Links between evidence", "Liên kết giữa các chứng cứ"),
    "analysis.links.intro": (
        "Entities chosen by the examiner (phone numbers, accounts, bank accounts, wallets …), found by the tool's "
        "extraction rules in the text of the evidence; each occurrence names the item, the place in it and the "
        "rule. Two entities are linked when they occur in the same item.",
        "Các thực thể do cán bộ chọn (số điện thoại, tài khoản, số tài khoản ngân hàng, ví tiền mã hoá …), được "
        "công cụ nhận diện theo quy tắc trong nội dung chứng cứ; mỗi lần xuất hiện ghi rõ mục chứng cứ, vị trí và "
        "quy tắc. Hai thực thể được coi là liên kết khi cùng xuất hiện trong một mục chứng cứ."),
    "analysis.entity": ("{type} {value}: {n} occurrence(s) in {cases} case(s)",
                        "{type} {value}: {n} lần xuất hiện trong {cases} vụ việc"),
    "analysis.col.case": ("Case", "Vụ việc"),
    "analysis.col.item": ("Item", "Mục"),
    "analysis.col.place": ("Place", "Vị trí"),
    "analysis.col.text": ("Text around it", "Nội dung xung quanh"),
    "analysis.col.rule": ("Rule", "Quy tắc"),
    "analysis.chart": ("Entities linked by shared items (line width: number of items shared)",
                       "Các thực thể liên kết qua mục chứng cứ chung (độ dày nét: số mục chung)"),
    "analysis.no_links": ("The chosen entities share no item.", "Các thực thể đã chọn không có mục chứng cứ chung."),
    "analysis.not_found": ("{value}: not found in the evidence.", "{value}: không tìm thấy trong chứng cứ."),
    "analysis.timeline": ("Timeline {start} – {end}", "Dòng thời gian {start} – {end}"),
    "analysis.timeline.intro": (
        "Every dated event of the case in this range, from the evidence's own records (capture, post and comment "
        "times, file system times, browser history, EXIF, messages, imported timelines) and the custody log, in "
        "time order. Precision: how far after the time shown the event may lie.",
        "Mọi sự kiện có thời gian của vụ việc trong khoảng này, lấy từ chính dữ liệu chứng cứ (thời điểm thu thập, "
        "đăng bài, bình luận, thời gian hệ thống tệp, lịch sử trình duyệt, EXIF, thư, dòng thời gian nhập vào) và "
        "nhật ký lưu giữ chứng cứ, theo thứ tự thời gian. Độ chính xác: sự kiện có thể xảy ra muộn hơn thời điểm "
        "ghi tối đa bao lâu."),
    "analysis.timeline.more": ("{shown} of {total} events shown; all are in the exported timeline.",
                               "Hiển thị {shown} trên {total} sự kiện; toàn bộ có trong tệp dòng thời gian xuất ra."),
    "analysis.col.time": ("Time (UTC)", "Thời gian (UTC)"),
    "analysis.col.local": ("Local time", "Giờ địa phương"),
    "analysis.col.precision": ("Precision", "Độ chính xác"),
    "analysis.col.source": ("Source", "Nguồn"),
    "analysis.col.event": ("Event", "Sự kiện"),
})


@dataclass(frozen=True)
class EntityLinks:
    id: int
    type: str
    display: str
    cases: int
    occurrences: tuple[tuple[str, str, str, str, str], ...]  # case, item, place, snippet, rule


@dataclass(frozen=True)
class TimelineRow:
    utc: str
    local: str
    precision: str
    source: str
    desc: str
    message: str
    item: str


@dataclass
class AnalysisExhibit:
    """What the report shows from the analysis (built by services.report_analysis)."""

    entities: list[EntityLinks] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    edges: list[tuple[int, int, int]] = field(default_factory=list)  # entity a, entity b, shared items
    timeline_range: tuple[str, str] | None = None
    timeline: list[TimelineRow] = field(default_factory=list)
    timeline_total: int = 0


def analysis_story(ctx: Any, styles: Styles) -> list[Flowable]:
    """The sections, when the report was asked for them (else nothing)."""
    exhibit: AnalysisExhibit | None = getattr(ctx, "analysis", None)
    if exhibit is None:
        return []
    out: list[Flowable] = []
    if exhibit.entities or exhibit.not_found:
        out += links_section(exhibit, ctx.lang, styles)
    if exhibit.timeline_range is not None:
        out += timeline_section(exhibit, ctx.lang, styles)
    return out


def links_section(exhibit: AnalysisExhibit, lang: str, styles: Styles) -> list[Flowable]:
    title = t("analysis.links", lang)
    out: list[Flowable] = [Heading(title, styles.h2, 1, title), Paragraph(t("analysis.links.intro", lang),
                                                                          styles.justify)]
    header = [t(f"analysis.col.{c}", lang) for c in ("case", "item", "place", "text", "rule")]
    widths = [22 * MM, 30 * MM, 24 * MM, CONTENT_WIDTH - 106 * MM, 30 * MM]
    for entity in exhibit.entities:
        out.append(Paragraph(markup(t("analysis.entity", lang, type=entity.type, value=entity.display,
                                      n=len(entity.occurrences), cases=entity.cases)), styles.h3))
        rows = [[markup(c), markup(i), markup(p), markup(s.replace("\u27e6", "«").replace("\u27e7", "»")), markup(r)]
                for c, i, p, s, r in entity.occurrences]
        out += [grid_table(header, rows[n:n + CHUNK], widths, styles) for n in range(0, len(rows), CHUNK)]
    for value in exhibit.not_found:
        out.append(Paragraph(markup(t("analysis.not_found", lang, value=value)), styles.body))
    if len(exhibit.entities) > 1:
        if exhibit.edges:
            out.append(KeepTogether([Spacer(1, 6), link_chart(exhibit),
                                     Paragraph(t("analysis.chart", lang), styles.caption)]))
        else:
            out.append(Paragraph(t("analysis.no_links", lang), styles.body))
    return out


def link_chart(exhibit: AnalysisExhibit, width: float = CONTENT_WIDTH, height: float = 95 * MM) -> Drawing:
    """Entities on a circle, a line between two that share items (wider for more)."""
    drawing = Drawing(width, height)
    n = len(exhibit.entities)
    cx, cy, radius = width / 2, height / 2, min(width, height) / 2 - 18 * MM
    place = {}
    for k, entity in enumerate(exhibit.entities):
        angle = math.pi / 2 - 2 * math.pi * k / n
        place[entity.id] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    most = max((shared for _a, _b, shared in exhibit.edges), default=1)
    for a, b, shared in exhibit.edges:
        if a in place and b in place:
            (x1, y1), (x2, y2) = place[a], place[b]
            line = Line(x1, y1, x2, y2, strokeWidth=0.6 + 3.4 * shared / most)
            drawing.add(line)
            drawing.add(String((x1 + x2) / 2, (y1 + y2) / 2 + 2, str(shared), fontName="Body", fontSize=7,
                               textAnchor="middle"))
    for entity in exhibit.entities:
        x, y = place[entity.id]
        drawing.add(Circle(x, y, 4, fillColor=None, strokeWidth=1))
        label = entity.display if len(entity.display) <= 34 else entity.display[:33] + "…"
        anchor, dx = ("end", -7) if x < cx - 5 else ("start", 7) if x > cx + 5 else ("middle", 0)
        drawing.add(String(x + dx, y + 7 if y >= cy else y - 12, f"{entity.type}: {label}", fontName="Body",
                           fontSize=7, textAnchor=anchor))
    return drawing


def timeline_section(exhibit: AnalysisExhibit, lang: str, styles: Styles) -> list[Flowable]:
    start, end = exhibit.timeline_range or ("", "")
    title = t("analysis.timeline", lang, start=start, end=end)
    out: list[Flowable] = [Heading(title, styles.h2, 1, title), Paragraph(t("analysis.timeline.intro", lang),
                                                                          styles.justify)]
    header = [t(f"analysis.col.{c}", lang) for c in ("time", "local", "precision", "source", "event", "item")]
    widths = [36 * MM, 33 * MM, 16 * MM, 22 * MM, CONTENT_WIDTH - 121 * MM, 14 * MM]
    rows = [[markup(r.utc), markup(r.local), markup(r.precision), markup(r.source),
             markup(f"{r.desc}: {r.message}"), markup(r.item)] for r in exhibit.timeline]
    out += [grid_table(header, rows[n:n + CHUNK], widths, styles) for n in range(0, len(rows), CHUNK)]
    if exhibit.timeline_total > len(exhibit.timeline):
        out.append(Paragraph(t("analysis.timeline.more", lang, shown=len(exhibit.timeline),
                               total=exhibit.timeline_total), styles.small))
    return out
