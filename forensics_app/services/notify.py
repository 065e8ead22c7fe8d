"""Alerts out of the vault: e-mail (SMTP with TLS) and a webhook, grouped per case and watch.

Configured in the vault's settings (``monitor_email``: host, port, security
``starttls``|``tls``, from, to, user, ca_file; ``monitor_webhook``: url, ca_file);
secrets (the SMTP password, a webhook token) come from the environment
(``FORENSICS_SMTP_PASSWORD``, ``FORENSICS_WEBHOOK_TOKEN``), never from settings,
whose changes are written into the custody log. Each delivery is logged with
the alert ids and where they went; certificates are always verified.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from evidence_store import UsageError, Vault
from evidence_store import monitor_store as store

from . import settings
from .alerts import from_monitor, grouped


def _context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def message_text(alerts: Sequence[store.MonitorAlert], lang: str = "en") -> str:
    lines = []
    for group, members in grouped([from_monitor(a) for a in alerts]).items():
        lines.append(group)
        for a in members:
            lines.append(f"  [{a.kind_text(lang)}] {a.created_at}: {a.text(lang)}"
                         + (f" (item {a.item_id})" if a.item_id else ""))
    return "\n".join(lines) + "\n"


def send_email(config: dict[str, Any], alerts: Sequence[store.MonitorAlert], *, timeout: float = 30) -> None:
    host, port = str(config.get("host") or ""), int(config.get("port") or 587)
    security = str(config.get("security") or "starttls")
    recipients = [r for r in config.get("to") or [] if r]
    if not host or not recipients or security not in ("starttls", "tls"):
        raise UsageError("monitor_email needs host, to and security starttls or tls",
                         message_vi="cài đặt gửi cảnh báo qua thư điện tử cần host, to và security là starttls hoặc tls")
    message = EmailMessage()
    message["Subject"] = f"[forensics] {len(alerts)} monitoring alert(s) / {len(alerts)} cảnh báo giám sát"
    message["From"] = str(config.get("from") or "forensics-monitor@localhost")
    message["To"] = ", ".join(recipients)
    message.set_content(message_text(alerts, "vi") + "\n---\n" + message_text(alerts, "en"))
    context = _context(config.get("ca_file"))
    password = os.environ.get("FORENSICS_SMTP_PASSWORD")
    if security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if security == "starttls":
            client.starttls(context=context)
        if config.get("user") and password:
            client.login(str(config["user"]), password)
        client.send_message(message)


def send_webhook(config: dict[str, Any], alerts: Sequence[store.MonitorAlert], *, timeout: float = 30) -> int:
    url = str(config.get("url") or "")
    if not url.startswith(("https://", "http://")):
        raise UsageError("monitor_webhook needs an http(s) url",
                         message_vi="cài đặt gửi cảnh báo tới webhook cần một url http(s)")
    body = json.dumps({"alerts": [from_monitor(a).to_json() for a in alerts],
                       "text": message_text(alerts, "en"), "text_vi": message_text(alerts, "vi")},
                      ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    token = os.environ.get("FORENSICS_WEBHOOK_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    context = _context(config.get("ca_file")) if url.startswith("https://") else None
    with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:  # noqa: S310
        return int(answer.status)


def deliver_pending(vault: Vault) -> dict[str, int]:
    """Send every alert not yet sent on each configured channel; a failure leaves them pending (and raises)."""
    sent = {}
    email = settings.get(vault, "monitor_email")
    if email:
        pending = store.alerts(vault, undelivered="email")
        if pending:
            send_email(dict(email), pending)
            store.mark_delivered(vault, [a.id for a in pending], "email",
                                 {"to": list(email.get("to") or []), "host": email.get("host")})
        sent["email"] = len(pending)
    hook = settings.get(vault, "monitor_webhook")
    if hook:
        pending = store.alerts(vault, undelivered="webhook")
        if pending:
            status = send_webhook(dict(hook), pending)
            store.mark_delivered(vault, [a.id for a in pending], "webhook", {"url": hook.get("url"), "status": status})
        sent["webhook"] = len(pending)
    return sent
