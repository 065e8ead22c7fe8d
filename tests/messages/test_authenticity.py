"""DKIM checked against OpenDKIM's signatures, with the DNS answers recorded and the check repeatable."""

from __future__ import annotations

from pathlib import Path

from collectors.messages.options import MailOptions
from evidence_store import Case, Vault
from forensics_app.services.messages import import_mail, recheck

from .conftest import DkimSigner
from .dns_server import TxtServer


def _signed(tmp_path: Path, signer: DkimSigner, email_data: Path, name: str = "msg_01.txt") -> Path:
    path = tmp_path / "signed.eml"
    path.write_bytes(signer.sign((email_data / name).read_bytes()))
    return path


def test_supplied_answer_passes_and_is_recorded(vault: Vault, case: Case, dkim_signer: DkimSigner,
                                                email_data: Path, tmp_path: Path) -> None:
    answers = ({"name": dkim_signer.dns_name, "answer": dkim_signer.record},)
    message = import_mail(vault, case.number, [_signed(tmp_path, dkim_signer, email_data)],
                          MailOptions(dns_answers=answers)).roots[0]
    auth = message.metadata["message"]["authenticity"]
    (dkim,) = auth["dkim"]
    assert (dkim["domain"], dkim["selector"], dkim["result"]) == ("example.org", "sel2024", "pass")
    (answer,) = auth["dns"]
    assert answer["name"] == dkim_signer.dns_name and answer["answer"] == dkim_signer.record
    assert answer["source"] == "supplied"
    # repeated later from the recorded answer alone, and logged
    again = recheck(vault, message.id)
    assert again["dns_source"] == "recorded" and again["dkim"][0]["result"] == "pass"


def test_changed_body_fails_with_its_reason(vault: Vault, case: Case, dkim_signer: DkimSigner,
                                           email_data: Path, tmp_path: Path) -> None:
    path = _signed(tmp_path, dkim_signer, email_data)
    path.write_bytes(path.read_bytes().replace(b"Do you like this message?", b"Do you like this messages?"))
    answers = ({"name": dkim_signer.dns_name, "answer": dkim_signer.record},)
    message = import_mail(vault, case.number, [path], MailOptions(dns_answers=answers)).roots[0]
    (dkim,) = message.metadata["message"]["authenticity"]["dkim"]
    assert dkim["result"] == "fail" and "body was changed after signing" in dkim["reason"]
    assert "forged" not in dkim["reason"]


def test_no_dns_answer_is_not_checked(vault: Vault, case: Case, dkim_signer: DkimSigner, email_data: Path,
                                      tmp_path: Path) -> None:
    message = import_mail(vault, case.number, [_signed(tmp_path, dkim_signer, email_data)]).roots[0]
    auth = message.metadata["message"]["authenticity"]
    assert auth["dkim"][0]["result"] == "not checked"
    assert "fetching was not asked for" in auth["dkim"][0]["reason"]
    assert auth["dns"][0]["status"] == "not available"


def test_fetched_from_a_dns_server_then_rechecked_after_the_key_is_gone(
        vault: Vault, case: Case, dkim_signer: DkimSigner, email_data: Path, tmp_path: Path) -> None:
    path = _signed(tmp_path, dkim_signer, email_data)
    with TxtServer({dkim_signer.dns_name: dkim_signer.record}) as server:
        options = MailOptions(fetch_dns=True, dns_server=server.address)
        message = import_mail(vault, case.number, [path], options).roots[0]
        assert server.queries == [dkim_signer.dns_name]
    auth = message.metadata["message"]["authenticity"]
    assert auth["dkim"][0]["result"] == "pass"
    (answer,) = auth["dns"]
    assert answer["source"] == "fetched" and answer["resolver"] == "127.0.0.1" and answer["at"]
    assert answer["answer"] == dkim_signer.record and answer["ttl"] == 300
    # the key is removed from DNS (rotated): a fresh look-up cannot check it, the recorded answer still can
    with TxtServer({}) as server:
        fresh = recheck(vault, message.id, fetch_dns=True, dns_server=server.address)
    assert fresh["dkim"][0]["result"] == "not checked" and "removed or rotated" in fresh["dkim"][0]["reason"]
    assert recheck(vault, message.id)["dkim"][0]["result"] == "pass"


def test_receiving_server_claims_are_reported_as_claims(vault: Vault, case: Case, email_data: Path,
                                                       tmp_path: Path) -> None:
    raw = (email_data / "msg_01.txt").read_bytes()
    raw = (b"Authentication-Results: mx.google.com;\n       dkim=pass header.i=@ddd.com;\n"
           b"       spf=softfail (domain of transitioning bbb@ddd.com) smtp.mailfrom=bbb@ddd.com;\n"
           b"       dmarc=fail (p=NONE) header.from=ddd.com\n" + raw)
    path = tmp_path / "claims.eml"
    path.write_bytes(raw)
    message = import_mail(vault, case.number, [path], MailOptions(trusted_hosts=("google.com",))).roots[0]
    (claim,) = message.metadata["message"]["authenticity"]["claims"]
    assert claim["authserv_id"] == "mx.google.com" and claim["claimed_by_trusted_server"] is True
    assert [(r["method"], r["result"]) for r in claim["results"]] == [("dkim", "pass"), ("spf", "softfail"),
                                                                     ("dmarc", "fail")]
    assert message.metadata["message"]["authenticity"]["dkim"] == []  # nothing signed: nothing checked here


def test_arc_set_checked_with_recorded_answers(vault: Vault, case: Case, dkim_signer: DkimSigner, email_data: Path,
                                               tmp_path: Path) -> None:
    # sealed by dkimpy's ARC signer with OpenDKIM's key (an intermediary's seal over the message as received)
    import dkim

    raw = (b"Authentication-Results: mx.example.org; dkim=none; spf=pass smtp.mailfrom=ddd.com\r\n"
           + (email_data / "msg_01.txt").read_bytes().replace(b"\n", b"\r\n"))
    key = (dkim_signer.folder / f"{dkim_signer.selector}.private").read_bytes()
    sealed = b"".join(dkim.arc_sign(raw, dkim_signer.selector.encode(), dkim_signer.domain.encode(), key,
                                    b"mx.example.org")) + raw
    answers = ({"name": dkim_signer.dns_name, "answer": dkim_signer.record},)
    good, bad = tmp_path / "sealed.eml", tmp_path / "changed.eml"
    good.write_bytes(sealed)
    bad.write_bytes(sealed.replace(b"Do you like this message?", b"Do you hate this message?"))
    result = import_mail(vault, case.number, [good, bad], MailOptions(dns_answers=answers))
    first, second = result.roots
    arc = first.metadata["message"]["authenticity"]["arc"]
    assert arc["result"] == "pass" and arc["instances"][0]["sealer"] == "example.org"
    assert second.metadata["message"]["authenticity"]["arc"]["result"] == "fail"
    assert first.metadata["message"]["authenticity"]["dns"][0]["name"] == dkim_signer.dns_name
    claims = first.metadata["message"]["authenticity"]["claims"]
    assert {(c["header"], c["authserv_id"]) for c in claims} >= {("ARC-Authentication-Results", "mx.example.org")}


def test_mbox_from_quoting_is_named_when_a_body_hash_fails(vault: Vault, case: Case, dkim_signer: DkimSigner,
                                                           email_data: Path, tmp_path: Path) -> None:
    import mailbox

    raw = (email_data / "msg_01.txt").read_bytes().replace(b"Hi,\n", b"Hi,\n\nFrom now on, pay here.\n")
    box = mailbox.mbox(str(tmp_path / "box.mbox"))
    box.add(dkim_signer.sign(raw))  # Python's mailbox writes the body line as ">From now on"
    box.flush()
    answers = ({"name": dkim_signer.dns_name, "answer": dkim_signer.record},)
    result = import_mail(vault, case.number, [tmp_path / "box.mbox"], MailOptions(dns_answers=answers))
    (message,) = vault.list_items(parent_id=result.containers[0].id, kind="message")
    (dkim_row,) = message.metadata["message"]["authenticity"]["dkim"]
    assert dkim_row["result"] == "fail" and "'>From '" in dkim_row["reason"]
