"""Court report exhibits of messages and conversations, read back from the PDF by pdftotext."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from collectors.messages.options import MailOptions
from evidence_store import Case, Vault
from forensics_app.services.messages import conversation_rows, import_chat, import_mail, make_excerpt
from forensics_app.services.reports import ReportOptions, generate_report

from . import chat_exports
from .conftest import DkimSigner

pytestmark = pytest.mark.slow


def _text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())


def test_message_and_excerpt_exhibits(vault: Vault, case: Case, email_data: Path, dkim_signer: DkimSigner,
                                      tmp_path: Path) -> None:
    signed = tmp_path / "signed.eml"
    signed.write_bytes(dkim_signer.sign((email_data / "msg_01.txt").read_bytes()))
    answers = ({"name": dkim_signer.dns_name, "answer": dkim_signer.record},)
    message = import_mail(vault, case.number, [signed, email_data / "msg_45.txt", email_data / "msg_25.txt"],
                          MailOptions(dns_answers=answers, trusted_hosts=("www.linux.org.uk",))).roots[0]
    chat = import_chat(vault, case.number, [chat_exports.telegram_single_chat(tmp_path / "tg")],
                       timezone="Asia/Ho_Chi_Minh")
    (conversation,) = [i for i in vault.list_items(case.id) if i.kind == "conversation"]
    excerpt = make_excerpt(vault, conversation.id, 2, 3, note="the transfer")
    _, rows = conversation_rows(vault, conversation.id)
    assert excerpt.sha256 and excerpt.metadata["chat_excerpt"]["first_anchor"] == "m2"
    assert b"".join(vault.read_item(excerpt)).count(b"\n") == 2 and rows[1]["anchor"] == "m2"
    out = tmp_path / "report.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="court", lang="en"))
    text = _text(out)
    assert "Headerblock(aswritten)" in text and "Subject" in text
    assert "DKIM" in text and "example.org/sel2024" in text and "pass" in text
    assert "DNSanswersused" in text and "sel2024._domainkey.example.or" in text  # the name wraps in its cell
    assert dkim_signer.record[-20:] in text  # the recorded key, printed whole
    assert "Route(Receivedheaders" in text and "www.linux.org.uk" in text and "atrustedserver" in text
    assert "signature.asc" in text and "Attachments(1)" in text and "<br/>" not in text
    assert "Excerptofconversationitem" in text and "Chuyểnkhoản5.000.000đ" in text
    assert "đãchuyển,@lua_daokiểmtrađi" in text and "replyto102" in text
    assert chat.messages == 5 and message.kind == "message"
    vi = tmp_path / "bao-cao.pdf"
    generate_report(vault, case.number, vi, ReportOptions(kind="court", lang="vi"))
    text_vi = _text(vi)
    assert "Đườngđi" in text_vi and "Kiểmtratínhxácthực" in text_vi and "Tríchđoạncuộctròchuyện" in text_vi
