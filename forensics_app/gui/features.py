"""The long actions' dialogs, by name.

Every build carries every action. A dialog or service that fails to import is a
broken installation, not a missing feature: opening the action says so in both
languages, names the part and points to the workstation check (which lists what
is broken and how to repair it); the action is never silently disabled.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evidence_store import ForensicsError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

# action -> (dialog module, dialog class)
DIALOGS: dict[str, tuple[str, str]] = {
    "files": (".dialogs.files_dialog", "AddFilesDialog"),
    "verify": (".dialogs.verify_dialog", "VerifyDialog"),
    "web": (".dialogs.web_dialog", "WebCaptureDialog"),
    "disk": (".dialogs.disk_dialog", "AddDiskImageDialog"),
    "report": (".dialogs.report_dialog", "ReportDialog"),
    "package": (".dialogs.package_dialog", "PackageDialog"),
}


class BrokenInstallError(ForensicsError):
    """A part of the installation cannot be loaded (a damaged or incomplete install)."""


def task_dialog(name: str, workspace: Any) -> QDialog:
    """The action's dialog; a part that cannot be loaded raises :class:`BrokenInstallError` naming it."""
    module_name, dialog_class = DIALOGS[name]
    try:
        dialogs = importlib.import_module(module_name, __package__)
    except ImportError as exc:
        part = getattr(exc, "name", None) or module_name
        raise BrokenInstallError(
            f"this installation is damaged: {part} cannot be loaded ({exc}); open Help > Workstation check to see "
            "what to repair",
            message_vi=f"bản cài đặt bị hỏng: không nạp được {part} ({exc}); mở Trợ giúp > Kiểm tra máy trạm để "
                       "xem cần sửa gì") from exc
    dialog: QDialog = getattr(dialogs, dialog_class)(workspace, workspace.window_widget())
    return dialog
