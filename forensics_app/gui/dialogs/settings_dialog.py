"""Settings: language (applied at once), examiner profile, agency/unit/place, time zone, capture tools.

Values live in the vault (``services.settings``), each change logged; the
interface language also goes to the app's preferences so the first screen
speaks it before any vault is open.
"""

from __future__ import annotations

import json
import zoneinfo
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from evidence_store import DEFAULT_ZONE, UsageError

from ...services import settings as settings_service
from .. import file_dialogs, i18n, theme
from ..errors import error_text
from ..forms import path_row
from ..i18n import bind, tr, tr_in
from ..jobs import Job
from ..welcome import LanguageBox

TEXT_KEYS = ("agency", "parent_agency", "unit", "place", "browser_path", "ntp_server")



class ZoneBox(QComboBox):
    """The time zone in words ("Giờ Việt Nam (UTC+07:00)"); what it gives back is the IANA name the setting keeps.
    Typing filters by any part of the words or the IANA name."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.setObjectName("timezoneBox")
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._fill(current)
        i18n.on_change(self._relabel)

    def _fill(self, current: str) -> None:
        from ..zone_names import zone_choices, zone_label

        self.clear()
        for label, name in zone_choices(i18n.current()):
            self.addItem(label, name)
        index = self.findData(current)
        if index < 0 and current:  # a name this system's zone list lacks stays as it was stored
            self.addItem(zone_label(current, i18n.current()) if current in zoneinfo.available_timezones()
                         else current, current)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))
        completer = self.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(completer.CompletionMode.PopupCompletion)

    def _relabel(self, _lang: str = "") -> None:
        self._fill(self.zone_name())

    def zone_name(self) -> str:
        """The IANA name of the chosen zone (a typed IANA name is taken as it is)."""
        text = self.currentText().strip()
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == text:
            return str(self.itemData(index))
        found = self.findText(text)
        return str(self.itemData(found)) if found >= 0 else text

class SettingsDialog(QDialog):
    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("SettingsDialog")
        bind(self, "setWindowTitle", "settings.title")
        self.setMinimumWidth(620)
        outer = QVBoxLayout(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("settingsScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(self.body_scroll, 1)
        session = workspace.session_or_raise()
        self.values = settings_service.all_settings(session.reader)

        general = QGroupBox()
        bind(general, "setTitle", "settings.general")
        form = QFormLayout(general)
        self.language = LanguageBox()
        self.language.chosen.connect(workspace.set_language)
        form.addRow(bind(QLabel(), "setText", "settings.language"), self.language)
        self.zone = ZoneBox(str(self.values.get("timezone") or DEFAULT_ZONE))
        form.addRow(bind(QLabel(), "setText", "settings.timezone"), self.zone)
        self.idle = QSpinBox()
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(0, 24 * 60)
        self.idle.setValue(int(self.values.get("idle_lock_minutes") or 0))
        bind(self.idle, "setSpecialValueText", "settings.idle.never")
        bind(self.idle, "setSuffix", "settings.minutes.suffix")
        form.addRow(bind(QLabel(), "setText", "settings.idle"), self.idle)
        layout.addWidget(general)

        profile = QGroupBox()
        bind(profile, "setTitle", "settings.profile")
        pform = QFormLayout(profile)
        self.edits: dict[str, QLineEdit] = {}
        for key in ("agency", "parent_agency", "unit", "place"):
            edit = QLineEdit(str(self.values.get(key) or ""))
            edit.setObjectName(f"setting_{key}")
            self.edits[key] = edit
            pform.addRow(bind(QLabel(), "setText", f"settings.{key}"), edit)
        layout.addWidget(profile)

        tools = QGroupBox()
        bind(tools, "setTitle", "settings.tools")
        tform = QFormLayout(tools)
        browser = QLineEdit(str(self.values.get("browser_path") or ""))
        browser.setObjectName("setting_browser_path")
        bind(browser, "setPlaceholderText", "settings.browser.auto")
        self.edits["browser_path"] = browser
        tform.addRow(bind(QLabel(), "setText", "settings.browser"), path_row(browser, self._pick_browser))
        ntp = QLineEdit(str(self.values.get("ntp_server") or ""))
        ntp.setObjectName("setting_ntp_server")
        self.edits["ntp_server"] = ntp
        tform.addRow(bind(QLabel(), "setText", "settings.ntp"), ntp)
        self.tsa = QPlainTextEdit("\n".join(self.values.get("tsa_urls") or []))
        self.tsa.setObjectName("setting_tsa_urls")
        self.tsa.setMaximumHeight(70)
        bind(self.tsa, "setPlaceholderText", "settings.tsa.hint")
        tform.addRow(bind(QLabel(), "setText", "settings.tsa"), self.tsa)
        self.capture = QPlainTextEdit(json.dumps(self.values.get("capture_defaults") or {}, ensure_ascii=False,
                                                 indent=1))
        self.capture.setObjectName("setting_capture_defaults")
        self.capture.setMaximumHeight(90)
        self.capture_form = self._capture_form()
        if self.capture_form is None:  # no web capture in this build: the raw setting
            tform.addRow(bind(QLabel(), "setText", "settings.capture"), self.capture)
        layout.addWidget(tools)
        if self.capture_form is not None:
            box = QGroupBox()
            bind(box, "setTitle", "settings.capture.form")
            box_layout = QVBoxLayout(box)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(self.capture_form)
            scroll.setMinimumHeight(160)
            box_layout.addWidget(scroll)
            layout.addWidget(box)

        self.body_scroll.setWidget(body)
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
                                   | QDialogButtonBox.StandardButton.Help)
        bind(buttons.button(QDialogButtonBox.StandardButton.Save), "setText", "button.save")
        bind(buttons.button(QDialogButtonBox.StandardButton.Close), "setText", "button.close")
        bind(buttons.button(QDialogButtonBox.StandardButton.Help), "setText", "button.help")
        buttons.helpRequested.connect(lambda: workspace.open_guide("settings"))
        outer.addWidget(buttons)
        # the whole form when the screen allows it, else what fits (the rest scrolls): never past the screen
        wanted = body.sizeHint().height() + buttons.sizeHint().height() + 60
        room = self.screen().availableGeometry().height() - 80 if self.screen() is not None else wanted
        self.resize(max(self.minimumWidth(), body.sizeHint().width() + 40), min(wanted, room))
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveSettings")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    def _capture_form(self) -> Any:
        """The capture options form (the same one the capture dialog shows), if web capture is here."""
        try:
            from collectors.web import CaptureOptions

            from .web_dialog import OptionsForm

            return OptionsForm(CaptureOptions.from_mapping(dict(self.values.get("capture_defaults") or {})))
        except (ImportError, UsageError):
            return None

    def capture_defaults(self) -> dict[str, Any]:
        """Only the options that differ from the tool's defaults (so new defaults reach old vaults)."""
        if self.capture_form is None:
            try:
                capture = json.loads(self.capture.toPlainText() or "{}")
            except ValueError as exc:
                raise UsageError(tr_in("en", "settings.bad.json", error=str(exc)),
                                 message_vi=tr_in("vi", "settings.bad.json", error=str(exc))) from exc
            if not isinstance(capture, dict):
                raise UsageError(tr_in("en", "settings.bad.json", error="{…}"),
                                 message_vi=tr_in("vi", "settings.bad.json", error="{…}"))
            return capture
        import dataclasses

        options = self.capture_form.options()
        changed: dict[str, Any] = {}
        for f in dataclasses.fields(options):
            value = getattr(options, f.name)
            if value != f.default:
                changed[f.name] = list(value) if isinstance(value, tuple) else value
        return changed

    def _pick_browser(self) -> None:
        name = file_dialogs.open_file(self, tr("settings.browser"))
        if name:
            self.edits["browser_path"].setText(name)

    def changes(self) -> dict[str, Any]:
        """The settings whose value differs from the vault's; raises UsageError on a bad entry."""
        wanted: dict[str, Any] = {key: edit.text().strip() for key, edit in self.edits.items()}
        zone_name = self.zone.zone_name()
        if zone_name not in zoneinfo.available_timezones():
            raise UsageError(tr_in("en", "settings.bad.zone", zone=zone_name),
                             message_vi=tr_in("vi", "settings.bad.zone", zone=zone_name))
        wanted["timezone"] = zone_name
        wanted["idle_lock_minutes"] = self.idle.value()
        urls = [line.strip() for line in self.tsa.toPlainText().splitlines() if line.strip()]
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise UsageError(tr_in("en", "settings.bad.url", url=bad[0]), message_vi=tr_in("vi", "settings.bad.url", url=bad[0]))
        wanted["tsa_urls"] = settings_service.validate("tsa_urls", urls)
        wanted["capture_defaults"] = self.capture_defaults()
        wanted["language"] = i18n.current()
        return {k: v for k, v in wanted.items() if self.values.get(k) != v}

    def save(self) -> None:
        try:
            changes = self.changes()
        except UsageError as exc:
            self.message.setText(error_text(exc))
            theme.set_role(self.message, "error")
            return
        if not changes:
            self.accept()
            return

        def work(vault: Any, progress: Any, cancel: Any) -> dict[str, Any]:
            return settings_service.set_settings(vault, changes)

        job = Job("quick:settings", work)
        self.workspace.tasks.watch(job, done=lambda j: self._saved(j.result), failed=self._failed)
        self.save_button.setEnabled(False)
        self.workspace.session_or_raise().run_quick(job)

    def _saved(self, changes: dict[str, Any]) -> None:
        self.values.update(changes)
        self.save_button.setEnabled(True)
        self.workspace.settings_changed()
        self.accept()

    def _failed(self, job: Job) -> None:
        from ..errors import message_for

        assert job.error is not None
        self.save_button.setEnabled(True)
        self.message.setText(message_for(job.error, job.details)[1])
        theme.set_role(self.message, "error")
