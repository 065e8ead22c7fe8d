"""Page layout shared by every report: styles, tables, headings, footers with "Page X of Y".

The footer needs the total page count, known only at the end: :class:`NumberedCanvas`
keeps each page's drawing operations and writes the footers when the document is
saved (one pass, no second rendering). A document may hold several parts (one
set of minutes per acquisition): each part is numbered on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .fonts import register_fonts
from .text import plain

PAGE = A4
MARGINS = {"left": 25 * mm, "right": 18 * mm, "top": 18 * mm, "bottom": 20 * mm}
CONTENT_WIDTH = PAGE[0] - MARGINS["left"] - MARGINS["right"]
CONTENT_HEIGHT = PAGE[1] - MARGINS["top"] - MARGINS["bottom"]
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")


class Styles:
    """Paragraph styles, built after the fonts are registered."""

    def __init__(self) -> None:
        register_fonts()
        base = ParagraphStyle("body", fontName="Body", fontSize=10.5, leading=14, spaceAfter=4, alignment=TA_LEFT)
        self.body = base
        self.justify = ParagraphStyle("justify", parent=base, alignment=4)
        self.small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, spaceAfter=2)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName="Body-Bold")
        self.cell_mono = ParagraphStyle("cell_mono", parent=self.cell, fontName="Mono", fontSize=7, leading=9)
        self.mono = ParagraphStyle("mono", parent=base, fontName="Mono", fontSize=7.5, leading=9.5)
        self.center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
        self.center_bold = ParagraphStyle("center_bold", parent=self.center, fontName="Body-Bold")
        self.center_small = ParagraphStyle("center_small", parent=self.center, fontSize=9, leading=12)
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=base, fontName="Body-Bold", fontSize=15, leading=20,
                                    alignment=TA_CENTER, spaceBefore=6, spaceAfter=6)
        self.subtitle = ParagraphStyle("subtitle", parent=self.title, fontSize=12, leading=16)
        self.h1 = ParagraphStyle("h1", parent=base, fontName="Body-Bold", fontSize=13, leading=17,
                                 spaceBefore=10, spaceAfter=5, keepWithNext=1)
        self.h2 = ParagraphStyle("h2", parent=base, fontName="Body-Bold", fontSize=11, leading=14,
                                 spaceBefore=8, spaceAfter=3, keepWithNext=1)
        self.h3 = ParagraphStyle("h3", parent=base, fontName="Body-Bold", fontSize=9.5, leading=12,
                                 spaceBefore=6, spaceAfter=2, keepWithNext=1)
        self.caption = ParagraphStyle("caption", parent=self.small, fontName="Body-Italic", alignment=TA_CENTER)


class Heading(Paragraph):
    """A paragraph that becomes a PDF outline (bookmark) entry."""

    def __init__(self, markup: str, style: ParagraphStyle, level: int, outline: str) -> None:
        super().__init__(markup, style)
        self.outline_level = level
        self.outline_text = outline


class PartStart(Flowable):
    """Zero-size marker: pages from here on are numbered as a new part (e.g. another set of minutes)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv._part_label = self.label  # type: ignore[attr-defined]
        self.canv._part_starts_here = True  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Footer:
    left: str
    page_format: str  # e.g. "Page {page} of {total}"


def numbered_canvas(footer_for: Callable[[str], Footer]) -> type[rl_canvas.Canvas]:
    """A canvas class that writes "Page X of Y" footers (per part) when the document is saved."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._part_label = ""
            self._part_starts_here = False
            self._page_parts: list[tuple[str, bool]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._page_parts.append((self._part_label, self._part_starts_here))
            self._part_starts_here = False
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            parts = _part_numbers(self._page_parts)
            for state, (label, page, total) in zip(self._pages, parts, strict=True):
                self.__dict__.update(state)
                self._footer(footer_for(label), page, total)
                rl_canvas.Canvas.showPage(self)
            rl_canvas.Canvas.save(self)

        def _footer(self, footer: Footer, page: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(GRID)
            self.setLineWidth(0.4)
            y = MARGINS["bottom"] - 6 * mm
            self.line(MARGINS["left"], y + 4 * mm, PAGE[0] - MARGINS["right"], y + 4 * mm)
            self.setFont("Body", 7.5)
            self.setFillColor(colors.HexColor("#333333"))
            self.drawString(MARGINS["left"], y, footer.left)
            self.drawRightString(PAGE[0] - MARGINS["right"], y, footer.page_format.format(page=page, total=total))
            self.restoreState()

    return NumberedCanvas


def _part_numbers(pages: list[tuple[str, bool]]) -> list[tuple[str, int, int]]:
    """For each page: (part label, page number within the part, pages in the part)."""
    starts = [i for i, (_, start) in enumerate(pages) if start] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    bounds = list(zip(starts, starts[1:] + [len(pages)], strict=True))
    result: list[tuple[str, int, int]] = []
    for begin, end in bounds:
        label = pages[begin][0] if begin < len(pages) else ""
        for index in range(begin, end):
            result.append((pages[index][0] or label, index - begin + 1, end - begin))
    return result


class ReportDoc(BaseDocTemplate):
    """One frame per A4 page; headings become outline entries."""

    def __init__(self, target: str | BinaryIO, *, title: str, author: str, subject: str, keywords: str,
                 creator: str, lang: str = "vi") -> None:
        super().__init__(target, pagesize=PAGE, leftMargin=MARGINS["left"], rightMargin=MARGINS["right"],
                         topMargin=MARGINS["top"], bottomMargin=MARGINS["bottom"], title=plain(title),
                         author=plain(author), subject=plain(subject), keywords=plain(keywords),
                         creator=creator, producer=creator, lang=lang)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="main",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._outline_keys = 0

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (ReportLab's name)
        if isinstance(flowable, Heading):
            key = f"h{self._outline_keys}"
            self._outline_keys += 1
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(plain(flowable.outline_text, limit=120), key, level=flowable.outline_level)


def build(story: list[Flowable], target: str | BinaryIO | None, footer_for: Callable[[str], Footer],
          **meta: str) -> bytes | None:
    """Lay out ``story`` into ``target`` (a path or stream); returns the bytes when target is None."""
    buffer = BytesIO() if target is None else None
    doc = ReportDoc(buffer if buffer is not None else target, **meta)  # type: ignore[arg-type]
    doc.build(story, canvasmaker=numbered_canvas(footer_for))
    return buffer.getvalue() if buffer is not None else None


# -- building blocks -------------------------------------------------------------------------------
class CopyLine(Flowable):
    """One line of monospace text that is never wrapped: the font shrinks until it fits the width.

    Fingerprints, verifier keys and a checkpoint's signature line are what a
    prosecutor copies from the PDF or compares by eye with a trust file; a line
    break in the middle of one makes the copy fail to parse and the comparison
    error-prone. Copying the line from the PDF gives back the exact text. A
    letter the monospaced face lacks (Vietnamese "ễ", "ỉ" in a custody entry) is
    drawn in the fallback face, so the line never shows an empty box.
    """

    def __init__(self, text: str, size: float = 7.5, min_size: float = 4.0) -> None:
        super().__init__()
        self.text, self.size, self.min_size = plain(text), size, min_size
        self._font = size
        self._runs = _runs(self.text)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        width_at_1 = sum(stringWidth(run, face, 1) for face, run in self._runs) or 1
        self._font = max(self.min_size, min(self.size, (avail_width - 1) / width_at_1))
        self.width = min(avail_width, width_at_1 * self._font)
        self.height = self._font * 1.3
        return self.width, self.height

    def draw(self) -> None:
        text = self.canv.beginText(0, self._font * 0.3)
        for face, run in self._runs:
            text.setFont(face, self._font)
            text.textOut(run)
        self.canv.drawText(text)


def _runs(text: str) -> list[tuple[str, str]]:
    """The text in runs of one face: Mono where it has the glyph, else the fallback face."""
    from .text import _cmap

    mono, fallback = _cmap("Mono"), _cmap("Fallback")
    runs: list[tuple[str, str]] = []
    for char in text:
        face = "Mono" if ord(char) in mono or ord(char) not in fallback else "Fallback"
        if runs and runs[-1][0] == face:
            runs[-1] = (face, runs[-1][1] + char)
        else:
            runs.append((face, char))
    return runs


def kv_table(rows: Sequence[tuple[str, str | Flowable]], styles: Styles, *, label_width: float = 48 * mm,
             width: float = CONTENT_WIDTH, mono_values: bool = False) -> Table:
    """Two columns: label | value (markup, or a flowable such as a :class:`CopyLine`)."""
    value_style = styles.cell_mono if mono_values else styles.cell
    data = [[Paragraph(label, styles.cell_bold), value if isinstance(value, Flowable) else Paragraph(value, value_style)]
            for label, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def grid_table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], styles: Styles,
               *, extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A table with a repeated header row; cells are markup strings or flowables."""
    def cell(value: Any) -> Any:
        return Paragraph(value, styles.cell) if isinstance(value, str) else value

    data = [[Paragraph(h, styles.cell_bold) for h in header]] + [[cell(v) for v in row] for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        *extra,
    ]))
    return table


def signature_block(columns: Sequence[tuple[str, str, str]], styles: Styles, *, space: float = 24 * mm) -> Table:
    """Side-by-side signature boxes: (role markup, instruction markup, name markup)."""
    cells = [[Paragraph(f"<b>{role}</b><br/><i>{hint}</i>", styles.center_small),] for role, hint, _ in columns]
    names = [Paragraph(f"<b>{name}</b>", styles.center_small) for _, _, name in columns]
    data = [[c[0] for c in cells], [Spacer(1, space) for _ in columns], names]
    width = CONTENT_WIDTH / max(len(columns), 1)
    table = Table(data, colWidths=[width] * len(columns))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([table])  # type: ignore[return-value]


def json_token_lines(text: str, width: int) -> list[str]:
    """Canonical JSON cut into lines of at most ``width`` characters, only between tokens.

    A string, number or literal is never split, so a line copied from the PDF
    holds whole tokens, and the lines joined with nothing between them give back
    the entry exactly (its hash checks). A token longer than a line stands on
    a line of its own (:class:`CopyLine` shrinks it to fit).
    """
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            tokens.append(text[i:j + 1])
            i = j + 1
        elif char in "{}[],:":
            tokens.append(char)
            i += 1
        else:
            j = i
            while j < n and text[j] not in '{}[],:"':
                j += 1
            tokens.append(text[i:j])
            i = j
    lines, current = [], ""
    for token in tokens:
        if current and len(current) + len(token) > width:
            lines.append(current)
            current = ""
        current += token
    if current:
        lines.append(current)
    return lines
