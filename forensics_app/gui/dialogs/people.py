"""Examiners (each signs their own custody entries) and key slots (one passphrase each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Examiner, Vault, passphrase_strength

from ...services import vaults
from .. import i18n, theme
from ..errors import ask
from ..formatting import local_time
from ..i18n import bind, tr
from ..jobs import Job


class _QuickDialog(QDialog):
    """A dialog whose changes are short writes on the quick lane."""

    def __init__(self, workspace: Any, parent: QWidget | None, title_key: str) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName(type(self).__name__)
        bind(self, "setWindowTitle", title_key)
        self.setMinimumWidth(620)
        self.layout_ = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)

    def run(self, title: str, work: Callable[[Vault], Any], on_done: Callable[[Any], None]) -> Job:
        job = Job("quick:" + title, lambda vault, progress, cancel: work(vault))

        def failed(done_job: Job) -> None:
            from ..errors import message_for

            assert done_job.error is not None
            self.message.setText(message_for(done_job.error, done_job.details)[1])
            theme.set_role(self.message, "error")

        self.workspace.tasks.watch(job, done=lambda j: on_done(j.result), failed=failed)
        self.workspace.session_or_raise().run_quick(job)
        return job

    def say(self, text: str, role: str = "ok") -> None:
        self.message.setText(text)
        theme.set_role(self.message, role)


class _Table(QTableWidget):
    """A read-only table whose header texts follow the interface language."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(0, len(keys))
        self.keys = keys
        self.relabel()
        i18n.on_change(self.relabel)

    def relabel(self, _lang: str = "") -> None:
        self.setHorizontalHeaderLabels([tr(key) for key in self.keys])


def _table(keys: list[str], name: str) -> QTableWidget:
    table = _Table(keys)
    table.setObjectName(name)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ExaminersDialog(_QuickDialog):
    """Examiners, each with their own passphrase and signing key; the examiner signed in signs this session."""

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, "examiners.title")
        self.acting = QLabel()
        self.acting.setObjectName("actingExaminer")
        self.acting.setWordWrap(True)
        self.acting.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.acting)
        self.table = _table(["examiners.col.name", "field.position", "examiners.col.role", "examiners.col.status",
                             "examiners.col.key", "examiners.col.token"], "examinerTable")
        self.layout_.addWidget(self.table)
        row = QHBoxLayout()
        self.remove_button = bind(QPushButton(), "setText", "examiners.remove")
        self.remove_button.setObjectName("removeExaminerButton")
        self.remove_button.clicked.connect(self._remove)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        box = QGroupBox()
        bind(box, "setTitle", "examiners.add")
        form = QFormLayout(box)
        hint = bind(QLabel(), "setText", "examiners.add.hint")
        hint.setWordWrap(True)
        theme.set_role(hint, "hint")
        form.addRow(hint)
        self.name, self.position, self.agency, self.unit = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.name.setObjectName("newExaminerName")
        self.passphrase, self.confirm = QLineEdit(), QLineEdit()
        self.passphrase.setObjectName("newExaminerPassphrase")
        self.confirm.setObjectName("newExaminerConfirm")
        for edit in (self.passphrase, self.confirm):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        for key, widget in (("field.examiner", self.name), ("field.position", self.position),
                            ("field.agency", self.agency), ("field.unit", self.unit),
                            ("field.passphrase", self.passphrase), ("field.passphrase.again", self.confirm)):
            form.addRow(bind(QLabel(), "setText", key), widget)
        self.admin = bind(QCheckBox(), "setText", "examiners.admin")
        self.admin.setObjectName("newExaminerAdmin")
        form.addRow(self.admin)  # the whole row: its text is long in Vietnamese
        add = bind(QPushButton(), "setText", "button.add")
        add.setObjectName("addExaminerButton")
        add.clicked.connect(self._add)
        form.addRow("", add)
        self.layout_.addWidget(box)
        self.layout_.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        session = self.workspace.session_or_raise()
        examiners = vaults.examiners(session.reader)
        self.table.setRowCount(len(examiners))
        for n, e in enumerate(examiners):
            values = (e.name, e.position, tr(f"examiners.role.{e.role}"), tr(f"examiners.status.{e.status}"),
                      e.fingerprint, self._signs_with(e))
            for c, value in enumerate(values):
                self.table.setItem(n, c, QTableWidgetItem(value))
            cell = self.table.item(n, len(values) - 1)
            if e.token and cell is not None:
                cell.setToolTip(self._token_facts(e))
        me = session.reader.examiner
        self.acting.setText(tr("examiners.acting", name=me.name, fingerprint=me.fingerprint))
        self.remove_button.setEnabled(me.role == "admin")

    @staticmethod
    def _signs_with(examiner: Examiner) -> str:
        if not examiner.token:
            return tr("examiners.passphrase.key")
        return tr("examiners.token", token=vaults.token_name(examiner), key_id=examiner.token.get("key_id", ""))

    def _token_facts(self, examiner: Examiner) -> str:
        """Everything recorded about the examiner's token and certificate, to compare with the token itself."""
        facts = examiner.token or {}
        not_after = facts.get("certificate_not_after")
        return tr("examiners.token.facts", module=facts.get("module", ""), token=vaults.token_name(examiner),
                  maker=facts.get("manufacturer", ""), model=facts.get("model", ""), key_id=facts.get("key_id", ""),
                  key_label=facts.get("key_label", ""), subject=facts.get("certificate_subject", "—"),
                  issuer=facts.get("certificate_issuer", "—"), serial=facts.get("certificate_serial", "—"),
                  not_after=local_time(not_after, self.workspace.zone) if not_after else "—",
                  sha256=facts.get("certificate_sha256", "—"))

    def _add(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.say(tr("create.need.examiner"), "error")
            return
        passphrase = self.passphrase.text()
        if len(passphrase) < 8:
            self.say(tr("create.too.short"), "error")
            return
        if passphrase != self.confirm.text():
            self.say(tr("create.mismatch"), "error")
            return
        fields = dict(position=self.position.text().strip(), agency=self.agency.text().strip(),
                      unit=self.unit.text().strip(), admin=self.admin.isChecked())

        def done(_result: Any) -> None:
            for widget in (self.name, self.position, self.agency, self.unit, self.passphrase, self.confirm):
                widget.clear()
            self.admin.setChecked(False)
            self.say(tr("examiners.added", name=name))
            self.reload()

        self.run("examiner.add", lambda vault: vaults.add_examiner(vault, name, passphrase, **fields), done)

    def _remove(self) -> None:
        row = self.table.currentRow()
        cell = self.table.item(row, 0) if row >= 0 else None
        if cell is None:
            return
        name = cell.text()
        if not ask(self, tr("examiners.remove"), tr("examiners.remove.confirm", name=name)):
            return

        def removed(notice: dict[str, Any]) -> None:
            self.say(tr("examiners.removed", name=name) + " " + notice["notice_vi" if i18n.current() == "vi"
                                                                        else "notice"], "warning")
            self.reload()

        self.run("examiner.remove", lambda vault: vaults.remove_examiner(vault, name), removed)


class KeySlotsDialog(_QuickDialog):
    """Passphrases that open the vault: add one per examiner, remove, change your own."""

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent, "slots.title")
        intro = bind(QLabel(), "setText", "slots.intro")
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        self.layout_.addWidget(intro)
        self.table = _table(["slots.col.id", "slots.col.label", "slots.col.created", "slots.col.kdf"],
                            "slotTable")
        self.layout_.addWidget(self.table)
        remove = bind(QPushButton(), "setText", "slots.remove")
        remove.setObjectName("removeSlotButton")
        remove.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(remove)
        row.addStretch(1)
        self.layout_.addLayout(row)
        box = QGroupBox()
        bind(box, "setTitle", "slots.add.or.change")
        form = QFormLayout(box)
        self.label = QLineEdit()
        self.label.setObjectName("slotLabel")
        self.passphrase, self.confirm = QLineEdit(), QLineEdit()
        self.passphrase.setObjectName("slotPassphrase")
        self.confirm.setObjectName("slotConfirm")
        for edit in (self.passphrase, self.confirm):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel()
        self.passphrase.textChanged.connect(
            lambda text: self.strength.setText(tr(f"strength.{passphrase_strength(text)}") if text else ""))
        form.addRow(bind(QLabel(), "setText", "slots.col.label"), self.label)
        form.addRow(bind(QLabel(), "setText", "field.passphrase"), self.passphrase)
        form.addRow(bind(QLabel(), "setText", "field.passphrase.again"), self.confirm)
        form.addRow("", self.strength)
        buttons = QHBoxLayout()
        add = bind(QPushButton(), "setText", "slots.add")
        add.setObjectName("addSlotButton")
        add.clicked.connect(lambda: self._new_passphrase(add=True))
        change = bind(QPushButton(), "setText", "slots.change")
        change.setObjectName("changePassphraseButton")
        change.clicked.connect(lambda: self._new_passphrase(add=False))
        buttons.addWidget(add)
        buttons.addWidget(change)
        buttons.addStretch(1)
        form.addRow("", buttons)
        self.layout_.addWidget(box)
        self.layout_.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        info = self.workspace.session_or_raise().reader.info()
        slots = info["key_slots"]
        self.table.setRowCount(len(slots))
        for n, slot in enumerate(slots):
            kdf = slot["kdf"]
            mine = " ✓" if slot["unlocked_this_session"] else ""
            values = (slot["id"] + mine, slot["label"], local_time(slot["created_at"], self.workspace.zone),
                      f"Argon2id t={kdf['time_cost']} m={kdf['memory_kib'] // 1024} MiB")
            for c, value in enumerate(values):
                self.table.setItem(n, c, QTableWidgetItem(value))

    def _new_passphrase(self, *, add: bool) -> None:
        text = self.passphrase.text()
        if len(text) < 8:
            self.say(tr("create.too.short"), "error")
            return
        if text != self.confirm.text():
            self.say(tr("create.mismatch"), "error")
            return
        label = self.label.text().strip()

        def done(slot: Any) -> None:
            self.passphrase.clear()
            self.confirm.clear()
            self.say(tr("slots.added" if add else "slots.changed", slot=slot))
            self.reload()

        if add:
            self.run("keyslot.add", lambda vault: vaults.add_passphrase(vault, text, label), done)
        else:
            self.run("keyslot.change", lambda vault: self._change(vault, text), done)

    def _change(self, vault: Vault, text: str) -> str:
        slot = vaults.change_passphrase(vault, text)
        session = self.workspace.session_or_raise()
        for other in (session.reader, session.tasks.vault):  # they share the config; keep the session's slot id
            other.unlocked_slot = slot
        return slot

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        cell = self.table.item(row, 0)
        if cell is None:
            return
        slot = cell.text().split(" ")[0]
        if self.table.rowCount() <= 1:
            self.say(tr("slots.last"), "error")
            return
        if not ask(self, tr("slots.remove"), tr("slots.remove.confirm", slot=slot)):
            return
        def removed(notice: dict[str, Any]) -> None:
            self.say(tr("slots.removed", slot=slot) + " " + notice["notice_vi" if i18n.current() == "vi" else "notice"],
                     "warning")
            self.reload()

        self.run("keyslot.remove", lambda vault: vaults.remove_key_slot(vault, slot), removed)
