"""Exhibits: how each kind of item is shown in a court report.

A registry keyed by item kind (see CONTRIBUTING.md's vocabulary). New kinds plug
in with :func:`register_exhibit`; a kind nobody registered falls back to
:class:`ExhibitRenderer`, which still prints every recorded fact and metadata
field. A duplicate registration is an error, as for collectors.

    @register_exhibit("social_post")
    class SocialPostExhibit(ExhibitRenderer):
        method_key = "method.social"
        def body(self, item, ctx, styles): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reportlab.platypus import Flowable, Paragraph, Spacer

from evidence_store import Item

from .i18n import human_size, local_text, t, utc_text
from .layout import CONTENT_WIDTH, Styles, grid_table, kv_table
from .metadata import flatten, label_for, looks_like_time
from .model import ReportContext
from .text import markup, mono

MAX_META_ROWS = 80
MAX_TABLE_ROWS = 300
TEXT_EXCERPT_BYTES = 3000
IMAGE_LIMIT = 256 * 1024 * 1024  # larger "images" are listed, not decoded
WIDE_COLUMNS = {"url", "title", "path", "name", "value", "description"}

R = TypeVar("R", bound="type[ExhibitRenderer]")
_REGISTRY: dict[str, ExhibitRenderer] = {}


def register_exhibit(*kinds: str) -> Callable[[R], R]:
    """Class decorator: render items of ``kinds`` with this class (each kind once)."""

    def wrap(cls: R) -> R:
        for kind in kinds:
            if kind in _REGISTRY:
                raise ValueError(f"an exhibit renderer for {kind!r} is already registered")
            _REGISTRY[kind] = cls()
        return cls

    return wrap


def renderer_for(kind: str) -> ExhibitRenderer:
    return _REGISTRY.get(kind, FALLBACK)


def registered_kinds() -> list[str]:
    return sorted(_REGISTRY)


class ExhibitRenderer:
    """Facts and metadata of any item; subclasses add what their kind has (images, rows, locators)."""

    method_key = "method.generic"
    limitation_keys: tuple[str, ...] = ()
    skip_metadata: tuple[str, ...] = ()

    def flowables(self, item: Item, ctx: ReportContext, styles: Styles, number: str) -> list[Flowable]:
        lang = ctx.lang
        title = t("exhibit.item_title", lang, number=number, id=item.id, kind=kind_label(item.kind, lang),
                  name=markup(item.name, limit=200))
        out: list[Flowable] = [Paragraph(title, styles.h3)]
        out.append(kv_table(self.facts(item, ctx), styles))
        out.extend(self.body(item, ctx, styles))
        out.extend(self.metadata_tables(item, ctx, styles))
        out.extend(warning_flowables(item, lang, styles))
        out.append(Spacer(1, 6))
        return out

    def source(self, item: Item, lang: str) -> str:
        """Markup for the inventory's source column."""
        return markup(item.source, limit=300)

    def facts(self, item: Item, ctx: ReportContext) -> list[tuple[str, str]]:
        lang = ctx.lang
        rows = [
            (t("col.source", lang), self.source(item, lang)),
            (t("col.acquired", lang), f"{utc_text(item.acquired_at)}<br/>{local_text(item.acquired_at, ctx.tz)}"),
            (t("col.examiner", lang), markup(item.examiner)),
        ]
        if item.has_content:
            rows += [
                (t("col.size", lang), f"{human_size(item.size, lang)} ({item.size} {t('unit.bytes', lang)})"),
                (t("col.type", lang), markup(item.media_type or "")),
                ("SHA-256", mono(item.sha256)),
                ("BLAKE3", mono(item.blake3)),
            ]
            rows += [(name.upper().replace("SHA1", "SHA-1"), mono(getattr(item, name)))
                     for name in ("md5", "sha1") if getattr(item, name)]
        seq = ctx.acquired_seq.get(item.id)
        if seq is not None:
            rows.append((t("col.custody_entry", lang), t("exhibit.custody_entry", lang, seq=seq)))
        stamp = ctx.item_timestamp.get(item.id)
        if stamp is not None:
            rows.append((t("col.timestamp", lang), f"{utc_text(stamp.gen_time)} — {markup(stamp.tsa_name, limit=200)}"))
        return rows

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        """Kind-specific content between the facts and the metadata (default: a text excerpt)."""
        return text_excerpt(item, ctx, styles) if is_text(item) else []

    def metadata_tables(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        meta = {k: v for k, v in item.metadata.items() if k not in self.skip_metadata}
        return metadata_table(meta, ctx, styles, t("exhibit.metadata", ctx.lang))


FALLBACK = ExhibitRenderer()


# -- helpers shared by renderers ---------------------------------------------------------------------
def kind_label(kind: str, lang: str) -> str:
    key = f"kind.{kind}"
    from .strings import STRINGS

    return t(key, lang) if key in STRINGS else markup(kind, limit=60)


def warning_flowables(item: Item, lang: str, styles: Styles) -> list[Flowable]:
    if not item.warnings:
        return []
    from evidence_store.catalogue.warnings import WARNINGS, label

    rows = [[markup(label(w.code, lang) if w.code in WARNINGS else w.code, limit=120), markup(w.text(lang), limit=1500)]
            for w in item.warnings]
    return [Paragraph(t("exhibit.warnings", lang, n=len(rows)), styles.h3),
            grid_table([t("col.warning_name", lang), t("col.warning", lang)], rows,
                       [45 * 2.8346, CONTENT_WIDTH - 45 * 2.8346], styles)]


def value_markup(value: Any, ctx: ReportContext) -> str:
    if isinstance(value, str) and looks_like_time(value):
        try:
            return f"{utc_text(value)} ({local_text(value, ctx.tz)})"
        except ValueError:
            pass
    if isinstance(value, str) and len(value) in (32, 40, 64, 128) and all(c in "0123456789abcdef" for c in value):
        return mono(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("yes" if value else "no", ctx.lang)
    return markup(value, limit=1500)


def metadata_table(meta: dict[str, Any], ctx: ReportContext, styles: Styles, title: str,
                   scope: str = "") -> list[Flowable]:
    rows = flatten(meta)
    if not rows:
        return []
    shown = rows[:MAX_META_ROWS]
    data = [(markup(label_for(key, ctx.lang, scope), limit=120), value_markup(value, ctx)) for key, value in shown]
    if len(rows) > len(shown):
        data.append(("…", t("exhibit.more_rows", ctx.lang, n=len(rows) - len(shown))))
    return [Paragraph(title, styles.h3), kv_table(data, styles)]


def rows_table(rows: list[dict[str, Any]], ctx: ReportContext, styles: Styles, title: str,
               preferred: tuple[str, ...] = (), max_columns: int = 6) -> list[Flowable]:
    """A list of records (browser-history visits, EXIF entries) as a table with a header."""
    if not rows:
        return []
    columns: list[str] = [c for c in preferred if any(c in r for r in rows)]
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    columns = columns[:max_columns]
    shown = rows[:MAX_TABLE_ROWS]
    weights = [3 if c.lower() in WIDE_COLUMNS else 1 for c in columns]
    widths = [CONTENT_WIDTH * w / sum(weights) for w in weights]
    data = [[value_markup(row.get(col), ctx) if row.get(col) is not None else "" for col in columns] for row in shown]
    out: list[Flowable] = [Paragraph(title, styles.h3),
                           grid_table([markup(label_for(c, ctx.lang), limit=60) for c in columns], data, widths,
                                      styles)]
    if len(rows) > len(shown):
        out.append(Paragraph(t("exhibit.more_rows", ctx.lang, n=len(rows) - len(shown)), styles.small))
    return out


def read_text(item: Item, ctx: ReportContext, limit: int = TEXT_EXCERPT_BYTES) -> str | None:
    if ctx.content is None or not item.has_content:
        return None
    data = ctx.content.head(item, limit)
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    return text + ("…" if (item.size or 0) > limit else "")


def text_excerpt(item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
    """The first few KB of a text item, printed literally (markup, controls and RTL made harmless)."""
    text = read_text(item, ctx)
    if text is None:
        return []
    return [Paragraph(t("exhibit.excerpt", ctx.lang, n=TEXT_EXCERPT_BYTES), styles.h3),
            Paragraph(markup(text, face="Mono", multiline=True, limit=None), styles.mono)]


def is_text(item: Item) -> bool:
    media = (item.media_type or "").lower()
    return media.startswith("text/") or media in ("application/json", "application/xml", "application/x-ndjson")


def is_image(item: Item) -> bool:
    return (item.media_type or "").lower() in ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
                                               "image/tiff")
