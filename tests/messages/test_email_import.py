"""E-mail into the vault, checked against facts read by hand from CPython's e-mail test corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

from collectors.messages.options import MailOptions
from evidence_store import Case, Vault
from forensics_app.services.messages import import_mail, message_view


def _children(vault: Vault, item_id: int) -> list:
    return vault.list_items(parent_id=item_id)


def _content(vault: Vault, item) -> bytes:
    return b"".join(vault.read_item(item))


def test_digest_attached_messages_are_parsed_in_turn(vault: Vault, case: Case, email_data: Path) -> None:
    # msg_02.txt by hand: a "Ppp digest" whose multipart/digest holds five messages, #2 without a Subject.
    source = email_data / "msg_02.txt"
    result = import_mail(vault, case.number, [source])
    assert (result.messages, result.attachments, result.problems) == (6, 5, False)
    root = result.roots[0]
    assert root.kind == "message" and root.parent_id is None and root.media_type == "message/rfc822"
    assert _content(vault, root) == source.read_bytes()  # the original bytes, untouched
    meta = root.metadata["message"]
    assert meta["subject"] == "Ppp digest, Vol 1 #2 - 5 msgs"
    assert meta["from"] == ["ppp-request@zzz.org"] and meta["to"] == ["ppp@zzz.org"]
    assert meta["date"] == "2001-04-21T00:18:00Z" and meta["utc_offset"] == "-04:00"
    assert meta["date_header"] == "Fri, 20 Apr 2001 20:18:00 -0400 (EDT)"
    attachments = _children(vault, root.id)
    assert [a.kind for a in attachments] == ["attachment"] * 5
    assert [a.metadata["attachment"]["part"] for a in attachments] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    inner = [_children(vault, a.id) for a in attachments]
    assert all(len(i) == 1 and i[0].kind == "message" for i in inner)
    subjects = [i[0].metadata["message"]["subject"] for i in inner]
    assert subjects == ["[Ppp] testing #1", None, "[Ppp] testing #3", "[Ppp] testing #4", "[Ppp] testing #5"]
    assert all(i[0].metadata["message"]["from"] == ["Barry A. Warsaw <barry@digicool.com>"] for i in inner)
    original = source.read_bytes()
    for attachment in attachments:  # each attached message is the enclosing message's own bytes
        data = _content(vault, attachment)
        assert data and original.find(data) >= 0
        assert "reconstructed" not in attachment.metadata


def test_signed_message_bodies_and_attachment(vault: Vault, case: Case, email_data: Path) -> None:
    # msg_45.txt: multipart/signed with a text part and signature.asc (an attachment by disposition)
    result = import_mail(vault, case.number, [email_data / "msg_45.txt"])
    message = result.roots[0]
    assert message.metadata["parts"]["bodies"][0]["part"] == "1"
    (signature,) = _children(vault, message.id)
    assert signature.name == "signature.asc" and signature.media_type == "application/pgp-signature"
    assert _content(vault, signature).startswith(b"-----BEGIN PGP SIGNATURE-----")
    view = message_view(vault, message.id)
    assert view.plain.strip() == "This is the signed contents."
    assert ("Subject", "test") in view.headers


def test_route_table_of_a_bounce(vault: Vault, case: Case, email_data: Path) -> None:
    # msg_25.txt: an mbox of one bounce ("From MAILER-DAEMON …" first line) with two Received headers on the
    # bounce itself (top: Exim at www.linux.org.uk, bottom: sendmail at zinfandel.lacita.com)
    options = MailOptions(trusted_hosts=("www.linux.org.uk",))
    result = import_mail(vault, case.number, [email_data / "msg_25.txt"], options)
    (mailbox,) = result.containers
    assert mailbox.metadata["mailbox"]["format"] == "mbox"
    (message,) = [i for i in _children(vault, mailbox.id) if i.kind == "message"]
    assert message.metadata["locator"]["mbox"]["from_line"].startswith("From MAILER-DAEMON")
    hops = message.metadata["message"]["received"]
    assert len(hops) == 2
    first, second = hops
    assert (first["hop"], first["from"], first["by"], first["with"], first["id"]) == (
        1, "localhost", "zinfandel.lacita.com", "internal", "JAB03225")
    assert first["time"] == "2001-04-06T17:23:06Z" and first["utc_offset"] == "-08:00"
    assert (second["from"], second["from_ip"], second["by"], second["with"]) == (
        "[204.245.199.98]", "204.245.199.98", "www.linux.org.uk", "esmtp")
    assert second["for"] == "linuxuser-admin@www.linux.org.uk"
    assert second["time"] == "2001-04-06T15:46:09Z"
    assert second["gap_seconds"] == -5817 and "before the previous hop" in second["note"]
    assert [h["trust"] for h in hops] == ["claimed", "trusted"]


def test_no_trusted_server_means_unassessed(vault: Vault, case: Case, email_data: Path) -> None:
    message = import_mail(vault, case.number, [email_data / "msg_01.txt"]).roots[0]
    (hop,) = message.metadata["message"]["received"]
    assert hop["trust"] == "unassessed" and hop["by"] == "mail.zzz.org" and hop["id"] == "27CEAD38CC"
    meta = message.metadata["message"]
    assert meta["from"] == ["John X. Doe <bbb@ddd.com>"]
    assert meta["message_id"] == "<15090.61304.110929.45684@aaa.zzz.org>"
    assert (meta["date"], meta["utc_offset"]) == ("2001-05-04T18:05:44Z", "-04:00")


def test_folder_of_messages_is_one_mailbox(vault: Vault, case: Case, email_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exported"
    (folder / "sub").mkdir(parents=True)
    for name in ("msg_01.txt", "msg_20.txt"):
        shutil.copy(email_data / name, folder / name.replace(".txt", ".eml"))
    shutil.copy(email_data / "msg_26.txt", folder / "sub" / "msg_26.eml")
    shutil.copy(email_data / "msg_25.txt", folder / "bounces")  # an mbox inside the folder: its own mailbox
    (folder / "notes.bin").write_bytes(b"\x00\x01 not a message")
    result = import_mail(vault, case.number, [folder])
    mailbox, inner_mbox = result.containers
    assert mailbox.kind == "mailbox" and mailbox.metadata["mailbox"]["format"] == "eml_folder"
    assert inner_mbox.metadata["mailbox"]["format"] == "mbox" and inner_mbox.name == "bounces"
    messages = [i for i in _children(vault, mailbox.id) if i.kind == "message"]
    assert sorted(m.metadata["message"]["folder"] for m in messages) == ["", "", "sub"]
    assert result.ignored and result.ignored[0].endswith("notes.bin") and not result.problems


def test_undeclared_charset_and_broken_date_are_warnings(vault: Vault, case: Case, email_data: Path,
                                                         tmp_path: Path) -> None:
    # msg_01 with a Windows-1252 subject written as raw 8-bit bytes and an impossible Date
    raw = (email_data / "msg_01.txt").read_bytes()
    raw = raw.replace(b"Subject: This is a test message", "Subject: Réunion — café".encode("cp1252"))
    raw = raw.replace(b"Date: Fri, 4 May 2001 14:05:44 -0400", b"Date: Fri, 44 Mai 2001 25:61:00 +9999")
    bad = tmp_path / "bad.eml"
    bad.write_bytes(raw)
    result = import_mail(vault, case.number, [bad])
    message = result.roots[0]
    codes = {w.code for w in message.warnings}
    assert {"charset_guessed", "date_unreadable"} <= codes
    meta = message.metadata["message"]
    assert meta["date"] is None and meta["date_header"] == "Fri, 44 Mai 2001 25:61:00 +9999"
    assert meta["subject"] == "Réunion — café"  # the guess happens to be right here
    assert _content(vault, message) == raw  # stored as found
    assert all(w.message_vi and w.details.get("place") for w in message.warnings)
