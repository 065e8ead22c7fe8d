"""Collection minutes (Biên bản thu thập dữ liệu điện tử), one per acquisition session.

Every field LEGAL.md lists for the minutes (BLTTHS Art. 107, 133): number and
form, legal basis, agency and unit, place, start and end (UTC and local),
examiners with position, witnesses, data holder, each item's source, what was
collected with names, sizes, types, SHA-256 and BLAKE3, the tool with version
and code hash, the capture host with clock source, offset and egress IP, the
account used, changes made, seal or copy medium, the custody checkpoint and
trusted timestamp, complaints, and signatures (refusals recorded). What only
people know is printed when given, else left as dotted lines to fill by hand.
"""

from __future__ import annotations

from dataclasses import replace
from typing import BinaryIO

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from evidence_store import Item, parse_iso

from .acquisition_facts import media_hashes, session_environment
from .exhibits import kind_label
from .forms import dotted, mandate_text, national_header, place_of
from .i18n import human_size, long_datetime, t, utc_text
from .layout import CONTENT_WIDTH, GRID, SHADE, CopyLine, Footer, Heading, PartStart, Styles, build, signature_block
from .metadata import provenance_of
from .model import Person, ReportContext, Session
from .text import glyph_safe, markup, mono, plain

MM = 2.8346
FORM_CODE = "BB-TTDLĐT"


def render_minutes(ctx: ReportContext, target: str | BinaryIO | None = None) -> bytes | None:
    styles = Styles()
    story: list[Flowable] = []
    numbers: dict[str, str] = {}
    for index, session in enumerate(ctx.sessions, 1):
        label = f"part-{index}"
        numbers[label] = minutes_number(ctx, index)
        if index > 1:
            story.append(PageBreak())
        story.append(PartStart(label))
        story += minutes_part(ctx, session, index, numbers[label], styles)
    if not story:
        story.append(Paragraph(t("minutes.no_sessions", ctx.lang), styles.body))
    case_number = ctx.case.number if ctx.case else ""
    lang = ctx.lang

    def footer(part: str) -> Footer:
        left = (f"{t('minutes.short', lang)} {numbers.get(part, '')} · {t('footer.case', lang)} {case_number} · "
                f"{t('footer.report', lang)} {ctx.report_id}")
        return Footer(glyph_safe(left, limit=120), t("footer.page", lang))

    return build(story, target, footer, title=t("minutes.title", lang) + f" {case_number}",
                 author=ctx.examiner.name, subject=ctx.case.title if ctx.case else "",
                 keywords=f"{ctx.report_id} {case_number}",
                 creator=f"{ctx.tool.get('name', '')} {ctx.tool.get('version', '')}", lang=lang)


def minutes_number(ctx: ReportContext, index: int) -> str:
    base = ctx.fields.number.strip()
    if not base:
        return f"{dotted(8)}/{FORM_CODE}"
    suffix = f"-{index}" if len(ctx.sessions) > 1 else ""
    return f"{plain(base, limit=40)}{suffix}/{FORM_CODE}"


def minutes_part(ctx: ReportContext, session: Session, index: int, number: str, styles: Styles) -> list[Flowable]:
    lang, fields, case = ctx.lang, ctx.fields, ctx.case
    start, end = parse_iso(session.start), parse_iso(session.end)
    where = place_of(ctx.org, fields)
    out: list[Flowable] = national_header(replace(ctx.org, place=where), f"{t('form.number', lang)}: {markup(number)}",
                                          start.astimezone(ctx.tz), lang, styles,
                                          form_id=t("minutes.form_id", lang, code=FORM_CODE))
    title = t("minutes.title", lang)
    out += [Heading(f"<b>{t('minutes.heading', lang)}</b>", styles.title, 0, f"{title} {index}"),
            Paragraph(f"<b>{t('minutes.subheading', lang)}</b>", styles.subtitle), Spacer(1, 6)]
    basis = fields.legal_basis or t("legal.default_basis", lang)
    for line in basis.split("\n"):
        if line.strip():
            out.append(Paragraph(f"<i>{markup(line, limit=1000)}</i>", styles.justify))
    place = markup(where, limit=200) if where else dotted(50)
    out.append(Paragraph(t("minutes.opening", lang, start=long_datetime(start, ctx.tz, lang),
                           start_utc=utc_text(start), place=place), styles.justify))
    if case:
        out.append(Paragraph(t("minutes.case", lang, number=markup(case.number), title=markup(case.title, limit=400)),
                             styles.justify))
    mandate = mandate_text(fields, lang)
    out.append(Paragraph(f"{t('legal.mandate', lang)}: {mandate or dotted(80)}", styles.justify))
    out += _people(ctx, session, styles)
    out.append(Paragraph(t("minutes.proceeded", lang), styles.justify))
    out += _section("I", "minutes.source", [_sources(session, ctx, styles)], styles, lang)
    out += _section("II", "minutes.collected", [_items_table(session, ctx, styles)], styles, lang)
    out += _section("III", "minutes.tool", [_tool_rows(session, ctx, styles)], styles, lang)
    out += _section("IV", "minutes.changes", _changes(session, ctx, styles), styles, lang)
    seal = markup(fields.seal, multiline=True, limit=1500) if fields.seal else dotted(90)
    out += _section("V", "minutes.seal", [Paragraph(seal, styles.justify)], styles, lang)
    out += _section("VI", "minutes.integrity", _integrity(ctx, styles), styles, lang)
    complaints = markup(fields.complaints, multiline=True, limit=3000) if fields.complaints else (
        dotted(90) + "<br/>" + dotted(90))
    out += _section("VII", "minutes.complaints", [Paragraph(complaints, styles.justify)], styles, lang)
    out.append(Spacer(1, 4))
    out.append(Paragraph(t("minutes.closing", lang, end=long_datetime(end, ctx.tz, lang), end_utc=utc_text(end),
                           copies=fields.copies), styles.justify))
    out.append(Paragraph(t("minutes.refusal", lang) + " " + dotted(60), styles.justify))
    out.append(Spacer(1, 8))
    out.append(_signatures(ctx, session, styles))
    return out


def _section(numeral: str, key: str, body: list[Flowable], styles: Styles, lang: str) -> list[Flowable]:
    return [Paragraph(f"<b>{numeral}. {t(key, lang)}</b>", styles.h3), *body]


def _person_text(person: Person, lang: str) -> str:
    parts = [f"<b>{markup(person.name)}</b>"]
    if person.position:
        parts.append(f"{t('col.position', lang)}: {markup(person.position)}")
    if person.organisation:
        parts.append(f"{t('col.organisation', lang)}: {markup(person.organisation)}")
    if person.identity:
        parts.append(f"{t('col.identity', lang)}: {markup(person.identity)}")
    return "; ".join(parts)


def _people(ctx: ReportContext, session: Session, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("minutes.we_are", lang), styles.body)]
    examiners = [p for p in ctx.examiners if p.name in session.examiners] or [ctx.examiner]
    lines = [f"1. {t('role.examiner', lang)}: " + "; ".join(_person_text(p, lang) for p in examiners)]
    if ctx.fields.witnesses:
        lines.append(f"2. {t('role.witness', lang)}: " + "; ".join(_person_text(w, lang) for w in ctx.fields.witnesses))
    else:
        lines.append(f"2. {t('role.witness', lang)}: {dotted(70)}")
    holder = ctx.fields.data_holder
    lines.append(f"3. {t('role.data_holder', lang)}: " + (_person_text(holder, lang) if holder else
                                                          t("minutes.none_or", lang, dots=dotted(40))))
    out += [Paragraph(line, styles.justify) for line in lines]
    return out


def _sources(session: Session, ctx: ReportContext, styles: Styles) -> Flowable:
    lang = ctx.lang
    rows = []
    for root in session.roots:
        rows.append([kind_label(root.kind, lang), source_text(root)])
    return _grid([t("col.kind", lang), t("col.source", lang)], rows, [35 * MM, CONTENT_WIDTH - 35 * MM], styles)


def source_text(root: Item) -> str:
    """The source as the minutes state it: URL before and after redirects, account, or device and path."""
    meta = root.metadata
    prov = provenance_of(root)
    parts = []
    requested = prov.get("requested_url") or root.source
    parts.append(markup(requested, limit=600))
    final = prov.get("final_url")
    if final and final != requested:
        parts.append(markup(f"→ {final}", limit=600))
    for key in ("platform", "account_id", "account", "author_id"):
        if prov.get(key):
            parts.append(f"{key}: {markup(prov[key], limit=200)}")
    servers = prov.get("servers")
    if isinstance(servers, list) and servers:
        parts.append("servers: " + markup(", ".join(str(s) for s in servers[:8]), limit=600))
    if prov.get("http_status"):
        parts.append(f"HTTP {markup(prov['http_status'])}")
    verification = meta.get("verification")
    if isinstance(verification, dict) and verification.get("result"):
        parts.append(f"verification: {markup(verification['result'], limit=200)}")
    container = meta.get("container")
    if isinstance(container, dict):
        for key in ("path", "format", "device"):
            if container.get(key):
                parts.append(f"{key}: {markup(container[key], limit=400)}")
    if meta.get("path") and meta.get("path") != root.source:
        parts.append(markup(meta["path"], limit=600))
    if meta.get("host"):
        parts.append(f"host: {markup(meta['host'], limit=100)}")
    return "<br/>".join(parts)


def _items_table(session: Session, ctx: ReportContext, styles: Styles) -> Flowable:
    lang = ctx.lang
    header = [t("col.no", lang), t("col.file_name", lang), t("col.kind", lang), t("col.size_type", lang)]
    widths = [10 * MM, 75 * MM, 30 * MM, CONTENT_WIDTH - 115 * MM]
    data: list[list[object]] = [[Paragraph(h, styles.cell_bold) for h in header]]
    spans = []
    for number, item in enumerate(session.items, 1):
        data.append([str(number), Paragraph(f"{markup(item.name, limit=300)} <i>(ID {item.id})</i>", styles.cell),
                     Paragraph(kind_label(item.kind, lang), styles.cell),
                     Paragraph(f"{human_size(item.size, lang) if item.has_content else '—'}<br/>"
                               f"{markup(item.media_type or '', limit=80)}", styles.cell)])
        if item.has_content:
            data.append([f"SHA-256 {item.sha256}\nBLAKE3  {item.blake3}", "", "", ""])
            spans.append(len(data) - 1)
        elif media_hashes(item):
            data.append([_media_lines(item), "", "", ""])
            spans.append(len(data) - 1)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 1), (0, -1), "Body", 8, 10),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        *[("SPAN", (0, r), (-1, r)) for r in spans], *[("FONT", (0, r), (-1, r), "Mono", 6.5, 8) for r in spans],
    ]))
    return table


def _media_lines(item: Item) -> str:
    return "\n".join(f"{name.upper():<7} {value} (media)" for name, value in media_hashes(item).items())


def _tool_rows(session: Session, ctx: ReportContext, styles: Styles) -> Flowable:
    lang = ctx.lang
    root = session.roots[0]
    recorded = session_environment(root, lang)
    prov = provenance_of(root)
    tool = ctx.tool
    rows = [
        (t("env.tool", lang), markup(recorded.get("tool") or f"{tool.get('name', '')} {tool.get('version', '')}")),
        (t("env.code_hash", lang), mono(tool.get("code_sha256", ""))),
        (t("env.host", lang), markup(recorded.get("host") or ctx.host.get("hostname", ""))),
        (t("env.clock_source", lang), markup(recorded.get("clock") or ctx.clock.get("source", "")) or dotted(40)),
        (t("env.egress_ip", lang), markup(prov.get("egress_ip") or prov.get("public_ip") or "") or
         t("minutes.unknown", lang)),
        (t("env.account", lang), markup(ctx.fields.account or prov.get("account") or "") or
         t("minutes.no_account", lang)),
    ]
    from .layout import kv_table

    return kv_table(rows, styles, label_width=50 * MM)


def _changes(session: Session, ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    lines = []
    for item in session.items:
        for warning in item.warnings:
            lines.append(f"• ID {item.id}: {markup(warning.text(lang), limit=600)}")
        transformations = item.metadata.get("transformations")
        if isinstance(transformations, list):
            lines += [f"• ID {item.id}: {markup(x, limit=600)}" for x in transformations]
    if not lines:
        return [Paragraph(t("minutes.no_changes", lang), styles.justify)]
    return [Paragraph(line, styles.justify) for line in lines[:200]]


def _integrity(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = []
    if ctx.checkpoint:
        out.append(Paragraph(t("minutes.checkpoint", lang, size=ctx.checkpoint.size), styles.justify))
        out.append(CopyLine(ctx.checkpoint.root_hex))
        out.append(Paragraph(t("minutes.signed_with", lang, name=markup(ctx.checkpoint.examiner)), styles.justify))
        out.append(CopyLine(ctx.checkpoint.signer_fingerprint))
    if ctx.timestamps:
        for stamp in ctx.timestamps:
            state = t("tst.verified", lang) if stamp.verified else t("tst.not_verified", lang,
                                                                     reason=markup(stamp.problem, limit=200))
            out.append(Paragraph(t("minutes.timestamp", lang, tsa=markup(stamp.tsa_name, limit=200),
                                   time=long_datetime(stamp.gen_time, ctx.tz, lang, seconds=True),
                                   utc=utc_text(stamp.gen_time), state=state), styles.justify))
    else:
        out.append(Paragraph(t("minutes.no_timestamp", lang), styles.justify))
    return out


def _signatures(ctx: ReportContext, session: Session, styles: Styles) -> Flowable:
    lang = ctx.lang
    hint = t("sign.hint", lang)
    witness = ", ".join(markup(w.name) for w in ctx.fields.witnesses)
    holder = markup(ctx.fields.data_holder.name) if ctx.fields.data_holder else ""
    examiners = [p.name for p in ctx.examiners if p.name in session.examiners] or [ctx.examiner.name]
    return signature_block([
        (t("role.witness", lang).upper(), hint, witness),
        (t("role.data_holder", lang).upper(), hint, holder),
        (t("minutes.conductor", lang).upper(), hint, ", ".join(markup(n) for n in examiners)),
    ], styles)


def _grid(header: list[str], rows: list[list[str]], widths: list[float], styles: Styles) -> Flowable:
    from .layout import grid_table

    return grid_table(header, rows, widths, styles)
