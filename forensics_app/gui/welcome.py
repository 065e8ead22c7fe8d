"""First start: welcome (create or open a vault), the create-vault form, the language box.

Built on first use: a start with a known vault goes straight to :mod:`.start`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from evidence_store import passphrase_strength

from . import file_dialogs, i18n, theme
from .forms import path_row
from .i18n import bind, tr
from .start import centered, panel


class LanguageBox(QComboBox):
    """Vietnamese / English, switching the whole interface at once."""

    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("languageBox")
        self.addItem("Tiếng Việt", "vi")
        self.addItem("English", "en")
        self.setCurrentIndex(0 if i18n.current() == "vi" else 1)
        self.currentIndexChanged.connect(lambda _n: self.chosen.emit(self.currentData()))
        i18n.on_change(self._follow)

    def _follow(self, lang: str) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(0 if lang == "vi" else 1)
        self.blockSignals(False)


class WelcomePage(QWidget):
    create_requested = Signal()
    open_requested = Signal(Path)
    language_chosen = Signal(str)

    def __init__(self, recent: list[str]) -> None:
        super().__init__()
        self.setObjectName("welcomePage")
        frame, layout = panel()
        top = QHBoxLayout()
        title = bind(QLabel(), "setText", "app.title")
        theme.set_role(title, "heading")
        top.addWidget(title, 1)
        self.language = LanguageBox()
        self.language.chosen.connect(self.language_chosen)
        top.addWidget(self.language)
        layout.addLayout(top)
        intro = bind(QLabel(), "setText", "welcome.intro")
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        layout.addWidget(intro)
        buttons = QHBoxLayout()
        self.create_button = bind(QPushButton(), "setText", "welcome.create")
        self.create_button.setObjectName("createVaultButton")
        theme.set_role(self.create_button, "primary")
        self.create_button.clicked.connect(self.create_requested)
        self.open_button = bind(QPushButton(), "setText", "welcome.open")
        self.open_button.setObjectName("openVaultButton")
        self.open_button.clicked.connect(self._choose)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.recent_label = bind(QLabel(), "setText", "welcome.recent")
        layout.addWidget(self.recent_label)
        self.recent = QListWidget()
        self.recent.setObjectName("recentVaults")
        self.recent.itemActivated.connect(lambda item: self.open_requested.emit(Path(item.data(Qt.ItemDataRole.UserRole))))
        layout.addWidget(self.recent)
        self.set_recent(recent)
        self.setLayout(centered(frame))

    def set_recent(self, recent: list[str]) -> None:
        self.recent.clear()
        for path in recent:
            item = QListWidgetItem(theme.icon("lock"), path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.recent.addItem(item)
        self.recent.setVisible(bool(recent))
        self.recent_label.setVisible(bool(recent))

    def _choose(self) -> None:
        folder = file_dialogs.folder(self, tr("welcome.open.title"))
        if folder:
            self.open_requested.emit(Path(folder))


@dataclass(frozen=True)
class NewVault:
    path: Path
    passphrase: str
    examiner: str
    position: str
    agency: str
    unit: str
    parent_agency: str = ""
    place: str = ""


class CreateVaultDialog(QDialog):
    """Where, the passphrase twice (with a strength hint), and who the first examiner is."""

    def __init__(self, parent: QWidget | None = None, default_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("createVaultDialog")
        bind(self, "setWindowTitle", "create.title")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        hint = bind(QLabel(), "setText", "create.hint")
        hint.setWordWrap(True)
        theme.set_role(hint, "hint")
        layout.addWidget(hint)
        form = QFormLayout()
        self.location = QLineEdit(str(default_path or ""))
        self.location.setObjectName("location")
        form.addRow(bind(QLabel(), "setText", "field.location"), path_row(self.location, self._browse))
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel()
        self.strength.setObjectName("strength")
        form.addRow(bind(QLabel(), "setText", "field.passphrase"), self.passphrase)
        form.addRow(bind(QLabel(), "setText", "field.passphrase.again"), self.confirm)
        form.addRow("", self.strength)
        self.examiner = QLineEdit()
        self.examiner.setObjectName("examiner")
        self.position = QLineEdit()
        self.position.setObjectName("position")
        self.agency = QLineEdit()
        self.agency.setObjectName("agency")
        self.unit = QLineEdit()
        self.unit.setObjectName("unit")
        self.parent_agency = QLineEdit()
        self.parent_agency.setObjectName("parentAgency")
        bind(self.parent_agency, "setPlaceholderText", "field.parent_agency.hint")
        self.place = QLineEdit()
        self.place.setObjectName("place")
        bind(self.place, "setPlaceholderText", "field.place.hint")
        form.addRow(bind(QLabel(), "setText", "field.examiner"), self.examiner)
        form.addRow(bind(QLabel(), "setText", "field.position"), self.position)
        form.addRow(bind(QLabel(), "setText", "field.parent_agency"), self.parent_agency)
        form.addRow(bind(QLabel(), "setText", "field.agency"), self.agency)
        form.addRow(bind(QLabel(), "setText", "field.unit"), self.unit)
        form.addRow(bind(QLabel(), "setText", "field.place"), self.place)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("createMessage")
        self.message.setWordWrap(True)
        theme.set_role(self.message, "error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.Help)
        bind(self.buttons.button(QDialogButtonBox.StandardButton.Ok), "setText", "create.button")
        bind(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "setText", "button.cancel")
        bind(self.buttons.button(QDialogButtonBox.StandardButton.Help), "setText", "button.help")
        self.buttons.helpRequested.connect(self._help)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.passphrase.textChanged.connect(self._update_strength)
        self.confirm.textChanged.connect(self._update_strength)
        self._update_strength()
        self.result_value: NewVault | None = None

    def _help(self) -> None:
        opener = getattr(self.parent(), "open_guide", None)
        if opener is not None:
            opener("start")

    def _browse(self) -> None:
        folder = file_dialogs.folder(self, tr("create.where"))
        if folder:
            self.location.setText(str(Path(folder) / "evidence-vault") if any(Path(folder).iterdir()) else folder)

    def _update_strength(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.strength.setText(tr("strength.hint"))
            theme.set_role(self.strength, "hint")
            return
        level = passphrase_strength(text)
        message = tr(f"strength.{level}")
        if self.confirm.text() and self.confirm.text() != text:
            message += " — " + tr("create.mismatch")
        self.strength.setText(message)
        theme.set_role(self.strength, "ok" if level == "strong" else ("hint" if level == "fair" else "error"))

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        self.result_value = NewVault(Path(self.location.text().strip()).expanduser(), self.passphrase.text(),
                                     self.examiner.text().strip(), self.position.text().strip(),
                                     self.agency.text().strip(), self.unit.text().strip(),
                                     self.parent_agency.text().strip(), self.place.text().strip())
        self.accept()

    def problem(self) -> str:
        if not self.location.text().strip():
            return tr("create.need.location")
        path = Path(self.location.text().strip()).expanduser()
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            return tr("create.not.empty", path=str(path))
        if len(self.passphrase.text()) < 8:
            return tr("create.too.short")
        if self.passphrase.text() != self.confirm.text():
            return tr("create.mismatch")
        if not self.examiner.text().strip():
            return tr("create.need.examiner")
        return ""
