"""The desktop app with an examiner who signs on a token: the unlock asks the PIN too (a wrong one says so and
writes nothing), the status bar names the token, the examiners dialog shows its facts, a report is signed on it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault, case_access
from evidence_store.identity import ECDSA_P256

from ..conftest import PASSPHRASE
from ..gui.conftest import english, gui_config, make_window, wait_until  # noqa: F401  (the desktop app's fixtures)
from ..vault.test_trust_model import snapshot
from .conftest import SoftHSM
from .test_token_examiners import TOKEN_EXAMINER, TOKEN_PASSPHRASE, enrol
from .test_token_pades import validate


@pytest.fixture
def token_vault(tmp_path: Path, softhsm: SoftHSM) -> Path:
    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        enrol(vault, softhsm)
        case = vault.create_case("VV-GUI", "Ký bằng USB token")
        case_access.assign(vault, case, TOKEN_EXAMINER)  # the token examiner works on Kiểm's case (need-to-know)
        with vault.batch(case) as batch:
            batch.add_content(io.BytesIO(b"evidence " * 50), kind="file", name="e.txt", source="/e.txt")
    return root


def _state(root: Path) -> dict[str, bytes]:
    import os

    return {**snapshot(root), **{f"w/{k}": v for k, v in snapshot(Path(os.environ["FORENSICS_WITNESS_DIR"])).items()}}


def test_the_unlock_asks_the_pin_and_a_wrong_one_writes_nothing(make_window: Any, qtbot: Any,  # noqa: F811
                                                               token_vault: Path, softhsm: SoftHSM,
                                                               tmp_path: Path) -> None:
    token = softhsm.tokens["Examiner A"]
    window = make_window()
    window.choose_vault(token_vault)
    page = window.unlock_page
    assert page.pin.isHidden() and not page.asks_pin
    before = _state(token_vault)
    page.passphrase.setText(TOKEN_PASSPHRASE)
    page.unlock_button.click()
    wait_until(qtbot, lambda: page.asks_pin and page.unlock_button.isEnabled())
    assert window.session is None and not page.pin.isHidden()
    assert f"{TOKEN_EXAMINER} signs with a hardware token ('Examiner A' serial {token.serial})" in page.token_hint.text()
    qtbot.keyClicks(page.passphrase, "x")  # another passphrase may be a passphrase examiner's: no PIN asked for it
    assert not page.asks_pin and page.pin.isHidden()
    page.passphrase.setText(TOKEN_PASSPHRASE)
    page.unlock_button.click()
    wait_until(qtbot, lambda: page.asks_pin and page.unlock_button.isEnabled())
    page.unlock_button.click()
    assert page.message.text() == "Enter the token's PIN."
    page.pin.setText("000000")
    page.unlock_button.click()
    wait_until(qtbot, lambda: "Wrong PIN" in page.message.text() and page.unlock_button.isEnabled())
    assert "nothing was signed or written" in page.message.text() and token.pin not in page.message.text()
    assert window.session is None and window.stack.currentWidget() is page
    assert _state(token_vault) == before
    page.pin.setText(token.pin)
    page.unlock_button.click()
    wait_until(qtbot, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    assert window.examiner_label.text() == f"Signed as {TOKEN_EXAMINER} on token 'Examiner A' serial {token.serial}"
    # the examiners dialog shows what was recorded about each examiner's token
    window.act_examiners.trigger()
    people = window._dialogs["examiners"]
    rows = {people.table.item(n, 0).text(): people.table.item(n, 5) for n in range(people.table.rowCount())}
    assert rows["Nguyễn Văn Kiểm"].text() == "Key opened by their passphrase"
    assert rows[TOKEN_EXAMINER].text() == f"Token 'Examiner A' serial {token.serial}, key 01"
    facts = window.session.reader.get_examiner(TOKEN_EXAMINER).token
    tip = rows[TOKEN_EXAMINER].toolTip()
    assert f"Certificate SHA-256: {facts['certificate_sha256']}" in tip and "Issued by: CN=Test Issuing CA" in tip
    assert "PKCS#11 module: /usr/lib/softhsm/libsofthsm2.so" in tip
    people.close()
    # a report signed on the token through the report dialog
    report = window.open_task("report")
    assert not report.sign_token.isHidden()
    report.out.setText(str(tmp_path / "bao-cao.pdf"))
    report.sign_token.setChecked(True)
    with qtbot.waitSignal(report.ended, timeout=120_000) as ended:
        report.start_button.click()
    assert ended.args == ["done"], report.message.text()
    status = validate(tmp_path / "bao-cao.pdf", softhsm)
    assert "Examiner A" in status.signing_cert.subject.human_friendly  # type: ignore[attr-defined]
    # locked, the unlock asks the PIN at once; a wrong one leaves it locked
    window.lock()
    assert page.asks_pin and not page.pin.isHidden()
    page.passphrase.setText(TOKEN_PASSPHRASE)
    page.pin.setText("111111")
    page.unlock_button.click()
    wait_until(qtbot, lambda: page.unlock_button.isEnabled() and page.message.text())
    assert "Wrong PIN" in page.message.text(), page.message.text()
    assert window.session.locked
    page.pin.setText(token.pin)
    page.unlock_button.click()
    wait_until(qtbot, lambda: not window.session.locked and window.stack.currentWidget() is window.workspace)
    entries = window.session.reader.custody.entries()
    mine = [e.record for e in entries if e.record["examiner"]["name"] == TOKEN_EXAMINER]
    assert mine and all(r["key"]["alg"] == ECDSA_P256 for r in mine)
    assert any(r["action"] == "report.generate" for r in mine)


def test_a_passphrase_examiner_is_not_asked_for_a_pin(make_window: Any, qtbot: Any,  # noqa: F811
                                                      token_vault: Path) -> None:
    window = make_window()
    window.choose_vault(token_vault)
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.unlock_button.click()
    wait_until(qtbot, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    assert window.unlock_page.pin.isHidden() and window.examiner_label.text() == "Signed as Nguyễn Văn Kiểm"
    report = window.open_task("report")
    assert report.sign_token.isHidden()
