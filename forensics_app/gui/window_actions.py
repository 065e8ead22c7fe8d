"""The window's actions: cases, checkpoints, exports, and opening the action dialogs.

A mixin of :class:`~forensics_app.gui.main_window.MainWindow`, kept apart so each
file has one job; every action is a dialog or a job over a service call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from evidence_store import ForensicsError, Vault

from ..services import cases
from ..services import settings as settings_service
from . import features, file_dialogs
from .errors import ask, show_error
from .i18n import tr
from .jobs import Job

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from .case_panel import CasePanel
    from .custody_view import CustodyView
    from .evidence_view import EvidenceView
    from .preview import PreviewPane
    from .session import VaultSession
    from .tasks import TaskCenter


class WindowActions:
    if TYPE_CHECKING:
        session: VaultSession | None
        tasks: TaskCenter
        cases: CasePanel
        evidence: EvidenceView
        custody: CustodyView
        preview: PreviewPane
        _dialogs: dict[str, QDialog]

        def session_or_raise(self) -> VaultSession: ...

        def current_case_id(self) -> int | None: ...

        def evidence_changed(self) -> None: ...

        def _reader(self) -> Vault | None: ...

    def _widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    def _quick(self, title: str, work: Callable[[Vault], Any], done: Callable[[Any], None]) -> None:
        job = Job("quick:" + title, lambda vault, progress, cancel: work(vault))
        self.tasks.watch(job, done=lambda j: done(j.result))
        try:
            self.session_or_raise().run_quick(job)
        except ForensicsError as exc:
            show_error(self._widget(), exc)

    def new_case(self) -> None:
        session = self.session_or_raise()
        values = settings_service.all_settings(session.reader)
        from .case_dialog import CaseDialog  # dialogs load when first opened: start-up stays fast

        dialog = CaseDialog(self._widget(), None, str(values.get("agency") or ""), str(values.get("unit") or ""))
        self._dialogs["case"] = dialog

        def accepted() -> None:
            form = dialog.form
            assert form is not None
            self._quick("case.create", lambda vault: cases.create_case(
                vault, form.number, form.title, description=form.description, agency=form.agency, unit=form.unit),
                self._case_created)

        dialog.accepted.connect(accepted)
        dialog.open()

    def _case_created(self, case: Any) -> None:
        self.evidence_changed()
        self.cases.select_case(case.id)

    def edit_case(self) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            return
        reader = self.session_or_raise().reader
        case = reader.get_case(case_id)
        from ..services import case_access
        from .case_dialog import CaseDialog

        members = [(m.examiner, m.role) for m in case_access.members(reader, case_id)]
        dialog = CaseDialog(self._widget(), case, members=members)
        self._dialogs["case"] = dialog

        def accepted() -> None:
            form = dialog.form
            assert form is not None
            changes = {k: v for k, v in (("title", form.title), ("description", form.description),
                                         ("agency", form.agency), ("unit", form.unit)) if getattr(case, k) != v}
            if changes:
                self._quick("case.update", lambda vault: cases.update_case(vault, case_id, **changes),
                            lambda _c: self.evidence_changed())

        dialog.accepted.connect(accepted)
        dialog.open()

    def toggle_case(self) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            return
        closing = self.cases.current_status() == "open"
        if closing and not ask(self._widget(), tr("action.close.case"), tr("case.close.confirm")):
            return
        change = cases.close_case if closing else cases.reopen_case
        self._quick("case.status", lambda vault: change(vault, case_id),
                    lambda _c: self.evidence_changed())

    def checkpoint(self) -> None:
        from ..services.custody import take_checkpoint
        from .dialogs.checkpoint_dialog import CheckpointDialog

        def shown(data: dict[str, Any]) -> None:
            dialog = CheckpointDialog(data, self._widget())
            self._dialogs["checkpoint"] = dialog
            dialog.open()
            self.custody.refresh()

        self._quick("checkpoint", take_checkpoint, shown)

    def export_items(self) -> None:
        from .dialogs.export_items_dialog import ExportItemsDialog

        current = self.evidence.current_item_id()
        ids = self.evidence.selected_item_ids() or ([current] if current is not None else [])
        if not ids:
            return
        dialog = ExportItemsDialog(self, ids, self._widget())
        self._show_dialog("export_items", dialog)

    def open_task(self, name: str) -> QDialog | None:
        """Open (or bring back) the dialog of a long action."""
        existing = self._dialogs.get(name)
        if existing is not None and getattr(existing, "running", False):
            existing.show()
            existing.raise_()
            return existing
        try:
            dialog = features.task_dialog(name, self)
        except ForensicsError as exc:
            show_error(self._widget(), exc)
            return None
        self._show_dialog(name, dialog)
        return dialog

    def open_dialog(self, name: str) -> QDialog | None:
        from .dialogs.about_dialog import AboutDialog
        from .dialogs.people import ExaminersDialog, KeySlotsDialog
        from .dialogs.settings_dialog import SettingsDialog

        try:
            if name == "about":
                sqlcipher = ""
                reader = self._reader()
                if reader is not None:
                    sqlcipher = reader.sqlcipher_version()
                dialog: QDialog = AboutDialog(self._widget(), sqlcipher)
            elif name == "examiners":
                dialog = ExaminersDialog(self, self._widget())
            elif name == "slots":
                dialog = KeySlotsDialog(self, self._widget())
            elif name == "check_package":
                from .dialogs.check_package_dialog import CheckPackageDialog

                dialog = CheckPackageDialog(self, self._widget())
            else:
                dialog = SettingsDialog(self, self._widget())
        except ForensicsError as exc:
            show_error(self._widget(), exc)
            return None
        self._show_dialog(name, dialog)
        return dialog

    def open_guide(self, topic: str = "start") -> QDialog:
        """The user guide (F1, and every dialog's Help button), at ``topic``."""
        from .guide import GuideDialog

        dialog = self._dialogs.get("guide")
        if not isinstance(dialog, GuideDialog):
            dialog = GuideDialog(self._widget())
            self._dialogs["guide"] = dialog
        dialog.open_topic(topic)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def export_trust(self) -> None:
        """Write the vault's trust file (examiners' keys, TSA roots) for the agency to hand out."""

        name, _ = file_dialogs.save_file(self._widget(), tr("action.trust.export"), "trust.json", "JSON (*.json)")
        if not name:
            return

        def work(vault: Vault) -> str:
            from ..services.trust import export_trust, write_trust

            data = export_trust(vault)
            vault.log("trust.export", details={"file": name, "examiners": [e["fingerprint"] for e in data["examiners"]]})
            write_trust(data, Path(name))
            return name

        self._quick("trust.export", work, lambda path: self._widget().statusBar().showMessage(  # type: ignore[attr-defined]
            tr("trust.exported", path=path), 15000))

    def browse_disk_image(self) -> None:
        """The disk browser over the selected disk-image item (read from where it was registered)."""
        detail = self.preview.detail
        if detail is None or detail.item.kind != "disk_image":
            return
        from .dialogs.disk_browser import DiskBrowserDialog

        dialog = DiskBrowserDialog(self, Path(detail.item.source), detail.item.id, self._widget())
        self.keep_dialog("disk_browser", dialog)
        dialog.load()

    def keep_dialog(self, name: str, dialog: QDialog) -> None:
        self._show_dialog(name, dialog)

    def _show_dialog(self, name: str, dialog: QDialog) -> None:
        old = self._dialogs.get(name)
        if old is not None and old is not dialog and not getattr(old, "running", False):
            old.deleteLater()
        self._dialogs[name] = dialog
        dialog.show()
        dialog.raise_()

    def cancel_tasks(self) -> None:
        if self.session is not None:
            self.session.tasks.cancel_all()
