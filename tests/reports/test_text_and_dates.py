"""Escaping evidence-derived text and the Vietnamese date forms (no vault needed)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest
from reportlab.platypus import Paragraph

from evidence_store import UsageError
from evidence_store import zone_info as zone
from report_templates import register_fonts
from report_templates.i18n import local_text, long_datetime, utc_offset, vi_date, zone_label
from report_templates.layout import Styles
from report_templates.text import glyph_safe, markup, plain


@pytest.fixture(scope="module", autouse=True)
def fonts() -> None:
    register_fonts()


def test_markup_is_escaped_and_parses() -> None:
    text = "<b>x</b> & <font size=40>y</font> &amp;"
    result = markup(text)
    assert "<b>" not in result and "&lt;b&gt;" in result and "&amp;amp;" in result
    para = Paragraph(result, Styles().body)  # ReportLab's parser accepts it
    para.wrap(300, 100)
    assert para.getPlainText() == text


def test_hidden_characters_become_visible_markers() -> None:
    assert plain("invoice\u202egpj.exe") == "invoice[U+202E]gpj.exe"
    assert plain("a\x00b\x07c\u200bd\ufeffe") == "a[U+0000]b[U+0007]c[U+200B]d[U+FEFF]e"
    assert "[U+202E]" in markup("x\u202ey")
    assert "<br/>" in markup("line1\nline2", multiline=True)
    assert "[U+000A]" in plain("line1\nline2")


def test_nfc_normalisation() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert decomposed != "Nguyễn Văn Ánh"
    assert markup(decomposed) == "Nguyễn Văn Ánh"


def _text(markup_text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", markup_text)


def test_right_to_left_runs_follow_the_unicode_bidirectional_algorithm() -> None:
    # UAX #9 (the reference results of the Unicode BidiCharacterTest cases for a left-to-right paragraph): the
    # number after the Hebrew word belongs to the right-to-left run, so it is shown before the reversed word
    assert _text(markup("id שלום 123 end")) == "id 123 םולש end"
    assert _text(markup("(שלום)")) == "(םולש)"  # brackets mirrored inside the run
    # Arabic letters are shown joined (presentation forms), in visual order
    # seen (initial form), lam-alef (one ligature, final form), meem (isolated), right to left
    assert _text(markup("سلام")) == "\ufee1\ufefc\ufeb3"
    # a right-to-left override is shown as its marker and overrides nothing
    disguised = markup("invoice\u202efdp.exe")
    assert "[U+202E]" in disguised and _text(disguised).startswith("invoice") and _text(disguised).endswith(
        "fdp.exe")


def test_glyphs_missing_from_every_font_are_shown_as_code_points() -> None:
    result = markup("unicorn 🦄")
    assert "[U+1F984]" in result
    assert '<font face="Fallback">☺ א</font>' in markup("☺ א")  # DejaVu Sans has these: the fallback face
    assert "[U+1F600]" in markup("😀")  # beyond the BMP: ReportLab's text map would corrupt a copy
    assert glyph_safe("a🦄b") == "a[U+1F984]b"


def test_long_values_are_cut_with_a_count() -> None:
    result = markup("x" * 5000, limit=100)
    assert result.count("x") == 100 and "+4900" in result


def test_vietnamese_dates_follow_the_administrative_style() -> None:
    assert vi_date(date(2026, 11, 30)) == "ngày 30 tháng 11 năm 2026"
    assert vi_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert vi_date(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"
    moment = datetime(2026, 11, 30, 7, 5, 9, tzinfo=UTC)
    hcm = zone("Asia/Ho_Chi_Minh")
    assert long_datetime(moment, hcm, "vi") == "14 giờ 05 phút, ngày 30 tháng 11 năm 2026 (giờ Việt Nam, UTC+7)"
    assert long_datetime(moment, hcm, "en") == "14:05 on 30 November 2026 (Viet Nam time, UTC+7)"
    assert local_text(moment, hcm) == "2026-11-30 14:05:09 UTC+7"


def test_other_zones_are_named_and_offsets_follow_daylight_saving() -> None:
    berlin = zone("Europe/Berlin")
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    winter = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert utc_offset(summer, berlin) == "UTC+2" and utc_offset(winter, berlin) == "UTC+1"
    assert zone_label(summer, berlin, "vi") == "Europe/Berlin, UTC+2"
    assert utc_offset(summer, zone("Asia/Kolkata")) == "UTC+5:30"
    with pytest.raises(UsageError, match="time zone"):
        zone("Mars/Olympus")


def test_every_wording_is_drawable_in_the_body_font() -> None:
    from reportlab.pdfbase import pdfmetrics

    from report_templates.strings import STRINGS

    cmap = pdfmetrics.getFont("Body").face.charToGlyph
    missing = {ch for pair in STRINGS.values() for text in pair for ch in text if ord(ch) not in cmap and ch != "\n"}
    assert not missing
