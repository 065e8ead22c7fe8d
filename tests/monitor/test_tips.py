"""Community reports (tin báo): the register, the status workflow, the protected reporter, attachments as
evidence, and one command that turns a report's addresses into captures and watches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evidence_store import Vault
from tests.conftest import PASSPHRASE, Cli
from tests.monitor.site import MonitorSite
from tests.monitor.test_watch_cli import FAST


@pytest.fixture
def desk(cli_vault: Cli) -> Cli:
    assert cli_vault("case", "new", "--number", "VV-TB-1", "--title", "Tin báo lừa đảo").code == 0
    assert cli_vault("settings", "set", "capture_defaults", FAST).code == 0
    return cli_vault


def test_register_assess_link_and_the_protected_reporter(desk: Cli, tmp_path: Path) -> None:
    shot = tmp_path / "anh-chup.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"anh chup man hinh" * 100)
    added = desk("tip", "add", "--channel", "hotline", "--received-at", "2026-03-02T08:15:00+07:00",
                 "--url", "https://lua-dao.example.vn/khuyen-mai", "--text", "Trang này lừa chuyển khoản",
                 "--attach", str(shot), "--reporter-name", "Phạm Thị Báo", "--reporter-contact", "0912345678",
                 "--json")
    assert added.code == 0, added.err
    tip = added.json()
    assert tip["received_at"] == "2026-03-02T01:15:00.000000Z" and tip["status"] == "received"  # type: ignore[index]
    assert tip["reporter"] == {"protected": True}  # type: ignore[index]
    # the attachment is evidence: hashed into the register case
    item = next(i for i in desk.items() if i["kind"] == "tip_attachment")
    assert item["sha256"] == hashlib.sha256(shot.read_bytes()).hexdigest()
    shown = desk("tip", "show", str(tip["id"]), "--reveal-reporter", "--json").json()  # type: ignore[index]
    assert shown["reporter"] == {"name": "Phạm Thị Báo", "contact": "0912345678"}  # type: ignore[index]
    log = json.dumps(desk("custody", "log", "--json").json(), ensure_ascii=False)
    assert "Phạm Thị Báo" not in log and "0912345678" not in log and "tip.reporter.view" in log
    # the workflow, in order
    assert "cannot become handled" in desk("tip", "assess", "1", "--status", "handled").one_line_error()
    for status in ("assessing", "violation", "handled"):
        result = desk("tip", "assess", "1", "--status", status, "--note", f"ghi chú {status}", "--json")
        assert result.code == 0, result.err
    final = result.json()
    assert final["status"] == "handled" and final["outcome"] == "violation"  # type: ignore[index]
    assert final["assessor"] == "Trần Thị Thu" and final["note"] == "ghi chú handled"  # type: ignore[index]
    linked = desk("tip", "link", "1", "--case", "VV-TB-1", "--json").json()
    assert linked["case_id"] is not None  # type: ignore[index]
    assert [t["status"] for t in desk("tip", "list", "--status", "handled", "--json").json()] == ["handled"]  # type: ignore[union-attr]


def test_another_examiner_sees_that_a_reporter_exists_but_not_who(vault: Vault, vault_dir: Path) -> None:
    from forensics_app.services import tips

    tip = tips.register(vault, channel="in_person", reporter={"name": "Người báo tin"}, text="Có người rao bán")
    vault.add_examiner("Hoàng Văn Khác", "another passphrase 12345 xyz")
    vault.close()
    with Vault.open(vault_dir, "another passphrase 12345 xyz") as other:
        from evidence_store import UsageError, tip_store

        assert tip_store.get_tip(other, tip.id).reporter == {"protected": True}
        with pytest.raises(UsageError, match="may see its reporter"):
            tip_store.get_tip(other, tip.id, reveal=True)
    with Vault.open(vault_dir, PASSPHRASE) as again:
        from evidence_store import tip_store

        assert tip_store.get_tip(again, tip.id, reveal=True).reporter == {"name": "Người báo tin"}


@pytest.mark.parametrize(("args", "message"), [
    (("--channel", "hotline"), "needs reported addresses, text or attachments"),
    (("--channel", "hotline", "--text", "x", "--received-at", "yesterday"), "invalid time"),
    (("--channel", "hotline", "--url", "not a url"), "error:"),
    (("--channel", "hotline", "--attach", "/nonexistent/file.png"), "attachment not found"),
])
def test_bad_reports_are_refused_in_one_line(desk: Cli, args: tuple[str, ...], message: str) -> None:
    assert message in desk("tip", "add", *args).one_line_error()
    assert desk("tip", "list", "--json").json() == []


@pytest.mark.slow
def test_one_command_captures_and_watches_what_a_report_names(desk: Cli, monitor_site: MonitorSite) -> None:
    url = f"{monitor_site.base}/p/tip"
    assert desk("tip", "add", "--channel", "web_form", "--url", url, "--text", "trang lừa đảo").code == 0
    assert "not linked to a case" in desk("tip", "capture", "1").one_line_error()
    done = desk("tip", "capture", "1", "--case", "VV-TB-1", "--watch", "--every", "1d", "--allow-private-addresses",
                "--json")
    assert done.code == 0, done.err
    data = done.json()
    assert [c["status"] for c in data["captures"]] == ["captured"] and len(data["watches"]) == 1  # type: ignore[index]
    watch = desk("watch", "show", str(data["watches"][0]), "--json").json()  # type: ignore[index]
    assert watch["target"] == url and watch["config"]["schedule"]["every"] == 86400  # type: ignore[index]
    acts = [e for e in desk("custody", "log", "--json").json() if e["action"] == "tip.act"]  # type: ignore[union-attr]
    assert acts and acts[0]["details"]["watches"] == data["watches"]  # type: ignore[index]
