"""The desktop app's first start shows the workstation check (real checks, pytest-qt)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from forensics_app.services.browser_setup import pinned
from forensics_app.services.doctor import CHECKS
from tests.conftest import PASSPHRASE
from tests.gui.conftest import english, gui_config, make_window, seeded_vault, unlock  # noqa: F401  (GUI fixtures)
from tests.installer.helpers import CdnServer

CHECK_TIMEOUT_MS = 120_000


@pytest.fixture(autouse=True)
def own_vault_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORENSICS_VAULT", str(tmp_path / "vault"))


def first_start(window: Any, qtbot: Any) -> Any:
    from forensics_app.gui.doctor_dialog import install_first_start_check

    check = install_first_start_check(window, ntp_server="127.0.0.1:9")  # no time server answers there
    with qtbot.waitSignal(check.finished, timeout=CHECK_TIMEOUT_MS) as signal:
        pass
    return check, signal.args[0]


def texts(dialog: Any, column: int) -> list[str]:
    return [dialog.table.item(row, column).text() for row in range(dialog.table.rowCount())]


@pytest.mark.slow
def test_first_start_shows_the_check_once_per_build(make_window: Callable[[], Any], qtbot: Any,  # noqa: F811
                                                     gui_config: Path) -> None:  # noqa: F811
    from forensics_app.gui import i18n
    from forensics_app.gui.doctor_dialog import marker_path

    window = make_window()
    check, report = first_start(window, qtbot)
    dialog = check.dialog
    assert check.shown and dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == len(CHECKS) == len(report.findings)
    statuses = dict(zip([f.id for f in report.findings], texts(dialog, 0), strict=True))
    assert statuses["browser"] == "Ready" and statuses["sqlcipher"] == "Ready" and statuses["clock"] == "Warning"
    assert "Chromium 156" in texts(dialog, 2)[1]
    assert "1 with a warning" in dialog.summary.text() and "ntp_server" in dialog.fixes.toPlainText()
    assert not dialog.download_button.isVisible()
    marker = json.loads(marker_path().read_text("utf-8"))
    assert marker["build"] == f"{report.tool['version']}+{report.tool['code_sha256']}"
    assert marker_path().parent == gui_config.parent

    i18n.set_language("vi")
    assert dialog.table.horizontalHeaderItem(1).text() == "Thành phần"
    assert texts(dialog, 0)[1] == "Sẵn sàng" and texts(dialog, 1)[-1] == "Độ lệch đồng hồ"
    assert "máy chủ" in dialog.fixes.toPlainText() and "cảnh báo" in dialog.summary.text()
    i18n.set_language("en")

    again = make_window()  # the next start of the same build: checked, not shown (nothing missing)
    check2, _report2 = first_start(again, qtbot)
    assert not check2.shown and check2.dialog is None
    from PySide6.QtWidgets import QMenu

    help_menu = again.findChild(QMenu, "menu_menu_help")
    assert check2.action in help_menu.actions() and check2.action.text() == "Workstation check…"


@pytest.mark.slow
def test_a_missing_browser_is_shown_every_start_with_what_to_install(make_window: Callable[[], Any], qtbot: Any,  # noqa: F811
                                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_browser = tmp_path / "chrome"
    not_a_browser.write_text("not a program")
    monkeypatch.setenv("FORENSICS_CHROMIUM", str(not_a_browser))
    for _start in range(2):
        check, report = first_start(make_window(), qtbot)
        assert check.shown and not report.ok
        dialog = check.dialog
        row = [f.id for f in report.findings].index("browser")
        assert dialog.table.item(row, 0).text() == "Missing"
        assert "apt-get install chromium" in dialog.fixes.toPlainText()
        assert not dialog.download_button.isVisible()  # no download server reachable from here


@pytest.mark.slow
def test_the_download_is_offered_when_playwrights_server_answers(make_window: Callable[[], Any], qtbot: Any,  # noqa: F811
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_browser = tmp_path / "chrome"
    not_a_browser.write_text("not a program")
    monkeypatch.setenv("FORENSICS_CHROMIUM", str(not_a_browser))
    cdn = CdnServer(pinned().chromium)
    monkeypatch.setenv("PLAYWRIGHT_DOWNLOAD_HOST", cdn.url)
    try:
        check, _report = first_start(make_window(), qtbot)
        dialog = check.dialog
        assert dialog.download_button.isVisible() and dialog.download_button.text().startswith("Download the browser (")
        assert dialog.download_offer()["url"].startswith(cdn.url)
        # The button runs Playwright's real installer against the server, off the window's thread.
        monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "browsers"))
        with qtbot.waitSignal(dialog.relay.failed, timeout=CHECK_TIMEOUT_MS) as signal:
            dialog.download_button.click()
            assert not dialog.again_button.isEnabled() and dialog.busy.isVisible()
    finally:
        cdn.stop()
    downloaded = tmp_path / "browsers" / f"chromium-{pinned().revision}"
    assert (downloaded / "INSTALLATION_COMPLETE").is_file() and (downloaded / "chrome-linux64" / "chrome").is_file()
    # FORENSICS_CHROMIUM still names a file that is no browser, and it comes first: the message says so.
    assert "FORENSICS_CHROMIUM" in signal.args[0] and "FORENSICS_CHROMIUM" in dialog.message.text()
    assert dialog.again_button.isEnabled() and not dialog.busy.isVisible()


@pytest.mark.slow
def test_help_menu_checks_with_the_open_vaults_settings(make_window: Callable[[], Any], qtbot: Any,  # noqa: F811
                                                        seeded_vault: Path, tmp_path: Path) -> None:  # noqa: F811
    """What captures will use: the vault's browser_path and ntp_server settings."""
    bad_browser = tmp_path / "not-chrome"
    bad_browser.write_text("no")
    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        vault.set_setting("browser_path", str(bad_browser))
        vault.set_setting("ntp_server", "127.0.0.1:9")
    window = make_window()
    check, first = first_start(window, qtbot)  # before unlocking: the defaults
    assert first.get("browser").status == "ok"
    unlock(qtbot, window, seeded_vault)
    dialog = check.open_dialog(None)
    with qtbot.waitSignal(dialog.relay.checked, timeout=CHECK_TIMEOUT_MS) as signal:
        pass
    report = signal.args[0]
    assert report.get("browser").status == "fail" and "browser_path setting" in report.get("browser").data["error"]
    assert report.get("clock").data["server"] == "127.0.0.1:9"
    assert report.get("vault").data["state"] == "existing vault"
    assert dialog.isVisible() and "Missing" in [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def test_when_to_show(tmp_path: Path) -> None:
    from forensics_app.gui.doctor_dialog import remember, should_show
    from forensics_app.services.doctor import Finding, Report

    ok = Report([Finding("tool", "ok", ("a", "a"))], {"version": "1.0", "code_sha256": "aa"})
    marker = tmp_path / "seen.json"
    assert should_show(ok, marker)
    remember(ok, marker)
    assert not should_show(ok, marker)
    assert should_show(Report(ok.findings, {"version": "1.0", "code_sha256": "bb"}), marker)  # a new build
    assert should_show(Report([Finding("browser", "fail", ("b", "b"))], ok.tool), marker)  # something missing
    marker.write_text("{not json")
    assert should_show(ok, marker)
