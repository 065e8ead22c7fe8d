"""The app under need-to-know: an examiner sees the cases they may open, and an item of another case is refused
(with its owner's name, the refusal in that case's custody log), never shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_store import Vault
from forensics_app.services.files import add_files
from tests.conftest import PASSPHRASE

from .conftest import error_boxes, unlock, wait_until

MINH = "Lê Văn Minh"
MINH_PASS = "mật khẩu của Minh"
SECRET = "bí mật của vụ một"


def _vault(tmp_path: Path) -> tuple[Path, int, int]:
    """Kiểm (administrator) owns C1 with a secret file; Minh owns C2 with a file of his own."""
    root = tmp_path / "vault"
    for name, text in (("c1", SECRET), ("c2", "nội dung vụ hai")):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}-lời khai.txt").write_text(text, "utf-8")
    with Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        vault.add_examiner(MINH, MINH_PASS)
        c1 = vault.create_case("C1", "Vụ một / Case one")
        c2 = vault.create_case("C2", "Vụ hai / Case two", examiner=MINH)
        add_files(vault, c1.id, [tmp_path / "c1" / "c1-lời khai.txt"])
        add_files(vault, c2.id, [tmp_path / "c2" / "c2-lời khai.txt"])
        return root, vault.list_items(c1.id)[0].id, vault.list_items(c2.id)[0].id


def test_item_views_refuse_a_case_the_examiner_is_not_assigned_to(make_window: Any, qtbot: Any,
                                                                   tmp_path: Path) -> None:
    root, secret_item, own_item = _vault(tmp_path)
    win = make_window()
    unlock(qtbot, win, root, MINH_PASS)
    reader = win.session.reader
    assert [c.number for c in win.cases.model.cases] == ["C2"]  # Kiểm's case is not listed …
    label = win.cases.hidden_label
    assert label.isVisible() and "1 case you are not assigned to (ask the case owner: Nguyễn Văn Kiểm)" in label.text()

    win.go_to_item(secret_item)  # … nor opened by id (a hit, an alert or a log entry naming it)
    wait_until(qtbot, lambda: error_boxes())
    box = error_boxes()[-1]
    assert "not assigned to case C1: ask its owner, Nguyễn Văn Kiểm" in box.text()
    assert "c1-lời khai" not in box.text() and SECRET not in box.text()
    box.close()
    assert win.current_case_id() != reader.get_case("C1").id

    win.preview.show_item(reader, secret_item)  # the item pane: the refusal in place of the item
    assert "not assigned to case C1" in win.preview.message.text()
    assert win.preview.detail is None and "c1-lời khai" not in win.preview.heading.text()

    win.go_to_item(own_item)  # his own case opens as before
    wait_until(qtbot, lambda: win.preview.detail is not None and win.preview.detail.item.id == own_item)
    refusals = [e.record for e in reader.custody.entries(case_id=reader.get_case("C1").id)
                if e.record["action"] == "case.access_refused"]
    assert [(r["details"]["examiner"], r["details"]["reach"]) for r in refusals] == [
        (MINH, "app open item"), (MINH, "app item view")]


def test_an_administrator_and_a_lone_examiner_see_every_case(make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    root, secret_item, own_item = _vault(tmp_path)
    win = make_window()
    unlock(qtbot, win, root)  # Kiểm administers the vault: Minh's case is listed and opens
    assert sorted(c.number for c in win.cases.model.cases) == ["C1", "C2"]
    assert not win.cases.hidden_label.isVisible()
    win.go_to_item(own_item)
    wait_until(qtbot, lambda: win.preview.detail is not None and win.preview.detail.item.id == own_item)
    assert not error_boxes()
