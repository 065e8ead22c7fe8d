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
* right-to-left runs (Hebrew, Arabic) put in visual order, so they read
  correctly and extract in logical order;
* bounded: very long values are cut with a note (a table row taller than a page
  cannot be laid out); long unbroken words are split by ReportLab itself.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape

from reportlab.pdfbase import pdfmetrics

CODE_STYLE = '<font face="Mono" color="#a00000">[U+{:04X}]</font>'
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_DROP_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


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
    return unicodedata.category(ch) in _DROP_CATEGORIES


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


def _bidi_class(token: Token) -> str:
    if token[0] == "c":
        return "ON"
    return unicodedata.bidirectional(token[1]) or "ON"


def _visual_order(tokens: list[Token]) -> list[Token]:
    """Reverse right-to-left runs of a left-to-right line (numbers inside keep their order).

    A run starts at a strong R/AL character and takes in marks, numbers and
    neutrals up to the last strong R/AL before the next strong L character.
    """
    classes = [_bidi_class(t) for t in tokens]
    if not any(c in ("R", "AL") for c in classes):
        return tokens
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        if classes[i] not in ("R", "AL"):
            out.append(tokens[i])
            i += 1
            continue
        end = i
        j = i
        while j < n and classes[j] != "L":
            if classes[j] in ("R", "AL", "NSM"):
                end = j
            j += 1
        out.extend(_reverse_run(tokens[i:end + 1], classes[i:end + 1]))
        i = end + 1
    return out


def _reverse_run(tokens: list[Token], classes: list[str]) -> list[Token]:
    clusters: list[list[Token]] = []
    k = 0
    while k < len(tokens):
        if classes[k] in ("EN", "AN"):  # a number (with its separators) stays left to right
            m = k + 1
            while m < len(tokens) and (classes[m] in ("EN", "AN") or (
                    classes[m] in ("CS", "ES", "ET") and m + 1 < len(tokens) and classes[m + 1] in ("EN", "AN"))):
                m += 1
            clusters.append(tokens[k:m])
            k = m
            continue
        cluster = [tokens[k]]
        k += 1
        while k < len(tokens) and classes[k] == "NSM":  # marks stay after their base letter
            cluster.append(tokens[k])
            k += 1
        clusters.append(cluster)
    result: list[Token] = []
    for cluster in reversed(clusters):
        if len(cluster) == 1 and cluster[0][0] == "t":
            result.append(("t", cluster[0][1].translate(_MIRROR)))
        else:
            result.extend(cluster)
    return result


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
