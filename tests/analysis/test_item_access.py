"""Need-to-know at item level: an examiner not assigned to a case opens none of its items by any command.

Trần Thị Thu (the vault's administrator) owns C1; Lê Văn Minh (an examiner) owns C2. Every command that reaches
C1's evidence by its number or an item id is refused for Minh with exit 2 and one ``error:`` line naming the
owner, says nothing of the item (not its name, text, hash or metadata, with or without ``--json``), and the
refusal is a custody entry of C1. Thu, as administrator, and Minh on his own case keep their access.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CliResult

MINH = "Lê Văn Minh"
MINH_PASS = "mật khẩu của Minh"
THU = "Trần Thị Thu"
SECRET = "bí mật của vụ một: gọi Zalo 0912.345.678 để nhận tiền"
NAME = "lời khai nhân chứng.txt"


def _setup(cli: Any, tmp_path: Path, image: Path) -> dict[str, Any]:
    assert cli("examiner", "add", MINH, env={"FORENSICS_NEW_EXAMINER_PASSPHRASE": MINH_PASS}).code == 0
    assert cli("case", "new", "--number", "C1", "--title", "vụ một").code == 0
    assert cli("case", "new", "--number", "C2", "--title", "vụ hai", "--examiner", MINH).code == 0
    assert cli("case", "unassign", "C2", THU).code == 0  # Thu opened C2 for Minh: she stays assigned unless removed
    for number, text in (("C1", SECRET), ("C2", "nội dung vụ hai")):
        src = tmp_path / f"src-{number}"
        src.mkdir()
        (src / (NAME if number == "C1" else "vụ hai.txt")).write_text(text)
        assert cli("files", "add", str(src / (NAME if number == "C1" else "vụ hai.txt")), "--case", number).code == 0
    assert cli("disk", "extract", str(image), "--case", "C1", "--path", "/winter.txt").code == 0
    assert cli("index", "update").code == 0
    assert cli("entities", "watch", "add", "0912345678").code == 0
    watch = cli("watch", "add", "https://vu-mot.example.vn/trang", "--case", "C1", "--every", "1h")
    assert watch.code == 0, watch.err
    items = cli.items()
    mine = next(i for i in items if i["name"] == NAME)
    disk_image = next(i for i in items if i["kind"] == "disk_image")
    other = next(i for i in items if i["name"] == "vụ hai.txt")
    return {"item": mine, "image": disk_image, "other": other, "watch": watch.out.split()[0]}


@pytest.fixture
def fat_image(shared_fixtures: Path, tmp_path: Path) -> Path:
    with zipfile.ZipFile(shared_fixtures / "disk" / "dftt" / "5-fat-daylight.zip") as zipped:
        zipped.extractall(tmp_path / "dftt")
    return next((tmp_path / "dftt").rglob("*.dd"))


def _leaks(result: CliResult, c1: dict[str, Any]) -> list[str]:
    """What of C1's items shows in a result (nothing may)."""
    text = result.out + result.err
    marks = [SECRET, "bí mật", "Zalo", NAME, "lời khai", c1["item"]["sha256"], c1["image"]["sha256"],
             "vu-mot.example.vn", "winter", "summer", "daylight"]
    return [m for m in marks if m and m in text]


@pytest.mark.slow
def test_an_examiner_not_assigned_reaches_nothing_of_the_case(cli_vault: Any, tmp_path: Path, fat_image: Path) -> None:
    cli = cli_vault
    c1 = _setup(cli, tmp_path, fat_image)
    minh = {"FORENSICS_PASSPHRASE": MINH_PASS}
    item, image, watch = str(c1["item"]["id"]), str(c1["image"]["id"]), c1["watch"]
    refused = {
        "items show": ("items", "show", item),
        "items export": ("items", "export", item, "--out", str(tmp_path / "out-items")),
        "items list": ("items", "list", "--case", "C1"),
        "timeline export": ("timeline", "--case", "C1", "--out", str(tmp_path / "tl.jsonl")),
        "report court": ("report", "C1", "--out", str(tmp_path / "r.pdf")),
        "export package": ("export", "C1", "--out", str(tmp_path / "pkg")),
        "disk cat": ("disk", "cat", str(fat_image), "--path", "/winter.txt", "--case", "C1"),
        "disk extract": ("disk", "extract", str(fat_image), "--case", "C1", "--path", "/summer.txt"),
        "disk add": ("disk", "add", str(fat_image), "--case", "C1"),
        "custody log": ("custody", "log", "--case", "C1"),
        "custody log item": ("custody", "log", "--item", image),
        "custody prove": ("custody", "prove", item),
        "case show": ("case", "show", "C1"),
        "watch show": ("watch", "show", watch),
        "watch history": ("watch", "history", watch),
        "watch list": ("watch", "list", "--case", "C1"),
        "mail show": ("mail", "show", item),
        "chat show": ("chat", "show", item),
        "search": ("search", "bi mat", "--case", "C1"),
        "entities list": ("entities", "list", "--case", "C1"),
    }
    for what, args in refused.items():
        for json_flag in ((), ("--json",)):
            result = cli(*args, *json_flag, env=minh)
            line = result.one_line_error()
            assert f"not assigned to case C1: ask its owner, {THU}, to assign you" in line, (what, line)
            assert _leaks(result, c1) == [], (what, json_flag, result.out, result.err)
            assert "--json" not in json_flag or result.out == "", (what, result.out)
    assert not (tmp_path / "out-items").exists() and not (tmp_path / "tl.jsonl").exists()
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "pkg").exists()

    # the lists across cases leave C1 out and count it (never in silence), and say nothing of its items
    for args in (("items", "list"), ("case", "list"), ("custody", "log"), ("watch", "list"),
                 ("entities", "alerts", "--all"), ("search", "bi mat", "--all-cases"), ("entities", "show", "0912345678")):
        result = cli(*args, "--json", env=minh)
        assert result.code == 0, (args, result.err)
        assert _leaks(result, c1) == [], (args, result.out, result.err)
        assert "you are not assigned to" in result.out + result.err, args
    assert _leaks(cli("watch", "alerts", "--json", env=minh), c1) == []
    listed = cli("items", "list", "--json", env=minh).json()
    assert [i["name"] for i in listed] == ["vụ hai.txt"]  # type: ignore[union-attr,index]
    assert [c["number"] for c in cli("case", "list", "--json", env=minh).json()] == ["C2"]  # type: ignore[union-attr,index]

    # each refusal is in C1's custody log, with who asked for what; Minh's own case opens as before
    log = cli("custody", "log", "--case", "C1", "--json").json()
    refusals = [e for e in log if e["action"] == "case.access_refused"]  # type: ignore[union-attr,index]
    assert len(refusals) == 2 * len(refused)
    assert {e["details"]["examiner"] for e in refusals} == {MINH}
    assert {e["details"]["reach"] for e in refusals} >= {"items show", "items export", "timeline export",
                                                          "report court", "export package", "disk cat"}
    assert any(e.get("item", {}) and e["item"]["id"] == c1["item"]["id"] for e in refusals)
    shown = cli("items", "show", str(c1["other"]["id"]), "--json", env=minh)
    assert shown.code == 0 and shown.json()["name"] == "vụ hai.txt"  # type: ignore[index]

    # Thu administers the vault: she opens Minh's case by naming it (the view logged like any other)
    assert cli("items", "show", str(c1["other"]["id"]), "--json").json()["name"] == "vụ hai.txt"  # type: ignore[index]
    exported = cli("timeline", "--case", "C2", "--out", str(tmp_path / "c2.jsonl"))
    assert exported.code == 0, exported.err
    assert cli("items", "show", item, "--json").json()["name"] == NAME  # type: ignore[index]
    text = cli("custody", "log", "--json").out
    assert "case.access_refused" in text and json.loads(text)


def test_a_lone_examiner_opens_every_case_as_before(cli_vault: Any, tmp_path: Path) -> None:
    cli = cli_vault
    for number in ("C1", "C2"):
        assert cli("case", "new", "--number", number, "--title", number).code == 0
        src = tmp_path / number
        src.mkdir()
        (src / "a.txt").write_text(f"nội dung {number}")
        assert cli("files", "add", str(src / "a.txt"), "--case", number).code == 0
    ids = [str(i["id"]) for i in cli.items()]
    assert all(cli("items", "show", i, "--json").code == 0 for i in ids)
    assert cli("timeline", "--case", "C2", "--out", str(tmp_path / "t.csv"), "--format", "csv").code == 0
    assert len(cli("case", "list", "--json").json()) == 2  # type: ignore[arg-type]
    assert "not assigned" not in cli("items", "list").err
