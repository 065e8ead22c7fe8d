"""The catalogue of what a user reads, in Vietnamese and English, and the one way to look it up.

Every table here maps a key to ``(English, Vietnamese)`` (or a record with both):
custody actions (:mod:`.actions`), warning codes (:mod:`.warnings`), verification
problems (:mod:`.problems`), provenance field names (:mod:`.provenance`), remedies
(:mod:`.remedies`) and the operating system's errors in words (:mod:`.system`).
The desktop app's texts (``forensics_app.gui.texts``) and the reports' wording
(``report_templates.strings``) are looked up the same way: a key that is not in its
table is a programming error and raises :class:`MissingText`, everywhere alike
(tests walk every key the code uses, so none reaches a user).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("vi", "en")


class MissingText(KeyError):
    """A key that is not in its catalogue: a bug the catalogue tests catch before a user could."""

    def __str__(self) -> str:
        return f"no text for {self.args[0]!r} in the catalogue"


def lookup(table: Mapping[str, tuple[str, str]], key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` from ``table`` (``{name}`` fields filled from ``values``)."""
    try:
        en, vi = table[key]
    except KeyError:
        raise MissingText(key) from None
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def pick(pair: tuple[str, str], lang: str) -> str:
    """One side of an ``(English, Vietnamese)`` pair."""
    return pair[1] if lang == "vi" else pair[0]
