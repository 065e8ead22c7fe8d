"""Desktop app fixtures: a window over a real vault, helpers to drive it like a user.

QT_QPA_PLATFORM=offscreen is set by tests/conftest.py before Qt loads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean


@pytest.fixture(autouse=True)
def gui_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """App preferences and the crash log go to the test's folder, never the user's."""
    path = tmp_path / "gui-config" / "gui.json"
    monkeypatch.setenv("FORENSICS_GUI_CONFIG", str(path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return path


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Tests read texts in English unless they switch; the language is restored afterwards."""
    from forensics_app.gui import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Callable[[], Any]]:
    from forensics_app.gui import theme
    from forensics_app.gui.main_window import MainWindow
    from forensics_app.gui.prefs import Prefs

    windows: list[Any] = []

    def make() -> Any:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app)
        window = MainWindow(Prefs.load())
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.session is not None:
            window.session.close(timeout=30)
            window.session = None


def wait_until(qtbot: Any, condition: Callable[[], Any], timeout: float = 15.0) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=int(timeout * 1000))


def unlock(qtbot: Any, window: Any, path: Path, passphrase: str = PASSPHRASE) -> None:
    window.choose_vault(path)
    window.unlock_page.passphrase.setText(passphrase)
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)


@pytest.fixture
def seeded_vault(tmp_path: Path) -> Iterator[Path]:
    """A closed vault with one case and a few real files; verified clean after the test."""
    from forensics_app.services.files import add_files

    root = tmp_path / "vault"
    source = tmp_path / "seized"
    (source / "tin nhắn").mkdir(parents=True)
    (source / "bài đăng.txt").write_text("Nội dung bài đăng vi phạm.\nOffending post.\n", "utf-8")
    (source / "tin nhắn" / "hội thoại.txt").write_text("Xin chào\n" * 40, "utf-8")
    (source / "data.bin").write_bytes(bytes(range(256)) * 64)
    vault = Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                         agency="Công an tỉnh Thử Nghiệm", unit="Phòng An ninh mạng")
    with vault:
        case = vault.create_case("VV-2026-001", "Bài đăng sai sự thật / False post")
        add_files(vault, case.id, [source])
    yield root
    with Vault.open(root, PASSPHRASE) as check:
        assert_verifies_clean(check)


@pytest.fixture
def window(make_window: Callable[[], Any], qtbot: Any, seeded_vault: Path) -> Any:
    """The main window, unlocked on the seeded vault, first case selected."""
    win = make_window()
    unlock(qtbot, win, seeded_vault)
    wait_until(qtbot, lambda: win.evidence.model.rowCount() > 0)
    return win


def answer_next_question(qtbot: Any, yes: bool) -> None:
    """Click Yes/No in the next question box when it appears (it runs its own event loop)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    deadline = time.monotonic() + 10

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "questionDialog":
            wanted = QMessageBox.ButtonRole.YesRole if yes else QMessageBox.ButtonRole.NoRole
            for button in box.buttons():
                if box.buttonRole(button) == wanted:
                    button.click()
                    return
        if time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)


def error_boxes() -> list[Any]:
    from PySide6.QtWidgets import QApplication, QMessageBox

    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]
