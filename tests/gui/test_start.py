"""First start: create a vault through the form, open one, wrong passphrase, lock and unlock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.gui.conftest import error_boxes, unlock, wait_until


def test_create_a_vault_through_the_form(make_window: Callable[[], Any], qtbot: Any, tmp_path: Path) -> None:
    window = make_window()
    window.show_start()
    assert window.stack.currentWidget() is window.welcome
    window.welcome.create_button.click()
    dialog = window._dialogs["create"]
    target = tmp_path / "new-vault"
    dialog.location.setText(str(target))
    dialog.passphrase.setText("short")
    assert "weak" in dialog.strength.text()
    dialog.confirm.setText("short")
    dialog.examiner.setText("Trần Thị Thu")
    dialog.buttons.accepted.emit()
    assert "at least 8" in dialog.message.text() and dialog.isVisible()
    dialog.passphrase.setText("Tr0ng-vụ-việc-này dài!")
    dialog.confirm.setText("something else")
    assert "differ" in dialog.strength.text()
    dialog.buttons.accepted.emit()
    assert "differ" in dialog.message.text()
    assert "strong" in dialog.strength.text() or "fair" in dialog.strength.text()
    dialog.confirm.setText("Tr0ng-vụ-việc-này dài!")
    dialog.agency.setText("Công an tỉnh Thử Nghiệm")
    dialog.buttons.accepted.emit()
    wait_until(qtbot, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    assert window.session.examiner == "Trần Thị Thu"
    assert "Trần Thị Thu" in window.examiner_label.text()
    assert window.act_new_case.isEnabled() and not window.act_files.isEnabled()  # no case yet
    # the first case: selected, and its (empty) evidence list and custody shown beside it
    window.act_new_case.trigger()
    case_form = window._dialogs["case"]
    case_form.number.setText("VV-2026-001")
    case_form.title.setText("Vụ việc đầu tiên")
    case_form._check()
    wait_until(qtbot, lambda: window.current_case_id() is not None)
    assert window.evidence.case_id == window.current_case_id() == window.custody.model.case_id
    assert window.act_files.isEnabled()
    window.session.close()
    window.session = None
    with Vault.open(target, "Tr0ng-vụ-việc-này dài!") as vault:
        assert vault.get_setting("agency") == "Công an tỉnh Thử Nghiệm"
        assert_verifies_clean(vault)
    from forensics_app.gui.prefs import Prefs

    assert Prefs.load().recent_vaults[0] == str(target.resolve())


def test_create_refuses_a_folder_that_is_not_empty(make_window: Callable[[], Any], tmp_path: Path) -> None:
    window = make_window()
    window.create_vault()
    dialog = window._dialogs["create"]
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something.txt").write_text("x")
    dialog.location.setText(str(tmp_path / "busy"))
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    dialog.examiner.setText("A")
    dialog.buttons.accepted.emit()
    assert "not an empty folder" in dialog.message.text()
    assert (tmp_path / "busy" / "something.txt").read_text() == "x"


def test_wrong_passphrase_says_so_and_stays(make_window: Callable[[], Any], qtbot: Any, seeded_vault: Path) -> None:
    window = make_window()
    window.show_start(seeded_vault)
    assert window.stack.currentWidget() is window.unlock_page
    assert str(seeded_vault) in window.unlock_page.path_label.text()
    window.unlock_page.unlock_button.click()
    assert window.unlock_page.message.text() == "Enter the passphrase."
    window.unlock_page.passphrase.setText("wrong passphrase")
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: "Wrong passphrase" in window.unlock_page.message.text())
    assert window.session is None and window.stack.currentWidget() is window.unlock_page
    assert window.unlock_page.unlock_button.isEnabled()
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: window.session is not None)
    assert window.stack.currentWidget() is window.workspace
    assert window.cases.current_case_id() is not None


def test_opening_a_folder_that_is_not_a_vault_is_a_dialog(make_window: Callable[[], Any], tmp_path: Path) -> None:
    window = make_window()
    window.show_start()
    window.choose_vault(tmp_path)
    boxes = error_boxes()
    assert boxes and "not an evidence vault" in boxes[-1].text()
    assert window.stack.currentWidget() is window.welcome
    boxes[-1].accept()


def test_lock_on_demand_and_after_idle(window: Any, qtbot: Any, seeded_vault: Path) -> None:
    window.act_lock.trigger()
    assert window.session.locked and window.session.reader.conn is None
    assert window.stack.currentWidget() is window.unlock_page
    assert window.evidence.model.rowCount() == 0 and window.cases.model.rowCount() == 0
    assert "locked" in window.unlock_page.path_label.text()
    assert not window.act_files.isEnabled() and not window.act_verify.isEnabled()
    window.unlock_page.passphrase.setText("wrong again")
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: "Wrong passphrase" in window.unlock_page.message.text())
    assert window.session.locked
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: not window.session.locked and window.stack.currentWidget() is window.workspace)
    assert window.evidence.model.rowCount() > 0
    # idle: no input for the configured time locks the window
    window.idle.set_limit(0.3)
    wait_until(qtbot, lambda: window.session.locked, timeout=5)
    assert window.stack.currentWidget() is window.unlock_page
    unlock(qtbot, window, seeded_vault)


def test_launchers_are_installed_and_documented(cli: Any) -> None:
    import shutil
    import subprocess
    import sys

    result = cli("gui", "--help")
    assert result.code == 0 and "desktop application" in result.out
    launcher = shutil.which("forensics-app") or str(Path(sys.executable).parent / "forensics-app")
    help_text = subprocess.run([launcher, "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "--vault" in help_text.stdout and "--language" in help_text.stdout


def test_no_display_is_one_clear_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "forensics_app.gui.app"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: no display") and "Traceback" not in done.stderr


@pytest.mark.parametrize("xdg", [None, "", "relative/dir", "/srv/xdg home"])
def test_app_folders_are_where_platformdirs_puts_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      xdg: str | None) -> None:
    """The app's own XDG rule (kept off the start path) must give platformdirs' answer, or prefs and vaults move."""
    import platformdirs

    from forensics_app.services import app_dirs

    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)
    assert app_dirs.user_config_dir() == Path(platformdirs.user_config_dir("forensics-toolkit", appauthor=False))
    assert app_dirs.user_data_dir() == Path(platformdirs.user_data_dir("forensics-toolkit", appauthor=False))
    assert app_dirs.user_cache_dir() == Path(platformdirs.user_cache_dir("forensics-toolkit", appauthor=False))
    assert str(app_dirs.user_config_dir()).startswith(xdg if xdg and xdg.startswith("/") else str(tmp_path))
