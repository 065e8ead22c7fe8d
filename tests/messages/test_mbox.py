"""mbox boundaries against Python's own mailbox module, and a truncated mbox."""

from __future__ import annotations

import mailbox
from pathlib import Path

from evidence_store import Case, Vault
from forensics_app.services.messages import import_mail

CORPUS = ("msg_01.txt", "msg_02.txt", "msg_07.txt", "msg_15.txt", "msg_26.txt", "msg_45.txt")


def _python_mbox(path: Path, email_data: Path, names: tuple[str, ...] = CORPUS) -> mailbox.mbox:
    """Written by Python's mailbox (an independent writer: its own From_ lines and >From quoting)."""
    box = mailbox.mbox(str(path))
    for name in names:
        box.add((email_data / name).read_bytes())
    box.flush()
    return box


def _messages(vault: Vault, mailbox_id: int) -> list:
    return [i for i in vault.list_items(parent_id=mailbox_id) if i.kind == "message"]


def test_boundaries_match_python_mailbox(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "corpus.mbox"
    box = _python_mbox(path, email_data)
    result = import_mail(vault, case.number, [path])
    (container,) = result.containers
    assert b"".join(vault.read_item(container)) == path.read_bytes()  # the mbox as found
    stored = _messages(vault, container.id)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    assert len(stored) == len(expected) == len(CORPUS)
    for item, want in zip(stored, expected, strict=True):
        assert b"".join(vault.read_item(item)) == want
        locator = item.metadata["locator"]["mbox"]
        assert path.read_bytes()[locator["offset"]:locator["offset"] + locator["length"]] == want
        assert locator["from_line"].startswith("From ")
    assert not result.problems


def test_from_lines_inside_bodies_do_not_split(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    # Python's mailbox quotes a body line "From here" as ">From here": still one message, bytes kept quoted
    raw = (email_data / "msg_01.txt").read_bytes().replace(b"Hi,\n", b"Hi,\n\nFrom here on it gets long.\n")
    path = tmp_path / "quoted.mbox"
    box = mailbox.mbox(str(path))
    box.add(raw)
    box.add((email_data / "msg_26.txt").read_bytes())
    box.flush()
    assert b"\n>From here on" in path.read_bytes()
    (container,) = import_mail(vault, case.number, [path]).containers
    stored = _messages(vault, container.id)
    assert len(stored) == 2
    assert b">From here on" in b"".join(vault.read_item(stored[0]))


def test_truncated_mbox_keeps_what_is_there(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.mbox"
    _python_mbox(whole, email_data)
    data = whole.read_bytes()
    cut = data.rfind(b"signature.asc") + 40  # inside the last message's PGP signature part
    path = tmp_path / "cut.mbox"
    path.write_bytes(data[:cut])
    result = import_mail(vault, case.number, [path])
    stored = _messages(vault, result.containers[0].id)
    assert len(stored) == len(CORPUS)  # every message, the last one as far as it goes
    last = stored[-1]
    codes = [w.code for w in last.warnings]
    assert codes.count("message_truncated") >= 1
    assert result.problems and result.incomplete and "#6" in result.incomplete[0][0]
    assert all(not any(w.code == "message_truncated" for w in m.warnings) for m in stored[:-1])


def test_maildir_folders_and_flags(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    md = mailbox.Maildir(str(root))
    inbox_key = md.add(mailbox.MaildirMessage((email_data / "msg_01.txt").read_bytes()))
    msg = md.get_message(inbox_key)
    msg.set_subdir("cur")
    msg.add_flag("S")
    md[inbox_key] = msg
    sent = md.add_folder("Sent")
    sent.add((email_data / "msg_26.txt").read_bytes())
    result = import_mail(vault, case.number, [root])
    (container,) = result.containers
    assert container.metadata["mailbox"]["format"] == "maildir"
    stored = _messages(vault, container.id)
    folders = sorted((m.metadata["message"]["folder"], m.metadata["locator"]["maildir"]["flags"]) for m in stored)
    assert folders == [("INBOX", "S"), ("Sent", "")]


def test_messages_too_large_to_hold_are_streamed_whole(vault: Vault, case: Case, email_data: Path,
                                                       tmp_path: Path) -> None:
    from collectors.messages.options import MailOptions

    path = tmp_path / "corpus.mbox"
    box = _python_mbox(path, email_data)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    result = import_mail(vault, case.number, [path], MailOptions(max_parse_bytes=2000), workers=0)
    stored = _messages(vault, result.containers[0].id)
    assert [b"".join(vault.read_item(m)) for m in stored] == expected  # the same bytes, streamed from the file
    large = [m for m in stored if (m.size or 0) > 2000]
    assert large and all(any(w.code == "message_not_split" for w in m.warnings) for m in large)
    assert all(m.metadata["message"]["subject"] is not None or m.metadata["message"]["from"] for m in large)
    digest = next(m for m in large if m.metadata["message"]["subject"] == "Ppp digest, Vol 1 #2 - 5 msgs")
    assert vault.list_items(parent_id=digest.id) == []  # not split: its attachments stay inside it
    assert digest.metadata["message"]["authenticity"]["dkim"] == []


def test_cancel_keeps_the_vault_consistent(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    import pytest

    from evidence_store import Cancelled, CancelToken

    path = tmp_path / "corpus.mbox"
    _python_mbox(path, email_data)
    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int | None, label: str) -> None:
        seen.append(label)
        if len(seen) == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        import_mail(vault, case.number, [path], progress=progress, cancel=token, chunk_items=2)
    actions = [e.record["action"] for e in vault.custody.entries()]
    assert actions[-1] == "mail.import"
    assert vault.custody.entries()[-1].record["details"]["cancelled"] is True
    # what was committed before the cancel is whole (the vault fixture verifies it after the test)


def test_a_worker_thread_parses_in_a_process_of_the_fork_server(vault: Vault, case: Case, email_data: Path,
                                                                tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The desktop app imports in a worker thread, which must not fork: its parser process comes from the fork
    server, and the messages, their children and the problems found are those parsing in this thread gives."""
    from forensics_app.services import message_pipeline

    from ..worker_thread import in_a_worker_thread, record_helper_starts

    started = record_helper_starts(monkeypatch, message_pipeline)
    path = tmp_path / "corpus.mbox"
    _python_mbox(path, email_data, tuple(sorted(p.name for p in email_data.glob("msg_*.txt"))))
    in_thread = in_a_worker_thread(vault, lambda sibling: import_mail(sibling, case.number, [path]))
    assert set(started) == {("gui-worker", "forkserver")} and len(started) >= 2

    def tree(result) -> list:  # noqa: ANN001
        (container,) = result.containers
        rows = []
        for message in _messages(vault, container.id):
            message.metadata["message"]["authenticity"].pop("checked_at")  # when, not what
            children = [(c.kind, c.name, c.sha256) for c in vault.list_items(parent_id=message.id)]
            rows.append((message.name, message.sha256, message.metadata, message.warnings and
                         [w.to_json() for w in message.warnings], children))
        return rows

    in_child = tree(in_thread)
    here = import_mail(vault, case.number, [path], workers=0)
    assert len(in_child) > 40 and in_child == tree(here)
    assert in_thread.problems == here.problems
