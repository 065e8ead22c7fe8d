"""Alerts out of the vault, to real servers started here: SMTP (aiosmtpd) with STARTTLS and with implicit TLS,
both on self-signed certificates the client must trust explicitly; a webhook on a local HTTP server."""

from __future__ import annotations

import email
import json
import ssl
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from evidence_store import Case, Vault
from evidence_store import monitor_store as store
from forensics_app.services import alerts, notify, settings
from tests.web.site import Tls, make_certificate


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logins: list[tuple[str, str]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[arg-type]
        self.arrived.set()
        return "250 OK"

    def authenticate(self, _server: SMTP, _session: Session, _envelope: Envelope, mechanism: str,
                     data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=data.password == b"mat-khau-smtp")
        return AuthResult(success=False)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


def _context(tls: Tls) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_pem, tls.key_pem)
    return context


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["starttls", "tls"])
def smtp(request: pytest.FixtureRequest, tls: Tls) -> Iterator[tuple[Inbox, dict[str, Any]]]:
    inbox = Inbox()
    port = _free_port()
    kwargs: dict[str, Any] = {"authenticator": inbox.authenticate, "auth_require_tls": True}
    if request.param == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=_context(tls), require_starttls=True,
                                **kwargs)
    else:
        # implicit TLS: the whole session is encrypted; aiosmtpd's "require TLS for AUTH" only knows STARTTLS
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=_context(tls),
                                **{**kwargs, "auth_require_tls": False})
    controller.start()
    config = {"host": "localhost", "port": port, "security": request.param, "from": "giamsat@example.vn",
              "to": ["truc-ban@example.vn"], "user": "giamsat", "ca_file": str(tls.cert_pem)}
    yield inbox, config
    controller.stop()


def _alerting_vault(vault: Vault, case: Case) -> store.WatchRow:
    watch = store.add_watches(vault, case, [("https://tin.example.vn/bai-1", "page", {"schedule": {}}, "2026-01-01")])[0]
    run = store.start_run(vault, watch, "2026-01-01", "2026-01-02")
    store.finish_run(vault, run, store.RunResult(status="changed", summary="x", alerts=[
        ("changed", json.dumps({"en": "text +3/−1 words", "vi": "văn bản +3/−1 từ"}), None),
        ("keyword", json.dumps({"en": "keywords: lừa đảo", "vi": "từ khoá: lừa đảo"}), None)]))
    return watch


def test_email_over_tls_grouped_per_case_and_watch_and_logged(vault: Vault, case: Case, smtp: tuple[Inbox, Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, config = smtp
    monkeypatch.setenv("FORENSICS_SMTP_PASSWORD", "mat-khau-smtp")
    _alerting_vault(vault, case)
    settings.set_settings(vault, {"monitor_email": config})
    assert notify.deliver_pending(vault) == {"email": 2}
    assert inbox.logins == [("giamsat", "mat-khau-smtp")]
    message = inbox.messages[0]
    body = message.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert f"case {case.id} · https://tin.example.vn/bai-1" in body
    assert "[Có thay đổi]" in body and "văn bản +3/−1 từ" in body and "[Changed]" in body and "[Keyword]" in body
    assert message["To"] == "truc-ban@example.vn"
    assert notify.deliver_pending(vault) == {"email": 0}  # sent once
    entries = [d for _s, d in vault.custody_details("monitor.alert.deliver")]
    assert entries == [{"channel": "email", "alerts": [1, 2], "to": ["truc-ban@example.vn"], "host": "localhost"}]
    assert "mat-khau-smtp" not in json.dumps(vault.settings())


def test_email_to_an_untrusted_certificate_fails_and_the_alerts_stay_pending(
        vault: Vault, case: Case, smtp: tuple[Inbox, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _inbox, config = smtp
    _alerting_vault(vault, case)
    settings.set_settings(vault, {"monitor_email": {**config, "ca_file": None}})
    with pytest.raises(ssl.SSLCertVerificationError):
        notify.deliver_pending(vault)
    assert len(store.alerts(vault, undelivered="email")) == 2


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()


def test_webhook_posts_json_with_a_bearer_token_from_the_environment(vault: Vault, case: Case,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("FORENSICS_WEBHOOK_TOKEN", "tok-123")
        watch = _alerting_vault(vault, case)
        settings.set_settings(vault, {"monitor_webhook": {"url": f"http://127.0.0.1:{server.server_port}/hook"}})
        assert notify.deliver_pending(vault) == {"webhook": 2}
    finally:
        server.shutdown()
    headers, body = _Hook.received[-1]
    assert headers["Authorization"] == "Bearer tok-123"
    data = json.loads(body)
    assert [a["kind"] for a in data["alerts"]] == ["changed", "keyword"]
    assert data["alerts"][0]["watch_id"] == watch.id and "văn bản +3/−1 từ" in data["text_vi"]


def test_one_alert_list_holds_monitoring_and_entity_alerts(vault: Vault, case: Case, tmp_path: Path) -> None:
    _alerting_vault(vault, case)
    import io

    from evidence_store import entity_store
    from evidence_store.entity_store import Occurrence

    with vault.batch(case) as batch:
        pending = batch.add_content(io.BytesIO(b"0912345678"), kind="file", name="a.txt", source="test")
    entity_store.add_watch(vault, "phone", "+84912345678")
    from evidence_store import analysis_store
    from evidence_store.search_index import IndexState

    item = pending.item
    assert item is not None
    analysis_store.store(vault, case, [analysis_store.ItemAnalysis(
        state=IndexState(item.id, case.id, "indexed", "", "test", 10),
        occurrences=[Occurrence("phone", "+84912345678", "0912 345 678", item.id, case.id, "text:0", "0912345678",
                                "phone.vn")])])
    rows = alerts.all_alerts(vault, unread_only=True)
    assert [(a.source, a.kind) for a in rows] == [("monitoring", "changed"), ("monitoring", "keyword"),
                                                  ("entity", "entity")]
    groups = alerts.grouped(rows)
    assert list(groups) == [f"case {case.id} · https://tin.example.vn/bai-1", f"case {case.id} · phone +84912345678"]
    assert alerts.mark_read(vault, ["m1", "e1"]) == 2
    assert [a.ref for a in alerts.all_alerts(vault, unread_only=True)] == ["m2"]
