"""The interface language: one catalog (``texts.TEXTS``), switchable while the app runs.

``tr(key)`` looks a text up in the current language. ``bind(widget, "setText",
key)`` sets a text now and again whenever the language changes, so switching
language re-translates every visible widget without rebuilding the window.
Widgets with texts built from data (tables, summaries) listen with
``on_change`` and redraw. Plain Python: the catalog is tested without Qt.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from evidence_store.catalogue import lookup

from .texts import TEXTS

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_INDEX = {"en": 0, "vi": 1}

_state = {"lang": DEFAULT_LANGUAGE}
_listeners: list[Callable[[], Any]] = []
_bindings: list[tuple[weakref.ref[Any], str, str, dict[str, Any]]] = []


def current() -> str:
    return _state["lang"]


def tr(key: str, **fmt: Any) -> str:
    """The text for ``key`` in the current language (``{name}`` fields filled from ``fmt``).

    A key missing from the catalog raises :class:`~evidence_store.catalogue.MissingText`, as the reports'
    lookup does (tests walk every key the code uses); a key made from data goes through :func:`tr_or`.
    """
    return lookup(TEXTS, key, _state["lang"], **fmt)


def tr_in(lang: str, key: str, **fmt: Any) -> str:
    return lookup(TEXTS, key, lang, **fmt)


def tr_or(key: str, default: str, **fmt: Any) -> str:
    """``tr(key)`` when the catalog has ``key`` (one built from evidence, such as a DKIM result), else ``default``."""
    return tr(key, **fmt) if key in TEXTS else default


def has(key: str) -> bool:
    return key in TEXTS


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    if lang == _state["lang"]:
        return
    _state["lang"] = lang
    _apply_bindings()
    alive = []
    for ref in _listeners:
        listener = ref()
        if listener is None:
            continue
        try:
            listener(lang)
        except RuntimeError:  # its Qt object was deleted
            continue
        alive.append(ref)
    _listeners[:] = alive


def on_change(listener: Callable[[str], None]) -> None:
    """Call ``listener(lang)`` after each switch; a bound method is held weakly (dies with its widget)."""
    _listeners.append(weakref.WeakMethod(listener) if inspect.ismethod(listener) else _Strong(listener))


class _Strong:
    """A plain function listener (kept alive), called like a weak reference."""

    def __init__(self, listener: Callable[[str], None]) -> None:
        self.listener = listener

    def __call__(self) -> Callable[[str], None]:
        return self.listener


def bind(obj: Any, setter: str, key: str, **fmt: Any) -> Any:
    """``obj.<setter>(tr(key, **fmt))`` now and after every language switch; returns ``obj``."""
    getattr(obj, setter)(tr(key, **fmt))
    _bindings.append((weakref.ref(obj), setter, key, fmt))
    return obj


def _apply_bindings() -> None:
    alive = []
    for ref, setter, key, fmt in _bindings:
        obj = ref()
        if obj is None:
            continue
        try:
            getattr(obj, setter)(tr(key, **fmt))
        except RuntimeError:  # the Qt object behind the wrapper was deleted
            continue
        alive.append((ref, setter, key, fmt))
    _bindings[:] = alive


def kind_label(kind: str) -> str:
    key = f"kind.{kind}"
    return tr(key) if key in TEXTS else kind


def part_name(kind: str) -> str | None:
    """What a capture's part is (``Ảnh chụp toàn trang``), for the kinds whose file names the tool chose
    (``screenshot-full.png``); ``None`` for an item whose name is its own (a file, a download)."""
    key = f"part.{kind}"
    return tr(key) if key in TEXTS else None


def item_name(kind: str, name: str) -> str:
    """An item's name as a reader sees it: ``Ảnh chụp toàn trang (screenshot-full.png)``, or its own name."""
    part = part_name(kind)
    return name if part is None else tr("part.named", part=part, file=name)
