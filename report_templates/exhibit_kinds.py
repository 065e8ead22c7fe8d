"""The built-in exhibit renderers, one class per family of item kinds.

``social_post`` and ``screenshot_element`` are rendered by ``social_exhibit``.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Paragraph

from evidence_store import Item

from .exhibits import (
    IMAGE_LIMIT,
    ExhibitRenderer,
    is_image,
    is_text,
    markup,
    metadata_table,
    register_exhibit,
    rows_table,
    text_excerpt,
)
from .i18n import t
from .images import image_flowables
from .layout import Styles, kv_table
from .metadata import flatten, label_for
from .model import ReportContext
from .provenance_summary import is_provenance, summary_lines


def image_exhibit(item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
    if ctx.content is None or not item.has_content:
        return []
    lang = ctx.lang
    if (item.size or 0) > IMAGE_LIMIT:
        return [Paragraph(t("exhibit.image_too_large", lang), styles.small)]
    reader = ctx.content

    def load() -> bytes:
        return reader.read(item, IMAGE_LIMIT) or b""

    def caption(width: int, height: int) -> str:
        return t("exhibit.image_caption", lang, id=item.id, w=width, h=height)

    try:
        flowables, _facts = image_flowables(load, item.uid, caption, t("exhibit.tile_caption", lang), styles)
    except ValueError as exc:
        return [Paragraph(t("exhibit.image_unreadable", lang, reason=markup(str(exc), limit=300)), styles.small)]
    return flowables


@register_exhibit("file", "symlink", "media", "download")
class FileExhibit(ExhibitRenderer):
    method_key = "method.files"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        if is_image(item):
            return image_exhibit(item, ctx, styles)
        return text_excerpt(item, ctx, styles) if is_text(item) else []

    def source(self, item: Item, lang: str) -> str:
        return markup(item.metadata.get("path") or item.source, limit=300)


@register_exhibit("folder")
class FolderExhibit(ExhibitRenderer):
    method_key = "method.files"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        inside = ctx.children(item)
        return [Paragraph(t("exhibit.folder_contents", ctx.lang, n=len(inside)), styles.small)]


@register_exhibit("screenshot", "screenshot_viewport")
class ScreenshotExhibit(ExhibitRenderer):
    method_key = "method.web"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        return image_exhibit(item, ctx, styles)


@register_exhibit("screenshot_tile")
class ScreenshotTileExhibit(ExhibitRenderer):
    """A tile the browser took of a very tall page: its pixels are shown in the stitched full-page screenshot, or,
    for a page stored as ordered tiles (no stitched image), the tile is drawn here."""

    method_key = "method.web"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        if item.metadata.get("stored_as") == "ordered tiles":  # a page too tall to stitch: the tiles are the image
            return image_exhibit(item, ctx, styles)
        return [Paragraph(t("exhibit.tile_shown_in_full", ctx.lang), styles.small)]


PROVENANCE_FIRST = ("requested_url", "final_url", "http_status", "status_line", "redirects", "title", "servers",
                    "server_ip", "tls", "started_at", "ended_at", "clock", "clock_offset", "workstation", "browser",
                    "user_agent", "viewport", "device", "account", "egress_ip", "tool", "mode", "complete")


@register_exhibit("web_capture")
class WebCaptureExhibit(ExhibitRenderer):
    method_key = "method.web"
    limitation_keys = ("limit.web_account", "limit.web_dynamic")
    skip_metadata = ("provenance",)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        """The provenance in words (what was asked and what came back, certificates, time and clock, who and
        with what); the full record is the capture's provenance.json exhibit."""
        provenance = item.metadata.get("provenance")
        if not isinstance(provenance, dict):
            return []
        if not is_provenance(provenance):  # another collector's record: its facts, labelled where we can
            ordered = {k: provenance[k] for k in PROVENANCE_FIRST if k in provenance}
            ordered.update({k: v for k, v in provenance.items() if k not in ordered})
            return metadata_table(ordered, ctx, styles, t("exhibit.provenance", ctx.lang), scope="provenance")
        rows = [(markup(line.label, limit=120),
                 ("<b>" if line.attention else "") + markup(line.value, multiline=True, limit=3000)
                 + ("</b>" if line.attention else ""))
                for line in summary_lines(provenance, ctx.lang, ctx.tz)]
        return [Paragraph(t("exhibit.provenance", ctx.lang), styles.h3), kv_table(rows, styles)]


@register_exhibit("html", "mhtml", "pdf", "page_text", "warc", "wacz", "provenance", "video")
class WebPartExhibit(ExhibitRenderer):
    method_key = "method.web"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        return text_excerpt(item, ctx, styles) if item.kind == "page_text" else []


@register_exhibit("disk_image")
class DiskImageExhibit(ExhibitRenderer):
    method_key = "method.disk"
    limitation_keys = ("limit.disk_recovery",)
    skip_metadata = ("partitions",)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        partitions = item.metadata.get("partitions")
        rows = [_partition_row(p) for p in partitions if isinstance(p, dict)] if isinstance(partitions, list) else []
        return rows_table(rows, ctx, styles, t("exhibit.partitions", ctx.lang),
                          preferred=("index", "start_sector", "length_sectors", "offset", "size", "description",
                                     "file_system"), max_columns=7)


@register_exhibit("extracted_file")
class ExtractedFileExhibit(ExhibitRenderer):
    method_key = "method.disk"
    limitation_keys = ("limit.disk_recovery",)
    skip_metadata = ("locator", "browser_history", "exif")

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        lang = ctx.lang
        out: list[Flowable] = []
        locator = item.metadata.get("locator")
        if isinstance(locator, dict) and locator:
            rows = [(markup(label_for(k, lang), limit=80), markup(_scalar(v), limit=1500))
                    for k, v in flatten(locator)]
            out += [Paragraph(t("exhibit.locator", lang), styles.h3), kv_table(rows, styles)]
        history = item.metadata.get("browser_history")
        if isinstance(history, dict):
            history = history.get("rows") or history.get("visits") or []
        if isinstance(history, list) and history:
            out += rows_table([r for r in history if isinstance(r, dict)], ctx, styles,
                              t("exhibit.browser_history", lang, n=len(history)),
                              preferred=("time_utc", "visit_time", "time", "type", "url", "title", "visit_count",
                                         "browser"))
        exif = item.metadata.get("exif")
        if isinstance(exif, dict):
            exif = [exif]
        if isinstance(exif, list):
            for index, entry in enumerate(e for e in exif if isinstance(e, dict)):
                title = t("exhibit.exif", lang) + (f" ({index + 1})" if len(exif) > 1 else "")
                out += metadata_table(entry, ctx, styles, title)
        if is_image(item):
            out += image_exhibit(item, ctx, styles)
        elif is_text(item):
            out += text_excerpt(item, ctx, styles)
        return out


@register_exhibit("report")
class ReportExhibit(ExhibitRenderer):
    method_key = "method.report"


def _partition_row(row: dict[str, Any]) -> dict[str, Any]:
    """A partition with its file system as one readable cell (type, label)."""
    out = dict(row)
    fs = row.get("file_system")
    if isinstance(fs, dict):
        out["file_system"] = " ".join(str(fs[k]) for k in ("type", "label") if fs.get(k))
    return out


def _scalar(value: Any) -> str:
    return "" if value is None else str(value)
