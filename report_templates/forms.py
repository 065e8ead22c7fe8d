"""Pieces of the formal layout Vietnamese agencies use (Decree 30/2020 style).

The header has two columns: on the left the superior agency, the issuing
agency (bold, underlined by a short rule) and the document number; on the right
the national name and motto (bold, the motto underlined) and the place and date
in italics. English reports use the official English forms of the same lines.
"""

from __future__ import annotations

from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from .i18n import long_date, t
from .layout import CONTENT_WIDTH, Styles
from .model import MinutesFields, Organisation
from .text import markup


class Rule(Flowable):
    """A short centred line under a heading, as on official forms."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.rule_width = width
        self.width, self.height = width, 3

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        x = (self.width - self.rule_width) / 2
        self.canv.setLineWidth(0.6)
        self.canv.setStrokeColor(colors.black)
        self.canv.line(x, 1.5, x + self.rule_width, 1.5)


def place_of(org: Organisation, fields: MinutesFields) -> str:
    """Where the work was done: what the examiner gave for this report, else the place setting."""
    return fields.place.strip() or org.place


def mandate_text(fields: MinutesFields, lang: str) -> str:
    """The task or decision the work was done under, as one markup line ("" when none was given)."""
    parts = []
    if fields.decision_number or fields.decision_issuer:
        number = markup(fields.decision_number, limit=80) if fields.decision_number else dotted(10)
        issuer = markup(fields.decision_issuer, limit=300) if fields.decision_issuer else dotted(30)
        if fields.decision_date:
            try:
                day = long_date(date.fromisoformat(fields.decision_date), lang)
            except ValueError:
                day = markup(fields.decision_date, limit=40)
            parts.append(t("legal.decision", lang, number=number, date=day, issuer=issuer))
        else:
            parts.append(t("legal.decision_undated", lang, number=number, issuer=issuer))
    if fields.mandate:
        parts.append(markup(fields.mandate, multiline=True, limit=3000))
    return "; ".join(parts)


def dotted(chars: int = 60) -> str:
    """A dotted line for filling in by hand."""
    return "." * chars


def national_header(org: Organisation, number: str, when: datetime, lang: str, styles: Styles,
                    *, form_id: str = "") -> list[Flowable]:
    left: list[Flowable] = []
    if org.parent_agency:
        left.append(Paragraph(markup(org.parent_agency.upper(), limit=200), styles.center_small))
    agency = org.agency or org.unit
    left.append(Paragraph(f"<b>{markup(agency.upper(), limit=200) if agency else dotted(30)}</b>",
                          styles.center_small))
    if org.unit and org.agency:
        left.append(Paragraph(f"<b>{markup(org.unit.upper(), limit=200)}</b>", styles.center_small))
    left += [Rule(20 * mm), Spacer(1, 2), Paragraph(number, styles.center_small)]
    place = markup(org.place, limit=120) if org.place else dotted(20)
    date_line = f"{place}, {long_date(when.date(), lang)}"
    right: list[Flowable] = [
        Paragraph(f"<b>{t('form.nation', lang)}</b>", styles.center_small),
        Paragraph(f"<b>{t('form.motto', lang)}</b>", styles.center_small),
        Rule(45 * mm), Spacer(1, 4),
        Paragraph(f"<i>{date_line}</i>", styles.center_small),
    ]
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH * 0.42, CONTENT_WIDTH * 0.58])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    out: list[Flowable] = []
    if form_id:
        out.append(Paragraph(f"<i>{form_id}</i>", styles.right))
    out += [table, Spacer(1, 10)]
    return out
