"""Qt's own strings (file dialogs, message-box buttons, text menus) in the interface's language.

PySide6 ships no Vietnamese Qt translation: ``translations/qt_vi.ts`` (in the repository)
is compiled by ``installer/build_translations.py`` at set-up; a checkout whose ``.qm``
was not built yet compiles it into the user's cache with PySide6's ``lrelease``. The
translator is installed while the language is Vietnamese and removed for English, and
Qt re-translates its open widgets itself (a LanguageChange event).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

FOLDER = Path(__file__).resolve().parent / "translations"
_state: dict[str, object] = {"installed": None, "following": False}


def compiled(lang: str) -> Path | None:
    """The ``.qm`` for ``lang``: next to its ``.ts`` (built at set-up), else built now into the cache."""
    source = FOLDER / f"qt_{lang}.ts"
    built = source.with_suffix(".qm")
    if built.is_file() and (not source.is_file() or built.stat().st_mtime >= source.stat().st_mtime):
        return built
    if not source.is_file():
        return None
    from ..services.app_dirs import user_cache_dir

    cached = user_cache_dir() / "translations" / built.name
    if cached.is_file() and cached.stat().st_mtime >= source.stat().st_mtime:
        return cached
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "installer"))
        import build_translations

        build_translations.compile_ts(source, cached)
    except (ImportError, OSError, SystemExit, Exception) as exc:  # noqa: BLE001 (English Qt strings, never a crash)
        sys.stderr.write(f"forensics-app: Qt's strings stay in English: {source.name} could not be compiled ({exc})\n")
        return None
    finally:
        sys.path.pop(0)
    return cached if cached.is_file() else None


def apply(lang: str) -> bool:
    """Install (Vietnamese) or remove (English) Qt's translation; True when Qt now speaks ``lang``."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    current = _state["installed"]
    if isinstance(current, QTranslator):
        app.removeTranslator(current)
        _state["installed"] = None
    QLocale.setDefault(QLocale("vi_VN" if lang == "vi" else "en_GB"))  # month names, decimal marks
    if lang == "en":
        return True
    path = compiled(lang)
    translator = QTranslator(app)
    if path is None or not translator.load(str(path)):
        return False
    app.installTranslator(translator)
    _state["installed"] = translator
    return True


def _follow(lang: str) -> None:
    apply(lang)


def follow() -> None:
    """Speak the interface's language now and after every switch (called once the application exists)."""
    from . import i18n

    if not _state.get("following"):
        i18n.on_change(_follow)
        _state["following"] = True
    apply(i18n.current())
