"""What the CLI tells a human, and what it records, about hostile or refused input (issue 14).

- ``files add``: sources refused during the walk are warnings on the folder's item and in the
  ``files.add`` custody entry, not only lines on the terminal;
- escape sequences in file names, case numbers and titles never reach the terminal raw, while
  ``--json`` keeps them exact.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from forensics_app.cli.terminal import escape_controls
from tests.conftest import Cli

HIDE = "\x1b[8m"  # SGR 8: what follows is invisible
TITLE = "\x1b]0;"  # OSC 0 left open: the terminal eats the rest as a window title
BIDI = "\u202e"  # right-to-left override


def test_escape_controls_shows_every_control_and_keeps_the_rest() -> None:
    assert escape_controls(f"a{HIDE}b") == "a\\x1b[8mb"
    assert escape_controls(f"{TITLE}x\x07") == "\\x1b]0;x\\x07"
    assert escape_controls(f"gpj.{BIDI}exe") == "gpj.\\u202eexe"
    assert escape_controls("\x9b31m") == "\\x9b31m"  # C1 CSI
    assert escape_controls("Tiếng Việt, 中文, עברית\tand a\nnew line") == "Tiếng Việt, 中文, עברית\tand a\nnew line"


def test_refused_sources_are_warnings_on_the_folder_and_in_the_custody_log(cli_vault: Cli, tmp_path: Path) -> None:
    assert cli_vault("case", "new", "--number", "C-REF", "--title", "refused").code == 0
    folder = tmp_path / "seized"
    folder.mkdir()
    (folder / "ok.txt").write_text("ok")
    os.mkfifo(folder / "pipe")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock"))
        result = cli_vault("files", "add", str(folder), "--case", "C-REF", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert sorted(s["reason"] for s in data["skipped"]) == ["FIFO: not acquired", "socket: not acquired"]
    items = cli_vault.items()
    folder_item = next(i for i in items if i["kind"] == "folder")
    warnings = folder_item["warnings"]
    assert sorted((w["code"], w["details"]["source"]) for w in warnings) == [
        ("source_refused", str(folder / "pipe")), ("source_refused", str(folder / "sock"))]
    assert [i["name"] for i in items if i["kind"] == "file"] == ["ok.txt"]
    log = cli_vault("custody", "log", "--json")
    assert log.code == 0, log.err
    entries = [e for e in log.json() if e["action"] == "files.add"]  # type: ignore[union-attr]
    assert len(entries) == 1
    refused = entries[0]["details"]["refused"]
    assert sorted(r["source"] for r in refused) == [str(folder / "pipe"), str(folder / "sock")]


def test_escape_sequences_never_reach_the_terminal_raw(cli_vault: Cli, tmp_path: Path) -> None:
    number, title = f"VV{HIDE}-1", f"Bài{TITLE}đăng {BIDI}"
    assert cli_vault("case", "new", "--number", number, "--title", title).code == 0
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / f"report{HIDE}secret.txt").write_text("x")
    (folder / f"title{TITLE}.txt").write_text("y")
    assert cli_vault("files", "add", str(folder), "--case", number).code == 0
    human = [cli_vault("case", "list"), cli_vault("case", "show", number), cli_vault("items", "list"),
             cli_vault("items", "show", "2"), cli_vault("files", "add", str(folder), "--case", number)]
    for result in human:
        assert result.code == 0, result.err
        shown = result.out + result.err
        assert "\x1b" not in shown and BIDI not in shown, shown
    everything = "".join(r.out for r in human)
    assert "\\x1b[8m" in everything and "\\x1b]0;" in everything and "\\u202e" in everything
    exact = cli_vault("items", "list", "--json").json()
    names = {i["name"] for i in exact}  # type: ignore[union-attr]
    assert {f"report{HIDE}secret.txt", f"title{TITLE}.txt"} <= names
    cases = cli_vault("case", "list", "--json").json()
    assert [(c["number"], c["title"]) for c in cases] == [(number, title)]  # type: ignore[union-attr]
