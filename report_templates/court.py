"""The court report: every section LEGAL.md lists, in order.

1 cover, 2 legal basis and mandate, 3 examiner and witnesses, 4 scope,
5 environment, 6 methodology and changes made, 7 evidence inventory,
8 exhibits, 9 chain of custody, 10 custody-log checkpoint, 11 trusted
timestamps, 12 how to verify, 13 limitations, 14 signatures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import BinaryIO

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from evidence_store import Item, parse_iso

from .acquisition_facts import media_hashes, session_environment
from .analysis_section import analysis_story
from .exhibit_catalog import renderer_for
from .forms import dotted, mandate_text, national_header, place_of
from .i18n import human_size, local_text, long_date, long_datetime, number, t, utc_text
from .layout import (
    CONTENT_WIDTH,
    GRID,
    SHADE,
    CopyLine,
    Footer,
    Heading,
    Styles,
    build,
    grid_table,
    json_token_lines,
    kv_table,
    signature_block,
)
from .model import ReportContext, TimestampInfo
from .text import glyph_safe, markup, mono, plain

MM = 2.8346
CHUNK = 60  # rows per table: ReportLab re-measures the rest of a table at every page split


def section(n: int, key: str, ctx: ReportContext, styles: Styles) -> Heading:
    title = f"{n}. {t(key, ctx.lang)}"
    return Heading(title, styles.h1, 0, title)


def render_court(ctx: ReportContext, target: str | BinaryIO | None = None) -> bytes | None:
    styles = Styles()
    lang = ctx.lang
    story: list[Flowable] = []
    story += cover(ctx, styles)
    story += [section(2, "court.legal", ctx, styles), *legal(ctx, styles)]
    story += [section(3, "court.people", ctx, styles), *people(ctx, styles)]
    story += [section(4, "court.scope", ctx, styles), *scope(ctx, styles)]
    story += [section(5, "court.environment", ctx, styles), *environment(ctx, styles)]
    story += [section(6, "court.method", ctx, styles), *methodology(ctx, styles)]
    story += [PageBreak(), section(7, "court.inventory", ctx, styles), *inventory(ctx, styles)]
    story += [PageBreak(), section(8, "court.exhibits", ctx, styles), *exhibits(ctx, styles), *analysis_story(ctx, styles)]
    story += [PageBreak(), section(9, "court.custody", ctx, styles), *custody(ctx, styles)]
    story += [section(10, "court.checkpoint", ctx, styles), *checkpoint(ctx, styles)]
    story += [section(11, "court.timestamps", ctx, styles), *timestamps(ctx, styles)]
    story += [section(12, "court.verify", ctx, styles), *how_to_verify(ctx, styles)]
    story += [section(13, "court.limits", ctx, styles), *limitations(ctx, styles)]
    story += [section(14, "court.signatures", ctx, styles), *signatures(ctx, styles)]
    if ctx.custody:
        title = t("appendix.custody", lang)
        story += [PageBreak(), Heading(title, styles.h1, 0, title), *custody_appendix(ctx, styles)]
    case_number = ctx.case.number if ctx.case else ""
    footer = Footer(glyph_safe(f"{t('footer.case', lang)} {case_number} · {t('footer.report', lang)} {ctx.report_id}",
                          limit=110), t("footer.page", lang))
    return build(story, target, lambda _part: footer, title=t("court.title", lang) + f" {case_number}",
                 author=ctx.examiner.name, subject=ctx.case.title if ctx.case else "",
                 keywords=f"{ctx.report_id} {case_number}", creator=_creator(ctx), lang=lang)


def _creator(ctx: ReportContext) -> str:
    return f"{ctx.tool.get('name', '')} {ctx.tool.get('version', '')}".strip()


# -- 1 cover ---------------------------------------------------------------------------------------------
def cover(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    """The national header and the agency block (as on the minutes and every administrative document), then the
    title and the report's facts."""
    lang, org = ctx.lang, ctx.org
    place = place_of(org, ctx.fields)
    out: list[Flowable] = national_header(replace(org, place=place), f"{t('form.number', lang)}: {mono(ctx.report_id)}",
                                          parse_iso(ctx.generated_at).astimezone(ctx.tz), lang, styles)
    out += [Spacer(1, 30), Heading(t("court.title", lang).upper(), styles.title, 0, t("court.title", lang)),
            Paragraph(t("court.subtitle", lang), styles.subtitle), Spacer(1, 24)]
    case = ctx.case
    rows = [
        (t("col.case_number", lang), markup(case.number if case else "")),
        (t("col.case_title", lang), markup(case.title if case else "", limit=500)),
        (t("col.report_id", lang), mono(ctx.report_id)),
        (t("col.report_date", lang), long_datetime(ctx.generated_at, ctx.tz, lang)),
        (t("col.place", lang), markup(place) if place else dotted(40)),
        (t("col.examiner", lang), markup(_person_line(ctx.examiner.name, ctx.examiner.position))),
        (t("col.items", lang), number(len(ctx.items), lang)),
    ]
    mandate = mandate_text(ctx.fields, lang)
    if mandate:
        rows.insert(5, (t("legal.mandate", lang), mandate))
    if ctx.checkpoint:
        rows.append((t("col.checkpoint", lang),
                     t("court.checkpoint_short", lang, size=ctx.checkpoint.size) + "<br/>" + mono(ctx.checkpoint.root_hex)))
    out.append(kv_table(rows, styles, label_width=45 * MM))
    out += [Spacer(1, 20), Paragraph(t("court.cover_note", lang), styles.small), PageBreak()]
    return out


def _person_line(name: str, position: str) -> str:
    return f"{name} — {position}" if position else name


# -- 2 legal basis, 3 people, 4 scope --------------------------------------------------------------------
def legal(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    basis = ctx.fields.legal_basis or t("legal.default_basis", lang)
    out: list[Flowable] = [Paragraph(markup(basis, multiline=True, limit=5000), styles.justify)]
    mandate = mandate_text(ctx.fields, lang)
    out.append(Paragraph(f"<b>{t('legal.mandate', lang)}:</b> " + (mandate or dotted(90)), styles.body))
    out.append(Paragraph(t("legal.evidence_value", lang), styles.justify))
    return out


def people(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    rows: list[list[str]] = []
    seen = set()
    for person in [ctx.examiner, *ctx.examiners]:
        if person.name in seen:
            continue
        seen.add(person.name)
        role = t("role.report_examiner" if person is ctx.examiner else "role.examiner", lang)
        rows.append([role, markup(person.name), markup(person.position), markup(person.organisation)])
    for witness in ctx.fields.witnesses:
        rows.append([t("role.witness", lang), markup(witness.name), markup(witness.position),
                     markup(witness.organisation or witness.identity)])
    if ctx.fields.data_holder:
        holder = ctx.fields.data_holder
        rows.append([t("role.data_holder", lang), markup(holder.name), markup(holder.position),
                     markup(holder.organisation or holder.identity)])
    out: list[Flowable] = [grid_table([t("col.role", lang), t("col.name", lang), t("col.position", lang),
                                       t("col.organisation", lang)], rows, [38 * MM, 45 * MM, 40 * MM,
                                                                            CONTENT_WIDTH - 123 * MM], styles)]
    if not ctx.fields.witnesses:
        out.append(Paragraph(t("people.no_witness", lang), styles.small))
    return out


def scope(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    case = ctx.case
    out: list[Flowable] = []
    if case and case.description:
        out.append(Paragraph(markup(case.description, multiline=True, limit=5000), styles.justify))
    kinds = Counter(i.kind for i in ctx.items)
    total = sum(i.size or 0 for i in ctx.items if i.has_content)
    rows = [
        (t("scope.selection", lang), markup(ctx.selection or t("scope.all_items", lang), limit=1000)),
        (t("scope.period", lang), markup(ctx.range_text) if ctx.range_text else t("scope.whole_case", lang)),
        (t("scope.sessions", lang), number(len(ctx.sessions), lang)),
        (t("scope.counts", lang), ", ".join(f"{_kind(k, lang)}: {n}" for k, n in sorted(kinds.items()))),
        (t("scope.total_size", lang), f"{human_size(total, lang)} ({number(total, lang)} {t('unit.bytes', lang)})"),
    ]
    out.append(kv_table(rows, styles))
    out.append(Paragraph(t("scope.reports_excluded", lang), styles.small))
    return out


def _kind(kind: str, lang: str) -> str:
    from .exhibits import kind_label

    return kind_label(kind, lang)


# -- 5 environment, 6 methodology --------------------------------------------------------------------
def environment(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    tool, host, clock = ctx.tool, ctx.host, ctx.clock
    rows = [
        (t("env.tool", lang), markup(f"{tool.get('name', '')} {tool.get('version', '')}")),
        (t("env.code_hash", lang), mono(tool.get("code_sha256", ""))),
        (t("env.python", lang), markup(tool.get("python", ""))),
        (t("env.os", lang), markup(host.get("os", ""))),
        (t("env.host", lang), markup(host.get("hostname", ""))),
        (t("env.clock_source", lang), markup(clock.get("source", "")) or t("env.clock_none", lang)),
        (t("env.clock_offset", lang), markup(clock.get("offset", "")) or "—"),
        (t("env.timezone", lang), markup(getattr(ctx.tz, "key", str(ctx.tz)))),
    ]
    out: list[Flowable] = [Paragraph(t("env.report_host", lang), styles.h2), kv_table(rows, styles)]
    acquisition_rows = []
    for index, session in enumerate(ctx.sessions, 1):
        facts = session_environment(session.roots[0], lang)
        acquisition_rows.append([str(index), markup(session.roots[0].name, limit=120),
                                 markup(facts.get("tool", "—"), limit=200), markup(facts.get("host", "—"), limit=200),
                                 markup(facts.get("clock", "—"), limit=200)])
    if acquisition_rows:
        out += [Paragraph(t("env.acquisitions", lang), styles.h2),
                *_chunked([t("col.no", lang), t("col.name", lang), t("env.tool", lang), t("env.host", lang),
                           t("env.clock_offset", lang)], acquisition_rows,
                          [10 * MM, 45 * MM, 45 * MM, 35 * MM, CONTENT_WIDTH - 135 * MM], styles)]
    return out


def methodology(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("method.intro", lang), styles.justify)]
    seen: list[str] = []
    for item in ctx.items:
        key = renderer_for(item.kind).method_key
        if key not in seen:
            seen.append(key)
    for key in seen:
        out.append(Paragraph(t(key, lang), styles.justify))
    out.append(Paragraph(t("method.changes_title", lang), styles.h2))
    out.append(Paragraph(t("method.no_changes", lang), styles.justify))
    warned = [i for i in ctx.items if i.warnings]
    if warned:
        rows = [[str(i.id), markup(i.name, limit=120), markup(warning_name(w.code, lang), limit=120),
                 markup(w.text(lang), limit=800)] for i in warned for w in i.warnings]
        out.append(Paragraph(t("method.deviations", lang, n=len(rows)), styles.body))
        out += _chunked([t("col.id", lang), t("col.name", lang), t("col.warning_name", lang), t("col.warning", lang)], rows,
                        [12 * MM, 45 * MM, 30 * MM, CONTENT_WIDTH - 87 * MM], styles)
    else:
        out.append(Paragraph(t("method.no_deviations", lang), styles.body))
    return out


def warning_name(code: str, lang: str) -> str:
    """A warning's name in words (a code a newer version recorded is printed as recorded)."""
    from evidence_store.catalogue.warnings import WARNINGS, label

    return label(code, lang) if code in WARNINGS else code


# -- 7 inventory -----------------------------------------------------------------------------------------
def inventory(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    """One row of facts per item, then a row spanning the table with its hashes (copyable on one line)."""
    lang = ctx.lang
    header = [t("col.id", lang), t("col.item", lang), t("col.source", lang), t("col.acquired", lang),
              t("col.size_type", lang)]
    widths = [12 * MM, 42 * MM, 48 * MM, 34 * MM, CONTENT_WIDTH - 136 * MM]
    out: list[Flowable] = [Paragraph(t("inventory.intro", lang), styles.small)]
    for start in range(0, len(ctx.items), CHUNK // 2):
        part = ctx.items[start:start + CHUNK // 2]
        data: list[list[object]] = [[Paragraph(h, styles.cell_bold) for h in header]]
        spans = []
        for item in part:
            renderer = renderer_for(item.kind)
            data.append([
                Paragraph(str(item.id), styles.cell),
                Paragraph(f"{markup(item.name, limit=300)}<br/><i>{_kind(item.kind, lang)}</i>", styles.cell),
                Paragraph(renderer.source(item, lang), styles.cell),
                _acquired_cell(item, ctx),
                Paragraph(f"{human_size(item.size, lang) if item.has_content else '—'}<br/>"
                          f"{markup(item.media_type or '', limit=80)}", styles.cell),
            ])
            if item.has_content or media_hashes(item):
                data.append([_hash_lines(item, ctx), "", "", "", ""])
                spans.append(len(data) - 1)
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.3, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONT", (3, 1), (3, -1), "Body", 7, 9),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            *[("SPAN", (0, r), (-1, r)) for r in spans],
            *[("FONT", (0, r), (-1, r), "Mono", 6.5, 8) for r in spans],
        ]))
        out.append(table)
    return out


def _acquired_cell(item: Item, ctx: ReportContext) -> str:
    """Plain text (the fastest cell ReportLab lays out): times, log entry, first timestamp covering it."""
    lines = [utc_text(item.acquired_at), local_text(item.acquired_at, ctx.tz)]
    seq = ctx.acquired_seq.get(item.id)
    if seq is not None:
        lines.append(t("inventory.log_entry", ctx.lang, seq=seq))
    stamp = ctx.item_timestamp.get(item.id)
    if stamp is not None:
        lines.append(t("inventory.tst", ctx.lang, time=utc_text(stamp.gen_time)))
    return "\n".join(lines)


def _hash_lines(item: Item, ctx: ReportContext) -> str:
    """ASCII only (the monospaced face has no Vietnamese letters), one hash per line for copying."""
    if not item.has_content:
        media = media_hashes(item)
        return "\n".join(f"{name.upper().replace('SHA256', 'SHA-256'):<7} {value} (media)"
                         for name, value in media.items() if name in ("sha256", "blake3"))
    return f"SHA-256 {item.sha256}\nBLAKE3  {item.blake3}"


# -- 8 exhibits ------------------------------------------------------------------------------------------
def exhibits(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("exhibits.intro", lang), styles.small)]
    for index, root in enumerate(ctx.children(None), 1):
        title = t("exhibits.group", lang, n=index, name=markup(root.name, limit=150), kind=_kind(root.kind, lang))
        out.append(Heading(title, styles.h2, 1, f"{index}. {plain(root.name, limit=80)}"))
        out += _exhibit_tree(root, ctx, styles, str(index))
    return out


EXHIBIT_ORDER = {"screenshot": 0, "screenshot_viewport": 1, "page_text": 2, "screenshot_tile": 9}


def _exhibit_tree(item: Item, ctx: ReportContext, styles: Styles, label: str) -> list[Flowable]:
    """An item, then its parts: what a reader looks at first (the full screenshot) first, tiles last."""
    out = renderer_for(item.kind).flowables(item, ctx, styles, label)
    children = sorted(ctx.children(item), key=lambda c: (EXHIBIT_ORDER.get(c.kind, 5), c.id))
    for index, child in enumerate(children, 1):
        out += _exhibit_tree(child, ctx, styles, f"{label}.{index}")
    return out


# -- 9 custody, 10 checkpoint, 11 timestamps ---------------------------------------------------------
def custody(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    """A readable table: when, who, what (in words), which item, the key facts; the entries whole are in the appendix."""
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("custody.intro", lang), styles.justify)]
    rows = []
    for row in ctx.custody:
        item = f"{row.item_id}" + (f"<br/>{markup(row.item_name, limit=80)}" if row.item_name else "") \
            if row.item_id is not None else ""
        rows.append([str(row.seq), f"{local_text(row.time, ctx.tz)}<br/>{utc_text(row.time)}", markup(row.examiner),
                     action_label(row.action, lang), item, markup(row.facts, limit=400)])
    out += _chunked([t("col.seq", lang), t("col.time", lang), t("col.examiner", lang), t("col.action", lang),
                     t("col.item", lang), t("col.facts", lang)], rows,
                    [10 * MM, 31 * MM, 28 * MM, 33 * MM, 25 * MM, CONTENT_WIDTH - 127 * MM], styles)
    return out


APPENDIX_LINE = 108  # characters of an entry per line: whole JSON tokens, printed at a readable size


def custody_appendix(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    """Every entry of section 9 exactly as logged, cut only between JSON tokens, with its leaf hash and signature."""
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("appendix.custody_intro", lang), styles.justify), Spacer(1, 4)]
    for row in ctx.custody:
        if not row.canonical:
            continue
        out.append(Paragraph(f"<b>{t('appendix.entry', lang, seq=row.seq, action=action_label(row.action, lang))}</b>",
                             styles.small))
        out += [CopyLine(line, size=6.5, min_size=2.5) for line in json_token_lines(row.canonical, APPENDIX_LINE)]
        out.append(CopyLine(f"{t('appendix.leaf', lang)}: {row.leaf_hash}", size=6.5))
        if row.signature:
            out.append(CopyLine(f"{t('appendix.signature', lang)}: {row.signature}", size=6.5, min_size=3))
        out.append(Spacer(1, 4))
    return out


def action_label(action: str, lang: str) -> str:
    """The action in words (an action a newer version logged is printed as recorded)."""
    from evidence_store.catalogue.actions import ACTIONS, action_words

    return action_words(action, lang) if action in ACTIONS else markup(action, limit=60)


def checkpoint(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    point = ctx.checkpoint
    if point is None:
        return [Paragraph(t("checkpoint.none", lang), styles.body)]
    rows: list[tuple[str, str | Flowable]] = [
        (t("checkpoint.size", lang), t("checkpoint.size_value", lang, size=point.size, last=point.size - 1)),
        (t("checkpoint.root", lang), CopyLine(point.root_hex)),
        (t("checkpoint.signed_by", lang), markup(point.examiner)),
        (t("checkpoint.fingerprint", lang), CopyLine(point.signer_fingerprint)),
        (t("checkpoint.time", lang), f"{utc_text(point.time)} ({local_text(point.time, ctx.tz)})"),
        (t("checkpoint.key", lang), CopyLine(point.verifier_key)),
    ]
    keys = [(markup(p.name), CopyLine(p.fingerprint)) for p in ctx.examiners if p.fingerprint]
    note = [CopyLine(line) for line in point.note.rstrip("\n").split("\n")]
    return [Paragraph(t("checkpoint.intro", lang), styles.justify), kv_table(rows, styles),
            Paragraph(t("checkpoint.keys", lang), styles.h3), kv_table(keys, styles),
            Paragraph(t("checkpoint.note", lang), styles.h3), *note,
            Paragraph(t("checkpoint.proofs", lang), styles.justify)]


def timestamps(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    if not ctx.timestamps:
        return [Paragraph(t("tst.none", lang), styles.body)]
    out: list[Flowable] = [Paragraph(t("tst.intro", lang), styles.justify)]
    for stamp in ctx.timestamps:
        out += timestamp_block(stamp, ctx, styles)
    return out


def timestamp_block(stamp: TimestampInfo, ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    status = t("tst.verified", lang) if stamp.verified else t("tst.not_verified", lang,
                                                              reason=markup(stamp.problem, limit=300))
    rows = [
        (t("tst.subject", lang), markup(stamp.subject)),
        (t("tst.authority", lang), markup(stamp.tsa_name, limit=300)),
        (t("tst.url", lang), markup(stamp.tsa_url, limit=300)),
        (t("tst.time", lang), f"{utc_text(stamp.gen_time)} — {long_datetime(stamp.gen_time, ctx.tz, lang, seconds=True)}"),
        (t("tst.serial", lang), mono(stamp.serial)),
        (t("tst.policy", lang), mono(stamp.policy)),
        (t("tst.imprint", lang), mono(f"{stamp.hash_algorithm} {stamp.imprint}")),
        (t("tst.status", lang), status),
    ]
    if stamp.file:
        rows.append((t("tst.file", lang), mono(stamp.file)))
    out: list[Flowable] = [kv_table(rows, styles)]
    if stamp.chain:
        chain_rows = [[markup(c.subject, limit=300), markup(c.issuer, limit=300),
                       f"{utc_text(c.not_before)}<br/>{utc_text(c.not_after)}", CopyLine(c.sha256, size=6)]
                      for c in stamp.chain]
        out += [Paragraph(t("tst.chain", lang), styles.h3),
                grid_table([t("cert.subject", lang), t("cert.issuer", lang), t("cert.validity", lang),
                            t("cert.fingerprint", lang)], chain_rows,
                           [40 * MM, 40 * MM, 27 * MM, CONTENT_WIDTH - 107 * MM], styles)]
    out.append(Spacer(1, 6))
    return out


# -- 12 verification, 13 limitations, 14 signatures ---------------------------------------------------
def how_to_verify(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    out: list[Flowable] = [Paragraph(t("verify.intro", lang), styles.justify)]
    for number_, (key, command) in enumerate(VERIFY_STEPS, 1):
        out.append(Paragraph(f"{number_}. {t(key, lang)}", styles.body))
        out.append(Paragraph(markup(command, face="Mono", multiline=True, limit=None), styles.mono))
    out.append(Paragraph(t("verify.outcome", lang), styles.justify))
    return out


VERIFY_STEPS = (
    ("verify.step_sha256", "cd <package folder>\nsha256sum -c SHA256SUMS"),
    ("verify.step_b3", "b3sum -c B3SUMS"),
    ("verify.step_tool", "forensics verify-package <package folder or .zip>"),
    ("verify.step_proof", "forensics custody verify-proof custody/proofs.json"),
    ("verify.step_openssl", "openssl ts -verify -data custody/checkpoint-<N>.txt \\\n"
                            "    -in timestamps/checkpoint-<N>-<authority>.tsr -CAfile timestamps/<authority>-chain.pem"),
    ("verify.step_report", "sha256sum <report>.pdf   # "
                           "compare with the report item's SHA-256 in the custody log / so với nhật ký"),
)


def limitations(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    keys = ["limit.authorship", "limit.scope", "limit.clock", "limit.rendering"]
    for item in ctx.items:
        for key in renderer_for(item.kind).limitation_keys:
            if key not in keys:
                keys.append(key)
    out: list[Flowable] = [Paragraph(f"• {t(key, lang)}", styles.justify) for key in keys]
    warned = sum(len(i.warnings) for i in ctx.items)
    if warned:
        out.append(Paragraph(f"• {t('limit.warnings', lang, n=warned)}", styles.justify))
    return out


def signatures(ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    hint = t("sign.hint", lang)
    columns = [(t("role.report_examiner", lang).upper(), hint, markup(ctx.examiner.name))]
    for witness in ctx.fields.witnesses[:2]:
        columns.append((t("role.witness", lang).upper(), hint, markup(witness.name)))
    columns.append((t("sign.head", lang).upper(), t("sign.head_hint", lang), ""))
    when = long_date(parse_iso(ctx.generated_at).astimezone(ctx.tz).date(), lang)
    where = place_of(ctx.org, ctx.fields)
    place = markup(where) if where else dotted(20)
    out: list[Flowable] = [Paragraph(f"<i>{place}, {when}</i>", styles.right), Spacer(1, 6),
                           signature_block(columns, styles)]
    if ctx.signing:
        out.append(Paragraph(t("sign.digital", lang, name=markup(ctx.signing)), styles.small))
    return out


def _chunked(header: list[str], rows: list[list[str]], widths: list[float], styles: Styles) -> list[Flowable]:
    """Long tables as a run of shorter ones (same header): much faster to lay out across pages."""
    if not rows:
        return []
    return [grid_table(header, rows[i:i + CHUNK], widths, styles) for i in range(0, len(rows), CHUNK)]
