"""The message and conversation views in the preview pane, over a real vault (offscreen Qt)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Case, Vault
from forensics_app.services.messages import import_chat, import_mail

from . import chat_exports


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    from forensics_app.gui import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")

HTML_MAIL = """From: Phishing Team <security@bank.example>
To: victim@example.com
Subject: Verify your account
Date: Mon, 13 Nov 2023 09:00:00 +0700
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Please verify your account.
--b1
Content-Type: text/html; charset=utf-8

<html><body><p>Please <a href="{base}/login">verify</a> your account.</p>
<img src="{base}/track.png"><script>document.location='{base}/js'</script>
<iframe src="{base}/frame"></iframe></body></html>
--b1--
"""


class _Hits(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Hits.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args: Any) -> None:
        pass


def test_message_view_blocks_remote_content(qtbot: Any, vault: Vault, case: Case, tmp_path: Path) -> None:
    from forensics_app.gui.preview import PreviewPane

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        path = tmp_path / "phish.eml"
        path.write_text(HTML_MAIL.format(base=base).replace("\n", "\r\n"))
        message = import_mail(vault, case.number, [path]).roots[0]
        pane = PreviewPane()
        qtbot.addWidget(pane)
        with qtbot.waitSignal(pane.viewed, timeout=20000):
            pane.show_item(vault, message.id)
        view = pane.messages.message
        assert pane.content.currentWidget() is pane.messages
        assert "Verify your account" in view.summary.text() and "UTC+07:00" in view.summary.text()
        assert view.text.toPlainText().strip() == "Please verify your account."
        assert "verify" in view.html.toPlainText() and "document.location" not in view.html.toHtml()
        pane.show()
        view.tabs.setCurrentIndex(1)  # the formatted view, laid out: Qt asks for the image …
        qtbot.waitUntil(lambda: any(b.endswith("/track.png") for b in view.html.blocked), timeout=10000)
        assert _Hits.hits == []  # … and nothing reached the server
        assert view.headers.rowCount() == 6 and view.route.rowCount() == 0
    finally:
        server.shutdown()


def test_conversation_view_keeps_an_excerpt(qtbot: Any, vault: Vault, case: Case, tmp_path: Path) -> None:
    from forensics_app.gui.preview import PreviewPane

    import_chat(vault, case.number, [chat_exports.telegram_single_chat(tmp_path / "tg")], timezone="Asia/Ho_Chi_Minh")
    (conversation,) = vault.list_items(case.id, kind="conversation")
    pane = PreviewPane()
    qtbot.addWidget(pane)
    with qtbot.waitSignal(pane.viewed, timeout=20000):
        pane.show_item(vault, conversation.id)
    view = pane.messages.conversation
    assert view.model.rowCount() == 5
    assert "5 of 5" in view.summary.text()
    text = view.model.index(2, 3).data()
    assert text == "đã chuyển, @lua_dao kiểm tra đi"
    assert "reply to 102" in view.model.index(2, 4).data()
    view.table.selectRow(1)
    view.table.selectionModel().select(view.model.index(2, 0), view.table.selectionModel().SelectionFlag.Select |
                                       view.table.selectionModel().SelectionFlag.Rows)
    assert view.selected_range() == (2, 3)
    with qtbot.waitSignal(view.excerpt_made, timeout=20000) as made:
        view.excerpt.click()
    excerpt = vault.get_item(made.args[0])
    assert excerpt.kind == "conversation_excerpt" and excerpt.parent_id == conversation.id
    assert excerpt.metadata["chat_excerpt"]["first_anchor"] == "m2"
    from forensics_app.gui import i18n

    i18n.set_language("vi")
    from PySide6.QtCore import Qt

    assert view.model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Nội dung"
