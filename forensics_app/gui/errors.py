"""Errors as dialogs a user can act on, never tracebacks; bugs go to the crash log.

A :class:`~evidence_store.ForensicsError` carries a message written for the user
and is shown as is. Anything else is a bug: its traceback is appended to the
same crash log the command line uses and the dialog says where it is.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from evidence_store import Cancelled, ForensicsError, TokenError, VaultBusyError, WrongPassphraseError, iso_utc
from evidence_store.errors import bilingual

from .i18n import current, tr, tr_or

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget


def crash_log_path() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("forensics-toolkit", appauthor=False)) / "crash.log"


def write_crash_log(details: str) -> Path:
    path = crash_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n--- {iso_utc()} forensics-app\n{details}")
    except OSError:
        pass
    return path


TOKEN_CODES = ("wrong_pin", "pin_locked", "no_pin", "token_missing", "module_missing", "key_missing")
#: remedies that are a capture option: the text names its box and label, and a button can open it
OPTION_REMEDIES = {"allow_private_addresses": "allow_private_addresses", "insecure": "insecure"}


def remedy_text(remedy: str) -> str:
    """What to do, in the current language, naming the app's controls (not the command line's flags)."""
    if not remedy:
        return ""
    option = OPTION_REMEDIES.get(remedy)
    if option is not None:
        return tr(f"remedy.{remedy}", box=tr("web.options"), control=option_label(option))
    return tr(f"remedy.{remedy}")


def option_label(name: str) -> str:
    """The label a capture option has in the capture dialog (its bilingual metadata)."""
    import dataclasses

    from collectors.web import CaptureOptions

    field = {f.name: f for f in dataclasses.fields(CaptureOptions)}[name]
    shared = str(field.metadata.get("vi" if current() == "vi" else "en") or name)
    return tr_or(f"option.{name}", shared).split(" (")[0]


def error_text(error: BaseException) -> str:
    """One of our errors in the current language, with its remedy in the app's words."""
    if isinstance(error, ForensicsError):
        text = error.text(current())
        remedy = remedy_text(error.remedy)
        return f"{text}\n{remedy}" if remedy else text
    en, vi = bilingual(error)
    return vi if current() == "vi" else en


def message_for(error: BaseException, details: str = "") -> tuple[str, str]:
    """(title, text) for an error, in the current language."""
    if isinstance(error, WrongPassphraseError):
        return tr("error.title.passphrase"), tr("unlock.wrong")
    if isinstance(error, VaultBusyError):
        return tr("error.title.busy"), error_text(error)
    if isinstance(error, Cancelled):
        return tr("error.title.cancelled"), tr("task.cancelled.clean")
    if isinstance(error, TokenError) and error.context.get("code") in TOKEN_CODES:  # in the interface's language
        return tr("error.title.token"), tr(f"token.{error.context['code']}", token=str(error.context.get("token", "")))
    if isinstance(error, ForensicsError):
        return tr("error.title"), error_text(error)
    if isinstance(error, MemoryError):
        return tr("error.title"), tr("error.memory")
    if isinstance(error, OSError):
        return tr("error.title"), tr("error.os", message=error_text(error), path="")
    log = write_crash_log(details or "".join(traceback.format_exception(error)))
    return tr("error.title.internal"), tr("error.internal", error=repr(error), log=str(log))


def show_error(parent: QWidget | None, error: BaseException, details: str = "") -> QMessageBox:
    """A window-modal message box (non-blocking: tests and the event loop keep running)."""
    from PySide6.QtWidgets import QMessageBox  # loaded when first needed: start-up stays fast

    title, text = message_for(error, details)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.setTextInteractionFlags(box.textInteractionFlags())
    box.open()
    return box


def ask(parent: QWidget | None, title: str, text: str, *, default_yes: bool = False) -> bool:
    """A blocking yes/no question (Yes and No in the current language)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("questionDialog")
    yes = box.addButton(tr("button.yes"), QMessageBox.ButtonRole.YesRole)
    no = box.addButton(tr("button.no"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(yes if default_yes else no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def install_excepthook(parent_getter: Any) -> None:
    """Uncaught exceptions in slots become a dialog (and a crash-log entry), not a silent death."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(details)
        try:
            show_error(parent_getter(), value, details)
        except Exception:
            pass

    sys.excepthook = hook
