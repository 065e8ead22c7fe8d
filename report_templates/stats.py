"""Periodic statistics (six months, a year, a phase) for the agency's summary reports.

Tables and ReportLab charts: cases opened, items by kind, platform and domain,
activity over time, per examiner, reports and packages produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from evidence_store import parse_iso

from .exhibits import kind_label
from .forms import dotted, national_header
from .i18n import human_size, long_date, number, t, utc_text
from .layout import CONTENT_WIDTH, Footer, Heading, Styles, build, grid_table, kv_table, signature_block
from .model import ReportContext, StatsData
from .text import glyph_safe, markup, plain

MM = 2.8346
BAR = colors.HexColor("#2f5d8a")
BAR2 = colors.HexColor("#c9822b")
TOP = 15


def render_stats(ctx: ReportContext, target: str | BinaryIO | None = None) -> bytes | None:
    if ctx.stats is None:
        raise ValueError("statistics report without statistics")
    styles = Styles()
    lang, data = ctx.lang, ctx.stats
    when = parse_iso(ctx.generated_at).astimezone(ctx.tz)
    number_text = f"{t('form.number', lang)}: {dotted(8)}/BC-TK"
    story: list[Flowable] = national_header(ctx.org, number_text, when, lang, styles)
    story += [Heading(f"<b>{t('stats.heading', lang)}</b>", styles.title, 0, t("stats.title", lang)),
              Paragraph(f"<b>{t('stats.subheading', lang)}</b>", styles.subtitle),
              Paragraph(t("stats.period", lang, start=long_date(parse_iso(data.start).astimezone(ctx.tz).date(), lang),
                          end=long_date((parse_iso(data.end) - timedelta(microseconds=1)).astimezone(ctx.tz).date(),
                                        lang),
                          scope=markup(data.scope, limit=200)), styles.center),
              Spacer(1, 8)]
    story += summary(ctx, data, styles)
    story += cases(ctx, data, styles)
    story += by_kind(ctx, data, styles)
    story += ranked(ctx, "stats.by_platform", data.by_platform, styles)
    story += ranked(ctx, "stats.by_domain", data.by_domain, styles)
    story += over_time(ctx, data, styles)
    story += ranked(ctx, "stats.by_examiner", data.examiners, styles, chart=False)
    story += monitoring(ctx, data, styles)
    story += [Spacer(1, 10), Paragraph(f"<i>{markup(ctx.org.place) if ctx.org.place else dotted(20)}, "
                                       f"{long_date(when.date(), lang)}</i>", styles.right), Spacer(1, 4),
              signature_block([(t("stats.author", lang).upper(), t("sign.hint", lang), markup(ctx.examiner.name)),
                               (t("sign.head", lang).upper(), t("sign.head_hint", lang), "")], styles)]
    footer = Footer(glyph_safe(f"{t('stats.title', lang)} · {t('footer.report', lang)} {ctx.report_id}", limit=110),
                    t("footer.page", lang))
    return build(story, target, lambda _part: footer, title=t("stats.title", lang), author=ctx.examiner.name,
                 subject=plain(data.scope), keywords=ctx.report_id,
                 creator=f"{ctx.tool.get('name', '')} {ctx.tool.get('version', '')}", lang=lang)


def _h(n: str, key: str, lang: str, styles: Styles) -> Heading:
    title = f"{n}. {t(key, lang)}"
    return Heading(title, styles.h2, 1, title)


def summary(ctx: ReportContext, data: StatsData, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    rows = [
        (t("stats.cases_opened", lang), number(len(data.cases_opened), lang)),
        (t("stats.cases_active", lang), number(data.cases_total, lang)),
        (t("stats.items", lang), number(data.items_total, lang)),
        (t("stats.bytes", lang), f"{human_size(data.bytes_total, lang)} ({number(data.bytes_total, lang)} "
                                 f"{t('unit.bytes', lang)})"),
        (t("stats.reports", lang), number(data.reports, lang)),
        (t("stats.exports", lang), number(data.exports, lang)),
    ]
    return [_h("I", "stats.summary", lang, styles), kv_table(rows, styles, label_width=80 * MM)]


def cases(ctx: ReportContext, data: StatsData, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [_h("II", "stats.cases", lang, styles)]
    if not data.by_case and not data.cases_opened:
        return out + [Paragraph(t("stats.nothing", lang), styles.body)]
    opened = {number_ for number_, _title, _created in data.cases_opened}
    rows = [[markup(num), markup(title, limit=300), number(items, lang), human_size(size, lang),
             t("yes", lang) if num in opened else ""] for num, title, items, size in data.by_case]
    out.append(grid_table([t("col.case_number", lang), t("col.case_title", lang), t("stats.items_short", lang),
                           t("col.size", lang), t("stats.opened_in_period", lang)], rows,
                          [30 * MM, CONTENT_WIDTH - 100 * MM, 20 * MM, 25 * MM, 25 * MM], styles))
    return out


def by_kind(ctx: ReportContext, data: StatsData, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [_h("III", "stats.by_kind", lang, styles)]
    if not data.by_kind:
        return out + [Paragraph(t("stats.nothing", lang), styles.body)]
    rows = [[kind_label(kind, lang), number(count, lang), human_size(size, lang) if size else "—"]
            for kind, count, size in data.by_kind]
    out.append(grid_table([t("col.kind", lang), t("stats.items_short", lang), t("col.size", lang)], rows,
                          [70 * MM, 30 * MM, 40 * MM], styles))
    out.append(Spacer(1, 6))
    out.append(bar_chart([glyph_safe(plain_kind(kind, lang)) for kind, _c, _s in data.by_kind],
                         [count for _k, count, _s in data.by_kind]))
    return out


def plain_kind(kind: str, lang: str) -> str:
    from .strings import STRINGS

    return t(f"kind.{kind}", lang) if f"kind.{kind}" in STRINGS else kind


def ranked(ctx: ReportContext, key: str, pairs: Sequence[tuple[str, int]], styles: Styles,
           *, chart: bool = True) -> list[Flowable]:
    lang = ctx.lang
    numeral = {"stats.by_platform": "IV", "stats.by_domain": "V", "stats.by_examiner": "VII"}[key]
    out: list[Flowable] = [_h(numeral, key, lang, styles)]
    if not pairs:
        return out + [Paragraph(t("stats.nothing", lang), styles.body)]
    top = list(pairs[:TOP])
    rest = sum(count for _name, count in pairs[TOP:])
    rows = [[markup(name, limit=200), number(count, lang)] for name, count in top]
    if rest:
        rows.append([t("stats.others", lang, n=len(pairs) - TOP), number(rest, lang)])
    out.append(grid_table([t("col.name", lang), t("stats.items_short", lang)], rows, [110 * MM, 30 * MM], styles))
    if chart:
        out += [Spacer(1, 6), bar_chart([glyph_safe(name, limit=40) for name, _ in top], [c for _, c in top])]
    return out


def over_time(ctx: ReportContext, data: StatsData, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [_h("VI", "stats.over_time", lang, styles)]
    if not data.over_time:
        return out + [Paragraph(t("stats.nothing", lang), styles.body)]
    rows = [[b.label, number(b.cases, lang), number(b.items, lang)] for b in data.over_time]
    daily = len(data.over_time[0].label) > 7  # YYYY-MM-DD buckets for short periods
    out.append(grid_table([t("stats.bucket_day" if daily else "stats.bucket", lang), t("stats.cases_short", lang),
                           t("stats.items_short", lang)], rows,
                          [40 * MM, 30 * MM, 30 * MM], styles))
    chart = column_chart([b.label for b in data.over_time],
                         [[b.cases for b in data.over_time], [b.items for b in data.over_time]],
                         [t("stats.cases_short", lang), t("stats.items_short", lang)])
    out.append(KeepTogether([out.pop(), Spacer(1, 6), chart]))  # the table and its chart on one page
    out.append(Paragraph(t("stats.generated", lang, time=utc_text(ctx.generated_at)), styles.small))
    return out


MON: dict[str, tuple[str, str]] = {
    "heading": ("Monitoring and community reports", "Giám sát và tin báo"),
    "watches_active": ("Watches active", "Mục đang theo dõi"), "watches_added": ("Watches added", "Mục theo dõi mới"),
    "checks": ("Checks (captures)", "Lần kiểm tra (thu thập)"), "changes": ("Changes found", "Thay đổi phát hiện"),
    "removals": ("Removals recorded", "Nội dung bị gỡ được ghi nhận"), "failures": ("Failed checks", "Kiểm tra lỗi"),
    "alerts": ("Alerts raised", "Cảnh báo"), "tips": ("Community reports received", "Tin báo tiếp nhận"),
    "tips_by_status": ("Community reports by status", "Tin báo theo trạng thái"),
    "tips_by_outcome": ("Community reports by outcome", "Tin báo theo kết quả xác minh"),
    "tips_by_channel": ("Community reports by channel", "Tin báo theo kênh tiếp nhận"),
    "received": ("received", "đã tiếp nhận"), "assessing": ("assessing", "đang xác minh"),
    "violation": ("violation", "có vi phạm"), "no_violation": ("no violation", "không vi phạm"),
    "handled": ("handled", "đã xử lý"), "pending": ("not yet assessed", "chưa xác minh"),
    "hotline": ("hotline", "đường dây nóng"), "email": ("e-mail", "thư điện tử"), "web_form": ("web form", "biểu mẫu web"),
    "in_person": ("in person", "trực tiếp"), "agency": ("another agency", "cơ quan khác"),
    "social_media": ("social media", "mạng xã hội"), "other": ("other", "khác"),
}


def _m(key: str, lang: str) -> str:
    en, vi = MON.get(key, (key, key))
    return vi if lang == "vi" else en


def monitoring(ctx: ReportContext, data: StatsData, styles: Styles) -> list[Flowable]:
    """Watches, checks, changes, removals, alerts and community reports (by status, outcome, channel), per period."""
    lang, m = ctx.lang, data.monitoring
    if not m:
        return []
    out: list[Flowable] = [Heading(f"VIII. {_m('heading', lang)}", styles.h2, 1, f"VIII. {_m('heading', lang)}")]
    keys = ("watches_active", "watches_added", "checks", "changes", "removals", "failures", "alerts", "tips")
    out.append(kv_table([(_m(k, lang), number(int(m.get(k, 0)), lang)) for k in keys], styles, label_width=80 * MM))
    for key in ("tips_by_status", "tips_by_outcome", "tips_by_channel"):
        pairs = sorted((m.get(key) or {}).items(), key=lambda kv: -kv[1])
        if pairs:
            out.append(Paragraph(_m(key, lang), styles.h3))
            out.append(grid_table(["", ""], [[_m(k, lang), number(v, lang)] for k, v in pairs],
                                  [80 * MM, 30 * MM], styles))
    buckets = m.get("by_bucket") or []
    if buckets:
        names = ("checks", "changes", "removals", "alerts", "tips")
        rows = [[label, *(number(int(c.get(n, 0)), lang) for n in names)] for label, c in buckets]
        daily = len(buckets[0][0]) > 7
        out.append(Paragraph(t("stats.over_time", lang), styles.h3))
        out.append(grid_table([t("stats.bucket_day" if daily else "stats.bucket", lang),
                               *(_m(n, lang) for n in names)], rows,
                              [30 * MM, *([(CONTENT_WIDTH - 30 * MM) / 5] * 5)], styles))
    return out


def bar_chart(labels: list[str], values: list[int]) -> Drawing:
    """Horizontal bars, one per label (largest first)."""
    height = 18 + 14 * len(labels)
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 8
    chart.width, chart.height = CONTENT_WIDTH - 190, height - 16
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = "Body"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = "Body"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(values + [1]) * 1.1
    chart.bars[0].fillColor = BAR
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = "Body"
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def column_chart(labels: list[str], series: list[list[int]], names: list[str]) -> Drawing:
    drawing = Drawing(CONTENT_WIDTH, 190)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 40
    chart.width, chart.height = CONTENT_WIDTH - 60, 130
    chart.data = series
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = "Body"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.labels.fontName = "Body"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([v for s in series for v in s] + [1]) * 1.15
    chart.bars[0].fillColor = BAR
    chart.bars[1].fillColor = BAR2
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = CONTENT_WIDTH - 150, 185
    legend.fontName = "Body"
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(BAR, names[0]), (BAR2, names[1])]
    drawing.add(legend)
    return drawing
