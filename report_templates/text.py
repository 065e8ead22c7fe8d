"""Evidence-derived text made safe for ReportLab's paragraph markup.

Titles, URLs, file names and post text come from suspects and web pages. Before
they reach a :class:`~reportlab.platypus.Paragraph` they are:

* normalised to NFC (Vietnamese typed on macOS arrives decomposed);
* stripped of their power: ``<``, ``>`` and ``&`` are escaped, so markup in a
  page title prints as text;
* made visible: control, format (bidi overrides, zero-width), private-use,
  unassigned and surrogate code points print as a red ``[U+202E]`` marker, so
  a right-to-left override (U+202E) cannot disguise ``invoice<RLO>fdp.exe``;
* set in a font that has the glyph (the body face, then DejaVu Sans), and
  printed as ``[U+1F984]`` when no embedded font has one; characters beyond
  the Basic Multilingual Plane (most emoji) are always printed so, because
  ReportLab's text map for them is wrong and copying from the PDF would change
  them;
* right-to-left runs (Hebrew, Arabic) put in visual order by the Unicode
  Bidirectional Algorithm (python-bidi) and Arabic letters joined
  (arabic-reshaper), so they read as on screen;
* bounded: very long values are cut with a note (a table row taller than a page
  cannot be laid out); long unbroken words are split by ReportLab itself.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape

from reportlab.pdfbase import pdfmetrics

from evidence_store.naming import is_hidden

CODE_STYLE = '<font face="Mono" color="#a00000">[U+{:04X}]</font>'


@lru_cache(maxsize=8)
def _cmap(face: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(face).face.charToGlyph)


def normalise(text: object) -> str:
    """Any value as NFC text; undecodable bytes and lone surrogates survive as markers later."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "backslashreplace")
    return unicodedata.normalize("NFC", str(text))


def truncate(text: str, limit: int | None) -> tuple[str, int]:
    """Cut ``text`` to ``limit`` characters; returns the text and how many were left out."""
    if limit is None or len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def _is_hidden(ch: str, multiline: bool) -> bool:
    if ch == "\n" and multiline:
        return False
    if ch == "\t":
        return not multiline
    return is_hidden(ch)


def plain(text: object, *, limit: int | None = None) -> str:
    """Single-line text for places without markup (footers, metadata): hidden characters as [U+XXXX]."""
    value, cut = truncate(normalise(text), limit)
    out = "".join(f"[U+{ord(ch):04X}]" if _is_hidden(ch, False) else ch for ch in value)
    return out + (f" […+{cut}]" if cut else "")


# -- tokens: ("t", char) printable text, ("c", codepoint) a hidden character's marker -------------
Token = tuple[str, str]


def _tokens(text: str, multiline: bool) -> list[Token]:
    out: list[Token] = []
    for ch in text:
        if ch == "\t" and multiline:
            out.extend([("t", " ")] * 4)
        elif _is_hidden(ch, multiline):
            out.append(("c", ch))
        else:
            out.append(("t", ch))
    return out


# Placeholders for hidden characters while the line is put in visual order: neutral (bidi class ON), never
# mirrored, so a hidden character takes no part in the ordering (a right-to-left override shows as its marker
# and overrides nothing) and is found again after reordering.
_PLACEHOLDERS = [chr(c) for c in range(0x2500, 0x2700)
                 if unicodedata.bidirectional(chr(c)) == "ON" and not unicodedata.mirrored(chr(c))]
_RTL = frozenset(("R", "AL", "AN"))


def _visual_order(tokens: list[Token]) -> list[Token]:
    """The line in visual order by the Unicode Bidirectional Algorithm (UAX #9, python-bidi), left-to-right
    paragraph, with Arabic letters shaped to their joined forms (arabic-reshaper) as a reader sees them."""
    if not any(kind == "t" and unicodedata.bidirectional(ch) in _RTL for kind, ch in tokens):
        return tokens
    hidden = [ch for kind, ch in tokens if kind == "c"]
    present = {ch for kind, ch in tokens if kind == "t"}
    pool = [p for p in _PLACEHOLDERS if p not in present]
    if len(hidden) > len(pool):  # more hidden characters than free placeholders: leave the line as it is
        return tokens
    mapping: dict[str, str] = {}
    text = []
    for kind, ch in tokens:
        if kind == "c":
            mapping[pool[len(mapping)]] = ch
            text.append(pool[len(mapping) - 1])
        else:
            text.append(ch)
    from arabic_reshaper import reshape
    from bidi import get_display

    visual = get_display(reshape("".join(text)), base_dir="L")
    return [("c", mapping[ch]) if ch in mapping else ("t", ch) for ch in visual]


def _markup_line(tokens: list[Token], face: str, fallback: str) -> str:
    body, spare = _cmap(face), _cmap(fallback)
    parts: list[str] = []
    run: list[str] = []
    run_face = face

    def flush() -> None:
        if run:
            text = xml_escape("".join(run))
            parts.append(text if run_face == face else f'<font face="{run_face}">{text}</font>')
            run.clear()

    for kind, ch in tokens:
        code = ord(ch)
        if kind == "c" or code > 0xFFFF or (code not in body and code not in spare):
            flush()
            parts.append(CODE_STYLE.format(code))
            continue
        wanted = run_face if ch == " " else (face if code in body else fallback)
        if wanted != run_face:
            flush()
            run_face = wanted
        run.append(ch)
    flush()
    return "".join(parts)


def markup(text: object, *, face: str = "Body", fallback: str = "Fallback", multiline: bool = False,
           limit: int | None = 2000, cut_note: str = "[…+{n}]") -> str:
    """Paragraph markup that prints ``text`` literally (see the module docstring)."""
    value, cut = truncate(normalise(text), limit)
    if value.isascii() and value.isprintable() and "\t" not in value:
        result = xml_escape(value)  # the common case, fast
    else:
        lines = value.split("\n") if multiline else [value]
        result = "<br/>".join(
            _markup_line(_visual_order(_tokens(line, multiline)), face, fallback) for line in lines)
    if cut:
        result += " <i>" + xml_escape(cut_note.format(n=cut)) + "</i>"
    return result


def mono(text: object, *, limit: int | None = 2000) -> str:
    """Markup for hashes, paths and identifiers in the monospaced face."""
    return markup(text, face="Mono", limit=limit)


def glyph_safe(text: object, *, face: str = "Body", limit: int | None = 60) -> str:
    """Plain text (no markup) whose every character the face can draw: for chart labels and footers."""
    cmap = _cmap(face)
    return "".join(ch if (ord(ch) in cmap and ord(ch) <= 0xFFFF) or ch == " " else f"[U+{ord(ch):04X}]"
                   for ch in plain(text, limit=limit))
