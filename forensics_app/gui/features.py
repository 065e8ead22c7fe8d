"""Which actions this build can offer, and their dialogs.

Capabilities land as service modules (``services.web``, ``services.disk``,
``services.reports``, ``services.export``); an action is enabled when its
service imports and offers the function its dialog calls, so the app gains a
capability the moment the service exists.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

# feature -> (service module, function the dialog calls, dialog module, dialog class)
FEATURES: dict[str, tuple[str, str, str, str]] = {
    "files": ("forensics_app.services.files", "add_files", ".dialogs.files_dialog", "AddFilesDialog"),
    "verify": ("evidence_store", "verify_vault", ".dialogs.verify_dialog", "VerifyDialog"),
    "web": ("forensics_app.services.web", "capture_web", ".dialogs.web_dialog", "WebCaptureDialog"),
    "disk": ("forensics_app.services.disk_acquire", "add_image", ".dialogs.disk_dialog", "AddDiskImageDialog"),
    "report": ("forensics_app.services.reports", "generate_report", ".dialogs.report_dialog", "ReportDialog"),
    "package": ("forensics_app.services.export", "export_package", ".dialogs.package_dialog", "PackageDialog"),
}


@cache
def available(name: str) -> bool:
    """The service and the dialog exist (found without importing them: start-up stays fast)."""
    module_name, _function, dialog_module, _cls = FEATURES[name]
    try:
        return (importlib.util.find_spec(module_name) is not None
                and importlib.util.find_spec(dialog_module, __package__) is not None)
    except (ImportError, ValueError):
        return False


def task_dialog(name: str, workspace: Any) -> QDialog | None:
    """The action's dialog, or None when its service is missing or lacks the function it calls."""
    if not available(name):
        return None
    module_name, function, dialog_module, dialog_class = FEATURES[name]
    try:
        service = importlib.import_module(module_name)
        dialogs = importlib.import_module(dialog_module, __package__)
    except ImportError:
        return None
    if not callable(getattr(service, function, None)) or not hasattr(dialogs, dialog_class):
        return None
    dialog: QDialog = getattr(dialogs, dialog_class)(workspace, workspace.window_widget())
    return dialog
