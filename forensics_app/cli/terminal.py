"""What reaches the examiner's terminal: evidence text with its control characters made visible.

A file name, case number, page title or warning can hold escape sequences (``ESC[8m`` hides what follows,
an unterminated ``ESC]0;`` swallows the rest of the screen, U+202E reverses it). Every human printer goes
through :class:`TerminalConsole` (``cli.common.out``/``err``), whose string rendering shows each such
character as an escape (``\\x1b``, ``\\u202e``); plain ``click.echo`` lines use :func:`escape_controls`.
JSON output is not touched: it stays exact (``json.dumps`` escapes C0 itself).
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

#: C0 controls except newline and tab (our own layout), DEL, C1, and the bidi embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every terminal control character shown as an escape (``\\x1b``), the rest unchanged."""
    return _CONTROLS.sub(_visible, text)


class TerminalConsole(Console):
    """A rich Console whose strings (printed text, table cells) have their control characters escaped."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(escape_controls(text), **kwargs)
