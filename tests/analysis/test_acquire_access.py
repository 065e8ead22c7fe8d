"""Need-to-know when adding evidence: an examiner not assigned to a case adds nothing to it, by any command.

Trần Thị Thu (the vault's administrator) owns C1; Lê Văn Minh (an examiner) owns C2. Every command that would put
evidence into C1 (files, web and social captures, mail and chat imports, linking a community report, capturing
from it) is refused for Minh before it reads or fetches anything: exit 2, one ``error:`` line naming the owner,
nothing added to C1, and the attempt is a custody entry of C1. Minh adds to his own case, Thu (administrator) to
any, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..messages import chat_exports
from ..messages.conftest import STDLIB_EMAIL

MINH = "Lê Văn Minh"
MINH_PASS = "mật khẩu của Minh"
THU = "Trần Thị Thu"


def _c1_items(cli: Any) -> list[str]:
    return sorted(i["name"] for i in cli("items", "list", "--case", "C1", "--json").json())


def test_an_examiner_not_assigned_adds_nothing_to_the_case(cli_vault: Any, tmp_path: Path) -> None:
    cli = cli_vault
    assert cli("examiner", "add", MINH, env={"FORENSICS_NEW_EXAMINER_PASSPHRASE": MINH_PASS}).code == 0
    assert cli("case", "new", "--number", "C1", "--title", "vụ một").code == 0
    assert cli("case", "new", "--number", "C2", "--title", "vụ hai", "--examiner", MINH).code == 0
    assert cli("case", "unassign", "C2", THU).code == 0
    first = tmp_path / "biên bản.txt"
    first.write_text("nội dung vụ một")
    assert cli("files", "add", str(first), "--case", "C1").code == 0
    before = _c1_items(cli)
    minh = {"FORENSICS_PASSPHRASE": MINH_PASS}
    planted = tmp_path / "tài liệu giả.txt"
    planted.write_text("do Minh đưa vào")
    export = chat_exports.telegram_single_chat(tmp_path / "export")
    tip = cli("tip", "add", "--channel", "hotline", "--url", "http://127.0.0.1:9/trang", "--text", "tin báo",
              env=minh)
    assert tip.code == 0, tip.err
    tip_id = tip.out.split()[0]
    attempts = {
        "files add": ("files", "add", str(planted), "--case", "C1"),
        "capture web": ("capture", "web", "http://127.0.0.1:9/trang", "--case", "C1"),
        "capture social": ("capture", "social", "https://www.facebook.com/someone/posts/1", "--case", "C1"),
        "mail add": ("mail", "add", str(STDLIB_EMAIL / "msg_02.txt"), "--case", "C1"),
        "chat add": ("chat", "add", str(export), "--case", "C1", "--timezone", "Asia/Ho_Chi_Minh"),
        "tip link": ("tip", "link", tip_id, "--case", "C1"),
        "tip capture": ("tip", "capture", tip_id, "--case", "C1"),
    }
    for what, args in attempts.items():
        line = cli(*args, env=minh).one_line_error()
        assert f"not assigned to case C1: ask its owner, {THU}, to assign you" in line, (what, line)
    assert _c1_items(cli) == before
    assert cli("tip", "show", tip_id, "--json").json()["case_id"] is None

    log = cli("custody", "log", "--case", "C1", "--json").json()
    refusals = [e for e in log if e["action"] == "case.access_refused"]
    assert sorted(e["details"]["reach"] for e in refusals) == sorted(
        ["files add", "capture web", "capture social", "mail add", "chat add", "tip link", "tip link"])
    assert {e["details"]["examiner"] for e in refusals} == {MINH}

    # a report Thu linked to C1 is not moved out of it by Minh, even into his own case
    assert cli("tip", "link", tip_id, "--case", "C1").code == 0
    line = cli("tip", "link", tip_id, "--case", "C2", env=minh).one_line_error()
    assert "not assigned to case C1" in line
    assert cli("tip", "show", tip_id, "--json").json()["case_id"] == cli("case", "show", "C1", "--json").json()["id"]

    # Minh adds to his own case; Thu, the administrator, to any case
    assert cli("files", "add", str(planted), "--case", "C2", env=minh).code == 0
    mail = cli("mail", "add", str(STDLIB_EMAIL / "msg_02.txt"), "--case", "C2")
    assert mail.code == 0, mail.err
    names = [i["name"] for i in cli("items", "list", "--case", "C2", "--json", env=minh).json()]
    assert planted.name in names and len(names) >= 2
