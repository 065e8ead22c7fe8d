"""The ``forensics mail`` contract: exit codes, JSON, one clear error line on bad input."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

from .conftest import DkimSigner


def _case(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("case", "new", "--number", "VV-MAIL-1", "--title", "Thư lừa đảo").code == 0


def test_add_show_recheck(cli_vault, email_data: Path, dkim_signer: DkimSigner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _case(cli_vault)
    signed = tmp_path / "signed.eml"
    signed.write_bytes(dkim_signer.sign((email_data / "msg_01.txt").read_bytes()))
    answers = tmp_path / "dns.json"
    answers.write_text(json.dumps({dkim_signer.dns_name: dkim_signer.record}))
    result = cli_vault("mail", "add", str(signed), str(email_data / "msg_02.txt"), "--case", "VV-MAIL-1",
                       "--dns-answers", str(answers), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["messages"] == 7 and data["attachments"] == 5 and data["skipped"] == []
    first = data["roots"][0]
    shown = cli_vault("mail", "show", str(first), "--json")
    assert shown.code == 0, shown.err
    view = shown.json()
    assert ["Subject", "This is a test message"] in view["headers"]
    assert view["authenticity"]["dkim"][0]["result"] == "pass"
    assert "Do you like this message?" in view["text"]
    again = cli_vault("mail", "recheck", str(first), "--json")
    assert again.code == 0 and again.json()["dkim"][0]["result"] == "pass"
    log = cli_vault("custody", "log", "--json")
    actions = [e["action"] for e in log.json()]
    assert "mail.import" in actions and "mail.recheck" in actions and "item.view" in actions


def test_truncated_mbox_exits_1_and_says_where(cli_vault, email_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _case(cli_vault)
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(str(path))
    for name in ("msg_01.txt", "msg_45.txt"):
        box.add((email_data / name).read_bytes())
    box.flush()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) - 60])
    result = cli_vault("mail", "add", str(path), "--case", "VV-MAIL-1")
    assert result.code == 1
    assert "incomplete" in result.err and "box.mbox#2" in result.err
    assert "2 message(s)" in result.out


def test_bad_input_is_one_error_line(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _case(cli_vault)
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not mail")
    line = cli_vault("mail", "add", str(junk), str(tmp_path / "missing.mbox"), "--case", "VV-MAIL-1").one_line_error()
    assert "nothing to import" in line and "photo.jpg" in line and "missing.mbox" in line
    line = cli_vault("mail", "show", "999").one_line_error()
    assert "999" in line


def test_chat_add_and_show(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from . import chat_exports

    _case(cli_vault)
    export = chat_exports.telegram_single_chat(tmp_path / "export")
    result = cli_vault("chat", "add", str(export), "--case", "VV-MAIL-1", "--timezone", "Asia/Ho_Chi_Minh")
    assert result.code == 1  # files/hop_dong.pdf is named by message 104 but not in the export
    assert "skipped" in result.err and "m4" in result.err and "hop_dong.pdf" in result.err
    items = cli_vault.items()
    (conversation,) = [i for i in items if i["kind"] == "conversation"]
    shown = cli_vault("chat", "show", str(conversation["id"]), "--from", "3", "--count", "1")
    assert shown.code == 0
    assert "m3" in shown.out and "Trần Thị Bị Hại" in shown.out and "reply to 102" in shown.out
    data = cli_vault("chat", "show", str(conversation["id"]), "--json").json()
    assert len(data["rows"]) == 5
    line = cli_vault("chat", "add", str(tmp_path / "nothing"), "--case", "VV-MAIL-1").one_line_error()
    assert "nothing to import" in line


def test_imported_mail_is_searchable_at_once(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _case(cli_vault)
    message = tmp_path / "scam.eml"
    message.write_text("From: a@example.vn\nTo: b@example.vn\nSubject: Thông báo\nDate: Mon, 7 Jul 2025 09:00:00 +0700"
                       "\nContent-Type: text/plain; charset=utf-8\n\nVui lòng chuyển khoản phí xacminhtaikhoan hôm nay.\n",
                       "utf-8")
    assert cli_vault("mail", "add", str(message), "--case", "VV-MAIL-1").code == 0
    found = cli_vault("search", "xacminhtaikhoan", "--case", "VV-MAIL-1", "--json")
    assert found.code == 0 and len(found.json()) >= 1, found.out + found.err  # indexed by the import, no rebuild
