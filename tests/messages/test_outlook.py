"""PST (libpff) and .msg (python-oxmsg) items, checked against pffexport (libpff's own tool, Debian
pff-tools) and against the property dumps other projects published beside their samples."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_store import Case, Vault
from forensics_app.services.messages import import_mail


def _messages(vault: Vault, parent: int) -> list:
    return [i for i in vault.list_items(parent_id=parent) if i.kind == "message"]


def _pffexport(pst: Path, target: Path) -> list[dict[str, str]]:
    """Subject and submit time of each allocated message, as pffexport writes them (OutlookHeaders.txt)."""
    if shutil.which("pffexport") is None:
        pytest.fail("pffexport is missing: install pff-tools (installer/debian-packages.txt)", pytrace=False)
    subprocess.run(["pffexport", "-q", "-m", "items", "-t", str(target), str(pst)], capture_output=True, check=False)
    found = []
    for headers in sorted(Path(f"{target}.export").rglob("OutlookHeaders.txt")):
        text = headers.read_text("utf-8", "replace")
        fields = dict(re.findall(r"^([A-Za-z ]+):\t+(.*)$", text, re.M))
        if fields.get("Subject") is not None and headers.parent.name.startswith("Message"):
            body = headers.parent / "Message.txt"
            fields["body"] = body.read_text("utf-8", "replace") if body.is_file() else ""
            found.append(fields)
    return found


def test_pst_messages_match_pffexport(vault: Vault, case: Case, outside_samples: Path, tmp_path: Path) -> None:
    pst = outside_samples / "pst" / "aleph-testPST.pst"
    expected = _pffexport(pst, tmp_path / "pff")
    assert len(expected) == 6
    result = import_mail(vault, case.number, [pst])
    (container,) = result.containers
    assert b"".join(vault.read_item(container)) == pst.read_bytes()
    stored = _messages(vault, container.id)
    allocated = [m for m in stored if not m.metadata["message"]["recovered"]]
    assert sorted(m.metadata["message"]["subject"] for m in allocated) == sorted(e["Subject"] for e in expected)
    by_subject = {m.metadata["message"]["subject"]: m for m in allocated}
    for fields in expected:
        when = fields["Client submit time"]  # "Feb 26, 2014 07:50:04.000000000 UTC"
        message = by_subject[fields["Subject"]]
        assert message.metadata["reconstructed"] is True
        from datetime import datetime
        assert message.metadata["message"]["date"] == datetime.strptime(
            when.split(".")[0], "%b %d, %Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    from collectors.messages.mime import message_text

    for fields in expected:  # the plain body as pffexport writes it (Message.txt), in our rebuilt message
        stored = message_text(b"".join(vault.read_item(by_subject[fields["Subject"]])))
        assert " ".join(stored.split()) == " ".join(fields["body"].split())
    first = by_subject["Re: Feature Generators"]
    meta = first.metadata["message"]
    assert meta["from"] == ["Jörn Kottmann <kottmann@gmail.com>"] and meta["folder"].endswith("Outlook")
    assert len(meta["received"]) >= 2  # Outlook kept the transport headers: the route is there
    assert all(r["result"] == "not checked" for r in meta["authenticity"]["dkim"])
    assert meta["authenticity"]["dkim"]  # gmail's DKIM-Signature is listed, not checked (rebuilt bytes)


def test_pst_recovered_item_is_marked(vault: Vault, case: Case, outside_samples: Path) -> None:
    # pffexport -m recovered finds one deleted copy of "Feature Generators" (Message00010) in this file
    result = import_mail(vault, case.number, [outside_samples / "pst" / "aleph-testPST.pst"])
    recovered = [m for m in _messages(vault, result.containers[0].id) if m.metadata["message"]["recovered"]]
    assert [m.metadata["message"]["subject"] for m in recovered] == ["Feature Generators"]
    assert recovered[0].metadata["message"]["from"] == ["Kenig Ma <kenigma1122@gmail.com>"]
    assert any(w.code == "recovered_item" for w in recovered[0].warnings)


def test_pst_without_messages_counts_nothing(vault: Vault, case: Case, outside_samples: Path) -> None:
    # java-libpst's dist-list.pst holds a contact, a distribution list and an appointment: no e-mail
    result = import_mail(vault, case.number, [outside_samples / "pst" / "java-libpst-dist-list.pst"])
    assert result.messages == 0 and len(result.containers) == 1 and not result.skipped


def test_broken_pst_node_is_skipped_with_its_place(vault: Vault, case: Case, outside_samples: Path,
                                                   tmp_path: Path) -> None:
    data = bytearray((outside_samples / "pst" / "aleph-testPST.pst").read_bytes())
    data[0x10000:0x14000] = b"\xa5" * 0x4000  # overwrite blocks in the middle of the file
    broken = tmp_path / "broken.pst"
    broken.write_bytes(bytes(data))
    result = import_mail(vault, case.number, [broken])
    assert len(result.containers) == 1  # the file itself is kept as found
    assert result.messages == 5 and result.problems  # five of six messages read; the sixth is skipped …
    ((place, reason),) = result.skipped
    assert "broken.pst" in place and "item 2" in place and "unreadable node" in reason  # … with where and why


def test_msg_files_match_their_published_facts(vault: Vault, case: Case, outside_samples: Path) -> None:
    folder = outside_samples / "msg"
    result = import_mail(vault, case.number, [folder / "ruby-msg-qwerty_1-orig.msg", folder / "message.msg",
                                               folder / "aleph-piste.msg"])
    assert [c.metadata["mailbox"]["format"] for c in result.containers] == ["msg"] * 3
    qwerty, tutanota, piste = (_messages(vault, c.id)[0] for c in result.containers)
    # ruby-msg's qwerty_1-orig.txt: PR_SUBJECT "qwerty", PR_DISPLAY_TO "asdf"
    assert qwerty.metadata["message"]["subject"] == "qwerty" and qwerty.metadata["message"]["to"] == ["asdf"]
    # python-oxmsg's README: message.msg carries one attachment, serveimage.jpg (36,739 bytes)
    (image,) = vault.list_items(parent_id=tutanota.id)
    assert (image.name, image.size, image.media_type) == ("serveimage.jpg", 36739, "image/jpeg")
    # piste.msg keeps its Internet headers: the GMX Received hop is in the route table
    hops = piste.metadata["message"]["received"]
    assert hops and hops[0]["time"] == "2010-11-28T22:42:18Z"
    assert piste.metadata["message"]["from"] == ["GMX Magazin <mailings@gmxnet.de>"]


def test_not_an_msg_is_refused_with_its_reason(vault: Vault, case: Case, outside_samples: Path) -> None:
    with pytest.raises(Exception, match="not-a-MSG-file.msg"):
        import_mail(vault, case.number, [outside_samples / "msg" / "not-a-MSG-file.msg"])


def test_without_pffexport_deleted_items_are_said_not_looked_for(vault: Vault, case: Case, outside_samples: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = import_mail(vault, case.number, [outside_samples / "pst" / "aleph-testPST.pst"])
    assert result.messages == 6 and not result.problems
    (note,) = result.notes
    assert "deleted items were not looked for" in note and "pff-tools" in note
