"""Metadata dictionaries as label/value rows: nested keys flattened, known keys translated."""

from __future__ import annotations

import re
from typing import Any

from .i18n import t
from .strings import STRINGS

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
MAX_LIST_INLINE = 12


def looks_like_time(value: str) -> bool:
    return bool(_TIME.match(value))


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``{"times": {"modified": x}}`` -> ``[("times.modified", x)]``; short lists of scalars joined."""
    rows: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(inner, (dict, list)) and inner:
                rows.extend(flatten(inner, path))
            elif inner not in (None, "", [], {}):
                rows.append((path, inner))
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value) and len(value) <= MAX_LIST_INLINE:
            rows.append((prefix, ", ".join(str(v) for v in value)))
        else:
            for index, inner in enumerate(value):
                rows.extend(flatten(inner, f"{prefix}[{index + 1}]") if isinstance(inner, (dict, list))
                            else [(f"{prefix}[{index + 1}]", inner)])
    elif value not in (None, ""):
        rows.append((prefix, value))
    return rows


def label_for(key: str, lang: str, scope: str = "") -> str:
    """``meta.times.modified`` wording when there is one, else the key itself.

    ``scope`` (e.g. ``provenance``) picks wording for keys that mean something else elsewhere
    (a capture's ``mode`` is not a file's permissions).
    """
    plain_key = re.sub(r"\[\d+\]", "", key)
    if scope and f"meta.{scope}.{plain_key}" in STRINGS:
        return t(f"meta.{scope}.{plain_key}", lang)
    wanted = f"meta.{plain_key}"
    if wanted in STRINGS:
        label = t(wanted, lang)
        indexes = re.findall(r"\[\d+\]", key)
        return label + ("".join(indexes) if indexes else "")
    last = f"meta.{plain_key.rsplit('.', 1)[-1]}"
    if last in STRINGS:
        return f"{key.rsplit('.', 1)[0]} · {t(last, lang)}" if "." in key else t(last, lang)
    return key


def provenance_of(item: Any) -> dict[str, Any]:
    """The provenance summary a web capture keeps in its metadata (empty for other kinds)."""
    value = item.metadata.get("provenance")
    return value if isinstance(value, dict) else {}
